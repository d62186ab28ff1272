import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { type LocalDate, localDateOf } from '../../platform/calendar.ts';
import { textArray } from '../../platform/db/bulk.ts';
import { AppError } from '../../platform/errors.ts';
import type { Policy } from '../../policy/index.ts';
import {
  contactBases,
  contactStanding,
  lapsedQueue,
  type ProfilingBasis,
  profilingRefusal,
} from './contact-basis.ts';
import { accountNow, type EntrustedDeps } from './entrusted-context.ts';
import { retentionCategoryFor } from './entrusted-rules.ts';
import {
  type Contact,
  type ContactRow,
  contactSelect,
  contactsByIds,
  deleteContactsWhere,
  insertActivity,
  lapsedOn,
  processableOn,
  toContact,
} from './entrusted-store.ts';

/**
 * Use cases of a contact's legal basis (QU-PRC-15), of an art. 18 restriction (QU-PRC-08) and of the basis
 * a customer records before profiling (QU-PRC-14). The rules are in contact-basis.ts; the SQL forms of them
 * (`processableOn`, `lapsedOn`) select in bulk, and each row is asked the rule again before it is reported.
 */

const day = z.iso.date();

export const ContactBasisInput = z.strictObject({
  basis: z.enum(contactBases).nullable(),
  consentExpiresOn: day.nullable().optional(),
  objectedOn: day.nullable().optional(),
});
export type ContactBasisInput = z.infer<typeof ContactBasisInput>;

function todayOf(policy: Policy, now: Date): LocalDate {
  return localDateOf(now, policy.locale.timeZone);
}

/** Throws unless the contact may be used for `what` on `today` (an edit, a send): restricted or lapsed contacts are only stored. */
export function assertProcessable(policy: Policy, contact: Contact, today: LocalDate): void {
  const standing = contactStanding(contact, today);
  if (standing.standing === 'active') return;
  throw new AppError('entrusted.contact_not_processable', {
    details: {
      id: contact.id,
      standing: standing.standing,
      since: standing.since,
      clause:
        standing.standing === 'restricted'
          ? (policy.processor.clauses.restriction ?? null)
          : (policy.processor.clauses.contactBasis ?? null),
    },
  });
}

/** The customer records a contact's legal basis, consent expiry and objection (QU-PRC-15, art. 10.2). */
export async function setContactBasis(
  deps: EntrustedDeps,
  input: { accountId: string; contactId: string; basis: ContactBasisInput; actor: string },
): Promise<Contact> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const b = input.basis;
  if (b.basis !== 'consent' && b.consentExpiresOn)
    throw new AppError('request.invalid', {
      details: { field: 'consentExpiresOn', rule: 'only a consent basis expires' },
    });
  return deps.db.transaction(async () => {
    const [contact] = await contactsByIds(deps.db, input.accountId, [input.contactId], { forUpdate: true });
    if (!contact) throw new AppError('entrusted.contact_not_found', { details: { id: input.contactId } });
    const consentExpiresOn = b.consentExpiresOn === undefined ? contact.consentExpiresOn : b.consentExpiresOn;
    const objectedOn = b.objectedOn === undefined ? contact.objectedOn : b.objectedOn;
    await deps.db.q.execute(sql`
      update entrusted_contacts set basis = ${b.basis},
        consent_expires_on = ${b.basis === 'consent' ? consentExpiresOn : null}::date,
        objected_on = ${objectedOn}::date, updated_at = ${now.toISOString()}
      where account_id = ${input.accountId} and id = ${input.contactId}`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.contact_basis_recorded',
      clause: policy.processor.clauses.contactBasis ?? null,
      actor: input.actor,
      occurredAt: now,
      data: {
        contactId: input.contactId,
        basis: b.basis,
        consentExpiresOn: b.basis === 'consent' ? consentExpiresOn : null,
        objectedOn,
      },
    });
    return (await contactsByIds(deps.db, input.accountId, [input.contactId]))[0]!;
  });
}

