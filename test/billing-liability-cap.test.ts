import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LiabilityCapFacts, liabilityCapAt } from '../src/modules/billing/liability-cap-rules.ts';
import { money, parseMoney } from '../src/platform/money.ts';
import { loadPreset } from '../src/policy/index.ts';
import { aCompany, advanceClock, aNip, anApp, aTestClock, registered } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';
import { GOOD_CARD, orderPlan, refund } from './helpers/billing-scenario.ts';

// The liability cap of Regulamin X par. 5 and XIII par. 5 (ClickMeeting): what a User paid in the 12 months
// before the damaging event (CM-BIL-13), 12 × the cheapest net monthly price for free-only Users
// (CM-BIL-14), both parties capped for eligible users except for intentional damage (CM-DOC-06).

const terms = loadPreset('clickmeeting').liability!;
const pln = (text: string) => parseMoney(text, 'PLN');

function facts(over: Partial<LiabilityCapFacts> = {}): LiabilityCapFacts {
  return {
    accountCreatedOn: '2025-05-01',
    eligible: false,
    payments: [],
    refunds: [],
    priceListOnCreation: [],
    currency: 'PLN',
    ...over,
  };
}

const CATALOG_PAYMENTS = [
  { id: 'p1', paidOn: '2025-06-10', amount: pln('1000.00') },
  { id: 'p2', paidOn: '2025-12-01', amount: pln('500.00') },
  { id: 'p3', paidOn: '2026-06-15', amount: pln('200.00') },
];

describe('liability cap: the rule', () => {
  it('CM-BIL-13: payments of 1,000 (2025-06-10), 500 (2025-12-01), 200 (2026-06-15), event 2026-06-15 → window 2025-06-15..2026-06-14, cap 500', () => {
    const cap = liabilityCapAt(terms, facts({ payments: CATALOG_PAYMENTS }), '2026-06-15', false);
    assert.deepEqual(cap.window, { from: '2025-06-15', to: '2026-06-14' });
    assert.equal(cap.basis, 'paid_in_window');
    assert.deepEqual(
      cap.paid.map((p) => p.paymentId),
      ['p2'],
    );
    assert.deepEqual(cap.cap, pln('500.00'));
    assert.deepEqual(cap.capsLiabilityOf, ['provider']);
  });

  it('CM-BIL-13: the window boundaries: a payment on 2025-06-15 counts, one on the event day does not; a day later the 2025-06-15 one has left the window', () => {
    const payments = [
      { id: 'a', paidOn: '2025-06-14', amount: pln('10.00') },
      { id: 'b', paidOn: '2025-06-15', amount: pln('20.00') },
      { id: 'c', paidOn: '2026-06-14', amount: pln('40.00') },
      { id: 'd', paidOn: '2026-06-15', amount: pln('80.00') },
    ];
    assert.deepEqual(liabilityCapAt(terms, facts({ payments }), '2026-06-15', false).cap, pln('60.00'));
    assert.deepEqual(liabilityCapAt(terms, facts({ payments }), '2026-06-16', false).cap, pln('120.00'));
  });

  it('CM-BIL-13: refunds of payments in the window made before the event day reduce the cap; later refunds and refunds of older payments do not', () => {
    const refunds = [
      { paymentId: 'p2', refundedOn: '2026-01-05', amount: pln('120.00') },
      { paymentId: 'p2', refundedOn: '2026-06-15', amount: pln('50.00') },
      { paymentId: 'p1', refundedOn: '2026-01-05', amount: pln('300.00') },
    ];
    const cap = liabilityCapAt(terms, facts({ payments: CATALOG_PAYMENTS, refunds }), '2026-06-15', false);
    assert.deepEqual(cap.refunded, pln('120.00'));
    assert.deepEqual(cap.cap, pln('380.00'));
  });

  it('CM-BIL-13: a User who paid, but not in the 12 months before the event, is not a free-only User: cap 0', () => {
    const payments = [{ id: 'old', paidOn: '2024-01-10', amount: pln('146.37') }];
    const priceListOnCreation = [{ planCode: 'live', monthly: pln('99.00'), annual: pln('948.00') }];
    const cap = liabilityCapAt(terms, facts({ payments, priceListOnCreation }), '2026-06-15', false);
    assert.deepEqual([cap.basis, cap.cap], ['paid_in_window', pln('0.00')]);
  });

  it('CM-BIL-14: free account created 2026-01-10 when the cheapest plan cost 99 net/month (79/month billed annually) → 12 × 99 = 1,188', () => {
    const priceListOnCreation = [
      { planCode: 'automated', monthly: pln('249.00'), annual: pln('2388.00') },
      { planCode: 'live', monthly: pln('99.00'), annual: pln('948.00') },
    ];
    const cap = liabilityCapAt(
      terms,
      facts({ accountCreatedOn: '2026-01-10', priceListOnCreation }),
      '2026-07-01',
      false,
    );
    assert.equal(cap.basis, 'free_only_price_list');
    assert.deepEqual(cap.cheapest, { planCode: 'live', monthlyNet: pln('99.00'), multiplier: 12 });
    assert.deepEqual(cap.cap, pln('1188.00'));
  });

  it('CM-DOC-06: an eligible user with 500 paid in the window, claim of 2026-07-01: intentional → no cap; otherwise 500 for either party', () => {
    const payments = [{ id: 'x', paidOn: '2026-03-01', amount: pln('500.00') }];
    const intentional = liabilityCapAt(terms, facts({ eligible: true, payments }), '2026-07-01', true);
    assert.deepEqual([intentional.capApplies, intentional.cap], [false, null]);
    assert.deepEqual(intentional.capNotAppliedTo, ['intentional_damage']);
    const ordinary = liabilityCapAt(terms, facts({ eligible: true, payments }), '2026-07-01', false);
    assert.deepEqual([ordinary.capApplies, ordinary.cap], [true, pln('500.00')]);
    assert.deepEqual(ordinary.capsLiabilityOf, ['provider', 'user']);
    assert.deepEqual(ordinary.clauses, ['CM-BIL-13', 'CM-DOC-06']);
    // Not eligible: par. 5 of X caps the provider only and names no intentional exception to the cap.
    const other = liabilityCapAt(terms, facts({ eligible: false, payments }), '2026-07-01', true);
    assert.deepEqual(
      [other.capApplies, other.cap, other.capsLiabilityOf],
      [true, pln('500.00'), ['provider']],
    );
  });
});

