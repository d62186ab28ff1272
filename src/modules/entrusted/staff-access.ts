import { type SQL, sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import type { Policy } from '../../policy/index.ts';
import { accountNow, type EntrustedDeps } from './entrusted-context.ts';
import {
  decideStaffAccess,
  mayShowToStaff,
  missingStaffRecords,
  type StaffRecords,
  type SupportGrant,
  supportAccessEndsAt,
} from './entrusted-rules.ts';
import type { Activity, Contact } from './entrusted-store.ts';
import { getContact, type SearchResult, searchContacts } from './manage-contacts.ts';

/** The chain of operator-wide facts (the staff registry belongs to no account). */
const OPERATOR_CHAIN = 'operator';

export type StaffMember = StaffRecords & { name: string; createdAt: Date; missing: string[] };

type StaffRow = {
  id: string;
  name: string;
  authorised_at: Date | string | null;
  authorisation_revoked_at: Date | string | null;
  trained_at: Date | string | null;
  confidentiality_undertaken_at: Date | string | null;
  created_at: Date | string;
};

const dateOrNull = (v: Date | string | null) => (v === null ? null : new Date(v));

function toStaff(r: StaffRow, now: Date): StaffMember {
  const records: StaffRecords = {
    id: r.id,
    authorisedAt: dateOrNull(r.authorised_at),
    authorisationRevokedAt: dateOrNull(r.authorisation_revoked_at),
    trainedAt: dateOrNull(r.trained_at),
    confidentialityUndertakenAt: dateOrNull(r.confidentiality_undertaken_at),
  };
  return {
    ...records,
    name: r.name,
    createdAt: new Date(r.created_at),
    missing: missingStaffRecords(records, now),
  };
}

export type StaffRecordsChange = {
  authorisedAt?: Date | null;
  authorisationRevokedAt?: Date | null;
  trainedAt?: Date | null;
  confidentialityUndertakenAt?: Date | null;
};

const recordColumns = {
  authorisedAt: 'authorised_at',
  authorisationRevokedAt: 'authorisation_revoked_at',
  trainedAt: 'trained_at',
  confidentialityUndertakenAt: 'confidentiality_undertaken_at',
} as const;

/**
 * Adds a member of the operator's staff to the registry of people who may process entrusted data, with
 * whatever records exist so far (BK-SEC-02, MOC-SEC-02). The event names the staff id and which records
 * are on file, not the person.
 */
export async function registerStaff(
  deps: EntrustedDeps,
  input: { name: string; records: StaffRecordsChange; actor: string },
): Promise<StaffMember> {
  const now = deps.clock.now();
  const id = deps.ids.next('stf');
  return deps.db.transaction(async () => {
    const r = input.records;
    await deps.db.q.execute(sql`
      insert into processing_staff (id, name, authorised_at, authorisation_revoked_at, trained_at,
                                    confidentiality_undertaken_at, created_at)
      values (${id}, ${input.name}, ${r.authorisedAt?.toISOString() ?? null},
              ${r.authorisationRevokedAt?.toISOString() ?? null}, ${r.trainedAt?.toISOString() ?? null},
              ${r.confidentialityUndertakenAt?.toISOString() ?? null}, ${now.toISOString()})`);
    await deps.eventLog.append([
      {
        chainId: OPERATOR_CHAIN,
        type: 'staff.registered',
        actor: input.actor,
        occurredAt: now,
        data: { staffId: id, records: recordsOnFile(r) },
      },
    ]);
    return getStaff(deps, id);
  });
}

/** Records (or clears) a staff member's authorisation, its revocation, training or undertaking. */
export async function recordStaff(
  deps: EntrustedDeps,
  input: { staffId: string; records: StaffRecordsChange; actor: string },
): Promise<StaffMember> {
  const now = deps.clock.now();
  return deps.db.transaction(async () => {
    await getStaff(deps, input.staffId);
    const sets = Object.entries(input.records)
      .filter(([, v]) => v !== undefined)
      .map(
        ([k, v]) =>
          sql`${sql.raw(recordColumns[k as keyof typeof recordColumns])} = ${(v as Date | null)?.toISOString() ?? null}`,
      );
    if (sets.length > 0)
      await deps.db.q.execute(
        sql`update processing_staff set ${sql.join(sets, sql`, `)} where id = ${input.staffId}`,
      );
    await deps.eventLog.append([
      {
        chainId: OPERATOR_CHAIN,
        type: 'staff.records_changed',
        actor: input.actor,
        occurredAt: now,
        data: {
          staffId: input.staffId,
          set: recordsOnFile(input.records),
          cleared: Object.entries(input.records)
            .filter(([, v]) => v === null)
            .map(([k]) => k)
            .sort(),
        },
      },
    ]);
    return getStaff(deps, input.staffId);
  });
}

function recordsOnFile(r: StaffRecordsChange): string[] {
  return Object.entries(r)
    .filter(([, v]) => v instanceof Date)
    .map(([k]) => k)
    .sort();
}

export async function getStaff(deps: EntrustedDeps, staffId: string): Promise<StaffMember> {
  const [row] = await deps.db.rows<StaffRow>(sql`select * from processing_staff where id = ${staffId}`);
  if (!row) throw new AppError('entrusted.staff_not_found', { details: { id: staffId } });
  return toStaff(row, deps.clock.now());
}

export async function listStaff(deps: EntrustedDeps): Promise<StaffMember[]> {
  const rows = await deps.db.rows<StaffRow>(sql`select * from processing_staff order by id`);
  const now = deps.clock.now();
  return rows.map((r) => toStaff(r, now));
}

export type SupportRequest = SupportGrant & { subject: string; filedBy: string; closedBy: string | null };

type GrantRow = {
  id: string;
  account_id: string;
  subject: string;
  filed_by: string;
  filed_at: Date | string;
  expires_at: Date | string;
  closed_at: Date | string | null;
  closed_by: string | null;
};

function toGrant(r: GrantRow): SupportRequest {
  return {
    id: r.id,
    accountId: r.account_id,
    subject: r.subject,
    filedBy: r.filed_by,
    filedAt: new Date(r.filed_at),
    expiresAt: new Date(r.expires_at),
    closedAt: dateOrNull(r.closed_at),
    closedBy: r.closed_by,
  };
}

/**
 * The customer files a technical query that needs its data looked at: filing it authorises the operator's
 * staff to see the account's entrusted data until the query is closed or `processor.supportAccessHours`
 * pass, whichever is first (BK-PRC-03, annex 1 ust. 4; CM-PRC-07). The acknowledgement says so.
 */
export async function fileSupportRequest(
  deps: EntrustedDeps,
  input: { accountId: string; subject: string; actor: string },
): Promise<SupportRequest> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const id = deps.ids.next('sup');
  const expiresAt = supportAccessEndsAt(policy, now);
  return deps.db.transaction(async () => {
    await deps.db.q.execute(sql`
      insert into support_access_grants (id, account_id, subject, filed_by, filed_at, expires_at)
      values (${id}, ${input.accountId}, ${input.subject}, ${input.actor}, ${now.toISOString()},
              ${expiresAt.toISOString()})`);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'entrusted.support_access_granted',
        clause: policy.processor.clauses.staffAccess,
        actor: input.actor,
        cause: id,
        occurredAt: now,
        data: {
          supportRequestId: id,
          until: expiresAt.toISOString(),
          hours: policy.processor.supportAccessHours,
        },
      },
    ]);
    return getSupportRequest(deps, input.accountId, id);
  });
}

