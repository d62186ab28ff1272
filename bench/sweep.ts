/**
 * How fast a test clock's advance ends 100,000 trials, against a bare SQL UPDATE of the same rows.
 *
 *   node bench/sweep.ts [--pglite] [--pg] [--accounts 100000] [--batch 500,1000,2000] [--no-verify]
 *                       [--profile PATH_PREFIX]
 *
 * Without --pglite or --pg both engines run. PostgreSQL is the server in DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test); the benchmark creates its own databases there and drops them.
 *
 * Per engine: one account is registered through the API on a test clock at 2026-03-02 10:00 (Prague), then
 * cloned in bulk SQL (generate_series) into `--accounts` accounts in trial with the rows registration
 * writes for the sweep to read: accounts, users (the owner), account_states, the lifecycle.trial_end due item
 * with the trial's end, and each account's hash chain (account.registered, account.life_started). Every
 * measurement runs on its own fresh copy of that data (a template database, or a copy of PGlite's folder):
 *  - `testClocks.advance(clock, 2026-03-20)`: claims the due items batch by batch and, per batch, changes
 *    the states, appends the hash-chained events, renders and enqueues the "trial ended" mails and sends
 *    the NOTIFYs, each batch in one transaction;
 *  - a bare `UPDATE account_states SET state = 'trial_ended', plan_code = 'trial_ended'` of the same rows;
 *  - then checks that every account changed state and that `eventLog.verify()` finds the log intact.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { systemClock } from '../src/platform/clock.ts';
import { jsonRows } from '../src/platform/db/bulk.ts';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { hashEvent, type StoredEvent } from '../src/platform/evidence/event-log.ts';
import { PRODUCT_SCOPES } from '../src/platform/http/operator-scopes.ts';
import { loadPreset } from '../src/policy/index.ts';
import { aRegistration } from '../test/helpers/app.ts';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REGISTERED_AT = new Date('2026-03-02T10:00:00+01:00');
const ADVANCE_TO = new Date('2026-03-20T10:00:00+01:00');
const GENESIS = '0'.repeat(64);
const PORTAL = 'https://app.klauzula.test';

export type Engine = 'pglite' | 'postgres';

/** A database holding one copy of the benchmark's data. */
type Store = {
  engine: Engine;
  open(): Promise<Database>;
  /** A fresh copy of the data (the store must be closed). */
  copy(): Promise<Store>;
  drop(): Promise<void>;
};

