import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { makeBackups } from '../src/modules/retention/backups.ts';
import { BackupError } from '../src/platform/backup/backup-crypto.ts';
import { DAY_MS, manualClock } from '../src/platform/clock.ts';
import { loadPreset, type Policy } from '../src/policy/index.ts';
import { advanceClock, aTestClock, events, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';

// Encrypted backups of the whole database: written, listed, restored without bringing purged data back,
// refused when changed, and pruned by the policy's window. Host-Tracker's trial data go on 2026-05-14
// (HT-PRV-01; registered 2026-01-30, the trial expires 2026-02-14).

async function setUp(t: TestContext, policy?: Policy) {
  const dir = await mkdtemp(join(tmpdir(), 'klz-backups-'));
  const app: TestApp = await buildTestApp(policy ? { policy } : { preset: 'hosttracker' });
  t.after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });
  const key = randomBytes(32);
  const clock = manualClock(new Date());
  const backups = makeBackups({
    db: app.db,
    retention: app.retention,
    eventLog: app.eventLog,
    clock,
    policy: () => app.current().policy,
    dir,
    key,
  });
  return { app, dir, key, clock, backups };
}

async function usersOf(app: TestApp, accountId: string): Promise<string[]> {
  const rows = await app.db.rows<{ email: string }>(
    sql`select email from users where account_id = ${accountId}`,
  );
  return rows.map((r) => r.email);
}

