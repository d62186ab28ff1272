import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { cloneAccount } from '../bench/retention.ts';
import { type Backups, makeBackups } from '../src/modules/retention/backups.ts';
import { DAY_MS, manualClock } from '../src/platform/clock.ts';
import { textArray } from '../src/platform/db/bulk.ts';
import type { Database } from '../src/platform/db/database.ts';
import { loadPreset, type Policy } from '../src/policy/index.ts';
import { activate, advanceClock, aTestClock, events, logIn } from './helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';
import { uploadCsv } from './helpers/entrusted.ts';
import { startTestSmtpServer } from './helpers/smtp-server.ts';

// Issue 4's "done when" for retention: a unique canary planted in an account's personal fields is, once
// the account has gone through its contract's end and the retention period on a test clock, found in no
// table of the database (every text and JSON column, via information_schema) and in no retained backup
// (decrypted). Host-Tracker: a Trial's data go 3 months after it expires (HT-PRV-01); the seed states no
// backup window, so this policy gives one of 30 days (as CM-PRC-04 does with 120).

const policy: Policy = (() => {
  const base = loadPreset('hosttracker');
  return {
    ...base,
    retention: { ...base.retention, backups: { ...base.retention.backups, retentionDays: 30 } },
  };
})();

/** Every (table, column) of the public schema holding text or JSON, and the rows where `needle` occurs. */
async function findEverywhere(db: Database, needle: string): Promise<string[]> {
  const columns = await db.rows<{ table_name: string; column_name: string }>(sql`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
      and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')
           or c.udt_name in ('text', 'varchar', 'jsonb', 'json'))
    order by c.table_name, c.column_name`);
  assert.ok(columns.length > 50, `scanned ${columns.length} columns`);
  const found: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [hit] = await db.rows<{ n: number }>(sql`
      select count(*)::int as n from ${sql.identifier(table_name)}
      where ${sql.identifier(column_name)}::text ilike ${`%${needle}%`}`);
    if (hit!.n > 0) found.push(`${table_name}.${column_name} (${hit!.n})`);
  }
  return found;
}

async function backupsHolding(backups: Backups, needle: string): Promise<string[]> {
  const out: string[] = [];
  const lower = needle.toLowerCase();
  for (const b of await backups.list()) {
    let lines = 0;
    let hit = false;
    for await (const line of backups.read(b.file)) {
      lines += 1;
      if (line.toLowerCase().includes(lower)) hit = true;
    }
    assert.ok(lines > 10, `backup ${b.file} decrypted (${lines} lines)`);
    if (hit) out.push(b.file);
  }
  return out;
}

