import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import {
  invoiceDocumentFromJson,
  type PaymentProvider,
  sandboxPaymentProvider,
} from '../src/modules/billing/index.ts';
import { type Fa3Validator, makeFa3Validator } from '../src/modules/billing/ksef/index.ts';
import { toDecimalString } from '../src/platform/money.ts';
import {
  aCompany,
  advanceClock,
  advanceClockByKind,
  anApp,
  anIco,
  aTestClock,
  entitlements,
  events,
  logIn,
  mailsTo,
  registered,
  sessionOf,
} from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';

// The first vertical slice of billing: a customer orders a paid plan, pays by card (or gets an invoice with
// payment terms), gets an invoice, and the subscription renews on a test clock.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };
const DECLINED_CARD = { number: '4000000000000002', expMonth: 12, expYear: 2030 };
const DECLINES_LATER = { number: '4000000000000341', expMonth: 12, expYear: 2030 };

let fa3: Fa3Validator;
before(async () => {
  fa3 = await makeFa3Validator();
});
after(() => fa3.close());

function order(app: TestApp, accountId: string, body: Record<string, unknown>, headers = app.operator) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers,
    payload: body,
  });
}

async function ordered(app: TestApp, accountId: string, body: Record<string, unknown>) {
  const res = await order(app, accountId, body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function billingTab(app: TestApp, accountId: string, headers = app.operator) {
  const res = await app.http.inject({ method: 'GET', url: `/v1/accounts/${accountId}/billing`, headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function invoiceXml(app: TestApp, accountId: string, invoiceId: string) {
  return app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/invoices/${invoiceId}/fa3.xml`,
    headers: app.operator,
  });
}

async function paymentsOf(app: TestApp, accountId: string) {
  return (await app.billing.payments(accountId)).map((p) => ({
    key: p.idempotencyKey,
    status: p.status,
    amount: toDecimalString({ amount: p.amount, currency: p.currency }),
    failureCode: p.failureCode,
  }));
}

function ofType(list: Awaited<ReturnType<typeof events>>, type: string) {
  return list.filter((e) => e.type === type);
}

/** A ClickMeeting customer on a test clock that signed up for a paid plan and waits for its first payment. */
async function aClickMeetingCustomer(app: TestApp, clock: string, email = 'anna@roza.example') {
  const { accountId, state } = await registered(app, clock, { email, accountType: 'paid', plan: 'live' });
  assert.equal(state, 'pending_activation');
  return accountId;
}

describe('ClickMeeting: Live monthly by card', () => {
  it('CM-ACC-09, CM-BIL-08, CM-BIL-09: an order on 2026-03-15 charges 119.00 + 23% = 146.37, issues paid invoice TEST/FV/2026/03/0001 with valid FA(3), and switches Live on at once', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const accountId = await aClickMeetingCustomer(app, clock);
    assert.deepEqual((await entitlements(app, accountId)).access, 'none', 'nothing before the payment');

    const res = await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
      identification: { orderingPerson: 'Anna Nowak' },
    });
    assert.deepEqual(res.subscription.currentPeriod, { from: '2026-03-15', to: '2026-04-14' });
    assert.equal(res.subscription.paidThrough, '2026-04-14');
    assert.deepEqual(res.subscription.price, { net: '119.00', currency: 'PLN' });
    assert.deepEqual(
      [res.invoice.number, res.invoice.issueDate, res.invoice.status, res.invoice.dueDate],
      ['TEST/FV/2026/03/0001', '2026-03-15', 'paid', null],
    );
    assert.deepEqual([res.invoice.net, res.invoice.vat, res.invoice.gross], ['119.00', '27.37', '146.37']);
    assert.deepEqual(await paymentsOf(app, accountId), [
      { key: `order:${accountId}:2026-03-15`, status: 'succeeded', amount: '146.37', failureCode: null },
    ]);

    // CM-ACC-09: paid features on immediately, with no manual step.
    const live = app.current().policy.plans.find((p) => p.code === 'live')!;
    const now = await entitlements(app, accountId);
    assert.deepEqual(
      [now.state, now.plan.code, now.access, now.features],
      ['active', 'live', 'full', live.features],
    );
    assert.deepEqual(now.limits, live.limits);

    // The invoice: document frozen, FA(3) valid against the official schema.
    const detail = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${res.invoice.id}`,
      headers: app.operator,
    });
    assert.equal(detail.statusCode, 200, detail.body);
    const doc = invoiceDocumentFromJson(detail.json().document);
    assert.equal(doc.totals.gross.amount, 14637n);
    assert.equal(doc.seller.name, 'ClickMeeting Sp. z o.o.');
    assert.equal(doc.buyer.name, 'Kwiaciarnia Róża sp. z o.o.');
    assert.deepEqual(doc.payment.paid, {
      at: '2026-03-15',
      amount: { amount: 14637n, currency: 'PLN' },
      method: 'card',
    });
    const xml = await invoiceXml(app, accountId, res.invoice.id);
    assert.equal(xml.statusCode, 200);
    assert.match(xml.headers['content-type'] as string, /application\/xml/);
    assert.deepEqual(fa3.validate(xml.body), { ok: true });
    assert.match(xml.body, /<P_2>TEST\/FV\/2026\/03\/0001<\/P_2>/);
    assert.match(xml.body, /<P_15>146\.37<\/P_15>/);

    // Evidence, each with its clause; the mail in the outbox.
    const log = await events(app, accountId);
    assert.deepEqual(
      ['payment.succeeded', 'invoice.issued', 'subscription.started', 'account.state_changed'].map(
        (type) => ofType(log, type).at(-1)?.clause,
      ),
      ['CM-ACC-09', 'CM-BIL-09', 'CM-ACC-09', 'CM-ACC-09'],
    );
    assert.deepEqual(ofType(log, 'account.state_changed').at(-1)?.data, {
      from: 'pending_activation',
      to: 'active',
      fromPlan: 'live',
      toPlan: 'live',
    });
    assert.equal(ofType(log, 'payment_method.added')[0]?.clause, 'CM-BIL-02');
    const [mail] = await mailsTo(app, 'anna@roza.example', 'billing.invoice_issued');
    assert.ok(mail);
    assert.match(mail.body.text, /FV\/2026\/03\/0001/);
    assert.match(mail.body.text, /146,37 PLN/);
    assert.match(mail.body.text, /Podstawa: CM-BIL-09/);

    // The renewal is due at local midnight after the period (CM-BIL-01).
    const due = await app.dueWork.pending(accountId);
    assert.deepEqual(
      due.filter((d) => d.kind === 'billing.renew').map((d) => d.dueAt.toISOString()),
      ['2026-04-14T22:00:00.000Z'],
    );
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('CM-BIL-01, CM-BIL-09: renews on 2026-04-15 00:00 Warsaw with invoice TEST/FV/2026/04/0001 dated that day, paid through 2026-05-14; a second invoice that month is 0002; advancing again or re-running the item never charges twice', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const accountId = await aClickMeetingCustomer(app, clock);
    await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });

    await advanceClock(app, clock, '2026-04-14T23:59:59.999+02:00');
    assert.equal(
      (await paymentsOf(app, accountId)).length,
      1,
      'nothing charged before the new period starts',
    );

    assert.equal((await advanceClockByKind(app, clock, '2026-04-15T00:00:00+02:00'))['billing.renew'], 1);
    const tab = await billingTab(app, accountId);
    assert.deepEqual(tab.subscription.currentPeriod, { from: '2026-04-15', to: '2026-05-14' });
    assert.equal(tab.subscription.paidThrough, '2026-05-14');
    assert.equal(tab.subscription.status, 'active');
    assert.deepEqual(
      tab.invoices.map((i: { number: string; issueDate: string; status: string; gross: string }) => [
        i.number,
        i.issueDate,
        i.status,
        i.gross,
      ]),
      [
        ['TEST/FV/2026/04/0001', '2026-04-15', 'paid', '146.37'],
        ['TEST/FV/2026/03/0001', '2026-03-15', 'paid', '146.37'],
      ],
    );
    const renewalXml = await invoiceXml(app, accountId, tab.invoices[0].id);
    assert.deepEqual(fa3.validate(renewalXml.body), { ok: true });
    assert.match(renewalXml.body, /<P_6_Od>2026-04-15<\/P_6_Od>/);
    const paymentsAfterRenewal = await paymentsOf(app, accountId);
    assert.deepEqual(paymentsAfterRenewal.at(-1), {
      key: `renew:${tab.subscription.id}:2026-04-15`,
      status: 'succeeded',
      amount: '146.37',
      failureCode: null,
    });
    const log = await events(app, accountId);
    assert.deepEqual(
      [ofType(log, 'subscription.renewed')[0]?.clause, ofType(log, 'payment.succeeded').at(-1)?.clause],
      ['CM-BIL-01', 'CM-BIL-01'],
    );
    assert.equal(ofType(log, 'invoice.issued').at(-1)?.occurredAt, '2026-04-14T22:00:00.000Z');

    // Advancing again, and firing the renewal's due item once more at its old time, changes nothing.
    assert.deepEqual(await advanceClockByKind(app, clock, '2026-04-15T12:00:00+02:00'), {});
    await app.db.transaction(() =>
      app.dueWork.schedule([
        {
          accountId,
          kind: 'billing.renew',
          ref: tab.subscription.id,
          dueAt: new Date('2026-04-14T22:00:00.000Z'),
          clockId: clock,
        },
      ]),
    );
    assert.deepEqual(await advanceClockByKind(app, clock, '2026-04-15T13:00:00+02:00'), {
      'billing.renew': 1,
    });
    assert.deepEqual(await paymentsOf(app, accountId), paymentsAfterRenewal);
    assert.deepEqual(
      (await app.dueWork.pending(accountId))
        .filter((d) => d.kind === 'billing.renew')
        .map((d) => d.dueAt.toISOString()),
      ['2026-05-14T22:00:00.000Z'],
      'the next renewal stays where it was',
    );

    // Another customer's invoice in April takes the next number of the month.
    const other = await aClickMeetingCustomer(app, clock, 'jan@kowalski.example');
    const second = await ordered(app, other, { plan: 'automated', frequency: 'monthly', card: GOOD_CARD });
    assert.equal(second.invoice.number, 'TEST/FV/2026/04/0002');
  });

  it('a declined card (4000 0000 0000 0002) at the order: 402 with the failure code, payment.failed recorded, nothing active', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const accountId = await aClickMeetingCustomer(app, clock);
    const res = await order(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: DECLINED_CARD,
      recurringConsent: true,
    });
    assert.equal(res.statusCode, 402, res.body);
    assert.equal(res.json().code, 'billing.payment_declined');
    assert.equal(res.json().details.failureCode, 'card_declined');
    assert.match(res.json().message, /card_declined/);

    assert.deepEqual(
      [(await entitlements(app, accountId)).state, (await entitlements(app, accountId)).access],
      ['pending_activation', 'none'],
    );
    const tab = await billingTab(app, accountId);
    assert.deepEqual([tab.subscription, tab.invoices, tab.paymentMethods], [null, [], []]);
    assert.deepEqual(await paymentsOf(app, accountId), [
      {
        key: `order:${accountId}:2026-03-15`,
        status: 'failed',
        amount: '146.37',
        failureCode: 'card_declined',
      },
    ]);
    const failed = ofType(await events(app, accountId), 'payment.failed');
    assert.deepEqual(
      failed.map((e) => e.data.failureCode),
      ['card_declined'],
    );
    assert.deepEqual(
      await app.dueWork.pending(accountId).then((d) => d.filter((i) => i.kind === 'billing.renew')),
      [],
    );

    // A good card the same day is a new attempt with its own key; it goes through.
    const retry = await ordered(app, accountId, { plan: 'live', frequency: 'monthly', card: GOOD_CARD });
    assert.equal(retry.invoice.number, 'TEST/FV/2026/03/0001', 'a declined order took no invoice number');
    assert.deepEqual(
      (await paymentsOf(app, accountId)).map((p) => [p.key, p.status]),
      [
        [`order:${accountId}:2026-03-15`, 'failed'],
        [`order:${accountId}:2026-03-15:2`, 'succeeded'],
      ],
    );
  });

  it('an order repeated with the same Idempotency-Key is answered from the first, declined or not, and charges once', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const accountId = await aClickMeetingCustomer(app, clock);
    const declined = { plan: 'live', frequency: 'monthly', card: DECLINED_CARD };
    const keyed = (key: string) => ({ ...app.operator, 'idempotency-key': key });
    const first = await order(app, accountId, declined, keyed('order-1'));
    const again = await order(app, accountId, declined, keyed('order-1'));
    assert.deepEqual([first.statusCode, again.statusCode], [402, 402]);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json().details.payment, first.json().details.payment);

    const good = { plan: 'live', frequency: 'monthly', card: GOOD_CARD };
    const paid = await order(app, accountId, good, keyed('order-2'));
    const replay = await order(app, accountId, good, keyed('order-2'));
    assert.deepEqual([paid.statusCode, replay.statusCode], [201, 201]);
    assert.deepEqual(replay.json(), paid.json());
    assert.deepEqual(
      (await paymentsOf(app, accountId)).map((p) => p.status),
      ['failed', 'succeeded'],
    );
    const another = await order(app, accountId, good, keyed('order-3'));
    assert.equal(another.statusCode, 409);
    assert.equal(another.json().code, 'billing.subscription_exists');
  });

  it('CM-BIL-02: consent withdrawn on 2026-05-10 → nothing is charged on 2026-05-15 and no invoice is issued; the subscription ends with its paid period', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const accountId = await aClickMeetingCustomer(app, clock);
    const res = await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    await advanceClock(app, clock, '2026-05-10T12:00:00+02:00');
    assert.equal((await paymentsOf(app, accountId)).length, 2, 'renewed on 2026-04-15 while consent stood');

    const withdrawn = await app.http.inject({
      method: 'DELETE',
      url: `/v1/accounts/${accountId}/payment-methods/${res.subscription.paymentMethodId}/consent`,
      headers: app.operator,
    });
    assert.equal(withdrawn.statusCode, 200, withdrawn.body);
    assert.equal(withdrawn.json().consentWithdrawnAt, '2026-05-10T10:00:00.000Z');
    const before = await billingTab(app, accountId);
    assert.equal(before.subscription.renewsAutomatically, false);
    assert.equal(
      before.subscription.paidThrough,
      '2026-05-14',
      'access continues to the end of the paid period',
    );

    await advanceClock(app, clock, '2026-05-16T00:00:00+02:00');
    assert.equal((await paymentsOf(app, accountId)).length, 2, 'no charge attempted on 2026-05-15');
    const tab = await billingTab(app, accountId);
    assert.equal(tab.invoices.length, 2, 'no invoice for the unpaid period');
    assert.equal(tab.subscription.status, 'ended');
    const log = await events(app, accountId);
    assert.equal(ofType(log, 'payment_method.consent_withdrawn')[0]?.clause, 'CM-BIL-02');
    const [notRenewed] = ofType(log, 'subscription.not_renewed');
    assert.deepEqual(
      [notRenewed?.clause, notRenewed?.occurredAt, notRenewed?.data.reason],
      ['CM-BIL-02', '2026-05-14T22:00:00.000Z', 'no_recurring_consent'],
    );
    assert.equal((await mailsTo(app, 'anna@roza.example', 'billing.not_renewed')).length, 1);
  });

  it('a card that declines later (4000 0000 0000 0341): the renewal fails with payment.failed and is retried 1, 3 and 5 days later, each try once', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const accountId = await aClickMeetingCustomer(app, clock);
    const res = await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    const changed = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/payment-methods`,
      headers: app.operator,
      payload: { card: DECLINES_LATER, recurringConsent: true },
    });
    assert.equal(changed.statusCode, 201, changed.body);
    assert.equal((await billingTab(app, accountId)).subscription.paymentMethodId, changed.json().id);

    await advanceClock(app, clock, '2026-04-15T00:00:00+02:00');
    const sub = res.subscription.id;
    assert.deepEqual((await paymentsOf(app, accountId)).slice(1), [
      { key: `renew:${sub}:2026-04-15`, status: 'failed', amount: '146.37', failureCode: 'card_declined' },
    ]);
    const tab = await billingTab(app, accountId);
    assert.deepEqual([tab.subscription.status, tab.subscription.paidThrough], ['past_due', '2026-04-14']);
    assert.equal(tab.invoices.length, 1, 'no invoice without payment (CM-BIL-09)');
    const failedEvent = ofType(await events(app, accountId), 'subscription.renewal_failed')[0];
    assert.deepEqual(failedEvent?.data, {
      subscription: sub,
      periodFrom: '2026-04-15',
      attempt: 1,
      nextAttemptAt: '2026-04-15T22:00:00.000Z',
      final: false,
    });
    assert.equal(
      ofType(await events(app, accountId), 'payment.failed')[0]?.data.failureCode,
      'card_declined',
    );
    const [notice] = await mailsTo(app, 'anna@roza.example', 'billing.renewal_failed');
    assert.match(notice!.body.text, /2026-04-16/);

    // The same day again: nothing more is tried.
    await advanceClock(app, clock, '2026-04-15T20:00:00+02:00');
    assert.equal((await paymentsOf(app, accountId)).length, 2);

    await advanceClock(app, clock, '2026-04-30T00:00:00+02:00');
    assert.deepEqual(
      (await paymentsOf(app, accountId)).slice(1).map((p) => [p.key, p.status]),
      [
        [`renew:${sub}:2026-04-15`, 'failed'],
        [`renew:${sub}:2026-04-15:2`, 'failed'],
        [`renew:${sub}:2026-04-15:3`, 'failed'],
        [`renew:${sub}:2026-04-15:4`, 'failed'],
      ],
    );
    const tries = ofType(await events(app, accountId), 'subscription.renewal_failed');
    assert.deepEqual(
      tries.map((e) => [e.occurredAt, e.data.attempt, e.data.final]),
      [
        ['2026-04-14T22:00:00.000Z', 1, false],
        ['2026-04-15T22:00:00.000Z', 2, false],
        ['2026-04-17T22:00:00.000Z', 3, false],
        ['2026-04-19T22:00:00.000Z', 4, true],
      ],
    );
    assert.deepEqual(
      (await app.dueWork.pending(accountId)).filter((d) => d.kind === 'billing.renew'),
      [],
    );
  });

  it('CM-BIL-05: an overpayment of 27.00 booked against the paid invoice becomes credit, and the 2026-04-15 renewal charges the card only 119.37', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const accountId = await aClickMeetingCustomer(app, clock);
    const res = await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    const booked = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/invoices/${res.invoice.id}/payments`,
      headers: app.operator,
      payload: { amount: '27.00', currency: 'PLN', reference: 'PKO 2026-03-20 #7781' },
    });
    assert.equal(booked.statusCode, 201, booked.body);
    assert.deepEqual(booked.json().credit, { amount: '27.00', currency: 'PLN' });
    assert.equal(ofType(await events(app, accountId), 'credit.added')[0]?.clause, 'CM-BIL-05');

    await advanceClock(app, clock, '2026-04-15T00:00:00+02:00');
    assert.deepEqual((await paymentsOf(app, accountId)).at(-1)?.amount, '119.37');
    const tab = await billingTab(app, accountId);
    assert.deepEqual(
      [tab.invoices[0].gross, tab.invoices[0].amountPaid, tab.invoices[0].status],
      ['146.37', '146.37', 'paid'],
    );
    assert.deepEqual(tab.credit, { amount: '0.00', currency: 'PLN' });
  });

  it('a crash after the gateway charged but before the renewal committed is retried under the same idempotency key: one payment, one invoice', async (t) => {
    const sandbox = sandboxPaymentProvider();
    const charges: string[] = [];
    let crashOnce = true;
    const flaky: PaymentProvider = {
      id: sandbox.id,
      attach: sandbox.attach,
      refund: sandbox.refund,
      async charge(request) {
        const result = await sandbox.charge(request);
        charges.push(request.idempotencyKey);
        if (request.idempotencyKey.startsWith('renew:') && crashOnce) {
          crashOnce = false;
          throw new Error('connection lost after the charge');
        }
        return result;
      },
    };
    const app = await buildTestApp({ preset: 'clickmeeting', paymentProvider: flaky });
    t.after(() => app.close());
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const accountId = await aClickMeetingCustomer(app, clock);
    const res = await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });

    // The batch fails and is rolled back; the sweep retries the item on its own, which charges again.
    await advanceClock(app, clock, '2026-04-15T00:00:00+02:00');
    const key = `renew:${res.subscription.id}:2026-04-15`;
    assert.deepEqual(
      charges,
      [`order:${accountId}:2026-03-15`, key, key],
      'the gateway saw the same key twice',
    );
    assert.deepEqual(
      (await paymentsOf(app, accountId)).map((p) => [p.key, p.status]),
      [
        [`order:${accountId}:2026-03-15`, 'succeeded'],
        [key, 'succeeded'],
      ],
    );
    assert.equal((await billingTab(app, accountId)).invoices.length, 2);
  });
});