function pgliteStore(dir: string): Store {
  return {
    engine: 'pglite',
    open: () => openDatabase({ dataDir: dir }),
    copy: async () => {
      const to = await mkdtemp(join(tmpdir(), 'klauzula-bench-sweep-'));
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
  if (engine === 'pglite') return pgliteStore(await mkdtemp(join(tmpdir(), 'klauzula-bench-sweep-')));
  const name = `klz_bench_${randomBytes(5).toString('hex')}`;
  await admin(serverUrl, (c) => c.query(`create database ${name}`));
  return postgresStore(serverUrl, name);
}

function appOn(database: Database) {
  return buildApp({
    policy: loadPreset('quanda'),
    database,
    portalUrl: PORTAL,
    logLevel: 'warn',
    clock: systemClock,
    argon2: { memoryCost: 4096, timeCost: 1 },
  });
}

const accountId = (n: number) => `acc_BENCH${String(n).padStart(21, '0')}`;
const userId = (n: number) => `usr_BENCH${String(n).padStart(21, '0')}`;
const eventId = (n: number, seq: number) =>
  `evt_BENCH${String(n).padStart(18, '0')}${String(seq).padStart(3, '0')}`;

/**
 * Registers one account through the API on a new test clock and clones it into `count` accounts in trial.
 * Returns the clock's id.
 */
async function seed(store: Store, count: number, log: (line: string) => void): Promise<string> {
  const started = performance.now();
  const db = await store.open();
  await db.migrate();
  const app = await appOn(db);
  try {
    const clock = await app.testClocks.create({ name: 'bench', frozenTime: REGISTERED_AT });
    const { key } = await app.accounts.createApiKey({ name: 'bench', scopes: PRODUCT_SCOPES });
    const registered = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: { authorization: `Bearer ${key}` },
      payload: aRegistration(app.current().policy, { testClockId: clock.id }),
    });
    if (registered.statusCode !== 201) throw new Error(`registration failed: ${registered.body}`);
    const template = registered.json() as { accountId: string; userId: string; state: string };
    if (template.state !== 'trial') throw new Error(`the registered account is in ${template.state}`);

    // Row by row copies of the template's rows, with new ids: whatever registration writes there.
    const clone = (table: string, key: string, overrides: string) =>
      db.q.execute(
        sql.raw(`
        with t as materialized (select * from ${table} where ${key} = '${template.accountId}')
        insert into ${table}
        select r.* from t, generate_series(2, ${count}) g,
          lateral jsonb_populate_record(null::${table}, to_jsonb(t) || jsonb_build_object(${overrides})) r`),
      );
    const acc = `'acc_BENCH' || lpad(g::text, 21, '0')`;
    const usr = `'usr_BENCH' || lpad(g::text, 21, '0')`;
    await db.transaction(async () => {
      await clone(
        'accounts',
        'id',
        `'id', ${acc},
         'company_name', t.company_name || ' ' || g, 'locale', case when g % 4 = 0 then 'en' else t.locale end`,
      );
      await clone(
        'users',
        'account_id',
        `'id', ${usr}, 'account_id', ${acc}, 'email', 'owner' || g || '@bench.example'`,
      );
      await clone('account_states', 'account_id', `'account_id', ${acc}`);
      await clone('due_items', 'account_id', `'account_id', ${acc}`);
    });

    // Each clone's hash chain: the template's events with the clone's ids, hashed again.
    const events = await app.eventLog.list(template.accountId);
    for (let from = 2; from <= count; from += 5000) {
      const stored: StoredEvent[] = [];
      const heads: { chainId: string; seq: number; hash: string }[] = [];
      for (let n = from; n < Math.min(from + 5000, count + 1); n++) {
        let prevHash = GENESIS;
        for (const e of events) {
          const partial = {
            ...e,
            chainId: accountId(n),
            id: eventId(n, e.seq),
            actor: e.actor.replace(template.userId, userId(n)),
            prevHash,
          };
          const { hash: _old, ...rest } = partial;
          const event = { ...rest, hash: hashEvent(rest) };
          stored.push(event);
          prevHash = event.hash;
        }
        heads.push({ chainId: accountId(n), seq: events.at(-1)!.seq, hash: prevHash });
      }
      await db.transaction(async () => {
        await db.q.execute(sql`
          insert into events (chain_id, seq, id, occurred_at, recorded_at, type, clause, actor, cause, data, prev_hash, hash)
          select "chainId", seq, id, "occurredAt", "recordedAt", type, clause, actor, cause, data, "prevHash", hash
          from jsonb_to_recordset(${jsonRows(stored)}) as x(
            "chainId" text, seq int, id text, "occurredAt" timestamptz, "recordedAt" timestamptz, type text,
            clause text, actor text, cause text, data jsonb, "prevHash" text, hash text)`);
        await db.q.execute(sql`
          insert into chain_heads (chain_id, seq, hash)
          select "chainId", seq, hash from jsonb_to_recordset(${jsonRows(heads)}) as x("chainId" text, seq int, hash text)`);
      });
    }
    await db.q.execute(sql`vacuum analyze`);
    const [n] = await db.rows<{ n: number }>(
      sql`select count(*)::int as n from due_items where clock_id = ${clock.id} and kind = 'lifecycle.trial_end'`,
    );
    if (n?.n !== count) throw new Error(`seeded ${n?.n} trials, wanted ${count}`);
    log(
      `  seeded ${count} accounts in trial on clock ${clock.id} in ${seconds(started)} s ` +
        `(${events.length} events each)`,
    );
    return clock.id;
  } finally {
    await app.close();
  }
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2);
}

export type SweepFigures = {
  engine: Engine;
  accounts: number;
  rawUpdate: { seconds: number; rowsPerSecond: number };
  setBasedFloor: { seconds: number; accountsPerSecond: number };
  sweeps: {
    batchSize: number;
    seconds: number;
    accountsPerSecond: number;
    ratio: number;
    verify: { seconds: number; ok: boolean; events: number } | null;
  }[];
};

async function rawUpdate(store: Store, clockId: string, count: number) {
  const db = await store.open();
  try {
    const started = performance.now();
    const updated = await db.rows<{ account_id: string }>(sql`
      update account_states set state = 'trial_ended', plan_code = 'trial_ended'
      where clock_id = ${clockId} and state = 'trial' and trial_ends_at <= ${ADVANCE_TO.toISOString()}
      returning account_id`);
    const elapsed = (performance.now() - started) / 1000;
    if (updated.length !== count) throw new Error(`the UPDATE changed ${updated.length} rows, not ${count}`);
    return { seconds: elapsed, rowsPerSecond: count / elapsed };
  } finally {
    await db.close();
  }
}

