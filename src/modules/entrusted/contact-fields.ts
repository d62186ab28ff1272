import { z } from 'zod';

/**
 * The personal data a customer (the controller) entrusts to the operator about one of its contacts: the
 * categories of QU art. 10.5 (QU-PRC-02) and BK annex 1 ust. 1 (BK-PRC-01), one column each, plus the
 * customer's own fields (`custom`, "other data set by the customer"). The same names are the CSV header
 * (snake_case) and the JSON keys (camelCase).
 */
type FieldKind = 'text' | 'email' | 'date' | 'month_day' | 'country' | 'url' | 'phone';
type FieldSpec = { column: string; key: string; kind: FieldKind; max: number; category: string };

/** In the order of QU art. 10.5; `category` is the entrusted category of the policy it belongs to. */
export const contactFields = [
  { column: 'title', key: 'title', kind: 'text', max: 50, category: 'title' },
  { column: 'gender', key: 'gender', kind: 'text', max: 30, category: 'gender' },
  { column: 'first_name', key: 'firstName', kind: 'text', max: 100, category: 'name' },
  { column: 'middle_name', key: 'middleName', kind: 'text', max: 100, category: 'name' },
  { column: 'last_name', key: 'lastName', kind: 'text', max: 150, category: 'name' },
  { column: 'position', key: 'position', kind: 'text', max: 150, category: 'position' },
  { column: 'birth_date', key: 'birthDate', kind: 'date', max: 10, category: 'birth_date_and_place' },
  { column: 'birth_place', key: 'birthPlace', kind: 'text', max: 150, category: 'birth_date_and_place' },
  { column: 'name_day', key: 'nameDay', kind: 'month_day', max: 10, category: 'name_day' },
  { column: 'contact_source', key: 'contactSource', kind: 'text', max: 150, category: 'contact_source' },
  { column: 'referrer_name', key: 'referrerName', kind: 'text', max: 200, category: 'referrer_name' },
  /** The employer (QU art. 10.5) or the client's firm (BK annex 1 ust. 1). */
  { column: 'company', key: 'company', kind: 'text', max: 300, category: 'employer' },
  { column: 'email', key: 'email', kind: 'email', max: 254, category: 'email' },
  { column: 'website', key: 'website', kind: 'url', max: 500, category: 'website' },
  { column: 'phone', key: 'phone', kind: 'phone', max: 30, category: 'phone' },
  /** The work address (QU) or the registered/business address (BK). */
  { column: 'work_street', key: 'workStreet', kind: 'text', max: 200, category: 'work_address' },
  { column: 'work_postal_code', key: 'workPostalCode', kind: 'text', max: 20, category: 'work_address' },
  { column: 'work_city', key: 'workCity', kind: 'text', max: 100, category: 'work_address' },
  { column: 'work_region', key: 'workRegion', kind: 'text', max: 100, category: 'work_address' },
  { column: 'work_country', key: 'workCountry', kind: 'country', max: 2, category: 'work_address' },
  { column: 'private_street', key: 'privateStreet', kind: 'text', max: 200, category: 'private_address' },
  {
    column: 'private_postal_code',
    key: 'privatePostalCode',
    kind: 'text',
    max: 20,
    category: 'private_address',
  },
  { column: 'private_city', key: 'privateCity', kind: 'text', max: 100, category: 'private_address' },
  { column: 'private_region', key: 'privateRegion', kind: 'text', max: 100, category: 'private_address' },
  { column: 'private_country', key: 'privateCountry', kind: 'country', max: 2, category: 'private_address' },
] as const satisfies readonly FieldSpec[];

export type ContactField = (typeof contactFields)[number];
export type ContactColumn = ContactField['column'];
export type ContactKey = ContactField['key'];

/** A contact's standard fields by JSON key; absent and null both mean "not given". */
export type ContactData = { [K in ContactKey]?: string | null };
/** Custom fields: key → text value. */
export type CustomValues = Record<string, string>;

export const CUSTOM_PREFIX = 'custom:';
export const CUSTOM_KEY = /^[a-z][a-z0-9_]{0,39}$/;
export const MAX_CUSTOM_FIELDS = 50;
export const MAX_CUSTOM_VALUE = 2000;

/** Columns an exported file carries that an import reads past (a re-import creates new contacts). */
export const EXPORT_ONLY_COLUMNS = ['id', 'created_at'] as const;

