import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';

/**
 * The consent ledger of the operator's website (CM-CKE-07): one row per choice a visitor made in the cookie
 * banner, as proof. The visitor is known only by the random consent id kept in the consent cookie; the IP
 * address is stored anonymised. Rows are never updated: a withdrawal is a later row.
 */
export const cookieConsents = pgTable(
  'cookie_consents',
  {
    id: text('id').primaryKey(),
    site: text('site').notNull(),
    visitorId: text('visitor_id').notNull(),
    /** accept_all, reject_all or custom. */
    action: text('action').notNull(),
    /** Where the choice was made: `banner` (first layer) or `preference_centre`. */
    channel: text('channel').notNull(),
    granted: jsonb('granted').$type<string[]>().notNull(),
    denied: jsonb('denied').$type<string[]>().notNull(),
    /** Categories this choice gave, and withdrew, compared with the visitor's previous choice. */
    given: jsonb('given').$type<string[]>().notNull(),
    withdrawn: jsonb('withdrawn').$type<string[]>().notNull(),
    policyVersionId: text('policy_version_id').notNull(),
    cookiePolicyVersion: text('cookie_policy_version').notNull(),
    language: text('language').notNull(),
    ipAnonymised: text('ip_anonymised'),
    userAgent: text('user_agent'),
    recordedAt: instant('recorded_at').notNull(),
  },
  (t) => [
    index('cookie_consents_visitor_idx').on(t.site, t.visitorId, t.id),
    index('cookie_consents_recorded_idx').on(t.recordedAt),
  ],
);
