import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { sql } from 'drizzle-orm';
import {
  BackupError,
  type BackupHeader,
  decryptBackup,
  encryptBackup,
  readBackupFileHeader,
} from '../../platform/backup/backup-crypto.ts';
import { appliedMigrations, dumpDatabase, loadDatabase } from '../../platform/backup/logical-dump.ts';
import { addDays, type LocalDate, localDateOf, startOfDay } from '../../platform/calendar.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueItem, DueWork } from '../../platform/due-work/due-work.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { Policy } from '../../policy/index.ts';
import type { Notifications } from '../notifications/index.ts';
import type { JournalEntry, Retention } from './retention.ts';

export type BackupInfo = {
  file: string;
  path: string;
  createdAt: Date;
  bytes: number;
  journalSeq: number;
  engine: string;
};

const SUFFIX = '.klzb';

/** The check that a calendar day (ref, a local date in the policy's time zone) had its backups (QU-SEC-01). */
export const BACKUP_DAY_CHECK = 'backups.day_check';
const DAY_MS = 86_400_000;

export type Backups = ReturnType<typeof makeBackups>;

/** An account's lifecycle row as the lifecycle module journals it (`account_state_journal`). */
export type StateJournalEntry = { accountId: string; seq: number; row: Record<string, unknown> };

/** The lifecycle module's state journal, given at wiring time (a restore must not roll states back). */
export type LifeStateJournal = {
  stateJournalHead: () => Promise<number>;
  stateJournalSince: (afterSeq: number) => Promise<StateJournalEntry[]>;
  reapplyStates: (entries: readonly StateJournalEntry[], at: Date, cause: string) => Promise<string[]>;
};

/**
 * Encrypted backups of the whole system of record (a logical dump, AES-256-GCM; see
 * src/platform/backup) with the policy's backup window, and restores that never bring purged data back.
 *
 * - `create` writes one file in one consistent snapshot, recording the deletion journal's mark.
 * - `restore` replaces the database with a backup's content and then re-applies every deletion the journal
 *   recorded after the backup was taken (read from the live database and from every newer backup), all in
 *   one transaction: purged data never come back (CM-PRC-04, QU-LIF-03, BK-LIF-06).
 * - `prune` deletes each backup that holds data purged more than `retention.backups.retentionDays` ago
 *   (CM-PRC-04: 120 days; QU-PRC-12, BK-PRC-08: 0, gone with the purge); a backup no purge happened after
 *   holds nothing purged and stays. A policy without a window (null) keeps backups until deleted by hand.
 */
