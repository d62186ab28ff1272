import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activate,
  advanceClock,
  anApp,
  aTestClock,
  entitlements,
  events,
  type LoggedEvent,
  logIn,
  logInRequest,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// Bookero's unpaid periods (BK-LIF-01/02), its termination only without a prepaid period (BK-LIF-05) and its
// deletion with confirmation and an export first (BK-LIF-06); MyOwnConference's immediate self-service
// deletion (MOC-LIF-01). All on test clocks with real dates.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };
const DECLINES_LATER = { number: '4000000000000341', expMonth: 12, expYear: 2030 };
const EMAIL = 'anna@roza.example';
const PASSWORD = 'correct horse battery';

async function post(app: TestApp, url: string, payload?: object, headers = app.operator) {
  return app.http.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
}

async function state(app: TestApp, accountId: string): Promise<string> {
  return (await entitlements(app, accountId)).state;
}

function changes(log: LoggedEvent[]) {
  return log
    .filter((e) => e.type === 'account.state_changed')
    .map((e) => [e.occurredAt, e.data.from, e.data.to, e.clause]);
}

/** A Bookero customer on Standard, ordered by card at `orderedAt` (monthly or annual). */
async function aBookeroCustomer(app: TestApp, orderedAt: string, frequency = 'monthly') {
  const clock = await aTestClock(app, orderedAt);
  const { accountId, activationRequired } = await registered(app, clock);
  if (activationRequired) await activate(app, EMAIL);
  const saved = await post(app, `/v1/accounts/${accountId}/payment-methods`, {
    card: GOOD_CARD,
    recurringConsent: true,
  });
  assert.equal(saved.statusCode, 201, saved.body);
  const res = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
    plan: 'standard',
    frequency,
    paymentMethodId: saved.json().id,
  });
  assert.equal(res.statusCode, 201, res.body);
  return { clock, accountId, subscription: res.json().subscription };
}