describe('Quanda: invoices with payment terms', () => {
  const czechCompany = {
    ...aCompany('Kytky s.r.o.', anIco('2728012'), 'CZ'),
    address: { street: 'Dlouhá 1', postalCode: '110 00', city: 'Praha 1', country: 'CZ' },
  };

  it('QU-BIL-05, QU-BIL-08: an annual order on 2026-02-10 is invoiced that day, due 2026-02-24, in CZK with 21% Czech VAT; the plan is on at once', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-02-10T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    const res = await ordered(app, accountId, { plan: 'professional_200', frequency: 'annual' });
    assert.deepEqual(res.subscription.currentPeriod, { from: '2026-02-10', to: '2027-02-09' });
    assert.equal(res.subscription.paidThrough, null);
    assert.deepEqual(
      [res.invoice.issueDate, res.invoice.dueDate, res.invoice.status, res.invoice.currency],
      ['2026-02-10', '2026-02-24', 'issued', 'CZK'],
    );
    assert.deepEqual(
      [res.invoice.net, res.invoice.vat, res.invoice.gross],
      ['5900.00', '1239.00', '7139.00'],
    );
    assert.equal(res.payment, null);
    assert.equal(
      (await invoiceXml(app, accountId, res.invoice.id)).statusCode,
      404,
      'a Czech seller issues no FA(3)',
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_200');
    const log = await events(app, accountId);
    assert.deepEqual(
      ['subscription.started', 'invoice.issued', 'account.state_changed'].map(
        (type) => ofType(log, type).at(-1)?.clause,
      ),
      ['QU-BIL-03', 'QU-BIL-05', 'QU-BIL-03'],
    );
    const [mail] = await mailsTo(app, 'anna@roza.example', 'billing.invoice_awaiting_payment');
    assert.match(mail!.body.text, /7 139,00 CZK do 2026-02-24/);
  });

  it('CM-BIL-08, CM-BIL-05 (as Quanda books them): a partial transfer leaves the invoice open, the rest pays it and the excess is credit drawn on by the QU-BIL-05 renewal invoice of 2027-01-27', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-02-10T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    const res = await ordered(app, accountId, { plan: 'professional_200', frequency: 'annual' });
    const pay = (amount: string, reference: string) =>
      app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/invoices/${res.invoice.id}/payments`,
        headers: app.operator,
        payload: { amount, currency: 'CZK', reference },
      });
    const partial = await pay('5000.00', 'KB 1');
    assert.equal(partial.statusCode, 201, partial.body);
    assert.equal(partial.json().invoice.status, 'partially_paid');
    assert.equal((await billingTab(app, accountId)).subscription.paidThrough, null);
    assert.equal(
      (await pay('5000.00', 'KB 1')).json().payment.id,
      partial.json().payment.id,
      'the same transfer booked twice is one',
    );
    const rest = await pay('2500.00', 'KB 2');
    assert.deepEqual([rest.json().invoice.status, rest.json().credit.amount], ['paid', '361.00']);
    assert.equal((await billingTab(app, accountId)).subscription.paidThrough, '2027-02-09');

    await advanceClock(app, clock, '2027-01-27T00:00:00+01:00');
    const tab = await billingTab(app, accountId);
    const renewal = tab.invoices[0];
    assert.deepEqual(
      [renewal.issueDate, renewal.dueDate, renewal.period, renewal.gross, renewal.amountPaid, renewal.status],
      [
        '2027-01-27',
        '2027-02-10',
        { from: '2027-02-10', to: '2028-02-09' },
        '7139.00',
        '361.00',
        'partially_paid',
      ],
    );
    assert.equal(tab.subscription.paidThrough, '2027-02-09');
    assert.deepEqual(tab.credit, { amount: '0.00', currency: 'CZK' });
    assert.equal(ofType(await events(app, accountId), 'subscription.renewed')[0]?.clause, 'QU-BIL-04');
  });

  it('takes no cards: invoices are paid by transfer', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-02-10T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/payment-methods`,
      headers: app.operator,
      payload: { card: GOOD_CARD, recurringConsent: true },
    });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().code, 'billing.cards_not_accepted');
  });

  it('QU-BIL-03: an order without a company id is rejected and changes nothing', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-10T09:00:00+01:00');
    const { taxId: _none, ...withoutId } = czechCompany;
    const { accountId } = await registered(app, clock, { company: withoutId });
    const res = await order(app, accountId, { plan: 'professional_200', frequency: 'annual' });
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, 'billing.order_invalid');
    assert.deepEqual(res.json().details.issues, [
      { field: 'identification.taxId', rule: 'required', clause: 'QU-BIL-03' },
    ]);
    assert.equal((await entitlements(app, accountId)).state, 'trial');
    assert.equal((await billingTab(app, accountId)).subscription, null);

    const withId = await order(app, accountId, {
      plan: 'professional_200',
      frequency: 'annual',
      identification: { company: { taxId: anIco('2728012') }, orderingPerson: 'Jana Nováková' },
    });
    assert.equal(withId.statusCode, 201, withId.body);
  });
});

