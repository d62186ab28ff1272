import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { makeBackups } from '../src/modules/retention/backups.ts';
import { HOUR_MS, manualClock } from '../src/platform/clock.ts';
import { loadPreset } from '../src/policy/index.ts';
import {
  activate,
  advanceClock,
  aTestClock,
  entitlements,
  logIn,
  logInRequest,
  mailsTo,
  registered,
  type Session,
} from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp-server.ts';

// Where privacy, retention and the account's life meet: an erasure request is journalled like a purge
// (a restored backup erases it again) and is the account's deletion (CM-PRV-06); the account's sessions
// end with its contract (CM-SEC-06).

let smtp: TestSmtpServer;
before(async () => {
  smtp = await startTestSmtpServer();
});
after(() => smtp.close());

const CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };

async function anApp(t: TestContext) {
  const app = await buildTestApp({ preset: 'clickmeeting', smtpUrl: smtp.url });
  const dir = await mkdtemp(join(tmpdir(), 'klz-privacy-backups-'));
  t.after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });
  const backups = makeBackups({
    db: app.db,
    retention: app.retention,
    eventLog: app.eventLog,
    clock: manualClock(new Date('2026-03-05T10:00:00Z')),
    policy: () => app.current().policy,
    dir,
    key: randomBytes(32),
  });
  return { app, backups };
}

async function post(app: TestApp, url: string, payload?: object, headers = app.operator) {
  return app.http.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
}

/** A ClickMeeting customer on Live monthly from `at`, signed in. */
async function aPaidCustomer(
  app: TestApp,
  at: string,
  email: string,
): Promise<{ clock: string; accountId: string; session: Session }> {
  const clock = await aTestClock(app, at);
  const { accountId } = await registered(app, clock, { email, accountType: 'paid', plan: 'live' });
  const res = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
    plan: 'live',
    frequency: 'monthly',
    card: CARD,
    recurringConsent: true,
    identification: { orderingPerson: 'Anna Nowak' },
  });
  assert.equal(res.statusCode, 201, res.body);
  if ((await mailsTo(app, email, 'account.activation')).length > 0) await activate(app, email);
  return { clock, accountId, session: await logIn(app, email) };
}

async function me(app: TestApp, session: Session): Promise<number> {
  return (await app.http.inject({ method: 'GET', url: '/v1/me', headers: session.reads })).statusCode;
}

async function profileRow(app: TestApp, accountId: string) {
  const [row] = await app.db.rows<{ company_name: string | null; tax_id: string | null }>(
    sql`select company_name, tax_id from accounts where id = ${accountId}`,
  );
  return row;
}

async function stateOf(app: TestApp, accountId: string): Promise<string> {
  const [row] = await app.db.rows<{ state: string }>(
    sql`select state from account_states where account_id = ${accountId}`,
  );
  return row!.state;
}

