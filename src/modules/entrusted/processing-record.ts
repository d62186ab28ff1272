import { sql } from 'drizzle-orm';
import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { contactFields } from './contact-fields.ts';
import { accountNow, type EntrustedDeps } from './entrusted-context.ts';
import { decideAudit, retentionCategoryFor } from './entrusted-rules.ts';
import { customFieldsOf } from './entrusted-store.ts';

export type ProcessingRecord = Awaited<ReturnType<typeof processingRecord>>;

/**
 * What a customer needs to know, and to show its auditor, about the processing of its contacts' data,
 * from the policy its contract is under and from the store: who processes them and where (the operator's
 * seat, the data-residency commitment and the sub-processors with their countries and safeguards:
 * BK-PRC-04, QU-PRC-10), which categories (QU-PRC-02 / BK-PRC-01, the customer's own fields with their
 * creation dates), how long they are kept (the processor retention categories), how much is stored, the
 * requests executed, the staff accesses and refusals and support requests so far, and the audit terms
 * (QU-PRC-13, BK-PRC-09). Reading it is itself recorded.
 */
export async function processingRecord(deps: EntrustedDeps, input: { accountId: string; actor: string }) {
  const { accountId } = input;
  const { policy, now } = await accountNow(deps, accountId);
  const p = policy.processor;
  const [counts] = await deps.db.rows<{ contacts: number; activities: number }>(sql`
    select (select count(*) from entrusted_contacts where account_id = ${accountId})::int as contacts,
           (select count(*) from entrusted_activity where account_id = ${accountId})::int as activities`);
  const evidence = await deps.db.rows<{ type: string; n: number }>(sql`
    select type, count(*)::int as n from events
    where chain_id = ${accountId} and type like 'entrusted.%' group by type order by type`);
  const customFields = await customFieldsOf(deps.db, accountId);
  const customCategory = p.customFieldsCategory ?? 'customer_defined_fields';
  // BK-PRC-01: where each entrusted category of the policy is held (fields, custom fields, activity kinds).
  const heldIn = (category: string) => [
    ...contactFields.filter((f) => categoryNames(f.category).includes(category)).map((f) => f.column),
    ...(category === customCategory || category === 'customer_defined_fields'
      ? customFields.map((f) => `custom:${f.key}`)
      : []),
    ...(category === 'booking_data' ? ['activity:booking'] : []),
    ...(category === 'customer_defined_fields' && p.customFieldsRecorded ? ['custom:*'] : []),
  ];
  const record = {
    accountId,
    asOf: now.toISOString(),
    controller: { accountId },
    processor: {
      legalName: policy.operator.legalName,
      country: policy.operator.country,
      address: policy.operator.address,
    },
    dpaAppliesTo: p.dpaAppliesTo,
    locations: {
      clause: p.clauses.processingLocations,
      operatorCountry: policy.operator.country,
      dataResidency: policy.security.dataResidency,
      subProcessors: p.subProcessors.map((s) => ({
        id: s.id,
        name: s.name,
        purpose: s.purpose,
        location: s.location,
        safeguard: s.safeguard,
        scope: s.scope,
      })),
      replyDays: p.locationRequestReplyDays,
    },
    categories: {
      entrusted: p.entrustedCategories,
      fields: contactFields.map((f) => ({ column: f.column, category: f.category })),
      customFields: customFields.map((f) => ({
        key: f.key,
        category: customCategory,
        createdAt: f.createdAt.toISOString(),
      })),
    },
    retention: policy.retention.categories
      .filter((c) => c.role === 'processor')
      .map((c) => ({ id: c.id, clause: c.clause, trigger: c.trigger, period: c.period, action: c.action })),
    coverage: p.entrustedCategories.map((category) => ({ category, heldIn: heldIn(category) })),
    tagging: {
      contacts: retentionCategoryFor(policy, 'contact')?.id ?? null,
      activity: retentionCategoryFor(policy, 'activity')?.id ?? null,
    },
    deletionAfterEnd: {
      clause: p.clauses.deletionAfterEnd,
      days: p.deletionAfterEndDays,
      includesBackups: p.deletionIncludesBackups,
      certificate: p.deletionCertificate,
    },
    stored: counts ?? { contacts: 0, activities: 0 },
    staffAccess: {
      mode: p.staffAccess,
      clause: p.clauses.staffAccess,
      supportAccessHours: p.supportAccessHours,
    },
    evidence: Object.fromEntries(evidence.map((e) => [e.type, e.n])),
    audit: {
      clause: p.clauses.audit,
      noticeMinDays: p.auditNoticeMinDays,
      costs: p.auditCosts,
    },
  };
  await deps.eventLog.appendOne({
    chainId: accountId,
    type: 'entrusted.processing_record_read',
    clause: p.clauses.processingLocations ?? p.clauses.audit,
    actor: input.actor,
    occurredAt: now,
    data: {},
  });
  return record;
}

/**
 * The customer (or its auditor, through it) announces an audit for a local date; refused when it is not
 * announced far enough ahead (QU-PRC-13: 30 days; BK-PRC-09: prior notice), with the earliest possible
 * date. An accepted notice opens an audit record and is evidenced.
 */
export async function announceAudit(
  deps: EntrustedDeps,
  input: { accountId: string; auditDate: string; actor: string },
): Promise<{ id: string; auditDate: string; requestedAt: Date; clause: string | null }> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const today = localDateOf(now, policy.locale.timeZone);
  const decision = decideAudit(policy, today, input.auditDate);
  if (!decision.allowed) {
    if (decision.reason === 'not_offered') throw new AppError('entrusted.audit_not_offered');
    throw new AppError('entrusted.audit_too_early', {
      details: { days: decision.days, earliestDate: decision.earliestDate, clause: decision.clause },
    });
  }
  const id = deps.ids.next('aud');
  return deps.db.transaction(async () => {
    await deps.db.q.execute(sql`
      insert into entrusted_audits (id, account_id, requested_at, audit_date, requested_by)
      values (${id}, ${input.accountId}, ${now.toISOString()}, ${input.auditDate}, ${input.actor})`);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'entrusted.audit_announced',
        clause: decision.clause,
        actor: input.actor,
        cause: id,
        occurredAt: now,
        data: { auditId: id, auditDate: input.auditDate },
      },
    ]);
    return { id, auditDate: input.auditDate, requestedAt: now, clause: decision.clause };
  });
}

/** The names a contact field's category goes by in the catalogs (QU 10.5 "employer" is BK's "company"). */
function categoryNames(category: string): string[] {
  const aliases: Record<string, string[]> = {
    employer: ['company'],
    work_address: ['business_address'],
  };
  return [category, ...(aliases[category] ?? [])];
}
