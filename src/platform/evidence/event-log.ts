import { sql } from 'drizzle-orm';
import { canonicalJson } from '../canonical-json.ts';
import type { Clock } from '../clock.ts';
import { jsonRows, textArray } from '../db/bulk.ts';
import type { Database } from '../db/database.ts';
import { type IdGenerator, sha256Hex } from '../ids.ts';
import type { EventData } from './evidence-schema.ts';

export type NewEvent = {
  /** The account id, or an operator-wide chain such as `operator`. */
  chainId: string;
  type: string;
  /** The catalog clause that caused this, e.g. `QU-BIL-01`; null for plain facts (a login). */
  clause?: string | null;
  /** `system`, `user:<id>`, `api_key:<id>`, `staff:<id>`. */
  actor: string;
  /** What triggered it: an event id, a due item, a request id. */
  cause?: string | null;
  /** Domain time: the (test) clock's time at which it happened. */
  occurredAt: Date;
  /** Ids, states, amounts, counts: never personal data. */
  data?: EventData;
};

export type StoredEvent = Required<NewEvent> & {
  id: string;
  seq: number;
  recordedAt: Date;
  prevHash: string;
  hash: string;
};

const GENESIS = '0'.repeat(64);

export function hashEvent(e: Omit<StoredEvent, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      chainId: e.chainId,
      seq: e.seq,
      id: e.id,
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt,
      type: e.type,
      clause: e.clause,
      actor: e.actor,
      cause: e.cause,
      data: e.data,
      prevHash: e.prevHash,
    }),
  );
}

export type EventLog = ReturnType<typeof makeEventLog>;

/**
 * The append-only, hash-chained log of everything that happened and why. Appends join the caller's
 * transaction, so a state change and the event that explains it commit together or not at all.
 */
