import { type SQL, sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant, localDay } from '../../platform/db/columns.ts';
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
     * The legal basis the customer declares for this contact (QU-PRC-15, art. 10.2); null: none declared for
     * the contact itself (the customer's general declaration covers it). With the last day a consent covers,
     * the day of an objection or withdrawal, and the day an art. 18 restriction was found justified
     * (QU-PRC-08), all local days in the policy's time zone.
     */
    basis: text('basis'),
    consentExpiresOn: localDay('consent_expires_on'),
    objectedOn: localDay('objected_on'),
    restrictedOn: localDay('restricted_on'),
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

/** The basis a customer recorded for profiling its contacts (QU-PRC-14): consent or legitimate interest. */
export const entrustedProfilingBases = pgTable('entrusted_profiling_bases', {
  accountId: text('account_id').primaryKey(),
  basis: text('basis').$type<'consent' | 'legitimate_interest'>().notNull(),
  recordedOn: localDay('recorded_on').notNull(),
  recordedAt: instant('recorded_at').notNull(),
  recordedBy: text('recorded_by').notNull(),
});

/** Profiling features a customer switched on or off (lead scoring, segmentation), QU-PRC-14. */
export const entrustedFeatures = pgTable(
  'entrusted_features',
  {
    accountId: text('account_id').notNull(),
    feature: text('feature').notNull(),
    enabled: boolean('enabled').notNull(),
    changedAt: instant('changed_at').notNull(),
    changedBy: text('changed_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.feature] })],
);

/**
 * The art. 28(3) processing agreement of each account (QU-PRC-01): concluded with the contract, in force
 * until the deletion of all entrusted data is certified (QU-PRC-12); the state is computed from these facts.
 */
export const entrustedAgreements = pgTable('entrusted_agreements', {
  accountId: text('account_id').primaryKey(),
  concludedAt: instant('concluded_at').notNull(),
  /** The deletion certificate: when it was stored, by whom, and what it states. */
  deletionCertifiedAt: instant('deletion_certified_at'),
  certifiedBy: text('certified_by'),
  certificate: jsonb('certificate').$type<Record<string, unknown>>(),
  createdAt: instant('created_at').notNull(),
});

/** The customer's register of persons authorised to give instructions (QU-PRC-04). */
export const entrustedAuthorisedPersons = pgTable(
  'entrusted_authorised_persons',
  {
    accountId: text('account_id').notNull(),
    /** An e-mail address or a name, compared without case. */
    person: text('person').notNull(),
    addedAt: instant('added_at').notNull(),
    addedBy: text('added_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.person] })],
);

/** The instruction log (QU-PRC-04): every instruction received, its verdict and whether it was executed. */
export const entrustedInstructions = pgTable(
  'entrusted_instructions',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    channel: text('channel').notNull(),
    sender: text('sender').notNull(),
    extendsPurpose: boolean('extends_purpose').notNull(),
    summary: text('summary').notNull(),
    receivedAt: instant('received_at').notNull(),
    verdict: text('verdict').$type<'accepted' | 'unverified' | 'not_written' | 'infringing'>().notNull(),
    executedAt: instant('executed_at'),
    recordedBy: text('recorded_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.id] })],
);

/** Findings that a customer or its instruction infringes GDPR, and the notice sent (QU-PRC-09). */
export const entrustedComplianceNotices = pgTable(
  'entrusted_compliance_notices',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    finding: text('finding').notNull(),
    instructionId: text('instruction_id'),
    foundAt: instant('found_at').notNull(),
    notifiedAt: instant('notified_at').notNull(),
    recipients: integer('recipients').notNull(),
    recordedBy: text('recorded_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.id] })],
);

/** Registration forms of the customer's events, with fields that may collect sensitive data (CM-PRC-05). */
export const entrustedForms = pgTable(
  'entrusted_forms',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    fields: jsonb('fields')
      .$type<{ label: string; sensitive: 'special_category' | 'criminal' | 'children' | null }[]>()
      .notNull(),
    createdAt: instant('created_at').notNull(),
    publishedAt: instant('published_at'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.id] })],
);

/** The customer's declaration before it collects special-category, criminal or children's data (CM-PRC-05). */
export const entrustedSensitiveDeclarations = pgTable(
  'entrusted_sensitive_declarations',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    hasBasis: boolean('has_basis').notNull(),
    measuresSufficient: boolean('measures_sufficient').notNull(),
    recordedAt: instant('recorded_at').notNull(),
    recordedBy: text('recorded_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.id] })],
);

/** Data moved by an integration (an export to a CRM, an address book import), run or refused (CM-PRC-08). */
export const entrustedTransfers = pgTable(
  'entrusted_transfers',
  {
    accountId: text('account_id').notNull(),
    id: text('id').notNull(),
    integration: text('integration').notNull(),
    direction: text('direction').$type<'export' | 'import'>().notNull(),
    requestedAt: instant('requested_at').notNull(),
    outcome: text('outcome').$type<'ran' | 'refused'>().notNull(),
    contacts: integer('contacts').notNull(),
    requestedBy: text('requested_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.id] })],
);
