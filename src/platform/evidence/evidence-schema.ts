import { index, integer, jsonb, pgTable, primaryKey, serial, text } from 'drizzle-orm/pg-core';
import { instant } from '../db/columns.ts';

/**
 * The append-only, hash-chained event log. One chain per account (chain_id = account id) plus chains for
 * operator-wide facts, so that sweeps over different accounts append in parallel. Holds no personal data:
 * ids, clause ids, states, amounts, counts.
 */
export const events = pgTable(
  'events',
  {
    chainId: text('chain_id').notNull(),
    seq: integer('seq').notNull(),
    id: text('id').notNull(),
    occurredAt: instant('occurred_at').notNull(),
    recordedAt: instant('recorded_at').notNull(),
    type: text('type').notNull(),
    clause: text('clause'),
    actor: text('actor').notNull(),
    cause: text('cause'),
    data: jsonb('data').$type<EventData>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.seq] }), index('events_type_idx').on(t.type, t.occurredAt)],
);

export const chainHeads = pgTable('chain_heads', {
  chainId: text('chain_id').primaryKey(),
  seq: integer('seq').notNull(),
  hash: text('hash').notNull(),
  /** The seq the latest checkpoint recorded for this chain; heads beyond it go into the next checkpoint. */
  checkpointedSeq: integer('checkpointed_seq').notNull().default(0),
});

/**
 * Periodic checkpoints over the chain heads, themselves hash-chained. Each records only the heads that moved
 * since the previous one, so a checkpoint stays small; together they prove that no chain lost its tail or
 * disappeared whole.
 */
export const checkpoints = pgTable('checkpoints', {
  seq: serial('seq').primaryKey(),
  createdAt: instant('created_at').notNull(),
  chains: integer('chains').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

export const checkpointHeads = pgTable(
  'checkpoint_heads',
  {
    checkpointSeq: integer('checkpoint_seq').notNull(),
    chainId: text('chain_id').notNull(),
    seq: integer('seq').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.checkpointSeq, t.chainId] })],
);

export type EventData = Record<string, string | number | boolean | null | string[]>;
