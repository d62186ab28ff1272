import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';

/** Who accepted which document version, when, through which channel (CM-DOC-01, QU-ACC-02, BK-ACC-03). */
export const acceptances = pgTable(
  'acceptances',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    documentKind: text('document_kind').notNull(),
    documentVersion: text('document_version').notNull(),
    acceptedAt: instant('accepted_at').notNull(),
    channel: text('channel').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('acceptances_account_idx').on(t.accountId, t.documentKind)],
);
