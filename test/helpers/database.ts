import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/platform/db/database.ts';

/**
 * A fresh, migrated database for one test: embedded PGlite by default, or a new database on the PostgreSQL
 * server in DATABASE_URL (cloned from the template that `npm run test:pg` migrates once).
 */
export async function openTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ pgliteDump: await pgliteTemplate() });

  const name = `klz_t_${randomBytes(6).toString('hex')}`;
  const template = process.env.KLAUZULA_TEST_TEMPLATE;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = await openDatabase({ url: target.toString() });
  if (!template) await db.migrate();
  const close = db.close;
  return Object.assign(db, {
    close: async () => {
      await close();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  });
}

let template: Promise<Blob> | undefined;

/**
 * The migrated PGlite data directory every test database starts from. Building it (initdb and the migration)
 * costs seconds, and each test file runs in its own process, so the dump is cached on disk under
 * node_modules/.cache, keyed by the migration SQL and the PGlite version: a changed migration builds a new one.
 * Written to a temporary name and renamed, so processes that race to build it never read half a file.
 */
function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const file = await templateFile();
    try {
      return new Blob([await readFile(file)]);
    } catch {
      const db = await openDatabase({});
      await db.migrate();
      const dump = await (db as Database & { dump: () => Promise<Blob> }).dump();
      await db.close();
      await mkdir(dirname(file), { recursive: true });
      const partial = `${file}.${process.pid}.partial`;
      await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
      await rename(partial, file);
      return dump;
    }
  })();
  return template;
}

async function templateFile(): Promise<string> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const hash = createHash('sha256');
  const migrations = join(root, 'drizzle');
  for (const name of (await readdir(migrations)).filter((n) => n.endsWith('.sql')).sort()) {
    hash.update(name).update(await readFile(join(migrations, name)));
  }
  const pglite = JSON.parse(
    await readFile(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  );
  hash.update(String(pglite.version));
  return join(root, 'node_modules/.cache/klauzula', `pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
}