export function makeBackups(deps: {
  db: Database;
  retention: Retention;
  eventLog: EventLog;
  clock: Clock;
  /** The current policy (its backup window and time zone). */
  policy: () => Policy;
  dir: string;
  /** The 32-byte key; null: backups can be listed and pruned, not written or read. */
  key: Buffer | null;
  /**
   * Given (by the application), the daily check runs as a due item: a day with fewer successful backups
   * than the policy's `backups.perDay` raises an alarm event and a mail to the operator (QU-SEC-01).
   */
  dueWork?: DueWork;
  notifications?: Notifications;
  /**
   * Given (by the application), a restore also re-applies each account's lifecycle row as last journalled
   * after the backup (from the live database and from newer backups): an account that ended, was deleted or
   * was purged after the backup was taken does not come back alive.
   */
  lifeStates?: LifeStateJournal;
}) {
  const { db, clock } = deps;

  function requireKey(): Buffer {
    if (!deps.key)
      throw new BackupError(
        'no backup key: set KLAUZULA_BACKUP_KEY to 32 bytes in base64 or hex (e.g. `openssl rand -base64 32`)',
      );
    return deps.key;
  }

  async function list(): Promise<BackupInfo[]> {
    let names: string[];
    try {
      names = (await readdir(deps.dir)).filter((n) => n.endsWith(SUFFIX));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: BackupInfo[] = [];
    for (const file of names) {
      const path = join(deps.dir, file);
      const header = await readBackupFileHeader(path);
      out.push({
        file,
        path,
        createdAt: new Date(header.createdAt),
        bytes: (await stat(path)).size,
        journalSeq: header.journalSeq,
        engine: header.engine,
      });
    }
    return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.file.localeCompare(b.file));
  }

  /** Writes a backup of the database as it is now. The file appears only once complete. */
  async function create(): Promise<BackupInfo> {
    const key = requireKey();
    await mkdir(deps.dir, { recursive: true });
    const createdAt = clock.now();
    const stamp = createdAt.toISOString().replace(/[-:.]/g, '');
    const file = `klauzula-${stamp}-${randomBytes(3).toString('hex')}${SUFFIX}`;
    const path = join(deps.dir, file);
    const partial = `${path}.partial`;
    let journalSeq = 0;
    try {
      await db.transaction(async () => {
        await db.q.execute(sql`set transaction isolation level repeatable read, read only`);
        journalSeq = await deps.retention.journalHead();
        const header: Omit<BackupHeader, 'keyId' | 'noncePrefix'> = {
          format: 1,
          createdAt: createdAt.toISOString(),
          engine: db.kind,
          journalSeq,
          migrations: await appliedMigrations(db),
        };
        const gzip = createGzip();
        const written = pipeline(Readable.from(encryptBackup(header, key, gzip)), createWriteStream(partial));
        const write = async (line: string) => {
          if (!gzip.write(`${line}\n`)) await once(gzip, 'drain');
        };
        try {
          await dumpDatabase(db, write);
        } finally {
          gzip.end();
        }
        await written;
      });
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    await db.transaction(() =>
      deps.eventLog.append([
        {
          chainId: 'operator',
          type: 'backup.created',
          actor: 'system',
          occurredAt: createdAt,
          data: { file, journalSeq },
        },
      ]),
    );
    return { file, path, createdAt, bytes: (await stat(path)).size, journalSeq, engine: db.kind };
  }

  /** The backup's lines, decrypted (authenticated chunk by chunk) and decompressed. */
  async function* linesOf(path: string): AsyncGenerator<string> {
    const gunzip = createGunzip();
    const source = Readable.from(decryptBackup(path, requireKey()));
    source.pipe(gunzip);
    source.once('error', (error) => gunzip.destroy(error));
    let rest = '';
    for await (const piece of gunzip) {
      const text = rest + (piece as Buffer).toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop()!;
      for (const line of parts) yield line;
    }
    if (rest) yield rest;
  }

  async function find(file: string): Promise<BackupInfo> {
    const found = (await list()).find((b) => b.file === file || b.path === file);
    if (!found) throw new BackupError(`no backup ${file} in ${deps.dir}`);
    return found;
  }

  /**
   * Deletion journal entries a backup holds after `afterSeq` (to re-apply when restoring an older one), and
   * the lifecycle state journal it holds (all of it; the caller keeps what is newer than its mark).
   */
  async function journalsIn(
    path: string,
    afterSeq: number,
  ): Promise<{ deletions: JournalEntry[]; states: StateJournalEntry[] }> {
    const out: JournalEntry[] = [];
    const states: StateJournalEntry[] = [];
    let table: string | null = null;
    let seen = 0;
    for await (const line of linesOf(path)) {
      if (line.startsWith('#')) {
        if (table === 'retention_journal' || table === 'account_state_journal') seen += 1;
        if (seen === 2) break;
        table = line.startsWith('#table ') ? line.slice('#table '.length) : null;
        continue;
      }
      if (table === 'account_state_journal') {
        const r = JSON.parse(line) as Record<string, unknown>;
        states.push({
          accountId: r.account_id as string,
          seq: Number(r.seq),
          row: r.row as Record<string, unknown>,
        });
        continue;
      }
      if (table !== 'retention_journal') continue;
      const r = JSON.parse(line) as Record<string, unknown>;
      const seq = Number(r.seq);
      if (seq <= afterSeq) continue;
      out.push({
        seq,
        accountId: r.account_id as string,
        category: r.category as string,
        handler: r.handler as string,
        action: r.action as 'delete' | 'anonymise',
        keep: r.keep as string[],
        heldSubjects: r.held_subjects as string[],
        before: r.before ? new Date(r.before as string) : null,
        at: new Date(r.at as string),
        recordedAt: new Date(r.recorded_at as string),
      });
    }
    return { deletions: out, states };
  }

  /**
   * Replaces the database's content with the backup's, then re-applies every deletion recorded since the
   * backup was taken; one transaction, so a damaged or tampered file changes nothing.
   */
  async function restore(
    file: string,
  ): Promise<{ file: string; tables: number; rows: number; replayed: number; statesReapplied: number }> {
    requireKey();
    const backup = await find(file);
    const header = await readBackupFileHeader(backup.path);
    const migrations = await appliedMigrations(db);
    if (JSON.stringify(header.migrations) !== JSON.stringify(migrations))
      throw new BackupError(
        `backup ${backup.file} was taken under another database schema (migrations differ); restore it with the Klauzula version that wrote it`,
      );
    // Deletions since the backup: from the live database and from every newer backup (the live one may be gone).
    const entries = new Map<number, JournalEntry>();
    for (const e of await deps.retention.journalSince(header.journalSeq)) entries.set(e.seq, e);
    // Lifecycle states likewise: the live journal and newer backups' (kept above the backup's mark below).
    const states: StateJournalEntry[] = deps.lifeStates ? await deps.lifeStates.stateJournalSince(0) : [];
    for (const newer of (await list()).filter(
      (b) =>
        b.file !== backup.file &&
        (b.journalSeq > header.journalSeq ||
          (deps.lifeStates && b.createdAt.getTime() >= backup.createdAt.getTime())),
    )) {
      const found = await journalsIn(newer.path, header.journalSeq);
      for (const e of found.deletions) entries.set(e.seq, e);
      if (deps.lifeStates) states.push(...found.states);
    }
    const journal = [...entries.values()].sort((a, b) => a.seq - b.seq);
    const timeZone = deps.policy().locale.timeZone;
    const at = clock.now();
    return db.transaction(async () => {
      const loaded = await loadDatabase(db, linesOf(backup.path));
      const replayed = await deps.retention.replayJournal(journal, () => timeZone);
      let reapplied: string[] = [];
      if (deps.lifeStates) {
        const mark = await deps.lifeStates.stateJournalHead();
        reapplied = await deps.lifeStates.reapplyStates(
          states.filter((e) => e.seq > mark),
          at,
          `backup:${backup.file}`,
        );
      }
      await deps.eventLog.append([
        {
          chainId: 'operator',
          type: 'backup.restored',
          actor: 'system',
          occurredAt: at,
          data: {
            file: backup.file,
            backupCreatedAt: backup.createdAt.toISOString(),
            deletionsReapplied: journal.length,
            rowsErasedAgain: replayed,
            statesReapplied: reapplied.length,
          },
        },
      ]);
      return {
        file: backup.file,
        tables: loaded.tables,
        rows: loaded.rows,
        replayed: journal.length,
        statesReapplied: reapplied.length,
      };
    });
  }

  /** Deletes the backups that the policy's window no longer allows (see `makeBackups`). */
  async function prune(): Promise<{ deleted: string[]; kept: number }> {
    const windowDays = deps.policy().retention.backups.retentionDays;
    const backups = await list();
    if (windowDays === null) return { deleted: [], kept: backups.length };
    const now = clock.now().getTime();
    const deleted: string[] = [];
    for (const b of backups) {
      const [first] = await db.rows<{ at: string | Date | null }>(
        sql`select min(recorded_at) as at from retention_journal where seq > ${b.journalSeq}`,
      );
      if (!first?.at) continue;
      if (new Date(first.at).getTime() + windowDays * DAY_MS <= now) {
        await rm(b.path, { force: true });
        deleted.push(b.file);
      }
    }
    if (deleted.length > 0)
      await db.transaction(() =>
        deps.eventLog.append([
          {
            chainId: 'operator',
            type: 'backup.pruned',
            clause: null,
            actor: 'system',
            occurredAt: clock.now(),
            data: { files: deleted, windowDays },
          },
        ]),
      );
    return { deleted, kept: backups.length - deleted.length };
  }

  /** Reads every line of a backup (it must decrypt and authenticate whole): for checks and the canary scan. */
  async function* read(file: string): AsyncGenerator<string> {
    yield* linesOf((await find(file)).path);
  }

  // ---------------------------------------------------------------------------------------------------
  // One backup a day at least (QU-SEC-01)

  /** Successful backups made on a local day (their `backup.created` events: files may be pruned since). */
  async function madeOn(day: LocalDate): Promise<number> {
    const tz = deps.policy().locale.timeZone;
    const [row] = await db.rows<{ n: number }>(sql`
      select count(*)::int as n from events where chain_id = 'operator' and type = 'backup.created'
        and occurred_at >= ${startOfDay(day, tz).toISOString()}
        and occurred_at < ${startOfDay(addDays(day, 1), tz).toISOString()}`);
    return row!.n;
  }

  /**
   * The worker's step: makes today's backups (the policy's `perDay`, in its time zone) when fewer exist,
   * and puts today on the daily check. Nothing without a key (the check then finds the day empty).
   */
  async function ensureDaily(): Promise<BackupInfo[]> {
    if (!deps.key) return [];
    const today = localDateOf(clock.now(), deps.policy().locale.timeZone);
    await watchDay(today);
    const made: BackupInfo[] = [];
    for (let n = await madeOn(today); n < deps.policy().retention.backups.perDay; n++)
      made.push(await create());
    return made;
  }

  /** Puts a day on the daily check, due when it has ended. Idempotent. */
  async function watchDay(day: LocalDate): Promise<void> {
    if (!deps.dueWork) return;
    const tz = deps.policy().locale.timeZone;
    await deps.dueWork.schedule([
      {
        accountId: 'operator',
        kind: BACKUP_DAY_CHECK,
        ref: day,
        dueAt: startOfDay(addDays(day, 1), tz),
        clockId: null,
      },
    ]);
  }

  /** The check of each ended day: too few backups → `backup.day_missed` and a mail to the operator. */
  async function checkDays(items: DueItem[]): Promise<void> {
    const policy = deps.policy();
    const { perDay, clause = null } = policy.retention.backups;
    for (const item of items) {
      const day = item.ref as LocalDate;
      const made = await madeOn(day);
      if (made < perDay) {
        await deps.eventLog.append([
          {
            chainId: 'operator',
            type: 'backup.day_missed',
            clause,
            actor: 'system',
            cause: `due:${BACKUP_DAY_CHECK}`,
            occurredAt: item.firedAt,
            data: { day, made, required: perDay },
          },
        ]);
        const to = policy.operator.contact.general ?? policy.operator.contact.support;
        if (to && deps.notifications)
          await deps.notifications.send([
            {
              accountId: null,
              recipient: to,
              locale: policy.locale.defaultLanguage,
              template: 'backup.day_missed',
              clause,
              dedupeKey: `backup.day_missed:${day}`,
              occurredAt: item.firedAt,
              params: { day },
            },
          ]);
      }
      // The next day is checked when it ends, whether or not the worker made a backup on it.
      await watchDay(addDays(day, 1));
    }
  }

  if (deps.dueWork) deps.dueWork.register({ kind: BACKUP_DAY_CHECK, handle: checkDays });

  return { create, list, restore, prune, read, ensureDaily, watchDay };
}
