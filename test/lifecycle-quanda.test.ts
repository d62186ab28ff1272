import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, localDateOf } from '../src/platform/calendar.ts';
import {
  aCompany,
  activate,
  advanceClock,
  anApp,
  anIco,
  aTestClock,
  entitlements,
  events,
  type LoggedEvent,
  logInRequest,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// Quanda's account life on test clocks: an overdue invoice blocks access only after day 5, soft-deletes
// after day 60 and purges after day 120 (QU-LIF-01..03); paying lifts the block at once; a written agreement
// restores a soft-deleted account; a paid plan ends at the end of the billing period of the notice
// (QU-LIF-05), a trial at once (QU-LIF-07).

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

async function state(app: TestApp, accountId: string): Promise<string> {
  return (await entitlements(app, accountId)).state;
}

function changes(log: LoggedEvent[]) {
  return log
    .filter((e) => e.type === 'account.state_changed')
    .map((e) => [e.occurredAt, e.data.from, e.data.to, e.clause]);
}

/** A Quanda customer that ordered Professional 200 monthly on 2026-04-01: invoice due 2026-04-15. */
async function aMonthlyCustomer(app: TestApp) {
  const clock = await aTestClock(app, '2026-04-01T09:00:00+02:00');
  const { accountId } = await registered(app, clock, { company: czechCompany });
  await activate(app, EMAIL);
  const res = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
    plan: 'professional_200',
    frequency: 'monthly',
  });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().invoice.dueDate, '2026-04-15');
  return { clock, accountId, invoice: res.json().invoice as { id: string; gross: string } };
}

