// The klauzula command: `start` runs the API and the worker; the rest are operator tools.
import { parseArgs } from 'node:util';
import { buildApp } from './app.ts';
import { seedDemo } from './cli/demo.ts';
import { ConfigError, readConfig } from './config.ts';
import { addIsoDuration } from './modules/test-clocks/index.ts';
import type { OperatorScope } from './platform/http/operator-scopes.ts';
import { checkPolicyFile } from './policy/index.ts';

const usage = `usage: klauzula <command>

  start [--preset NAME | --policy FILE] [--port N] [--demo]   run the API and the worker
  migrate                                                    apply database migrations
  policy check FILE                                          validate a policy file
  clock create [--name NAME] [--at ISO-TIME]                 create a test clock
  clock advance CLOCK_ID (--to ISO-TIME | --by DURATION)     advance a test clock (e.g. --by P15D)
  audit verify                                               verify the event log's hash chains
  audit checkpoint                                           checkpoint the chain heads now
  keys create NAME [--scopes a,b]                            create an operator API key (scopes: admin unless given)
  demo                                                       seed demo accounts on a test clock
  backup create                                              write an encrypted backup (KLAUZULA_BACKUP_KEY)
  backup list                                                list the backups in KLAUZULA_BACKUP_DIR
  backup restore FILE                                        restore one; deletions since it are re-applied
  backup prune                                               delete backups past the policy's window
  rates import FILE                                          import NBP exchange rates (api.nbp.pl JSON)
  ksef submit                                                send pending invoices to KSeF now

Environment: DATABASE_URL (PostgreSQL; else embedded PGlite in KLAUZULA_DATA_DIR, default ./data),
KLAUZULA_PRESET (clickmeeting | quanda | myownconference | hosttracker | bookero), KLAUZULA_POLICY (file),
PORT, HOST, KLAUZULA_PORTAL_URL, SMTP_URL, MAIL_FROM, LOG_LEVEL, VIES_URL (+ VIES_TIMEOUT_MS),
KSEF_URL + KSEF_TOKEN (send invoices to KSeF).
With embedded PGlite, only one process may open the data folder: stop the server before running
clock/audit/keys/demo commands, or use the HTTP API (/docs).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      policy: { type: 'string' },
      port: { type: 'string' },
      demo: { type: 'boolean' },
      name: { type: 'string' },
      at: { type: 'string' },
      to: { type: 'string' },
      by: { type: 'string' },
      scopes: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command ? 0 : 2;
  }
  if (command === 'policy' && sub === 'check') {
    if (!arg) return fail('policy check needs a FILE');
    const check = checkPolicyFile(arg);
    if (!check.ok) {
      console.error(check.report);
      return 1;
    }
    console.log(check.summary);
    return 0;
  }

  const config = readConfig(process.env, values);
  const quiet = command !== 'start';
  const app = await buildApp({ ...config, logLevel: quiet ? 'warn' : config.logLevel });
  try {
    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'start': {
        const address = await app.http.listen({ host: config.host, port: config.port });
        app.worker.start();
        console.log(
          `Klauzula is running at ${address} (${config.policySource}, ${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`})`,
        );
        console.log(`API reference: ${address}/docs`);
        if (values.demo) {
          const demo = await seedDemo(app);
          if (demo.apiKey) {
            console.log(`Demo: operator API key ${demo.apiKey}`);
            console.log(`Demo: test clock ${demo.clockId} with accounts ${demo.accounts.join(', ')}`);
          } else console.log('Demo data already present.');
        }
        await new Promise<void>((resolve) => {
          for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
        });
        return 0;
      }
      case 'migrate':
        console.log('Migrations applied.');
        return 0;
      case 'clock create': {
        const clock = await app.testClocks.create({
          ...(values.name ? { name: values.name } : {}),
          ...(values.at ? { frozenTime: parseTime(values.at) } : {}),
        });
        console.log(JSON.stringify(clock, null, 2));
        return 0;
      }
      case 'clock advance': {
        if (!arg) return fail('clock advance needs a CLOCK_ID');
        if (!values.to === !values.by) return fail('give exactly one of --to and --by');
        const current = await app.testClocks.get(arg);
        const to = values.to ? parseTime(values.to) : addIsoDuration(current.frozenTime, values.by!);
        const result = await app.testClocks.advance(arg, to);
        console.log(
          `${arg}: ${current.frozenTime.toISOString()} → ${to.toISOString()}, ${result.fired} due item(s) handled`,
        );
        return 0;
      }
      case 'audit verify': {
        const report = await app.eventLog.verify();
        console.log(`${report.events} events in ${report.chains} chains, ${report.checkpoints} checkpoints`);
        if (report.lastCheckpointHash) console.log(`last checkpoint hash ${report.lastCheckpointHash}`);
        for (const p of report.problems) console.log(`TAMPERED: ${p}`);
        console.log(
          report.ok ? 'OK: the event log is intact.' : `FAILED: ${report.problems.length} problem(s).`,
        );
        return report.ok ? 0 : 1;
      }
      case 'audit checkpoint': {
        const cp = await app.eventLog.checkpoint();
        console.log(
          cp
            ? `checkpoint ${cp.seq}: ${cp.chains} chain head(s), hash ${cp.hash}`
            : 'nothing new to checkpoint',
        );
        return 0;
      }
      case 'keys create': {
        if (!arg) return fail('keys create needs a NAME');
        const scopes = (values.scopes ?? 'admin').split(',').map((s) => s.trim()) as OperatorScope[];
        const { id, key } = await app.accounts.createApiKey({ name: arg, scopes });
        console.log(`${id}: ${key} [${scopes.join(', ')}]\n(shown once; store it now)`);
        return 0;
      }
      case 'rates import': {
        if (!arg) return fail('rates import needs a FILE (NBP JSON, tables A or B)');
        const { readFile } = await import('node:fs/promises');
        const imported = await app.billing.importExchangeRates({
          json: await readFile(arg, 'utf8'),
          actor: 'cli',
        });
        console.log(
          `${imported.added} rate(s) added, ${imported.known} already on record (${imported.currencies.join(', ')}; ${imported.from} … ${imported.to})`,
        );
        return 0;
      }
      case 'ksef submit': {
        const result = await app.billing.submitKsef();
        if (!result)
          return fail('KSeF is not configured (KSEF_URL and KSEF_TOKEN, and a seller NIP in the policy)');
        console.log(JSON.stringify(result));
        return 0;
      }
      case 'backup create': {
        const b = await app.backups.create();
        console.log(`${b.file}: ${b.bytes} bytes, deletion journal at ${b.journalSeq}`);
        return 0;
      }
      case 'backup list': {
        const list = await app.backups.list();
        for (const b of list)
          console.log(
            `${b.file}  ${b.createdAt.toISOString()}  ${b.bytes} bytes  ${b.engine}  journal ${b.journalSeq}`,
          );
        console.log(`${list.length} backup(s) in ${config.backups.dir}`);
        return 0;
      }
      case 'backup restore': {
        if (!arg) return fail('backup restore needs a FILE (see backup list)');
        const r = await app.backups.restore(arg);
        console.log(
          `${r.file} restored: ${r.rows} rows in ${r.tables} tables; ${r.replayed} deletion(s) re-applied`,
        );
        return 0;
      }
      case 'backup prune': {
        const p = await app.backups.prune();
        for (const f of p.deleted) console.log(`deleted ${f}`);
        console.log(`${p.deleted.length} deleted, ${p.kept} kept`);
        return 0;
      }
      case 'demo': {
        const demo = await seedDemo(app);
        console.log(demo.apiKey ? JSON.stringify(demo, null, 2) : 'Demo data already present.');
        return 0;
      }
      default:
        return fail(`unknown command "${positionals.join(' ')}"\n\n${usage}`);
    }
  } finally {
    await app.close();
  }
}

function parseTime(text: string): Date {
  const d = new Date(text);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(text))
    throw new ConfigError(`not an ISO 8601 time with a zone: "${text}" (e.g. 2026-03-17T00:00:00+01:00)`);
  return d;
}

function fail(message: string): number {
  console.error(`klauzula: ${message}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof ConfigError ||
      ['AppError', 'BackupError'].includes((error as { name?: string })?.name ?? '')
    ) {
      console.error(`klauzula: ${(error as Error).message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
