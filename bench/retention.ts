/**
 * Issue 4's scenario: 10,000 Quanda accounts of mixed histories go through two years on one test clock,
 * then a scan of the database and of every retained backup looks for the canaries planted in their
 * personal data.
 *
 *   node bench/retention.ts [--accounts 10000] [--batch 2000] [--mix 40,20,20,20]
 *
 * Four template customers register through the API on a test clock at 2026-04-01 09:00 Prague, each with
 * its own canary in the browser of its logins, its entrusted contacts and (if never invoiced) its address;
 * not in the identification data QU-PRV-01 keeps 10 years nor on invoices, kept for the tax period:
 *   trial   – activates, logs in, never orders: the Trial ends on 2026-04-15 (QU-BIL-01);
 *   closed  – closes its Trial on 2026-04-05 (QU-LIF-07);
 *   notice  – orders Professional 200 monthly, pays, gives notice on 2026-04-05: ends 2026-04-30 (QU-LIF-05);
 *   unpaid  – orders and never pays: blocked on day 6, deleted on day 60, purged on day 120 (QU-LIF-01..03).
 * Each template's rows (every table with an `account_id`, its due items included) are cloned in bulk SQL
 * with new ids into its share of `--accounts`. A backup is taken; the clock advances to 2026-05-01 (the
 * histories play out) and then to 2028-04-01 (retention: customer data 30 days after the contract's end,
 * QU-LIF-09; the purge of unpaid accounts, QU-LIF-03); a second backup is taken and the first, past the
 * policy's backup window, pruned. Every account whose customer data were purged must hold none of its
 * canary anywhere in the database or in any retained backup; the event log must verify.
 * Prints the seconds of each phase. PGlite by default, or the PostgreSQL server in DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { type Backups, makeBackups } from '../src/modules/retention/backups.ts';
import { DAY_MS, manualClock } from '../src/platform/clock.ts';
import type { Database } from '../src/platform/db/database.ts';
import { loadPreset, type Policy } from '../src/policy/index.ts';
import { aCompany, activate, advanceClock, anIco, aTestClock, logIn } from '../test/helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from '../test/helpers/app.ts';
import { uploadCsv } from '../test/helpers/entrusted.ts';

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

type Template = 'trial' | 'closed' | 'notice' | 'unpaid';
const TEMPLATES: Template[] = ['trial', 'closed', 'notice', 'unpaid'];

/**
 * Copies every row of `source` (in each table with an `account_id`, and its `accounts` row) `count` times:
 * every text value equal to one of the source's row ids (or its account id) gets the suffix `_<n>`, and so
 * do the values unique across accounts (e-mails, invoice numbers, idempotency keys); serial columns take
 * their default. One statement per table. Returns the new account ids.
 */