describe('privacy × retention × account life', () => {
  it('CM-PRV-06: a full erasure of a paid account requested 2026-03-10 deletes the account (contract ended, no renewal, sessions revoked, a restore on 2026-03-20 fails) and is journalled: a backup taken before, when restored, has the person erased again', async (t) => {
    const { app, backups } = await anApp(t);
    const email = 'erase@roza.example';
    const { clock, accountId, session } = await aPaidCustomer(app, '2026-03-02T10:00:00+01:00', email);
    const other = await aPaidCustomer(app, '2026-03-02T10:00:00+01:00', 'stays@roza.example');
    assert.equal(await me(app, session), 200);
    const before = (await profileRow(app, accountId))!;
    assert.ok(before.company_name, 'the company name is there before the erasure');
    const backup = await backups.create();

    await advanceClock(app, clock, '2026-03-10T09:00:00+01:00');
    const live = await logIn(app, email);
    const opened = await post(app, '/v1/privacy/requests', {
      type: 'erasure',
      channel: 'email',
      email,
      statement: 'Please delete all my data',
    });
    assert.equal(opened.statusCode, 201, opened.body);
    const dsr = opened.json();
    assert.equal(await me(app, live), 200, 'signed in when the erasure is carried out');
    const done = await post(app, `/v1/privacy/requests/${dsr.id}/completion`, {});
    assert.equal(done.statusCode, 200, done.body);

    // Handled as the account's deletion: purged, the subscription ended, the session gone.
    assert.equal(await stateOf(app, accountId), 'purged');
    const subs = await app.db.rows<{ status: string }>(
      sql`select status from subscriptions where account_id = ${accountId}`,
    );
    assert.ok(subs.length > 0);
    assert.ok(
      subs.every((s) => s.status === 'ended'),
      'no subscription renews',
    );
    assert.equal(await me(app, live), 401, 'the session ended with the account');
    const stateEvent = await app.db.rows<{ clause: string | null; cause: string | null }>(sql`
      select clause, cause from events where chain_id = ${accountId} and type = 'account.state_changed'
        and data->>'to' = 'purged'`);
    assert.deepEqual(stateEvent, [{ clause: 'CM-PRV-06', cause: `request:${dsr.id}` }]);

    // A restore attempt on 2026-03-20 is refused.
    await advanceClock(app, clock, '2026-03-20T10:00:00+01:00');
    const restore = await post(app, `/v1/accounts/${accountId}/restore-requests`, undefined, {
      ...app.operator,
      'idempotency-key': 'restore-erased',
    });
    assert.equal(restore.statusCode, 409, restore.body);
    // No renewal charge on 2026-04-02 (the Live period would have renewed then).
    await advanceClock(app, clock, '2026-04-05T10:00:00+01:00');
    const charges = (await app.billing.payments(accountId)).filter(
      (p) => p.createdAt.getTime() > Date.parse('2026-03-10T08:00:00Z'),
    );
    assert.deepEqual(charges, [], 'nothing charged after the erasure');

    // The erasure is in the deletion journal and evidenced with its clause.
    const journal = await app.db.rows<{ category: string }>(
      sql`select distinct category from retention_journal where account_id = ${accountId}`,
    );
    assert.ok(journal.some((j) => j.category === `dsr:${dsr.id}`));
    const purged = await app.db.rows<{ clause: string | null; cause: string | null }>(sql`
      select clause, cause from events where chain_id = ${accountId} and type = 'retention.purged'
        and data->>'category' = ${`dsr:${dsr.id}`} order by seq limit 1`);
    assert.deepEqual(purged, [{ clause: 'CM-PRV-06', cause: `request:${dsr.id}` }]);
    assert.equal((await profileRow(app, accountId))!.company_name, null);

    // A backup taken before the erasure, restored: the person's data are erased again; the other stays.
    const restored = await backups.restore(backup.file);
    assert.ok(restored.replayed > 0);
    const after = (await profileRow(app, accountId))!;
    assert.equal(after.company_name, null, 'the company name does not come back');
    assert.equal(after.tax_id, null, 'nor the tax id');
    assert.ok((await profileRow(app, other.accountId))!.company_name, 'the other customer is back');
    const signIn = await logInRequest(app, email, 'correct horse battery');
    assert.notEqual(signIn.statusCode, 200, 'the erased account cannot be signed into after the restore');
    assert.equal(await me(app, live), 401);
  });

  it('CM-SEC-06, CM-PRC-03: an account liquidated on 2026-03-01 (cancelled, paid through 2026-02-28): its session gets 401 from then on, the revocation is evidenced, and during the hold no mail other than its notices goes out and no feature runs', async (t) => {
    const { app } = await anApp(t);
    const email = 'ends@roza.example';
    const { clock, accountId } = await aPaidCustomer(app, '2026-02-01T10:00:00+01:00', email);
    await advanceClock(app, clock, '2026-02-10T10:00:00+01:00');
    const res = await post(app, `/v1/accounts/${accountId}/cancellation`, undefined, {
      ...app.operator,
      'idempotency-key': 'cancel-sec',
    });
    assert.equal(res.statusCode, 201, res.body);
    await advanceClock(app, clock, '2026-02-28T23:30:00+01:00');
    const late = await logIn(app, email);
    assert.equal(await me(app, late), 200, 'access runs to the end of the paid period');
    await advanceClock(app, clock, '2026-03-01T00:00:01+01:00');
    assert.equal(await stateOf(app, accountId), 'liquidated');
    assert.equal(await me(app, late), 401, 'the app gets 401 once the contract ended');
    const revoked = await app.db.rows<{ clause: string | null; data: Record<string, unknown> }>(sql`
      select clause, data from events where chain_id = ${accountId} and type = 'sessions.revoked'`);
    assert.equal(revoked.length, 1);
    assert.equal(revoked[0]!.clause, 'CM-SEC-06');
    assert.ok((revoked[0]!.data.count as number) >= 1);

    // CM-PRC-03: from 2026-03-01 the data are only stored. The liquidation notice goes; a reminder of an
    // automated webinar due 2026-03-10 (any mail other than the hold's notices) does not; no feature runs.
    await app.worker.runOnce();
    const [liquidated] = await mailsTo(app, email, 'lifecycle.liquidated');
    assert.equal(liquidated?.status, 'sent', 'the liquidation notice is not held back');
    await advanceClock(app, clock, '2026-03-10T09:00:00+01:00');
    await app.db.transaction(() =>
      app.notifications.send([
        {
          accountId,
          recipient: email,
          locale: 'pl',
          template: 'account.password_changed',
          clause: null,
          occurredAt: new Date('2026-03-10T08:00:00Z'),
          params: {},
        },
      ]),
    );
    await app.worker.runOnce();
    const [held] = await mailsTo(app, email, 'account.password_changed');
    assert.equal(held?.status, 'suppressed');
    assert.equal(held?.suppressedReason, 'storage_only_hold');
    const [suppressed] = await app.db.rows<{ clause: string | null }>(sql`
      select clause from events where chain_id = ${accountId} and type = 'message.suppressed'`);
    assert.equal(suppressed?.clause, 'CM-PRC-03');
    const e = await entitlements(app, accountId);
    assert.ok(!e.features.includes('automated_webinars'), 'no automated webinar runs');
    assert.deepEqual(e.features, []);
  });
  it("CM-PRV-07: accuracy contested on 2026-03-02: the account's processing functions are off in its entitlements (access restricted, no features) until the restriction is lifted; the check is due by 2026-04-01", async (t) => {
    const { app } = await anApp(t);
    const email = 'contest@roza.example';
    const { clock, accountId, session } = await aPaidCustomer(app, '2026-03-02T09:00:00+01:00', email);
    const before = await entitlements(app, accountId);
    assert.equal(before.access, 'full');
    assert.ok(before.features.length > 0, 'the Live plan has features');
    const opened = await post(
      app,
      '/v1/privacy/requests',
      { type: 'restriction', details: { ground: 'contested_accuracy' } },
      session.writes,
    );
    assert.equal(opened.statusCode, 201, opened.body);
    const dsr = opened.json();
    const restricted = await entitlements(app, accountId);
    assert.equal(restricted.access, 'restricted');
    assert.deepEqual(restricted.features, []);
    assert.deepEqual(
      restricted.restrictions.map((r: { ground: string; clause: string; since: string }) => [
        r.ground,
        r.clause,
        r.since,
      ]),
      [['processing_restricted', 'CM-PRV-07', '2026-03-02T08:00:00.000Z']],
    );
    // Still restricted on 2026-04-01 (the check is open), the alarm fires on 2026-04-02.
    await advanceClock(app, clock, '2026-04-01T12:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).access, 'restricted');
    await advanceClock(app, clock, '2026-04-02T00:00:00+02:00');
    const [alarm] = await app.db.rows<{ clause: string }>(
      sql`select clause from events where chain_id = ${`dsr:${dsr.id}`} and type = 'dsr.restriction_overdue'`,
    );
    assert.equal(alarm?.clause, 'CM-PRV-07');
    const lifted = await post(app, `/v1/privacy/requests/${dsr.id}/completion`, {});
    assert.equal(lifted.statusCode, 200, lifted.body);
    const after = await entitlements(app, accountId);
    assert.equal(after.access, 'full');
    assert.deepEqual(after.features, before.features);
    assert.equal(after.restrictions, undefined);
  });
  it("CM-ACC-05: account A terminated for breach (listed 2026-04-01); a sign-up with A's NIP on 2026-05-01 is held as pending_review, not activated, until the operator decides with a reason", async (t) => {
    const { app } = await anApp(t);
    const first = await aPaidCustomer(app, '2026-03-02T10:00:00+01:00', 'anna@roza.example');
    await advanceClock(app, first.clock, '2026-04-01T12:00:00+02:00');
    const terminated = await post(app, `/v1/accounts/${first.accountId}/operator-actions`, {
      action: 'terminate',
      ground: 'unauthorised_instrument',
      reason: 'Chargeback: stolen card',
      evidence: ['chargeback:ch_1'],
    });
    assert.equal(terminated.statusCode, 201, terminated.body);

    const company = {
      name: 'Nowa Róża sp. z o.o.',
      taxId: 'PL 526-025-02-74',
      country: 'PL',
      address: { street: 'ul. Nowa 2', postalCode: '80-831', city: 'Gdańsk', country: 'PL' },
      isLegalPerson: true,
    };
    const clock = await aTestClock(app, '2026-05-01T10:00:00+02:00');
    const held = await registered(app, clock, { email: 'nowa@roza.example', company });
    const review = (held as unknown as { review: { id: string; status: string } | null }).review;
    assert.equal(review?.status, 'pending_review');
    assert.deepEqual(await mailsTo(app, 'nowa@roza.example', 'account.activation'), [], 'not activated');
    const signIn = await logInRequest(app, 'nowa@roza.example', 'correct horse battery');
    assert.notEqual(signIn.statusCode, 200, 'no login while held');
    const [heldEvent] = await app.db.rows<{ clause: string | null; data: Record<string, unknown> }>(sql`
      select clause, data from events where chain_id = ${held.accountId} and type = 'account.registration_held'`);
    assert.equal(heldEvent?.clause, 'CM-ACC-05');
    assert.deepEqual(heldEvent?.data.grounds, ['unauthorised_instrument']);

    // A sign-up matching nothing goes on as usual.
    const clean = await registered(app, clock, {
      email: 'inna@firma.example',
      company: { ...company, name: 'Inna Firma sp. z o.o.', taxId: '1234563218' },
    });
    assert.equal((clean as unknown as { review: unknown }).review, null);
    assert.equal((await mailsTo(app, 'inna@firma.example', 'account.activation')).length, 1);

    const queue = await app.http.inject({
      method: 'GET',
      url: '/v1/registration-reviews?status=pending_review',
      headers: app.operator,
    });
    assert.equal(queue.statusCode, 200, queue.body);
    assert.deepEqual(
      queue.json().reviews.map((r: { id: string; accountId: string }) => [r.id, r.accountId]),
      [[review!.id, held.accountId]],
    );
    const noReason = await post(app, `/v1/registration-reviews/${review!.id}/decision`, {
      decision: 'approve',
    });
    assert.equal(noReason.statusCode, 400, 'a decision needs its reason');
    const approved = await post(app, `/v1/registration-reviews/${review!.id}/decision`, {
      decision: 'approve',
      reason: 'New owner, no link to the earlier breach (KRS checked)',
    });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().status, 'approved');
    assert.equal(approved.json().decidedAt, '2026-05-01T08:00:00.000Z');
    assert.equal((await mailsTo(app, 'nowa@roza.example', 'account.activation')).length, 1, 'now activated');
    const twice = await post(app, `/v1/registration-reviews/${review!.id}/decision`, {
      decision: 'refuse',
      reason: 'changed my mind',
    });
    assert.equal(twice.statusCode, 404, 'decided once');
    const [approvedEvent] = await app.db.rows<{ clause: string | null }>(sql`
      select clause from events where chain_id = ${held.accountId} and type = 'account.registration_approved'`);
    assert.equal(approvedEvent?.clause, 'CM-ACC-05');

    // Another sign-up with A's NIP is held too, and refused with a reason: the owner stays out.
    const other = await registered(app, clock, {
      email: 'trzecia@roza.example',
      company,
      accountType: 'paid',
      plan: 'live',
    });
    const otherReview = (other as unknown as { review: { id: string } }).review;
    const refused = await post(app, `/v1/registration-reviews/${otherReview.id}/decision`, {
      decision: 'refuse',
      reason: 'Same management as the account terminated for fraud',
    });
    assert.equal(refused.statusCode, 200, refused.body);
    assert.equal(refused.json().reason, 'Same management as the account terminated for fraud');
    assert.deepEqual(await mailsTo(app, 'trzecia@roza.example', 'account.activation'), []);
    const [user] = await app.db.rows<{ status: string }>(
      sql`select status from users where account_id = ${other.accountId}`,
    );
    assert.equal(user?.status, 'disabled');
  });
});

