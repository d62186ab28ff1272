import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';

/**
 * The people the operator is controller for (its customers' users, newsletter readers): one row per e-mail
 * address, keyed by the SHA-256 of the lower-cased address so that a withdrawal or objection is still
 * honoured after the address itself was erased. The flags are what every non-essential message is checked
 * against at the moment it is sent (CM-CKE-06).
 */
export const privacySubjects = pgTable(
  'privacy_subjects',
  {
    id: text('id').primaryKey(),
    /** The customer account the person belongs to; null for a subscriber without an account. */
    accountId: text('account_id'),
    userId: text('user_id'),
    /** Null once erased (the subject is then known only by id and hash). */
    email: text('email'),
    emailHash: text('email_hash').notNull(),
    /** An objection to direct marketing (CM-PRV-08), and to marketing profiling, with their time. */
    marketingObjectedAt: instant('marketing_objected_at'),
    profilingObjectedAt: instant('profiling_objected_at'),
    /** Processing restricted (CM-PRV-07): by which request, since when, until which local date at most. */
    restrictedAt: instant('restricted_at'),
    restrictedBy: text('restricted_by'),
    restrictionEndsOn: text('restriction_ends_on'),
    erasedAt: instant('erased_at'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('privacy_subjects_hash_idx').on(t.emailHash),
    index('privacy_subjects_account_idx').on(t.accountId),
  ],
);

/** Where each subject's consent to each purpose stands now; the ledger below holds the proof. */
export const consentStates = pgTable(
  'consent_states',
  {
    subjectId: text('subject_id').notNull(),
    purpose: text('purpose').notNull(),
    accountId: text('account_id'),
    /** granted | withdrawn | expired (soft opt-in ended, QU-CNS-02). */
    status: text('status').$type<'granted' | 'withdrawn' | 'expired'>().notNull(),
    basis: text('basis').notNull(),
    changedAt: instant('changed_at').notNull(),
    ledgerId: text('ledger_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.subjectId, t.purpose] })],
);

/**
 * The consent ledger (CM-CKE-05, CM-CKE-07): every consent given, withdrawn or ended, with its proof — the
 * wording version and the SHA-256 of the exact text shown, the time, channel, IP address and user agent.
 * Append-only. Erasing the subject pseudonymises it (IP and user agent cleared, the subject known by id
 * only) but keeps the rows: they are the proof the operator owes (CM-PRV-06 keeps `consent_log`).
 */
export const consentLedger = pgTable(
  'consent_ledger',
  {
    id: text('id').primaryKey(),
    subjectId: text('subject_id').notNull(),
    accountId: text('account_id'),
    purpose: text('purpose').notNull(),
    action: text('action').$type<'given' | 'withdrawn' | 'expired'>().notNull(),
    basis: text('basis').notNull(),
    wordingVersion: text('wording_version').notNull(),
    wordingSha256: text('wording_sha256').notNull(),
    language: text('language').notNull(),
    /** registration, account_settings, unsubscribe_link, email, letter, staff, api, retention… */
    channel: text('channel').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** `user:…`, `api_key:…`, `subject` (one-click link), `system`. */
    recordedBy: text('recorded_by').notNull(),
    /** The data-subject request it came from, if any. */
    requestId: text('request_id'),
    occurredAt: instant('occurred_at').notNull(),
    recordedAt: instant('recorded_at').notNull(),
  },
  (t) => [
    index('consent_ledger_subject_idx').on(t.subjectId, t.id),
    index('consent_ledger_account_idx').on(t.accountId),
  ],
);

/**
 * Data-subject requests where the operator is controller (CM-PRV-01..09, HT-PRV-04/05): how and when each
 * arrived, its deadline (and extension), identity check, fee quote for further copies, and outcome. The
 * history of each request is its event chain `dsr:<id>` in the event log.
 */
export const dsrRequests = pgTable(
  'dsr_requests',
  {
    id: text('id').primaryKey(),
    subjectId: text('subject_id').notNull(),
    accountId: text('account_id'),
    clockId: text('clock_id'),
    policyVersionId: text('policy_version_id').notNull(),
    type: text('type').notNull(),
    channel: text('channel').notNull(),
    receivedAt: instant('received_at').notNull(),
    receivedOn: text('received_on').notNull(),
    dueOn: text('due_on').notNull(),
    /** The clause the deadline comes from (CM-PRV-03, HT-PRV-04…). */
    dueClause: text('due_clause').notNull(),
    extendedDueOn: text('extended_due_on'),
    extensionReason: text('extension_reason'),
    status: text('status')
      .$type<'open' | 'awaiting_identity' | 'awaiting_fee' | 'completed' | 'refused' | 'withdrawn'>()
      .notNull(),
    identity: text('identity').$type<'not_needed' | 'requested' | 'verified' | 'failed'>().notNull(),
    /** The requester's own words about what they want (the right and the reason, CM-PRV-01). */
    statement: text('statement'),
    /** Type-specific: `{ purpose }` for a withdrawal, `{ changes }` for a rectification, `{ ground }`… */
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    requesterEmail: text('requester_email'),
    locale: text('locale').notNull(),
    feeAmount: bigint('fee_amount', { mode: 'bigint' }),
    feeCurrency: text('fee_currency'),
    feeBasis: text('fee_basis'),
    feeAcceptedAt: instant('fee_accepted_at'),
    outcome: text('outcome'),
    overdueAt: instant('overdue_at'),
    closedAt: instant('closed_at'),
    createdBy: text('created_by').notNull(),
  },
  (t) => [
    index('dsr_requests_open_idx').on(t.dueOn).where(sql`closed_at is null`),
    index('dsr_requests_subject_idx').on(t.subjectId),
  ],
);

/** Identity documents sent for a request: kept only for the check and deleted when it closes (CM-PRV-02). */
export const dsrIdentityDocuments = pgTable(
  'dsr_identity_documents',
  {
    id: text('id').primaryKey(),
    requestId: text('request_id').notNull(),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    /** The document itself, base64. */
    content: text('content').notNull(),
    size: integer('size').notNull(),
    receivedAt: instant('received_at').notNull(),
  },
  (t) => [index('dsr_identity_documents_request_idx').on(t.requestId)],
);

/** The key one-click unsubscribe links are signed with (HMAC-SHA256), made once per installation. */
export const privacyKeys = pgTable('privacy_keys', {
  id: text('id').primaryKey(),
  secret: text('secret').notNull(),
  createdAt: instant('created_at').notNull(),
});