describe('Bookero: a paid period that ends unpaid', () => {
  it('BK-LIF-01: paid through 2026-04-30 → on 05-01 login works but paid functions are off; a retry paid on 05-02 switches them on again', async (t) => {
    const app = await anApp(t, 'bookero');
    const { clock, accountId, subscription } = await aBookeroCustomer(app, '2026-04-01T10:00:00+02:00');
    assert.equal(subscription.paidThrough, '2026-04-30');
    await post(app, `/v1/accounts/${accountId}/payment-methods`, {
      card: DECLINES_LATER,
      recurringConsent: true,
    });

    await advanceClock(app, clock, '2026-04-30T23:59:59+02:00');
    assert.equal((await entitlements(app, accountId)).access, 'full');
    await advanceClock(app, clock, '2026-05-01T00:00:00+02:00');
    const restricted = await entitlements(app, accountId);
    assert.deepEqual(
      [restricted.state, restricted.access, restricted.features],
      ['restricted', 'restricted', []],
    );
    assert.deepEqual(changes(await events(app, accountId)).at(-1), [
      '2026-04-30T22:00:00.000Z',
      'active',
      'restricted',
      'BK-LIF-01',
    ]);
    assert.equal((await logInRequest(app, EMAIL, PASSWORD)).statusCode, 200, 'login still works');
    assert.equal((await mailsTo(app, EMAIL, 'lifecycle.unpaid_restricted')).length, 1);

    await post(app, `/v1/accounts/${accountId}/payment-methods`, { card: GOOD_CARD, recurringConsent: true });
    await advanceClock(app, clock, '2026-05-02T00:00:00+02:00');
    const back = await entitlements(app, accountId);
    assert.deepEqual([back.state, back.access], ['active', 'full']);
    assert.deepEqual(
      changes(await events(app, accountId))
        .at(-1)
        ?.slice(1),
      ['restricted', 'active', 'BK-LIF-01'],
    );
  });

  it('BK-LIF-02: warned on 2026-05-24 (not 05-23); termination refused on 05-30 and allowed from 2026-05-31, when the operator deletes the account', async (t) => {
    const app = await anApp(t, 'bookero');
    const { clock, accountId } = await aBookeroCustomer(app, '2026-04-01T10:00:00+02:00');
    await post(app, `/v1/accounts/${accountId}/payment-methods`, {
      card: DECLINES_LATER,
      recurringConsent: true,
    });

    await advanceClock(app, clock, '2026-05-23T23:59:59+02:00');
    assert.equal((await mailsTo(app, EMAIL, 'lifecycle.unpaid_deletion_warning')).length, 0);
    await advanceClock(app, clock, '2026-05-24T00:00:00+02:00');
    const [warning] = await mailsTo(app, EMAIL, 'lifecycle.unpaid_deletion_warning');
    assert.ok(warning, 'the warning went out on 2026-05-24');
    assert.match(warning.body.text, /2026-05-31/);
    assert.match(warning.body.text, /\/export/);
    assert.equal(warning.clause, 'BK-LIF-02');

    await advanceClock(app, clock, '2026-05-30T23:59:59+02:00');
    const early = await post(app, `/v1/accounts/${accountId}/non-payment-termination`);
    assert.equal(early.statusCode, 409);
    assert.deepEqual(
      [early.json().details.reason, early.json().details.from],
      ['too_early', '2026-05-30T22:00:00.000Z'],
    );
    assert.equal(await state(app, accountId), 'restricted', 'not automatic');

    await advanceClock(app, clock, '2026-05-31T00:00:00+02:00');
    assert.equal(await state(app, accountId), 'restricted', 'a right, not automatic (A5)');
    const allowed = (await events(app, accountId)).find((e) => e.type === 'account.termination_allowed');
    assert.deepEqual([allowed?.occurredAt, allowed?.clause], ['2026-05-30T22:00:00.000Z', 'BK-LIF-02']);
    const res = await post(app, `/v1/accounts/${accountId}/non-payment-termination`, undefined, {
      ...app.operator,
      'idempotency-key': 'bk-term-1',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().state, 'purged');
    const log = await events(app, accountId);
    assert.deepEqual(changes(log).at(-1)?.slice(1), ['restricted', 'purged', 'BK-LIF-02']);
    assert.ok(log.some((e) => e.type === 'account.purged'));
    assert.equal((await logInRequest(app, EMAIL, PASSWORD)).statusCode, 403);
  });
});

describe('Bookero: the customer ends the contract', () => {
  it('BK-LIF-05: with an annual plan paid through 2026-12-31, deleting on 2026-06-10 is refused, the termination is set for the end with nothing renewed, and the account goes on 2027-01-01', async (t) => {
    const app = await anApp(t, 'bookero');
    const { clock, accountId, subscription } = await aBookeroCustomer(
      app,
      '2026-01-01T10:00:00+01:00',
      'annual',
    );
    assert.equal(subscription.paidThrough, '2026-12-31');
    await advanceClock(app, clock, '2026-06-10T10:00:00+02:00');
    const refused = await post(app, `/v1/accounts/${accountId}/deletion-requests`);
    assert.equal(refused.statusCode, 409);
    assert.deepEqual(
      [refused.json().code, refused.json().details.paidThrough],
      ['lifecycle.prepaid_period_running', '2026-12-31'],
    );
    const res = await post(app, `/v1/accounts/${accountId}/cancellation`);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().effectiveAt, '2026-12-31T23:00:00.000Z');
    assert.equal(
      (await events(app, accountId)).find((e) => e.type === 'account.cancellation_requested')?.clause,
      'BK-LIF-05',
    );

    await advanceClock(app, clock, '2026-12-31T23:59:59+01:00');
    assert.equal(await state(app, accountId), 'active');
    await advanceClock(app, clock, '2027-01-01T00:00:00+01:00');
    assert.equal(await state(app, accountId), 'purged');
    assert.equal((await app.billing.payments(accountId)).length, 1, 'no renewal, no refund');
    assert.equal((await app.billing.refunds(accountId)).length, 0);
  });

  it('BK-LIF-06: deletion needs a confirmation, offers the export first, and is irreversible; invoices stay', async (t) => {
    const app = await anApp(t, 'bookero');
    const { clock, accountId } = await aBookeroCustomer(app, '2026-04-01T10:00:00+02:00');
    await post(app, `/v1/accounts/${accountId}/payment-methods`, {
      card: DECLINES_LATER,
      recurringConsent: true,
    });
    await advanceClock(app, clock, '2026-07-02T10:00:00+02:00');
    const asked = await post(app, `/v1/accounts/${accountId}/deletion-requests`);
    assert.equal(asked.statusCode, 201, asked.body);
    const { id, confirmationToken, exportUrl, irreversible, warning } = asked.json();
    assert.equal(irreversible, true);
    assert.match(warning.pl, /nieodwracalne/);
    assert.match(warning.en, /irreversible/);
    assert.match(exportUrl, /\/export$/);
    assert.equal(await state(app, accountId), 'restricted', 'nothing deleted before the confirmation');

    const wrong = await post(app, `/v1/accounts/${accountId}/deletion-requests/${id}/confirmation`, {
      token: 'x'.repeat(43),
    });
    assert.equal(wrong.statusCode, 400);
    assert.equal(await state(app, accountId), 'restricted');

    const ok = await post(app, `/v1/accounts/${accountId}/deletion-requests/${id}/confirmation`, {
      token: confirmationToken,
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual([ok.json().state, ok.json().contractEndedAt], ['purged', '2026-07-02T08:00:00.000Z']);
    assert.deepEqual(
      changes(await events(app, accountId))
        .at(-1)
        ?.slice(1),
      ['restricted', 'purged', 'BK-LIF-06'],
    );
    const again = await post(app, `/v1/accounts/${accountId}/deletion-requests/${id}/confirmation`, {
      token: confirmationToken,
    });
    assert.equal(again.statusCode, 400, 'a confirmation is used once');
    assert.equal(
      (await post(app, `/v1/accounts/${accountId}/restore-requests`)).statusCode,
      409,
      'no restore',
    );
    const tab = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/billing`,
      headers: app.operator,
    });
    assert.ok(tab.json().invoices.length >= 1, 'statutory invoice copies remain');
  });
});

describe('MyOwnConference: self-service deletion', () => {
  it('MOC-LIF-01: confirmed on 2026-05-06 10:00, the account is gone from that moment: no login, no restore', async (t) => {
    const app = await anApp(t, 'myownconference');
    const clock = await aTestClock(app, '2026-04-01T10:00:00+02:00');
    const { accountId, activationRequired } = await registered(app, clock);
    if (activationRequired) await activate(app, EMAIL);
    await advanceClock(app, clock, '2026-05-06T10:00:00+02:00');
    // Self-service, in the Profile: the owner's own session (with its CSRF token) asks and confirms.
    const owner = await logIn(app, EMAIL, PASSWORD);
    const noCsrf = await post(app, `/v1/accounts/${accountId}/deletion-requests`, undefined, owner.reads);
    assert.equal(noCsrf.statusCode, 403, 'a change needs the session’s CSRF token');
    const asked = await post(app, `/v1/accounts/${accountId}/deletion-requests`, undefined, owner.writes);
    assert.equal(asked.statusCode, 201, asked.body);
    const ok = await post(
      app,
      `/v1/accounts/${accountId}/deletion-requests/${asked.json().id}/confirmation`,
      { token: asked.json().confirmationToken },
      owner.writes,
    );
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().state, 'purged');
    const log = await events(app, accountId);
    assert.deepEqual(changes(log).at(-1), ['2026-05-06T08:00:00.000Z', 'free', 'purged', 'MOC-LIF-01']);
    assert.equal(
      log.find((e) => e.type === 'account.contract_ended')?.occurredAt,
      '2026-05-06T08:00:00.000Z',
    );
    const login = await logInRequest(app, EMAIL, PASSWORD);
    assert.deepEqual([login.statusCode, login.json().code], [403, 'accounts.access_ended']);
    assert.equal((await post(app, `/v1/accounts/${accountId}/restore-requests`)).statusCode, 409);
    assert.equal((await mailsTo(app, EMAIL, 'lifecycle.account_deleted')).length, 1);
  });

  it('a policy without self-service deletion refuses it (ClickMeeting cancels instead)', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-04-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock);
    const res = await post(app, `/v1/accounts/${accountId}/deletion-requests`);
    assert.deepEqual([res.statusCode, res.json().code], [409, 'lifecycle.deletion_not_offered']);
  });
});