function fieldSchema(spec: FieldSpec): z.ZodType<string> {
  const text = z.string().trim().min(1).max(spec.max);
  switch (spec.kind) {
    case 'email':
      return z.email().max(spec.max);
    case 'date':
      return z.iso.date();
    case 'month_day':
      return z.string().regex(/^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'MM-DD or YYYY-MM-DD');
    case 'country':
      return z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code');
    case 'url':
      return z.url({ protocol: /^https?$/ }).max(spec.max);
    case 'phone':
      return z.string().regex(/^\+?[0-9 ()./-]{3,30}$/, 'a phone number');
    default:
      return text;
  }
}

const standardShape = Object.fromEntries(
  contactFields.map((f) => [f.key, fieldSchema(f).nullable().optional()]),
) as { [K in ContactKey]: z.ZodOptional<z.ZodNullable<z.ZodType<string>>> };

export const CustomValuesSchema = z
  .record(z.string().regex(CUSTOM_KEY, 'a custom field key: a-z, 0-9, _'), z.string().max(MAX_CUSTOM_VALUE))
  .refine((v) => Object.keys(v).length <= MAX_CUSTOM_FIELDS, `at most ${MAX_CUSTOM_FIELDS} custom fields`);

/** A contact as the API takes it: at least an e-mail, a phone or a last name identifies the person. */
export const ContactInput = z
  .strictObject({ ...standardShape, custom: CustomValuesSchema.optional() })
  .refine((c) => Boolean(c.email || c.phone || c.lastName), {
    error: 'a contact needs an e-mail, a phone or a last name',
    path: ['email'],
  });
export type ContactInput = z.infer<typeof ContactInput>;

const byColumn = new Map<string, ContactField>(contactFields.map((f) => [f.column, f]));

/** The header of an import, checked: each column known (a standard field, `custom:<key>`, or export-only). */
export type HeaderCheck =
  | { ok: true; columns: ({ kind: 'field'; key: ContactKey } | { kind: 'custom'; key: string } | null)[] }
  | { ok: false; problems: string[] };

export function checkHeader(header: readonly string[]): HeaderCheck {
  const problems: string[] = [];
  const seen = new Set<string>();
  const columns = header.map((raw) => {
    const name = raw.trim();
    if (seen.has(name)) problems.push(`column "${name}" appears twice`);
    seen.add(name);
    if ((EXPORT_ONLY_COLUMNS as readonly string[]).includes(name)) return null;
    const field = byColumn.get(name);
    if (field) return { kind: 'field' as const, key: field.key };
    if (name.startsWith(CUSTOM_PREFIX)) {
      const key = name.slice(CUSTOM_PREFIX.length);
      if (CUSTOM_KEY.test(key)) return { kind: 'custom' as const, key };
      problems.push(`column "${name}": a custom field key is a-z, 0-9 and _ (at most 40), after "custom:"`);
      return null;
    }
    problems.push(
      `unknown column "${name}" (standard fields: ${[...byColumn.keys()].join(', ')}; own fields: custom:<key>)`,
    );
    return null;
  });
  if (columns.filter((c) => c?.kind === 'custom').length > MAX_CUSTOM_FIELDS)
    problems.push(`at most ${MAX_CUSTOM_FIELDS} custom columns`);
  if (!columns.some((c) => c?.kind === 'field' && ['email', 'phone', 'lastName'].includes(c.key)))
    problems.push('the header needs an email, phone or last_name column');
  return problems.length > 0 ? { ok: false, problems } : { ok: true, columns };
}

/** Folds case and Polish (and other Latin) diacritics, so "Łukasz" is found by "lukasz". */
export function foldText(value: string): string {
  return value.toLocaleLowerCase('pl').replaceAll('ł', 'l').normalize('NFD').replace(/\p{M}/gu, '').trim();
}

/** The digits of a phone number, the key phone searches match by prefix ("+48 600-100" → "48600100"). */
export function phoneDigits(value: string): string {
  return value.replace(/\D/g, '');
}

/** The search keys stored beside a contact. */
export function searchKeys(c: ContactData): {
  email_norm: string | null;
  first_norm: string | null;
  last_norm: string | null;
  phone_norm: string | null;
} {
  return {
    email_norm: c.email ? c.email.trim().toLowerCase() : null,
    first_norm: c.firstName ? foldText(c.firstName) : null,
    last_norm: c.lastName ? foldText(c.lastName) : null,
    phone_norm: c.phone ? phoneDigits(c.phone) || null : null,
  };
}
