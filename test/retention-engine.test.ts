import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { loadPreset, type Policy } from '../src/policy/index.ts';
import { advanceClock, aTestClock, events, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';

// The retention engine on a test clock, with the Host-Tracker preset: a Trial's data are deleted 3 months
// after the package expires (HT-PRV-01). Registered 2026-01-30 10:00 UTC, the 14-day trial (the registration day not counted) covers
// 2026-01-31..2026-02-13 and expires at 2026-02-14 00:00; the data must be gone by 2026-05-14.

async function anApp(t: TestContext, policy?: Policy): Promise<TestApp> {
  const app = await buildTestApp(policy ? { policy } : { preset: 'hosttracker' });
  t.after(() => app.close());
  return app;
}

async function personalData(app: TestApp, accountId: string) {
  const [account] = await app.db.rows<{
    company_name: string | null;
    tax_id: string | null;
    phone: string | null;
  }>(sql`select company_name, tax_id, phone from accounts where id = ${accountId}`);
  const users = await app.db.rows<{ id: string; email: string }>(
    sql`select id, email from users where account_id = ${accountId}`,
  );
  const [acceptances] = await app.db.rows<{ n: number }>(
    sql`select count(*)::int as n from acceptances where account_id = ${accountId}`,
  );
  const [mails] = await app.db.rows<{ n: number }>(
    sql`select count(*)::int as n from outbox where account_id = ${accountId} and recipient <> ''`,
  );
  return { account, users, acceptances: acceptances!.n, mails: mails!.n };
}

describe('retention engine', () => {
  it("HT-PRV-01: deletes a Trial's personal data on 2026-05-14, not on 2026-05-13, evidenced without personal data", async (t) => {
    const app = await anApp(t);
    const clock = await aTestClock(app, '2026-01-30T10:00:00Z');
    const { accountId } = await registered(app, clock, { email: 'ht-trial@example.com' });
    // Mails (the activation) leave the outbox; a delivered mail is erased with the rest.
    await app.db.q.execute(
      sql`update outbox set status = 'sent', sent_at = now() where account_id = ${accountId}`,
    );

    await advanceClock(app, clock, '2026-02-14T00:00:00Z');
    const life = await app.lifecycle.get(accountId);
    assert.equal(life.state, 'trial_ended');

    await advanceClock(app, clock, '2026-05-13T23:59:59Z');
    const before = await personalData(app, accountId);
    assert.equal(before.account?.company_name, 'Kwiaciarnia Róża sp. z o.o.');
    assert.equal(before.users.length, 1);
    assert.ok(before.acceptances > 0);

    await advanceClock(app, clock, '2026-05-14T00:00:00Z');
    const after = await personalData(app, accountId);
    assert.equal(after.account?.company_name, null);
    assert.equal(after.account?.tax_id, null);
    assert.equal(after.account?.phone, null);
    assert.equal(after.users.length, 0);
    assert.equal(after.acceptances, 0);
    // The trial-ended notice has not been delivered yet (no SMTP in this test): it keeps its recipient until
    // it is, and the engine comes back for it a day later.
    assert.equal(after.mails, 1);
    await app.db.q.execute(
      sql`update outbox set status = 'sent', sent_at = now() where account_id = ${accountId}`,
    );
    await advanceClock(app, clock, '2026-05-15T00:00:00Z');
    assert.equal((await personalData(app, accountId)).mails, 0);

    const log = await events(app, accountId);
    const purged = log.filter((e) => e.type === 'retention.purged');
    assert.equal(purged.length, 2, 'the purge and the follow-up for the delivered mail');
    assert.equal(purged[1]!.data.rows, 1);
    assert.equal(purged[0]!.clause, 'HT-PRV-01');
    assert.equal((purged[0] as { cause?: string }).cause, 'due:retention.purge');
    assert.equal(purged[0]!.occurredAt, '2026-05-14T00:00:00.000Z');
    assert.equal(purged[0]!.data.category, 'trial_account_data');
    assert.ok((purged[0]!.data.rows as number) >= 4, JSON.stringify(purged[0]));
    const logged = JSON.stringify(log);
    for (const personal of ['ht-trial@example.com', 'Kwiaciarnia', 'Nowak', '5260250274'])
      assert.ok(!logged.includes(personal), `the event log holds no "${personal}"`);

    // The deletion journal names what was erased by ids only.
    const journal = await app.db.rows<Record<string, unknown>>(
      sql`select * from retention_journal where account_id = ${accountId} order by seq`,
    );
    assert.ok(journal.some((j) => j.handler === 'accounts.identity'));
    assert.ok(!JSON.stringify(journal).includes('ht-trial@example.com'));

    // The account's retention schedule says so, and nothing runs twice.
    const schedule = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/retention`,
      headers: app.operator,
    });
    assert.equal(schedule.statusCode, 200, schedule.body);
    const trial = schedule
      .json()
      .categories.find((c: { category: string }) => c.category === 'trial_account_data');
    assert.equal(trial.doneAt, '2026-05-14T00:00:00.000Z');
    await advanceClock(app, clock, '2026-06-30T00:00:00Z');
    assert.equal((await events(app, accountId)).filter((e) => e.type === 'retention.purged').length, 2);
  });

  it('HT-PRV-01: an upgrade during the 3 months stops the purge', async (t) => {
    const app = await anApp(t);
    const clock = await aTestClock(app, '2026-01-30T10:00:00Z');
    const { accountId } = await registered(app, clock, { email: 'ht-upgrade@example.com' });
    await advanceClock(app, clock, '2026-03-01T00:00:00Z');
    // The customer buys a plan on 2026-03-01: the account is no longer an expired Trial.
    const plan = app.current().policy.plans.find((p) => p.kind === 'paid')!;
    await app.db.transaction(async () => {
      await app.lifecycle.applyTransitions(
        [{ accountId, kind: 'test.upgrade', firedAt: new Date('2026-03-01T00:00:00Z') }],
        () => ({ to: 'active', planCode: plan.code, because: null }),
        () => null,
      );
    });
    await advanceClock(app, clock, '2026-05-15T00:00:00Z');
    const data = await personalData(app, accountId);
    assert.equal(data.users.length, 1);
    assert.equal((await events(app, accountId)).filter((e) => e.type === 'retention.purged').length, 0);
  });

  it('a legal hold stops the purge until the operator lifts it; a subject hold keeps that user only', async (t) => {
    const app = await anApp(t);
    const clock = await aTestClock(app, '2026-01-30T10:00:00Z');
    const held = await registered(app, clock, { email: 'held@example.com' });
    const subject = await registered(app, clock, { email: 'subject@example.com', company: undefined });

    const hold = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${held.accountId}/legal-holds`,
      headers: { ...app.operator, 'idempotency-key': 'hold-1' },
      payload: { reason: 'Court order, case I C 123/26' },
    });
    assert.equal(hold.statusCode, 201, hold.body);
    const holdId = hold.json().id as string;
    const subjectHold = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${subject.accountId}/legal-holds`,
      headers: app.operator,
      payload: { subjectId: subject.userId, reason: 'Claim pending against this user' },
    });
    assert.equal(subjectHold.statusCode, 201, subjectHold.body);
    // A customer cannot set one; bad input changes nothing.
    const bad = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${held.accountId}/legal-holds`,
      headers: app.operator,
      payload: { reason: '' },
    });
    assert.equal(bad.statusCode, 400);

    await advanceClock(app, clock, '2026-05-14T00:00:00Z');
    assert.equal((await personalData(app, held.accountId)).users.length, 1, 'held: nothing purged');
    const heldEvents = await events(app, held.accountId);
    assert.ok(heldEvents.some((e) => e.type === 'retention.purge_held' && e.clause === 'HT-PRV-01'));
    assert.ok(!JSON.stringify(heldEvents).includes('Court order'), 'the hold reason stays out of the log');

    const subjectData = await personalData(app, subject.accountId);
    assert.deepEqual(
      subjectData.users.map((u) => u.email),
      ['subject@example.com'],
      'the held subject stays',
    );
    assert.equal(subjectData.account?.company_name, null, 'the rest of the account is gone');

    // Lifting the hold (on 2026-05-20) lets the purge run at once.
    await advanceClock(app, clock, '2026-05-20T12:00:00Z');
    const lifted = await app.http.inject({
      method: 'POST',
      url: `/v1/legal-holds/${holdId}/lift`,
      headers: app.operator,
      payload: { reason: 'Case closed' },
    });
    assert.equal(lifted.statusCode, 200, lifted.body);
    assert.equal(lifted.json().liftedAt, '2026-05-20T12:00:00.000Z');
    const again = await app.http.inject({
      method: 'POST',
      url: `/v1/legal-holds/${holdId}/lift`,
      headers: app.operator,
      payload: {},
    });
    assert.equal(again.statusCode, 409);
    await advanceClock(app, clock, '2026-05-20T12:00:01Z');
    assert.equal((await personalData(app, held.accountId)).users.length, 0);
    const purged = (await events(app, held.accountId)).filter((e) => e.type === 'retention.purged');
    assert.equal(purged.length, 1);
    assert.equal(purged[0]!.occurredAt, '2026-05-20T12:00:00.000Z');
  });

  it("warns the customer the policy's days before the purge, with the export link, and never purges before", async (t) => {
    // Host-Tracker's trial category with a 30-day warning (the mechanism of QU A22).
    const base = loadPreset('hosttracker');
    const policy: Policy = {
      ...base,
      retention: {
        ...base.retention,
        categories: base.retention.categories.map((c) =>
          c.id === 'trial_account_data' ? { ...c, warnBeforeDays: 30 } : c,
        ),
      },
    };
    const app = await anApp(t, policy);
    const clock = await aTestClock(app, '2026-01-30T10:00:00Z');
    const { accountId } = await registered(app, clock, { email: 'warned@example.com' });
    await advanceClock(app, clock, '2026-04-13T23:59:59Z');
    assert.equal((await events(app, accountId)).filter((e) => e.type === 'retention.warning_sent').length, 0);
    await advanceClock(app, clock, '2026-04-14T00:00:00Z');
    const warned = (await events(app, accountId)).filter((e) => e.type === 'retention.warning_sent');
    assert.equal(warned.length, 1);
    assert.equal(warned[0]!.data.purgeOn, '2026-05-14');
    const [mail] = await app.db.rows<{ subject: string; body: { text: string } }>(
      sql`select subject, body from outbox where account_id = ${accountId} and template = 'retention.purge_warning'`,
    );
    assert.ok(mail, 'a warning mail is in the outbox');
    assert.match(mail.body.text, /2026-05-14/);
    assert.match(mail.body.text, /https:\/\/app\.klauzula\.test\/export/);
    await advanceClock(app, clock, '2026-05-14T00:00:00Z');
    assert.equal((await personalData(app, accountId)).users.length, 0);
  });

  it("CM-PRC-02, CM-PRV-10: a liquidated account's entrusted data stay through 2026-03-31 and go on 2026-04-01, its own data anonymised keeping the listed fields", async (t) => {
    const app = await buildTestApp({ preset: 'clickmeeting' });
    t.after(() => app.close());
    const clock = await aTestClock(app, '2026-01-10T10:00:00+01:00');
    const { accountId, userId } = await registered(app, clock, { email: 'cm-client@example.com' });
    await app.db.q.execute(
      sql`update outbox set status = 'sent', sent_at = now() where account_id = ${accountId}`,
    );
    await app.db.q.execute(sql`
      insert into entrusted_contacts (account_id, id, email, first_name, created_at, updated_at)
      values (${accountId}, 'ct_1', 'participant@example.com', 'Jan', now(), now())`);
    // The contract ends by liquidation on 2026-03-01 (the end of the paid period the customer cancelled).
    await advanceClock(app, clock, '2026-03-01T00:00:00+01:00');
    const plan = app.current().policy.plans[0]!;
    await app.db.transaction(() =>
      app.lifecycle.applyTransitions(
        [{ accountId, kind: 'test.liquidate', firedAt: new Date('2026-03-01T00:00:00+01:00') }],
        () => ({ to: 'liquidated', planCode: plan.code, because: 'CM-LIF-09' }),
        () => null,
      ),
    );
    const contacts = async () =>
      (
        await app.db.rows<{ n: number }>(
          sql`select count(*)::int as n from entrusted_contacts where account_id = ${accountId}`,
        )
      )[0]!.n;
    await advanceClock(app, clock, '2026-03-31T23:59:59+02:00');
    assert.equal(await contacts(), 1, 'kept on 2026-03-31, restorable (CM-LIF-13)');
    await advanceClock(app, clock, '2026-04-01T00:00:00+02:00');
    assert.equal((await app.lifecycle.get(accountId)).state, 'purged');
    assert.equal(await contacts(), 0, 'gone on 2026-04-01');

    // CM-PRV-10: first name, last name, e-mail and the consent log stay; the rest is anonymised.
    const [user] = await app.db.rows<{
      id: string;
      email: string;
      first_name: string;
      last_name: string;
      password_hash: string | null;
    }>(
      sql`select id, email, first_name, last_name, password_hash from users where account_id = ${accountId}`,
    );
    assert.deepEqual(
      {
        id: user?.id,
        email: user?.email,
        first: user?.first_name,
        last: user?.last_name,
        password: user?.password_hash,
      },
      { id: userId, email: 'cm-client@example.com', first: 'Anna', last: 'Nowak', password: null },
    );
    const [account] = await app.db.rows<{
      company_name: string | null;
      phone: string | null;
      address: unknown;
    }>(sql`select company_name, phone, address from accounts where id = ${accountId}`);
    assert.deepEqual(account, { company_name: null, phone: null, address: null });
    const [consents] = await app.db.rows<{ n: number }>(
      sql`select count(*)::int as n from acceptances where account_id = ${accountId}`,
    );
    assert.ok(consents!.n > 0, 'the consent log is kept');
    const log = await events(app, accountId);
    const purged = log.filter((e) => e.type === 'retention.purged');
    assert.deepEqual(purged.map((e) => [e.clause, e.data.category, e.occurredAt]).sort(), [
      ['CM-PRC-02', 'entrusted_data_liquidated', '2026-03-31T22:00:00.000Z'],
      ['CM-PRV-10', 'client_account_data', '2026-03-31T22:00:00.000Z'],
    ]);
    // The kept fields go once claims and tax no longer need them (6 years from 2026-04-01, seed silent).
    const users = async () =>
      (
        await app.db.rows<{ n: number }>(
          sql`select count(*)::int as n from users where account_id = ${accountId}`,
        )
      )[0]!.n;
    await advanceClock(app, clock, '2032-04-01T23:59:59+02:00');
    assert.equal(await users(), 1);
    await advanceClock(app, clock, '2032-04-02T00:00:00+02:00');
    assert.equal(await users(), 0);
  });

  it('QU-LIF-09, QU-PRV-01: a contract ending 2026-06-30 loses its content by 2026-07-30 and its identification record on 2036-07-01', async (t) => {
    const app = await buildTestApp({ preset: 'quanda' });
    t.after(() => app.close());
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { email: 'qu-end@example.com' });
    await app.db.q.execute(
      sql`update outbox set status = 'sent', sent_at = now() where account_id = ${accountId}`,
    );
    await app.db.q.execute(sql`
      insert into entrusted_contacts (account_id, id, email, created_at, updated_at)
      values (${accountId}, 'ct_1', 'contact@example.cz', now(), now())`);
    // The subscription's last day is 2026-06-30: the contract ends at the midnight after it.
    const end = new Date('2026-07-01T00:00:00+02:00');
    await advanceClock(app, clock, end.toISOString());
    await app.db.transaction(() =>
      app.lifecycle.applyTransitions(
        [{ accountId, kind: 'test.terminate', firedAt: end }],
        (_policy, row) => ({ to: 'terminated', planCode: row.planCode, because: 'QU-LIF-05' }),
        () => null,
      ),
    );
    assert.equal((await app.lifecycle.get(accountId)).contractEndedAt?.toISOString(), end.toISOString());
    const contacts = async () =>
      (
        await app.db.rows<{ n: number }>(
          sql`select count(*)::int as n from entrusted_contacts where account_id = ${accountId}`,
        )
      )[0]!.n;
    const account = async () =>
      (
        await app.db.rows<{ company_name: string | null; phone: string | null }>(
          sql`select company_name, phone from accounts where id = ${accountId}`,
        )
      )[0]!;

    await advanceClock(app, clock, '2026-07-29T23:59:59+02:00');
    assert.equal(await contacts(), 1);
    await advanceClock(app, clock, '2026-07-30T00:00:00+02:00');
    assert.equal(await contacts(), 0, 'QU-LIF-09: purged by 2026-07-30');
    assert.equal((await account()).phone, null, 'profile data go with the content');
    assert.equal(
      (await account()).company_name,
      'Kwiaciarnia Róża sp. z o.o.',
      'QU-PRV-01: the identification record stays',
    );

    await advanceClock(app, clock, '2036-06-30T23:59:59+02:00');
    assert.equal((await account()).company_name, 'Kwiaciarnia Róża sp. z o.o.');
    await advanceClock(app, clock, '2036-07-01T00:00:00+02:00');
    assert.equal((await account()).company_name, null, 'QU-PRV-01: purged on 2036-07-01');
    const purged = (await events(app, accountId)).filter(
      (e) => e.type === 'retention.purged' && ['QU-LIF-09', 'QU-PRV-01'].includes(e.clause ?? ''),
    );
    assert.deepEqual(
      purged.map((e) => [e.clause, e.occurredAt]),
      [
        ['QU-LIF-09', '2026-07-29T22:00:00.000Z'],
        ['QU-PRV-01', '2036-06-30T22:00:00.000Z'],
      ],
    );
  });

  it('QU-RET-07: recipient activity of 2023-05-10 is announced on 2026-04-11 (30 days, A22) and purged on 2026-05-11, not earlier', async (t) => {
    const app = await buildTestApp({ preset: 'quanda' });
    t.after(() => app.close());
    const clock = await aTestClock(app, '2023-05-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock, { email: 'qu-activity@example.com' });
    await app.db.q.execute(
      sql`update outbox set status = 'sent', sent_at = now() where account_id = ${accountId}`,
    );
    await app.db.q.execute(sql`
      insert into entrusted_contacts (account_id, id, email, created_at, updated_at)
      values (${accountId}, 'ct_1', 'recipient@example.cz', now(), now())`);
    await app.db.q.execute(sql`
      insert into entrusted_activity (account_id, contact_id, id, kind, category, ref, occurred_at)
      values (${accountId}, 'ct_1', 'a1', 'campaign_open', 'recipient_activity', 'cmp_1', '2023-05-10T21:00:00+02:00'),
             (${accountId}, 'ct_1', 'a2', 'campaign_click', 'recipient_activity', 'cmp_2', '2023-08-01T09:00:00+02:00')`);
    const activity = async () =>
      (
        await app.db.rows<{ id: string }>(
          sql`select id from entrusted_activity where account_id = ${accountId} order by id`,
        )
      ).map((r) => r.id);
    const warnings = async () =>
      (await events(app, accountId)).filter(
        (e) => e.type === 'retention.warning_sent' && e.data.category === 'recipient_activity',
      );

    await advanceClock(app, clock, '2026-04-10T23:59:59+02:00');
    assert.equal((await warnings()).length, 0);
    await advanceClock(app, clock, '2026-04-11T00:00:00+02:00');
    const [warned] = await warnings();
    assert.equal(warned?.clause, 'QU-RET-07');
    assert.equal(warned?.data.purgeOn, '2026-05-11');
    const [mail] = await app.db.rows<{ body: { text: string } }>(
      sql`select body from outbox where account_id = ${accountId} and template = 'retention.purge_warning'`,
    );
    assert.match(mail!.body.text, /2026-05-11/);

    await advanceClock(app, clock, '2026-05-10T23:59:59+02:00');
    assert.deepEqual(await activity(), ['a1', 'a2'], 'kept through 2026-05-10');
    await advanceClock(app, clock, '2026-05-11T00:00:00+02:00');
    assert.deepEqual(
      await activity(),
      ['a2'],
      'the open of 2023-05-10 is gone on 2026-05-11; the later click stays',
    );
    const purged = (await events(app, accountId)).filter(
      (e) => e.type === 'retention.purged' && e.clause === 'QU-RET-07',
    );
    assert.deepEqual(
      purged.map((e) => [e.clause, e.data.rows, e.occurredAt]),
      [['QU-RET-07', 1, '2026-05-10T22:00:00.000Z']],
    );

    // The click of 2023-08-01 is due on 2026-08-02: announced on 2026-07-03, gone on 2026-08-02.
    await advanceClock(app, clock, '2026-08-01T23:59:59+02:00');
    assert.deepEqual(await activity(), ['a2']);
    assert.equal((await warnings()).length, 2);
    await advanceClock(app, clock, '2026-08-02T00:00:00+02:00');
    assert.deepEqual(await activity(), []);
  });

  it('HT-PRV-03: a permanent free account unused for 24 months is asked to confirm continued use, and nothing is deleted', async (t) => {
    const app = await anApp(t);
    const clock = await aTestClock(app, '2024-04-30T12:00:00Z');
    const { accountId, state } = await registered(app, clock, { email: 'ht-free@example.com', plan: 'free' });
    assert.equal(state, 'free');
    await advanceClock(app, clock, '2026-04-30T23:59:59Z');
    const asked = async () =>
      (await events(app, accountId)).filter((e) => e.type === 'retention.use_check_requested');
    assert.equal((await asked()).length, 0);
    await advanceClock(app, clock, '2026-05-01T00:00:00Z');
    const [check] = await asked();
    assert.equal(check?.clause, 'HT-PRV-03');
    const [mail] = await app.db.rows<{ body: { text: string } }>(
      sql`select body from outbox where account_id = ${accountId} and template = 'retention.use_check'`,
    );
    assert.match(mail!.body.text, /2024-04-30/);
    assert.equal((await personalData(app, accountId)).users.length, 1, 'review only: nothing deleted');
  });
});
