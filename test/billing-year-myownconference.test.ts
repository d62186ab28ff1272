import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { advanceClock, aTestClock, entitlements, mailsTo, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { billingTab, GOOD_CARD } from './helpers/billing-scenario.ts';

// MyOwnConference's year of billing for a Polish company, Europe/Vilnius. What the preset offers:
// - no trial (`trial: null`, catalog cross-seed n/s): the customer starts on the free plan;
// - paid plans (Webinar 100 at 39.00 EUR net a month, seed silent) paid only by redirect to Paysera or
//   PayPal, with nothing but the processor's transaction reference kept (MOC-BIL-01); no stored credentials,
//   so no automatic renewal (`autoRenew: false`) and nothing to retry (`renewalRetryDays: []`) — each period
//   is a new redirect payment;
// - no add-ons and no packs (`addOns: []`, `packs: []`), refunds only where the law requires
//   (`refundReasonCodes: [mandatory_law]`, no amount in the terms); the seller is Lithuanian (MOC-LEG-01), so
//   no FA(3) is issued.
//
// Payment by redirect (MOC-BIL-01): an account on a test clock pays through the sandbox's redirect mode
// (`sandbox_redirect`, an approval page the test approves or declines, as a buyer would on PayPal's page; the
// PayPal adapter itself is driven against a local PayPal server in billing-paypal.test.ts).
//
// VAT: the buyer is a Polish company (NIP 5260250274). The seller is Lithuanian (MOC-LEG-01); the terms ask
// for a VIES check (`viesCheckRequired`) and the test app has no VIES, so the VAT id stays unconfirmed and the
// buyer is billed as an EU consumer at the destination rate (`euConsumer: destination_rate`): Polish 23%.
// No FA(3) XML (the seller is not Polish).
//
// The year, Europe/Vilnius:
// - 2026-03-09 Webinar 100 monthly: the first redirect payment is declined on the approval page, nothing
//   starts; the retry is paid: 39.00 + 23% 8.97 = 47.97 EUR, period 2026-03-09..2026-04-08 (anniversary).
// - 2026-04-05 the next period paid ahead by redirect: 2026-04-09..2026-05-08, 47.97; the renewal due at
//   midnight after 2026-04-08 finds nothing to do (the period already moved on).
// - 2026-04-20 upgrade to Webinar 500 (immediate, prorated): 19 of the period's 30 days (04-20..05-08) of
//   the difference 119.00 − 39.00 = 80.00 → 50.666… = 50.67 net, VAT 11.65, 62.32 paid by redirect.
// - 2026-04-25 downgrade back to Webinar 100: from the next period (2026-05-09), nothing to pay now;
//   2026-05-05 that period is paid ahead by redirect at the Webinar 100 price (47.97), 2026-05-09..06-08.
// - 2026-06-05 the next period's redirect payment is started and abandoned (the buyer never comes back);
//   at midnight after 2026-06-08 the subscription ends unpaid and the account is restricted (non-payment,
//   `restrictAfterOverdueDays: 0`).
// - 2026-06-12 the customer pays: the subscription restarts with a full period 2026-06-12..2026-07-11,
//   47.97, and the restriction is lifted (`restoreAccessOnFullPayment`).
// - 2026-06-20 the upgrade's 62.32 refunded where the law requires it (`mandatory_law`, the amount stated
//   by the operator since the terms set none), with a correcting invoice.

const EMAIL = 'anna@roza.example';
let app: TestApp;
let clock: string;
let accountId: string;

before(async () => {
  app = await buildTestApp({ preset: 'myownconference' });
  clock = await aTestClock(app, '2026-03-02T10:00:00+02:00');
});
after(() => app.close());

describe('MyOwnConference: a year of billing on a test clock', () => {
  it('no trial in this preset: the company registered on 2026-03-02 is on the free plan', async () => {
    const account = await registered(app, clock, { email: EMAIL });
    accountId = account.accountId;
    const now = await entitlements(app, accountId);
    assert.equal(now.plan.code, 'free');
  });

  it('MOC-BIL-01: the platform never takes a card: saving one, or ordering with one, is refused and stores nothing', async () => {
    await advanceClock(app, clock, '2026-03-09T10:00:00+02:00');
    const saved = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/payment-methods`,
      headers: app.operator,
      payload: { card: GOOD_CARD, recurringConsent: false },
    });
    assert.deepEqual([saved.statusCode, saved.json().code], [409, 'billing.cards_not_accepted']);
    const ordered = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers: app.operator,
      payload: { plan: 'webinar_100', frequency: 'monthly', card: GOOD_CARD },
    });
    assert.deepEqual([ordered.statusCode, ordered.json().code], [409, 'billing.cards_not_accepted']);
    const tab = await billingTab(app, accountId);
    assert.deepEqual([tab.subscription, tab.paymentMethods, tab.invoices], [null, [], []]);
    assert.deepEqual(await app.billing.payments(accountId), []);
  });

  it('MOC-BIL-01: Webinar 100 ordered on 2026-03-09 is paid by redirect: declined on the approval page, nothing starts; the retry pays 47.97 EUR and keeps only the transaction reference', async () => {
    const first = await order({ plan: 'webinar_100', frequency: 'monthly' });
    assert.equal(first.json().payment.provider, 'sandbox_redirect');
    assert.equal((await decide(first, false)).status, 'failed');
    assert.equal((await billingTab(app, accountId)).subscription, null);
    assert.equal((await entitlements(app, accountId)).plan.code, 'free');

    const retry = await order({ plan: 'webinar_100', frequency: 'monthly' });
    assert.notEqual(retry.json().payment.id, first.json().payment.id);
    assert.equal((await decide(retry, true)).status, 'succeeded');
    assert.equal((await entitlements(app, accountId)).plan.code, 'webinar_100');
    const tab = await billingTab(app, accountId);
    assert.deepEqual(tab.subscription.currentPeriod, { from: '2026-03-09', to: '2026-04-08' });
    assert.deepEqual(invoices(tab), [
      ['VAT', 'paid', '2026-03-09', '2026-03-09..2026-04-08', '39.00', '8.97', '47.97', false],
    ]);
    assert.deepEqual(await payments(), [
      ['order', 'sandbox_redirect', '47.97', 'failed', 'payment_declined_by_buyer'],
      ['order:2', 'sandbox_redirect', '47.97', 'succeeded', null],
    ]);
    // Only the processor's reference is kept: the capture's.
    const paid = (await app.billing.payments(accountId)).find((p) => p.status === 'succeeded');
    assert.match(paid?.providerRef ?? '', /^cap_sandbox_/);
  });

  it('MOC-BIL-01: the next period is paid ahead by redirect on 2026-04-05; the renewal date passes with nothing to do', async () => {
    await advanceClock(app, clock, '2026-04-05T10:00:00+03:00');
    // The reminder (renewalReminderLeadDays 7) has told the customer what the next period costs.
    const reminders = await mailsTo(app, EMAIL, 'billing.renewal_reminder');
    assert.equal(reminders.length, 1);
    assert.match(reminders[0]!.subject, /Webinar 100/);
    assert.match(JSON.stringify(reminders[0]!.body), /47,97/);
    const res = await renewalPayment();
    assert.deepEqual(res.json().period, { from: '2026-04-09', to: '2026-05-08' });
    // Asking again while the buyer is away answers the same page.
    const again = await renewalPayment();
    assert.equal(again.json().payment.id, res.json().payment.id);
    assert.equal((await decide(res, true)).status, 'succeeded');
    await advanceClock(app, clock, '2026-04-12T10:00:00+03:00');
    const tab = await billingTab(app, accountId);
    assert.deepEqual(
      [tab.state, tab.subscription.status, tab.subscription.currentPeriod, tab.subscription.paidThrough],
      ['active', 'active', { from: '2026-04-09', to: '2026-05-08' }, '2026-05-08'],
    );
    assert.deepEqual(invoices(tab)[0], [
      'VAT',
      'paid',
      '2026-04-05',
      '2026-04-09..2026-05-08',
      '39.00',
      '8.97',
      '47.97',
      false,
    ]);
  });

  it('MOC-BIL-01: the upgrade to Webinar 500 on 2026-04-20 is paid by redirect: 19/30 of 80.00 = 50.67 net, 62.32 EUR', async () => {
    await advanceClock(app, clock, '2026-04-20T10:00:00+03:00');
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscription/plan-change`,
      headers: app.operator,
      payload: { plan: 'webinar_500' },
    });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(res.json().nextAction.type, 'redirect');
    assert.equal((await entitlements(app, accountId)).plan.code, 'webinar_100');
    assert.equal((await decide(res, true)).status, 'succeeded');
    assert.equal((await entitlements(app, accountId)).plan.code, 'webinar_500');
    assert.deepEqual(invoices(await billingTab(app, accountId))[0], [
      'VAT',
      'paid',
      '2026-04-20',
      '2026-04-20..2026-05-08',
      '50.67',
      '11.65',
      '62.32',
      false,
    ]);
  });

  it('MOC-BIL-01: the downgrade on 2026-04-25 takes effect with the next period, paid ahead by redirect on 2026-05-05 at the Webinar 100 price', async () => {
    await advanceClock(app, clock, '2026-04-25T10:00:00+03:00');
    const down = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscription/plan-change`,
      headers: app.operator,
      payload: { plan: 'webinar_100' },
    });
    assert.equal(down.statusCode, 200, down.body);
    assert.deepEqual([down.json().outcome, down.json().effectiveFrom], ['scheduled', '2026-05-09']);
    await advanceClock(app, clock, '2026-05-05T10:00:00+03:00');
    const res = await renewalPayment();
    assert.deepEqual(res.json().period, { from: '2026-05-09', to: '2026-06-08' });
    assert.equal((await decide(res, true)).status, 'succeeded');
    // Webinar 500 stays on until the paid period ends; Webinar 100 from 2026-05-09.
    assert.equal((await entitlements(app, accountId)).plan.code, 'webinar_500');
    await advanceClock(app, clock, '2026-05-10T10:00:00+03:00');
    assert.equal((await entitlements(app, accountId)).plan.code, 'webinar_100');
    const tab = await billingTab(app, accountId);
    assert.deepEqual(
      [tab.state, tab.subscription.plan, tab.subscription.status, tab.subscription.currentPeriod],
      ['active', 'webinar_100', 'active', { from: '2026-05-09', to: '2026-06-08' }],
    );
    assert.deepEqual(invoices(tab)[0], [
      'VAT',
      'paid',
      '2026-05-05',
      '2026-05-09..2026-06-08',
      '39.00',
      '8.97',
      '47.97',
      false,
    ]);
  });

  it('MOC-BIL-01: the June payment is started on 2026-06-05 and abandoned; after 2026-06-08 the subscription ends unpaid and the account is restricted', async () => {
    await advanceClock(app, clock, '2026-06-05T10:00:00+03:00');
    const abandoned = await renewalPayment();
    assert.deepEqual(abandoned.json().period, { from: '2026-06-09', to: '2026-07-08' });
    await advanceClock(app, clock, '2026-06-10T10:00:00+03:00');
    const tab = await billingTab(app, accountId);
    assert.deepEqual([tab.state, tab.subscription.status], ['restricted', 'ended']);
  });

  it('MOC-BIL-01: paying on 2026-06-12 restarts the subscription for 2026-06-12..2026-07-11 (47.97 EUR) and lifts the restriction', async () => {
    await advanceClock(app, clock, '2026-06-12T10:00:00+03:00');
    const res = await renewalPayment();
    assert.deepEqual(res.json().period, { from: '2026-06-12', to: '2026-07-11' });
    assert.equal((await decide(res, true)).status, 'succeeded');
    await advanceClock(app, clock, '2026-06-20T10:00:00+03:00');
    const tab = await billingTab(app, accountId);
    assert.deepEqual(
      [tab.state, tab.subscription.plan, tab.subscription.status, tab.subscription.currentPeriod],
      ['active', 'webinar_100', 'active', { from: '2026-06-12', to: '2026-07-11' }],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'webinar_100');
    assert.deepEqual(invoices(tab)[0], [
      'VAT',
      'paid',
      '2026-06-12',
      '2026-06-12..2026-07-11',
      '39.00',
      '8.97',
      '47.97',
      false,
    ]);
  });

  it("MOC-BIL-01: the upgrade's 62.32 EUR is refunded where the law requires, through the gateway that took it, with a correcting invoice", async () => {
    const upgrade = (await app.billing.payments(accountId)).find((p) =>
      p.idempotencyKey.startsWith('upgrade:'),
    )!;
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refunds`,
      headers: app.operator,
      payload: { paymentId: upgrade.id, reason: 'mandatory_law', amount: '62.32' },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().refund.status, 'refunded');
    const [correction] = invoices(await billingTab(app, accountId));
    assert.deepEqual(correction!.slice(0, 2), ['KOR', 'paid']);
    assert.equal(correction![6], '-62.32');
    // The money: 47.97 × 4 periods + 62.32 upgrade − 62.32 refunded; a declined and an abandoned attempt.
    assert.deepEqual(
      (await payments()).map((p) => p.slice(0, 4)),
      [
        ['order', 'sandbox_redirect', '47.97', 'failed'],
        ['order:2', 'sandbox_redirect', '47.97', 'succeeded'],
        ['renewal', 'sandbox_redirect', '47.97', 'succeeded'],
        ['upgrade', 'sandbox_redirect', '62.32', 'succeeded'],
        ['renewal', 'sandbox_redirect', '47.97', 'succeeded'],
        ['renewal', 'sandbox_redirect', '47.97', 'pending'],
        ['renewal', 'sandbox_redirect', '47.97', 'succeeded'],
      ],
    );
  });
});

