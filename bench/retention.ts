/**
 * The retention engine over many accounts and two years of sandbox time: Host-Tracker Trials expire and
 * their data are deleted 3 months later (HT-PRV-01), set-based, with the deletion journal and one event per
 * account.
 *
 *   node bench/retention.ts [--accounts 10000] [--batch 500]
 *
 * One account is registered through the API on a test clock at 2026-01-30 10:00 UTC and cloned in bulk
 * SQL into `--accounts` accounts with the rows registration writes (account, owner, acceptances, account
 * state, the trial's due item, a delivered mail). The test clock then advances to 2028-01-30 in one call:
 * every Trial ends on 2026-02-14 and every account's data go on 2026-05-14. Prints the time each phase took
 * and checks that every account was purged and that the event log verifies. Runs on PGlite, or on the
 * PostgreSQL server in DATABASE_URL.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.ts';
import { systemClock } from '../src/platform/clock.ts';
import type { Database } from '../src/platform/db/database.ts';
import { loadPreset } from '../src/policy/index.ts';
import { aRegistration } from '../test/helpers/app.ts';
import { openTestDatabase } from '../test/helpers/database.ts';

/**
 * Copies one registered account `count` times (ids and e-mails made unique) with the rows its retention
 * reads and erases: account, users, acceptances, account state, its pending due items, its mails (as
 * delivered). Bulk SQL, one statement per table, whatever columns the tables have.
 */
export async function cloneAccount(db: Database, source: string, count: number): Promise<string[]> {
  const clone = (table: string, overrides: string, where: string) =>
    db.q.execute(
      sql.raw(`
        insert into ${table}
        select (jsonb_populate_record(null::${table}, to_jsonb(x) || ${overrides})).*
        from ${table} x cross join generate_series(1, ${count}) as n
        where ${where}`),
    );
  const src = source.replace(/'/g, "''");
  await db.transaction(async () => {
    await clone(
      'accounts',
      `jsonb_build_object('id', x.id || '_' || n, 'subdomain', null)`,
      `x.id = '${src}'`,
    );
    await clone(
      'users',
      `jsonb_build_object('id', x.id || '_' || n, 'account_id', x.account_id || '_' || n, 'email', 'c' || n || '.' || x.email)`,
      `x.account_id = '${src}'`,
    );
    await clone(
      'acceptances',
      `jsonb_build_object('id', x.id || '_' || n, 'account_id', x.account_id || '_' || n, 'user_id', x.user_id || '_' || n)`,
      `x.account_id = '${src}'`,
    );
    await clone(
      'account_states',
      `jsonb_build_object('account_id', x.account_id || '_' || n)`,
      `x.account_id = '${src}'`,
    );
    await clone(
      'due_items',
      `jsonb_build_object('account_id', x.account_id || '_' || n)`,
      `x.account_id = '${src}'`,
    );
    await clone(
      'outbox',
      `jsonb_build_object('id', x.id || '_' || n, 'account_id', x.account_id || '_' || n, 'dedupe_key', null,
        'status', 'sent', 'sent_at', x.created_at, 'recipient', 'c' || n || '.' || x.recipient)`,
      `x.account_id = '${src}'`,
    );
  });
  return Array.from({ length: count }, (_, i) => `${source}_${i + 1}`);
}

export type RetentionFigures = {
  engine: string;
  accounts: number;
  trialEndSeconds: number;
  purgeSeconds: number;
  totalSeconds: number;
  purgedAccounts: number;
  rowsErased: number;
  verifySeconds: number;
};

export async function benchRetention(options: {
  accounts: number;
  batchSize?: number;
}): Promise<RetentionFigures> {
  const policy = loadPreset('hosttracker');
  const database = await openTestDatabase();
  const app = await buildApp({
    policy,
    database,
    portalUrl: 'https://app.klauzula.test',
    logLevel: 'silent',
    clock: systemClock,
    argon2: { memoryCost: 4096, timeCost: 1 },
  });
  try {
    const clock = await app.testClocks.create({
      name: 'retention bench',
      frozenTime: new Date('2026-01-30T10:00:00Z'),
    });
    const res = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: { authorization: `Bearer ${(await app.accounts.createApiKey({ name: 'bench' })).key}` },
      payload: { ...aRegistration(policy, { email: 'bench@example.com' }), testClockId: clock.id },
    });
    if (res.statusCode !== 201) throw new Error(`registration failed: ${res.body}`);
    const source = res.json().accountId as string;
    await app.db.q.execute(
      sql`update outbox set status = 'sent', sent_at = created_at where account_id = ${source}`,
    );
    await cloneAccount(app.db, source, options.accounts - 1);

    const t0 = performance.now();
    await app.testClocks.advance(clock.id, new Date('2026-02-14T00:00:00Z'));
    const t1 = performance.now();
    await app.testClocks.advance(clock.id, new Date('2028-01-30T00:00:00Z'));
    const t2 = performance.now();

    const [purged] = await app.db.rows<{ n: number; rows: number }>(sql`
      select count(*)::int as n, coalesce(sum((data->>'rows')::int), 0)::int as rows from events
      where type = 'retention.purged' and clause = 'HT-PRV-01' and occurred_at = '2026-05-14T00:00:00Z'`);
    const [left] = await app.db.rows<{ n: number }>(sql`select count(*)::int as n from users`);
    if (purged!.n !== options.accounts || left!.n !== 0)
      throw new Error(
        `expected ${options.accounts} purged accounts and no users left, got ${purged!.n} and ${left!.n}`,
      );
    const v0 = performance.now();
    const report = await app.eventLog.verify();
    const v1 = performance.now();
    if (!report.ok) throw new Error(`event log: ${report.problems.slice(0, 3).join('; ')}`);
    return {
      engine: app.db.kind,
      accounts: options.accounts,
      trialEndSeconds: (t1 - t0) / 1000,
      purgeSeconds: (t2 - t1) / 1000,
      totalSeconds: (t2 - t0) / 1000,
      purgedAccounts: purged!.n,
      rowsErased: purged!.rows,
      verifySeconds: (v1 - v0) / 1000,
    };
  } finally {
    await app.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { accounts: { type: 'string', default: '10000' } } });
  const accounts = Number(values.accounts);
  console.log(
    `# Retention over ${accounts} Host-Tracker Trials, two years of sandbox time (load ${loadavg()[0]!.toFixed(2)})`,
  );
  const f = await benchRetention({ accounts });
  console.log(
    `${f.engine}: ${f.accounts} trials ended in ${f.trialEndSeconds.toFixed(1)} s; ` +
      `two years of retention (${f.purgedAccounts} accounts purged, ${f.rowsErased} rows) in ${f.purgeSeconds.toFixed(1)} s ` +
      `(${(f.purgedAccounts / f.purgeSeconds).toFixed(0)} accounts/s); total ${f.totalSeconds.toFixed(1)} s; ` +
      `event log verified in ${f.verifySeconds.toFixed(1)} s`,
  );
}
