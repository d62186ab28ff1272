import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { toDecimalString } from '../src/platform/money.ts';
import { loadPreset, type Policy } from '../src/policy/index.ts';
import {
  aCompany,
  advanceClock,
  anApp,
  anIco,
  aTestClock,
  entitlements,
  events,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };
const DECLINES_LATER = { number: '4000000000000341', expMonth: 12, expYear: 2030 };

const czechCompany = {
  ...aCompany('Kytky s.r.o.', anIco('2728012'), 'CZ'),
  address: { street: 'Dlouhá 1', postalCode: '110 00', city: 'Praha 1', country: 'CZ' },
};

async function ordered(app: TestApp, accountId: string, body: Record<string, unknown>) {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: body,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

function changePlan(app: TestApp, accountId: string, plan: string) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscription/plan-change`,
    headers: app.operator,
    payload: { plan },
  });
}

async function billingTab(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/billing`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

type InvoiceSummary = {
  issueDate: string;
  net: string;
  gross: string;
  amountPaid: string;
  status: string;
  dueDate: string | null;
};

async function invoices(app: TestApp, accountId: string): Promise<InvoiceSummary[]> {
  return [...(await billingTab(app, accountId)).invoices].reverse();
}

/** Quanda's customer pays every open invoice by transfer (dunning would otherwise restrict the account). */
async function payOpenInvoices(app: TestApp, accountId: string) {
  for (const invoice of (await billingTab(app, accountId)).invoices as {
    id: string;
    status: string;
    gross: string;
    amountPaid: string;
    currency: string;
  }[]) {
    if (invoice.status === 'paid') continue;
    const due = (Number(invoice.gross) * 100 - Number(invoice.amountPaid) * 100) / 100;
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`,
      headers: app.operator,
      payload: { amount: due.toFixed(2), currency: invoice.currency, reference: `transfer ${invoice.id}` },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
}

async function paymentAmounts(app: TestApp, accountId: string) {
  return (await app.billing.payments(accountId)).map((p) => [
    p.status,
    toDecimalString({ amount: p.amount, currency: p.currency }),
  ]);
}

/** Quanda with the annual prices of QU-BIL-09's example: PROFESIONAL 200 at 12,000 CZK, 500 at 24,000 CZK. */
function quandaAt12000(): Policy {
  const base = loadPreset('quanda');
  const annual: Record<string, string> = { professional_200: '12000.00', professional_500: '24000.00' };
  return {
    ...base,
    plans: base.plans.map((p) =>
      annual[p.code] ? { ...p, prices: { ...p.prices, annual: { CZK: annual[p.code]! } } } : p,
    ),
  };
}

async function appWith(t: TestContext, policy: Policy): Promise<TestApp> {
  const app = await buildTestApp({ policy });
  t.after(() => app.close());
  return app;
}

describe('Quanda: upgrades and downgrades (art. 8.10)', () => {
  it('QU-BIL-09: annual 12,000 CZK for 2026-01-01..12-31 upgraded to 24,000 CZK on 2026-07-02 → 12,000 × 183/365 = 6,016.44 CZK invoiced at once; the plan is on at once; the next annual invoice is 24,000 CZK', async (t) => {
    const app = await appWith(t, quandaAt12000());
    const clock = await aTestClock(app, '2026-01-01T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    const first = await ordered(app, accountId, { plan: 'professional_200', frequency: 'annual' });
    assert.deepEqual(first.subscription.currentPeriod, { from: '2026-01-01', to: '2026-12-31' });
    assert.equal(first.invoice.net, '12000.00');
    await payOpenInvoices(app, accountId);

    await advanceClock(app, clock, '2026-07-02T10:00:00+02:00');
    const res = await changePlan(app, accountId, 'professional_500');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(
      [body.outcome, body.direction, body.effectiveFrom, body.difference],
      ['changed', 'upgrade', '2026-07-02', { net: '6016.44', currency: 'CZK' }],
    );
    // Invoiced at once with Quanda's terms: 6,016.44 + 21 % = 7,279.89, due 14 days later.
    assert.deepEqual(
      [body.invoice.issueDate, body.invoice.net, body.invoice.vat, body.invoice.gross, body.invoice.dueDate],
      ['2026-07-02', '6016.44', '1263.45', '7279.89', '2026-07-16'],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_500');
    const log = await events(app, accountId);
    const changed = log.find((e) => e.type === 'subscription.plan_changed');
    assert.equal(changed?.clause, 'QU-BIL-09');
    assert.deepEqual(
      [changed?.data.fromPlan, changed?.data.toPlan, changed?.data.days, changed?.data.difference],
      ['professional_200', 'professional_500', 183, '6016.44'],
    );
    assert.equal(log.filter((e) => e.type === 'account.state_changed').at(-1)?.clause, 'QU-BIL-09');
    assert.equal((await mailsTo(app, 'anna@roza.example', 'billing.plan_changed')).length, 1);
    const tab = await billingTab(app, accountId);
    assert.deepEqual(tab.subscription.price, { net: '24000.00', currency: 'CZK' });
    assert.equal(tab.subscription.plan, 'professional_500');
    await payOpenInvoices(app, accountId);

    // QU-BIL-05: the renewal invoice 14 days before 2027-01-01 carries the new price.
    await advanceClock(app, clock, '2026-12-18T09:00:00+01:00');
    const all = await invoices(app, accountId);
    assert.deepEqual(
      all.map((i) => [i.issueDate, i.net]),
      [
        ['2026-01-01', '12000.00'],
        ['2026-07-02', '6016.44'],
        ['2026-12-18', '24000.00'],
      ],
    );
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('QU-BIL-10: upgraded on 2026-03-10, a downgrade asked on 2026-03-20 applies from 2026-04-09; the April difference (410 × 22/30 = 300.67 + VAT) is credited on the May invoice', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-01T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    await ordered(app, accountId, { plan: 'professional_200', frequency: 'monthly' });
    await payOpenInvoices(app, accountId);

    await advanceClock(app, clock, '2026-03-10T09:00:00+01:00');
    const up = await changePlan(app, accountId, 'professional_500');
    assert.equal(up.statusCode, 200, up.body);
    // 410 CZK a month more × 22 days of March (31) = 290.97
    assert.deepEqual(up.json().difference, { net: '290.97', currency: 'CZK' });
    await payOpenInvoices(app, accountId);

    await advanceClock(app, clock, '2026-03-20T09:00:00+01:00');
    const down = await changePlan(app, accountId, 'professional_200');
    assert.equal(down.statusCode, 200, down.body);
    assert.deepEqual(
      [down.json().outcome, down.json().direction, down.json().effectiveFrom, down.json().reason],
      ['scheduled', 'downgrade', '2026-04-09', 'min_days_since_last_change'],
    );
    assert.equal(
      (await events(app, accountId)).find((e) => e.type === 'subscription.plan_change_scheduled')?.clause,
      'QU-BIL-10',
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_500', 'nothing changes yet');

    // April is invoiced on the 1st at the plan then in force.
    await advanceClock(app, clock, '2026-04-08T23:00:00+02:00');
    assert.deepEqual((await invoices(app, accountId)).at(-1)?.net, '1000.00');
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_500');
    await payOpenInvoices(app, accountId);

    await advanceClock(app, clock, '2026-04-09T00:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_200');
    const credit = (await events(app, accountId)).find((e) => e.type === 'credit.added');
    assert.deepEqual(
      [credit?.clause, credit?.data.net, credit?.data.amount],
      ['QU-BIL-10', '300.67', '363.81'],
    );
    assert.deepEqual((await billingTab(app, accountId)).credit, { amount: '363.81', currency: 'CZK' });

    // The May invoice: 590 + 21 % = 713.90, of which 363.81 is covered by the credit.
    await advanceClock(app, clock, '2026-05-01T09:00:00+02:00');
    const may = (await invoices(app, accountId)).at(-1)!;
    assert.deepEqual(
      [may.issueDate, may.net, may.gross, may.amountPaid, may.status],
      ['2026-05-01', '590.00', '713.90', '363.81', 'partially_paid'],
    );
    assert.deepEqual((await billingTab(app, accountId)).credit, { amount: '0.00', currency: 'CZK' });
  });

  it('QU-BIL-10: a plan in force since 2026-01-01, downgrade asked on 2026-05-20 → from 2026-06-01, the June invoice at the lower price and nothing credited', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-01-01T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    await ordered(app, accountId, { plan: 'professional_500', frequency: 'monthly' });
    await payOpenInvoices(app, accountId);
    for (const month of ['02', '03', '04', '05']) {
      await advanceClock(app, clock, `2026-${month}-01T09:00:00+01:00`);
      await payOpenInvoices(app, accountId);
    }

    await advanceClock(app, clock, '2026-05-20T09:00:00+02:00');
    const down = await changePlan(app, accountId, 'professional_200');
    assert.equal(down.statusCode, 200, down.body);
    assert.deepEqual(
      [down.json().effectiveFrom, down.json().reason, down.json().difference.net],
      ['2026-06-01', 'next_period_after_request', '0.00'],
    );
    const tab = await billingTab(app, accountId);
    assert.deepEqual(tab.subscription.nextPeriod, {
      from: '2026-06-01',
      plan: 'professional_200',
      net: '590.00',
      currency: 'CZK',
    });
    assert.deepEqual(
      tab.subscription.scheduledChanges.map((c: { kind: string }) => c.kind),
      ['downgrade'],
    );

    await advanceClock(app, clock, '2026-06-01T09:00:00+02:00');
    assert.deepEqual((await invoices(app, accountId)).at(-1)?.net, '590.00');
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_200');
    assert.equal(
      (await events(app, accountId)).some((e) => e.type === 'credit.added'),
      false,
    );
  });

  it('QU-BIL-09: with the difference billed on the next invoice, an upgrade on 2026-03-10 adds 290.97 to the 2026-04-01 invoice next to the new monthly price', async (t) => {
    const base = loadPreset('quanda');
    const policy: Policy = {
      ...base,
      billing: {
        ...base.billing,
        planChanges: { ...base.billing.planChanges, upgradeBilling: 'next_invoice' },
      },
    };
    const app = await appWith(t, policy);
    const clock = await aTestClock(app, '2026-03-01T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    await ordered(app, accountId, { plan: 'professional_200', frequency: 'monthly' });
    await payOpenInvoices(app, accountId);

    await advanceClock(app, clock, '2026-03-10T09:00:00+01:00');
    const up = await changePlan(app, accountId, 'professional_500');
    assert.equal(up.statusCode, 200, up.body);
    assert.deepEqual([up.json().difference.net, up.json().invoice], ['290.97', null]);
    assert.equal((await invoices(app, accountId)).length, 1, 'nothing invoiced now');
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_500');

    await advanceClock(app, clock, '2026-04-01T09:00:00+02:00');
    const april = (await billingTab(app, accountId)).invoices[0];
    const detail = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${april.id}`,
      headers: app.operator,
    });
    assert.deepEqual(
      detail.json().document.lines.map((l: { description: string }) => l.description),
      [
        'PROFESIONAL 500 – abonament miesięczny 2026-04-01 – 2026-04-30',
        'Zmiana planu PROFESIONAL 200 → PROFESIONAL 500 2026-03-10 – 2026-03-31 (dopłata za pozostałe dni okresu)',
      ],
    );
    assert.equal(detail.json().net, '1290.97');
    // Billed once: the May invoice has the plan alone.
    await payOpenInvoices(app, accountId);
    await advanceClock(app, clock, '2026-05-01T09:00:00+02:00');
    assert.equal((await invoices(app, accountId)).at(-1)?.net, '1000.00');
  });

  it('QU-BIL-05, QU-BIL-09: an upgrade on 2026-12-20 after the 2027 invoice went out on 2026-12-18 bills the rest of 2026 (12 × 12,000/365 = 394.52) and the whole 2027 difference (12,000)', async (t) => {
    const app = await appWith(t, quandaAt12000());
    const clock = await aTestClock(app, '2026-01-01T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    await ordered(app, accountId, { plan: 'professional_200', frequency: 'annual' });
    await payOpenInvoices(app, accountId);
    await advanceClock(app, clock, '2026-12-20T09:00:00+01:00');
    await payOpenInvoices(app, accountId);
    assert.deepEqual((await invoices(app, accountId)).at(-1)?.net, '12000.00');

    const up = await changePlan(app, accountId, 'professional_500');
    assert.equal(up.statusCode, 200, up.body);
    assert.deepEqual([up.json().effectiveFrom, up.json().difference.net], ['2026-12-20', '12394.52']);
    assert.equal(up.json().invoice.net, '12394.52');
  });

  it('QU-BIL-09: two upgrades in one period (2026-03-05 START → 200, 2026-03-20 200 → 500) each bill their own difference: 300 × 27/31 = 261.29 and 410 × 12/31 = 158.71; April is invoiced at 1,000', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-01T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    await ordered(app, accountId, { plan: 'start', frequency: 'monthly' });
    await payOpenInvoices(app, accountId);
    await advanceClock(app, clock, '2026-03-05T09:00:00+01:00');
    const first = await changePlan(app, accountId, 'professional_200');
    assert.equal(first.json().difference.net, '261.29', first.body);
    await payOpenInvoices(app, accountId);
    await advanceClock(app, clock, '2026-03-20T09:00:00+01:00');
    const second = await changePlan(app, accountId, 'professional_500');
    assert.equal(second.json().difference.net, '158.71', second.body);
    await payOpenInvoices(app, accountId);
    await advanceClock(app, clock, '2026-04-01T09:00:00+02:00');
    assert.deepEqual(
      (await invoices(app, accountId)).map((i) => [i.issueDate, i.net]),
      [
        ['2026-03-01', '290.00'],
        ['2026-03-05', '261.29'],
        ['2026-03-20', '158.71'],
        ['2026-04-01', '1000.00'],
      ],
    );
  });

  it('asking for the plan the account is on, or an unknown plan, is refused and changes nothing', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-01T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    await ordered(app, accountId, { plan: 'professional_200', frequency: 'monthly' });
    for (const plan of ['professional_200', 'free', 'no_such_plan']) {
      const res = await changePlan(app, accountId, plan);
      assert.deepEqual([res.statusCode, res.json().code], [422, 'billing.plan_change_invalid'], plan);
    }
    assert.equal((await invoices(app, accountId)).length, 1);
  });
});