export async function cloneAccountRows(db: Database, source: string, count: number, tag: string) {
  const tables = await db.rows<{ table_name: string }>(sql`
    select c.table_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.column_name = 'account_id'
    order by c.table_name`);
  const names = ['accounts', ...tables.map((t) => t.table_name)];
  const src = source.replace(/'/g, "''");
  const where = (t: string) => (t === 'accounts' ? `x.id = '${src}'` : `x.account_id = '${src}'`);
  // The source's ids: its account id and the text primary-key values of each of its rows.
  const idParts: string[] = [];
  for (const t of names) {
    const keys = await db.rows<{ column_name: string }>(sql`
      select k.column_name from information_schema.table_constraints c
      join information_schema.key_column_usage k on k.constraint_name = c.constraint_name and k.table_name = c.table_name
      join information_schema.columns col on col.table_name = k.table_name and col.column_name = k.column_name
        and col.table_schema = 'public'
      where c.table_schema = 'public' and c.table_name = ${t} and c.constraint_type = 'PRIMARY KEY'
        and col.data_type = 'text' and k.column_name <> 'account_id'`);
    for (const k of keys) idParts.push(`select x."${k.column_name}" from ${t} x where ${where(t)}`);
  }
  const unique: Record<string, string> = {
    users: `'email', 'c${tag}' || n || '.' || x.email`,
    outbox: `'dedupe_key', case when x.dedupe_key is null then null else x.dedupe_key || '_${tag}' || n end`,
    invoices: `'number', x.number || '/${tag}' || n`,
    payments: `'idempotency_key', case when x.idempotency_key is null then null else x.idempotency_key || '_${tag}' || n end`,
    refunds: `'idempotency_key', case when x.idempotency_key is null then null else x.idempotency_key || '_${tag}' || n end`,
    privacy_subjects: `'email_hash', x.email_hash || '_${tag}' || n`,
    accounts: `'subdomain', null`,
  };
  await db.transaction(async () => {
    await db.q.execute(sql.raw(`create temp table if not exists bench_ids (id text primary key)`));
    await db.q.execute(sql.raw(`delete from bench_ids`));
    await db.q.execute(
      // Only generated ids (prefix_ULID, or a 64-digit hex hash), not the names in a key (kinds, categories).
      sql.raw(`insert into bench_ids select '${src}' union select id from (${idParts.join(' union ')}) i
        where id ~ '^[a-z_]+_[0-9A-HJKMNP-TV-Z]{26}$' or id ~ '^[0-9a-f]{64}$'`),
    );
    for (const t of names) {
      const cols = await db.rows<{ column_name: string; serial: boolean }>(sql`
        select column_name, (column_default like 'nextval%' or is_identity = 'YES' or is_generated = 'ALWAYS') as serial
        from information_schema.columns where table_schema = 'public' and table_name = ${t}
        order by ordinal_position`);
      const keep = cols.filter((c) => !c.serial).map((c) => `"${c.column_name}"`);
      await db.q.execute(
        sql.raw(`
        insert into ${t} (${keep.join(', ')})
        select ${keep.map((c) => `r.${c}`).join(', ')}
        from ${t} x cross join generate_series(1, ${count}) as n,
          lateral jsonb_populate_record(null::${t}, (
            select jsonb_object_agg(k, case
              when jsonb_typeof(v) = 'string' and exists (select 1 from bench_ids b where b.id = v #>> '{}')
              then to_jsonb((v #>> '{}') || '_${tag}' || n) else v end)
            from jsonb_each(to_jsonb(x)) as e(k, v)) ${unique[t] ? `|| jsonb_build_object(${unique[t]})` : ''}) r
        where ${where(t)}`),
      );
    }
  });
  return Array.from({ length: count }, (_, i) => `${source}_${tag}${i + 1}`);
}

/** Every text or JSON column of the public schema, and how many rows of it hold `needle`. */
export async function findEverywhere(db: Database, needle: string): Promise<string[]> {
  const columns = await db.rows<{ table_name: string; column_name: string }>(sql`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
      and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')
           or c.udt_name in ('text', 'varchar', 'jsonb', 'json'))
    order by c.table_name, c.column_name`);
  const found: string[] = [];
  for (const { table_name, column_name } of columns) {
    const [hit] = await db.rows<{ n: number }>(sql`
      select count(*)::int as n from ${sql.identifier(table_name)}
      where ${sql.identifier(column_name)}::text ilike ${`%${needle}%`}`);
    if (hit!.n > 0) found.push(`${table_name}.${column_name} (${hit!.n})`);
  }
  return found;
}

/** The retained backups (decrypted, line by line) that hold `needle`. */
async function backupsHolding(backups: Backups, needles: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(needles.map((n) => [n, []]));
  const lower = needles.map((n) => n.toLowerCase());
  for (const b of await backups.list()) {
    const hit = new Set<number>();
    for await (const line of backups.read(b.file)) {
      const l = line.toLowerCase();
      lower.forEach((n, i) => {
        if (l.includes(n)) hit.add(i);
      });
    }
    for (const i of hit) out.get(needles[i]!)!.push(b.file);
  }
  return out;
}

export type RetentionFigures = {
  engine: string;
  accounts: number;
  mix: Record<Template, number>;
  seedSeconds: number;
  historySeconds: number;
  retentionSeconds: number;
  totalSeconds: number;
  firedByKind: Record<string, number>;
  states: Record<string, number>;
  purgedAccounts: number;
  backupSeconds: number;
  scanSeconds: number;
  verifySeconds: number;
  canaries: Record<Template, { purged: number; inDatabase: string[]; inBackups: number }>;
};

const policy: Policy = (() => {
  const base = loadPreset('quanda');
  // The seed gives no backup window for Quanda; 30 days here (CM-PRC-04 keeps backups 120).
  return {
    ...base,
    retention: { ...base.retention, backups: { ...base.retention.backups, retentionDays: 30 } },
  };
})();

async function post(
  app: TestApp,
  url: string,
  payload?: object,
  headers: Record<string, string> = app.operator,
) {
  const res = await app.http.inject({
    method: 'POST',
    url,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  if (res.statusCode >= 300) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function benchRetention(options: {
  accounts: number;
  batchSize?: number;
  mix?: number[];
  /** Told each phase as it ends (seconds). */
  progress?: (line: string) => void;
}): Promise<RetentionFigures> {
  const say = options.progress ?? (() => undefined);
  const weights = options.mix ?? [40, 20, 20, 20];
  const sum = weights.reduce((a, b) => a + b, 0);
  const mix = Object.fromEntries(
    TEMPLATES.map((t, i) => [t, Math.max(1, Math.round((options.accounts * weights[i]!) / sum))]),
  ) as Record<Template, number>;
  mix.trial += options.accounts - Object.values(mix).reduce((a, b) => a + b, 0);

  const app = await buildTestApp({ policy });
  const dir = await mkdtemp(join(tmpdir(), 'klz-bench-retention-'));
  try {
    // Backups live on the real clock (the deletion journal records when each erasure really happened).
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
    const s0 = performance.now();
    const clock = await aTestClock(app, '2026-04-01T09:00:00+02:00');
    const canary = Object.fromEntries(
      TEMPLATES.map((t) => [t, `Cnry${t}${randomBytes(4).toString('hex')}`]),
    ) as Record<Template, string>;
    const source = {} as Record<Template, string>;
    const invoices = {} as Record<Template, { id: string; gross: string }>;
    for (const t of TEMPLATES) {
      const c = canary[t];
      const email = `${t}@bench.example`;
      const reg = await app.http.inject({
        method: 'POST',
        url: '/v1/registrations',
        // The registration's own record (time, IP, browser) is identification data, kept 10 years
        // (QU-PRV-01): no canary there.
        headers: app.operator,
        payload: {
          ...aRegistration(policy, {
            company: {
              ...aCompany('Kytky s.r.o.', anIco('2728012'), 'CZ'),
              // The buyer's address on an invoice is kept for the tax period: the canary goes into the
              // address only of customers that are never invoiced.
              address: {
                street: t === 'trial' || t === 'closed' ? `Dlouhá ${c} 1` : 'Dlouhá 1',
                postalCode: '110 00',
                city: 'Praha 1',
                country: 'CZ',
              },
            },
            phone: '+420 601 123 456',
            email,
          }),
          testClockId: clock,
        },
      });
      if (reg.statusCode !== 201) throw new Error(`registration: ${reg.body}`);
      source[t] = reg.json().accountId;
      await activate(app, email);
      const login = await app.http.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { 'user-agent': `Mozilla/5.0 ${c}` },
        payload: { email, password: 'correct horse battery' },
      });
      if (login.statusCode !== 200) throw new Error(`login: ${login.body}`);
      const owner = await logIn(app, email);
      const imported = await uploadCsv(
        app,
        source[t],
        owner.writes,
        ['email,first_name,last_name', `klient.${c.toLowerCase()}@example.cz,Jan${c},Novák`].join('\n'),
      );
      if (imported.statusCode !== 201) throw new Error(`import: ${imported.body}`);
      if (t === 'notice' || t === 'unpaid') {
        const ordered = await post(app, `/v1/accounts/${source[t]}/subscriptions`, {
          plan: 'professional_200',
          frequency: 'monthly',
        });
        invoices[t] = ordered.invoice;
      }
    }
    await post(app, `/v1/accounts/${source.notice}/invoices/${invoices.notice.id}/payments`, {
      amount: invoices.notice.gross,
      currency: 'CZK',
      reference: 'KB 1',
    });
    await app.worker.runOnce();
    await advanceClock(app, clock, '2026-04-05T10:00:00+02:00');
    await post(app, `/v1/accounts/${source.closed}/cancellation`);
    await post(app, `/v1/accounts/${source.notice}/cancellation`);
    // The mails so far went out (as with an SMTP server); what the advance writes stays in the outbox.
    await app.db.q.execute(
      sql`update outbox set status = 'sent', sent_at = created_at where status = 'pending'`,
    );
    for (const t of TEMPLATES) if (mix[t] > 1) await cloneAccountRows(app.db, source[t], mix[t] - 1, t[0]!);
    const [users] = await app.db.rows<{ n: number }>(sql`select count(*)::int as n from users`);
    if (users!.n !== options.accounts)
      throw new Error(`cloned ${users!.n} users, expected ${options.accounts}`);
    if (process.env.BENCH_DEBUG)
      console.log(
        await app.db.rows(
          sql`select kind, clock_id, count(*)::int as n, min(due_at) as first from due_items group by 1, 2 order by 1`,
        ),
        await app.db.rows(sql`select id, name, frozen_time from test_clocks`),
      );
    const early = await backups.create();
    const s1 = performance.now();
    say(`seeded in ${((s1 - s0) / 1000).toFixed(1)} s`);

    const advanceOptions = options.batchSize ? { batchSize: options.batchSize } : {};
    const fired = new Map<string, number>();
    const advance = async (to: string) => {
      const r = await app.testClocks.advance(clock, new Date(to), advanceOptions);
      for (const [k, n] of Object.entries(r.firedByKind)) fired.set(k, (fired.get(k) ?? 0) + n);
    };
    const t0 = performance.now();
    await advance('2026-05-01T00:00:00+02:00');
    const t1 = performance.now();
    say(`histories in ${((t1 - t0) / 1000).toFixed(1)} s`);
    await advance('2028-04-01T00:00:00+02:00');
    const t2 = performance.now();
    say(`retention in ${((t2 - t1) / 1000).toFixed(1)} s`);

    const b0 = performance.now();
    realTime.set(new Date());
    await backups.create();
    realTime.set(new Date(Date.now() + (policy.retention.backups.retentionDays ?? 30) * DAY_MS));
    const pruned = await backups.prune();
    if (!pruned.deleted.includes(early.file))
      throw new Error(`the first backup was not pruned: ${JSON.stringify(pruned)}`);
    const b1 = performance.now();

    const states = Object.fromEntries(
      (
        await app.db.rows<{ state: string; n: number }>(
          sql`select state, count(*)::int as n from account_states group by state order by state`,
        )
      ).map((r) => [r.state, r.n]),
    );
    const purgedRows = await app.db.rows<{ chain_id: string }>(sql`
      select distinct chain_id from events where type = 'retention.purged' and data->>'category' = 'customer_content'`);
    const purged = new Set(purgedRows.map((r) => r.chain_id));
    const sc0 = performance.now();
    const inBackups = await backupsHolding(backups, Object.values(canary));
    const canaries = {} as RetentionFigures['canaries'];
    for (const t of TEMPLATES) {
      const ids = [
        source[t],
        ...Array.from({ length: mix[t] - 1 }, (_, i) => `${source[t]}_${t[0]}${i + 1}`),
      ];
      const n = ids.filter((id) => purged.has(id)).length;
      canaries[t] = {
        purged: n,
        inDatabase: await findEverywhere(app.db, canary[t]),
        inBackups: inBackups.get(canary[t])!.length,
      };
      if (n === mix[t] && (canaries[t].inDatabase.length > 0 || canaries[t].inBackups > 0))
        throw new Error(
          `the ${t} accounts were purged, yet their canary is in ${canaries[t].inDatabase.join(', ')} and ${canaries[t].inBackups} backup(s)`,
        );
    }
    const sc1 = performance.now();
    const v0 = performance.now();
    const report = await app.eventLog.verify();
    const v1 = performance.now();
    if (!report.ok) throw new Error(`event log: ${report.problems.slice(0, 3).join('; ')}`);
    return {
      engine: app.db.kind,
      accounts: options.accounts,
      mix,
      seedSeconds: (s1 - s0) / 1000,
      historySeconds: (t1 - t0) / 1000,
      retentionSeconds: (t2 - t1) / 1000,
      totalSeconds: (t2 - t0) / 1000,
      firedByKind: Object.fromEntries([...fired].sort()),
      states,
      purgedAccounts: purged.size,
      backupSeconds: (b1 - b0) / 1000,
      scanSeconds: (sc1 - sc0) / 1000,
      verifySeconds: (v1 - v0) / 1000,
      canaries,
    };
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '10000' },
      batch: { type: 'string' },
      mix: { type: 'string', default: '40,20,20,20' },
    },
  });
  const accounts = Number(values.accounts);
  console.log(
    `# Retention: ${accounts} Quanda accounts of mixed histories, two years on a test clock (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  const f = await benchRetention({
    accounts,
    ...(values.batch ? { batchSize: Number(values.batch) } : {}),
    mix: values.mix.split(',').map(Number),
    progress: (line) => console.log(`  (${line})`),
  });
  const s = (x: number) => `${x.toFixed(1)} s`;
  console.log(
    `${f.engine}: mix ${JSON.stringify(f.mix)}; seeded (4 templates through the API, cloned) in ${s(f.seedSeconds)}`,
  );
  console.log(`  2026-04-05 → 2026-05-01 (histories)       ${s(f.historySeconds)}`);
  console.log(`  2026-05-01 → 2028-04-01 (retention)       ${s(f.retentionSeconds)}`);
  console.log(
    `  two years on the test clock               ${s(f.totalSeconds)}  (${(f.accounts / f.totalSeconds).toFixed(0)} accounts/s)`,
  );
  console.log(`  rules fired: ${JSON.stringify(f.firedByKind)}`);
  console.log(
    `  states at the end: ${JSON.stringify(f.states)}; accounts with customer data purged: ${f.purgedAccounts}`,
  );
  console.log(`  backup taken and the old one pruned in    ${s(f.backupSeconds)}`);
  console.log(`  canary scan (database + retained backups) ${s(f.scanSeconds)}`);
  for (const [t, c] of Object.entries(f.canaries))
    console.log(
      `    ${t.padEnd(7)} purged ${String(c.purged).padStart(5)}/${f.mix[t as Template]}: database ${c.inDatabase.length ? c.inDatabase.join(', ') : 'none'}; backups ${c.inBackups}`,
    );
  console.log(`  event log verified in                     ${s(f.verifySeconds)}`);
}
