import { sql } from 'drizzle-orm';
import { jsonRows } from '../db/bulk.ts';
import type { Database } from '../db/database.ts';

export type DueItem = {
  accountId: string;
  kind: string;
  ref: string;
  dueAt: Date;
  clockId: string | null;
  attempts: number;
  /** When the rule fires: the due time on a test clock, the sweep's time (not earlier) on the real one. */
  firedAt: Date;
};

export type ScheduleRequest = {
  accountId: string;
  kind: string;
  ref?: string;
  dueAt: Date;
  clockId: string | null;
};

/**
 * A rule that acts when its deadline comes. `handle` gets a batch of due items of its kind, inside the
 * sweep's transaction, after they were removed from the queue: it must ask the rule again with the current
 * facts (the customer may have paid meanwhile), apply what still holds, and schedule the next look itself.
 * Running it twice for the same facts must change nothing the second time.
 */
export type DueHandler = { kind: string; handle(items: DueItem[]): Promise<void> };

export type DueWork = ReturnType<typeof makeDueWork>;

const MAX_ATTEMPTS = 5;

export function makeDueWork(deps: { db: Database }) {
  const { db } = deps;
  const handlers = new Map<string, DueHandler>();

  /**
   * A transaction of its own, or a savepoint inside the caller's (a test-clock advance with an
   * Idempotency-Key): either way a failed batch is undone before its items are retried one by one.
   */
  const atomically = <T>(fn: () => Promise<T>) => db.transaction(fn, { savepoint: true });

  function register(handler: DueHandler): void {
    if (handlers.has(handler.kind)) throw new Error(`due handler ${handler.kind} registered twice`);
    handlers.set(handler.kind, handler);
  }

  /** Sets (or moves) the deadline of each (account, kind, ref). Joins the caller's transaction. */
  async function schedule(requests: readonly ScheduleRequest[]): Promise<void> {
    if (requests.length === 0) return;
    const rows = requests.map((r) => ({ ...r, ref: r.ref ?? '' }));
    await db.q.execute(sql`
      insert into due_items (account_id, kind, ref, due_at, clock_id)
      select "accountId", kind, ref, "dueAt", "clockId"
      from jsonb_to_recordset(${jsonRows(rows)}) as x("accountId" text, kind text, ref text, "dueAt" timestamptz, "clockId" text)
      on conflict (account_id, kind, ref) do update
        set due_at = excluded.due_at, clock_id = excluded.clock_id, attempts = 0, last_error = null, failed_at = null`);
  }

  async function cancel(accountId: string, kind: string, ref = ''): Promise<void> {
    await db.q.execute(
      sql`delete from due_items where account_id = ${accountId} and kind = ${kind} and ref = ${ref}`,
    );
  }

  /** `cancel` for many (account, kind, ref) at once, in one statement. */
  async function cancelMany(
    list: readonly { accountId: string; kind: string; ref?: string }[],
  ): Promise<void> {
    if (list.length === 0) return;
    const rows = list.map((r) => ({ accountId: r.accountId, kind: r.kind, ref: r.ref ?? '' }));
    await db.q.execute(sql`
      delete from due_items d using jsonb_to_recordset(${jsonRows(rows)}) as x("accountId" text, kind text, ref text)
      where d.account_id = x."accountId" and d.kind = x.kind and d.ref = x.ref`);
  }

  async function pending(accountId: string): Promise<{ kind: string; ref: string; dueAt: Date }[]> {
    const rows = await db.rows<{ kind: string; ref: string; due_at: Date }>(
      sql`select kind, ref, due_at from due_items where account_id = ${accountId} order by due_at`,
    );
    return rows.map((r) => ({ kind: r.kind, ref: r.ref, dueAt: new Date(r.due_at) }));
  }

  /**
   * Claims up to `batchSize` items of `clockId` (null: the real clock) due at or before `now`, oldest first,
   * skipping rows other workers hold, and hands them to their handlers in one transaction. Returns how many
   * were claimed (0: nothing due). A failing batch is retried item by item so one bad item cannot hold up
   * the rest; an item that keeps failing is parked with its error after 5 attempts.
   */
  async function sweepBatch(options: {
    clockId: string | null;
    now: Date;
    /** The clock's time when the sweep began; items are never fired before it. */
    firedNotBefore?: Date;
    batchSize?: number;
    /** Counts the items handled per kind, for a caller that reports what fired (a test clock's advance). */
    tally?: Map<string, number>;
  }): Promise<number> {
    const batchSize = options.batchSize ?? 500;
    const clockFilter = options.clockId === null ? sql`clock_id is null` : sql`clock_id = ${options.clockId}`;
    const notBefore = (options.firedNotBefore ?? options.now).getTime();
    let claimed: DueItem[] = [];
    try {
      await atomically(async () => {
        // The rows locked are deleted by their ctid: matching them by key instead let the planner join
        // them against a scan of the whole queue, once per batch (quadratic in the queue's length).
        const rows = await db.rows<DueRow>(sql`
          delete from due_items where ctid = any(array(
            select ctid from due_items
            where ${clockFilter} and due_at <= ${options.now.toISOString()} and failed_at is null
            order by due_at limit ${batchSize} for update skip locked))
          returning account_id, kind, ref, due_at, clock_id, attempts`);
        claimed = rows.map((r) => toItem(r, notBefore)).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
        await runHandlers(claimed);
      });
      for (const item of claimed) count(options.tally, item.kind);
      return claimed.length;
    } catch (error) {
      if (claimed.length === 0) throw error;
      for (const item of claimed) {
        if (await retryAlone(item, options.now, error)) count(options.tally, item.kind);
      }
      return claimed.length;
    }
  }

  /** Hands `items` (in due order) to their handlers, a run of consecutive items of one kind at a time. */
  async function runHandlers(items: DueItem[]): Promise<void> {
    const runs: DueItem[][] = [];
    for (const item of items) {
      const run = runs.at(-1);
      if (run && run[0]!.kind === item.kind) run.push(item);
      else runs.push([item]);
    }
    for (const run of runs) {
      const kind = run[0]!.kind;
      const handler = handlers.get(kind);
      if (!handler) throw new Error(`no due handler for ${kind}`);
      await handler.handle(run);
    }
  }

  /** Handles `item` on its own after its batch failed; true when it was handled now. */
  async function retryAlone(item: DueItem, now: Date, batchError: unknown): Promise<boolean> {
    try {
      return await atomically(async () => {
        // Another worker may have claimed and handled the item (or it was rescheduled) since the batch
        // rolled back: then it is no longer this sweep's to hand out.
        const still = await db.rows<{ kind: string }>(sql`
          delete from due_items
          where account_id = ${item.accountId} and kind = ${item.kind} and ref = ${item.ref}
            and due_at = ${item.dueAt.toISOString()} and failed_at is null
          returning kind`);
        if (still.length === 0) return false;
        await runHandlers([item]);
        return true;
      });
    } catch (error) {
      const attempts = item.attempts + 1;
      const message = String((error as Error)?.message ?? error ?? batchError).slice(0, 2000);
      const retryAt = new Date(now.getTime() + 60_000 * 2 ** attempts);
      await db.q.execute(sql`
        insert into due_items (account_id, kind, ref, due_at, clock_id, attempts, last_error, failed_at)
        values (${item.accountId}, ${item.kind}, ${item.ref}, ${retryAt.toISOString()}, ${item.clockId},
                ${attempts}, ${message}, ${attempts >= MAX_ATTEMPTS ? now.toISOString() : null})
        on conflict (account_id, kind, ref) do update
          set due_at = excluded.due_at, attempts = excluded.attempts, last_error = excluded.last_error,
              failed_at = excluded.failed_at`);
      return false;
    }
  }

  /** Sweeps until nothing more is due; returns the number of items handled. */
  async function sweep(options: Parameters<typeof sweepBatch>[0]): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await sweepBatch(options);
      if (n === 0) return total;
      total += n;
    }
  }

  /** Items that failed too often and wait for an operator (an alarm metric). */
  async function parked(): Promise<{ accountId: string; kind: string; lastError: string | null }[]> {
    const rows = await db.rows<{ account_id: string; kind: string; last_error: string | null }>(
      sql`select account_id, kind, last_error from due_items where failed_at is not null order by account_id`,
    );
    return rows.map((r) => ({ accountId: r.account_id, kind: r.kind, lastError: r.last_error }));
  }

  return { register, schedule, cancel, cancelMany, pending, sweepBatch, sweep, parked };
}

function count(tally: Map<string, number> | undefined, kind: string): void {
  tally?.set(kind, (tally.get(kind) ?? 0) + 1);
}

type DueRow = {
  account_id: string;
  kind: string;
  ref: string;
  due_at: Date;
  clock_id: string | null;
  attempts: number;
};

function toItem(r: DueRow, notBefore: number): DueItem {
  const dueAt = new Date(r.due_at);
  return {
    accountId: r.account_id,
    kind: r.kind,
    ref: r.ref,
    dueAt,
    clockId: r.clock_id,
    attempts: r.attempts,
    firedAt: new Date(Math.max(dueAt.getTime(), notBefore)),
  };
}
