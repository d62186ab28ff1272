import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toDecimalString } from '../src/platform/money.ts';
import {
  advanceClock,
  anApp,
  aTestClock,
  entitlements,
  events,
  type LoggedEvent,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { startTestSmtpServer } from './helpers/smtp-server.ts';

// ClickMeeting's account life on test clocks, with real dates: expiry for an unpaid renewal and the purge
// after it (CM-LIF-02/03), suspension (CM-LIF-04..08), cancellation and its confirmation mail
// (CM-LIF-09..12), restoration inside the windows and the operator's review (CM-LIF-13/14).

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };
const DECLINES_LATER = { number: '4000000000000341', expMonth: 12, expYear: 2030 };
const EMAIL = 'anna@roza.example';

async function state(app: TestApp, accountId: string): Promise<string> {
  return (await entitlements(app, accountId)).state;
}

async function post(app: TestApp, url: string, payload?: object, headers = app.operator) {
  return app.http.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
}

/** A ClickMeeting customer on Live monthly, ordered at `orderedAt` with `card` (consent to recurring charges). */
async function aLiveCustomer(app: TestApp, orderedAt: string, card = GOOD_CARD) {
  const clock = await aTestClock(app, orderedAt);
  const { accountId } = await registered(app, clock, { email: EMAIL, accountType: 'paid', plan: 'live' });
  const res = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
    plan: 'live',
    frequency: 'monthly',
    card,
    recurringConsent: true,
    identification: { orderingPerson: 'Anna Nowak' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { clock, accountId, subscription: res.json().subscription.id as string };
}

async function useCard(app: TestApp, accountId: string, card: typeof GOOD_CARD) {
  const res = await post(app, `/v1/accounts/${accountId}/payment-methods`, { card, recurringConsent: true });
  assert.equal(res.statusCode, 201, res.body);
}

async function payments(app: TestApp, accountId: string) {
  return (await app.billing.payments(accountId)).map((p) => ({
    key: p.idempotencyKey,
    status: p.status,
    amount: toDecimalString({ amount: p.amount, currency: p.currency }),
    at: p.createdAt.toISOString(),
  }));
}

function changes(log: LoggedEvent[]) {
  return log
    .filter((e) => e.type === 'account.state_changed')
    .map((e) => [e.occurredAt, e.data.from, e.data.to, e.clause]);
}

describe('ClickMeeting: an unpaid renewal expires the account, and the account is purged after 90 days', () => {
  it('CM-LIF-02, CM-LIF-03, CM-LIF-12: paid until 2026-03-31 → expired on 2026-04-01 (not 03-31), only the restore screen, purged on 2026-07-01 (not 06-30)', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aLiveCustomer(app, '2026-03-01T10:00:00+01:00');
    await useCard(app, accountId, DECLINES_LATER);
    // What the retention engine hears, in the transaction of the change.
    const told: { ended: string[]; purged: string[] } = { ended: [], purged: [] };
    app.lifecycle.onLifeFacts(async (facts) => {
      told.ended.push(...facts.contractEnded.map((f) => `${f.accountId}@${f.at.toISOString()}`));
      told.purged.push(...facts.purged.map((f) => `${f.accountId}@${f.at.toISOString()}:${f.because}`));
    });

    await advanceClock(app, clock, '2026-03-31T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'active', 'the last paid day');
    await advanceClock(app, clock, '2026-04-01T00:00:00+02:00');
    const expired = await entitlements(app, accountId);
    assert.deepEqual(
      [expired.state, expired.access, expired.features, expired.validUntil],
      ['expired', 'restore_only', [], '2026-06-30T22:00:00.000Z'],
      'CM-LIF-02 blocked, CM-LIF-12 only the restore screen, restorable until 2026-07-01 00:00',
    );
    assert.deepEqual(changes(await events(app, accountId)).at(-1), [
      '2026-03-31T22:00:00.000Z',
      'active',
      'expired',
      'CM-LIF-02',
    ]);
    const [notice] = await mailsTo(app, EMAIL, 'lifecycle.unpaid_expired');
    assert.match(notice!.body.text, /2026-03-31/);
    assert.match(notice!.body.text, /do 2026-06-30/);
    assert.match(notice!.body.text, /CM-LIF-02/);

    await advanceClock(app, clock, '2026-06-30T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'expired', 'still restorable on 2026-06-30');
    await advanceClock(app, clock, '2026-07-01T00:00:00+02:00');
    const purged = await entitlements(app, accountId);
    assert.deepEqual([purged.state, purged.access], ['purged', 'none']);
    const log = await events(app, accountId);
    assert.deepEqual(changes(log).at(-1), ['2026-06-30T22:00:00.000Z', 'expired', 'purged', 'CM-LIF-03']);
    const ended = log.find((e) => e.type === 'account.contract_ended');
    assert.deepEqual(
      [ended?.occurredAt, ended?.clause, ended?.data.state],
      ['2026-06-30T22:00:00.000Z', 'CM-LIF-03', 'purged'],
    );
    assert.ok(log.some((e) => e.type === 'account.purged' && e.clause === 'CM-LIF-03'));
    assert.deepEqual(told, {
      ended: [`${accountId}@2026-06-30T22:00:00.000Z`],
      purged: [`${accountId}@2026-06-30T22:00:00.000Z:CM-LIF-03`],
    });
    const restore = await post(app, `/v1/accounts/${accountId}/restore-requests`);
    assert.equal(restore.statusCode, 409);
    assert.equal(restore.json().details.reason, 'window_closed');
  });

  it('CM-LIF-03: an expired account restored on 2026-06-30 by paying the next period is active again with the period from that day', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId, subscription } = await aLiveCustomer(app, '2026-03-01T10:00:00+01:00');
    await useCard(app, accountId, DECLINES_LATER);
    await advanceClock(app, clock, '2026-06-30T12:00:00+02:00');
    assert.equal(await state(app, accountId), 'expired');

    await useCard(app, accountId, GOOD_CARD);
    const res = await post(app, `/v1/accounts/${accountId}/restore-requests`, undefined, {
      ...app.operator,
      'idempotency-key': 'restore-1',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().status, 'awaiting_payment');
    await advanceClock(app, clock, '2026-06-30T12:00:01+02:00');
    const now = await entitlements(app, accountId);
    assert.deepEqual([now.state, now.access], ['active', 'full']);
    assert.deepEqual((await payments(app, accountId)).at(-1), {
      key: `renew:${subscription}:2026-06-30`,
      status: 'succeeded',
      amount: '146.37',
      at: '2026-06-30T10:00:00.000Z',
    });
    assert.deepEqual(
      changes(await events(app, accountId))
        .at(-1)
        ?.slice(1),
      ['expired', 'active', 'CM-LIF-03'],
    );
    await advanceClock(app, clock, '2026-07-01T00:00:01+02:00');
    assert.equal(await state(app, accountId), 'active', 'nothing purges a restored account');
    const tab = (
      await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/billing`,
        headers: app.operator,
      })
    ).json();
    assert.deepEqual(tab.subscription.currentPeriod, { from: '2026-06-30', to: '2026-07-29' });
  });
});

describe('ClickMeeting: consent to recurring charges withdrawn', () => {
  it('CM-BIL-02, CM-LIF-02: plan paid until 2026-05-31, consent withdrawn on 05-20 → nothing charged on 06-01 and, unpaid, the account is expired from 2026-06-01', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aLiveCustomer(app, '2026-05-01T10:00:00+02:00');
    await advanceClock(app, clock, '2026-05-20T10:00:00+02:00');
    const [method] = (
      await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/billing`,
        headers: app.operator,
      })
    ).json().paymentMethods as { id: string }[];
    const withdrawn = await app.http.inject({
      method: 'DELETE',
      url: `/v1/accounts/${accountId}/payment-methods/${method!.id}/consent`,
      headers: app.operator,
    });
    assert.equal(withdrawn.statusCode, 200, withdrawn.body);
    await advanceClock(app, clock, '2026-05-31T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'active', 'access to the end of the paid period');
    await advanceClock(app, clock, '2026-06-01T00:00:00+02:00');
    assert.equal(await state(app, accountId), 'expired');
    assert.equal((await payments(app, accountId)).length, 1, 'nothing charged on 2026-06-01');
  });
});

