import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../../../test/helpers/database.ts';
import { manualClock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import { makeEventLog } from '../evidence/event-log.ts';
import { sequentialIds } from '../ids.ts';
import { type DueItem, makeDueWork } from './due-work.ts';

const onServer = Boolean(process.env.DATABASE_URL);
const T0 = new Date('2026-03-02T09:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 3_600_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

async function aDatabase(t: TestContext): Promise<Database> {
  const db = await openTestDatabase();
  t.after(() => db.close());
  return db;
}

type Call = { kind: string; items: { accountId: string; dueAt: string; firedAt: string }[] };

/** A handler that records what it was handed, in the order it was handed. */
function recording(kind: string, calls: Call[]) {
  return {
    kind,
    handle: async (items: DueItem[]) => {
      calls.push({
        kind,
        items: items.map((i) => ({
          accountId: i.accountId,
          dueAt: i.dueAt.toISOString(),
          firedAt: i.firedAt.toISOString(),
        })),
      });
    },
  };
}

async function rowsOf(db: Database) {
  const rows = await db.rows<{
    account_id: string;
    kind: string;
    due_at: Date;
    clock_id: string | null;
    attempts: number;
    last_error: string | null;
    failed_at: Date | null;
  }>(sql`select account_id, kind, due_at, clock_id, attempts, last_error, failed_at from due_items
         order by account_id, kind`);
  return rows.map((r) => ({
    ...r,
    due_at: new Date(r.due_at).toISOString(),
    failed_at: r.failed_at ? new Date(r.failed_at).toISOString() : null,
  }));
}

describe('dueWork.schedule', () => {
  it('sets a deadline, and scheduling the same (account, kind, ref) again moves it', async (t) => {
    const db = await aDatabase(t);
    const due = makeDueWork({ db });
    await due.schedule([
      { accountId: 'acc_1', kind: 'trial_end', dueAt: at(HOUR), clockId: null },
      { accountId: 'acc_1', kind: 'invoice_due', ref: 'inv_1', dueAt: at(2 * HOUR), clockId: null },
    ]);
    await due.schedule([{ accountId: 'acc_1', kind: 'trial_end', dueAt: at(3 * HOUR), clockId: 'clock_1' }]);
    assert.deepEqual(await due.pending('acc_1'), [
      { kind: 'invoice_due', ref: 'inv_1', dueAt: at(2 * HOUR) },
      { kind: 'trial_end', ref: '', dueAt: at(3 * HOUR) },
    ]);
    const [trialEnd] = (await rowsOf(db)).filter((r) => r.kind === 'trial_end');
    assert.equal(trialEnd!.clock_id, 'clock_1');

    await due.cancel('acc_1', 'invoice_due', 'inv_1');
    assert.deepEqual(await due.pending('acc_1'), [{ kind: 'trial_end', ref: '', dueAt: at(3 * HOUR) }]);
  });

  it('cancelMany removes exactly the (account, kind, ref) listed, in one call', async (t) => {
    const db = await aDatabase(t);
    const due = makeDueWork({ db });
    await due.schedule([
      { accountId: 'acc_1', kind: 'standing', dueAt: at(HOUR), clockId: null },
      { accountId: 'acc_1', kind: 'purge', ref: 'cat_a', dueAt: at(HOUR), clockId: null },
      { accountId: 'acc_1', kind: 'purge', ref: 'cat_b', dueAt: at(HOUR), clockId: null },
      { accountId: 'acc_2', kind: 'standing', dueAt: at(2 * HOUR), clockId: null },
      { accountId: 'acc_3', kind: 'standing', dueAt: at(2 * HOUR), clockId: null },
    ]);
    await due.cancelMany([
      { accountId: 'acc_1', kind: 'standing' },
      { accountId: 'acc_1', kind: 'purge', ref: 'cat_b' },
      { accountId: 'acc_2', kind: 'standing' },
      { accountId: 'acc_2', kind: 'purge', ref: 'cat_a' },
    ]);
    await due.cancelMany([]);
    assert.deepEqual(
      (await rowsOf(db)).map((r) => [r.account_id, r.kind]),
      [
        ['acc_1', 'purge'],
        ['acc_3', 'standing'],
      ],
    );
    assert.deepEqual(await due.pending('acc_1'), [{ kind: 'purge', ref: 'cat_a', dueAt: at(HOUR) }]);
  });

  it('rescheduling a parked item gives it a fresh start', async (t) => {
    const db = await aDatabase(t);
    const due = makeDueWork({ db });
    await db.q.execute(sql`
      insert into due_items (account_id, kind, ref, due_at, clock_id, attempts, last_error, failed_at)
      values ('acc_1', 'trial_end', '', ${at(0).toISOString()}, null, 5, 'boom', ${at(0).toISOString()})`);
    assert.deepEqual(await due.parked(), [{ accountId: 'acc_1', kind: 'trial_end', lastError: 'boom' }]);
    await due.schedule([{ accountId: 'acc_1', kind: 'trial_end', dueAt: at(HOUR), clockId: null }]);
    assert.deepEqual(await due.parked(), []);
    assert.deepEqual(await rowsOf(db), [
      {
        account_id: 'acc_1',
        kind: 'trial_end',
        due_at: at(HOUR).toISOString(),
        clock_id: null,
        attempts: 0,
        last_error: null,
        failed_at: null,
      },
    ]);
  });
});

describe('dueWork.sweep', () => {
  it('on a test clock, hands due items in due order, each fired at its due time but not before the sweep began', async (t) => {
    const db = await aDatabase(t);
    const due = makeDueWork({ db });
    const calls: Call[] = [];
    due.register(recording('trial_end', calls));
    due.register(recording('free_end', calls));
    await due.schedule([
      { accountId: 'acc_3', kind: 'trial_end', dueAt: at(3 * HOUR), clockId: 'clock_1' },
      { accountId: 'acc_1', kind: 'trial_end', dueAt: at(1 * HOUR), clockId: 'clock_1' },
      { accountId: 'acc_2', kind: 'free_end', dueAt: at(2 * HOUR), clockId: 'clock_1' },
      { accountId: 'acc_0', kind: 'trial_end', dueAt: at(-HOUR), clockId: 'clock_1' },
      { accountId: 'acc_later', kind: 'trial_end', dueAt: at(5 * HOUR + 1), clockId: 'clock_1' },
      { accountId: 'acc_other_clock', kind: 'trial_end', dueAt: at(HOUR), clockId: 'clock_2' },
      { accountId: 'acc_real_clock', kind: 'trial_end', dueAt: at(HOUR), clockId: null },
    ]);

    const handled = await due.sweep({ clockId: 'clock_1', now: at(5 * HOUR), firedNotBefore: at(0) });

    assert.equal(handled, 4);
    assert.deepEqual(calls, [
      {
        kind: 'trial_end',
        items: [
          { accountId: 'acc_0', dueAt: at(-HOUR).toISOString(), firedAt: at(0).toISOString() },
          { accountId: 'acc_1', dueAt: at(HOUR).toISOString(), firedAt: at(HOUR).toISOString() },
        ],
      },
      {
        kind: 'free_end',
        items: [
          { accountId: 'acc_2', dueAt: at(2 * HOUR).toISOString(), firedAt: at(2 * HOUR).toISOString() },
        ],
      },
      {
        kind: 'trial_end',
        items: [
          { accountId: 'acc_3', dueAt: at(3 * HOUR).toISOString(), firedAt: at(3 * HOUR).toISOString() },
        ],
      },
    ]);
    assert.deepEqual(
      (await rowsOf(db)).map((r) => [r.account_id, r.clock_id, r.due_at]),
      [
        ['acc_later', 'clock_1', at(5 * HOUR + 1).toISOString()],
        ['acc_other_clock', 'clock_2', at(HOUR).toISOString()],
        ['acc_real_clock', null, at(HOUR).toISOString()],
      ],
    );
    assert.equal(await due.sweep({ clockId: 'clock_1', now: at(5 * HOUR), firedNotBefore: at(0) }), 0);
  });

  it('on the real clock, fires every due item at the time of the sweep', async (t) => {
    const db = await aDatabase(t);
    const due = makeDueWork({ db });
    const calls: Call[] = [];
    due.register(recording('trial_end', calls));
    await due.schedule([
      { accountId: 'acc_1', kind: 'trial_end', dueAt: at(-2 * HOUR), clockId: null },
      { accountId: 'acc_2', kind: 'trial_end', dueAt: at(0), clockId: null },
      { accountId: 'acc_3', kind: 'trial_end', dueAt: at(1), clockId: null },
      { accountId: 'acc_4', kind: 'trial_end', dueAt: at(-HOUR), clockId: 'clock_1' },
    ]);
    assert.equal(await due.sweep({ clockId: null, now: at(0) }), 2);
    assert.deepEqual(calls, [
      {
        kind: 'trial_end',
        items: [
          { accountId: 'acc_1', dueAt: at(-2 * HOUR).toISOString(), firedAt: at(0).toISOString() },
          { accountId: 'acc_2', dueAt: at(0).toISOString(), firedAt: at(0).toISOString() },
        ],
      },
    ]);
    assert.deepEqual(
      (await rowsOf(db)).map((r) => r.account_id),
      ['acc_3', 'acc_4'],
    );
  });

  it('claims batches of batchSize until nothing is due', async (t) => {
    const db = await aDatabase(t);
    const due = makeDueWork({ db });
    const calls: Call[] = [];
    due.register(recording('trial_end', calls));
    await due.schedule(
      Array.from({ length: 7 }, (_, i) => ({
        accountId: `acc_${i}`,
        kind: 'trial_end',
        dueAt: at(i * MINUTE),
        clockId: null,
      })),
    );
    assert.equal(await due.sweepBatch({ clockId: null, now: at(HOUR), batchSize: 3 }), 3);
    assert.equal(await due.sweep({ clockId: null, now: at(HOUR), batchSize: 3 }), 4);
    assert.deepEqual(
      calls.map((c) => c.items.map((i) => i.accountId)),
      [['acc_0', 'acc_1', 'acc_2'], ['acc_3', 'acc_4', 'acc_5'], ['acc_6']],
    );
  });
});

describe('dueWork.sweep with a failing handler', () => {
  /** Handlers that append an event per item (inside the sweep's transaction); `bad` throws for acc_bad. */
  function setUp(db: Database) {
    const due = makeDueWork({ db });
    const log = makeEventLog({ db, clock: manualClock(T0), ids: sequentialIds() });
    const calls: string[] = [];
    const handle = (kind: string) => async (items: DueItem[]) => {
      calls.push(`${kind}:${items.map((i) => i.accountId).join(',')}`);
      await log.append(
        items.map((i) => ({ chainId: i.accountId, type: kind, actor: 'system', occurredAt: i.firedAt })),
      );
      if (items.some((i) => i.accountId === 'acc_bad')) throw new Error('the rule cannot decide');
    };
    due.register({ kind: 'ok', handle: handle('ok') });
    due.register({ kind: 'bad', handle: handle('bad') });
    const schedule = () =>
      due.schedule([
        { accountId: 'acc_good1', kind: 'ok', dueAt: at(-3 * MINUTE), clockId: null },
        { accountId: 'acc_bad', kind: 'bad', dueAt: at(-2 * MINUTE), clockId: null },
        { accountId: 'acc_good2', kind: 'ok', dueAt: at(-1 * MINUTE), clockId: null },
      ]);
    const eventsOf = async (chainId: string) => (await log.list(chainId)).map((e) => e.type);
    return { due, calls, schedule, eventsOf };
  }

  it('rolls the batch back, then retries item by item: the good ones succeed, the bad one waits with its error', async (t) => {
    const db = await aDatabase(t);
    const { due, calls, schedule, eventsOf } = setUp(db);
    await schedule();

    assert.equal(await due.sweep({ clockId: null, now: at(0) }), 3);

    assert.deepEqual(calls, [
      'ok:acc_good1',
      'bad:acc_bad', // the batch fails here and is rolled back
      'ok:acc_good1',
      'bad:acc_bad',
      'ok:acc_good2',
    ]);
    assert.deepEqual(await eventsOf('acc_good1'), ['ok']);
    assert.deepEqual(await eventsOf('acc_good2'), ['ok']);
    assert.deepEqual(await eventsOf('acc_bad'), []);
    assert.deepEqual(await rowsOf(db), [
      {
        account_id: 'acc_bad',
        kind: 'bad',
        due_at: at(2 * MINUTE).toISOString(),
        clock_id: null,
        attempts: 1,
        last_error: 'the rule cannot decide',
        failed_at: null,
      },
    ]);
    assert.deepEqual(await due.parked(), []);
  });

  it('backs off 2, 4, 8, 16 minutes, and parks the item after the fifth failure', async (t) => {
    const db = await aDatabase(t);
    const { due, calls, schedule } = setUp(db);
    await schedule();
    await due.sweep({ clockId: null, now: at(0) });
    calls.length = 0;

    let now = at(0);
    for (const [attempts, waitMinutes] of [
      [2, 2],
      [3, 4],
      [4, 8],
      [5, 16],
    ] as const) {
      assert.equal(
        await due.sweep({ clockId: null, now: new Date(now.getTime() + waitMinutes * MINUTE - 1) }),
        0,
        'not before its time',
      );
      now = new Date(now.getTime() + waitMinutes * MINUTE);
      assert.equal(await due.sweep({ clockId: null, now }), 1);
      const [row] = await rowsOf(db);
      assert.equal(row!.attempts, attempts);
      assert.equal(row!.due_at, new Date(now.getTime() + MINUTE * 2 ** attempts).toISOString());
      assert.equal(row!.failed_at, attempts === 5 ? now.toISOString() : null);
    }
    // Each attempt hands the item twice: in its batch (of one), then alone.
    assert.deepEqual(calls, Array(8).fill('bad:acc_bad'));
    assert.deepEqual(await due.parked(), [
      { accountId: 'acc_bad', kind: 'bad', lastError: 'the rule cannot decide' },
    ]);
    assert.equal(await due.sweep({ clockId: null, now: at(365 * 24 * HOUR) }), 0, 'a parked item waits');
    assert.equal(calls.length, 8);
  });

  it("inside a caller's transaction (a test-clock advance with an Idempotency-Key), applies each good item once", async (t) => {
    const db = await aDatabase(t);
    const { due, calls, schedule, eventsOf } = setUp(db);
    await schedule();

    assert.equal(await db.transaction(() => due.sweep({ clockId: null, now: at(0) })), 3);

    assert.deepEqual(calls, ['ok:acc_good1', 'bad:acc_bad', 'ok:acc_good1', 'bad:acc_bad', 'ok:acc_good2']);
    assert.deepEqual(await eventsOf('acc_good1'), ['ok']);
    assert.deepEqual(await eventsOf('acc_good2'), ['ok']);
    assert.deepEqual(await eventsOf('acc_bad'), []);
    const [row] = await rowsOf(db);
    assert.deepEqual(
      [row!.account_id, row!.attempts, row!.due_at],
      ['acc_bad', 1, at(2 * MINUTE).toISOString()],
    );
  });

  it('an item of a kind nobody handles is retried and parked like a failing one', async (t) => {
    const db = await aDatabase(t);
    const due = makeDueWork({ db });
    await due.schedule([{ accountId: 'acc_1', kind: 'unknown_rule', dueAt: at(0), clockId: null }]);
    assert.equal(await due.sweep({ clockId: null, now: at(0) }), 1);
    const [row] = await rowsOf(db);
    assert.deepEqual([row!.attempts, row!.last_error], [1, 'no due handler for unknown_rule']);
  });
});

describe('dueWork.sweep by two workers at once', {
  skip: !onServer && 'needs a server',
  timeout: 60_000,
}, () => {
  it('never hands one item to two handlers: each worker skips the rows the other holds', async (t) => {
    const db = await aDatabase(t);
    const handedTo = new Map<string, string[]>();
    // Each worker's first batch waits inside its handler until the other worker is inside its own: both
    // hold a batch at once, which only works if the second claim skipped the first one's locked rows.
    let arrivals = 0;
    let bothIn!: () => void;
    const together = new Promise<void>((resolve) => {
      bothIn = resolve;
    });
    const worker = (name: string) => {
      const due = makeDueWork({ db });
      let first = true;
      due.register({
        kind: 'trial_end',
        handle: async (items) => {
          for (const i of items) handedTo.set(i.accountId, [...(handedTo.get(i.accountId) ?? []), name]);
          if (first) {
            first = false;
            if (++arrivals === 2) bothIn();
            await together;
          }
        },
      });
      return due;
    };
    const a = worker('a');
    const b = worker('b');
    await a.schedule(
      Array.from({ length: 40 }, (_, i) => ({
        accountId: `acc_${String(i).padStart(2, '0')}`,
        kind: 'trial_end',
        dueAt: at(i * MINUTE),
        clockId: null,
      })),
    );

    const [byA, byB] = await Promise.all([
      a.sweep({ clockId: null, now: at(HOUR), batchSize: 5 }),
      b.sweep({ clockId: null, now: at(HOUR), batchSize: 5 }),
    ]);

    assert.equal(byA + byB, 40);
    assert.ok(byA >= 5 && byB >= 5, `both worked: a ${byA}, b ${byB}`);
    assert.equal(handedTo.size, 40);
    for (const [accountId, workers] of handedTo) assert.equal(workers.length, 1, `${accountId}: ${workers}`);
    assert.deepEqual(await rowsOf(db), []);
  });

  it('a worker retrying its failed batch does not hand again an item another worker handled meanwhile', async (t) => {
    const db = await aDatabase(t);
    const handled: string[] = [];
    // Worker b waits outside a's transactions; a's bad handler, on its retry, lets b sweep to the end.
    let go!: () => void;
    const gate = new Promise<void>((resolve) => {
      go = resolve;
    });
    const a = makeDueWork({ db });
    const b = makeDueWork({ db });
    const bDone = (async () => {
      await gate;
      return b.sweep({ clockId: null, now: at(0) });
    })();
    let badCalls = 0;
    for (const [name, due] of [
      ['a', a],
      ['b', b],
    ] as const) {
      due.register({
        kind: 'ok',
        handle: async (items) => {
          handled.push(...items.map((i) => `${name}:${i.accountId}`));
        },
      });
      due.register({
        kind: 'bad',
        handle: async () => {
          badCalls++;
          if (badCalls === 2) {
            go();
            await bDone;
          }
          throw new Error('the rule cannot decide');
        },
      });
    }
    await a.schedule([
      { accountId: 'acc_good1', kind: 'ok', dueAt: at(-3 * MINUTE), clockId: null },
      { accountId: 'acc_bad', kind: 'bad', dueAt: at(-2 * MINUTE), clockId: null },
      { accountId: 'acc_good2', kind: 'ok', dueAt: at(-1 * MINUTE), clockId: null },
    ]);

    assert.equal(await a.sweep({ clockId: null, now: at(0) }), 3);
    assert.equal(await bDone, 1);
    // a's batch fails at acc_bad and rolls back; a retries acc_good1, and while it retries acc_bad, b claims
    // and commits acc_good2, which a must then leave alone.
    assert.deepEqual(handled, ['a:acc_good1', 'a:acc_good1', 'b:acc_good2']);
    assert.deepEqual(
      (await rowsOf(db)).map((r) => [r.account_id, r.attempts]),
      [['acc_bad', 1]],
    );
  });
});
