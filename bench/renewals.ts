/**
 * How fast a test clock's advance renews 100,000 card subscriptions (charge, paid invoice with its gapless
 * number and FA(3) XML, period, events, mail, next due item), against a raw SQL insert of the same number of
 * invoice rows.
 *
 *   node bench/renewals.ts [--pglite] [--pg] [--subscriptions 100000] [--batch 500]
 *   BENCH_N=2000 node bench/renewals.ts --pglite        (BENCH_N overrides --subscriptions)
 *   BENCH_LOG_MS=5 node bench/renewals.ts --pg           (the renewal run's slow statements to the server log)
 *
 * Ends with one table of both engines side by side: raw INSERT rows/s, renewals invoices/s, the ratio.
 *
 * Without --pglite or --pg both engines run. PostgreSQL is the server in DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test); the benchmark creates its own databases there and drops them.
 *
 * Per engine: one ClickMeeting customer (a Polish company, so every invoice carries FA(3) XML) registers
 * through the API on a test clock at 2026-03-02 10:00 Warsaw and orders Live monthly by card with recurring
 * consent (the sandbox gateway). Its rows are cloned in bulk SQL (generate_series) into N subscriptions with
 * new ids: accounts, users, account_states, payment_methods, subscriptions, subscription_schedule, the
 * `billing.renew` due item (2026-04-02 00:00) and the chain head. Every measurement runs on its own fresh copy:
 *  - `testClocks.advance(clock, 2026-04-02 12:00)`: the renewal sweep in batches, each batch one transaction;
 *    then it checks N paid invoices numbered TEST/FV/2026/04/0001…N, each with FA(3) XML, and N payments;
 *  - a raw `INSERT … SELECT … generate_series` of N invoice rows copied from the order's invoice (its frozen
 *    document and FA(3) XML included), in one statement.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { systemClock } from '../src/platform/clock.ts';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { PRODUCT_SCOPES } from '../src/platform/http/operator-scopes.ts';
import { loadPreset } from '../src/policy/index.ts';
import { aRegistration } from '../test/helpers/app.ts';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';
const ORDERED_AT = new Date('2026-03-02T10:00:00+01:00');
const ADVANCE_TO = new Date('2026-04-02T12:00:00+02:00');
const PORTAL = 'https://app.klauzula.test';

export type Engine = 'pglite' | 'postgres';

type Store = {
  engine: Engine;
  /** The data folder (PGlite) or the database's name (PostgreSQL). */
  name: string;
  open(): Promise<Database>;
  copy(): Promise<Store>;
  drop(): Promise<void>;
};