describe('retention scenario', () => {
  it("HT-PRV-01: a canary in an account's personal data is in no table and no retained backup after its retention ends", async (t) => {
    const smtp = await startTestSmtpServer();
    const app: TestApp = await buildTestApp({ policy, smtpUrl: smtp.url });
    const dir = await mkdtemp(join(tmpdir(), 'klz-canary-'));
    t.after(async () => {
      await app.close();
      await smtp.close();
      await rm(dir, { recursive: true, force: true });
    });
    const realTime = manualClock(new Date());
    const backups = makeBackups({
      db: app.db,
      retention: app.retention,
      eventLog: app.eventLog,
      clock: realTime,
      policy: () => policy,
      dir,
      key: randomBytes(32),
    });

    const canary = `Cnry${randomBytes(5).toString('hex')}`;
    const email = `${canary.toLowerCase()}@example.com`;
    const clock = await aTestClock(app, '2026-01-30T10:00:00Z');
    const registration = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: {
        ...app.operator,
        'idempotency-key': 'registration-1',
        'user-agent': `Mozilla/5.0 ${canary}`,
      },
      payload: {
        ...aRegistration(policy, {
          company: {
            name: `${canary} Sp. z o.o.`,
            taxId: '5260250274',
            country: 'PL',
            address: { street: `ul. ${canary} 1`, postalCode: '80-831', city: 'Gdańsk', country: 'PL' },
            isLegalPerson: true,
          },
          person: { firstName: `Anna${canary}`, lastName: `Nowak${canary}` },
          registeringPerson: `Anna ${canary}`,
          email,
        }),
        testClockId: clock,
      },
    });
    assert.equal(registration.statusCode, 201, registration.body);
    const accountId = registration.json().accountId as string;

    // The customer lives: activation by mail (a real SMTP server), a login from a browser whose user agent
    // carries the canary, a change of company data (kept in the history), contacts it entrusts.
    await app.worker.runOnce();
    await activate(app, email);
    const login = await app.http.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'user-agent': `Mozilla/5.0 ${canary}` },
      payload: { email, password: 'correct horse battery' },
    });
    assert.equal(login.statusCode, 200, login.body);
    const owner = await logIn(app, email);
    const changed = await app.http.inject({
      method: 'PATCH',
      url: `/v1/accounts/${accountId}`,
      headers: owner.writes,
      payload: {
        address: { street: `ul. Nowa ${canary} 2`, postalCode: '80-831', city: 'Gdańsk', country: 'PL' },
      },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const imported = await uploadCsv(
      app,
      accountId,
      owner.writes,
      ['email,first_name,last_name', `klient.${canary.toLowerCase()}@example.pl,Jan${canary},Kowalski`].join(
        '\n',
      ),
    );
    assert.equal(imported.statusCode, 201, imported.body);
    await app.worker.runOnce();

    // The scanners find the canary while the data are there (so their "nothing found" below means something).
    const planted = await findEverywhere(app.db, canary);
    for (const where of [
      'accounts.company_name',
      'users.email',
      'sessions.user_agent',
      'account_profile_changes.new_value',
      'outbox.recipient',
      'entrusted_contacts.first_name',
      'acceptances.user_agent',
    ])
      assert.ok(
        planted.some((p) => p.startsWith(where)),
        `the canary is in ${where}: ${planted.join(', ')}`,
      );
    const early = await backups.create();
    assert.deepEqual(await backupsHolding(backups, canary), [early.file]);

    // The Trial expires on 2026-02-14; the day before the data are due they are all still there.
    await advanceClock(app, clock, '2026-02-14T00:00:00Z');
    await app.worker.runOnce();
    await advanceClock(app, clock, '2026-05-13T23:59:59Z');
    assert.ok((await findEverywhere(app.db, canary)).length > 0, 'kept through 2026-05-13');

    // 2026-05-14: purged; the mails sent to the canary's address go too once delivered.
    await advanceClock(app, clock, '2026-05-14T00:00:00Z');
    await app.worker.runOnce();
    await advanceClock(app, clock, '2026-05-16T00:00:00Z');
    assert.deepEqual(await findEverywhere(app.db, canary), [], 'no table holds the canary');
    assert.deepEqual(await findEverywhere(app.db, canary.toLowerCase()), []);
    // The operator's stored answer to the registration (Idempotency-Key) named the account: it went too.
    const [stored] = await app.db.rows<{ n: number }>(
      sql`select count(*)::int as n from idempotency_keys where response::text like ${`%${accountId}%`}`,
    );
    assert.equal(stored!.n, 0);

    // Backups: a new one holds nothing of it; the old one goes once it held purged data for the window.
    realTime.set(new Date());
    const late = await backups.create();
    assert.deepEqual(await backupsHolding(backups, canary), [early.file]);
    realTime.set(new Date(Date.now() + 30 * DAY_MS));
    assert.deepEqual((await backups.prune()).deleted, [early.file]);
    assert.deepEqual(
      (await backups.list()).map((b) => b.file),
      [late.file],
    );
    assert.deepEqual(await backupsHolding(backups, canary), [], 'no retained backup holds the canary');

    // The evidence: the purge with its clause, count and time, and never the canary.
    const log = await events(app, accountId);
    const purged = log.filter((e) => e.type === 'retention.purged');
    assert.ok(purged.length >= 1);
    assert.equal(purged[0]!.clause, 'HT-PRV-01');
    assert.equal(purged[0]!.occurredAt, '2026-05-14T00:00:00.000Z');
  });

  it('HT-PRV-01: 1,000 expired Trials lose their data together on 2026-05-14, not a day earlier', async (t) => {
    const app: TestApp = await buildTestApp({ preset: 'hosttracker' });
    t.after(() => app.close());
    const clock = await aTestClock(app, '2026-01-30T10:00:00Z');
    const reg = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: app.operator,
      payload: { ...aRegistration(app.current().policy, { email: 'many@example.com' }), testClockId: clock },
    });
    assert.equal(reg.statusCode, 201, reg.body);
    const source = reg.json().accountId as string;
    await app.db.q.execute(
      sql`update outbox set status = 'sent', sent_at = created_at where account_id = ${source}`,
    );
    const clones = await cloneAccount(app.db, source, 999);
    const all = [source, ...clones];
    const countUsers = async () =>
      (await app.db.rows<{ n: number }>(sql`select count(*)::int as n from users`))[0]!.n;
    assert.equal(await countUsers(), 1000);

    const started = performance.now();
    await advanceClock(app, clock, '2026-05-13T23:59:59Z');
    const [ended] = await app.db.rows<{ n: number }>(
      sql`select count(*)::int as n from account_states where state = 'trial_ended'`,
    );
    assert.equal(ended!.n, 1000);
    assert.equal(await countUsers(), 1000, 'nothing purged on 2026-05-13');
    await advanceClock(app, clock, '2026-05-14T00:00:00Z');
    t.diagnostic(
      `1,000 accounts through trial end and purge in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    assert.equal(await countUsers(), 0);
    const [purged] = await app.db.rows<{ n: number; chains: number }>(sql`
      select count(*)::int as n, count(distinct chain_id)::int as chains from events
      where type = 'retention.purged' and clause = 'HT-PRV-01' and occurred_at = '2026-05-14T00:00:00Z'`);
    assert.equal(purged!.n, 1000);
    assert.equal(purged!.chains, 1000);
    const [companies] = await app.db.rows<{ n: number }>(
      sql`select count(*)::int as n from accounts where id = any(${textArray(all)}) and company_name is not null`,
    );
    assert.equal(companies!.n, 0);
    assert.equal((await app.eventLog.verify()).ok, true);
  });
});