describe('ClickMeeting: an upgrade paid by card', () => {
  it('CM-BIL-07, CM-BIL-09: Live → Automated on 2026-04-05 of 2026-03-15..04-14 charges 130 × 10/30 = 43.33 net + 23 % at once with a paid invoice; the 2026-04-15 renewal is 249.00 net', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { accountType: 'paid', plan: 'live' });
    await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });

    await advanceClock(app, clock, '2026-04-05T12:00:00+02:00');
    const res = await changePlan(app, accountId, 'automated');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      [res.json().difference.net, res.json().invoice.gross, res.json().invoice.status],
      ['43.33', '53.30', 'paid'],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'automated');
    assert.equal(
      (await events(app, accountId)).find((e) => e.type === 'subscription.plan_changed')?.clause,
      'CM-BIL-07',
    );

    await advanceClock(app, clock, '2026-04-15T00:00:00+02:00');
    assert.deepEqual(await paymentAmounts(app, accountId), [
      ['succeeded', '146.37'],
      ['succeeded', '53.30'],
      ['succeeded', '306.27'],
    ]);
    assert.deepEqual((await invoices(app, accountId)).at(-1)?.net, '249.00');
  });

  it('a declined card leaves the plan as it was: 402, the failed payment recorded, no invoice', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { accountType: 'paid', plan: 'live' });
    await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    const card = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/payment-methods`,
      headers: app.operator,
      payload: { card: DECLINES_LATER, recurringConsent: true },
    });
    assert.equal(card.statusCode, 201, card.body);
    await advanceClock(app, clock, '2026-04-05T12:00:00+02:00');
    const res = await changePlan(app, accountId, 'automated');
    assert.deepEqual([res.statusCode, res.json().code], [402, 'billing.payment_declined']);
    assert.equal((await entitlements(app, accountId)).plan.code, 'live');
    assert.deepEqual((await paymentAmounts(app, accountId)).at(-1)?.[0], 'failed');
    assert.equal((await invoices(app, accountId)).length, 1);
    assert.equal((await billingTab(app, accountId)).subscription.plan, 'live');
  });
});

function buyAddOn(app: TestApp, accountId: string, body: Record<string, unknown>) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/add-ons`,
    headers: app.operator,
    payload: body,
  });
}