describe('Quanda: an overdue invoice', () => {
  it('QU-LIF-01: due 2026-04-15 and unpaid → still active on 2026-04-20, blocked from 2026-04-21; paid in full on 2026-04-25 → access back that moment', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId, invoice } = await aMonthlyCustomer(app);

    await advanceClock(app, clock, '2026-04-20T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'active', 'day 5: no block');
    await advanceClock(app, clock, '2026-04-21T00:00:00+02:00');
    const blocked = await entitlements(app, accountId);
    assert.deepEqual([blocked.state, blocked.access, blocked.features], ['blocked', 'restricted', []]);
    assert.deepEqual(changes(await events(app, accountId)).at(-1), [
      '2026-04-20T22:00:00.000Z',
      'active',
      'blocked',
      'QU-LIF-01',
    ]);
    const [notice] = await mailsTo(app, EMAIL, 'lifecycle.unpaid_blocked');
    assert.match(notice!.body.text, /2026-04-15/);

    await advanceClock(app, clock, '2026-04-25T11:00:00+02:00');
    const half = await post(app, `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`, {
      amount: '100.00',
      currency: 'CZK',
      reference: 'KB 1',
    });
    assert.equal(half.statusCode, 201, half.body);
    assert.equal(await state(app, accountId), 'blocked', 'a partial payment does not lift it');
    const [, amount] = [0, (Number(invoice.gross) - 100).toFixed(2)];
    const rest = await post(app, `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`, {
      amount,
      currency: 'CZK',
      reference: 'KB 2',
    });
    assert.equal(rest.statusCode, 201, rest.body);
    const back = await entitlements(app, accountId);
    assert.deepEqual([back.state, back.access], ['active', 'full']);
    assert.deepEqual(changes(await events(app, accountId)).at(-1), [
      '2026-04-25T09:00:00.000Z',
      'blocked',
      'active',
      'QU-LIF-01',
    ]);
    assert.equal((await mailsTo(app, EMAIL, 'lifecycle.access_restored')).length, 1);
    // The May invoice (due 2026-05-15) is the next to count from: nothing more happens before 2026-05-21.
    await advanceClock(app, clock, '2026-05-20T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'active');
    await advanceClock(app, clock, '2026-05-21T00:00:00+02:00');
    assert.equal(await state(app, accountId), 'blocked');
  });

  it('QU-LIF-02, QU-LIF-03: unpaid since 2026-04-15 → deleted on 2026-06-15 (not 06-14), no login, no new invoices; purged on 2026-08-14 (not 08-13), never restorable', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId } = await aMonthlyCustomer(app);
    await advanceClock(app, clock, '2026-06-14T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'blocked');
    await advanceClock(app, clock, '2026-06-15T00:00:00+02:00');
    const deleted = await entitlements(app, accountId);
    assert.deepEqual([deleted.state, deleted.access], ['deleted', 'none']);
    assert.deepEqual(
      changes(await events(app, accountId))
        .at(-1)
        ?.slice(1),
      ['blocked', 'deleted', 'QU-LIF-02'],
    );
    const [notice] = await mailsTo(app, EMAIL, 'lifecycle.unpaid_soft_deleted');
    assert.match(notice!.body.text, /2026-08-14/);
    const login = await logInRequest(app, EMAIL, 'correct horse battery');
    assert.deepEqual([login.statusCode, login.json().code], [403, 'accounts.access_ended'], 'no access');

    const customerRestore = await post(app, `/v1/accounts/${accountId}/restore-requests`);
    assert.equal(customerRestore.statusCode, 409);
    assert.equal(customerRestore.json().details.reason, 'written_agreement_required');

    await advanceClock(app, clock, '2026-08-13T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'deleted');
    const invoices = (
      await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/billing`,
        headers: app.operator,
      })
    ).json().invoices as { issueDate: string }[];
    assert.ok(
      invoices.every((i) => i.issueDate < '2026-06-15'),
      `no period invoice after the soft delete: ${invoices.map((i) => i.issueDate)}`,
    );
    await advanceClock(app, clock, '2026-08-14T00:00:00+02:00');
    assert.equal(await state(app, accountId), 'purged');
    const log = await events(app, accountId);
    assert.deepEqual(changes(log).at(-1), ['2026-08-13T22:00:00.000Z', 'deleted', 'purged', 'QU-LIF-03']);
    assert.ok(log.some((e) => e.type === 'account.purged' && e.clause === 'QU-LIF-03'));
    assert.ok(log.some((e) => e.type === 'account.contract_ended'));
    const late = await post(app, `/v1/accounts/${accountId}/written-agreement-restorations`, {
      agreementRef: 'DOH-2026-17',
    });
    assert.equal(late.statusCode, 409, 'a purged account cannot be restored');
  });

  it('QU-LIF-02: a soft-deleted account restored by staff under a written agreement is not purged on day 121, and paying restores full access', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId } = await aMonthlyCustomer(app);
    await advanceClock(app, clock, '2026-07-01T10:00:00+02:00');
    assert.equal(await state(app, accountId), 'deleted');
    const missing = await post(app, `/v1/accounts/${accountId}/written-agreement-restorations`, {});
    assert.equal(missing.statusCode, 400, 'the agreement must be recorded');
    const res = await post(app, `/v1/accounts/${accountId}/written-agreement-restorations`, {
      agreementRef: 'DOH-2026-17',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().state, 'blocked', 'still blocked while the debt stands');
    assert.equal(
      (await events(app, accountId)).filter((e) => e.type === 'account.state_changed').at(-1)?.clause,
      'QU-LIF-02',
    );
    await advanceClock(app, clock, '2026-08-20T10:00:00+02:00');
    assert.equal(await state(app, accountId), 'blocked');
    const tab = (
      await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/billing`,
        headers: app.operator,
      })
    ).json();
    const open = tab.invoices.filter((i: { status: string }) => i.status !== 'paid');
    assert.ok(open.length > 0);
    for (const [n, i] of open.entries())
      await post(app, `/v1/accounts/${accountId}/invoices/${i.id}/payments`, {
        amount: i.gross,
        currency: 'CZK',
        reference: `KB ${n}`,
      });
    assert.equal(await state(app, accountId), 'active', 'QU-LIF-01: full arrears paid → access back');
  });

  it('CM-BIL-12 (as Quanda dunning runs): a notice given while an invoice is overdue leaves it open, and its dunning goes on', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId, invoice } = await aMonthlyCustomer(app);
    await advanceClock(app, clock, '2026-04-20T10:00:00+02:00');
    const res = await post(app, `/v1/accounts/${accountId}/cancellation`);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().effectiveAt, '2026-04-30T22:00:00.000Z', 'QU-LIF-05: end of April');
    await advanceClock(app, clock, '2026-04-21T00:00:00+02:00');
    assert.equal(await state(app, accountId), 'blocked', 'dunning continues after the notice');
    const open = (
      await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/invoices/${invoice.id}`,
        headers: app.operator,
      })
    ).json();
    assert.equal(open.status, 'issued');
  });
});

describe('Quanda: the customer ends the contract', () => {
  it('QU-LIF-05, QU-LIF-09: a monthly notice on 2026-05-20 ends the contract on 2026-05-31: access through 05-31, ended from 2026-06-01 00:00, no June invoice', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId, invoice } = await aMonthlyCustomer(app);
    await post(app, `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`, {
      amount: invoice.gross,
      currency: 'CZK',
      reference: 'KB 1',
    });
    await advanceClock(app, clock, '2026-05-20T10:00:00+02:00');
    // The May invoice was issued on 2026-05-01; pay it too.
    const tab = (
      await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/billing`,
        headers: app.operator,
      })
    ).json();
    const may = tab.invoices.find((i: { issueDate: string }) => i.issueDate === '2026-05-01');
    await post(app, `/v1/accounts/${accountId}/invoices/${may.id}/payments`, {
      amount: may.gross,
      currency: 'CZK',
      reference: 'KB 2',
    });
    const res = await post(app, `/v1/accounts/${accountId}/cancellation`);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().effectiveAt, '2026-05-31T22:00:00.000Z');
    assert.equal(
      (await events(app, accountId)).find((e) => e.type === 'account.cancellation_requested')?.clause,
      'QU-LIF-05',
    );

    await advanceClock(app, clock, '2026-05-31T23:59:59+02:00');
    assert.equal((await entitlements(app, accountId)).access, 'full');
    assert.equal(
      (await logInRequest(app, EMAIL, 'correct horse battery')).statusCode,
      200,
      'login on the last day',
    );
    await advanceClock(app, clock, '2026-06-01T00:00:00+02:00');
    const ended = await entitlements(app, accountId);
    assert.deepEqual([ended.state, ended.access], ['terminated', 'none']);
    const log = await events(app, accountId);
    assert.deepEqual(changes(log).at(-1), ['2026-05-31T22:00:00.000Z', 'active', 'terminated', 'QU-LIF-05']);
    assert.equal(
      log.find((e) => e.type === 'account.contract_ended')?.occurredAt,
      '2026-05-31T22:00:00.000Z',
    );
    const after = (
      await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/billing`,
        headers: app.operator,
      })
    ).json();
    assert.ok(
      !after.invoices.some((i: { issueDate: string }) => i.issueDate >= '2026-06-01'),
      'no June invoice',
    );
    const login = await logInRequest(app, EMAIL, 'correct horse battery');
    assert.deepEqual(
      [login.statusCode, login.json().code],
      [403, 'accounts.access_ended'],
      'QU-LIF-09: no login',
    );
  });

  it('QU-LIF-07: a Trial customer closing the account on 2026-03-08 ends the contract that moment', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    await advanceClock(app, clock, '2026-03-08T15:00:00+01:00');
    const res = await post(app, `/v1/accounts/${accountId}/cancellation`);
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().effectiveAt, res.json().status], ['2026-03-08T14:00:00.000Z', 'effective']);
    assert.equal(await state(app, accountId), 'terminated');
    const log = await events(app, accountId);
    assert.deepEqual(changes(log).at(-1), ['2026-03-08T14:00:00.000Z', 'trial', 'terminated', 'QU-LIF-07']);
    assert.equal(
      log.find((e) => e.type === 'account.contract_ended')?.data.endedAt,
      '2026-03-08T14:00:00.000Z',
    );
    assert.equal(
      (await post(app, `/v1/accounts/${accountId}/cancellation`)).statusCode,
      409,
      'ended already',
    );
  });
});

describe('Quanda: the trial', () => {
  it('tells the customer the trial is ending 3 days before (a default, the seed is silent): on 2026-03-14 00:00 Prague, not on 03-13', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    await advanceClock(app, clock, '2026-03-13T23:59:59+01:00');
    assert.equal((await mailsTo(app, EMAIL, 'lifecycle.trial_ending')).length, 0);
    await advanceClock(app, clock, '2026-03-14T00:00:00+01:00');
    const [mail] = await mailsTo(app, EMAIL, 'lifecycle.trial_ending');
    assert.ok(mail, 'the notice is in the outbox');
    assert.match(mail.body.text, /2026-03-16/);
    assert.equal(mail.clause, 'QU-BIL-01');
    const notified = (await events(app, accountId)).find((e) => e.type === 'account.trial_ending_notified');
    assert.equal(notified?.occurredAt, '2026-03-13T23:00:00.000Z');
  });
});

describe('Quanda: discontinuing a part of the service', () => {
  it('QU-LIF-10: a discontinuation takes effect no sooner than 30 days after the notice; every account with the feature is told, with the last day and the export', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    // An operator-wide notice happens in real time: the dates are counted from today in Prague.
    const today = localDateOf(new Date(), 'Europe/Prague');
    const tooSoon = await post(app, '/v1/discontinuations', {
      feature: 'surveys',
      effectiveOn: addDays(today, 29),
    });
    assert.equal(tooSoon.statusCode, 409, tooSoon.body);
    assert.equal(tooSoon.json().details.earliest, addDays(today, 30));
    const unknown = await post(app, '/v1/discontinuations', {
      feature: 'teleport',
      effectiveOn: addDays(today, 60),
    });
    assert.equal(unknown.statusCode, 400);

    const res = await post(app, '/v1/discontinuations', {
      feature: 'surveys',
      effectiveOn: addDays(today, 30),
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().lastDay, res.json().notified], [addDays(today, 29), 1]);
    const [mail] = await mailsTo(app, EMAIL, 'lifecycle.discontinuation_notice');
    assert.ok(mail, 'the customer is told');
    assert.match(mail.body.text, /Ankiety online/);
    assert.ok(mail.body.text.includes(addDays(today, 29)), 'the last day it works');
    assert.match(mail.body.text, /\/export/);
    assert.equal(mail.clause, 'QU-LIF-10');
    const logged = (await events(app, accountId)).find((e) => e.type === 'account.discontinuation_notified');
    assert.deepEqual([logged?.clause, logged?.data.effectiveOn], ['QU-LIF-10', addDays(today, 30)]);
  });
});
