/**
 * Runs every benchmark with its default settings and prints a summary (`npm run bench`). Takes about seven
 * minutes on two cores. Run it on an otherwise idle machine: both benchmarks share the cores with whatever
 * else runs, and the figures move with it (each prints the load average it started with).
 *
 *   node bench/run-all.ts [--pglite] [--pg]      (the sweep on one engine only)
 */
import { parseArgs } from 'node:util';
import { benchEntitlements, type EntitlementsFigures } from './entitlements.ts';
import { benchSweep, type Engine, type SweepFigures } from './sweep.ts';

const { values } = parseArgs({ options: { pglite: { type: 'boolean' }, pg: { type: 'boolean' } } });
const engines: Engine[] =
  values.pglite || values.pg
    ? [...(values.pglite ? ['pglite' as const] : []), ...(values.pg ? ['postgres' as const] : [])]
    : ['pglite', 'postgres'];

console.log('# GET /v1/accounts/:id/entitlements against a bare Fastify route');
const entitlements: EntitlementsFigures | null = await benchEntitlements({
  preset: 'quanda',
  connections: 50,
  duration: 10,
  warmup: 3,
  rounds: 3,
});

const sweeps: SweepFigures[] = [];
for (const engine of engines) {
  console.log(`\n# Test clock advance over 100,000 trials (${engine})`);
  sweeps.push(await benchSweep({ engine, accounts: 100_000, batchSizes: [500, 1000, 2000], verify: true }));
}

console.log('\n# Summary');
if (entitlements) {
  const e = entitlements.entitlements;
  console.log(
    `entitlements: ${e.requestsPerSecond.toFixed(0)} req/s, p50 ${e.latency.p50} ms, p99 ${e.latency.p99} ms; ` +
      `bare Fastify ${entitlements.bare.requestsPerSecond.toFixed(0)} req/s; ratio ${entitlements.ratio.toFixed(2)} ` +
      `(target ≥ 0.70 ${entitlements.targets.ratio ? 'met' : 'NOT met'}, p99 < 5 ms ${entitlements.targets.p99 ? 'met' : 'NOT met'})`,
  );
}
for (const s of sweeps) {
  const best = s.sweeps.reduce((a, b) => (b.accountsPerSecond > a.accountsPerSecond ? b : a));
  console.log(
    `sweep (${s.engine}): bare UPDATE ${s.rawUpdate.rowsPerSecond.toFixed(0)} rows/s; set-based floor ` +
      `${s.setBasedFloor.accountsPerSecond.toFixed(0)} accounts/s (ratio ` +
      `${(s.setBasedFloor.accountsPerSecond / s.rawUpdate.rowsPerSecond).toFixed(2)}); advance ` +
      s.sweeps
        .map((r) => `${r.batchSize}: ${r.accountsPerSecond.toFixed(0)}/s (${r.ratio.toFixed(2)})`)
        .join(', ') +
      ` accounts/s; best ratio ${best.ratio.toFixed(2)} (target ≥ 0.25 ${best.ratio >= 0.25 ? 'met' : 'NOT met'})` +
      (best.verify ? `; verify ${best.verify.seconds.toFixed(1)} s over ${best.verify.events} events` : ''),
  );
}
