/**
 * Data of visitors without an account (CM-PRV-11, CM-PRV-15). What is collected automatically (URL, IP
 * address, proxy, OS, browser, non-GPS location, log line) is recorded against the identifier the visitor's
 * browser holds (a cookie from the policy's register). It lives only as long as that identifier: when the
 * identifier's maximum lifetime ends (`maxAgeDays`, never more than the register declares), a due item
 * anonymises the records — the policy's retention category with trigger `identifier_expiry` names the rule.
 * Once the identifier is linked to an account, the records are that account's personal data: they leave
 * the visitor rule, appear in the access export and follow the account's retention (`usage`).
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { addDays, localDateOf, startOfDay } from '../../platform/calendar.ts';
import { textArray } from '../../platform/db/bulk.ts';
import type { DueItem } from '../../platform/due-work/due-work.ts';
import { AppError, defineErrors } from '../../platform/errors.ts';
import type { RetentionHandler } from '../retention/index.ts';
import { visitorRecords } from './controller-records-schema.ts';
import { contextOf, type PrivacyDeps } from './privacy-context.ts';

export const VISITOR_EXPIRY = 'privacy.visitor_expiry';
const VISITORS_CHAIN = 'visitors';

export const visitorErrors = defineErrors({
  'privacy.visitor_cookie_unknown': {
    status: 400,
    en: 'The identifier must be a cookie or storage key declared in the policy’s cookie register, with a lifetime.',
    pl: 'Identyfikator musi być plikiem cookie lub kluczem zadeklarowanym w rejestrze cookies polityki, z okresem ważności.',
  },
  'privacy.visitor_max_age_too_long': {
    status: 400,
    en: 'The identifier lives longer ({maxAgeDays} days) than the register declares ({lifetimeDays} days).',
    pl: 'Identyfikator żyje dłużej ({maxAgeDays} dni), niż deklaruje rejestr ({lifetimeDays} dni).',
  },
});

export const VisitorFields = ['url', 'ip', 'proxy', 'os', 'browser', 'location', 'log'] as const;

export type VisitorInput = {
  cookie: string;
  value: string;
  setAt: Date;
  maxAgeDays?: number;
  occurredAt: Date;
  data: Partial<Record<(typeof VisitorFields)[number], string>>;
  clockId: string | null;
};

function registerEntry(deps: PrivacyDeps, cookie: string) {
  return deps
    .current()
    .policy.cookies.register.find((e) =>
      e.name.endsWith('*') ? cookie.startsWith(e.name.slice(0, -1)) : e.name === cookie,
    );
}

/** The visitor retention category (trigger `identifier_expiry`) of the current policy, if any. */
function visitorCategory(deps: PrivacyDeps) {
  return deps.current().policy.retention.categories.find((c) => c.trigger === 'identifier_expiry') ?? null;
}

export async function recordVisit(
  deps: PrivacyDeps,
  input: VisitorInput,
): Promise<{ id: string; expiresAt: Date }> {
  const entry = registerEntry(deps, input.cookie);
  if (!entry || entry.lifetimeDays === null)
    throw new AppError(visitorErrors['privacy.visitor_cookie_unknown'], {
      details: { cookie: input.cookie },
    });
  const maxAgeDays = input.maxAgeDays ?? entry.lifetimeDays;
  if (maxAgeDays > entry.lifetimeDays)
    throw new AppError(visitorErrors['privacy.visitor_max_age_too_long'], {
      details: { maxAgeDays, lifetimeDays: entry.lifetimeDays },
    });
  const { timeZone } = deps.current().policy.locale;
  // "max-age N days from day T": the identifier lives through day T+N and is gone at its start (the rule's
  // example: set 2026-01-01 with 180 days, anonymised when the job runs on 2026-06-30).
  const expiresAt = startOfDay(addDays(localDateOf(input.setAt, timeZone), maxAgeDays), timeZone);
  const id = deps.ids.next('vis');
  return deps.db.transaction(async () => {
    await deps.db.q.insert(visitorRecords).values({
      id,
      identifier: input.value,
      cookie: input.cookie,
      identifierSetAt: input.setAt,
      expiresAt,
      occurredAt: input.occurredAt,
      data: Object.fromEntries(Object.entries(input.data).filter(([, v]) => typeof v === 'string')) as Record<
        string,
        string
      >,
      clockId: input.clockId,
    });
    await deps.dueWork.schedule([
      { accountId: VISITORS_CHAIN, kind: VISITOR_EXPIRY, ref: id, dueAt: expiresAt, clockId: input.clockId },
    ]);
    return { id, expiresAt };
  });
}

