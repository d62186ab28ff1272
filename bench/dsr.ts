/**
 * Entrusted data at scale: one customer's 1,000,000 contacts exported as CSV, and one data subject erased
 * (by e-mail) from that store.
 *
 *   node --max-semi-space-size=16 --expose-gc bench/dsr.ts [--pglite] [--pg] [--contacts 1000000] [--activity 2] [--erasures 50] [--profile PREFIX]
 *
 * Without --pglite or --pg both engines run. PostgreSQL is the server in DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test); the benchmark creates its own database there and drops it.
 * PGlite runs in a temporary folder that is removed afterwards; a child process (`--init-pglite DIR`) creates
 * and migrates it, as a server opens an existing folder (initdb in this process would keep ~100 MB of RSS).
 *
 * Per engine: one account registers through the API (quanda preset, real clock); its contacts are seeded in
 * bulk SQL (generate_series: names with Polish diacritics, e-mail, phone, work address, one custom field)
 * with `--activity` activity rows each (campaign deliveries and opens), then `vacuum analyze`.
 *  - Export: `GET /v1/accounts/:id/entrusted/export?format=csv` on a real socket (the app listens on
 *    127.0.0.1), read by an HTTP client in the same process that counts the lines. On PostgreSQL the
 *    route streams one COPY … TO STDOUT (FORMAT csv); on PGlite keyset pages of 5,000 rows, each read only
 *    when the socket has taken the previous one (back-pressure), so memory stays flat. Run node with
 *    --max-semi-space-size=16 (bench/README.md: V8's young generation otherwise holds ~130 MB). Printed: the RSS before and after seeding, rows/s and the process's peak RSS
 *    during the export, sampled every 20 ms (server and client together; target ≥ 200,000 rows/s and
 *    < 300 MB). `--profile PREFIX` writes a CPU profile of the export over HTTP.
 *  - Erasure: `--erasures` data subjects picked at random, each erased through the use case the API calls
 *    (`executeContactRequest`, kind erasure, by e-mail: find the contacts, delete their activity and
 *    them, record the request and its hash-chained event, in one transaction). Printed: median and p99 in
 *    ms (target < 50 ms), and a check that each subject is gone with its activity.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { systemClock } from '../src/platform/clock.ts';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { loadPreset } from '../src/policy/index.ts';
import { aRegistration } from '../test/helpers/app.ts';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type Engine = 'pglite' | 'postgres';

export type DsrFigures = {
  engine: Engine;
  contacts: number;
  activities: number;
  seedSeconds: number;
  /** RSS with the app built and the database open, before seeding; and after seeding (after gc). */
  rssMb: { beforeSeed: number; afterSeed: number };
  export: {
    rows: number;
    seconds: number;
    rowsPerSecond: number;
    megabytes: number;
    peakRssMb: number;
    baseRssMb: number;
  };
  erasure: { count: number; medianMs: number; p99Ms: number; maxMs: number };
  targets: { exportRate: boolean; exportRss: boolean; erasure: boolean };
};

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database for one run, and how to drop it afterwards. */
async function freshDatabase(
  engine: Engine,
  serverUrl: string,
): Promise<{ db: Database; drop: () => Promise<void> }> {
  if (engine === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'klauzula-bench-dsr-'));
    // Created and migrated by a child process: a server opens an existing data folder, and PGlite's initdb
    // (a second WASM module, run once per folder) would leave ~100 MB in this process's RSS for good.
    execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--init-pglite', dir], {
      stdio: 'inherit',
    });
    const db = await openDatabase({ dataDir: dir });
    return { db, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const name = `klz_bench_${randomBytes(5).toString('hex')}`;
  await admin(serverUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString() });
  return {
    db,
    drop: () =>
      admin(serverUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

const FIRST = ['Łukasz', 'Zofia', 'Anna', 'Grzegorz', 'Małgorzata', 'Jan', 'Żaneta', 'Ścibor'];
const LAST = ['Gęślak', 'Nowak', 'Kowalski', 'Wiśniewska', 'Źdźbło', 'Żółć', 'Dąbrowski', 'Lewandowska'];
const CITIES = ['Łódź', 'Kraków', 'Gdańsk', 'Poznań', 'Wrocław', 'Bielsko-Biała', 'Zielona Góra', 'Toruń'];

const sqlList = (values: string[]) => `array[${values.map((v) => `'${v}'`).join(',')}]`;
const fold = (v: string) =>
  v.toLocaleLowerCase('pl').replaceAll('ł', 'l').normalize('NFD').replace(/\p{M}/gu, '');

/** `n` contacts of one account with `activity` rows each, in bulk SQL; the ids sort in seeding order. */
export async function seedContacts(
  db: Database,
  accountId: string,
  n: number,
  activity: number,
): Promise<void> {
  const chunk = 200_000;
  for (let from = 1; from <= n; from += chunk) {
    const to = Math.min(n, from + chunk - 1);
    await db.q.execute(
      sql.raw(`
      insert into entrusted_contacts (account_id, id, category, title, first_name, last_name, position, company,
        email, phone, work_street, work_postal_code, work_city, work_country, custom,
        email_norm, first_norm, last_norm, phone_norm, created_at, updated_at)
      select '${accountId}', 'ctc_' || lpad(g::text, 26, '0'), 'customer_content',
        case when g % 2 = 0 then 'Pani' else 'Pan' end,
        (${sqlList(FIRST)})[1 + g % ${FIRST.length}],
        (${sqlList(LAST)})[1 + (g / 8) % ${LAST.length}] || '-' || g,
        'Specjalista, "ds. sprzedaży"',
        'Firma ' || (g % 5000) || ' sp. z o.o.',
        'osoba' || g || '@example.pl',
        '+48 6' || lpad((g % 100000000)::text, 8, '0'),
        'ul. Długa ' || (g % 200),
        lpad((g % 100)::text, 2, '0') || '-' || lpad((g % 1000)::text, 3, '0'),
        (${sqlList(CITIES)})[1 + g % ${CITIES.length}],
        'PL',
        jsonb_build_object('shoe_size', (35 + g % 12)::text),
        'osoba' || g || '@example.pl',
        (${sqlList(FIRST.map(fold))})[1 + g % ${FIRST.length}],
        (${sqlList(LAST.map(fold))})[1 + (g / 8) % ${LAST.length}] || '-' || g,
        '486' || lpad((g % 100000000)::text, 8, '0'),
        now(), now()
      from generate_series(${from}, ${to}) g`),
    );
    if (activity > 0)
      await db.q.execute(
        sql.raw(`
        insert into entrusted_activity (account_id, contact_id, id, kind, category, ref, occurred_at, data)
        select '${accountId}', 'ctc_' || lpad(g::text, 26, '0'), 'act_' || lpad(g::text, 24, '0') || lpad(k::text, 2, '0'),
          case when k % 2 = 1 then 'campaign_delivery' else 'campaign_open' end, 'recipient_activity',
          'cmp_' || (k + 1) / 2, timestamptz '2026-01-05 10:00+01' + (k || ' hours')::interval, '{}'::jsonb
        from generate_series(${from}, ${to}) g, generate_series(1, ${activity}) k`),
      );
  }
  await db.q.execute(sql`insert into entrusted_custom_fields (account_id, key, created_at, created_by)
    values (${accountId}, 'shoe_size', now(), 'system')`);
  await db.q.execute(sql`vacuum analyze`);
}

/** A CPU profile of this process (Chrome DevTools format) over the export only, not the seeding. */
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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Reads the export over HTTP, counting lines and bytes; the app's server runs in this process. */
function readExport(port: number, path: string, cookie: string): Promise<{ lines: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { cookie } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`export answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let lines = 0;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        let i = chunk.indexOf(10);
        while (i !== -1) {
          lines++;
          i = chunk.indexOf(10, i + 1);
        }
      });
      res.on('end', () => resolve({ lines, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function benchDsr(options: {
  engine: Engine;
  contacts: number;
  activity: number;
  erasures: number;
  serverUrl?: string;
  /** Write a CPU profile of the export over HTTP to `<profile>-<engine>.cpuprofile`. */
  profile?: string;
  log?: (line: string) => void;
}): Promise<DsrFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const serverUrl = options.serverUrl ?? process.env.DATABASE_URL ?? DEFAULT_URL;
  log(
    `## ${options.engine}: ${options.contacts.toLocaleString('en')} contacts × ${options.activity} activity ` +
      `(load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
  );
  const { db, drop } = await freshDatabase(options.engine, serverUrl);
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  try {
    await db.migrate();
    app = await buildApp({
      policy: loadPreset('quanda'),
      database: db,
      portalUrl: 'https://app.klauzula.test',
      logLevel: 'warn',
      clock: systemClock,
      argon2: { memoryCost: 4096, timeCost: 1 },
    });
    const { key } = await app.accounts.createApiKey({ name: 'bench', scopes: ['accounts'] });
    const registered = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: { authorization: `Bearer ${key}` },
      payload: aRegistration(app.current().policy),
    });
    if (registered.statusCode !== 201) throw new Error(`registration failed: ${registered.body}`);
    const { accountId } = registered.json() as { accountId: string };
    // The customer exports its own contacts: no operator key reads entrusted data (operator-scopes.ts).
    // Quanda asks for activation by the mailed link first; then the owner logs in.
    const email = 'anna@roza.example';
    const activation = (await app.outbox.list({ recipient: email })).find(
      (m) => m.template === 'account.activation',
    );
    const token = activation?.body.text.match(/\/activate\?token=([\w-]+)/)?.[1];
    if (token) {
      const activated = await app.http.inject({ method: 'POST', url: '/v1/activations', payload: { token } });
      if (activated.statusCode !== 200) throw new Error(`activation failed: ${activated.body}`);
    }
    const loggedIn = await app.http.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { email, password: 'correct horse battery' },
    });
    const setCookie = [loggedIn.headers['set-cookie'] ?? registered.headers['set-cookie'] ?? []].flat();
    const session = setCookie.find((c) => c.startsWith('klz_session='))?.split(';')[0];
    if (!session) throw new Error(`no session cookie: ${loggedIn.statusCode} ${loggedIn.body}`);

    global.gc?.();
    const rssBeforeSeed = process.memoryUsage.rss() / 1024 / 1024;
    let started = performance.now();
    await seedContacts(db, accountId, options.contacts, options.activity);
    const seedSeconds = (performance.now() - started) / 1000;
    global.gc?.();
    const rssAfterSeed = process.memoryUsage.rss() / 1024 / 1024;
    log(
      `seeded in ${seedSeconds.toFixed(1)} s; RSS ${rssBeforeSeed.toFixed(0)} MB before seeding (app built, ` +
        `database open), ${rssAfterSeed.toFixed(0)} MB after`,
    );

    // The export's pages alone, without HTTP.
    started = performance.now();
    let direct = 0;
    for await (const chunk of app.entrusted.exportContactsCsv(accountId)) direct += chunk.length;
    const directSeconds = (performance.now() - started) / 1000;
    log(
      `export pages without HTTP: ${(options.contacts / directSeconds).toFixed(0)} rows/s (${direct} chars)`,
    );

    // Export over a real socket.
    await app.http.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.http.server.address() as AddressInfo).port;
    global.gc?.();
    const baseRss = process.memoryUsage.rss();
    let peakRss = baseRss;
    const profiler = options.profile ? await startProfiler() : null;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 20);
    started = performance.now();
    const read = await readExport(port, `/v1/accounts/${accountId}/entrusted/export?format=csv`, session);
    const exportSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    if (profiler) await profiler.stop(`${options.profile}-${options.engine}.cpuprofile`);
    const rows = read.lines - 1;
    if (rows !== options.contacts)
      throw new Error(`the export had ${rows} rows, expected ${options.contacts}`);
    const exportFigures = {
      rows,
      seconds: exportSeconds,
      rowsPerSecond: rows / exportSeconds,
      megabytes: read.bytes / 1024 / 1024,
      peakRssMb: peakRss / 1024 / 1024,
      baseRssMb: baseRss / 1024 / 1024,
    };
    log(
      `export: ${rows.toLocaleString('en')} rows (${exportFigures.megabytes.toFixed(0)} MB) in ${exportSeconds.toFixed(2)} s = ` +
        `${exportFigures.rowsPerSecond.toFixed(0)} rows/s; RSS ${exportFigures.baseRssMb.toFixed(0)} MB before, ` +
        `peak ${exportFigures.peakRssMb.toFixed(0)} MB during`,
    );

    // Erasures of random data subjects by e-mail.
    const picked = new Set<number>();
    while (picked.size < options.erasures) picked.add(1 + Math.floor(Math.random() * options.contacts));
    const times: number[] = [];
    for (const n of picked) {
      const t0 = performance.now();
      const result = await app.entrusted.executeContactRequest({
        accountId,
        kind: 'erasure',
        subject: { email: `osoba${n}@example.pl` },
        actor: 'system',
      });
      times.push(performance.now() - t0);
      if (result.contacts !== 1 || result.activities !== options.activity)
        throw new Error(
          `erasure of subject ${n}: ${result.contacts} contacts, ${result.activities} activities`,
        );
    }
    const [left] = await db.rows<{ contacts: number; activities: number }>(sql`
      select (select count(*) from entrusted_contacts where account_id = ${accountId})::int as contacts,
             (select count(*) from entrusted_activity where account_id = ${accountId})::int as activities`);
    if (left!.contacts !== options.contacts - options.erasures)
      throw new Error(`${left!.contacts} contacts left after ${options.erasures} erasures`);
    const sorted = [...times].sort((a, b) => a - b);
    const erasure = {
      count: times.length,
      medianMs: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1)!,
    };
    log(
      `erasure by e-mail: ${erasure.count} subjects, median ${erasure.medianMs.toFixed(1)} ms, ` +
        `p99 ${erasure.p99Ms.toFixed(1)} ms, max ${erasure.maxMs.toFixed(1)} ms ` +
        `(${left!.contacts.toLocaleString('en')} contacts and ${left!.activities.toLocaleString('en')} activity rows left)`,
    );
    const figures: DsrFigures = {
      engine: options.engine,
      contacts: options.contacts,
      activities: options.contacts * options.activity,
      seedSeconds,
      rssMb: { beforeSeed: rssBeforeSeed, afterSeed: rssAfterSeed },
      export: exportFigures,
      erasure,
      targets: {
        exportRate: exportFigures.rowsPerSecond >= 200_000,
        exportRss: exportFigures.peakRssMb < 300,
        erasure: erasure.p99Ms < 50,
      },
    };
    log(
      `targets: export ≥ 200,000 rows/s ${figures.targets.exportRate ? 'met' : 'NOT met'}; peak RSS < 300 MB ` +
        `${figures.targets.exportRss ? 'met' : 'NOT met'}; erasure p99 < 50 ms ${figures.targets.erasure ? 'met' : 'NOT met'}`,
    );
    return figures;
  } finally {
    if (app) await app.close();
    else await db.close();
    await drop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      pglite: { type: 'boolean' },
      pg: { type: 'boolean' },
      contacts: { type: 'string', default: '1000000' },
      activity: { type: 'string', default: '2' },
      erasures: { type: 'string', default: '50' },
      profile: { type: 'string' },
      'init-pglite': { type: 'string' },
    },
  });
  if (values['init-pglite']) {
    const db = await openDatabase({ dataDir: values['init-pglite'] });
    await db.migrate();
    await db.close();
    process.exit(0);
  }
  const engines: Engine[] =
    values.pglite || values.pg
      ? [...(values.pglite ? ['pglite' as const] : []), ...(values.pg ? ['postgres' as const] : [])]
      : ['pglite', 'postgres'];
  for (const engine of engines)
    await benchDsr({
      engine,
      contacts: Number(values.contacts),
      activity: Number(values.activity),
      erasures: Number(values.erasures),
      ...(values.profile ? { profile: values.profile } : {}),
    });
}
