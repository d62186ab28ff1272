import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Every policy version the system has run under; accounts point at the version their contract is under. */
export const policyVersions = pgTable('policy_versions', {
  id: text('id').primaryKey(),
  policyId: text('policy_id').notNull(),
  version: text('version').notNull(),
  hash: text('hash').notNull().unique(),
  content: jsonb('content').notNull(),
  firstLoadedAt: timestamp('first_loaded_at', { withTimezone: true, precision: 3 }).notNull(),
});