async function capOf(app: TestApp, accountId: string, query: string, status = 200) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/liability-cap?${query}`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, status, res.body);
  return res.json();
}

async function announce(app: TestApp, effectiveDate: string, prices: Record<string, unknown>[]) {
  const res = await app.http.inject({
    method: 'POST',
    url: '/v1/price-changes',
    headers: app.operator,
    payload: { effectiveDate, currency: 'PLN', prices, providerDriven: true, material: false },
  });
  assert.equal(res.statusCode, 201, res.body);
}

describe('liability cap: the operator API on a test clock', () => {
  it('CM-BIL-13: Live monthly by card from 2025-06-10 (146.37 gross a month), event 2026-06-15 → the 12 renewals 2025-07-10..2026-06-10 = 1,756.44, less a refund made on 2026-06-12', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2025-06-10T10:00:00+02:00');
    const { accountId } = await registered(app, clock, { email: 'cap@roza.example' });
    await orderPlan(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    await advanceClock(app, clock, '2026-06-12T12:00:00+02:00');
    const paid = (await app.billing.payments(accountId)).filter((p) => p.status === 'succeeded');
    assert.equal(paid.length, 13, 'the order and 12 renewals');

    const before = await capOf(app, accountId, 'at=2026-06-15');
    assert.deepEqual(before.window, { from: '2025-06-15', to: '2026-06-14' });
    assert.equal(before.paid.length, 12);
    assert.equal(before.paid[0].paidOn, '2025-07-10');
    assert.equal(before.paid.at(-1).paidOn, '2026-06-10');
    // 12 × 146.37 (119.00 net + 23 % VAT): the amount paid, gross.
    assert.deepEqual(before.cap, { amount: '1756.44', currency: 'PLN' });
    assert.equal(before.clause, 'CM-BIL-13');

    // The event on 2025-07-10 looks back to 2024-07-10..2025-07-09: only the order of 2025-06-10.
    assert.deepEqual((await capOf(app, accountId, 'at=2025-07-10')).cap, {
      amount: '146.37',
      currency: 'PLN',
    });

    const last = paid.at(-1)!;
    const res = await refund(app, accountId, {
      paymentId: last.id,
      reason: 'termination_without_cause',
      on: '2026-06-12',
    });
    const refunded = parseMoney(res.refund.amount, 'PLN');
    assert.ok(refunded.amount > 0n);
    const after = await capOf(app, accountId, 'at=2026-06-15');
    assert.deepEqual(after.refunded, { amount: res.refund.amount, currency: 'PLN' });
    assert.deepEqual(
      parseMoney(after.cap.amount, 'PLN'),
      money(parseMoney('1756.44', 'PLN').amount - refunded.amount, 'PLN'),
    );
    // An event on the refund day: the refund is not yet before it.
    assert.deepEqual((await capOf(app, accountId, 'at=2026-06-12')).refunded, {
      amount: '0.00',
      currency: 'PLN',
    });
  });

  it('CM-BIL-14: a free account created 2026-01-10 under a price list of 99/month (948/year) for Live, raised to 119 from 2026-03-01 → cap 1,188 on an event of 2026-07-01', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    await announce(app, '2025-01-01', [
      { plan: 'live', frequency: 'monthly', net: '99.00' },
      { plan: 'live', frequency: 'annual', net: '948.00' },
    ]);
    await announce(app, '2026-03-01', [{ plan: 'live', frequency: 'monthly', net: '119.00' }]);
    const clock = await aTestClock(app, '2026-01-10T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { email: 'free@roza.example' });
    const cap = await capOf(app, accountId, 'at=2026-07-01');
    assert.equal(cap.basis, 'free_only_price_list');
    assert.deepEqual(cap.cheapest, {
      planCode: 'live',
      monthlyNet: { amount: '99.00', currency: 'PLN' },
      multiplier: 12,
    });
    assert.deepEqual(cap.cap, { amount: '1188.00', currency: 'PLN' });

    // A free account created after the rise is capped on the new price: 12 × 119 = 1,428.
    await advanceClock(app, clock, '2026-03-02T10:00:00+01:00');
    const late = await registered(app, clock, {
      email: 'late@beta.example',
      company: aCompany('Beta sp. z o.o.', aNip('584000003')),
    });
    assert.deepEqual((await capOf(app, late.accountId, 'at=2026-07-01')).cap, {
      amount: '1428.00',
      currency: 'PLN',
    });
    // The first account keeps the price list of its creation day.
    assert.deepEqual((await capOf(app, accountId, 'at=2026-07-01')).cap, {
      amount: '1188.00',
      currency: 'PLN',
    });
  });

  it('CM-DOC-06: an eligible user (sole trader) free-only: caps both parties, none for intentional damage', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-01-10T10:00:00+01:00');
    const { accountId } = await registered(app, clock, {
      email: 'jan@sole.example',
      company: {
        ...aCompany('Jan Kowalski Szkolenia', aNip('526025028')),
        isLegalPerson: false,
        isSoleTrader: true,
      },
    });
    const ordinary = await capOf(app, accountId, 'at=2026-07-01&intentional=false');
    assert.deepEqual(ordinary.capsLiabilityOf, ['provider', 'user']);
    // The preset's cheapest paid type: Live, 119/month (1188/year = 99/month): its highest monthly price.
    assert.deepEqual(ordinary.cap, { amount: '1428.00', currency: 'PLN' });
    const intentional = await capOf(app, accountId, 'at=2026-07-01&intentional=true');
    assert.deepEqual([intentional.capApplies, intentional.cap], [false, null]);
  });

  it('bad input: a malformed date, an unknown account, a policy without a cap, a caller who is not the operator', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-01-10T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { email: 'x@roza.example' });
    const bad = await capOf(app, accountId, 'at=2026-13-45', 400);
    assert.ok(bad.code);
    assert.equal(
      (await capOf(app, 'acc_nope', 'at=2026-07-01', 404)).code,
      'billing.liability_account_not_found',
    );
    const anon = await app.http.inject({ method: 'GET', url: `/v1/accounts/${accountId}/liability-cap` });
    assert.ok(anon.statusCode === 401 || anon.statusCode === 403, anon.body);

    const quanda = await anApp(t, 'quanda');
    const qClock = await aTestClock(quanda, '2026-01-10T10:00:00+01:00');
    const q = await registered(quanda, qClock, { email: 'x@quanda.example' });
    assert.equal((await capOf(quanda, q.accountId, 'at=2026-07-01', 409)).code, 'billing.liability_no_cap');
  });
});