/**
 * The same writes as the advance, set-based in one transaction with no JSON parameters, hashing or mail
 * rendering (stand-in hashes and bodies of the real sizes): a floor no implementation of the advance can
 * beat on this engine, to tell the cost of the writes themselves from the cost of the code around them.
 */
async function setBasedFloor(store: Store, clockId: string, count: number) {
  const db = await store.open();
  try {
    const to = ADVANCE_TO.toISOString();
    const started = performance.now();
    await db.transaction(async () => {
      await db.q.execute(sql`
        create temp table claimed on commit drop as
        with d as (delete from due_items where clock_id = ${clockId} and due_at <= ${to} and failed_at is null
                   returning account_id, due_at)
        select * from d`);
      await db.q.execute(sql`
        select 1 from account_states where account_id in (select account_id from claimed) for update`);
      await db.q.execute(sql`
        update account_states s set state = 'trial_ended', plan_code = 'trial_ended', state_since = c.due_at,
          changed_at = c.due_at
        from claimed c where s.account_id = c.account_id`);
      await db.q.execute(sql`
        select 1 from chain_heads where chain_id in (select account_id from claimed) for update`);
      await db.q.execute(sql`
        insert into events (chain_id, seq, id, occurred_at, recorded_at, type, clause, actor, cause, data,
                            prev_hash, hash)
        select c.account_id, h.seq + 1, 'evt_FLOOR' || substr(md5(c.account_id), 1, 21), c.due_at, now(),
          'account.state_changed', 'QU-BIL-01', 'system', 'due:lifecycle.trial_end',
          '{"to":"trial_ended","from":"trial","toPlan":"trial_ended","fromPlan":"trial"}', h.hash,
          md5(c.account_id) || md5(h.hash)
        from claimed c join chain_heads h on h.chain_id = c.account_id`);
      await db.q.execute(sql`
        update chain_heads h set seq = h.seq + 1, hash = md5(h.chain_id) || md5(h.hash)
        from claimed c where h.chain_id = c.account_id`);
      await db.q.execute(sql`
        insert into outbox (id, account_id, channel, template, clause, recipient, locale, subject, body,
                            dedupe_key, next_attempt_at, occurred_at, created_at)
        select 'msg_FLOOR' || substr(md5(c.account_id), 1, 21), c.account_id, 'email', 'lifecycle.trial_ended',
          'QU-BIL-01', u.email, a.locale, 'Okres próbny w serwisie Quanda dobiegł końca',
          jsonb_build_object('text', repeat('x', 260), 'html', repeat('x', 470)),
          'lifecycle.trial_ended:' || c.account_id, now(), c.due_at, now()
        from claimed c join accounts a on a.id = c.account_id
          join users u on u.account_id = a.id and u.role = 'owner'`);
      await db.q.execute(sql`
        select pg_notify('account_changed', string_agg(account_id, ','))
        from (select account_id, (row_number() over ()) / 200 as chunk from claimed) x group by chunk`);
    });
    const elapsed = (performance.now() - started) / 1000;
    return { seconds: elapsed, accountsPerSecond: count / elapsed };
  } finally {
    await db.close();
  }
}

async function sweep(
  store: Store,
  clockId: string,
  count: number,
  batchSize: number,
  verify: boolean,
  profile: string | undefined,
) {
  const app = await appOn(await store.open());
  try {
    const profiler = profile ? await startProfiler() : null;
    const started = performance.now();
    const { fired } = await app.testClocks.advance(clockId, ADVANCE_TO, { batchSize });
    const elapsed = (performance.now() - started) / 1000;
    if (profiler && profile) await profiler.stop(profile);
    if (fired !== count) throw new Error(`the advance fired ${fired} due items, not ${count}`);
    const [check] = await app.db.rows<{ ended: number; trials: number; events: number; mails: number }>(sql`
      select
        (select count(*)::int from account_states
          where clock_id = ${clockId} and state = 'trial_ended' and plan_code = 'trial_ended') as ended,
        (select count(*)::int from account_states where clock_id = ${clockId} and state = 'trial') as trials,
        (select count(*)::int from events where type = 'account.state_changed') as events,
        (select count(*)::int from outbox where template = 'lifecycle.trial_ended') as mails`);
    if (check?.ended !== count || check.trials !== 0 || check.events !== count || check.mails !== count)
      throw new Error(`after the advance: ${JSON.stringify(check)}`);
    let report: { seconds: number; ok: boolean; events: number } | null = null;
    if (verify) {
      const verifyStarted = performance.now();
      const result = await app.eventLog.verify();
      report = { seconds: (performance.now() - verifyStarted) / 1000, ok: result.ok, events: result.events };
      if (!result.ok) throw new Error(`eventLog.verify() failed: ${result.problems.slice(0, 5).join('; ')}`);
    }
    return { seconds: elapsed, accountsPerSecond: count / elapsed, verify: report };
  } finally {
    await app.close();
  }
}