/**
 * The provider finds a data subject's art. 18 request justified (QU-PRC-08, art. 10.15): from that day the
 * contact is only stored, left out of sends, marketing exports and profiling, and edits are refused; the
 * customer is told by mail. `justifiedOn` lies between the request's receipt and today.
 */
export async function restrictContact(
  deps: EntrustedDeps,
  input: {
    accountId: string;
    contactId: string;
    receivedOn: LocalDate;
    justifiedOn?: LocalDate;
    actor: string;
  },
): Promise<Contact> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const today = todayOf(policy, now);
  const justifiedOn = input.justifiedOn ?? today;
  if (justifiedOn < input.receivedOn || justifiedOn > today)
    throw new AppError('entrusted.restriction_invalid', {
      details: { receivedOn: input.receivedOn, justifiedOn, today },
    });
  const clause = policy.processor.clauses.restriction ?? null;
  return deps.db.transaction(async () => {
    const [contact] = await contactsByIds(deps.db, input.accountId, [input.contactId], { forUpdate: true });
    if (!contact) throw new AppError('entrusted.contact_not_found', { details: { id: input.contactId } });
    await deps.db.q.execute(sql`
      update entrusted_contacts set restricted_on = ${justifiedOn}::date, updated_at = ${now.toISOString()}
      where account_id = ${input.accountId} and id = ${input.contactId}`);
    const recipients = await deps.contactsOf([input.accountId]);
    await deps.notifications.send(
      recipients.map((r) => ({
        accountId: input.accountId,
        recipient: r.email,
        locale: r.locale,
        template: 'entrusted.contact_restricted' as const,
        clause,
        dedupeKey: `entrusted_restricted:${input.accountId}:${input.contactId}:${justifiedOn}`,
        occurredAt: now,
        params: { contactId: input.contactId, receivedOn: input.receivedOn, restrictedOn: justifiedOn },
      })),
    );
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.contact_restricted',
      clause,
      actor: input.actor,
      occurredAt: now,
      data: {
        contactId: input.contactId,
        receivedOn: input.receivedOn,
        restrictedOn: justifiedOn,
        customerNotified: recipients.length,
      },
    });
    return (await contactsByIds(deps.db, input.accountId, [input.contactId]))[0]!;
  });
}

/** The restriction ends (the accuracy is verified, or the objection decided): the contact is processed again. */
export async function liftRestriction(
  deps: EntrustedDeps,
  input: { accountId: string; contactId: string; actor: string },
): Promise<Contact> {
  const { policy, now } = await accountNow(deps, input.accountId);
  return deps.db.transaction(async () => {
    const [contact] = await contactsByIds(deps.db, input.accountId, [input.contactId], { forUpdate: true });
    if (!contact) throw new AppError('entrusted.contact_not_found', { details: { id: input.contactId } });
    await deps.db.q.execute(sql`
      update entrusted_contacts set restricted_on = null, updated_at = ${now.toISOString()}
      where account_id = ${input.accountId} and id = ${input.contactId}`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.restriction_lifted',
      clause: policy.processor.clauses.restriction ?? null,
      actor: input.actor,
      occurredAt: now,
      data: { contactId: input.contactId, restrictedOn: contact.restrictedOn },
    });
    return (await contactsByIds(deps.db, input.accountId, [input.contactId]))[0]!;
  });
}

export type SendResolution = {
  ref: string;
  day: LocalDate;
  recipients: string[];
  excluded: {
    contactId: string;
    standing: 'restricted' | 'basis_lapsed';
    since: LocalDate;
    clause: string | null;
  }[];
};

/** At most this many contacts named in one send; a send to everyone has no such limit. */
export const SEND_MAX_IDS = 10_000;