describe('backups', () => {
  it("restoring a backup taken before a purge re-applies the purge: the account's data are gone again", async (t) => {
    const { app, dir, backups } = await setUp(t);
    const clock = await aTestClock(app, '2026-01-30T10:00:00Z');
    const purged = await registered(app, clock, { email: 'purged@example.com' });
    const other = await aTestClock(app, '2026-04-01T10:00:00Z');
    const kept = await registered(app, other, { email: 'kept@example.com' });

    const before = await backups.create();
    assert.match(before.file, /^klauzula-.*\.klzb$/);
    // The file is encrypted: neither the e-mail nor the company name appear in it.
    const bytes = await readFile(before.path);
    for (const clear of ['purged@example.com', 'Kwiaciarnia', 'users'])
      assert.ok(!bytes.includes(Buffer.from(clear)), `"${clear}" is not in the file in clear`);

    await advanceClock(app, clock, '2026-05-14T00:00:00Z');
    assert.deepEqual(await usersOf(app, purged.accountId), [], 'purged on 2026-05-14');

    const restored = await backups.restore(before.file);
    assert.ok(restored.rows > 0);
    assert.ok(restored.replayed > 0, 'the purge was re-applied');
    assert.deepEqual(await usersOf(app, purged.accountId), [], 'the purged account stays purged');
    const [account] = await app.db.rows<{ company_name: string | null }>(
      sql`select company_name from accounts where id = ${purged.accountId}`,
    );
    assert.equal(account?.company_name, null);
    assert.deepEqual(await usersOf(app, kept.accountId), ['kept@example.com'], 'the rest is back');
    // The restored database knows the deletions too, and the restore is evidenced.
    const [journal] = await app.db.rows<{ n: number }>(
      sql`select count(*)::int as n from retention_journal where account_id = ${purged.accountId}`,
    );
    assert.ok(journal!.n > 0);
    const [restoredEvent] = await app.db.rows<{ data: Record<string, unknown> }>(
      sql`select data from events where chain_id = 'operator' and type = 'backup.restored'`,
    );
    assert.equal(restoredEvent?.data.file, before.file);
    assert.equal((await app.eventLog.verify()).ok, true, 'the restored event log verifies');
    assert.deepEqual(
      (await backups.list()).map((b) => b.file),
      [before.file],
    );
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.partial')),
      [],
      'no half-written files are left',
    );
    // A restore of the same backup where the live database lost the journal (a fresh disaster): the
    // deletions come from a newer backup.
    const after = await backups.create();
    await app.db.q.execute(sql`truncate retention_journal`);
    await backups.restore(before.file);
    assert.deepEqual(
      await usersOf(app, purged.accountId),
      [],
      "the newer backup's journal re-applies the purge",
    );
    assert.ok(after.journalSeq > before.journalSeq);
    await events(app, kept.accountId);
  });

  it('refuses a tampered, truncated or foreign-key backup and changes nothing', async (t) => {
    const { app, dir, backups, clock } = await setUp(t);
    const testClock = await aTestClock(app, '2026-01-30T10:00:00Z');
    const account = await registered(app, testClock, { email: 'tamper@example.com' });
    const good = await backups.create();
    const original = await readFile(good.path);

    // One flipped bit in the ciphertext.
    const tampered = Buffer.from(original);
    tampered[tampered.length - 40]! ^= 0x01;
    await writeFile(good.path, tampered);
    await app.db.q.execute(
      sql`update users set first_name = 'Changed' where account_id = ${account.accountId}`,
    );
    await assert.rejects(
      backups.restore(good.file),
      (e: unknown) => e instanceof BackupError && /authentication failed/.test((e as Error).message),
    );
    const [user] = await app.db.rows<{ first_name: string }>(
      sql`select first_name from users where account_id = ${account.accountId}`,
    );
    assert.equal(user?.first_name, 'Changed', 'a refused restore changes nothing');

    // A cut tail, and an edited (authenticated) header.
    await writeFile(good.path, original.subarray(0, original.length - 10));
    await assert.rejects(backups.restore(good.file), BackupError);
    const edited = Buffer.from(
      original.toString('latin1').replace('"journalSeq":0', '"journalSeq":9'),
      'latin1',
    );
    assert.notDeepEqual(edited, original);
    await writeFile(good.path, edited);
    await assert.rejects(backups.restore(good.file), BackupError);

    // The right file under another key.
    await writeFile(good.path, original);
    const foreign = makeBackups({
      db: app.db,
      retention: app.retention,
      eventLog: app.eventLog,
      clock,
      policy: () => app.current().policy,
      dir,
      key: randomBytes(32),
    });
    await assert.rejects(foreign.restore(good.file), /another key/);
    // And the untouched file restores.
    await backups.restore(good.file);
    const [back] = await app.db.rows<{ first_name: string }>(
      sql`select first_name from users where account_id = ${account.accountId}`,
    );
    assert.equal(back?.first_name, 'Anna');
  });

  it("prune deletes a backup once it has held purged data for the policy's window (CM-PRC-04: 120 days)", async (t) => {
    const base = loadPreset('hosttracker');
    const policy: Policy = {
      ...base,
      retention: { ...base.retention, backups: { ...base.retention.backups, retentionDays: 120 } },
    };
    const { app, backups, clock } = await setUp(t, policy);
    const testClock = await aTestClock(app, '2026-01-30T10:00:00Z');
    await registered(app, testClock, { email: 'window@example.com' });
    const old = await backups.create();
    // Nothing purged since it was taken: it holds no purged data and stays, however old.
    clock.advance(400 * DAY_MS);
    assert.deepEqual((await backups.prune()).deleted, []);

    await advanceClock(app, testClock, '2026-05-14T00:00:00Z'); // the purge, recorded now (real time)
    const [purge] = await app.db.rows<{ at: string | Date }>(
      sql`select min(recorded_at) as at from retention_journal`,
    );
    const purgedAt = new Date(purge!.at).getTime();
    clock.set(new Date(purgedAt + 1000));
    const fresh = await backups.create();

    clock.set(new Date(purgedAt + 120 * DAY_MS - 1));
    assert.deepEqual((await backups.prune()).deleted, [], 'still inside the 120 days');
    clock.set(new Date(purgedAt + 120 * DAY_MS));
    const pruned = await backups.prune();
    assert.deepEqual(pruned.deleted, [old.file], 'the backup holding the purged data goes on day 120');
    assert.deepEqual(
      (await backups.list()).map((b) => b.file),
      [fresh.file],
      'the one taken after the purge stays',
    );
  });

  it('a window of 0 days (QU-PRC-12, BK-PRC-08) deletes a backup as soon as data it holds are purged; null keeps them', async (t) => {
    const base = loadPreset('hosttracker');
    const policy: Policy = {
      ...base,
      retention: { ...base.retention, backups: { ...base.retention.backups, retentionDays: 0 } },
    };
    const { app, backups, clock, dir, key } = await setUp(t, policy);
    const testClock = await aTestClock(app, '2026-01-30T10:00:00Z');
    await registered(app, testClock, { email: 'zero@example.com' });
    const b = await backups.create();
    assert.deepEqual((await backups.prune()).deleted, []);
    await advanceClock(app, testClock, '2026-05-14T00:00:00Z');
    clock.set(new Date());
    // Host-Tracker's own policy states no window (null): its backups are kept.
    const unbounded = makeBackups({
      db: app.db,
      retention: app.retention,
      eventLog: app.eventLog,
      clock,
      policy: () => base,
      dir,
      key,
    });
    assert.deepEqual((await unbounded.prune()).deleted, []);
    assert.deepEqual((await backups.prune()).deleted, [b.file]);
  });
});
