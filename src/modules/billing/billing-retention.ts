import { type SQL, sql } from 'drizzle-orm';
import { textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { ErasureScope, RetentionHandler } from '../retention/index.ts';

/**
 * Billing's personal data as the retention engine erases it (src/modules/retention). Invoices and the
 * payments behind them are accounting records: the law keeps them whole for its period, so they are never
 * anonymised piecemeal (an invoice without its buyer is no invoice); they go, all together, once the
 * policy's accounting category says so (by issue date), or with the account where the policy puts
 * `billing_records` in an account category (HT-PRV-02). Saved cards and the ordering person's name go with
 * the customer's other data.
 */
export function billingRetentionHandlers(deps: { db: Database }): RetentionHandler[] {
  const { db } = deps;
  const ids = (s: ErasureScope) => textArray(s.accountIds);
  const count = (into: Map<string, number>, rows: { account_id: string }[]) => {
    for (const r of rows) into.set(r.account_id, (into.get(r.account_id) ?? 0) + 1);
    return into;
  };

  const records: RetentionHandler = {
    id: 'billing.records',
    data: 'billing_records',
    itemTriggers: ['event_date'],
    async erase(s) {
      const out = new Map<string, number>();
      if (s.action === 'anonymise' && s.keep.includes('invoices')) return out;
      const before = s.before?.toISOString() ?? null;
      const created: SQL = before === null ? sql`true` : sql`created_at < ${before}`;
      // Invoices by their issue date (a local date: compared with the local date of `before`).
      const issued: SQL = s.beforeDay === undefined ? sql`true` : sql`issue_date < ${s.beforeDay}`;
      for (const table of ['refunds', 'account_credits', 'payment_links', 'payment_charges', 'payments']) {
        count(
          out,
          await db.rows<{ account_id: string }>(sql`
            delete from ${sql.identifier(table)} where account_id = any(${ids(s)}) and ${created}
            returning account_id`),
        );
      }
      count(
        out,
        await db.rows<{ account_id: string }>(sql`
          delete from invoices where account_id = any(${ids(s)}) and ${issued} returning account_id`),
      );
      return out;
    },
    async oldestItem(accountIds) {
      const rows = await db.rows<{ account_id: string; at: string | Date }>(sql`
        select account_id, min(created_at) as at from invoices
        where account_id = any(${textArray(accountIds)}) group by account_id`);
      return new Map(rows.map((r) => [r.account_id, new Date(r.at)]));
    },
  };

  const cards: RetentionHandler = {
    id: 'billing.cards',
    data: 'payment_cards',
    async erase(s) {
      const out = new Map<string, number>();
      await db.q.execute(sql`
        update subscriptions set payment_method_id = null
        where account_id = any(${ids(s)}) and payment_method_id is not null`);
      return count(
        out,
        await db.rows<{ account_id: string }>(sql`
          delete from payment_methods where account_id = any(${ids(s)}) returning account_id`),
      );
    },
  };

  const orderingPerson: RetentionHandler = {
    id: 'billing.identity',
    data: 'identity',
    async erase(s) {
      const out = new Map<string, number>();
      count(
        out,
        await db.rows<{ account_id: string }>(sql`
          update subscriptions set ordered_by = null
          where account_id = any(${ids(s)}) and ordered_by is not null returning account_id`),
      );
      return count(
        out,
        await db.rows<{ account_id: string }>(sql`
          delete from vat_id_checks where account_id = any(${ids(s)}) returning account_id`),
      );
    },
  };

  return [records, cards, orderingPerson];
}

/**
 * The instant each account's last paid period ends (the midnight after its last paid day, in the policy's
 * time zone, computed by the caller from the date): the `paid_period_end` trigger (HT-PRV-02). Accounts
 * that never paid are absent.
 */
export async function lastPaidDayOf(
  db: Database,
  accountIds: readonly string[],
): Promise<Map<string, string>> {
  const rows = await db.rows<{ account_id: string; day: string }>(sql`
    select account_id, max(paid_through)::text as day from subscriptions
    where account_id = any(${textArray(accountIds)}) and paid_through is not null group by account_id`);
  return new Map(rows.map((r) => [r.account_id, r.day]));
}
