import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Fa3Validator, makeFa3Validator } from '../src/modules/billing/ksef/index.ts';
import { advanceClock, aTestClock, entitlements, events, mailsTo, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import {
  addCard,
  billingTab,
  buyPack,
  changePlan,
  DECLINES_LATER,
  GOOD_CARD,
  invoiceRows,
  mailCounts,
  orderPlan,
  paymentRows,
  refund,
  validateAllFa3,
  vatSummary,
  withoutIds,
} from './helpers/billing-scenario.ts';

// A year of Bookero billing on one test clock for a Polish company (Kwiaciarnia Róża sp. z o.o.), Europe/Warsaw:
// the 14 free days (BK-BIL-01), the paid period from day 15, Standard monthly (99.00 net) by a card with
// recurring payments (BK-BIL-05; Stripe in production, the sandbox on a test clock), an SMS pack (BK-BIL-03),
// an upgrade to Premium (149.00), a downgrade back with the next period (BK-BIL-02), a declined renewal and
// its retry, renewals through March 2027 and a pro-rata refund after a termination for reputational harm
// (BK-LIF-04, A6). Polish VAT 23 % on net prices; pro rata on calendar days, half up (conventions).
// Not in this preset: add-ons (`addOns: []`, seed silent) — that step is skipped.

const EMAIL = 'anna@roza.example';
let app: TestApp;
let fa3: Fa3Validator;
let clock: string;
let accountId: string;
let subscriptionId: string;

before(async () => {
  fa3 = await makeFa3Validator();
  app = await buildTestApp({ preset: 'bookero' });
  clock = await aTestClock(app, '2026-03-02T09:00:00+01:00');
});
after(async () => {
  await app.close();
  await fa3.close();
});

const row = (
  number: string,
  issueDate: string,
  period: string | null,
  net: string,
  vat: string,
  gross: string,
) => ({
  number,
  kind: 'VAT',
  issueDate,
  dueDate: null,
  period,
  net,
  vat,
  gross,
  status: 'paid',
});

describe('Bookero: a year of billing on a test clock', () => {
  it('BK-BIL-01, BK-LIF-01: registered 2026-03-02, free on the chosen package through 2026-03-16; unpaid from 2026-03-17 00:00 the paid functions are restricted', async () => {
    const account = await registered(app, clock, { email: EMAIL });
    accountId = account.accountId;
    const trial = await entitlements(app, accountId);
    assert.deepEqual([trial.state, trial.plan.code], ['trial', 'standard']);
    await advanceClock(app, clock, '2026-03-16T23:59:00+01:00');
    assert.equal((await entitlements(app, accountId)).state, 'trial');
    assert.deepEqual(await app.billing.payments(accountId), [], 'nothing charged for the free days');
    await advanceClock(app, clock, '2026-03-17T00:00:00+01:00');
    // The trial ends with no after-trial plan: the account can log in, the paid functions are off.
    const unpaid = await entitlements(app, accountId);
    assert.deepEqual([unpaid.state, unpaid.access, unpaid.features], ['trial_ended', 'restricted', []]);
  });

  it('BK-BIL-02, BK-BIL-05, BK-BIL-07: a card with recurring payments and Standard monthly paid on 2026-03-17 → 99.00 + 22.77 = 121.77, invoice TEST/FV/2026/03/0001 for 03-17..04-16', async () => {
    await advanceClock(app, clock, '2026-03-17T10:00:00+01:00');
    const card = await addCard(app, accountId, GOOD_CARD);
    const res = await orderPlan(app, accountId, {
      plan: 'standard',
      frequency: 'monthly',
      paymentMethodId: card.id,
    });
    subscriptionId = res.subscription.id;
    assert.deepEqual(res.subscription.currentPeriod, { from: '2026-03-17', to: '2026-04-16' });
    // 99.00 × 23 % = 22.77.
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
        res.invoice.status,
      ],
      ['TEST/FV/2026/03/0001', '2026-03-17', '99.00', '22.77', '121.77', 'paid'],
    );
    assert.deepEqual(await vatSummary(app, accountId, res.invoice.id), [['23%', '99.00', '22.77', '121.77']]);
    const now = await entitlements(app, accountId);
    assert.deepEqual([now.state, now.plan.code], ['active', 'standard']);
  });

  it('BK-BIL-03: a 500-SMS pack bought 2026-03-20 → 60.00 + 13.80 = 73.80, TEST/FV/2026/03/0002, 500 SMS', async () => {
    await advanceClock(app, clock, '2026-03-20T10:00:00+01:00');
    const res = await buyPack(app, accountId, 'sms_500');
    assert.deepEqual(res.balance, { code: 'sms', units: 500 });
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
        res.invoice.status,
      ],
      ['TEST/FV/2026/03/0002', '2026-03-20', '60.00', '13.80', '73.80', 'paid'],
    );
  });

  it('BK-BIL-05, BK-BIL-06, BK-BIL-07: renewed by the recurring card on 2026-04-17: TEST/FV/2026/04/0001 for 04-17..05-16, paid through 2026-05-16 in the Billing tab', async () => {
    await advanceClock(app, clock, '2026-04-17T00:00:00+02:00');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/04/0001', '2026-04-17', '2026-04-17..2026-05-16', '99.00', '22.77', '121.77'),
    );
    assert.equal((await billingTab(app, accountId)).subscription.paidThrough, '2026-05-16');
  });

  it('upgrade Standard → Premium on 2026-04-27 → (149 − 99) × 20/30 (04-27..05-16 of a 30-day period) = 33.33 + 7.67 = 41.00 charged at once, TEST/FV/2026/04/0002; 2026-05-17 renews at 149.00 + 34.27 = 183.27', async () => {
    await advanceClock(app, clock, '2026-04-27T10:00:00+02:00');
    const res = await changePlan(app, accountId, 'premium');
    // 50 × 20 / 30 = 33.333 → 33.33; × 23 % = 7.6659 → 7.67.
    assert.deepEqual([res.outcome, res.direction, res.difference.net], ['changed', 'upgrade', '33.33']);
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
        res.invoice.status,
      ],
      ['TEST/FV/2026/04/0002', '2026-04-27', '33.33', '7.67', '41.00', 'paid'],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'premium');
    await advanceClock(app, clock, '2026-05-17T00:00:00+02:00');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/05/0001', '2026-05-17', '2026-05-17..2026-06-16', '149.00', '34.27', '183.27'),
    );
  });

  it('BK-BIL-02: a downgrade to Standard asked 2026-06-01 takes effect with the next period (2026-06-17), nothing refunded: TEST/FV/2026/06/0001 at 121.77', async () => {
    await advanceClock(app, clock, '2026-06-01T10:00:00+02:00');
    const res = await changePlan(app, accountId, 'standard');
    assert.deepEqual(
      [res.outcome, res.direction, res.effectiveFrom],
      ['scheduled', 'downgrade', '2026-06-17'],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'premium');
    await advanceClock(app, clock, '2026-06-17T00:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).plan.code, 'standard');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/06/0001', '2026-06-17', '2026-06-17..2026-07-16', '99.00', '22.77', '121.77'),
    );
    assert.deepEqual(await app.billing.refunds(accountId), []);
  });

  it('BK-BIL-05, BK-BIL-07: the 2026-07-17 charge on a card that declines fails with no invoice; retried on 2026-07-18 on the new card: TEST/FV/2026/07/0001 for 07-17..08-16', async () => {
    await advanceClock(app, clock, '2026-07-01T10:00:00+02:00');
    await addCard(app, accountId, DECLINES_LATER);
    await advanceClock(app, clock, '2026-07-17T10:00:00+02:00');
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2026-07-17`,
      'failed',
      '121.77',
    ]);
    assert.equal((await invoiceRows(app, accountId)).at(-1)!.number, 'TEST/FV/2026/06/0001');
    assert.equal((await mailsTo(app, EMAIL, 'billing.renewal_failed')).length, 1);
    await addCard(app, accountId, GOOD_CARD);
    await advanceClock(app, clock, '2026-07-18T10:00:00+02:00');
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2026-07-17:2`,
      'succeeded',
      '121.77',
    ]);
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/07/0001', '2026-07-18', '2026-07-17..2026-08-16', '99.00', '22.77', '121.77'),
    );
    const now = await entitlements(app, accountId);
    assert.deepEqual([now.state, now.plan.code], ['active', 'standard']);
  });

  it('BK-BIL-05, BK-BIL-07: renewals on the 17th through 2027-03-17 at 121.77, one invoice per payment', async () => {
    await advanceClock(app, clock, '2027-03-17T10:00:00+01:00');
    assert.deepEqual(withoutIds(await invoiceRows(app, accountId)).slice(-8), [
      row('TEST/FV/2026/08/0001', '2026-08-17', '2026-08-17..2026-09-16', '99.00', '22.77', '121.77'),
      row('TEST/FV/2026/09/0001', '2026-09-17', '2026-09-17..2026-10-16', '99.00', '22.77', '121.77'),
      row('TEST/FV/2026/10/0001', '2026-10-17', '2026-10-17..2026-11-16', '99.00', '22.77', '121.77'),
      row('TEST/FV/2026/11/0001', '2026-11-17', '2026-11-17..2026-12-16', '99.00', '22.77', '121.77'),
      row('TEST/FV/2026/12/0001', '2026-12-17', '2026-12-17..2027-01-16', '99.00', '22.77', '121.77'),
      row('TEST/FV/2027/01/0001', '2027-01-17', '2027-01-17..2027-02-16', '99.00', '22.77', '121.77'),
      row('TEST/FV/2027/02/0001', '2027-02-17', '2027-02-17..2027-03-16', '99.00', '22.77', '121.77'),
      row('TEST/FV/2027/03/0001', '2027-03-17', '2027-03-17..2027-04-16', '99.00', '22.77', '121.77'),
    ]);
    const succeeded = (await app.billing.payments(accountId)).filter((p) => p.status === 'succeeded');
    const invoices = await invoiceRows(app, accountId);
    assert.deepEqual(succeeded.map((p) => p.invoiceId).sort(), invoices.map((i) => i.id).sort());
  });

  it('BK-LIF-04 (A6): terminated for reputational harm effective 2027-03-23 → 121.77 × 25/31 (03-23..04-16) = 98.20 refunded; net 99.00 × 98.20/121.77 = 79.84, VAT 18.36; correction TEST/FV/2027/03/0002', async () => {
    await advanceClock(app, clock, '2027-03-23T10:00:00+01:00');
    const march = (await app.billing.payments(accountId)).at(-1)!;
    assert.equal(march.idempotencyKey, `renew:${subscriptionId}:2027-03-17`);
    const res = await refund(app, accountId, {
      paymentId: march.id,
      reason: 'reputation_termination',
      on: '2027-03-23',
    });
    // 121.77 × 25 / 31 = 98.2016 → 98.20.
    assert.deepEqual([res.refund.amount, res.refund.currency], ['98.20', 'PLN']);
    assert.deepEqual(
      [
        res.correction.kind,
        res.correction.number,
        res.correction.issueDate,
        res.correction.net,
        res.correction.vat,
        res.correction.gross,
      ],
      ['KOR', 'TEST/FV/2027/03/0002', '2027-03-23', '-79.84', '-18.36', '-98.20'],
    );
    // BK-BIL-03: the pack is never refunded.
    const pack = (await app.billing.payments(accountId)).find((p) => p.amount === 7380n)!;
    const refused = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refunds`,
      headers: app.operator,
      payload: { paymentId: pack.id, reason: 'reputation_termination', on: '2027-03-23' },
    });
    assert.deepEqual([refused.statusCode, refused.json().code], [409, 'billing.payment_not_refundable']);
  });

  it('BK-BIL-07: the year in invoices — 15 invoices and 1 correction, every FA(3) valid against the schema, one invoice mail per payment', async () => {
    const rows = await invoiceRows(app, accountId);
    assert.deepEqual(
      rows.map((r) => r.number),
      [
        'TEST/FV/2026/03/0001',
        'TEST/FV/2026/03/0002',
        'TEST/FV/2026/04/0001',
        'TEST/FV/2026/04/0002',
        'TEST/FV/2026/05/0001',
        'TEST/FV/2026/06/0001',
        'TEST/FV/2026/07/0001',
        'TEST/FV/2026/08/0001',
        'TEST/FV/2026/09/0001',
        'TEST/FV/2026/10/0001',
        'TEST/FV/2026/11/0001',
        'TEST/FV/2026/12/0001',
        'TEST/FV/2027/01/0001',
        'TEST/FV/2027/02/0001',
        'TEST/FV/2027/03/0001',
        'TEST/FV/2027/03/0002',
      ],
    );
    assert.equal(await validateAllFa3(app, accountId, fa3), 16);
    assert.equal((await mailCounts(app, EMAIL))['billing.invoice_issued'], 15);
    const tries = (await events(app, accountId)).filter((e) => e.type === 'subscription.renewal_failed');
    assert.equal(tries.length, 1);
    assert.equal((await app.eventLog.verify()).ok, true);
  });
});