function pgliteStore(dir: string): Store {
  return {
    engine: 'pglite',
    name: dir,
    open: () => openDatabase({ dataDir: dir }),
    copy: async () => {
      const to = await mkdtemp(join(tmpdir(), 'klauzula-bench-renewals-'));
      await cp(dir, to, { recursive: true });
      return pgliteStore(to);
    },
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function postgresStore(serverUrl: string, name: string): Store {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    engine: 'postgres',
    name,
    open: () => openDatabase({ url: url.toString() }),
    copy: async () => {
      const copy = `klz_bench_${randomBytes(5).toString('hex')}`;
      await admin(serverUrl, (c) => c.query(`create database ${copy} template ${name}`));
      return postgresStore(serverUrl, copy);
    },
    drop: async () => {
      await admin(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function newStore(engine: Engine, serverUrl: string): Promise<Store> {
  if (engine === 'pglite') return pgliteStore(await mkdtemp(join(tmpdir(), 'klauzula-bench-renewals-')));
  const name = `klz_bench_${randomBytes(5).toString('hex')}`;
  await admin(serverUrl, (c) => c.query(`create database ${name}`));
  return postgresStore(serverUrl, name);
}

function appOn(database: Database) {
  return buildApp({
    policy: loadPreset('clickmeeting'),
    database,
    portalUrl: PORTAL,
    logLevel: 'warn',
    clock: systemClock,
    argon2: { memoryCost: 4096, timeCost: 1 },
  });
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

type Seeded = { clockId: string; orderInvoiceId: string };

/** Registers and orders once through the API, then clones the subscriber into `count` in bulk SQL. */
async function seed(store: Store, count: number, log: (line: string) => void): Promise<Seeded> {
  const started = performance.now();
  const db = await store.open();
  await db.migrate();
  const app = await appOn(db);
  try {
    const clock = await app.testClocks.create({ name: 'bench', frozenTime: ORDERED_AT });
    const { key } = await app.accounts.createApiKey({ name: 'bench', scopes: PRODUCT_SCOPES });
    const headers = { authorization: `Bearer ${key}` };
    const registered = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers,
      payload: {
        ...aRegistration(app.current().policy, { accountType: 'paid', plan: 'live' }),
        testClockId: clock.id,
      },
    });
    if (registered.statusCode !== 201) throw new Error(`registration failed: ${registered.body}`);
    const accountId = registered.json().accountId as string;
    const ordered = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers,
      payload: {
        plan: 'live',
        frequency: 'monthly',
        card: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 },
        recurringConsent: true,
      },
    });
    if (ordered.statusCode !== 201) throw new Error(`order failed: ${ordered.body}`);
    const { subscription, invoice } = ordered.json() as {
      subscription: { id: string };
      invoice: { id: string };
    };
    const [method] = await db.rows<{ id: string }>(
      sql`select id from payment_methods where account_id = ${accountId}`,
    );
    const [user] = await db.rows<{ id: string }>(sql`select id from users where account_id = ${accountId}`);

    // Only the renewal is measured: the template's other deadlines (reminder, retention) are dropped.
    await db.q.execute(sql`delete from due_items where clock_id = ${clock.id} and kind <> 'billing.renew'`);

    const clone = (table: string, key: string, overrides: string) =>
      db.q.execute(
        sql.raw(`
        with t as materialized (select * from ${table} where ${key} = '${accountId}')
        insert into ${table}
        select r.* from t, generate_series(2, ${count}) g,
          lateral jsonb_populate_record(null::${table}, to_jsonb(t) || jsonb_build_object(${overrides})) r`),
      );
    const id = (prefix: string) => `'${prefix}_BENCH' || lpad(g::text, 21, '0')`;
    const acc = id('acc');
    await db.transaction(async () => {
      await clone(
        'accounts',
        'id',
        `'id', ${acc}, 'company_name', t.company_name || ' ' || g, 'subdomain', null`,
      );
      await clone(
        'users',
        'account_id',
        `'id', ${id('usr')}, 'account_id', ${acc}, 'email', 'owner' || g || '@bench.example'`,
      );
      await clone('account_states', 'account_id', `'account_id', ${acc}`);
      await clone('payment_methods', 'account_id', `'id', ${id('pm')}, 'account_id', ${acc}`);
      await clone(
        'subscriptions',
        'account_id',
        `'id', ${id('sub')}, 'account_id', ${acc}, 'payment_method_id', ${id('pm')}`,
      );
      await clone(
        'subscription_schedule',
        'account_id',
        `'id', ${id('sch')}, 'account_id', ${acc}, 'subscription_id', ${id('sub')}`,
      );
      await clone('due_items', 'account_id', `'account_id', ${acc}, 'ref', ${id('sub')}`);
      // Each clone's chain continues from a head like the template's (its earlier events are not cloned, so
      // the log is not verified here; bench/sweep.ts measures verification).
      await db.q.execute(
        sql.raw(`
        insert into chain_heads select ${acc}, h.seq, h.hash from chain_heads h, generate_series(2, ${count}) g
        where h.chain_id = '${accountId}'`),
      );
    });
    if (!method || !user) throw new Error('the template has no card or no user');
    await db.q.execute(sql`vacuum analyze`);
    const [n] = await db.rows<{ n: number }>(
      sql`select count(*)::int as n from due_items where clock_id = ${clock.id} and kind = 'billing.renew'`,
    );
    if (n?.n !== count) throw new Error(`seeded ${n?.n} renewals, wanted ${count}`);
    log(
      `  seeded ${count} Live monthly subscriptions (template ${subscription.id}) in ${seconds(started).toFixed(2)} s`,
    );
    return { clockId: clock.id, orderInvoiceId: invoice.id };
  } finally {
    await app.close();
  }
}

async function renew(store: Store, seeded: Seeded, count: number, batchSize: number) {
  const app = await appOn(await store.open());
  try {
    const started = performance.now();
    const { fired, firedByKind } = await app.testClocks.advance(seeded.clockId, ADVANCE_TO, { batchSize });
    const elapsed = seconds(started);
    if (fired < count) throw new Error(`the advance fired ${fired} due items, fewer than ${count}`);
    const kinds = await app.db.rows<{ type: string; n: number }>(
      sql`select type, count(*)::int as n from events where occurred_at >= '2026-04-01T22:00:00Z' group by type order by type`,
    );
    const [check] = await app.db.rows<{
      invoices: number;
      xml: number;
      numbers: number;
      last: string;
      paid: number;
      mails: number;
    }>(sql`
      select
        (select count(*)::int from invoices where issue_date = '2026-04-02' and status = 'paid') as invoices,
        (select count(*)::int from invoices where issue_date = '2026-04-02' and ksef_xml like '<?xml%') as xml,
        (select count(distinct number)::int from invoices where issue_date = '2026-04-02') as numbers,
        (select max(number) from invoices where issue_date = '2026-04-02' and length(number) = (select max(length(number)) from invoices where issue_date = '2026-04-02')) as last,
        (select count(*)::int from payments where idempotency_key like 'renew:%' and status = 'succeeded') as paid,
        (select count(*)::int from outbox where template = 'billing.invoice_issued') as mails`);
    const lastNumber = `TEST/FV/2026/04/${String(count).padStart(4, '0')}`;
    if (
      check?.invoices !== count ||
      check.xml !== count ||
      check.numbers !== count ||
      check.paid !== count ||
      check.last !== lastNumber
    )
      throw new Error(`after the advance: ${JSON.stringify(check)}, wanted ${count} up to ${lastNumber}`);
    return {
      seconds: elapsed,
      invoicesPerSecond: count / elapsed,
      fired,
      firedByKind: Object.entries(firedByKind)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', '),
      events: kinds.map((k) => `${k.type} ${k.n}`).join(', '),
    };
  } finally {
    await app.close();
  }
}