export function makeEventLog(deps: { db: Database; clock: Clock; ids: IdGenerator }) {
  const { db, clock, ids } = deps;

  /**
   * Appends events in order; events of one chain get consecutive seqs. Locks the heads of the chains
   * involved until the transaction ends, so concurrent appenders to one chain queue up, and appenders to
   * different chains do not wait for each other. Must run inside a transaction.
   */
  async function append(list: readonly NewEvent[]): Promise<StoredEvent[]> {
    if (list.length === 0) return [];
    if (!db.inTransaction()) throw new Error('eventLog.append must run inside a transaction');
    const chainIds = [...new Set(list.map((e) => e.chainId))].sort();
    const lockHeads = () =>
      db.rows<{ chain_id: string; seq: number; hash: string }>(sql`
        select chain_id, seq, hash from chain_heads
        where chain_id = any(${textArray(chainIds)}) order by chain_id for update`);
    let heads = await lockHeads();
    if (heads.length < chainIds.length) {
      // A chain's first event: its head starts at the genesis hash.
      await db.q.execute(sql`
        insert into chain_heads (chain_id, seq, hash)
        select v, 0, ${GENESIS} from unnest(${textArray(chainIds)}) as v
        on conflict do nothing`);
      heads = await lockHeads();
    }
    const head = new Map(heads.map((h) => [h.chain_id, { seq: h.seq, hash: h.hash }]));
    const recordedAt = clock.now();
    const stored: StoredEvent[] = list.map((e) => {
      const prev = head.get(e.chainId)!;
      const partial = {
        chainId: e.chainId,
        seq: prev.seq + 1,
        id: ids.next('evt'),
        occurredAt: e.occurredAt,
        recordedAt,
        type: e.type,
        clause: e.clause ?? null,
        actor: e.actor,
        cause: e.cause ?? null,
        data: e.data ?? {},
        prevHash: prev.hash,
      };
      const event = { ...partial, hash: hashEvent(partial) };
      head.set(e.chainId, { seq: event.seq, hash: event.hash });
      return event;
    });
    const involved = new Set(chainIds);
    const newHeads = [...head].filter(([id]) => involved.has(id)).map(([chainId, h]) => ({ chainId, ...h }));
    // The events and their chains' new heads in one statement (one round trip per batch less).
    await db.q.execute(sql`
      with appended as (
        insert into events (chain_id, seq, id, occurred_at, recorded_at, type, clause, actor, cause, data, prev_hash, hash)
        select "chainId", seq, id, "occurredAt", "recordedAt", type, clause, actor, cause, data, "prevHash", hash
        from jsonb_to_recordset(${jsonRows(stored)}) as x(
          "chainId" text, seq int, id text, "occurredAt" timestamptz, "recordedAt" timestamptz, type text,
          clause text, actor text, cause text, data jsonb, "prevHash" text, hash text))
      update chain_heads h set seq = x.seq, hash = x.hash
      from jsonb_to_recordset(${jsonRows(newHeads)}) as x("chainId" text, seq int, hash text)
      where h.chain_id = x."chainId"`);
    return stored;
  }

  async function appendOne(event: NewEvent): Promise<StoredEvent> {
    return db.transaction(async () => (await append([event]))[0]!);
  }

  /** The events of one chain, oldest first. */
  async function list(
    chainId: string,
    options: { afterSeq?: number; limit?: number } = {},
  ): Promise<StoredEvent[]> {
    const rows = await db.rows<EventRow>(sql`
      select * from events where chain_id = ${chainId} and seq > ${options.afterSeq ?? 0}
      order by seq limit ${options.limit ?? 1000}`);
    return rows.map(fromRow);
  }

  /**
   * Records the heads that moved since the last checkpoint, chained to it. Run periodically by the worker:
   * once a head is checkpointed, deleting that chain or its tail is detected by `verify`.
   */
  async function checkpoint(): Promise<{ seq: number; chains: number; hash: string } | null> {
    return db.transaction(async () => {
      await db.q.execute(sql`lock table checkpoints in exclusive mode`);
      const moved = await db.rows<{ chain_id: string; seq: number; hash: string }>(sql`
        select chain_id, seq, hash from chain_heads where seq > checkpointed_seq order by chain_id for update`);
      if (moved.length === 0) return null;
      const [last] = await db.rows<{ seq: number; hash: string }>(
        sql`select seq, hash from checkpoints order by seq desc limit 1`,
      );
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS;
      const createdAt = clock.now();
      const heads = moved.map((m) => ({ chainId: m.chain_id, seq: m.seq, hash: m.hash }));
      const hash = hashCheckpoint(seq, createdAt, prevHash, heads);
      await db.q.execute(sql`
        insert into checkpoints (seq, created_at, chains, prev_hash, hash)
        values (${seq}, ${createdAt.toISOString()}, ${heads.length}, ${prevHash}, ${hash})`);
      await db.q.execute(sql`
        insert into checkpoint_heads (checkpoint_seq, chain_id, seq, hash)
        select ${seq}, "chainId", seq, hash
        from jsonb_to_recordset(${jsonRows(heads)}) as x("chainId" text, seq int, hash text)`);
      await db.q.execute(sql`
        update chain_heads set checkpointed_seq = seq where chain_id = any(${textArray(heads.map((h) => h.chainId))})`);
      await db.q.execute(sql`select setval(pg_get_serial_sequence('checkpoints', 'seq'), ${seq})`);
      return { seq, chains: heads.length, hash };
    });
  }

  /**
   * Recomputes every hash and link. Finds edited, reordered, inserted or deleted events, heads that do not
   * match their chain, and chains or tails deleted after a checkpoint recorded them (even once the chain has
   * grown past them again). Reads one snapshot, so appends committed meanwhile are not taken for tampering.
   */
  async function verify(): Promise<VerifyReport> {
    if (db.inTransaction()) return verifySnapshot();
    return db.transaction(async () => {
      await db.q.execute(sql`set transaction isolation level repeatable read, read only`);
      return verifySnapshot();
    });
  }

  async function verifySnapshot(): Promise<VerifyReport> {
    const problems: string[] = [];
    let eventCount = 0;
    const chainEnds = new Map<string, { seq: number; hash: string }>();

    const cps = await db.rows<{ seq: number; created_at: Date; prev_hash: string; hash: string }>(
      sql`select seq, created_at, prev_hash, hash from checkpoints order by seq`,
    );
    let prev = GENESIS;
    for (const cp of cps) {
      const heads = await db.rows<{ chain_id: string; seq: number; hash: string }>(
        sql`select chain_id, seq, hash from checkpoint_heads where checkpoint_seq = ${cp.seq} order by chain_id`,
      );
      const list = heads.map((h) => ({ chainId: h.chain_id, seq: h.seq, hash: h.hash }));
      if (cp.prev_hash !== prev)
        problems.push(`checkpoint ${cp.seq}: does not link to checkpoint ${cp.seq - 1}`);
      if (hashCheckpoint(cp.seq, new Date(cp.created_at), cp.prev_hash, list) !== cp.hash)
        problems.push(`checkpoint ${cp.seq}: its content does not match its hash`);
      prev = cp.hash;
    }

    let cursor = { chainId: '', seq: 0 };
    let expected = { chainId: '', seq: 0, prevHash: GENESIS };
    for (;;) {
      const page = await db.rows<EventRow>(sql`
        select * from events where (chain_id, seq) > (${cursor.chainId}, ${cursor.seq})
        order by chain_id, seq limit 5000`);
      if (page.length === 0) break;
      for (const row of page) {
        const e = fromRow(row);
        eventCount++;
        if (e.chainId !== expected.chainId) expected = { chainId: e.chainId, seq: 0, prevHash: GENESIS };
        const where = `chain ${e.chainId} seq ${e.seq}`;
        if (e.seq !== expected.seq + 1)
          problems.push(`${where}: expected seq ${expected.seq + 1} (events missing)`);
        if (e.prevHash !== expected.prevHash) problems.push(`${where}: does not link to the previous event`);
        const { hash, ...rest } = e;
        if (hashEvent(rest) !== hash) problems.push(`${where}: content does not match its hash (edited)`);
        expected = { chainId: e.chainId, seq: e.seq, prevHash: e.hash };
        chainEnds.set(e.chainId, { seq: e.seq, hash: e.hash });
      }
      const lastRow = page[page.length - 1]!;
      cursor = { chainId: lastRow.chain_id, seq: lastRow.seq };
    }

    const heads = await db.rows<{ chain_id: string; seq: number; hash: string }>(
      sql`select chain_id, seq, hash from chain_heads where seq > 0`,
    );
    const headMap = new Map(heads.map((h) => [h.chain_id, h]));
    for (const [chainId, end] of chainEnds) {
      const h = headMap.get(chainId);
      if (!h || h.seq !== end.seq || h.hash !== end.hash)
        problems.push(
          `chain ${chainId}: head says seq ${h?.seq ?? 'none'}, the chain ends at seq ${end.seq}`,
        );
    }
    for (const [chainId, h] of headMap) {
      if (!chainEnds.has(chainId))
        problems.push(`chain ${chainId}: head at seq ${h.seq} but no events (chain deleted)`);
    }
    // Every head any checkpoint recorded, not only the latest per chain: a tail deleted and then overgrown
    // by new appends (and a newer checkpoint) still differs from what the older checkpoint saw. The stored
    // hashes compared here were recomputed above, so a rewritten chain cannot hide behind them.
    const differing = await db.rows<{
      checkpoint_seq: number;
      chain_id: string;
      seq: number;
      found: string | null;
    }>(sql`
      select c.checkpoint_seq, c.chain_id, c.seq, e.hash as found
      from checkpoint_heads c left join events e on e.chain_id = c.chain_id and e.seq = c.seq
      where e.hash is distinct from c.hash
      order by c.chain_id, c.seq, c.checkpoint_seq`);
    for (const d of differing)
      problems.push(
        d.found === null
          ? `chain ${d.chain_id}: checkpoint ${d.checkpoint_seq} recorded seq ${d.seq}, which no longer exists (deleted)`
          : `chain ${d.chain_id}: seq ${d.seq} differs from checkpoint ${d.checkpoint_seq}`,
      );
    return {
      ok: problems.length === 0,
      events: eventCount,
      chains: chainEnds.size,
      checkpoints: cps.length,
      lastCheckpointHash: cps.at(-1)?.hash ?? null,
      problems,
    };
  }

  return { append, appendOne, list, checkpoint, verify };
}

export type VerifyReport = {
  ok: boolean;
  events: number;
  chains: number;
  checkpoints: number;
  lastCheckpointHash: string | null;
  problems: string[];
};

function hashCheckpoint(
  seq: number,
  createdAt: Date,
  prevHash: string,
  heads: { chainId: string; seq: number; hash: string }[],
): string {
  return sha256Hex(canonicalJson({ seq, createdAt, prevHash, heads }));
}

type EventRow = {
  chain_id: string;
  seq: number;
  id: string;
  occurred_at: Date;
  recorded_at: Date;
  type: string;
  clause: string | null;
  actor: string;
  cause: string | null;
  data: EventData;
  prev_hash: string;
  hash: string;
};

function fromRow(r: EventRow): StoredEvent {
  return {
    chainId: r.chain_id,
    seq: r.seq,
    id: r.id,
    occurredAt: new Date(r.occurred_at),
    recordedAt: new Date(r.recorded_at),
    type: r.type,
    clause: r.clause,
    actor: r.actor,
    cause: r.cause,
    data: r.data,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