describe('ClickMeeting: cancellation', () => {
  let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;
  before(async () => {
    smtp = await startTestSmtpServer();
  });
  after(() => smtp.close());

  it('CM-LIF-09, CM-LIF-11, CM-LIF-12: cancelled on 2026-02-10 with the plan paid through 2026-02-28 → access to 02-28, nothing charged on 03-01, liquidated from 03-01; closure complete only once the confirmation is sent', async (t) => {
    const app = await buildTestApp({ preset: 'clickmeeting', smtpUrl: smtp.url });
    t.after(() => app.close());
    const { clock, accountId } = await aLiveCustomer(app, '2026-02-01T10:00:00+01:00');
    await advanceClock(app, clock, '2026-02-10T10:00:00+01:00');

    const res = await post(app, `/v1/accounts/${accountId}/cancellation`, undefined, {
      ...app.operator,
      'idempotency-key': 'cancel-1',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().effectiveAt, res.json().status], ['2026-02-28T23:00:00.000Z', 'scheduled']);
    const again = await post(app, `/v1/accounts/${accountId}/cancellation`, undefined, {
      ...app.operator,
      'idempotency-key': 'cancel-1',
    });
    assert.equal(again.headers['idempotent-replayed'], 'true');

    const pending = (
      await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/cancellation`,
        headers: app.operator,
      })
    ).json().cancellation;
    assert.equal(pending.closure, 'pending_confirmation', 'CM-LIF-11: not complete before the mail is sent');
    assert.equal(pending.confirmation.status, 'pending');

    await app.worker.runOnce();
    const mail = await smtp.waitFor((m) => m.to.includes(EMAIL) && /CM-LIF-11/.test(m.text));
    assert.match(mail.text, /2026-02-10/);
    assert.match(mail.text, /2026-02-28/);
    const done = (
      await app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}/cancellation`,
        headers: app.operator,
      })
    ).json().cancellation;
    assert.equal(done.closure, 'complete');
    assert.equal(done.confirmation.status, 'sent');
    assert.ok(done.confirmation.sentAt);
    assert.equal(done.confirmation.messageId, pending.confirmation.messageId);

    await advanceClock(app, clock, '2026-02-28T23:59:59+01:00');
    assert.equal((await entitlements(app, accountId)).access, 'full', 'access to the end of the paid period');
    await advanceClock(app, clock, '2026-03-01T00:00:00+01:00');
    const closed = await entitlements(app, accountId);
    assert.deepEqual(
      [closed.state, closed.access, closed.features, closed.validUntil],
      ['liquidated', 'restore_only', [], '2026-03-31T22:00:00.000Z'],
    );
    assert.equal((await payments(app, accountId)).length, 1, 'nothing charged on 2026-03-01');
    const log = await events(app, accountId);
    assert.deepEqual(changes(log).at(-1), ['2026-02-28T23:00:00.000Z', 'active', 'liquidated', 'CM-LIF-09']);
    assert.equal(log.find((e) => e.type === 'account.cancellation_requested')?.clause, 'CM-LIF-09');
    const [liquidated] = await mailsTo(app, EMAIL, 'lifecycle.liquidated');
    assert.match(liquidated!.body.text, /do 2026-03-31/);
  });

  it('CM-LIF-13: liquidated on 2026-03-01, a restore with payment on 2026-03-31 brings everything back; without it the account is purged on 2026-04-01 and cannot be restored', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const restored = await aLiveCustomer(app, '2026-02-01T10:00:00+01:00');
    await post(app, `/v1/accounts/${restored.accountId}/cancellation`);
    await advanceClock(app, restored.clock, '2026-03-31T20:00:00+02:00');
    assert.equal(await state(app, restored.accountId), 'liquidated');
    const res = await post(app, `/v1/accounts/${restored.accountId}/restore-requests`);
    assert.equal(res.statusCode, 201, res.body);
    await advanceClock(app, restored.clock, '2026-03-31T20:00:01+02:00');
    assert.equal(await state(app, restored.accountId), 'active');
    assert.deepEqual(
      changes(await events(app, restored.accountId))
        .at(-1)
        ?.slice(1),
      ['liquidated', 'active', 'CM-LIF-13'],
    );
    await advanceClock(app, restored.clock, '2026-04-01T00:00:01+02:00');
    assert.equal(await state(app, restored.accountId), 'active');

    const app2 = await anApp(t, 'clickmeeting');
    const lapsed = await aLiveCustomer(app2, '2026-02-01T10:00:00+01:00');
    await post(app2, `/v1/accounts/${lapsed.accountId}/cancellation`);
    await advanceClock(app2, lapsed.clock, '2026-03-31T23:59:59+02:00');
    assert.equal(await state(app2, lapsed.accountId), 'liquidated', 'still restorable on 2026-03-31');
    await advanceClock(app2, lapsed.clock, '2026-04-01T00:00:00+02:00');
    assert.equal(await state(app2, lapsed.accountId), 'purged');
    assert.deepEqual(changes(await events(app2, lapsed.accountId)).at(-1), [
      '2026-03-31T22:00:00.000Z',
      'liquidated',
      'purged',
      'CM-LIF-13',
    ]);
    const late = await post(app2, `/v1/accounts/${lapsed.accountId}/restore-requests`);
    assert.equal(late.statusCode, 409);
  });

  it('a cancellation withdrawn before it takes effect: nothing ends, and the period renews on 2026-03-01 as before', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId, subscription } = await aLiveCustomer(app, '2026-02-01T10:00:00+01:00');
    await advanceClock(app, clock, '2026-02-10T10:00:00+01:00');
    assert.equal((await post(app, `/v1/accounts/${accountId}/cancellation`)).statusCode, 201);
    await advanceClock(app, clock, '2026-02-20T10:00:00+01:00');
    const undo = await app.http.inject({
      method: 'DELETE',
      url: `/v1/accounts/${accountId}/cancellation`,
      headers: app.operator,
    });
    assert.equal(undo.statusCode, 200, undo.body);
    assert.equal(undo.json().status, 'revoked');
    const again = await app.http.inject({
      method: 'DELETE',
      url: `/v1/accounts/${accountId}/cancellation`,
      headers: app.operator,
    });
    assert.equal(again.statusCode, 409);
    await advanceClock(app, clock, '2026-03-01T00:00:00+01:00');
    assert.equal(await state(app, accountId), 'active');
    assert.equal((await payments(app, accountId)).at(-1)?.key, `renew:${subscription}:2026-03-01`);
  });
});