/** Closes a support request: staff access under it ends at once. Closing a closed request changes nothing. */
export async function closeSupportRequest(
  deps: EntrustedDeps,
  input: { accountId: string; supportRequestId: string; actor: string },
): Promise<SupportRequest> {
  const { policy, now } = await accountNow(deps, input.accountId);
  return deps.db.transaction(async () => {
    const grant = await getSupportRequest(deps, input.accountId, input.supportRequestId);
    if (grant.closedAt) return grant;
    await deps.db.q.execute(sql`
      update support_access_grants set closed_at = ${now.toISOString()}, closed_by = ${input.actor}
      where id = ${grant.id}`);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'entrusted.support_access_ended',
        clause: policy.processor.clauses.staffAccess,
        actor: input.actor,
        cause: grant.id,
        occurredAt: now,
        data: { supportRequestId: grant.id, reason: 'closed' },
      },
    ]);
    return getSupportRequest(deps, input.accountId, grant.id);
  });
}

export async function getSupportRequest(
  deps: EntrustedDeps,
  accountId: string | null,
  id: string,
): Promise<SupportRequest> {
  const [row] = await deps.db.rows<GrantRow>(sql`select * from support_access_grants where id = ${id}`);
  if (!row || (accountId !== null && row.account_id !== accountId))
    throw new AppError('entrusted.support_request_not_found', { details: { id } });
  return toGrant(row);
}

export async function listSupportRequests(deps: EntrustedDeps, accountId: string): Promise<SupportRequest[]> {
  const rows = await deps.db.rows<GrantRow>(sql`
    select * from support_access_grants where account_id = ${accountId} order by filed_at desc, id desc limit 200`);
  return rows.map(toGrant);
}

