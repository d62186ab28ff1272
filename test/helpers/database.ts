import { randomBytes } from 'node:crypto';
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

function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const db = await openDatabase({});
    await db.migrate();
    const dump = await (db as Database & { dump: () => Promise<Blob> }).dump();
    await db.close();
    return dump;
  })();
  return template;
}