describe('ClickMeeting: suspension', () => {
  it('CM-LIF-05, CM-LIF-06, CM-LIF-07: asked on 2026-03-01, paid through 03-15 → active to 03-15, suspended 03-16..06-13 with no charge, reactivated and charged on 2026-06-14', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId, subscription } = await aLiveCustomer(app, '2026-02-16T10:00:00+01:00');
    await advanceClock(app, clock, '2026-03-01T10:00:00+01:00');
    const res = await post(app, `/v1/accounts/${accountId}/suspension`, undefined, {
      ...app.operator,
      'idempotency-key': 'susp-1',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().startsOn, res.json().reactivateOn], ['2026-03-16', '2026-06-14']);

    await advanceClock(app, clock, '2026-03-15T23:59:59+01:00');
    assert.equal(await state(app, accountId), 'active', 'CM-LIF-05: full access until the paid period ends');
    await advanceClock(app, clock, '2026-03-16T00:00:00+01:00');
    assert.equal(await state(app, accountId), 'suspended');
    assert.deepEqual(changes(await events(app, accountId)).at(-1), [
      '2026-03-15T23:00:00.000Z',
      'active',
      'suspended',
      'CM-LIF-05',
    ]);

    await advanceClock(app, clock, '2026-06-13T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'suspended');
    assert.equal(
      (await payments(app, accountId)).length,
      1,
      'CM-LIF-06: no charge attempt during the suspension',
    );

    await advanceClock(app, clock, '2026-06-14T00:00:00+02:00');
    assert.equal(await state(app, accountId), 'active');
    assert.deepEqual((await payments(app, accountId)).at(-1), {
      key: `renew:${subscription}:2026-06-14`,
      status: 'succeeded',
      amount: '146.37',
      at: '2026-06-13T22:00:00.000Z',
    });
    assert.deepEqual(
      changes(await events(app, accountId))
        .at(-1)
        ?.slice(1),
      ['suspended', 'active', 'CM-LIF-07'],
    );
  });

  it('CM-LIF-07: reactivated by the customer on 2026-04-02, it is charged on 2026-04-02', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId, subscription } = await aLiveCustomer(app, '2026-02-16T10:00:00+01:00');
    await advanceClock(app, clock, '2026-03-01T10:00:00+01:00');
    await post(app, `/v1/accounts/${accountId}/suspension`);
    await advanceClock(app, clock, '2026-04-02T09:00:00+02:00');
    assert.equal(await state(app, accountId), 'suspended');
    const res = await post(app, `/v1/accounts/${accountId}/reactivation`);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().status, 'reactivating');
    await advanceClock(app, clock, '2026-04-02T09:00:01+02:00');
    assert.equal(await state(app, accountId), 'active');
    assert.deepEqual((await payments(app, accountId)).at(-1)?.key, `renew:${subscription}:2026-04-02`);
    await advanceClock(app, clock, '2026-06-14T00:00:01+02:00');
    assert.equal(
      (await payments(app, accountId)).filter((p) => p.key.includes('2026-06-14')).length,
      0,
      'no second reactivation',
    );
  });

  it('CM-LIF-04: a card valid through 05/2026 and a suspension from 2026-03-16 → reactivated and charged on 2026-05-31, not 2026-06-14', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId, subscription } = await aLiveCustomer(app, '2026-02-16T10:00:00+01:00', {
      ...GOOD_CARD,
      expMonth: 5,
      expYear: 2026,
    });
    await advanceClock(app, clock, '2026-03-01T10:00:00+01:00');
    const res = await post(app, `/v1/accounts/${accountId}/suspension`);
    assert.deepEqual([res.json().startsOn, res.json().reactivateOn], ['2026-03-16', '2026-05-31']);
    assert.equal(
      (await events(app, accountId)).find((e) => e.type === 'account.suspension_scheduled')?.clause,
      'CM-LIF-04',
    );
    await advanceClock(app, clock, '2026-05-30T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'suspended');
    await advanceClock(app, clock, '2026-05-31T00:00:00+02:00');
    assert.equal(await state(app, accountId), 'active');
    assert.equal((await payments(app, accountId)).at(-1)?.key, `renew:${subscription}:2026-05-31`);
  });

  it('CM-LIF-08: the reactivation charge declined on 2026-06-14 → expired from 2026-06-14, restorable through 2026-09-12, purged on 2026-09-13', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aLiveCustomer(app, '2026-02-16T10:00:00+01:00');
    await advanceClock(app, clock, '2026-03-01T10:00:00+01:00');
    await post(app, `/v1/accounts/${accountId}/suspension`);
    await useCard(app, accountId, DECLINES_LATER);
    await advanceClock(app, clock, '2026-06-14T00:00:00+02:00');
    const expired = await entitlements(app, accountId);
    assert.deepEqual([expired.state, expired.validUntil], ['expired', '2026-09-12T22:00:00.000Z']);
    assert.deepEqual(changes(await events(app, accountId)).at(-1), [
      '2026-06-13T22:00:00.000Z',
      'suspended',
      'expired',
      'CM-LIF-08',
    ]);
    await advanceClock(app, clock, '2026-09-12T23:59:59+02:00');
    assert.equal(await state(app, accountId), 'expired');
    await advanceClock(app, clock, '2026-09-13T00:00:00+02:00');
    assert.equal(await state(app, accountId), 'purged');
  });

  it('CM-LIF-10: a suspended account’s owner emails support on 2026-05-04; recorded on 2026-05-06 as of 05-04, and no reactivation charge happens on 2026-06-14', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aLiveCustomer(app, '2026-02-16T10:00:00+01:00');
    await advanceClock(app, clock, '2026-03-01T10:00:00+01:00');
    await post(app, `/v1/accounts/${accountId}/suspension`);
    await advanceClock(app, clock, '2026-05-06T11:00:00+02:00');
    const early = await post(app, `/v1/accounts/${accountId}/support-cancellations`, {
      firstMessageAt: '2026-05-07T09:00:00+02:00',
    });
    assert.equal(early.statusCode, 400, 'a first message cannot lie in the future');
    const res = await post(app, `/v1/accounts/${accountId}/support-cancellations`, {
      firstMessageAt: '2026-05-04T09:15:00+02:00',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(
      [res.json().channel, res.json().requestedAt],
      ['support_request', '2026-05-04T07:15:00.000Z'],
    );
    assert.equal(await state(app, accountId), 'liquidated');
    const log = await events(app, accountId);
    assert.equal(log.find((e) => e.type === 'account.cancellation_requested')?.clause, 'CM-LIF-10');
    await advanceClock(app, clock, '2026-06-14T12:00:00+02:00');
    assert.equal((await payments(app, accountId)).length, 1, 'no reactivation charge');
    const customer = await post(
      app,
      `/v1/accounts/${accountId}/support-cancellations`,
      {
        firstMessageAt: '2026-05-04T09:15:00+02:00',
      },
      {},
    );
    assert.equal(customer.statusCode, 401);
  });
});

