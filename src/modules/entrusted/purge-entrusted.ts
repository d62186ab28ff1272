import { sql } from 'drizzle-orm';
import { textArray } from '../../platform/db/bulk.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import type { EntrustedDeps } from './entrusted-context.ts';

export type PurgeResult = { accountId: string; contacts: number; activities: number; customFields: number };

/**
 * Deletes every piece of entrusted data of these accounts: contacts, their activity and the custom field
 * records (QU-PRC-12, art. 10.19; BK-PRC-08, annex 1 ust. 12; CM-PRC-02; MOC-LIF-01), set-based, and
 * writes one `entrusted.purged` event per account with the counts. Joins the caller's transaction (the
 * retention sweep's batch), so the deletion and its evidence commit together with the caller's own writes.
 *
 * Running it twice is safe: the second run finds nothing and records zero counts. It does not decide
 * whether the time has come; the caller's rule does (the retention category, the contract's end), and
 * passes the clause and cause to cite. Backups are the backup schedule's business (`retention.backups`).
 */
export async function purgeEntrustedData(
  deps: EntrustedDeps,
  accountIds: readonly string[],
  options: { clause?: string | null; cause?: string | null; actor?: string; at?: Date } = {},
): Promise<PurgeResult[]> {
  if (accountIds.length === 0) return [];
  const ids = [...new Set(accountIds)].sort();
  return deps.db.transaction(async () => {
    const counts = await deps.db.rows<{
      account_id: string;
      contacts: number;
      activities: number;
      custom_fields: number;
    }>(sql`
      with ids as (select unnest(${textArray(ids)}) as account_id),
      a as (delete from entrusted_activity where account_id = any(${textArray(ids)}) returning account_id),
      c as (delete from entrusted_contacts where account_id = any(${textArray(ids)}) returning account_id),
      f as (delete from entrusted_custom_fields where account_id = any(${textArray(ids)}) returning account_id)
      select ids.account_id,
             (select count(*) from c where c.account_id = ids.account_id)::int as contacts,
             (select count(*) from a where a.account_id = ids.account_id)::int as activities,
             (select count(*) from f where f.account_id = ids.account_id)::int as custom_fields
      from ids order by ids.account_id`);
    const results = counts.map((r) => ({
      accountId: r.account_id,
      contacts: r.contacts,
      activities: r.activities,
      customFields: r.custom_fields,
    }));
    const events: NewEvent[] = [];
    for (const r of results) {
      const { clockId, policy } = await deps.accountOf(r.accountId);
      events.push({
        chainId: r.accountId,
        type: 'entrusted.purged',
        clause: options.clause === undefined ? policy.processor.clauses.deletionAfterEnd : options.clause,
        actor: options.actor ?? 'system',
        cause: options.cause ?? null,
        occurredAt: options.at ?? (await deps.timeOf(clockId)),
        data: { contacts: r.contacts, activities: r.activities, customFields: r.customFields },
      });
    }
    await deps.eventLog.append(events);
    return results;
  });
}

export type EntrustedDataSummary = {
  accountId: string;
  contacts: number;
  activities: number;
  customFields: number;
  /** Where the customer downloads its data before deletion (QU art. 6.7, QU-PRC-12, BK-PRC-08). */
  downloads: { contactsCsv: string; activityCsv: string; json: string };
};

/**
 * What the customer can take away before its entrusted data are deleted: the counts and the paths of the
 * exports (relative to the API's base URL), for the notice lifecycle sends before the contract's end.
 */
export async function entrustedDataExport(
  deps: EntrustedDeps,
  accountId: string,
): Promise<EntrustedDataSummary> {
  const [row] = await deps.db.rows<{ contacts: number; activities: number; custom_fields: number }>(sql`
    select (select count(*) from entrusted_contacts where account_id = ${accountId})::int as contacts,
           (select count(*) from entrusted_activity where account_id = ${accountId})::int as activities,
           (select count(*) from entrusted_custom_fields where account_id = ${accountId})::int as custom_fields`);
  const base = `/v1/accounts/${encodeURIComponent(accountId)}/entrusted/export`;
  return {
    accountId,
    contacts: row?.contacts ?? 0,
    activities: row?.activities ?? 0,
    customFields: row?.custom_fields ?? 0,
    downloads: {
      contactsCsv: `${base}?format=csv`,
      activityCsv: `${base}?format=csv&of=activity`,
      json: `${base}?format=json`,
    },
  };
}
