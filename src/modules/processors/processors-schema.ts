import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { instant, localDay } from '../../platform/db/columns.ts';

const day = localDay;

/**
 * The operator's sub-processors (QU-PRC-10, BK-PRC-10): seeded from the policy's list, then managed by the
 * operator. An entry is in use for a customer from `effective_on` (and, for a new one, after that customer's
 * objection window); a replacement ends the entry it replaces for each customer the new one reaches.
 */
export const subProcessors = pgTable('sub_processors', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  address: text('address'),
  purposePl: text('purpose_pl').notNull(),
  purposeEn: text('purpose_en').notNull(),
  location: text('location').notNull(),
  safeguard: text('safeguard').$type<'adequacy' | 'scc' | 'eea'>().notNull(),
  /** 'all' customers, or 'integration:<id>': only customers who switched that integration on. */
  scope: text('scope').notNull(),
  /** The day the entry takes effect (null: seeded, in effect from the start). */
  effectiveOn: day('effective_on'),
  /** When the sub-processing agreement imposing the DPA's duties was recorded (BK-PRC-13); null: not yet. */
  agreementRecordedAt: instant('agreement_recorded_at'),
  /** 'policy' (seeded) or the operator's actor. */
  source: text('source').notNull(),
  createdAt: instant('created_at').notNull(),
});

/** A customer's integration switches: sub-processors scoped to an integration apply only while it is on. */
export const accountIntegrations = pgTable(
  'account_integrations',
  {
    accountId: text('account_id').notNull(),
    integration: text('integration').notNull(),
    enabled: boolean('enabled').notNull(),
    changedAt: instant('changed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.integration] })],
);

/** Every switch of a customer's integration, in order: the history data transfers are checked against (CM-PRC-08). */
export const accountIntegrationSwitches = pgTable(
  'account_integration_switches',
  {
    accountId: text('account_id').notNull(),
    integration: text('integration').notNull(),
    at: instant('at').notNull(),
    seq: integer('seq').notNull(),
    enabled: boolean('enabled').notNull(),
    actor: text('actor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.integration, t.seq] })],
);

/** A change of the registry announced to customers: a new sub-processor, possibly replacing another. */
export const subProcessorChanges = pgTable('sub_processor_changes', {
  id: text('id').primaryKey(),
  subProcessorId: text('sub_processor_id').notNull(),
  kind: text('kind').$type<'add' | 'replace'>().notNull(),
  replacesId: text('replaces_id'),
  effectiveOn: day('effective_on').notNull(),
  announcedAt: instant('announced_at').notNull(),
  announcedBy: text('announced_by').notNull(),
});

/**
 * The notice of a change to one customer, with that customer's objection window (its policy version, its
 * clock): objections are accepted through `objection_until`; the sub-processor reaches its data from
 * `applies_from` unless an objection blocks it.
 */
export const subProcessorNotices = pgTable(
  'sub_processor_notices',
  {
    changeId: text('change_id').notNull(),
    accountId: text('account_id').notNull(),
    clockId: text('clock_id'),
    policyVersionId: text('policy_version_id').notNull(),
    sentAt: instant('sent_at').notNull(),
    /** The day the window counts from: sending, or deemed delivery (QU-NOT-01). */
    countsFrom: day('counts_from').notNull(),
    /** The last day an objection is accepted; null where the terms give no objection right. */
    objectionUntil: day('objection_until'),
    appliesFrom: day('applies_from').notNull(),
    messageId: text('message_id'),
  },
  (t) => [primaryKey({ columns: [t.changeId, t.accountId] }), index().on(t.accountId)],
);

/** A customer's objection to a sub-processor (a new one within its window, or, where allowed, a current one). */
export const subProcessorObjections = pgTable(
  'sub_processor_objections',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    subProcessorId: text('sub_processor_id').notNull(),
    changeId: text('change_id'),
    receivedAt: instant('received_at').notNull(),
    justification: text('justification'),
    documentation: text('documentation'),
    status: text('status').$type<'pending' | 'upheld' | 'rejected'>().notNull(),
    decidedAt: instant('decided_at'),
    decisionReason: text('decision_reason'),
    /** What an upheld objection brings: 'blocked', or where the service is impossible without it the preset's consequence. */
    consequence: text('consequence'),
    createdBy: text('created_by').notNull(),
  },
  (t) => [index().on(t.accountId, t.subProcessorId)],
);

/**
 * The breach register (GDPR art. 33(5)): every suspected or confirmed breach, the clock starting at the
 * recorded awareness, with what the notices need (art. 33(3)).
 */
export const breaches = pgTable('breaches', {
  id: text('id').primaryKey(),
  clockId: text('clock_id'),
  policyVersionId: text('policy_version_id').notNull(),
  awareAt: instant('aware_at').notNull(),
  status: text('status').$type<'suspected' | 'confirmed' | 'dismissed'>().notNull(),
  /** Circumstances, likely causes, measures, documentation, categories, approximate counts, consequences, risk. */
  details: jsonb('details').$type<Record<string, unknown>>().notNull(),
  highRisk: boolean('high_risk').notNull(),
  recordedAt: instant('recorded_at').notNull(),
  recordedBy: text('recorded_by').notNull(),
});

/** The customers a breach affects. */
export const breachAccounts = pgTable(
  'breach_accounts',
  {
    breachId: text('breach_id').notNull(),
    accountId: text('account_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.breachId, t.accountId] }), index().on(t.accountId)],
);

/** Each notice duty of a breach (customers, authority, data subjects), its deadline and what happened. */
export const breachNotices = pgTable(
  'breach_notices',
  {
    breachId: text('breach_id').notNull(),
    recipient: text('recipient').$type<'customers' | 'authority' | 'data_subjects'>().notNull(),
    /** Awareness + the policy's hours; null where no hour deadline applies (data subjects: without undue delay). */
    dueAt: instant('due_at'),
    clause: text('clause'),
    notifiedAt: instant('notified_at'),
    /** What was notified: the content given, counts and references (no personal data of subjects). */
    content: jsonb('content').$type<Record<string, unknown>>(),
    recipients: integer('recipients'),
    overdueAt: instant('overdue_at'),
  },
  (t) => [
    primaryKey({ columns: [t.breachId, t.recipient] }),
    index().on(t.dueAt).where(sql`notified_at is null`),
  ],
);

/**
 * The register of recipients of personal data (CM-PRV-14): processors, independent controllers (payment
 * institutions, ad platforms), authorities, affiliates. A recipient outside the EEA receives nothing until
 * its transfer basis is recorded: an adequacy decision (GDPR art. 45(1)) or standard contractual clauses
 * (art. 46(2)(c)) with the document's date. `integration`: the integration whose switch sends it data.
 */
export const recipients = pgTable('recipients', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').$type<'processor' | 'independent_controller' | 'authority' | 'affiliate'>().notNull(),
  purposePl: text('purpose_pl').notNull(),
  purposeEn: text('purpose_en').notNull(),
  location: text('location').notNull(),
  integration: text('integration'),
  /** 'eea', 'adequacy' or 'scc'; null: outside the EEA with no basis yet (data flows blocked). */
  transferBasis: text('transfer_basis').$type<'eea' | 'adequacy' | 'scc'>(),
  /** The decision or the signed clauses: its reference and date. */
  basisReference: text('basis_reference'),
  basisDate: localDay('basis_date'),
  addedAt: instant('added_at').notNull(),
  addedBy: text('added_by').notNull(),
});
