import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from '../platform/db/columns.ts';

/** Every policy version the system has run under; accounts point at the version their contract is under. */
export const policyVersions = pgTable('policy_versions', {
  id: text('id').primaryKey(),
  policyId: text('policy_id').notNull(),
  version: text('version').notNull(),
  hash: text('hash').notNull().unique(),
  content: jsonb('content').notNull(),
  firstLoadedAt: instant('first_loaded_at').notNull(),
});