function order(payload: Record<string, unknown>) {
  return app.http
    .inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers: app.operator,
      payload,
    })
    .then((res) => {
      assert.equal(res.statusCode, 202, res.body);
      return res;
    });
}

function renewalPayment() {
  return app.http
    .inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscription/renewal-payments`,
      headers: app.operator,
      payload: {},
    })
    .then((res) => {
      assert.equal(res.statusCode, 202, res.body);
      return res;
    });
}

/** The buyer on the sandbox's approval page (the redirect URL the answer gave): approve or decline. */
async function decide(res: { json(): { nextAction: { type: string; url: string } } }, approve: boolean) {
  const { nextAction } = res.json();
  assert.equal(nextAction.type, 'redirect');
  const url = new URL(nextAction.url);
  const page = await app.http.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
  assert.equal(page.statusCode, 200);
  const answer = await app.http.inject({
    method: 'POST',
    url: `${url.pathname}/${approve ? 'approve' : 'decline'}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `token=${url.searchParams.get('token')}`,
  });
  assert.equal(answer.statusCode, 200, answer.body);
  return answer.json().payment as { id: string; status: string };
}

type TabInvoice = {
  kind: string;
  status: string;
  issueDate: string;
  period: { from: string; to: string } | null;
  net: string;
  vat: string;
  gross: string;
  hasKsefXml: boolean;
};
function invoices(tab: { invoices: TabInvoice[] }) {
  return tab.invoices.map((i) => [
    i.kind,
    i.status,
    i.issueDate,
    i.period ? `${i.period.from}..${i.period.to}` : null,
    i.net,
    i.vat,
    i.gross,
    i.hasKsefXml,
  ]);
}

/** The account's payments, oldest first: intent kind (with attempt), gateway, amount, status, failure. */
async function payments() {
  const rows = [...(await app.billing.payments(accountId))].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
  );
  return rows.map((p) => {
    const [kind, , , attempt] = p.idempotencyKey.split(':');
    return [
      attempt ? `${kind}:${attempt}` : kind,
      p.provider,
      (Number(p.amount) / 100).toFixed(2),
      p.status,
      p.failureCode,
    ];
  });
}