describe('ClickMeeting: add-ons (Regulamin IV par. 7)', () => {
  it('CM-BIL-06: extra disk space (PLN 60/month) bought 2026-04-21 in a period ending 2026-04-30 costs 20.00 net now, raises the limit at once, and is charged in full with the subscription on 2026-05-01 on one invoice', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-04-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock, { accountType: 'paid', plan: 'live' });
    await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });

    await advanceClock(app, clock, '2026-04-21T12:00:00+02:00');
    const res = await buyAddOn(app, accountId, { addOn: 'extra_storage' });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(
      [res.json().invoice.net, res.json().invoice.gross, res.json().invoice.status, res.json().addOn.renews],
      ['20.00', '24.60', 'paid', true],
    );
    const now = await entitlements(app, accountId);
    assert.deepEqual([now.addOns, now.limits.storage_gb], [['extra_storage'], 12]);
    const bought = (await events(app, accountId)).find((e) => e.type === 'add_on.purchased');
    assert.deepEqual(
      [bought?.clause, bought?.data.days, bought?.data.firstCharge],
      ['CM-BIL-06', 10, '20.00'],
    );
    assert.deepEqual(
      (await billingTab(app, accountId)).addOns.map((a: { addOn: string }) => a.addOn),
      ['extra_storage'],
    );

    await advanceClock(app, clock, '2026-05-01T00:00:00+02:00');
    const may = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${(await billingTab(app, accountId)).invoices[0].id}`,
      headers: app.operator,
    });
    const doc = may.json();
    assert.deepEqual(
      doc.document.lines.map((l: { description: string }) => l.description),
      [
        'Live – abonament miesięczny 2026-05-01 – 2026-05-31',
        'Dodatkowa przestrzeń dyskowa 2026-05-01 – 2026-05-31',
      ],
    );
    // 119.00 + 60.00 = 179.00 net, 220.17 gross, charged once.
    assert.deepEqual([doc.net, doc.gross, doc.status], ['179.00', '220.17', 'paid']);
    assert.deepEqual(
      (await paymentAmounts(app, accountId)).map((p) => p[1]),
      ['146.37', '24.60', '220.17'],
    );
  });

  it('CM-BIL-07: bought on 2026-03-01, the first day of a 31-day period, the first charge is capped at 60.00, not 62.00', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-01T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { accountType: 'paid', plan: 'live' });
    await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    const res = await buyAddOn(app, accountId, { addOn: 'extra_storage' });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().invoice.net, '60.00');
  });

  it('CM-BIL-06: an add-on marked non-renewing at purchase ends with the period: not on the next invoice, and its limit is gone from 2026-05-01', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-04-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock, { accountType: 'paid', plan: 'live' });
    await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    await advanceClock(app, clock, '2026-04-24T12:00:00+02:00');
    const res = await buyAddOn(app, accountId, { addOn: 'extra_presenter', renews: false });
    assert.equal(res.statusCode, 201, res.body);
    // 30 × 7/30 = 7.00
    assert.deepEqual([res.json().invoice.net, res.json().addOn.endsOn], ['7.00', '2026-04-30']);
    const during = await entitlements(app, accountId);
    assert.deepEqual([during.limits.presenters, during.validUntil], [3, '2026-04-30T22:00:00.000Z']);
    const again = await buyAddOn(app, accountId, { addOn: 'extra_presenter' });
    assert.deepEqual([again.statusCode, again.json().code], [409, 'billing.add_on_owned']);

    await advanceClock(app, clock, '2026-05-01T00:00:00+02:00');
    assert.equal((await billingTab(app, accountId)).invoices[0].net, '119.00');
    const after = await entitlements(app, accountId);
    assert.deepEqual([after.limits.presenters, after.addOns], [2, []]);
  });

  it('CM-BIL-06: an unknown add-on is refused (404) and nothing is charged', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-04-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock, { accountType: 'paid', plan: 'live' });
    await ordered(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    const res = await buyAddOn(app, accountId, { addOn: 'extra_coffee' });
    assert.deepEqual([res.statusCode, res.json().code], [404, 'billing.add_on_not_found']);
    assert.equal((await paymentAmounts(app, accountId)).length, 1);
  });
});