async function rawInsert(store: Store, seeded: Seeded, count: number) {
  const db = await store.open();
  try {
    const started = performance.now();
    const inserted = await db.rows<{ id: string }>(
      sql.raw(`
      with t as materialized (select * from invoices where id = '${seeded.orderInvoiceId}')
      insert into invoices
      select r.* from t, generate_series(1, ${count}) g,
        lateral jsonb_populate_record(null::invoices, to_jsonb(t) || jsonb_build_object(
          'id', 'inv_RAW' || lpad(g::text, 23, '0'), 'series', 'RAW/2026/04',
          'number', 'RAW/FV/2026/04/' || lpad(g::text, 6, '0'), 'issue_date', '2026-04-02')) r
      returning id`),
    );
    const elapsed = seconds(started);
    if (inserted.length !== count) throw new Error(`inserted ${inserted.length} invoices, not ${count}`);
    return { seconds: elapsed, rowsPerSecond: count / elapsed };
  } finally {
    await db.close();
  }
}

export type RenewalFigures = {
  engine: Engine;
  subscriptions: number;
  batchSize: number;
  rawInsert: { seconds: number; rowsPerSecond: number };
  renewals: {
    seconds: number;
    invoicesPerSecond: number;
    fired: number;
    firedByKind: string;
    events: string;
  };
  ratio: number;
};

