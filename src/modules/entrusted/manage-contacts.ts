import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { type ContactData, ContactInput, contactFields, searchKeys } from './contact-fields.ts';
import { assertProcessable } from './contact-standing.ts';
import { accountNow, type EntrustedDeps } from './entrusted-context.ts';
import { retentionCategoryFor } from './entrusted-rules.ts';
import { type ActivityKind, activityKinds } from './entrusted-schema.ts';
import {
  type Activity,
  activityOf,
  byIds,
  type Contact,
  contactsByIds,
  decodeCursor,
  deleteContactsWhere,
  encodeCursor,
  insertActivity,
  insertContacts,
  matchesSearch,
  registerCustomFields,
  type SearchField,
  searchPage,
  searchPrefix,
} from './entrusted-store.ts';

/** Adds one contact (the customer's own entry, or its product's). */
export async function createContact(
  deps: EntrustedDeps,
  input: { accountId: string; contact: ContactInput; actor: string },
): Promise<Contact> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const { custom, ...data } = input.contact;
  const id = deps.ids.next('ctc');
  return deps.db.transaction(async () => {
    await insertContacts(deps.db, input.accountId, retentionCategoryFor(policy, 'contact')?.id ?? null, now, [
      { id, data: data as ContactData, custom: custom ?? {} },
    ]);
    await registerCustomFields(deps.db, input.accountId, Object.keys(custom ?? {}), now, input.actor);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'entrusted.contact_created',
        actor: input.actor,
        occurredAt: now,
        data: { contactId: id },
      },
    ]);
    return (await contactsByIds(deps.db, input.accountId, [id]))[0]!;
  });
}

/** One contact with its activity; 404 when the account has no such contact. */
export async function getContact(
  deps: EntrustedDeps,
  accountId: string,
  contactId: string,
): Promise<Contact & { activity: Activity[] }> {
  const [contact] = await contactsByIds(deps.db, accountId, [contactId]);
  if (!contact) throw new AppError('entrusted.contact_not_found', { details: { id: contactId } });
  return { ...contact, activity: await activityOf(deps.db, accountId, [contactId]) };
}

/** A change to a contact: fields set to a value, or to null to clear them; custom keys likewise. */
export const ContactChange = z.strictObject({
  ...Object.fromEntries(contactFields.map((f) => [f.key, z.string().nullable().optional()])),
  custom: z.record(z.string(), z.string().nullable()).optional(),
}) as z.ZodType<{ [K in keyof ContactData]?: string | null } & { custom?: Record<string, string | null> }>;
export type ContactChange = z.infer<typeof ContactChange>;

/**
 * Applies a change to contacts of one account (their search keys follow), each result validated as a
 * whole contact. Runs in the caller's transaction when there is one.
 */
export async function changeContacts(
  deps: EntrustedDeps,
  input: {
    accountId: string;
    contactIds: readonly string[];
    change: ContactChange;
    now: Date;
    actor: string;
  },
): Promise<Contact[]> {
  return deps.db.transaction(async () => {
    const contacts = await contactsByIds(deps.db, input.accountId, input.contactIds, { forUpdate: true });
    const changed: { id: string; data: ContactData; custom: Record<string, string> }[] = [];
    for (const contact of contacts) {
      const { custom: customChange, ...fields } = input.change;
      const custom: Record<string, string> = { ...contact.custom };
      for (const [key, value] of Object.entries(customChange ?? {})) {
        if (value === null) delete custom[key];
        else custom[key] = value;
      }
      const merged: Record<string, unknown> = { custom };
      for (const f of contactFields) {
        const value = f.key in fields ? fields[f.key] : contact[f.key];
        if (value !== null && value !== undefined && value !== '') merged[f.key] = value;
      }
      const checked = ContactInput.safeParse(merged);
      if (!checked.success)
        throw new AppError('request.invalid', {
          details: {
            issues: checked.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
          },
        });
      const { custom: newCustom, ...data } = checked.data;
      changed.push({ id: contact.id, data: data as ContactData, custom: newCustom ?? {} });
    }
    for (const c of changed) {
      const sets: SQL[] = contactFields.map((f) => sql`${sql.raw(f.column)} = ${c.data[f.key] ?? null}`);
      const keys = searchKeys(c.data);
      await deps.db.q.execute(sql`
        update entrusted_contacts set ${sql.join(sets, sql`, `)},
          custom = ${JSON.stringify(c.custom)}::jsonb,
          email_norm = ${keys.email_norm}, first_norm = ${keys.first_norm},
          last_norm = ${keys.last_norm}, phone_norm = ${keys.phone_norm},
          updated_at = ${input.now.toISOString()}
        where account_id = ${input.accountId} and id = ${c.id}`);
    }
    const customKeys = [...new Set(changed.flatMap((c) => Object.keys(c.custom)))];
    await registerCustomFields(deps.db, input.accountId, customKeys, input.now, input.actor);
    return contactsByIds(deps.db, input.accountId, input.contactIds);
  });
}

