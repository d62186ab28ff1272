import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Test clocks: sandbox time that an operator or a test moves forward; bound accounts live by it. */
export const testClocks = pgTable('test_clocks', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  frozenTime: timestamp('frozen_time', { withTimezone: true, precision: 3 }).notNull(),
  status: text('status').$type<'ready' | 'advancing'>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull(),
});