export async function benchRenewals(options: {
  engine: Engine;
  subscriptions: number;
  batchSize: number;
  databaseUrl?: string;
  log?: (line: string) => void;
}): Promise<RenewalFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const serverUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_URL;
  const count = options.subscriptions;
  log(
    `${options.engine === 'pglite' ? 'PGlite (embedded, data folder in the temp dir)' : `PostgreSQL ${serverUrl.replace(/\/\/[^@]*@/, '//')}`}: ` +
      `${count} subscriptions, batches of ${options.batchSize} (load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}, ${availableParallelism()} cores)`,
  );
  const template = await newStore(options.engine, serverUrl);
  try {
    const seeded = await seed(template, count, log);

    const rawStore = await template.copy();
    let raw: RenewalFigures['rawInsert'];
    try {
      raw = await rawInsert(rawStore, seeded, count);
    } finally {
      await rawStore.drop();
    }
    log(
      `  raw INSERT of ${count} invoice rows (document and FA(3) XML copied): ${raw.seconds.toFixed(2)} s, ${raw.rowsPerSecond.toFixed(0)} rows/s`,
    );

    const store = await template.copy();
    let renewals: RenewalFigures['renewals'];
    try {
      // For profiling on the server: BENCH_LOG_MS=20 logs the renewal run's statements slower than 20 ms to
      // the PostgreSQL server's log (log_min_duration_statement, set on the run's own database only).
      if (store.engine === 'postgres' && process.env.BENCH_LOG_MS)
        await admin(serverUrl, (c) =>
          c.query(
            `alter database ${store.name} set log_min_duration_statement = ${Number(process.env.BENCH_LOG_MS)}`,
          ),
        );
      renewals = await renew(store, seeded, count, options.batchSize);
    } finally {
      await store.drop();
    }
    const ratio = renewals.invoicesPerSecond / raw.rowsPerSecond;
    log(
      `  renewals (charge, paid invoice with FA(3) XML, period, events, mail, next renewal): ` +
        `${renewals.seconds.toFixed(2)} s, ${renewals.invoicesPerSecond.toFixed(0)} invoices/s, ` +
        `ratio to the raw INSERT ${ratio.toFixed(3)} (1 : ${(1 / ratio).toFixed(0)})`,
    );
    log(`  the advance fired ${renewals.fired} due items (${renewals.firedByKind})`);
    log(`  events written: ${renewals.events}`);
    return {
      engine: options.engine,
      subscriptions: count,
      batchSize: options.batchSize,
      rawInsert: raw,
      renewals,
      ratio,
    };
  } finally {
    await template.drop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      pglite: { type: 'boolean' },
      pg: { type: 'boolean' },
      subscriptions: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '500' },
    },
  });
  const engines: Engine[] =
    values.pglite || values.pg
      ? [...(values.pglite ? ['pglite' as const] : []), ...(values.pg ? ['postgres' as const] : [])]
      : ['pglite', 'postgres'];
  const subscriptions = Number(process.env.BENCH_N ?? values.subscriptions);
  const started = performance.now();
  const figures: RenewalFigures[] = [];
  for (const engine of engines)
    figures.push(await benchRenewals({ engine, subscriptions, batchSize: Number(values.batch) }));
  // Side by side: what the renewals achieve against the raw INSERT of the same rows, per engine.
  console.log(
    `\n| engine     | N       | raw INSERT rows/s | renewals invoices/s | ratio          |\n` +
      `| ---------- | ------: | ----------------: | ------------------: | -------------: |`,
  );
  for (const f of figures)
    console.log(
      `| ${(f.engine === 'pglite' ? 'PGlite' : 'PostgreSQL').padEnd(10)} | ${String(f.subscriptions).padStart(7)} | ` +
        `${f.rawInsert.rowsPerSecond.toFixed(0).padStart(17)} | ${f.renewals.invoicesPerSecond.toFixed(0).padStart(19)} | ` +
        `${`${f.ratio.toFixed(3)} (1 : ${(1 / f.ratio).toFixed(0)})`.padEnd(14)} |`,
    );
  console.log(
    `\nwhole run ${seconds(started).toFixed(0)} s; load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
