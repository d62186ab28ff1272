import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Fa3Validator, makeFa3Validator } from '../src/modules/billing/ksef/index.ts';
import { advanceClock, aTestClock, entitlements, events, mailsTo, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import {
  addCard,
  buyAddOn,
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

// A year of ClickMeeting billing on one test clock, for one Polish company (Kwiaciarnia Róża sp. z o.o.,
// NIP 5260250274): Live monthly by card from 2026-03-02, renewals on the 2nd (CM-LIF-01 anniversary),
// an upgrade, an add-on, a dial-in minutes pack, a downgrade, a declined renewal and its retry, and a refund.
// Every amount below is computed by hand from the clauses and the preset (net prices, 23 % VAT, CM-BIL-08);
// pro-rata charges count the remaining calendar days capped at 30 and divide by 30 (CM-BIL-06, CM-BIL-07).
//
// Trial: the preset has none (`trial: null`, CM-ACC-04 gives a time-limited free account instead), so the
// customer starts on the free account and orders from it; no trial step.

const EMAIL = 'anna@roza.example';
let app: TestApp;
let fa3: Fa3Validator;
let clock: string;
let accountId: string;
let subscriptionId: string;

before(async () => {
  fa3 = await makeFa3Validator();
  app = await buildTestApp({ preset: 'clickmeeting' });
  clock = await aTestClock(app, '2026-02-20T09:00:00+01:00');
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
  kind = 'VAT',
  status = 'paid',
) => ({ number, kind, issueDate, dueDate: null, period, net, vat, gross, status });

describe('ClickMeeting: a year of billing on a test clock', () => {
  it('CM-ACC-04: the company registers on 2026-02-20 with the free account (no trial in this preset)', async () => {
    const account = await registered(app, clock, { email: EMAIL });
    accountId = account.accountId;
    const now = await entitlements(app, accountId);
    assert.equal(now.plan.code, 'free');
  });

  it('CM-ACC-09, CM-BIL-08, CM-BIL-09: Live monthly ordered 2026-03-02 → 119.00 + 23 % (27.37) = 146.37 charged, paid invoice TEST/FV/2026/03/0001 for 2026-03-02..04-01', async () => {
    await advanceClock(app, clock, '2026-03-02T10:00:00+01:00');
    const res = await orderPlan(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
      identification: { orderingPerson: 'Anna Nowak' },
    });
    subscriptionId = res.subscription.id;
    // CM-BIL-01 (full first period, anniversary): 2026-03-02 .. 2026-04-01.
    assert.deepEqual(res.subscription.currentPeriod, { from: '2026-03-02', to: '2026-04-01' });
    assert.deepEqual(
      [res.invoice.number, res.invoice.issueDate, res.invoice.dueDate, res.invoice.status],
      ['TEST/FV/2026/03/0001', '2026-03-02', null, 'paid'],
    );
    // 119.00 × 23 % = 27.37; 119.00 + 27.37 = 146.37.
    assert.deepEqual([res.invoice.net, res.invoice.vat, res.invoice.gross], ['119.00', '27.37', '146.37']);
    assert.deepEqual(await vatSummary(app, accountId, res.invoice.id), [
      ['23%', '119.00', '27.37', '146.37'],
    ]);
    const now = await entitlements(app, accountId);
    assert.deepEqual([now.state, now.plan.code], ['active', 'live']);
  });

  it('CM-BIL-10: the reminder on 2026-03-25 (7 days before the period ends 2026-04-01) states 146,37 PLN and the deadline', async () => {
    await advanceClock(app, clock, '2026-03-24T23:00:00+01:00');
    assert.equal((await mailsTo(app, EMAIL, 'billing.renewal_reminder')).length, 0);
    await advanceClock(app, clock, '2026-03-25T12:00:00+01:00');
    const [reminder] = await mailsTo(app, EMAIL, 'billing.renewal_reminder');
    assert.ok(reminder, 'a reminder');
    assert.match(reminder.body.text, /146,37 PLN/);
    assert.match(reminder.body.text, /2026-04-01/);
  });

  it('CM-BIL-01, CM-BIL-09: renewed on 2026-04-02 00:00 Warsaw, invoice TEST/FV/2026/04/0001 for 2026-04-02..05-01, 146.37', async () => {
    await advanceClock(app, clock, '2026-04-02T00:00:00+02:00');
    const rows = await invoiceRows(app, accountId);
    assert.deepEqual(
      withoutIds(rows).at(-1),
      row('TEST/FV/2026/04/0001', '2026-04-02', '2026-04-02..2026-05-01', '119.00', '27.37', '146.37'),
    );
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2026-04-02`,
      'succeeded',
      '146.37',
    ]);
  });

  it('CM-BIL-07: upgrade Live → Automated on 2026-04-17 → (249 − 119) × 15/30 (04-17..05-01) = 65.00 + 14.95 VAT = 79.95 charged at once, TEST/FV/2026/04/0002', async () => {
    await advanceClock(app, clock, '2026-04-17T12:00:00+02:00');
    const res = await changePlan(app, accountId, 'automated');
    assert.deepEqual([res.outcome, res.direction, res.difference.net], ['changed', 'upgrade', '65.00']);
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
        res.invoice.status,
      ],
      ['TEST/FV/2026/04/0002', '2026-04-17', '65.00', '14.95', '79.95', 'paid'],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'automated');
  });

  it('CM-BIL-10: the 2026-04-25 reminder states the gross to renew at the upgraded price, 249.00 + 57.27 = 306.27 PLN, and the deadline 2026-05-01', async () => {
    await advanceClock(app, clock, '2026-04-25T12:00:00+02:00');
    const reminders = await mailsTo(app, EMAIL, 'billing.renewal_reminder');
    assert.equal(reminders.length, 2);
    assert.match(reminders.at(-1)!.body.text, /2026-05-01/);
    assert.match(reminders.at(-1)!.body.text, /306,27 PLN/);
  });

  it('CM-BIL-01, CM-BIL-07: the 2026-05-02 renewal charges the upgraded price, 249.00 + 57.27 = 306.27: TEST/FV/2026/05/0001', async () => {
    await advanceClock(app, clock, '2026-05-02T00:00:00+02:00');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/05/0001', '2026-05-02', '2026-05-02..2026-06-01', '249.00', '57.27', '306.27'),
    );
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2026-05-02`,
      'succeeded',
      '306.27',
    ]);
  });

  it('CM-BIL-06, CM-BIL-07: extra disk space (60.00/month) bought 2026-05-12 → 60 × 21/30 (05-12..06-01, 21 days) = 42.00 + 9.66 = 51.66, TEST/FV/2026/05/0002; the limit rises at once', async () => {
    await advanceClock(app, clock, '2026-05-12T12:00:00+02:00');
    const res = await buyAddOn(app, accountId, 'extra_storage');
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
        res.invoice.status,
      ],
      ['TEST/FV/2026/05/0002', '2026-05-12', '42.00', '9.66', '51.66', 'paid'],
    );
    // Automated's 5 GB + 10 GB.
    assert.equal((await entitlements(app, accountId)).limits.storage_gb, 15);
  });

  it('CM-BIL-06: the 2026-06-02 renewal charges plan and add-on in full on one invoice: 249.00 + 60.00 = 309.00 + 71.07 = 380.07, TEST/FV/2026/06/0001', async () => {
    await advanceClock(app, clock, '2026-06-02T00:00:00+02:00');
    const rows = await invoiceRows(app, accountId);
    assert.deepEqual(
      withoutIds(rows).at(-1),
      row('TEST/FV/2026/06/0001', '2026-06-02', '2026-06-02..2026-07-01', '309.00', '71.07', '380.07'),
    );
    // 249.00 × 23 % = 57.27, 60.00 × 23 % = 13.80: 71.07 at one rate.
    assert.deepEqual(await vatSummary(app, accountId, rows.at(-1)!.id), [
      ['23%', '309.00', '71.07', '380.07'],
    ]);
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2026-06-02`,
      'succeeded',
      '380.07',
    ]);
  });

  it('CM-BIL-11: a 500-minute dial-in pack bought 2026-06-10 → 150.00 + 34.50 = 184.50, TEST/FV/2026/06/0002; toll-free numbers on', async () => {
    await advanceClock(app, clock, '2026-06-10T12:00:00+02:00');
    const res = await buyPack(app, accountId, 'dial_in_500');
    assert.deepEqual(res.balance, { code: 'dial_in_minutes', units: 500 });
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
        res.invoice.status,
      ],
      ['TEST/FV/2026/06/0002', '2026-06-10', '150.00', '34.50', '184.50', 'paid'],
    );
    assert.ok((await entitlements(app, accountId)).features.includes('toll_free_dial_in'));
  });

  it('CM-BIL-07: a downgrade to Live asked 2026-06-20 takes effect with the next period (2026-07-02): Live 119.00 + disk 60.00 = 179.00 + 41.17 = 220.17, TEST/FV/2026/07/0001', async () => {
    await advanceClock(app, clock, '2026-06-20T12:00:00+02:00');
    const res = await changePlan(app, accountId, 'live');
    assert.deepEqual(
      [res.outcome, res.direction, res.effectiveFrom],
      ['scheduled', 'downgrade', '2026-07-02'],
    );
    assert.equal(
      (await entitlements(app, accountId)).plan.code,
      'automated',
      'nothing changes in a paid period',
    );
    await advanceClock(app, clock, '2026-07-02T00:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).plan.code, 'live');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/07/0001', '2026-07-02', '2026-07-02..2026-08-01', '179.00', '41.17', '220.17'),
    );
  });

  it('CM-BIL-01: the 2026-08-02 renewal on a card that declines fails (no invoice, CM-BIL-09), is retried 1 day later (renewalRetryDays) on the new card and invoiced on 2026-08-03: TEST/FV/2026/08/0001 for 2026-08-02..09-01', async () => {
    await advanceClock(app, clock, '2026-07-20T12:00:00+02:00');
    await addCard(app, accountId, DECLINES_LATER);
    await advanceClock(app, clock, '2026-08-02T12:00:00+02:00');
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2026-08-02`,
      'failed',
      '220.17',
    ]);
    assert.equal(
      (await invoiceRows(app, accountId)).at(-1)!.number,
      'TEST/FV/2026/07/0001',
      'no invoice for a declined charge',
    );
    const [notice] = await mailsTo(app, EMAIL, 'billing.renewal_failed');
    assert.ok(notice, 'the customer is told');
    assert.match(notice.body.text, /2026-08-03/);

    await addCard(app, accountId, GOOD_CARD);
    await advanceClock(app, clock, '2026-08-03T12:00:00+02:00');
    assert.deepEqual((await paymentRows(app, accountId)).at(-1), [
      `renew:${subscriptionId}:2026-08-02:2`,
      'succeeded',
      '220.17',
    ]);
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row('TEST/FV/2026/08/0001', '2026-08-03', '2026-08-02..2026-09-01', '179.00', '41.17', '220.17'),
    );
    const now = await entitlements(app, accountId);
    assert.deepEqual([now.state, now.plan.code], ['active', 'live']);
    const tries = (await events(app, accountId)).filter((e) => e.type === 'subscription.renewal_failed');
    assert.deepEqual(
      tries.map((e) => [e.occurredAt, e.data.attempt, e.data.final]),
      [['2026-08-01T22:00:00.000Z', 1, false]],
    );
  });

  it('CM-BIL-01, CM-BIL-09: renewals on the 2nd through 2027-03-02 at 220.17 each, one invoice a month numbered 0001 in its month', async () => {
    await advanceClock(app, clock, '2027-03-02T12:00:00+01:00');
    const rows = withoutIds(await invoiceRows(app, accountId)).slice(-7);
    assert.deepEqual(rows, [
      row('TEST/FV/2026/09/0001', '2026-09-02', '2026-09-02..2026-10-01', '179.00', '41.17', '220.17'),
      row('TEST/FV/2026/10/0001', '2026-10-02', '2026-10-02..2026-11-01', '179.00', '41.17', '220.17'),
      row('TEST/FV/2026/11/0001', '2026-11-02', '2026-11-02..2026-12-01', '179.00', '41.17', '220.17'),
      row('TEST/FV/2026/12/0001', '2026-12-02', '2026-12-02..2027-01-01', '179.00', '41.17', '220.17'),
      row('TEST/FV/2027/01/0001', '2027-01-02', '2027-01-02..2027-02-01', '179.00', '41.17', '220.17'),
      row('TEST/FV/2027/02/0001', '2027-02-02', '2027-02-02..2027-03-01', '179.00', '41.17', '220.17'),
      row('TEST/FV/2027/03/0001', '2027-03-02', '2027-03-02..2027-04-01', '179.00', '41.17', '220.17'),
    ]);
  });

  it('CM-BIL-04, CM-LIF-17, CM-BIL-07: terminated without cause on 2027-03-23 → 220.17 × 10/30 (03-23..04-01) = 73.39 refunded; net 179.00 × 73.39/220.17 = 59.67, VAT 13.72; correction TEST/FV/2027/03/0002', async () => {
    await advanceClock(app, clock, '2027-03-23T12:00:00+01:00');
    const payment = (await app.billing.payments(accountId)).at(-1)!;
    assert.equal(payment.idempotencyKey, `renew:${subscriptionId}:2027-03-02`);
    const res = await refund(app, accountId, {
      paymentId: payment.id,
      reason: 'termination_without_cause',
      on: '2027-03-23',
    });
    assert.deepEqual([res.refund.amount, res.refund.currency], ['73.39', 'PLN']);
    assert.deepEqual(
      [
        res.correction.kind,
        res.correction.number,
        res.correction.issueDate,
        res.correction.net,
        res.correction.vat,
        res.correction.gross,
      ],
      ['KOR', 'TEST/FV/2027/03/0002', '2027-03-23', '-59.67', '-13.72', '-73.39'],
    );
  });

  it('CM-BIL-09: the year in invoices: 16 paid invoices and 1 correction, every FA(3) valid against the schema; 16 invoice mails, 12 reminders (CM-BIL-10), 1 failed-renewal notice', async () => {
    const rows = await invoiceRows(app, accountId);
    assert.deepEqual(
      rows.map((r) => r.number),
      [
        'TEST/FV/2026/03/0001',
        'TEST/FV/2026/04/0001',
        'TEST/FV/2026/04/0002',
        'TEST/FV/2026/05/0001',
        'TEST/FV/2026/05/0002',
        'TEST/FV/2026/06/0001',
        'TEST/FV/2026/06/0002',
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
    assert.equal(await validateAllFa3(app, accountId, fa3), 17);
    const mails = await mailCounts(app, EMAIL);
    // Reminders 7 days before each period end: 2026-04-01 … 2027-03-01 (12 periods) and 2027-04-01 (sent
    // 2027-03-25, after today) → 12.
    assert.deepEqual(
      [mails['billing.invoice_issued'], mails['billing.renewal_reminder'], mails['billing.renewal_failed']],
      [16, 12, 1],
    );
    assert.equal((await app.eventLog.verify()).ok, true);
  });
});