/**
 * Resolves the recipients of a campaign or message the customer's product sends now (`ref`), to the named
 * contacts or to all: contacts restricted (QU-PRC-08) or whose basis lapsed (QU-PRC-15) are left out, each
 * with its reason; every recipient gets a `campaign_delivery` activity. One event with the counts.
 */
export async function resolveSend(
  deps: EntrustedDeps,
  input: { accountId: string; ref: string; contactIds?: readonly string[]; actor: string },
): Promise<SendResolution> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const today = todayOf(policy, now);
  const only = input.contactIds ? sql`and c.id = any(${textArray(input.contactIds)})` : sql``;
  return deps.db.transaction(async () => {
    const recipients = (
      await deps.db.rows<{ id: string }>(sql`
        select c.id from entrusted_contacts c
        where c.account_id = ${input.accountId} ${only} and ${processableOn(today)} order by c.id`)
    ).map((r) => r.id);
    const held = (
      await deps.db.rows<ContactRow>(sql`
        select ${contactSelect} from entrusted_contacts c
        where c.account_id = ${input.accountId} ${only} and not ${processableOn(today)} order by c.id`)
    ).map(toContact);
    if (input.contactIds) {
      const known = new Set([...recipients, ...held.map((c) => c.id)]);
      const unknown = input.contactIds.filter((id) => !known.has(id));
      if (unknown.length > 0)
        throw new AppError('entrusted.contact_not_found', { details: { id: unknown[0], unknown } });
    }
    const excluded: SendResolution['excluded'] = [];
    for (const c of held) {
      const standing = contactStanding(c, today);
      if (standing.standing === 'active') throw new Error(`contact ${c.id}: the rule and its SQL disagree`);
      excluded.push({
        contactId: c.id,
        standing: standing.standing,
        since: standing.since,
        clause:
          standing.standing === 'restricted'
            ? (policy.processor.clauses.restriction ?? null)
            : (policy.processor.clauses.contactBasis ?? null),
      });
    }
    const category = retentionCategoryFor(policy, 'activity')?.id ?? null;
    for (let i = 0; i < recipients.length; i += 5000)
      await insertActivity(
        deps.db,
        input.accountId,
        category,
        recipients.slice(i, i + 5000).map((contactId) => ({
          id: deps.ids.next('act'),
          contactId,
          kind: 'campaign_delivery' as const,
          ref: input.ref,
          occurredAt: now,
          data: {},
        })),
      );
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.send_resolved',
      clause:
        excluded.length > 0
          ? ((excluded.some((e) => e.standing === 'restricted')
              ? policy.processor.clauses.restriction
              : policy.processor.clauses.contactBasis) ?? null)
          : null,
      actor: input.actor,
      occurredAt: now,
      data: {
        ref: input.ref,
        recipients: recipients.length,
        restricted: excluded.filter((e) => e.standing === 'restricted').length,
        basisLapsed: excluded.filter((e) => e.standing === 'basis_lapsed').length,
      },
    });
    return { ref: input.ref, day: today, recipients, excluded };
  });
}

/** The customer's "basis lapsed – delete" queue today (QU-PRC-15): contacts whose basis is gone, oldest first. */
export async function lapsedContacts(
  deps: EntrustedDeps,
  accountId: string,
): Promise<{
  day: LocalDate;
  clause: string | null;
  contacts: { id: string; since: LocalDate; reason: string }[];
}> {
  const { policy, now } = await accountNow(deps, accountId);
  const today = todayOf(policy, now);
  const rows = (
    await deps.db.rows<ContactRow>(sql`
      select ${contactSelect} from entrusted_contacts c
      where c.account_id = ${accountId} and ${lapsedOn(today)} order by c.id limit 10000`)
  ).map(toContact);
  return {
    day: today,
    clause: policy.processor.clauses.contactBasis ?? null,
    contacts: lapsedQueue(rows, today),
  };
}

/**
 * Deletes contacts from the lapsed queue (all of it, or the named ones that are in it), with their activity:
 * the customer clearing its queue, or the operator's staff deleting data whose declared basis proved untrue
 * (art. 10.2), logged with the staff member as actor and the reason. Contacts not in the queue stay.
 */
