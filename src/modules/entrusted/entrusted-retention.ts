import { type SQL, sql } from 'drizzle-orm';
import { textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { ErasureScope, RetentionHandler } from '../retention/index.ts';

/**
 * Entrusted data as the retention engine erases it (`data: 'entrusted'` in a policy category).
 *
 * - An account-level category (the contract's end, a state entered: QU-LIF-09 / QU-PRC-12, BK-PRC-08,
 *   CM-PRC-02, MOC-LIF-01) covers the whole store: every contact, all activity and the custom field records
 *   of the accounts, whatever they are tagged with.
 * - An item-level category counted from each event (QU-RET-07: recipient activity, 3 years) covers the
 *   activity rows tagged with it whose event lies before `before`; the contacts stay.
 *
 * Contacts named in `heldSubjects` (entrusted subjects under a legal hold) are left with their activity.
 * Entrusted data are never anonymised piecemeal for the operator's own use (QU-PRC-03): 'anonymise' deletes
 * as well. Set-based, in the caller's transaction; running the same scope again deletes nothing more.
 */
export function entrustedRetentionHandler(deps: { db: Database }): RetentionHandler {
  const { db } = deps;
  return {
    id: 'entrusted.store',
    data: 'entrusted',
    itemTriggers: ['event_date'],
    async erase(s: ErasureScope) {
      const out = new Map<string, number>();
      const add = (rows: { account_id: string; n: number }[]) => {
        for (const r of rows) out.set(r.account_id, (out.get(r.account_id) ?? 0) + r.n);
      };
      const accounts = textArray(s.accountIds);
      const held: SQL =
        s.heldSubjects.length > 0 ? sql`and not (contact_id = any(${textArray(s.heldSubjects)}))` : sql``;
      if (s.before) {
        add(
          await db.rows(sql`
            with gone as (
              delete from entrusted_activity
              where account_id = any(${accounts}) and category = ${s.category}
                and occurred_at < ${s.before.toISOString()} ${held}
              returning account_id)
            select account_id, count(*)::int as n from gone group by account_id`),
        );
        return out;
      }
      const heldContacts: SQL =
        s.heldSubjects.length > 0 ? sql`and not (id = any(${textArray(s.heldSubjects)}))` : sql``;
      add(
        await db.rows(sql`
          with a as (delete from entrusted_activity where account_id = any(${accounts}) ${held} returning account_id),
          c as (delete from entrusted_contacts where account_id = any(${accounts}) ${heldContacts} returning account_id),
          gone as (select account_id from a union all select account_id from c)
          select account_id, count(*)::int as n from gone group by account_id`),
      );
      if (s.heldSubjects.length === 0)
        await db.q.execute(sql`delete from entrusted_custom_fields where account_id = any(${accounts})`);
      return out;
    },
    async oldestItem(accountIds, category) {
      const rows = await db.rows<{ account_id: string; at: string | Date }>(sql`
        select account_id, min(occurred_at) as at from entrusted_activity
        where account_id = any(${textArray(accountIds)}) and category = ${category} group by account_id`);
      return new Map(rows.map((r) => [r.account_id, new Date(r.at)]));
    },
  };
}
