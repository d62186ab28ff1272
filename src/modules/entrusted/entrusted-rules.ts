import { addDays, type LocalDate } from '../../platform/calendar.ts';
import type { Policy, RetentionCategory } from '../../policy/index.ts';

/**
 * The retention category entrusted data are tagged with, so the retention engine finds them by category:
 * for activity, the processor category counted from each event (QU-RET-07: recipient activity, 3 years);
 * for contacts (and activity when there is no such category), the processor category that covers the
 * store as a whole, counted from the contract's end or the account's state (QU-LIF-09, BK-PRC-08,
 * CM-PRC-02, MOC-LIF-01). Categories limited to entity states (campaigns, drafts) are not contact data.
 * Null when the policy has no processor category: the data stay until the customer deletes them or the
 * account is purged.
 */
export function retentionCategoryFor(
  policy: Policy,
  kind: 'contact' | 'activity',
): Pick<RetentionCategory, 'id' | 'clause'> | null {
  const processor = policy.retention.categories.filter(
    (c) => c.role === 'processor' && !c.states && !c.neverSent,
  );
  const store = processor.find((c) => c.trigger !== 'event_date') ?? null;
  if (kind === 'activity') return processor.find((c) => c.trigger === 'event_date') ?? store;
  return store;
}

export type StaffRecords = {
  id: string;
  authorisedAt: Date | null;
  authorisationRevokedAt: Date | null;
  trainedAt: Date | null;
  confidentialityUndertakenAt: Date | null;
};

export type StaffRecord = 'processing_authorisation' | 'training' | 'confidentiality_undertaking';

/**
 * What a staff member lacks to process entrusted data at `now` (BK-SEC-02, MOC-SEC-02, QU-SEC-02): a
 * processing authorisation in force, data-protection training, and a confidentiality undertaking, each
 * recorded no later than `now`. Empty when nothing is missing.
 */
export function missingStaffRecords(staff: StaffRecords, now: Date): StaffRecord[] {
  const missing: StaffRecord[] = [];
  const inForce = (at: Date | null) => at !== null && at.getTime() <= now.getTime();
  if (
    !inForce(staff.authorisedAt) ||
    (staff.authorisationRevokedAt && staff.authorisationRevokedAt.getTime() <= now.getTime())
  )
    missing.push('processing_authorisation');
  if (!inForce(staff.trainedAt)) missing.push('training');
  if (!inForce(staff.confidentialityUndertakenAt)) missing.push('confidentiality_undertaking');
  return missing;
}

export type SupportGrant = {
  id: string;
  accountId: string;
  filedAt: Date;
  expiresAt: Date;
  closedAt: Date | null;
};

/** When a grant filed at `filedAt` runs out unless closed sooner (the policy's `supportAccessHours`). */
export function supportAccessEndsAt(policy: Policy, filedAt: Date): Date {
  return new Date(filedAt.getTime() + policy.processor.supportAccessHours * 3_600_000);
}

export type StaffAccessDecision =
  | { allowed: true; grantId: string; until: Date; clause: string | null }
  | { allowed: false; reason: 'records_missing'; missing: StaffRecord[]; clause: string | null }
  | { allowed: false; reason: 'no_grant'; clause: string | null };

/**
 * May this staff member see this customer's entrusted data at `now` under `grant`? Only with all the staff
 * records in force (BK-SEC-02, MOC-SEC-02) and inside a support request this customer filed, from its
 * filing until it closes or runs out, whichever is first (BK-PRC-03, CM-PRC-07). The window is half-open:
 * at `expiresAt` access has ended.
 */
export function decideStaffAccess(input: {
  policy: Policy;
  staff: StaffRecords;
  accountId: string;
  grant: SupportGrant | null;
  now: Date;
}): StaffAccessDecision {
  const { policy, staff, accountId, grant, now } = input;
  const clauses = policy.processor.clauses;
  const missing = missingStaffRecords(staff, now);
  if (missing.length > 0)
    return { allowed: false, reason: 'records_missing', missing, clause: clauses.staffRecords };
  if (!grant || grant.accountId !== accountId)
    return { allowed: false, reason: 'no_grant', clause: clauses.staffAccess };
  const t = now.getTime();
  const until = Math.min(grant.expiresAt.getTime(), grant.closedAt?.getTime() ?? Number.POSITIVE_INFINITY);
  if (t < grant.filedAt.getTime() || t >= until)
    return { allowed: false, reason: 'no_grant', clause: clauses.staffAccess };
  return { allowed: true, grantId: grant.id, until: new Date(until), clause: clauses.staffAccess };
}

export type AuditDecision =
  | { allowed: true; clause: string | null }
  | { allowed: false; reason: 'not_offered'; clause: string | null }
  | { allowed: false; reason: 'too_early'; earliestDate: LocalDate; days: number; clause: string | null };

/**
 * An audit announced on `today` for `auditDate` (local dates): at least `auditNoticeMinDays` ahead
 * (QU-PRC-13: announced 2026-05-04, the earliest date is 2026-06-03). A policy without the number has no
 * audit rule to enforce; 0 means prior notice of any length (BK-PRC-09).
 */
export function decideAudit(policy: Policy, today: LocalDate, auditDate: LocalDate): AuditDecision {
  const clause = policy.processor.clauses.audit;
  const days = policy.processor.auditNoticeMinDays;
  if (days === null) return { allowed: false, reason: 'not_offered', clause };
  const earliestDate = addDays(today, Math.max(days, 1));
  if (auditDate < earliestDate) return { allowed: false, reason: 'too_early', earliestDate, days, clause };
  return { allowed: true, clause };
}

/**
 * Whether a staff member, already allowed in, may be shown this person: always, unless the policy lets
 * support see only people who agreed to it (MOC-PRC-01), in which case only with a consent recorded by now.
 */
export function mayShowToStaff(policy: Policy, supportConsentAt: Date | null, now: Date): boolean {
  if (policy.processor.staffAccess !== 'data_subject_consent') return true;
  return supportConsentAt !== null && supportConsentAt.getTime() <= now.getTime();
}