/** Corrects one contact (the customer's own edit; applies at once, QU-PRC-06 "self-service"). */
export async function updateContact(
  deps: EntrustedDeps,
  input: { accountId: string; contactId: string; change: ContactChange; actor: string },
): Promise<Contact> {
  const { policy, now } = await accountNow(deps, input.accountId);
  return deps.db.transaction(async () => {
    // A restricted contact, or one whose basis lapsed, is only stored: edits are refused (QU-PRC-08, QU-PRC-15).
    const [before] = await contactsByIds(deps.db, input.accountId, [input.contactId], { forUpdate: true });
    if (before) assertProcessable(policy, before, localDateOf(now, policy.locale.timeZone));
    const [contact] = await changeContacts(deps, { ...input, contactIds: [input.contactId], now });
    if (!contact) throw new AppError('entrusted.contact_not_found', { details: { id: input.contactId } });
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'entrusted.contact_updated',
        actor: input.actor,
        occurredAt: now,
        data: { contactId: contact.id, fields: Object.keys(input.change).sort() },
      },
    ]);
    return contact;
  });
}

export type ContactSelection =
  | { ids: string[] }
  | { search: { field: SearchField; query: string } }
  | { all: true };

/**
 * The customer deletes entrusted data at any time: one contact, a selection (ids, or a prefix search), or
 * everything, each with all its activity (BK-PRC-02: gone from primary storage at once). One event with
 * the counts. Deleting nothing is not an error, except a single contact asked for by id (404).
 */
export async function deleteContacts(
  deps: EntrustedDeps,
  input: { accountId: string; selection: ContactSelection; actor: string; single?: boolean },
): Promise<{ contacts: number; activities: number }> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const s = input.selection;
  // A query with nothing to match by ("+" as a phone) would select everyone: that is `all`, asked for as such.
  if ('search' in s && searchPrefix(s.search.field, s.search.query) === '')
    throw new AppError('request.invalid', {
      details: { field: 'search.query', rule: 'nothing to match by' },
    });
  const condition =
    'ids' in s
      ? byIds(s.ids)
      : 'search' in s
        ? matchesSearch(s.search.field, searchPrefix(s.search.field, s.search.query))
        : sql`true`;
  return deps.db.transaction(async () => {
    const counts = await deleteContactsWhere(deps.db, input.accountId, condition);
    if (input.single && counts.contacts === 0)
      throw new AppError('entrusted.contact_not_found', { details: { id: 'ids' in s ? s.ids[0] : null } });
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'entrusted.contacts_deleted',
        clause: policy.processor.clauses.customerDeletion,
        actor: input.actor,
        occurredAt: now,
        data: {
          selection: 'ids' in s ? 'ids' : 'search' in s ? `search:${s.search.field}` : 'all',
          ...('ids' in s && s.ids.length <= 100 ? { contactIds: s.ids } : {}),
          contacts: counts.contacts,
          activities: counts.activities,
        },
      },
    ]);
    return counts;
  });
}

export type SearchResult = { contacts: Contact[]; nextCursor: string | null };