/** Links an identifier's records to an account (CM-PRV-15): from now on they are that account's personal data. */
export async function linkVisitor(
  deps: PrivacyDeps,
  input: { cookie: string; value: string; accountId: string; actor: string },
): Promise<{ linked: number }> {
  const ctx = await contextOf(deps, input.accountId);
  return deps.db.transaction(async () => {
    const rows = await deps.db.q
      .update(visitorRecords)
      .set({ accountId: input.accountId, linkedAt: ctx.now })
      .where(
        and(
          eq(visitorRecords.cookie, input.cookie),
          eq(visitorRecords.identifier, input.value),
          isNull(visitorRecords.accountId),
          isNull(visitorRecords.anonymisedAt),
        ),
      )
      .returning({ id: visitorRecords.id });
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'privacy.visitor_data_linked',
        clause: ctx.policy.dataSubjectRequests.clauses?.visitorData ?? null,
        actor: input.actor,
        occurredAt: ctx.now,
        data: { records: rows.length, cookie: input.cookie },
      },
    ]);
    return { linked: rows.length };
  });
}

/** The due handler: records whose identifier expired and that nobody linked are anonymised (CM-PRV-11). */
export async function handleVisitorExpiry(deps: PrivacyDeps, items: DueItem[]): Promise<void> {
  const category = visitorCategory(deps);
  for (const item of items) {
    const rows = await deps.db.rows<{ id: string }>(sql`
      update visitor_records set identifier = null, data = '{}'::jsonb, anonymised_at = ${item.firedAt.toISOString()}
      where id = ${item.ref} and account_id is null and anonymised_at is null
        and expires_at <= ${item.firedAt.toISOString()}
      returning id`);
    if (rows.length === 0) continue;
    await deps.eventLog.append([
      {
        chainId: VISITORS_CHAIN,
        type: 'privacy.visitor_anonymised',
        clause: category?.clause ?? null,
        actor: 'system',
        cause: `due:${VISITOR_EXPIRY}`,
        occurredAt: item.firedAt,
        data: { record: item.ref, category: category?.id ?? null },
      },
    ]);
  }
}

export async function visitorRecordsOf(deps: PrivacyDeps, accountId: string) {
  const rows = await deps.db.q
    .select()
    .from(visitorRecords)
    .where(eq(visitorRecords.accountId, accountId))
    .orderBy(visitorRecords.occurredAt);
  return rows.map((r) => ({
    occurredAt: r.occurredAt.toISOString(),
    cookie: r.cookie,
    ...r.data,
  }));
}

/** Linked visitor records under the account's retention (`usage`): deleted with the account's usage data. */
export function visitorRetentionHandler(deps: PrivacyDeps): RetentionHandler {
  return {
    id: 'privacy.visitor_records',
    data: 'usage',
    async erase(s) {
      const rows = await deps.db.rows<{ account_id: string }>(sql`
        delete from visitor_records where account_id = any(${textArray(s.accountIds)}) returning account_id`);
      const out = new Map<string, number>();
      for (const r of rows) out.set(r.account_id, (out.get(r.account_id) ?? 0) + 1);
      return out;
    },
  };
}
