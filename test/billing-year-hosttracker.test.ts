import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { advanceClock, aTestClock, entitlements, mailsTo, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import {
  addCard,
  billingTab,
  changePlan,
  DECLINES_LATER,
  GOOD_CARD,
  invoiceRows,
  orderPlan,
  paymentRows,
  withoutIds,
} from './helpers/billing-scenario.ts';

// A year of Host-Tracker billing on one test clock (UTC, catalog conventions) for a Polish company: the Trial
// package (HT-PRV-01), Basic monthly (9.95 USD) by card with later charges on the stored token (HT-BIL-01),
// an upgrade to Pro (29.95 USD), a downgrade back, renewals through December 2026, a declined renewal in
// January 2027 and its retry and the switch to the Free package that stops billing and deletes the token (HT-BIL-02).
//
// The preset leaves VAT out (`billing.vat: null`: the seed names no seller country), so every invoice is net
// = gross and no FA(3) is made (no Polish seller). Pro rata on calendar days, half up (conventions).
// Not in this preset: add-ons and packs (`addOns: []`, `packs: []`, seed silent); refunds have no amount in
// the terms (`refundReasonCodes: [mandatory_law]` only, seed silent), so the refund step only checks that.

const EMAIL = 'ops@roza.example';
let app: TestApp;
let clock: string;
let accountId: string;
let subscriptionId: string;

before(async () => {
  app = await buildTestApp({ preset: 'hosttracker' });
  clock = await aTestClock(app, '2026-01-05T10:00:00Z');
});
after(() => app.close());

const row = (number: string, issueDate: string, period: string | null, amount: string) => ({
  number,
  kind: 'VAT',
  issueDate,
  dueDate: null,
  period,
  net: amount,
  vat: '0.00',
  gross: amount,
  status: 'paid',
});

describe('Host-Tracker: a year of billing on a test clock', () => {
  it('HT-PRV-01: registered 2026-01-05 on the Trial package', async () => {
    const account = await registered(app, clock, { email: EMAIL });
    accountId = account.accountId;
    const now = await entitlements(app, accountId);
    assert.deepEqual([now.state, now.plan.code], ['trial', 'trial']);
  });

  it('HT-BIL-01: Basic monthly ordered on 2026-01-12 during the trial → 9.95 USD, no VAT, paid invoice TEST/FV/2026/01/0001 for 01-12..02-11', async () => {
    await advanceClock(app, clock, '2026-01-12T10:00:00Z');
    const res = await orderPlan(app, accountId, {
      plan: 'basic',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    subscriptionId = res.subscription.id;
    assert.deepEqual(res.subscription.currentPeriod, { from: '2026-01-12', to: '2026-02-11' });
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.currency,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
      ],
      ['TEST/FV/2026/01/0001', '2026-01-12', 'USD', '9.95', '0.00', '9.95'],
    );
    const now = await entitlements(app, accountId);
    assert.deepEqual([now.state, now.plan.code], ['active', 'basic']);
  });

  it('HT-BIL-01: renewed on 2026-02-12 00:00 UTC on the stored token, no card re-entry: TEST/FV/2026/02/0001 for 02-12..03-11', async () => {
    await advanceClock(app, clock, '2026-02-12T00:00:00Z');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/02/0001', '2026-02-12', '2026-02-12..2026-03-11', '9.95'),
    );
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2026-02-12`,
      'succeeded',
      '9.95',
    ]);
  });

  it('upgrade Basic → Pro on 2026-02-22 → (29.95 − 9.95) × 18/28 (02-22..03-11) = 12.86 USD charged at once, TEST/FV/2026/02/0002; 2026-03-12 renews at 29.95', async () => {
    await advanceClock(app, clock, '2026-02-22T10:00:00Z');
    const res = await changePlan(app, accountId, 'pro');
    // 20.00 × 18 / 28 = 12.857 → 12.86.
    assert.deepEqual([res.outcome, res.direction, res.difference.net], ['changed', 'upgrade', '12.86']);
    assert.deepEqual(
      [res.invoice.number, res.invoice.issueDate, res.invoice.gross, res.invoice.status],
      ['TEST/FV/2026/02/0002', '2026-02-22', '12.86', 'paid'],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'pro');
    await advanceClock(app, clock, '2026-03-12T00:00:00Z');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/03/0001', '2026-03-12', '2026-03-12..2026-04-11', '29.95'),
    );
  });

  it('a downgrade to Basic asked 2026-03-20 takes effect with the next period (2026-04-12): TEST/FV/2026/04/0001 at 9.95', async () => {
    await advanceClock(app, clock, '2026-03-20T10:00:00Z');
    const res = await changePlan(app, accountId, 'basic');
    assert.deepEqual(
      [res.outcome, res.direction, res.effectiveFrom],
      ['scheduled', 'downgrade', '2026-04-12'],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'pro');
    await advanceClock(app, clock, '2026-04-12T10:00:00Z');
    assert.equal((await entitlements(app, accountId)).plan.code, 'basic');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/04/0001', '2026-04-12', '2026-04-12..2026-05-11', '9.95'),
    );
  });

  it('HT-BIL-01: renewals on the 12th through 2026-12-12 at 9.95 USD: 13 paid invoices so far', async () => {
    await advanceClock(app, clock, '2026-12-12T10:00:00Z');
    const months = ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12'];
    const next = ['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01'];
    const rows = withoutIds(await invoiceRows(app, accountId));
    assert.equal(rows.length, 13);
    assert.equal((await mailsTo(app, EMAIL, 'billing.invoice_issued')).length, 13, 'one invoice mail each');
    assert.deepEqual(
      rows.slice(-8),
      months.map((m, i) =>
        row(`TEST/FV/${m.replace('-', '/')}/0001`, `${m}-12`, `${m}-12..${next[i]}-11`, '9.95'),
      ),
    );
  });

  it('HT-BIL-02, HT-BIL-01: the billing method is changed in Payments; the 2027-01-12 charge on a card that declines fails, and the retry a day later on the next card is invoiced 2027-01-13: TEST/FV/2027/01/0001 for 01-12..02-11', async () => {
    await advanceClock(app, clock, '2026-12-20T10:00:00Z');
    await addCard(app, accountId, DECLINES_LATER);
    await advanceClock(app, clock, '2027-01-12T10:00:00Z');
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2027-01-12`,
      'failed',
      '9.95',
    ]);
    assert.equal((await invoiceRows(app, accountId)).at(-1)!.number, 'TEST/FV/2026/12/0001');
    assert.equal((await mailsTo(app, EMAIL, 'billing.renewal_failed')).length, 1);
    await addCard(app, accountId, GOOD_CARD);
    await advanceClock(app, clock, '2027-01-13T10:00:00Z');
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2027-01-12:2`,
      'succeeded',
      '9.95',
    ]);
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2027/01/0001', '2027-01-13', '2027-01-12..2027-02-11', '9.95'),
    );
    assert.equal((await entitlements(app, accountId)).state, 'active');
  });

  it('HT-BIL-02: switching to the Free package on 2027-01-20 deletes the stored token that day, and nothing is charged on 2027-02-12', async () => {
    await advanceClock(app, clock, '2027-01-20T10:00:00Z');
    await changePlan(app, accountId, 'free');
    assert.deepEqual((await billingTab(app, accountId)).paymentMethods, [], 'token deleted on 2027-01-20');
    const paid = (await app.billing.payments(accountId)).length;
    await advanceClock(app, clock, '2027-02-13T10:00:00Z');
    assert.equal((await app.billing.payments(accountId)).length, paid, 'no charge on 2027-02-12');
    assert.equal((await entitlements(app, accountId)).plan.code, 'free');
  });

  it('the terms set no refund amount: a refund for the only listed reason (mandatory_law) is refused as undetermined, one for an unlisted reason as not allowed; no FA(3) without a Polish seller', async () => {
    const [first] = await app.billing.payments(accountId);
    const ask = (reason: string) =>
      app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/refunds`,
        headers: app.operator,
        payload: { paymentId: first!.id, reason },
      });
    const undetermined = await ask('mandatory_law');
    assert.deepEqual(
      [undetermined.statusCode, undetermined.json().code],
      [422, 'billing.refund_amount_undetermined'],
    );
    const unlisted = await ask('withdrawal');
    assert.deepEqual([unlisted.statusCode, unlisted.json().code], [422, 'billing.refund_reason_not_allowed']);
    const rows = await invoiceRows(app, accountId);
    const xml = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${rows[0]!.id}/fa3.xml`,
      headers: app.operator,
    });
    assert.equal(xml.statusCode, 404);
    assert.equal((await app.eventLog.verify()).ok, true);
  });
});
