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
});
