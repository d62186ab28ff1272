import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  aCompany,
  advanceClock,
  aNip,
  anIco,
  aTestClock,
  entitlements,
  events,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import {
  billingTab,
  bookTransfer,
  changePlan,
  invoiceDocument,
  invoiceRows,
  mailCounts,
  orderPlan,
  refund,
  vatSummary,
  withoutIds,
} from './helpers/billing-scenario.ts';
import { startTestViesServer, type TestViesServer } from './helpers/vies-server.ts';

// A year of Quanda billing on one test clock for a Czech company (Kytky s.r.o.), Europe/Prague: the 14-day
// trial (QU-BIL-01), a monthly PROFESIONAL 200 order (590 CZK net, first month pro rata to the 1st,
// QU-BIL-06), invoices with 14-day terms paid by transfer, an upgrade billed at once (QU-BIL-09), an unpaid
// invoice that blocks the account after 5 days and a late payment that restores it (QU-LIF-01 — Quanda takes
// no cards, so this is its "failed payment and retry"), a downgrade (QU-BIL-10), renewals through January
// 2027, a Polish company with a VIES-valid VAT id invoiced with reverse charge (QU-BIL-08), and a refund for
// the provider's breach (QU-LIF-06, A14: the unused days of the paid period).
//
// Czech VAT 21 % (QU-BIL-08); money half up; pro rata on calendar days (conventions). Quanda is a Czech
// seller: it issues no FA(3) XML (the KSeF format is Polish), which the last step checks.
// Not in this preset: add-ons and packs (`addOns: []`, `packs: []`, seed silent) — those steps are skipped.

const EMAIL = 'jana@kytky.example';
const PL_EMAIL = 'anna@roza.example';
const PL_NIP = aNip('526025027');
const czechCompany = {
  ...aCompany('Kytky s.r.o.', anIco('2728012'), 'CZ'),
  address: { street: 'Dlouhá 1', postalCode: '110 00', city: 'Praha 1', country: 'CZ' },
};

let app: TestApp;
let vies: TestViesServer;
let clock: string;
let accountId: string;

before(async () => {
  vies = await startTestViesServer(() => new Date('2027-01-10T09:00:00Z'));
  app = await buildTestApp({ preset: 'quanda', vies: { baseUrl: vies.baseUrl, timeoutMs: 2000 } });
  clock = await aTestClock(app, '2026-01-05T09:00:00+01:00');
});
after(async () => {
  await app.close();
  await vies.close();
});

const row = (
  number: string,
  issueDate: string,
  dueDate: string,
  period: string | null,
  net: string,
  vat: string,
  gross: string,
  status = 'paid',
) => ({ number, kind: 'VAT', issueDate, dueDate, period, net, vat, gross, status });

/** Pays every open invoice of the account in full by transfer, the day the clock stands at. */
async function payOpenInvoices(account: string) {
  for (const invoice of await invoiceRows(app, account)) {
    if (invoice.status !== 'issued') continue;
    await bookTransfer(app, account, invoice.id, invoice.gross, 'CZK', `KB ${invoice.number}`);
  }
}

