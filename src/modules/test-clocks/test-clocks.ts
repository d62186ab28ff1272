import { eq, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueWork } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { testClockErrors } from './test-clocks-errors.ts';
import { testClocks } from './test-clocks-schema.ts';

export type TestClock = {
  id: string;
  name: string;
  frozenTime: Date;
  status: 'ready' | 'advancing';
  createdAt: Date;
};

export type TestClocks = ReturnType<typeof makeTestClocks>;

/**
 * Due items an advance hands to the handlers per transaction. Larger than the real clock's worker's
 * batches (500): an advance holds its clock alone, no other worker waits for these rows, and each batch
 * costs a dozen round trips whatever its size (bench/retention.ts: 6,000 accounts 28 s → 19 s).
 */
const ADVANCE_BATCH = 2000;

/**
 * Test clocks: sandbox time for accounts bound to them. Advancing a clock runs the same sweep the real
 * clock's worker runs, over the clock's due items only, in due-time order, each rule firing at its own due
 * time, so months of an account's life pass in the order and with the results they would have in real time.
 */
export function makeTestClocks(deps: { db: Database; dueWork: DueWork; ids: IdGenerator; clock: Clock }) {
  const { db, dueWork, ids, clock } = deps;

  async function create(input: { name?: string; frozenTime?: Date }): Promise<TestClock> {
    const row = {
      id: ids.next('clock'),
      name: input.name ?? 'test clock',
      frozenTime: input.frozenTime ?? clock.now(),
      status: 'ready' as const,
      createdAt: clock.now(),
    };
    await db.q.insert(testClocks).values(row);
    return row;
  }

  async function get(id: string): Promise<TestClock> {
    const [row] = await db.q.select().from(testClocks).where(eq(testClocks.id, id));
    if (!row) throw new AppError(testClockErrors.not_found, { details: { id } });
    return row;
  }

  /** The current time for an account bound to `clockId`, or the real time when it is null. */
  async function timeOf(clockId: string | null): Promise<Date> {
    return clockId ? (await get(clockId)).frozenTime : clock.now();
  }

  /**
   * Moves the clock to `to`, firing every rule that falls due on the way. Refuses to go back in time and
   * refuses while another advance of the same clock runs. If the process dies midway, what was applied
   * stays applied (each batch commits whole) and a new advance continues from there.
   */
  async function advance(
    id: string,
    to: Date,
    options: { batchSize?: number } = {},
  ): Promise<{ clock: TestClock; fired: number; firedByKind: Record<string, number> }> {
    const current = await get(id);
    if (to.getTime() < current.frozenTime.getTime())
      throw new AppError(testClockErrors.backwards, {
        details: { frozenTime: current.frozenTime.toISOString() },
      });
    const claimed = await db.rows<{ id: string }>(
      sql`update test_clocks set status = 'advancing' where id = ${id} and status = 'ready' returning id`,
    );
    if (claimed.length === 0) throw new AppError(testClockErrors.busy, { details: { id } });
    try {
      const tally = new Map<string, number>();
      const fired = await dueWork.sweep({
        clockId: id,
        now: to,
        firedNotBefore: current.frozenTime,
        tally,
        batchSize: options.batchSize ?? ADVANCE_BATCH,
      });
      await db.q.update(testClocks).set({ frozenTime: to, status: 'ready' }).where(eq(testClocks.id, id));
      const firedByKind = Object.fromEntries([...tally].sort(([a], [b]) => a.localeCompare(b)));
      return { clock: { ...current, frozenTime: to, status: 'ready' }, fired, firedByKind };
    } catch (error) {
      await db.q.update(testClocks).set({ status: 'ready' }).where(eq(testClocks.id, id));
      throw error;
    }
  }

  return { create, get, timeOf, advance };
}
