import { type SQL, sql } from 'drizzle-orm';
import type { LocalDate } from '../../platform/calendar.ts';
import { jsonRows, textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { ContactBasis } from './contact-basis.ts';
import { type ContactData, type CustomValues, contactFields, searchKeys } from './contact-fields.ts';
import type { ActivityKind } from './entrusted-schema.ts';

/** SQL only: entrusted contacts and their activity, always within one account. Returns plain objects. */

const fieldColumns = contactFields.map((f) => f.column);
const fieldList = sql.raw(fieldColumns.join(', '));
const fieldTypes = sql.raw(fieldColumns.map((c) => `${c} text`).join(', '));

export type Contact = ContactData & {
  id: string;
  category: string | null;
  /** The legal basis the customer declared and the days that end or restrict it (QU-PRC-15, QU-PRC-08). */
  basis: ContactBasis['basis'];
  consentExpiresOn: LocalDate | null;
  objectedOn: LocalDate | null;
  restrictedOn: LocalDate | null;
  custom: CustomValues;
  supportConsentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export type ContactRow = Record<string, unknown> & {
  id: string;
  category: string | null;
  custom: CustomValues;
  support_consent_at: Date | string | null;
  basis: ContactBasis['basis'];
  consent_expires_on: string | null;
  objected_on: string | null;
  restricted_on: string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

export const contactSelect = sql.raw(
  `id, category, ${fieldColumns.join(', ')}, custom, support_consent_at, basis,
   consent_expires_on::text as consent_expires_on, objected_on::text as objected_on,
   restricted_on::text as restricted_on, created_at, updated_at`,
);

export function toContact(row: ContactRow): Contact {
  const contact: Contact = {
    id: row.id,
    category: row.category,
    custom: row.custom ?? {},
    supportConsentAt: row.support_consent_at == null ? null : new Date(row.support_consent_at),
    basis: row.basis ?? null,
    consentExpiresOn: row.consent_expires_on ?? null,
    objectedOn: row.objected_on ?? null,
    restrictedOn: row.restricted_on ?? null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
  for (const f of contactFields) contact[f.key] = (row[f.column] as string | null) ?? null;
  return contact;
}

export type NewContact = { id: string; data: ContactData; custom: CustomValues };

/** Inserts contacts in one statement. */
export async function insertContacts(
  db: Database,
  accountId: string,
  category: string | null,
  now: Date,
  contacts: readonly NewContact[],
): Promise<void> {
  if (contacts.length === 0) return;
  const at = now.toISOString();
  const rows = contacts.map((c) => {
    const row: Record<string, unknown> = { id: c.id, custom: c.custom, ...searchKeys(c.data) };
    for (const f of contactFields) row[f.column] = c.data[f.key] ?? null;
    return row;
  });
  await db.q.execute(sql`
    insert into entrusted_contacts (account_id, id, category, ${fieldList}, custom,
                                    email_norm, first_norm, last_norm, phone_norm, created_at, updated_at)
    select ${accountId}, id, ${category}, ${fieldList}, coalesce(custom, '{}'::jsonb),
           email_norm, first_norm, last_norm, phone_norm, ${at}, ${at}
    from jsonb_to_recordset(${jsonRows(rows)}) as x(id text, ${fieldTypes}, custom jsonb,
      email_norm text, first_norm text, last_norm text, phone_norm text)`);
}

/** Records custom field keys the account has not used before (their first use is their creation). */
export async function registerCustomFields(
  db: Database,
  accountId: string,
  keys: readonly string[],
  now: Date,
  actor: string,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const added = await db.rows<{ key: string }>(sql`
    insert into entrusted_custom_fields (account_id, key, created_at, created_by)
    select ${accountId}, k, ${now.toISOString()}, ${actor} from unnest(${textArray(keys)}) as k
    on conflict do nothing returning key`);
  return added.map((r) => r.key).sort();
}

export async function customFieldsOf(
  db: Database,
  accountId: string,
): Promise<{ key: string; createdAt: Date }[]> {
  const rows = await db.rows<{ key: string; created_at: Date | string }>(sql`
    select key, created_at from entrusted_custom_fields where account_id = ${accountId} order by key`);
  return rows.map((r) => ({ key: r.key, createdAt: new Date(r.created_at) }));
}

export async function contactsByIds(
  db: Database,
  accountId: string,
  ids: readonly string[],
  options: { forUpdate?: boolean } = {},
): Promise<Contact[]> {
  if (ids.length === 0) return [];
  const rows = await db.rows<ContactRow>(sql`
    select ${contactSelect} from entrusted_contacts
    where account_id = ${accountId} and id = any(${textArray(ids)}) order by id
    ${options.forUpdate ? sql`for update` : sql``}`);
  return rows.map(toContact);
}

/** The ids of the contacts with this e-mail address (a person may be on the list more than once). */
export async function contactIdsByEmail(db: Database, accountId: string, email: string): Promise<string[]> {
  const rows = await db.rows<{ id: string }>(sql`
    select id from entrusted_contacts
    where account_id = ${accountId} and email_norm collate "C" = ${email.trim().toLowerCase()} order by id`);
  return rows.map((r) => r.id);
}

export type Activity = {
  id: string;
  contactId: string;
  kind: ActivityKind;
  category: string | null;
  ref: string;
  occurredAt: Date;
  data: Record<string, unknown>;
};

type ActivityRow = {
  id: string;
  contact_id: string;
  kind: ActivityKind;
  category: string | null;
  ref: string;
  occurred_at: Date | string;
  data: Record<string, unknown>;
};

export function toActivity(r: ActivityRow): Activity {
  return {
    id: r.id,
    contactId: r.contact_id,
    kind: r.kind,
    category: r.category,
    ref: r.ref,
    occurredAt: new Date(r.occurred_at),
    data: r.data,
  };
}

export async function activityOf(
  db: Database,
  accountId: string,
  contactIds: readonly string[],
): Promise<Activity[]> {
  if (contactIds.length === 0) return [];
  const rows = await db.rows<ActivityRow>(sql`
    select id, contact_id, kind, category, ref, occurred_at, data from entrusted_activity
    where account_id = ${accountId} and contact_id = any(${textArray(contactIds)})
    order by contact_id, occurred_at, id`);
  return rows.map(toActivity);
}

export async function insertActivity(
  db: Database,
  accountId: string,
  category: string | null,
  rows: readonly {
    id: string;
    contactId: string;
    kind: ActivityKind;
    ref: string;
    occurredAt: Date;
    data: Record<string, unknown>;
  }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.q.execute(sql`
    insert into entrusted_activity (account_id, contact_id, id, kind, category, ref, occurred_at, data)
    select ${accountId}, "contactId", id, kind, ${category}, ref, "occurredAt", coalesce(data, '{}'::jsonb)
    from jsonb_to_recordset(${jsonRows(rows)}) as x("contactId" text, id text, kind text, ref text,
      "occurredAt" timestamptz, data jsonb)`);
}

/**
 * Deletes the selected contacts of one account and all their activity; returns the counts. The selection
 * is a SQL condition on `entrusted_contacts` (aliased `c`) within the account.
 */
export async function deleteContactsWhere(
  db: Database,
  accountId: string,
  condition: SQL,
): Promise<{ contacts: number; activities: number }> {
  const [counts] = await db.rows<{ contacts: number; activities: number }>(sql`
    with doomed as (
      select c.id from entrusted_contacts c where c.account_id = ${accountId} and (${condition}) for update),
    gone_activity as (
      delete from entrusted_activity a using doomed d
      where a.account_id = ${accountId} and a.contact_id = d.id returning 1),
    gone as (
      delete from entrusted_contacts c using doomed d
      where c.account_id = ${accountId} and c.id = d.id returning 1)
    select (select count(*) from gone)::int as contacts, (select count(*) from gone_activity)::int as activities`);
  return counts ?? { contacts: 0, activities: 0 };
}

/**
 * Deletes these contacts of one account and all their activity in one statement (two index ranges, no
 * join): the erasure of a data subject whose contact ids are known. Returns the counts.
 */
export async function deleteContactsByIds(
  db: Database,
  accountId: string,
  ids: readonly string[],
): Promise<{ contacts: number; activities: number }> {
  if (ids.length === 0) return { contacts: 0, activities: 0 };
  const [counts] = await db.rows<{ contacts: number; activities: number }>(sql`
    with gone_activity as (
      delete from entrusted_activity where account_id = ${accountId} and contact_id = any(${textArray(ids)})
      returning 1),
    gone as (
      delete from entrusted_contacts where account_id = ${accountId} and id = any(${textArray(ids)}) returning 1)
    select (select count(*) from gone)::int as contacts, (select count(*) from gone_activity)::int as activities`);
  return counts ?? { contacts: 0, activities: 0 };
}

export function byIds(ids: readonly string[]): SQL {
  return sql`c.id = any(${textArray(ids)})`;
}

export type SearchField = 'email' | 'name' | 'phone';

const LIKE_SPECIAL = /[\\%_]/g;

/** `prefix%` for LIKE, with the prefix's own wildcards escaped. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(LIKE_SPECIAL, (c) => `\\${c}`)}%`;
}

/** The normalised prefix a search matches against the stored search keys. */
export function searchPrefix(field: SearchField, query: string): string {
  const keys = searchKeys(
    field === 'email'
      ? { email: query }
      : field === 'phone'
        ? { phone: query }
        : { firstName: query, lastName: query },
  );
  return (field === 'email' ? keys.email_norm : field === 'phone' ? keys.phone_norm : keys.last_norm) ?? '';
}

/** The condition "matches this search" on `entrusted_contacts c`. */
export function matchesSearch(field: SearchField, prefix: string): SQL {
  const like = likePrefix(prefix);
  if (field === 'email') return sql`c.email_norm collate "C" like ${like}`;
  if (field === 'phone') return sql`c.phone_norm collate "C" like ${like}`;
  return sql`(c.last_norm collate "C" like ${like} or c.first_norm collate "C" like ${like})`;
}

export type Cursor = { key: string | null; id: string };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      (typeof value[0] === 'string' || value[0] === null) &&
      typeof value[1] === 'string'
    )
      return { key: value[0], id: value[1] };
  } catch {
    // falls through to the error below
  }
  throw new AppError('entrusted.cursor_invalid');
}

/**
 * One page of an account's contacts matching a prefix search, in keyset order: by the searched key and
 * id for e-mail and phone (one index range each), by id for names (last or first name). Without a query,
 * all contacts by id.
 */
export async function searchPage(
  db: Database,
  accountId: string,
  search: { field: SearchField; prefix: string } | null,
  limit: number,
  after: Cursor | null,
  /** A further condition on `entrusted_contacts c` (what a staff member may be shown). */
  only: SQL = sql`true`,
): Promise<{ contacts: Contact[]; next: Cursor | null }> {
  const keyColumn =
    search?.field === 'email' ? 'email_norm' : search?.field === 'phone' ? 'phone_norm' : null;
  let rows: (ContactRow & { sort_key?: string })[];
  if (search && keyColumn) {
    const key = sql.raw(`c.${keyColumn} collate "C"`);
    rows = await db.rows(sql`
      select ${contactSelect}, c.${sql.raw(keyColumn)} as sort_key from entrusted_contacts c
      where c.account_id = ${accountId} and ${matchesSearch(search.field, search.prefix)} and (${only})
        ${after ? sql`and (${key}, c.id) > (${after.key ?? ''} collate "C", ${after.id})` : sql``}
      order by ${key}, c.id limit ${limit + 1}`);
  } else {
    rows = await db.rows(sql`
      select ${contactSelect} from entrusted_contacts c
      where c.account_id = ${accountId} and (${only})
        ${search ? sql`and ${matchesSearch(search.field, search.prefix)}` : sql``}
        ${after ? sql`and c.id > ${after.id}` : sql``}
      order by c.id limit ${limit + 1}`);
  }
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? { key: last.sort_key ?? null, id: last.id } : null;
  return { contacts: page.map(toContact), next };
}

/**
 * The condition "may be processed beyond storage on `day`" on `entrusted_contacts c`, the SQL form of
 * `mayProcess` (contact-basis.ts): not restricted by then (QU-PRC-08), no objection by then, and no consent
 * whose last day is before `day` (QU-PRC-15). The sends ask the rule again for every contact this leaves
 * out and fail loudly if the two disagree; the CSV export on PostgreSQL spells the same condition in its COPY.
 */
export function processableOn(day: LocalDate): SQL {
  return sql`not (coalesce(c.restricted_on <= ${day}::date, false)
    or coalesce(c.objected_on <= ${day}::date, false)
    or coalesce(c.basis = 'consent' and c.consent_expires_on < ${day}::date, false))`;
}

/** The condition "basis lapsed by `day`" on `entrusted_contacts c` (QU-PRC-15): the deletion queue. */
export function lapsedOn(day: LocalDate): SQL {
  return sql`(coalesce(c.objected_on <= ${day}::date, false)
    or coalesce(c.basis = 'consent' and c.consent_expires_on < ${day}::date, false))`;
}