export async function deleteLapsedContacts(
  deps: EntrustedDeps,
  input: { accountId: string; contactIds?: readonly string[]; reason?: string; actor: string },
): Promise<{ contacts: number; activities: number }> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const today = todayOf(policy, now);
  const condition = input.contactIds
    ? sql`${lapsedOn(today)} and c.id = any(${textArray(input.contactIds)})`
    : lapsedOn(today);
  return deps.db.transaction(async () => {
    const counts = await deleteContactsWhere(deps.db, input.accountId, condition);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.lapsed_contacts_deleted',
      clause: policy.processor.clauses.contactBasis ?? null,
      actor: input.actor,
      occurredAt: now,
      data: { day: today, ...counts, ...(input.reason ? { reason: input.reason } : {}) },
    });
    return counts;
  });
}

/** The customer records its basis for profiling (QU-PRC-14, art. 10.3), on today's date. */
export async function recordProfilingBasis(
  deps: EntrustedDeps,
  input: { accountId: string; basis: 'consent' | 'legitimate_interest'; actor: string },
): Promise<{ basis: string; recordedOn: LocalDate }> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const today = todayOf(policy, now);
  return deps.db.transaction(async () => {
    await deps.db.q.execute(sql`
      insert into entrusted_profiling_bases (account_id, basis, recorded_on, recorded_at, recorded_by)
      values (${input.accountId}, ${input.basis}, ${today}, ${now.toISOString()}, ${input.actor})
      on conflict (account_id) do update set basis = excluded.basis, recorded_on = excluded.recorded_on,
        recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.profiling_basis_recorded',
      clause: policy.processor.clauses.profilingBasis ?? null,
      actor: input.actor,
      occurredAt: now,
      data: { basis: input.basis, recordedOn: today },
    });
    return { basis: input.basis, recordedOn: today };
  });
}

export const profilingFeatures = ['lead_scoring', 'segmentation'] as const;
export type ProfilingFeature = (typeof profilingFeatures)[number];

/**
 * The customer switches a profiling feature on or off. Switching on is refused without a basis recorded on
 * or before today (QU-PRC-14): nothing changes, the refusal names the clause.
 */
export async function setProfilingFeature(
  deps: EntrustedDeps,
  input: { accountId: string; feature: ProfilingFeature; enabled: boolean; actor: string },
): Promise<{ feature: ProfilingFeature; enabled: boolean; changedAt: Date }> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const today = todayOf(policy, now);
  const clause = policy.processor.clauses.profilingBasis ?? null;
  return deps.db.transaction(async () => {
    if (input.enabled) {
      const [row] = await deps.db.rows<{ basis: 'consent' | 'legitimate_interest'; recorded_on: string }>(sql`
        select basis, recorded_on::text as recorded_on from entrusted_profiling_bases
        where account_id = ${input.accountId} for update`);
      const basis: ProfilingBasis = row ? { basis: row.basis, recordedOn: row.recorded_on } : null;
      const refusal = profilingRefusal(basis, today);
      if (refusal)
        throw new AppError('entrusted.profiling_basis_required', {
          details: { feature: input.feature, reason: refusal.reason, clause },
        });
    }
    await deps.db.q.execute(sql`
      insert into entrusted_features (account_id, feature, enabled, changed_at, changed_by)
      values (${input.accountId}, ${input.feature}, ${input.enabled}, ${now.toISOString()}, ${input.actor})
      on conflict (account_id, feature) do update set enabled = excluded.enabled,
        changed_at = excluded.changed_at, changed_by = excluded.changed_by`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.profiling_feature_switched',
      clause,
      actor: input.actor,
      occurredAt: now,
      data: { feature: input.feature, enabled: input.enabled },
    });
    return { feature: input.feature, enabled: input.enabled, changedAt: now };
  });
}