describe('Bookero: recurring card payments through Stripe', () => {
  it('BK-BIL-05, BK-BIL-06, BK-BIL-07: the owner saves a card (only last 4 digits and the card id kept), orders, and every payment has its invoice in the billing tab', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-17T09:00:00+01:00');
    const account = await registered(app, clock);
    const owner = sessionOf(account.cookie!, account.csrfToken!);

    const saved = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${account.accountId}/payment-methods`,
      headers: owner.writes,
      payload: { card: { ...GOOD_CARD, cvc: '123' }, recurringConsent: true },
    });
    assert.equal(saved.statusCode, 201, saved.body);
    const { id: _id, ...kept } = saved.json() as Record<string, unknown>;
    assert.deepEqual(kept, {
      provider: 'sandbox',
      brand: null,
      last4: '4242',
      expMonth: null,
      expYear: null,
      recurringConsentAt: '2026-03-17T08:00:00.000Z',
      consentWithdrawnAt: null,
    });
    const columns = await app.db.rows<{ column_name: string }>(sql`
      select column_name from information_schema.columns where table_name = 'payment_methods' order by column_name`);
    assert.deepEqual(
      columns.map((c) => c.column_name),
      [
        'account_id',
        'brand',
        'consent_withdrawn_at',
        'created_at',
        'exp_month',
        'exp_year',
        'id',
        'last4',
        'provider',
        'provider_ref',
        'recurring_consent_at',
      ],
      'no column for a card number or CVC',
    );
    const stored = await app.db.rows<Record<string, unknown>>(sql`select * from payment_methods`);
    assert.equal(stored.length, 1);
    assert.doesNotMatch(JSON.stringify(stored), /4242424242424242|4242 4242|"123"/);
    assert.match(String(stored[0]!.provider_ref), /^pm_sandbox_/);

    const res = await order(
      app,
      account.accountId,
      { plan: 'standard', frequency: 'monthly', paymentMethodId: saved.json().id },
      owner.writes,
    );
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().invoice.issueDate, res.json().invoice.gross], ['2026-03-17', '121.77']);

    await advanceClock(app, clock, '2026-04-17T00:00:00+02:00');
    // The session expired on sandbox time; the owner signs in again.
    const later = await logIn(app, 'anna@roza.example');
    const tab = await billingTab(app, account.accountId, later.reads);
    assert.equal(tab.subscription.paidThrough, '2026-05-16', 'BK-BIL-06: paid through shown');
    assert.deepEqual(tab.plan.code, 'standard');
    const payments = (await app.billing.payments(account.accountId)).filter((p) => p.status === 'succeeded');
    assert.equal(payments.length, 2);
    assert.deepEqual(
      payments.map((p) => p.invoiceId).sort(),
      tab.invoices.map((i: { id: string }) => i.id).sort(),
      'BK-BIL-07: one invoice for every payment',
    );
    for (const invoice of tab.invoices) {
      const xml = await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${account.accountId}/invoices/${invoice.id}/fa3.xml`,
        headers: later.reads,
      });
      assert.equal(xml.statusCode, 200);
      assert.deepEqual(fa3.validate(xml.body), { ok: true });
    }
    assert.equal(ofType(await events(app, account.accountId), 'invoice.issued')[0]?.clause, 'BK-BIL-07');
  });

  it('BK-BIL-05: without recurring card payments the period is not renewed automatically: nothing is charged on 2026-04-17', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-17T09:00:00+01:00');
    const { accountId } = await registered(app, clock);
    await ordered(app, accountId, {
      plan: 'standard',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: false,
    });
    await advanceClock(app, clock, '2026-04-18T00:00:00+02:00');
    assert.equal((await app.billing.payments(accountId)).length, 1);
    const notRenewed = ofType(await events(app, accountId), 'subscription.not_renewed')[0];
    assert.deepEqual([notRenewed?.clause, notRenewed?.occurredAt], ['BK-BIL-05', '2026-04-16T22:00:00.000Z']);
  });
});