describe('backups every day', () => {
  it('QU-SEC-01: the worker makes one backup a day (Europe/Warsaw); 2026-05-12 has none → the alarm fires at 2026-05-13 00:00 with an operator mail, a day with its backup raises nothing', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'klz-daily-backups-'));
    const clock = manualClock('2026-05-11T10:00:00+02:00');
    const preset = loadPreset('quanda');
    const policy = {
      ...preset,
      operator: {
        ...preset.operator,
        contact: { ...preset.operator.contact, general: 'ops@quanda.example' },
      },
    };
    const app = await buildTestApp({ policy, clock, backups: { dir, key: randomBytes(32) } });
    t.after(async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    });
    const sweep = () => app.dueWork.sweep({ clockId: null, now: clock.now() });
    const created = async () =>
      (
        await app.db.rows<{ occurred_at: Date | string }>(sql`
          select occurred_at from events where chain_id = 'operator' and type = 'backup.created' order by seq`)
      ).map((r) => new Date(r.occurred_at).toISOString());
    const missed = async () =>
      app.db.rows<{ clause: string | null; data: Record<string, unknown>; occurred_at: Date | string }>(sql`
        select clause, data, occurred_at from events where chain_id = 'operator' and type = 'backup.day_missed' order by seq`);

    // 2026-05-11: the worker's run makes the day's backup; running it again that day makes no second one.
    await app.worker.runOnce();
    assert.deepEqual(await created(), ['2026-05-11T08:00:00.000Z']);
    clock.advance(HOUR_MS);
    assert.deepEqual(await app.backups.ensureDaily(), []);
    assert.equal((await app.backups.list()).length, 1);

    // 2026-05-12: the worker does not run (no backup that day). 05-11 is checked at 05-12 00:00: fine.
    clock.set('2026-05-12T00:00:00+02:00');
    await sweep();
    assert.deepEqual(await missed(), []);
    clock.set('2026-05-12T23:59:00+02:00');
    await sweep();
    assert.deepEqual(await missed(), [], 'not before the day has ended');
    clock.set('2026-05-13T00:00:00+02:00');
    await sweep();
    const alarms = await missed();
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0]!.clause, 'QU-SEC-01');
    assert.deepEqual(alarms[0]!.data, { day: '2026-05-12', made: 0, required: 1 });
    assert.equal(new Date(alarms[0]!.occurred_at).toISOString(), '2026-05-12T22:00:00.000Z');
    const [mail] = (await app.outbox.list({ recipient: 'ops@quanda.example' })).filter(
      (m) => m.template === 'backup.day_missed',
    );
    assert.ok(mail, 'the operator is mailed');
    assert.match(mail.body.text, /2026-05-12/);

    // 2026-05-13: the worker's step runs again (it is throttled to once a real minute, so called directly).
    await app.backups.ensureDaily();
    assert.equal((await created()).length, 2);
    clock.set('2026-05-14T00:00:00+02:00');
    await sweep();
    assert.equal((await missed()).length, 1, 'no alarm for 2026-05-13');
  });
});