/**
 * Checks a staff member's access to the customer's data under a support request, at the account's clock's
 * time. A refusal is itself evidenced (`entrusted.staff_access_refused`, committed on its own) before the
 * error is thrown; an allowed read runs `read` and logs which contacts were shown, by whom and when
 * (`entrusted.staff_read`, ids and counts only) in the same transaction as the read. Under
 * `staffAccess: data_subject_consent` a read shows only people who agreed (MOC-PRC-01); opening anyone
 * else is refused and logged the same way.
 */
async function asStaff<T>(
  deps: EntrustedDeps,
  input: { staffId: string; supportRequestId: string },
  read: (accountId: string, only: SQL, now: Date, policy: Policy) => Promise<T>,
  shown: (result: T) => { contactIds: string[]; activities?: number; what: string },
): Promise<T> {
  const grant = await getSupportRequest(deps, null, input.supportRequestId);
  const staff = await getStaff(deps, input.staffId);
  const { policy, now } = await accountNow(deps, grant.accountId);
  const decision = decideStaffAccess({ policy, staff, accountId: grant.accountId, grant, now });
  const actor = `staff:${input.staffId}`;
  const refuse = (reason: string, clause: string | null, extra: Record<string, string | string[]> = {}) =>
    deps.eventLog.appendOne({
      chainId: grant.accountId,
      type: 'entrusted.staff_access_refused',
      clause,
      actor,
      cause: grant.id,
      occurredAt: now,
      data: { staffId: input.staffId, supportRequestId: grant.id, reason, ...extra },
    });
  if (!decision.allowed) {
    await refuse(
      decision.reason,
      decision.clause,
      decision.reason === 'records_missing' ? { missing: decision.missing } : {},
    );
    if (decision.reason === 'records_missing')
      throw new AppError('entrusted.staff_not_authorised', {
        details: { id: input.staffId, missing: decision.missing.join(', ') },
      });
    throw new AppError('entrusted.no_support_access', { details: { supportRequestId: grant.id } });
  }
  const only =
    policy.processor.staffAccess === 'data_subject_consent'
      ? sql`c.support_consent_at is not null and c.support_consent_at <= ${now.toISOString()}`
      : sql`true`;
  try {
    return await deps.db.transaction(async () => {
      const result = await read(grant.accountId, only, now, policy);
      const s = shown(result);
      await deps.eventLog.append([
        {
          chainId: grant.accountId,
          type: 'entrusted.staff_read',
          clause: decision.clause,
          actor,
          cause: grant.id,
          occurredAt: now,
          data: {
            staffId: input.staffId,
            supportRequestId: grant.id,
            what: s.what,
            contactIds: s.contactIds,
            contacts: s.contactIds.length,
            ...(s.activities !== undefined ? { activities: s.activities } : {}),
          },
        },
      ]);
      return result;
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'entrusted.no_subject_consent')
      await refuse('no_subject_consent', decision.clause, { contactId: String(error.details?.contactId) });
    throw error;
  }
}

/** A staff member searches the customer's contacts within a support request (every page logged). */
export function staffSearchContacts(
  deps: EntrustedDeps,
  input: {
    staffId: string;
    supportRequestId: string;
    field?: 'email' | 'name' | 'phone';
    query?: string;
    limit?: number;
    cursor?: string;
  },
): Promise<SearchResult & { accountId: string }> {
  return asStaff(
    deps,
    input,
    async (accountId, only) => ({
      accountId,
      ...(await searchContacts(deps, {
        accountId,
        only,
        ...(input.field ? { field: input.field } : {}),
        ...(input.query ? { query: input.query } : {}),
        ...(input.limit ? { limit: input.limit } : {}),
        ...(input.cursor ? { cursor: input.cursor } : {}),
      })),
    }),
    (r) => ({ contactIds: r.contacts.map((c) => c.id), what: 'search' }),
  );
}

/** A staff member opens one contact with its activity within a support request (logged). */
export function staffGetContact(
  deps: EntrustedDeps,
  input: { staffId: string; supportRequestId: string; contactId: string },
): Promise<Contact & { activity: Activity[] }> {
  return asStaff(
    deps,
    input,
    async (accountId, _only, now, policy) => {
      const contact = await getContact(deps, accountId, input.contactId);
      if (!mayShowToStaff(policy, contact.supportConsentAt, now))
        throw new AppError('entrusted.no_subject_consent', { details: { contactId: contact.id } });
      return contact;
    },
    (c) => ({ contactIds: [c.id], activities: c.activity.length, what: 'contact' }),
  );
}
