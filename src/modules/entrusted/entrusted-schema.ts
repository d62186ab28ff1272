import { type SQL, sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';
import { contactFields } from './contact-fields.ts';

/** One CSV field of a text column, as an immutable expression (a generated column allows no other). */
export function csvFieldSql(column: string): string {
  return `coalesce(case when ${column} ~ '[",\\r\\n]' then '"' || replace(${column}, '"', '""') || '"' else ${column} end, '')`;
}

function csvLineOf(columns: readonly string[]): SQL {
  return sql.raw(columns.map(csvFieldSql).join(` || ',' || `));
}

/**
 * The personal data each customer (the controller) keeps in the service about its own contacts, which the
 * operator processes on its behalf (QU art. 10, BK annex 1). Every row is keyed by account first: no query
 * ever spans customers (QU-PRC-03), and a distributed Postgres can shard by account.
 *
 * The `*_norm` columns are search keys computed on write (lower case; names without diacritics; phone
 * digits), indexed in the "C" collation so that a prefix is an index range and keyset pages follow the
 * index order.
 */
export const entrustedContacts = pgTable(
  'entrusted_contacts',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    /** The policy's retention category the data belong to (null: the policy has no processor category). */
    category: text('category'),
    title: text('title'),
    gender: text('gender'),
    firstName: text('first_name'),
    middleName: text('middle_name'),
    lastName: text('last_name'),
    position: text('position'),
    birthDate: text('birth_date'),
    birthPlace: text('birth_place'),
    nameDay: text('name_day'),
    contactSource: text('contact_source'),
    referrerName: text('referrer_name'),
    company: text('company'),
    email: text('email'),
    website: text('website'),
    phone: text('phone'),
    workStreet: text('work_street'),
    workPostalCode: text('work_postal_code'),
    workCity: text('work_city'),
    workRegion: text('work_region'),
    workCountry: text('work_country'),
    privateStreet: text('private_street'),
    privatePostalCode: text('private_postal_code'),
    privateCity: text('private_city'),
    privateRegion: text('private_region'),
    privateCountry: text('private_country'),
    custom: jsonb('custom').$type<Record<string, string>>().notNull().default({}),
    /**
     * When the person agreed that the operator's support may see their data (MOC-PRC-01: under
     * `staffAccess: data_subject_consent`, support sees only the people who agreed); null: no consent.
     */
    supportConsentAt: instant('support_consent_at'),
    /**
     * The contact's standard fields as one CSV line (without id, custom fields and creation time), kept by
     * Postgres on every write, so an export of a million contacts reads prepared lines instead of encoding
     * 25 fields per row (bench/dsr.ts). The quoting is csv-stringify's: only a field holding a comma, a quote
     * or a line break is quoted, its quotes doubled; an empty field is null.
     */
    csvLine: text('csv_line').generatedAlwaysAs(csvLineOf(contactFields.map((f) => f.column))),
    emailNorm: text('email_norm'),
    firstNorm: text('first_norm'),
    lastNorm: text('last_norm'),
    phoneNorm: text('phone_norm'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.id] }),
    index('entrusted_contacts_email_idx').on(t.accountId, sql`${t.emailNorm} collate "C"`, t.id),
    index('entrusted_contacts_last_idx').on(t.accountId, sql`${t.lastNorm} collate "C"`, t.id),
    index('entrusted_contacts_first_idx').on(t.accountId, sql`${t.firstNorm} collate "C"`, t.id),
    index('entrusted_contacts_phone_idx').on(t.accountId, sql`${t.phoneNorm} collate "C"`, t.id),
  ],
);

export const activityKinds = [
  'campaign_delivery',
  'campaign_open',
  'campaign_click',
  'survey_answer',
  'booking',
  'event_participation',
] as const;
export type ActivityKind = (typeof activityKinds)[number];

/**
 * What a contact did in the customer's service: campaign deliveries, opens and clicks and survey answers
 * (QU art. 10.5 "system data" and "answers"), bookings (BK annex 1 ust. 1), event participation. Keyed by
 * contact, so erasing a person is one index range.
 */
export const entrustedActivity = pgTable(
  'entrusted_activity',
  {
    accountId: text('account_id').notNull(),
    contactId: text('contact_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').$type<ActivityKind>().notNull(),
    category: text('category'),
    /** The campaign, survey, booking or event in the customer's service. */
    ref: text('ref').notNull(),
    occurredAt: instant('occurred_at').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.contactId, t.id] }),
    index('entrusted_activity_category_idx').on(t.accountId, t.category, t.occurredAt),
  ],
);

/** The customer's own fields, recorded with their creation date for the processing record (QU-PRC-02). */
export const entrustedCustomFields = pgTable(
  'entrusted_custom_fields',
  {
    accountId: text('account_id').notNull(),
    key: text('key').notNull(),
    createdAt: instant('created_at').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] })],
);

/**
 * Requests the customer received from its own contacts, executed on its instruction (QU-PRC-06,
 * BK-PRC-05). Ids and counts only: the person is not named here.
 */
export const entrustedRequests = pgTable(
  'entrusted_requests',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').$type<'access' | 'erasure' | 'rectification'>().notNull(),
    receivedAt: instant('received_at').notNull(),
    executedAt: instant('executed_at').notNull(),
    contacts: integer('contacts').notNull(),
    activities: integer('activities').notNull(),
    actor: text('actor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.id] })],
);

/**
 * The operator's people who may process entrusted data, with the records that gate it (BK-SEC-02,
 * MOC-SEC-02, QU-SEC-02): a processing authorisation, data-protection training and a confidentiality
 * undertaking (an NDA) without end. Without all three, or with the authorisation revoked, access is refused.
 */
export const processingStaff = pgTable('processing_staff', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  authorisedAt: instant('authorised_at'),
  authorisationRevokedAt: instant('authorisation_revoked_at'),
  trainedAt: instant('trained_at'),
  confidentialityUndertakenAt: instant('confidentiality_undertaken_at'),
  createdAt: instant('created_at').notNull(),
});

/**
 * A support request the customer filed, which lets the operator's staff see its entrusted data until the
 * request closes or its time runs out, whichever is first (BK-PRC-03, CM-PRC-07). The subject is the
 * customer's words about the technical problem.
 */
export const supportAccessGrants = pgTable(
  'support_access_grants',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    subject: text('subject').notNull(),
    filedBy: text('filed_by').notNull(),
    filedAt: instant('filed_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    closedAt: instant('closed_at'),
    closedBy: text('closed_by'),
  },
  (t) => [index('support_access_grants_account_idx').on(t.accountId, t.filedAt)],
);

/** Audits the customer announced (QU-PRC-13, BK-PRC-09). */
export const entrustedAudits = pgTable(
  'entrusted_audits',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    requestedAt: instant('requested_at').notNull(),
    /** The audit's local date in the policy's time zone. */
    auditDate: text('audit_date').notNull(),
    requestedBy: text('requested_by').notNull(),
  },
  (t) => [index('entrusted_audits_account_idx').on(t.accountId)],
);
