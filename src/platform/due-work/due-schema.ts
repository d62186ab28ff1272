import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant } from '../db/columns.ts';

/**
 * Due work is data: each row says that rule `kind` must look at `account_id` (and object `ref`) at `due_at`.
 * Rows of accounts bound to a test clock carry its id and are swept only when that clock advances.
 */
export const dueItems = pgTable(
  'due_items',
  {
    accountId: text('account_id').notNull(),
    kind: text('kind').notNull(),
    ref: text('ref').notNull().default(''),
    dueAt: instant('due_at').notNull(),
    clockId: text('clock_id'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    failedAt: instant('failed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.kind, t.ref] }),
    index('due_items_clock_due_idx').on(t.clockId, t.dueAt).where(sql`failed_at is null`),
  ],
);
