// Runs the whole test suite against a real PostgreSQL server. Fails (never skips) when it is unreachable.
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/database.ts';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const templateName = 'klauzula_test_template';

const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
try {
  await admin.connect();
} catch (error) {
  console.error(`test:pg: cannot reach PostgreSQL at ${url}: ${(error as Error).message}`);
  process.exit(1);
}
const { rows } = await admin.query('show server_version');
console.log(`test:pg: PostgreSQL ${rows[0].server_version} at ${url}`);
await admin.query(`drop database if exists ${templateName} with (force)`);
await admin.query(`create database ${templateName}`);
await admin.end();

const target = new URL(url);
target.pathname = `/${templateName}`;
const db = await openDatabase({ url: target.toString() });
await db.migrate();
await db.close();

const result = spawnSync('npm', ['test', '--', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, DATABASE_URL: url, KLAUZULA_TEST_TEMPLATE: templateName },
});
process.exit(result.status ?? 1);