/** A CPU profile of this process (Chrome DevTools format) over the advance only, not the seeding. */
async function startProfiler() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async (file: string) => {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

export async function benchSweep(options: {
  engine: Engine;
  accounts: number;
  batchSizes: number[];
  verify: boolean;
  /** Write a CPU profile of each advance to `<profile>-<engine>-<batch>.cpuprofile`. */
  profile?: string;
  databaseUrl?: string;
  log?: (line: string) => void;
}): Promise<SweepFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const serverUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_URL;
  log(
    `${options.engine === 'pglite' ? 'PGlite (embedded, data folder in the temp dir)' : `PostgreSQL ${serverUrl.replace(/\/\/[^@]*@/, '//')}`}: ` +
      `${options.accounts} accounts (load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}, ${availableParallelism()} cores)`,
  );
  const template = await newStore(options.engine, serverUrl);
  try {
    const clockId = await seed(template, options.accounts, log);

    const rawStore = await template.copy();
    let raw: SweepFigures['rawUpdate'];
    try {
      raw = await rawUpdate(rawStore, clockId, options.accounts);
    } finally {
      await rawStore.drop();
    }
    log(
      `  bare UPDATE of the same rows: ${raw.seconds.toFixed(2)} s, ${raw.rowsPerSecond.toFixed(0)} rows/s`,
    );

    const floorStore = await template.copy();
    let floor: SweepFigures['setBasedFloor'];
    try {
      floor = await setBasedFloor(floorStore, clockId, options.accounts);
    } finally {
      await floorStore.drop();
    }
    log(
      `  set-based floor (the advance's writes as one SQL transaction): ${floor.seconds.toFixed(2)} s, ` +
        `${floor.accountsPerSecond.toFixed(0)} accounts/s, ratio to the bare UPDATE ` +
        `${(floor.accountsPerSecond / raw.rowsPerSecond).toFixed(2)}`,
    );

    const sweeps: SweepFigures['sweeps'] = [];
    for (const batchSize of options.batchSizes) {
      const store = await template.copy();
      try {
        const profile = options.profile && `${options.profile}-${options.engine}-${batchSize}.cpuprofile`;
        const result = await sweep(store, clockId, options.accounts, batchSize, options.verify, profile);
        const ratio = result.accountsPerSecond / raw.rowsPerSecond;
        sweeps.push({ batchSize, ...result, ratio });
        log(
          `  advance, batches of ${String(batchSize).padStart(4)}: ${result.seconds.toFixed(2)} s, ` +
            `${result.accountsPerSecond.toFixed(0)} accounts/s, ratio to the bare UPDATE ${ratio.toFixed(2)} ` +
            `(target ≥ 0.25: ${ratio >= 0.25 ? 'met' : 'NOT met'})` +
            (result.verify
              ? `; eventLog.verify() ok over ${result.verify.events} events in ${result.verify.seconds.toFixed(2)} s`
              : ''),
        );
      } finally {
        await store.drop();
      }
    }
    return {
      engine: options.engine,
      accounts: options.accounts,
      rawUpdate: raw,
      setBasedFloor: floor,
      sweeps,
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
      accounts: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '500,1000,2000' },
      'no-verify': { type: 'boolean' },
      profile: { type: 'string' },
    },
  });
  const engines: Engine[] =
    values.pglite || values.pg
      ? [...(values.pglite ? ['pglite' as const] : []), ...(values.pg ? ['postgres' as const] : [])]
      : ['pglite', 'postgres'];
  for (const engine of engines)
    await benchSweep({
      engine,
      accounts: Number(values.accounts),
      batchSizes: values.batch.split(',').map(Number),
      verify: !values['no-verify'],
      ...(values.profile ? { profile: values.profile } : {}),
    });
}
