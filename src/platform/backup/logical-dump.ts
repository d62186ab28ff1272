import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';

/**
 * A logical dump of the system of record through the driver: every table of the `public` schema, row by
 * row as `to_jsonb(row)` text (exact: numbers and timestamps keep their text form), and the sequences'
 * positions. The same SQL on PGlite and PostgreSQL, so a backup of either restores into either, in one
 * transaction, without a `pg_dump` of matching version on the machine or a restart of an embedded database
 * (PGlite's own `dumpDataDir` is a file-system image that needs both).
 *
 * The dump is a sequence of lines: `#table <name>`, then that table's rows (one JSON object a line), and
 * `#sequence <name> <last value> <is called>` lines at the end.
 */
const BATCH = 500;

/** The base tables of the `public` schema, sorted. */
export async function publicTables(db: Database): Promise<string[]> {
  const rows = await db.rows<{ table_name: string }>(sql`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`);
  return rows.map((r) => r.table_name);
}

/** The hashes of the applied migrations, oldest first (a backup restores only into the same schema). */
export async function appliedMigrations(db: Database): Promise<string[]> {
  const rows = await db.rows<{ hash: string }>(
    sql`select hash from drizzle.__drizzle_migrations order by created_at, id`,
  );
  return rows.map((r) => r.hash);
}

/**
 * Writes the dump's lines to `write`, reading one consistent snapshot. Must run inside a transaction
 * that the caller opened as `repeatable read, read only` (so every table is read at the same instant).
 */
export async function dumpDatabase(
  db: Database,
  write: (line: string) => Promise<void>,
): Promise<{ tables: number; rows: number }> {
  let rows = 0;
  const tables = await publicTables(db);
  for (const table of tables) {
    await write(`#table ${table}`);
    await db.q.execute(
      sql`declare klz_dump no scroll cursor for select to_jsonb(t)::text as j from ${sql.identifier(table)} t`,
    );
    for (;;) {
      const batch = await db.rows<{ j: string }>(sql.raw(`fetch forward ${BATCH} from klz_dump`));
      for (const r of batch) await write(r.j);
      rows += batch.length;
      if (batch.length < BATCH) break;
    }
    await db.q.execute(sql`close klz_dump`);
  }
  const sequences = await db.rows<{ name: string; last_value: string | null }>(sql`
    select sequencename as name, last_value::text as last_value from pg_sequences where schemaname = 'public'
    order by sequencename`);
  for (const s of sequences) await write(`#sequence ${s.name} ${s.last_value ?? '-'}`);
  return { tables: tables.length, rows };
}

/**
 * Replaces the content of every table with the dump's, inside the caller's transaction: all tables are
 * emptied first (so rows of tables the dump does not hold go too), rows are inserted in batches of typed
 * records, sequences are set back. Throws on a table the schema does not have.
 */
export async function loadDatabase(
  db: Database,
  lines: AsyncIterable<string>,
): Promise<{ tables: number; rows: number }> {
  const tables = await publicTables(db);
  const known = new Set(tables);
  await db.q.execute(sql.raw(`truncate table ${tables.map((t) => `"${t}"`).join(', ')}`));
  let table: string | null = null;
  let batch: string[] = [];
  let rows = 0;
  let loaded = 0;
  const flush = async () => {
    if (!table || batch.length === 0) return;
    await db.q.execute(sql`
      insert into ${sql.identifier(table)}
      select * from jsonb_populate_recordset(null::${sql.identifier(table)}, ${`[${batch.join(',')}]`}::jsonb)`);
    rows += batch.length;
    batch = [];
  };
  for await (const line of lines) {
    if (line === '') continue;
    if (line.startsWith('#table ')) {
      await flush();
      table = line.slice('#table '.length);
      if (!known.has(table)) throw new Error(`the backup holds a table this schema does not have: ${table}`);
      loaded += 1;
    } else if (line.startsWith('#sequence ')) {
      await flush();
      const [, name, value] = line.split(' ');
      if (value === '-') await db.q.execute(sql`select setval(${name}::regclass, 1, false)`);
      else await db.q.execute(sql`select setval(${name}::regclass, ${value}::bigint, true)`);
    } else {
      if (!table) throw new Error('the backup has rows before its first table');
      batch.push(line);
      if (batch.length >= BATCH) await flush();
    }
  }
  await flush();
  return { tables: loaded, rows };
}
