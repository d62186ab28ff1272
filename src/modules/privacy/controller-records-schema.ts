import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';

/**
 * Requests about data the operator holds as processor (a salon's client, a webinar attendee), recorded and
 * routed to the customer who is their controller (BK-PRV-01, MOC-PRV-02): the intake (channel, time
 * received, the deadline that would apply) and when and to whom it was routed.
 */
export const routedRequests = pgTable(
  'dsr_routed_requests',
  {
    id: text('id').primaryKey(),
    /** The customer account that is controller of the requester's data. */
    controllerAccountId: text('controller_account_id').notNull(),
    clockId: text('clock_id'),
    type: text('type').notNull(),
    channel: text('channel').notNull(),
    receivedAt: instant('received_at').notNull(),
    receivedOn: text('received_on').notNull(),
    dueOn: text('due_on').notNull(),
    routedAt: instant('routed_at').notNull(),
    /** The clause the routing cites (BK-PRV-01, MOC-PRV-02). */
    clause: text('clause'),
    /** Null once the retention of closed requests has run. */
    requesterEmail: text('requester_email'),
    statement: text('statement'),
    createdBy: text('created_by').notNull(),
  },
  (t) => [index('dsr_routed_controller_idx').on(t.controllerAccountId)],
);

/**
 * Data collected automatically from visitors without an account (URL, IP address, proxy, OS, browser,
 * non-GPS location, logs), keyed by the identifier their browser holds (CM-PRV-11, CM-PRV-15). A record is
 * anonymised when the identifier's lifetime ends, unless it was linked to an account first: from then on
 * it is that person's personal data, in their access export and under their account's retention.
 */
export const visitorRecords = pgTable(
  'visitor_records',
  {
    id: text('id').primaryKey(),
    /** The identifier's value (e.g. the analytics cookie); null once anonymised. */
    identifier: text('identifier'),
    /** The cookie (or storage key) from the policy's cookie register that carries the identifier. */
    cookie: text('cookie').notNull(),
    identifierSetAt: instant('identifier_set_at').notNull(),
    /** When the identifier's maximum lifetime ends (the register's lifetime from `identifierSetAt`). */
    expiresAt: instant('expires_at').notNull(),
    occurredAt: instant('occurred_at').notNull(),
    /** url, ip, proxy, os, browser, location, log: what the request carried; emptied on anonymisation. */
    data: jsonb('data').$type<Record<string, string>>().notNull(),
    clockId: text('clock_id'),
    accountId: text('account_id'),
    linkedAt: instant('linked_at'),
    anonymisedAt: instant('anonymised_at'),
  },
  (t) => [
    index('visitor_records_identifier_idx').on(t.identifier),
    index('visitor_records_account_idx').on(t.accountId),
  ],
);

/** The operator's own recruitments (CM-PRV-17): open while candidates apply, closed when decided. */
export const recruitments = pgTable('recruitments', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  clockId: text('clock_id'),
  openedAt: instant('opened_at').notNull(),
  closedAt: instant('closed_at'),
});

/**
 * Candidates of a recruitment (CM-PRV-17): kept for the recruitment and the claims period after it closes;
 * in the talent pool only with its own consent, and only while that consent lasts.
 */
export const recruitmentCandidates = pgTable(
  'recruitment_candidates',
  {
    id: text('id').primaryKey(),
    recruitmentId: text('recruitment_id').notNull(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    /** Extra data given with the CV (e.g. a photo reference): sending it is the consent. */
    extra: jsonb('extra').$type<Record<string, string>>().notNull(),
    talentPoolConsentAt: instant('talent_pool_consent_at'),
    talentPoolWithdrawnAt: instant('talent_pool_withdrawn_at'),
    appliedAt: instant('applied_at').notNull(),
    /** Set when the recruitment closes: the end of the claims period (the policy's retention category). */
    keepUntil: instant('keep_until'),
  },
  (t) => [index('recruitment_candidates_recruitment_idx').on(t.recruitmentId)],
);