/** A page of contacts matching an e-mail, name or phone prefix (or all), with the cursor of the next page. */
export async function searchContacts(
  deps: EntrustedDeps,
  input: {
    accountId: string;
    field?: SearchField;
    query?: string;
    limit?: number;
    cursor?: string;
    only?: SQL;
  },
): Promise<SearchResult> {
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 500);
  const search =
    input.field && input.query
      ? { field: input.field, prefix: searchPrefix(input.field, input.query) }
      : null;
  const page = await searchPage(
    deps.db,
    input.accountId,
    search,
    limit,
    input.cursor ? decodeCursor(input.cursor) : null,
    input.only,
  );
  return { contacts: page.contacts, nextCursor: page.next ? encodeCursor(page.next) : null };
}

export const ActivityInput = z.strictObject({
  kind: z.enum(activityKinds),
  ref: z.string().min(1).max(200),
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type ActivityInput = z.infer<typeof ActivityInput>;

/**
 * Records what contacts did (deliveries, opens, answers, bookings, participation), each tagged with the
 * policy's activity retention category (QU-RET-07). Every contact must belong to the account.
 */
export async function recordActivity(
  deps: EntrustedDeps,
  input: { accountId: string; contactId: string; activity: readonly ActivityInput[]; actor: string },
): Promise<{ recorded: number }> {
  const { policy } = await accountNow(deps, input.accountId);
  const category = retentionCategoryFor(policy, 'activity');
  return deps.db.transaction(async () => {
    const [contact] = await contactsByIds(deps.db, input.accountId, [input.contactId]);
    if (!contact) throw new AppError('entrusted.contact_not_found', { details: { id: input.contactId } });
    await insertActivity(
      deps.db,
      input.accountId,
      category?.id ?? null,
      input.activity.map((a) => ({
        id: deps.ids.next('act'),
        contactId: input.contactId,
        kind: a.kind as ActivityKind,
        ref: a.ref,
        occurredAt: new Date(a.occurredAt),
        data: a.data ?? {},
      })),
    );
    return { recorded: input.activity.length };
  });
}

/**
 * Records (or, with null, withdraws) a person's consent to the operator's support seeing their data, as
 * the customer collected it (MOC-PRC-01: under `staffAccess: data_subject_consent` support sees only them).
 */
export async function recordSupportConsent(
  deps: EntrustedDeps,
  input: { accountId: string; contactId: string; givenAt: Date | null; actor: string },
): Promise<Contact> {
  const { policy, now } = await accountNow(deps, input.accountId);
  return deps.db.transaction(async () => {
    const [contact] = await contactsByIds(deps.db, input.accountId, [input.contactId], { forUpdate: true });
    if (!contact) throw new AppError('entrusted.contact_not_found', { details: { id: input.contactId } });
    await deps.db.q.execute(sql`
      update entrusted_contacts set support_consent_at = ${input.givenAt?.toISOString() ?? null},
        updated_at = ${now.toISOString()}
      where account_id = ${input.accountId} and id = ${input.contactId}`);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: input.givenAt ? 'entrusted.support_consent_recorded' : 'entrusted.support_consent_withdrawn',
        clause:
          policy.processor.staffAccess === 'data_subject_consent'
            ? policy.processor.clauses.staffAccess
            : null,
        actor: input.actor,
        occurredAt: now,
        data: { contactId: input.contactId },
      },
    ]);
    return (await contactsByIds(deps.db, input.accountId, [input.contactId]))[0]!;
  });
}

/**
 * Records that the account's contacts left the service as a file (who, which export, when): a copy of the
 * customer's data is evidence the customer may ask for (QU-PRC-05). Ids only.
 */
export async function recordExport(
  deps: EntrustedDeps,
  input: { accountId: string; format: 'csv' | 'json'; of: 'contacts' | 'activity'; actor: string },
): Promise<void> {
  const { now } = await accountNow(deps, input.accountId);
  await deps.eventLog.appendOne({
    chainId: input.accountId,
    type: 'entrusted.exported',
    actor: input.actor,
    occurredAt: now,
    data: { format: input.format, of: input.format === 'json' ? 'contacts_with_activity' : input.of },
  });
}
