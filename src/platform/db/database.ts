import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import * as schema from '../../schema.ts';

export type Schema = typeof schema;
/** A query executor: the root database or the transaction in progress. */
export type Executor = PgDatabase<PgQueryResultHKT, Schema>;

export type Database = {
  readonly kind: 'pglite' | 'postgres';
  /** The executor for the current context: the ambient transaction if there is one, else the root. */
  readonly q: Executor;
  /**
   * Runs `fn` in a transaction. Inside an ambient transaction it joins it, so a use case called from a
   * request that already holds a transaction (e.g. with an Idempotency-Key) commits together with it.
   * With `savepoint`, the joined part runs in a savepoint: if `fn` fails, only its own writes are undone
   * and a caller that catches the failure can go on in the ambient transaction.
   */
  transaction<T>(fn: () => Promise<T>, options?: { savepoint?: boolean }): Promise<T>;
  /** Raw SQL returning rows; int8 columns must be cast (`::int` or `::text`), they differ between drivers. */
  rows<T>(query: SQL): Promise<T[]>;
  /**
   * Runs `fn` once the outermost transaction commits (at once outside a transaction; never if it rolls back).
   * For hints to this process such as dropping a cache entry: it may also run for work a savepoint undid.
   */
  afterCommit(fn: () => void): void;
  /** Whether the caller runs inside a transaction. */
  inTransaction(): boolean;
  /**
   * PostgreSQL only: the bytes of `COPY (…) TO STDOUT …` (the statement whole, its values inlined with
   * `sqlLiteral`), streamed from its own pooled connection outside any transaction, with back-pressure. A
   * consumer that stops early closes that connection. Absent on PGlite.
   */
  copyOut?: (statement: string) => AsyncIterable<Buffer>;
  migrate(): Promise<void>;
  /** Rows written by NOTIFY arrive here (both engines support LISTEN). */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

export type DatabaseConfig = { url?: string | undefined; dataDir?: string | undefined; pgliteDump?: Blob };

const migrationsFolder = new URL('../../../drizzle', import.meta.url).pathname;

/**
 * Opens the system of record: a PostgreSQL server when `url` is set, else embedded PGlite in `dataDir`
 * (in memory when `dataDir` is undefined). Both run the same migrations and the same SQL.
 */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const ambient = new AsyncLocalStorage<Ambient>();

  if (config.url) {
    const pool = new pg.Pool({ connectionString: config.url, max: 10 });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it on next use.
    });
    const root = drizzleNodePg(pool, { schema }) as unknown as Executor;
    let listener: pg.Client | null = null;
    const handlers = new Map<string, Set<(payload: string) => void>>();
    return build('postgres', root, ambient, {
      migrate: () => migrateNodePg(root as never, { migrationsFolder }),
      listen: async (channel, onMessage) => {
        if (!listener) {
          listener = new pg.Client({ connectionString: config.url });
          await listener.connect();
          listener.on('notification', (n) => {
            for (const h of handlers.get(n.channel) ?? []) h(n.payload ?? '');
          });
        }
        if (!handlers.has(channel)) {
          handlers.set(channel, new Set());
          await listener.query(`LISTEN ${quoteIdent(channel)}`);
        }
        handlers.get(channel)!.add(onMessage);
        return async () => {
          handlers.get(channel)?.delete(onMessage);
        };
      },
      close: async () => {
        await listener?.end();
        await pool.end();
      },
      copyOut: async function* (statement: string) {
        const client = await pool.connect();
        let finished = false;
        try {
          for await (const chunk of client.query(copyTo(statement))) yield chunk as Buffer;
          finished = true;
        } finally {
          // A COPY left half-read would poison the connection for the next user: drop it instead.
          client.release(finished ? undefined : new Error('COPY not read to the end'));
        }
      },
    });
  }

  const releaseLock = config.dataDir ? lockDataDir(config.dataDir) : () => undefined;
  const client = config.pgliteDump
    ? new PGlite({ loadDataDir: config.pgliteDump })
    : new PGlite(config.dataDir ? { dataDir: config.dataDir } : {});
  await client.waitReady;
  const root = drizzlePglite(client, { schema }) as unknown as Executor;
  return build('pglite', root, ambient, {
    migrate: () => migratePglite(root as never, { migrationsFolder }),
    listen: async (channel, onMessage) => client.listen(channel, onMessage),
    close: async () => {
      await client.close();
      releaseLock();
    },
    dump: () => client.dumpDataDir('none'),
  });
}

/** The transaction in progress in this async context, and what to run once it commits. */
type Ambient = { tx: Executor; committed: (() => void)[] };

function build(
  kind: Database['kind'],
  root: Executor,
  ambient: AsyncLocalStorage<Ambient>,
  engine: Pick<Database, 'migrate' | 'listen' | 'close' | 'copyOut'> & {
    dump?: () => Promise<Blob | File>;
  },
): Database & { dump?: () => Promise<Blob | File> } {
  const current = () => ambient.getStore()?.tx ?? root;
  return {
    kind,
    get q() {
      return current();
    },
    transaction: async (fn, options) => {
      const outer = ambient.getStore();
      if (outer && options?.savepoint)
        return outer.tx.transaction((tx) =>
          ambient.run({ tx: tx as unknown as Executor, committed: outer.committed }, fn),
        );
      if (outer) return fn();
      const committed: (() => void)[] = [];
      const result = await root.transaction((tx) =>
        ambient.run({ tx: tx as unknown as Executor, committed }, fn),
      );
      for (const hook of committed) hook();
      return result;
    },
    afterCommit: (fn) => {
      const outer = ambient.getStore();
      if (outer) outer.committed.push(fn);
      else fn();
    },
    rows: async <T>(query: SQL) => {
      const result = (await current().execute(query)) as unknown as { rows: T[] };
      return result.rows;
    },
    inTransaction: () => ambient.getStore() !== undefined,
    ...engine,
  };
}

/** A value as an SQL string literal, for statements that take no parameters (COPY). */
export function sqlLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be in an SQL literal');
  return `'${value.replaceAll("'", "''")}'`;
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid channel name ${name}`);
  return name;
}

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt it. A lock
 * file with the owner's pid keeps the second one out (a stale lock of a dead process is taken over).
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'klauzula.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(path, 'utf8'));
      if (owner && owner !== process.pid && isAlive(owner))
        throw new Error(
          `the data folder ${dataDir} is in use by process ${owner}; stop it first or use the HTTP API`,
        );
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
