import { pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';

/** Test clocks: sandbox time that an operator or a test moves forward; bound accounts live by it. */
export const testClocks = pgTable('test_clocks', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  frozenTime: instant('frozen_time').notNull(),
  status: text('status').$type<'ready' | 'advancing'>().notNull(),
  createdAt: instant('created_at').notNull(),
});