describe('Quanda: a year of billing on a test clock', () => {
  it('QU-BIL-01: registered 2026-01-05 on Trial; still Trial on 2026-01-19 23:59, "Trial ended" from 2026-01-20 00:00 Prague', async () => {
    const account = await registered(app, clock, { email: EMAIL, company: czechCompany });
    accountId = account.accountId;
    assert.equal((await entitlements(app, accountId)).plan.code, 'trial');
    await advanceClock(app, clock, '2026-01-19T23:59:00+01:00');
    assert.equal((await entitlements(app, accountId)).plan.code, 'trial');
    await advanceClock(app, clock, '2026-01-20T00:00:00+01:00');
    assert.equal((await entitlements(app, accountId)).plan.code, 'trial_ended');
  });

  it('QU-BIL-03, QU-BIL-06, QU-BIL-07, QU-BIL-08: PROFESIONAL 200 monthly ordered 2026-01-22 → 590 × 10/31 (01-22..01-31) = 190.32 + 21 % 39.97 = 230.29 CZK, TEST/FV/2026/01/0001 issued that day, due 2026-02-05', async () => {
    await advanceClock(app, clock, '2026-01-22T10:00:00+01:00');
    const res = await orderPlan(app, accountId, {
      plan: 'professional_200',
      frequency: 'monthly',
      identification: { orderingPerson: 'Jana Nováková' },
    });
    assert.deepEqual(res.subscription.currentPeriod, { from: '2026-01-22', to: '2026-01-31' });
    // 590 × 10 / 31 = 190.3226 → 190.32; × 21 % = 39.9672 → 39.97; 230.29.
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.dueDate,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
        res.invoice.status,
      ],
      ['TEST/FV/2026/01/0001', '2026-01-22', '2026-02-05', '190.32', '39.97', '230.29', 'issued'],
    );
    assert.deepEqual(await vatSummary(app, accountId, res.invoice.id), [
      ['21%', '190.32', '39.97', '230.29'],
    ]);
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_200');
    // QU-BIL-07: deemed delivered the next business day (Fri 2026-01-23).
    const [first] = (await billingTab(app, accountId)).invoices;
    assert.deepEqual([first.id, first.deemedDeliveredOn], [res.invoice.id, '2026-01-23']);
    const [mail] = await mailsTo(app, EMAIL, 'billing.invoice_awaiting_payment');
    assert.match(mail!.body.text, /230,29 CZK/);
    await advanceClock(app, clock, '2026-01-28T10:00:00+01:00');
    await payOpenInvoices(accountId);
  });

  it('QU-BIL-04, QU-BIL-06: the February invoice is issued on 2026-02-01 for 02-01..02-28: 590.00 + 123.90 = 713.90, due 2026-02-15, TEST/FV/2026/02/0001', async () => {
    await advanceClock(app, clock, '2026-02-01T12:00:00+01:00');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row(
        'TEST/FV/2026/02/0001',
        '2026-02-01',
        '2026-02-15',
        '2026-02-01..2026-02-28',
        '590.00',
        '123.90',
        '713.90',
        'issued',
      ),
    );
    await advanceClock(app, clock, '2026-02-10T10:00:00+01:00');
    await payOpenInvoices(accountId);
  });

  it('QU-BIL-09: upgrade to PROFESIONAL 500 on 2026-02-20 → (1,000 − 590) × 9/28 (02-20..02-28) = 131.79 + 27.68 = 159.47 CZK invoiced at once, due 2026-03-06, TEST/FV/2026/02/0002; March at 1,000', async () => {
    await advanceClock(app, clock, '2026-02-20T10:00:00+01:00');
    const res = await changePlan(app, accountId, 'professional_500');
    // 410 × 9 / 28 = 131.7857 → 131.79; × 21 % = 27.6759 → 27.68.
    assert.deepEqual(
      [res.outcome, res.direction, res.effectiveFrom, res.difference.net],
      ['changed', 'upgrade', '2026-02-20', '131.79'],
    );
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.dueDate,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
      ],
      ['TEST/FV/2026/02/0002', '2026-02-20', '2026-03-06', '131.79', '27.68', '159.47'],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_500');
    await payOpenInvoices(accountId);
    await advanceClock(app, clock, '2026-03-01T12:00:00+01:00');
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).at(-1),
      row(
        'TEST/FV/2026/03/0001',
        '2026-03-01',
        '2026-03-15',
        '2026-03-01..2026-03-31',
        '1000.00',
        '210.00',
        '1210.00',
        'issued',
      ),
    );
  });

  it('QU-LIF-01: the March invoice due 2026-03-15 is unpaid → not blocked on 2026-03-20, blocked from 2026-03-21 00:00; a partial transfer on 03-23 leaves it blocked, the rest on 03-25 restores access that day', async () => {
    await advanceClock(app, clock, '2026-03-20T23:59:00+01:00');
    assert.equal((await entitlements(app, accountId)).state, 'active');
    await advanceClock(app, clock, '2026-03-21T00:00:00+01:00');
    const blocked = await entitlements(app, accountId);
    assert.notEqual(blocked.state, 'active');
    const march = (await invoiceRows(app, accountId)).at(-1)!;
    await advanceClock(app, clock, '2026-03-23T10:00:00+01:00');
    const partial = await bookTransfer(app, accountId, march.id, '500.00', 'CZK', 'KB partial');
    assert.equal(partial.invoice.status, 'partially_paid');
    assert.equal(
      (await entitlements(app, accountId)).state,
      blocked.state,
      'arrears remain until paid in full',
    );
    await advanceClock(app, clock, '2026-03-25T10:00:00+01:00');
    const rest = await bookTransfer(app, accountId, march.id, '710.00', 'CZK', 'KB rest');
    assert.equal(rest.invoice.status, 'paid');
    assert.equal((await entitlements(app, accountId)).state, 'active');
    const changes = (await events(app, accountId))
      .filter((e) => e.type === 'account.state_changed')
      .slice(-2);
    assert.deepEqual(
      changes.map((e) => [e.clause, e.occurredAt, e.data.to]),
      [
        ['QU-LIF-01', '2026-03-20T23:00:00.000Z', blocked.state],
        ['QU-LIF-01', '2026-03-25T09:00:00.000Z', 'active'],
      ],
    );
  });

  it('QU-BIL-10: a downgrade asked 2026-04-10 (plan in force since 02-20, longer than one period) applies from the next period, 2026-05-01: April 1,000.00, May 590.00', async () => {
    await advanceClock(app, clock, '2026-04-10T10:00:00+02:00');
    await payOpenInvoices(accountId);
    const res = await changePlan(app, accountId, 'professional_200');
    assert.deepEqual(
      [res.outcome, res.direction, res.effectiveFrom],
      ['scheduled', 'downgrade', '2026-05-01'],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_500');
    await advanceClock(app, clock, '2026-05-01T12:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).plan.code, 'professional_200');
    assert.deepEqual(withoutIds(await invoiceRows(app, accountId)).slice(-2), [
      row(
        'TEST/FV/2026/04/0001',
        '2026-04-01',
        '2026-04-15',
        '2026-04-01..2026-04-30',
        '1000.00',
        '210.00',
        '1210.00',
      ),
      row(
        'TEST/FV/2026/05/0001',
        '2026-05-01',
        '2026-05-15',
        '2026-05-01..2026-05-31',
        '590.00',
        '123.90',
        '713.90',
        'issued',
      ),
    ]);
    await payOpenInvoices(accountId);
  });

  it('QU-BIL-04, QU-BIL-06: June 2026 … January 2027 are each invoiced on the 1st at 713.90 CZK, due the 15th, and paid by transfer', async () => {
    const months = ['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01'];
    for (const month of months) {
      await advanceClock(app, clock, `${month}-05T10:00:00+01:00`);
      await payOpenInvoices(accountId);
    }
    const lastDay: Record<string, string> = {
      '2026-06': '30',
      '2026-07': '31',
      '2026-08': '31',
      '2026-09': '30',
      '2026-10': '31',
      '2026-11': '30',
      '2026-12': '31',
      '2027-01': '31',
    };
    assert.deepEqual(
      withoutIds(await invoiceRows(app, accountId)).slice(-8),
      months.map((m) =>
        row(
          `TEST/FV/${m.replace('-', '/')}/0001`,
          `${m}-01`,
          `${m}-15`,
          `${m}-01..${m}-${lastDay[m]}`,
          '590.00',
          '123.90',
          '713.90',
        ),
      ),
    );
  });

  it('QU-BIL-08: a Polish company with a VIES-valid VAT id orders PROFESIONAL 500 on 2027-01-10 → 1,000 × 22/31 = 709.68 CZK, no VAT (reverse charge), TEST/FV/2027/01/0002', async () => {
    vies.answers.set(`PL${PL_NIP}`, { valid: true, name: 'KWIACIARNIA RÓŻA SP. Z O.O.' });
    await advanceClock(app, clock, '2027-01-10T10:00:00+01:00');
    const { accountId: polish } = await registered(app, clock, {
      email: PL_EMAIL,
      company: aCompany('Kwiaciarnia Róża sp. z o.o.', PL_NIP),
    });
    const res = await orderPlan(app, polish, {
      plan: 'professional_500',
      frequency: 'monthly',
      identification: { orderingPerson: 'Anna Nowak' },
    });
    // 1,000 × 22 / 31 = 709.677 → 709.68.
    assert.deepEqual(
      [
        res.invoice.number,
        res.invoice.issueDate,
        res.invoice.dueDate,
        res.invoice.net,
        res.invoice.vat,
        res.invoice.gross,
      ],
      ['TEST/FV/2027/01/0002', '2027-01-10', '2027-01-24', '709.68', '0.00', '709.68'],
    );
    assert.deepEqual(await vatSummary(app, polish, res.invoice.id), [
      ['reverse_charge_eu', '709.68', '0.00', '709.68'],
    ]);
    assert.deepEqual((await invoiceDocument(app, polish, res.invoice.id)).notes, ['odwrotne obciążenie']);
  });

  it("QU-LIF-06 (A14): the customer withdraws for the provider's breach on 2027-01-22 → January paid 713.90 × 10/31 (01-22..01-31) = 230.29 CZK back; correction TEST/FV/2027/01/0003: −190.32 net, −39.97 VAT", async () => {
    await advanceClock(app, clock, '2027-01-22T10:00:00+01:00');
    const january = (await app.billing.payments(accountId)).at(-1)!;
    const res = await refund(app, accountId, {
      paymentId: january.id,
      reason: 'provider_breach',
      on: '2027-01-22',
    });
    // 713.90 × 10 / 31 = 230.290 → 230.29; net 590 × 230.29 / 713.90 = 190.32, VAT the rest 39.97.
    assert.deepEqual([res.refund.amount, res.refund.currency], ['230.29', 'CZK']);
    assert.deepEqual(
      [
        res.correction.kind,
        res.correction.number,
        res.correction.issueDate,
        res.correction.net,
        res.correction.vat,
        res.correction.gross,
      ],
      ['KOR', 'TEST/FV/2027/01/0003', '2027-01-22', '-190.32', '-39.97', '-230.29'],
    );
  });

  it('QU-BIL-06: the year in invoices — 14 invoices in the sandbox series, one awaiting-payment mail each, no FA(3) from a Czech seller', async () => {
    const rows = await invoiceRows(app, accountId);
    assert.deepEqual(
      rows.filter((r) => r.kind === 'VAT').map((r) => r.number),
      [
        'TEST/FV/2026/01/0001',
        'TEST/FV/2026/02/0001',
        'TEST/FV/2026/02/0002',
        'TEST/FV/2026/03/0001',
        'TEST/FV/2026/04/0001',
        'TEST/FV/2026/05/0001',
        'TEST/FV/2026/06/0001',
        'TEST/FV/2026/07/0001',
        'TEST/FV/2026/08/0001',
        'TEST/FV/2026/09/0001',
        'TEST/FV/2026/10/0001',
        'TEST/FV/2026/11/0001',
        'TEST/FV/2026/12/0001',
        'TEST/FV/2027/01/0001',
      ],
    );
    for (const r of rows) {
      const xml = await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/invoices/${r.id}/fa3.xml`,
        headers: app.operator,
      });
      assert.equal(xml.statusCode, 404, `no FA(3) for ${r.number}`);
    }
    assert.equal((await mailCounts(app, EMAIL))['billing.invoice_awaiting_payment'], 14);
    assert.equal((await app.eventLog.verify()).ok, true);
  });
});
