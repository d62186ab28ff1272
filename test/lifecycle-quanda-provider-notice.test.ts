import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aCompany,
  activate,
  advanceClock,
  anApp,
  anIco,
  aTestClock,
  entitlements,
  events,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// QU-LIF-05 from the provider's side (art. 12.1, 12.2, 11.1): a notice emailed on 2026-05-17 is deemed
// delivered on 2026-05-20 (the 3rd day after sending); the contract would end with May, but a provider's notice
// runs at least 30 days from delivery, so it ends on 2026-06-19. Quanda invoices each month on its 1st
// (art. 8.4), so June is not invoiced yet when the notice is given: the June invoice issued on 2026-06-01 is
// for 06-01..06-19 only, 590 CZK × 19/30.

const EMAIL = 'anna@roza.example';
const czechCompany = {
  ...aCompany('Kytky s.r.o.', anIco('2728012'), 'CZ'),
  address: { street: 'Dlouhá 1', postalCode: '110 00', city: 'Praha 1', country: 'CZ' },
};

async function post(app: TestApp, url: string, payload?: object) {
  return app.http.inject({
    method: 'POST',
    url,
    headers: app.operator,
    ...(payload === undefined ? {} : { payload }),
  });
}

async function invoices(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/billing`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().invoices as {
    id: string;
    kind: string;
    status: string;
    amountPaid: string;
    issueDate: string;
    dueDate: string | null;
    period: { from: string; to: string } | null;
    net: string;
    vat: string;
    gross: string;
  }[];
}

async function payAll(app: TestApp, accountId: string) {
  for (const invoice of await invoices(app, accountId)) {
    const res = await post(app, `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`, {
      amount: invoice.gross,
      currency: 'CZK',
      reference: `KB ${invoice.id}`,
    });
    assert.ok(res.statusCode === 201 || res.statusCode === 200 || res.statusCode === 409, res.body);
  }
}

/** PROFESIONAL 200 monthly (590 CZK net) ordered 2026-04-01, April and May invoiced and paid. */
async function aMonthlyCustomer(app: TestApp) {
  const clock = await aTestClock(app, '2026-04-01T09:00:00+02:00');
  const { accountId } = await registered(app, clock, { company: czechCompany });
  await activate(app, EMAIL);
  const res = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
    plan: 'professional_200',
    frequency: 'monthly',
  });
  assert.equal(res.statusCode, 201, res.body);
  await payAll(app, accountId);
  await advanceClock(app, clock, '2026-05-01T09:00:00+02:00');
  await payAll(app, accountId);
  return { clock, accountId };
}

describe('Quanda: the provider ends a paid contract by notice (QU-LIF-05, art. 12.2)', () => {
  it('QU-LIF-05: a provider notice emailed on 2026-05-17 (deemed delivered 2026-05-20) ends the contract on 2026-06-19, not 05-31; June is invoiced on 06-01 for 19/30 of 590 CZK = 373.67 + 21 % VAT; access ends 2026-06-20 00:00 and nothing renews', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId } = await aMonthlyCustomer(app);
    await advanceClock(app, clock, '2026-05-17T11:00:00+02:00');

    const res = await post(app, `/v1/accounts/${accountId}/operator-actions`, {
      action: 'notice',
      reason: 'Quanda discontinues contracts in this segment',
      evidence: ['mail:2026-05-17'],
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(
      [res.json().lastDay, res.json().action.clause, res.json().action.ground, res.json().action.status],
      ['2026-06-19', 'QU-LIF-05', 'provider_notice', 'pending'],
    );
    const given = (await events(app, accountId)).find((e) => e.type === 'operator.termination_given');
    assert.deepEqual(
      [
        given?.clause,
        given?.data.deliveredOn,
        given?.data.lastDay,
        given?.data.basis,
        given?.data.effectiveAt,
      ],
      ['QU-LIF-05', '2026-05-20', '2026-06-19', 'deemed_delivery', '2026-06-19T22:00:00.000Z'],
    );
    const [notice] = await mailsTo(app, EMAIL, 'lifecycle.termination_notice');
    assert.match(notice!.body.text, /2026-06-19/);
    assert.match(notice!.body.text, /QU-LIF-05/);
    const ending = (await events(app, accountId)).find((e) => e.type === 'subscription.ending');
    assert.deepEqual(
      [ending?.clause, ending?.data.finalPeriodFrom, ending?.data.finalPeriodTo],
      ['QU-LIF-05', '2026-06-01', '2026-06-19'],
    );

    // Still a normal customer through May: no June invoice yet.
    await advanceClock(app, clock, '2026-05-31T23:00:00+02:00');
    assert.equal((await invoices(app, accountId)).length, 2);
    assert.equal((await entitlements(app, accountId)).access, 'full');

    await advanceClock(app, clock, '2026-06-01T09:00:00+02:00');
    const all = await invoices(app, accountId);
    assert.equal(all.length, 3, 'one June invoice');
    const june = all.find((i) => i.issueDate === '2026-06-01')!;
    assert.deepEqual(
      [june.kind, june.period, june.net, june.vat, june.gross, june.dueDate],
      ['VAT', { from: '2026-06-01', to: '2026-06-19' }, '373.67', '78.47', '452.14', '2026-06-15'],
    );
    const final = (await events(app, accountId)).find((e) => e.type === 'subscription.final_period');
    assert.deepEqual(
      [final?.clause, final?.data.days, final?.data.periodDays, final?.data.net, final?.data.invoice],
      ['QU-LIF-05', 19, 30, '373.67', june.id],
    );
    await payAll(app, accountId);

    await advanceClock(app, clock, '2026-06-19T23:59:59+02:00');
    assert.equal((await entitlements(app, accountId)).access, 'full', 'the last day, 06-19, is served');
    await advanceClock(app, clock, '2026-06-20T00:00:00+02:00');
    const ended = await entitlements(app, accountId);
    assert.deepEqual([ended.state, ended.access], ['terminated', 'none']);
    const log = await events(app, accountId);
    const terminated = log.filter((e) => e.type === 'account.state_changed').at(-1);
    assert.deepEqual(
      [terminated?.occurredAt, terminated?.data.to, terminated?.clause],
      ['2026-06-19T22:00:00.000Z', 'terminated', 'QU-LIF-05'],
    );
    assert.equal(log.filter((e) => e.type === 'payment.refunded').length, 0, 'June was billed pro rata');

    await advanceClock(app, clock, '2026-07-02T00:00:00+02:00');
    assert.equal((await invoices(app, accountId)).length, 3, 'nothing renews after the last day');
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('QU-LIF-05: a notice with a proven delivery on 2026-05-02 still runs 30 days → ends 2026-06-01, June billed 1/30; a second notice while one is pending is refused', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId } = await aMonthlyCustomer(app);
    await advanceClock(app, clock, '2026-05-02T15:00:00+02:00');
    const res = await post(app, `/v1/accounts/${accountId}/operator-actions`, {
      action: 'notice',
      reason: 'Quanda discontinues contracts in this segment',
      evidence: ['registered letter 123'],
      deliveredAt: '2026-05-02T12:00:00+02:00',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().lastDay, '2026-06-01');
    const again = await post(app, `/v1/accounts/${accountId}/operator-actions`, {
      action: 'notice',
      reason: 'Quanda discontinues contracts in this segment',
      evidence: ['mail'],
    });
    assert.deepEqual([again.statusCode, again.json().code], [409, 'lifecycle.termination_pending']);
    await advanceClock(app, clock, '2026-06-01T09:00:00+02:00');
    const june = (await invoices(app, accountId)).find((i) => i.issueDate === '2026-06-01')!;
    // 590 × 1/30 = 19.67 net
    assert.deepEqual([june.period, june.net], [{ from: '2026-06-01', to: '2026-06-01' }, '19.67']);
    await advanceClock(app, clock, '2026-06-02T00:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).state, 'terminated');
  });

  it('QU-LIF-05: a notice emailed 2026-05-30 is deemed delivered 2026-06-02, after June was invoiced in full on 06-01: June stays, the contract ends 2026-07-02 and July is invoiced on 07-01 for 2/31', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId } = await aMonthlyCustomer(app);
    await advanceClock(app, clock, '2026-05-30T10:00:00+02:00');
    const res = await post(app, `/v1/accounts/${accountId}/operator-actions`, {
      action: 'notice',
      reason: 'Quanda discontinues contracts in this segment',
      evidence: ['mail:2026-05-30'],
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().lastDay, '2026-07-02');
    await advanceClock(app, clock, '2026-06-01T09:00:00+02:00');
    const june = (await invoices(app, accountId)).find((i) => i.issueDate === '2026-06-01')!;
    assert.deepEqual([june.period, june.net], [{ from: '2026-06-01', to: '2026-06-30' }, '590.00']);
    await payAll(app, accountId);
    await advanceClock(app, clock, '2026-07-01T09:00:00+02:00');
    const july = (await invoices(app, accountId)).find((i) => i.issueDate === '2026-07-01')!;
    // 590 × 2/31 = 38.06 net
    assert.deepEqual([july.period, july.net], [{ from: '2026-07-01', to: '2026-07-02' }, '38.06']);
    await advanceClock(app, clock, '2026-07-03T00:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).state, 'terminated');
    assert.equal((await invoices(app, accountId)).length, 4);
  });

  it('QU LIF 05: the last day of a provider notice (rule): delivered 2026-05-20 in a May period → 2026-06-19; delivered 2026-01-10 in an annual 2026 period → 2026-12-31', async () => {
    const { providerNoticeEnd } = await import('../src/modules/billing/provider-notice.ts');
    assert.equal(
      providerNoticeEnd({
        period: { from: '2026-05-01', to: '2026-05-31' },
        frequency: 'monthly',
        deliveredOn: '2026-05-20',
        minDays: 30,
      }),
      '2026-06-19',
    );
    assert.equal(
      providerNoticeEnd({
        period: { from: '2026-01-01', to: '2026-12-31' },
        frequency: 'annual',
        deliveredOn: '2026-01-10',
        minDays: 30,
      }),
      '2026-12-31',
    );
    // An annual 2027 period invoiced ahead on 2026-12-18 (QU-BIL-05): a notice delivered 2026-12-20 falls in 2026.
    assert.equal(
      providerNoticeEnd({
        period: { from: '2027-01-01', to: '2027-12-31' },
        frequency: 'annual',
        deliveredOn: '2026-12-20',
        minDays: 30,
      }),
      '2027-01-19',
    );
    assert.equal(
      providerNoticeEnd({
        period: { from: '2026-04-01', to: '2026-04-30' },
        frequency: 'monthly',
        deliveredOn: '2026-05-03',
        minDays: 30,
      }),
      '2026-06-02',
    );
  });

  describe('an annual period invoiced ahead in full (QU-BIL-05) that the notice ends early', () => {
    // PROFESIONAL 200 annual (5,900 CZK net + 21 % VAT = 7,139.00) ordered 2026-01-01; 2027 is invoiced on
    // 2026-12-18 (14 days ahead), due 2027-01-01. A notice proven delivered 2026-12-21 falls in 2026's period,
    // which ends before its 30 days: the contract ends 2027-01-20, inside 2027. The 345 days 2027-01-21..12-31
    // are not owed: KOR of 7,139.00 × 345/365 = 6,747.82 (net 5,576.71, VAT 1,171.11); 20 days stay owed:
    // 391.18 (net 323.29 = 5,900 × 20/365, VAT 67.89).
    async function anAnnualCustomerInvoicedAhead(app: TestApp) {
      const clock = await aTestClock(app, '2026-01-01T09:00:00+01:00');
      const { accountId } = await registered(app, clock, { company: czechCompany });
      await activate(app, EMAIL);
      const res = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
        plan: 'professional_200',
        frequency: 'annual',
      });
      assert.equal(res.statusCode, 201, res.body);
      await payAll(app, accountId);
      await advanceClock(app, clock, '2026-12-18T09:00:00+01:00');
      const ahead = (await invoices(app, accountId)).find((i) => i.issueDate === '2026-12-18')!;
      assert.deepEqual(
        [ahead.period, ahead.gross, ahead.dueDate, ahead.status],
        [{ from: '2027-01-01', to: '2027-12-31' }, '7139.00', '2027-01-01', 'issued'],
      );
      return { clock, accountId, ahead };
    }

    async function giveNotice(app: TestApp, accountId: string) {
      const res = await post(app, `/v1/accounts/${accountId}/operator-actions`, {
        action: 'notice',
        reason: 'Quanda discontinues contracts in this segment',
        evidence: ['registered letter RR 1234'],
        deliveredAt: '2026-12-21T10:00:00+01:00',
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().lastDay, '2027-01-20');
    }

    const pay = (app: TestApp, accountId: string, invoiceId: string, amount: string, reference: string) =>
      post(app, `/v1/accounts/${accountId}/invoices/${invoiceId}/payments`, {
        amount,
        currency: 'CZK',
        reference,
      });

    it('QU-LIF-05, QU-BIL-05: 2027 paid in full on 2026-12-19, notice delivered 2026-12-21 → on the notice day a KOR of -6,747.82 (net -5,576.71, VAT 21 % -1,171.11) for 2027-01-21..12-31 and the whole 6,747.82 refunded by transfer, no 100 CZK fee; the contract ends 2027-01-20 and nothing renews', async (t) => {
      const app = await anApp(t, 'quanda');
      const { clock, accountId, ahead } = await anAnnualCustomerInvoicedAhead(app);
      await advanceClock(app, clock, '2026-12-19T10:00:00+01:00');
      assert.equal((await pay(app, accountId, ahead.id, '7139.00', 'KB 2027')).statusCode, 201);
      await advanceClock(app, clock, '2026-12-21T11:00:00+01:00');
      await giveNotice(app, accountId);

      const all = await invoices(app, accountId);
      const kor = all.filter((i) => i.kind === 'KOR');
      assert.equal(kor.length, 1);
      assert.deepEqual(
        [kor[0]!.issueDate, kor[0]!.period, kor[0]!.net, kor[0]!.vat, kor[0]!.gross, kor[0]!.status],
        [
          '2026-12-21',
          { from: '2027-01-01', to: '2027-12-31' },
          '-5576.71',
          '-1171.11',
          '-6747.82',
          'partially_paid',
        ],
      );
      const original = all.find((i) => i.id === ahead.id)!;
      assert.deepEqual([original.status, original.amountPaid], ['paid', '7139.00']);
      const log = await events(app, accountId);
      const corrected = log.find((e) => e.type === 'invoice.corrected');
      assert.deepEqual(
        [
          corrected?.clause,
          corrected?.data.corrects,
          corrected?.data.from,
          corrected?.data.to,
          corrected?.data.days,
          corrected?.data.periodDays,
          corrected?.data.correctedGross,
          corrected?.data.refund,
        ],
        ['QU-LIF-05', ahead.id, '2027-01-21', '2027-12-31', 345, 365, '391.18', '6747.82'],
      );
      const [refund] = await app.billing.refunds(accountId);
      assert.deepEqual(
        [refund?.status, refund?.amount, refund?.reason, refund?.invoiceId],
        ['awaiting_transfer', 674782n, 'provider_notice', kor[0]!.id],
      );
      const refunded = log.filter((e) => e.type === 'payment.refunded');
      assert.deepEqual(
        refunded.map((e) => [e.clause, e.data.amount, e.data.fee, e.data.method]),
        [['QU-LIF-05', '6747.82', null, 'transfer']],
      );
      const ending = log.find((e) => e.type === 'subscription.ending');
      assert.deepEqual(
        [ending?.data.overInvoicedFrom, ending?.data.overInvoicedTo, ending?.data.corrections],
        ['2027-01-21', '2027-12-31', [kor[0]!.id]],
      );

      // Staff send the transfer: the KOR is paid.
      const sent = await post(app, `/v1/accounts/${accountId}/refunds/${refund!.id}/transfer`, {
        reference: 'KB OUT 2026-12-22',
      });
      assert.equal(sent.statusCode, 200, sent.body);
      assert.deepEqual(
        (await invoices(app, accountId)).filter((i) => i.kind === 'KOR').map((i) => [i.status, i.amountPaid]),
        [['paid', '-6747.82']],
      );

      await advanceClock(app, clock, '2027-01-20T23:00:00+01:00');
      assert.equal(
        (await entitlements(app, accountId)).access,
        'full',
        'the last day, 2027-01-20, is served',
      );
      await advanceClock(app, clock, '2027-01-21T00:00:00+01:00');
      assert.equal((await entitlements(app, accountId)).state, 'terminated');
      await advanceClock(app, clock, '2027-12-19T00:00:00+01:00');
      const after = await events(app, accountId);
      assert.equal(
        after.filter((e) => e.type === 'payment.refunded').length,
        1,
        'nothing refunded at the end',
      );
      assert.equal((await invoices(app, accountId)).length, 3, 'no 2028 invoice');
      assert.equal((await app.eventLog.verify()).ok, true);
    });

    it('QU-LIF-05, QU-BIL-05, QU-LIF-01: 2027 unpaid at the notice → the KOR of -6,747.82 lowers what is owed to 391.18, still due 2027-01-01 (no refund); paying 391.18 (the corrected debt) settles it with nothing left over', async (t) => {
      const app = await anApp(t, 'quanda');
      const { clock, accountId, ahead } = await anAnnualCustomerInvoicedAhead(app);
      await advanceClock(app, clock, '2026-12-21T11:00:00+01:00');
      await giveNotice(app, accountId);
      const all = await invoices(app, accountId);
      const original = all.find((i) => i.id === ahead.id)!;
      const kor = all.find((i) => i.kind === 'KOR')!;
      assert.deepEqual(
        [original.status, original.dueDate, original.amountPaid],
        ['partially_paid', '2027-01-01', '6747.82'],
        '7,139.00 - 6,747.82 = 391.18 open',
      );
      assert.deepEqual([kor.gross, kor.status, kor.amountPaid], ['-6747.82', 'paid', '-6747.82']);
      assert.equal((await app.billing.refunds(accountId)).length, 0);
      assert.equal((await events(app, accountId)).filter((e) => e.type === 'payment.refunded').length, 0);

      // 391.18 paid on 2027-01-05: the invoice is settled; nothing is left over.
      await advanceClock(app, clock, '2027-01-05T10:00:00+01:00');
      const paid = await pay(app, accountId, ahead.id, '391.18', 'KB 391');
      assert.equal(paid.statusCode, 201, paid.body);
      const settled = (await invoices(app, accountId)).find((i) => i.id === ahead.id)!;
      assert.deepEqual([settled.status, settled.amountPaid], ['paid', '7139.00']);
      const recorded = (await events(app, accountId)).find((e) => e.type === 'payment.recorded');
      assert.deepEqual([recorded?.data.invoiceStatus, recorded?.data.excess], ['paid', '0.00']);
    });

    it('QU-LIF-05, QU-BIL-05: 3,000.00 of 2027 paid before the notice → the KOR of -6,747.82 settles the open 4,139.00 and the paid excess 3,000.00 - 391.18 = 2,608.82 is refunded by transfer, no fee', async (t) => {
      const app = await anApp(t, 'quanda');
      const { clock, accountId, ahead } = await anAnnualCustomerInvoicedAhead(app);
      await advanceClock(app, clock, '2026-12-19T10:00:00+01:00');
      assert.equal((await pay(app, accountId, ahead.id, '3000.00', 'KB part')).statusCode, 201);
      await advanceClock(app, clock, '2026-12-21T11:00:00+01:00');
      await giveNotice(app, accountId);
      const all = await invoices(app, accountId);
      const original = all.find((i) => i.id === ahead.id)!;
      const kor = all.find((i) => i.kind === 'KOR')!;
      assert.deepEqual([original.status, original.amountPaid], ['paid', '7139.00']);
      assert.deepEqual([kor.gross, kor.status, kor.amountPaid], ['-6747.82', 'partially_paid', '-4139.00']);
      assert.deepEqual(
        (await app.billing.refunds(accountId)).map((r) => [r.status, r.amount, r.reason]),
        [['awaiting_transfer', 260882n, 'provider_notice']],
      );
    });
  });
});
