import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';

/**
 * Where each retention category stands for each account: the trigger it counts from, when its data go (or
 * the next look, for item categories), when the warning went out and when it was done. One trigger is acted
 * on once: a later trigger (a new contract end, another state entered) starts a new round.
 */
export const retentionStatus = pgTable(
  'retention_status',
  {
    accountId: text('account_id').notNull(),
    category: text('category').notNull(),
    triggerAt: instant('trigger_at'),
    purgeAt: instant('purge_at'),
    warnAt: instant('warn_at'),
    warnedAt: instant('warned_at'),
    doneAt: instant('done_at'),
    /** Rows deleted or anonymised by the last run (a count, never the data). */
    rows: integer('rows').notNull().default(0),
    /** Why nothing is scheduled, e.g. `contract_running`, `legal_hold`. */
    note: text('note'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.category] })],
);

/**
 * Legal holds: while one is active on an account (subject_id null) nothing of it is purged; one on a
 * subject (a user id, an entrusted data subject's id) keeps that subject's rows. Set and lifted by the
 * operator with a reason.
 */
export const legalHolds = pgTable(
  'legal_holds',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    subjectId: text('subject_id'),
    reason: text('reason').notNull(),
    setBy: text('set_by').notNull(),
    setAt: instant('set_at').notNull(),
    liftedBy: text('lifted_by'),
    liftedAt: instant('lifted_at'),
    liftReason: text('lift_reason'),
  },
  (t) => [index('legal_holds_active_idx').on(t.accountId).where(sql`lifted_at is null`)],
);

/**
 * The deletion journal: every erasure, by account, category, handler and the parameters it ran with (ids,
 * codes and instants only, never data). Restoring a backup re-runs every entry recorded after the backup
 * was taken, so purged data never come back.
 */
export const retentionJournal = pgTable(
  'retention_journal',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    accountId: text('account_id').notNull(),
    category: text('category').notNull(),
    handler: text('handler').notNull(),
    action: text('action').$type<'delete' | 'anonymise'>().notNull(),
    keep: jsonb('keep').$type<string[]>().notNull(),
    heldSubjects: jsonb('held_subjects').$type<string[]>().notNull(),
    /** Item categories: items triggered before this instant were erased. */
    before: instant('before'),
    at: instant('at').notNull(),
    recordedAt: instant('recorded_at').notNull(),
  },
  (t) => [index('retention_journal_at_idx').on(t.recordedAt)],
);