describe('ClickMeeting: restoring an account the operator terminated', () => {
  it('CM-LIF-14: the restore request is queued for review and nothing is charged; a refusal is recorded with its reason, an approval restores after payment', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const terminate = async (accountId: string, at: string) => {
      // As operator actions terminate an account: through lifecycle's transitions, by an operator key.
      await app.db.transaction(async () => {
        await app.lifecycle.applyTransitions(
          [{ accountId, kind: 'request', firedAt: new Date(at) }],
          (_p, row) => ({
            to: 'terminated',
            planCode: row.planCode,
            because: 'CM-LIF-15',
            actor: 'api_key:test',
          }),
          () => null,
        );
      });
    };
    const a = await aLiveCustomer(app, '2026-04-01T10:00:00+02:00');
    await advanceClock(app, a.clock, '2026-04-10T10:00:00+02:00');
    await terminate(a.accountId, '2026-04-10T08:00:00Z');
    assert.equal((await entitlements(app, a.accountId)).validUntil, '2026-05-10T22:00:00.000Z');
    await advanceClock(app, a.clock, '2026-04-20T10:00:00+02:00');
    const req = await post(app, `/v1/accounts/${a.accountId}/restore-requests`);
    assert.equal(req.statusCode, 201, req.body);
    assert.equal(req.json().status, 'pending_review');
    await advanceClock(app, a.clock, '2026-04-20T10:00:01+02:00');
    assert.equal((await payments(app, a.accountId)).length, 1, 'nothing charged before a decision');
    const queue = (
      await app.http.inject({
        method: 'GET',
        url: '/v1/restore-requests?status=pending_review',
        headers: app.operator,
      })
    ).json();
    assert.deepEqual(
      queue.restoreRequests.map((r: { id: string }) => r.id),
      [req.json().id],
    );
    const refused = await post(app, `/v1/restore-requests/${req.json().id}/decision`, {
      decision: 'refuse',
      reason: 'Repeated breach of the terms',
    });
    assert.equal(refused.statusCode, 200, refused.body);
    assert.deepEqual(
      [refused.json().status, refused.json().reason],
      ['refused', 'Repeated breach of the terms'],
    );
    assert.equal(await state(app, a.accountId), 'terminated');
    assert.equal(
      (await events(app, a.accountId)).find((e) => e.type === 'account.restore_refused')?.clause,
      'CM-LIF-14',
    );
    assert.equal((await mailsTo(app, EMAIL, 'lifecycle.restore_refused')).length, 1);

    const again = await post(app, `/v1/accounts/${a.accountId}/restore-requests`);
    const approved = await post(app, `/v1/restore-requests/${again.json().id}/decision`, {
      decision: 'approve',
      reason: 'Clarified with the customer',
    });
    assert.equal(approved.json().status, 'awaiting_payment');
    await advanceClock(app, a.clock, '2026-04-21T10:00:00+02:00');
    assert.equal(await state(app, a.accountId), 'active');
    assert.equal((await payments(app, a.accountId)).at(-1)?.status, 'succeeded');
  });
});
