/**
 * Throughput and latency of GET /v1/accounts/:id/entitlements (the call the operator's product makes on
 * every request), against a bare Fastify 5 route on the same machine, with the same load.
 *
 *   node bench/entitlements.ts [--preset quanda|clickmeeting] [--connections 50] [--duration 10] [--warmup 3]
 *                              [--rounds 3] [--only entitlements]
 *
 * The real app (embedded PGlite in a temporary folder, its worker running, log level `warn`) and the bare
 * server listen in this process on 127.0.0.1; the load generator (autocannon) runs in a child process,
 * one target after the other, so it never shares this event loop. The pair runs `--rounds` times and the
 * round with the median throughput ratio is reported, since other work on the machine moves single runs.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { buildApp } from '../src/app.ts';
import { PRODUCT_SCOPES } from '../src/platform/http/operator-scopes.ts';
import { loadPreset } from '../src/policy/index.ts';
import { aRegistration } from '../test/helpers/app.ts';

export type LoadResult = {
  requestsPerSecond: number;
  total: number;
  latency: { average: number; p50: number; p90: number; p97_5: number; p99: number; max: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
};

export type EntitlementsFigures = {
  preset: string;
  connections: number;
  duration: number;
  /** The round whose throughput ratio is the median of all rounds. */
  entitlements: Measured;
  bare: Measured;
  ratio: number;
  targets: { ratio: boolean; p99: boolean };
  rounds: { entitlements: number; bare: number; ratio: number; entitlementsP99: number }[];
};

type Measured = LoadResult & { serverCpuPerRequestUs: number };

const loadScript = new URL('./load.ts', import.meta.url).pathname;

/** Runs autocannon in a child process and returns its figures. */
export function load(options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [loadScript, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch (error) {
        reject(error);
      }
    });
  });
}

export async function benchEntitlements(options: {
  preset: string;
  connections: number;
  duration: number;
  warmup: number;
  /** Rounds of (entitlements, bare), one after the other; the figures are the median round's. */
  rounds: number;
  /** Only the entitlements route (for profiling the app with --cpu-prof). */
  only?: 'entitlements';
  log?: (line: string) => void;
}): Promise<EntitlementsFigures | null> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = await mkdtemp(join(tmpdir(), 'klauzula-bench-'));
  const app = await buildApp({
    policy: loadPreset(options.preset),
    dataDir,
    portalUrl: 'https://app.klauzula.test',
    logLevel: 'warn',
  });
  const bare = Fastify();
  bare.get('/bare', async () => ({ hello: 'world' }));
  try {
    await app.http.listen({ host: '127.0.0.1', port: 0 });
    app.worker.start();
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const appUrl = `http://127.0.0.1:${(app.http.server.address() as AddressInfo).port}`;
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/bare`;

    const registered = await fetch(`${appUrl}/v1/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(aRegistration(app.current().policy)),
    });
    if (registered.status !== 201) throw new Error(`registration failed: ${await registered.text()}`);
    const { accountId } = (await registered.json()) as { accountId: string };
    const { key } = await app.accounts.createApiKey({ name: 'bench', scopes: PRODUCT_SCOPES });
    const headers = { authorization: `Bearer ${key}` };
    const entitlementsUrl = `${appUrl}/v1/accounts/${accountId}/entitlements`;
    const probe = await fetch(entitlementsUrl, { headers });
    if (probe.status !== 200) throw new Error(`entitlements failed: ${await probe.text()}`);
    log(`entitlements of ${accountId} (${options.preset}): ${await probe.text()}`);

    const run = async (name: string, url: string, h?: Record<string, string>) => {
      const common = { url, connections: options.connections, ...(h ? { headers: h } : {}) };
      if (options.warmup > 0) await load({ ...common, duration: options.warmup });
      const cpu = process.cpuUsage();
      const loaded = await load({ ...common, duration: options.duration });
      const used = process.cpuUsage(cpu);
      const result = { ...loaded, serverCpuPerRequestUs: (used.user + used.system) / loaded.total };
      log(
        `${name.padEnd(13)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  ` +
          `p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  max ${result.latency.max} ms  ` +
          `server CPU ${result.serverCpuPerRequestUs.toFixed(1)} µs/request  ` +
          `(${result.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors)`,
      );
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: failed requests`);
      return result;
    };
    log(
      `autocannon in a child process: ${options.connections} connections, ${options.warmup} s warm-up, ` +
        `${options.duration} s measured, per target, ${options.rounds} round(s) (load average before: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}, ${availableParallelism()} cores)`,
    );
    const rounds: { entitlements: Measured; bare: Measured; ratio: number }[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const entitlements = await run('entitlements', entitlementsUrl, headers);
      if (options.only === 'entitlements') continue;
      const bareResult = await run('bare Fastify', bareUrl);
      const ratio = entitlements.requestsPerSecond / bareResult.requestsPerSecond;
      rounds.push({ entitlements, bare: bareResult, ratio });
      log(`round ${round}: throughput ratio entitlements / bare = ${ratio.toFixed(2)}`);
    }
    if (options.only === 'entitlements') return null;
    // The machine's other work moves single runs a lot; the round with the median ratio stands for all.
    const median = [...rounds].sort((x, y) => x.ratio - y.ratio)[Math.floor((rounds.length - 1) / 2)]!;
    const targets = { ratio: median.ratio >= 0.7, p99: median.entitlements.latency.p99 < 5 };
    log(
      `${rounds.length > 1 ? 'median round: ' : ''}entitlements ${median.entitlements.requestsPerSecond.toFixed(0)} req/s, ` +
        `bare ${median.bare.requestsPerSecond.toFixed(0)} req/s: ratio ${median.ratio.toFixed(2)} ` +
        `(target ≥ 0.70: ${targets.ratio ? 'met' : 'NOT met'}); entitlements p99 ${median.entitlements.latency.p99} ms ` +
        `(target < 5 ms: ${targets.p99 ? 'met' : 'NOT met'})`,
    );
    return {
      preset: options.preset,
      connections: options.connections,
      duration: options.duration,
      entitlements: median.entitlements,
      bare: median.bare,
      ratio: median.ratio,
      targets,
      rounds: rounds.map((r) => ({
        entitlements: r.entitlements.requestsPerSecond,
        bare: r.bare.requestsPerSecond,
        ratio: r.ratio,
        entitlementsP99: r.entitlements.latency.p99,
      })),
    };
  } finally {
    await bare.close();
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'quanda' },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      only: { type: 'string' },
    },
  });
  await benchEntitlements({
    preset: values.preset,
    connections: Number(values.connections),
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    rounds: Number(values.rounds),
    ...(values.only === 'entitlements' ? { only: 'entitlements' as const } : {}),
  });
}
