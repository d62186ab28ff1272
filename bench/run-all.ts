/**
 * Runs every benchmark with its default settings and prints a summary (`npm run bench`). Takes about seven
 * minutes on two cores, plus the entrusted-data benchmark (bench/dsr.ts: seeding a million contacts takes
 * minutes per engine). Run it on an otherwise idle machine: the benchmarks share the cores with whatever
 * else runs, and the figures move with it (each prints the load average it started with).
 *
 *   node bench/run-all.ts [--pglite] [--pg]      (the sweep and the entrusted data on one engine only)
 */
import { parseArgs } from 'node:util';
import { benchDsr, type DsrFigures } from './dsr.ts';
import { benchEntitlements, type EntitlementsFigures } from './entitlements.ts';
import { benchRenewals, type RenewalFigures } from './renewals.ts';
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

const dsrs: DsrFigures[] = [];
for (const engine of engines) {
  console.log(`\n# Entrusted data: export of 1,000,000 contacts, erasure of one data subject (${engine})`);
  dsrs.push(await benchDsr({ engine, contacts: 1_000_000, activity: 2, erasures: 50 }));
}

const renewals: RenewalFigures[] = [];
const renewalCount = Number(process.env.BENCH_N ?? 100_000);
for (const engine of engines) {
  console.log(`\n# Renewals of ${renewalCount} card subscriptions with FA(3) invoices (${engine})`);
  renewals.push(await benchRenewals({ engine, subscriptions: renewalCount, batchSize: 500 }));
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
for (const d of dsrs) {
  console.log(
    `entrusted data (${d.engine}): CSV export ${d.export.rowsPerSecond.toFixed(0)} rows/s (target ≥ 200,000 ` +
      `${d.targets.exportRate ? 'met' : 'NOT met'}), peak RSS ${d.export.peakRssMb.toFixed(0)} MB (target < 300 MB ` +
      `${d.targets.exportRss ? 'met' : 'NOT met'}); erasure by e-mail median ${d.erasure.medianMs.toFixed(1)} ms, ` +
      `p99 ${d.erasure.p99Ms.toFixed(1)} ms (target < 50 ms ${d.targets.erasure ? 'met' : 'NOT met'})`,
  );
}
for (const r of renewals) {
  console.log(
    `renewals (${r.engine}): ${r.subscriptions} subscriptions, ${r.renewals.invoicesPerSecond.toFixed(0)} invoices/s ` +
      `with FA(3) XML; raw INSERT ${r.rawInsert.rowsPerSecond.toFixed(0)} rows/s; ratio ${r.ratio.toFixed(3)}`,
  );
}
