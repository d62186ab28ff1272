import { and, asc, desc, eq, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { LocalDate } from '../../platform/calendar.ts';
import type { Database } from '../../platform/db/database.ts';
import { money } from '../../platform/money.ts';
import { subscriptions } from './billing-schema.ts';
import type { SubscriptionRow } from './billing-store.ts';
import type { ScheduleEntry } from './plan-change-rules.ts';
import {
  balanceEntries,
  balances,
  pendingInvoiceLines,
  priceChangeNotices,
  priceChanges,
  subscriptionAddOns,
  subscriptionSchedule,
} from './plan-changes-schema.ts';

export type ScheduleRow = typeof subscriptionSchedule.$inferSelect;
export type AddOnRow = typeof subscriptionAddOns.$inferSelect;
export type PendingLineRow = typeof pendingInvoiceLines.$inferSelect;
export type BalanceEntryRow = typeof balanceEntries.$inferSelect;
export type PriceChangeRow = typeof priceChanges.$inferSelect;
export type PriceChangeNoticeRow = typeof priceChangeNotices.$inferSelect;

export function scheduleEntryOf(row: ScheduleRow): ScheduleEntry {
  return {
    id: row.id,
    seq: row.seq,
    kind: row.kind,
    status: row.status,
    effectiveFrom: row.effectiveFrom,
    planCode: row.planCode,
    price: money(row.priceAmount, row.priceCurrency),
  };
}

/** SQL only, for plan changes, add-ons, packs and price changes. Every function joins the caller's transaction. */
export function makePlanChangesStore(db: Database) {
  return {
    async scheduleOf(subscriptionIds: readonly string[]): Promise<ScheduleRow[]> {
      if (subscriptionIds.length === 0) return [];
      return db.q
        .select()
        .from(subscriptionSchedule)
        .where(inArray(subscriptionSchedule.subscriptionId, [...subscriptionIds]))
        .orderBy(asc(subscriptionSchedule.seq));
    },

    async scheduleEntry(id: string, forUpdate = false): Promise<ScheduleRow | null> {
      const query = db.q.select().from(subscriptionSchedule).where(eq(subscriptionSchedule.id, id));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ?? null;
    },

    async insertScheduleEntries(rows: (typeof subscriptionSchedule.$inferInsert)[]): Promise<ScheduleRow[]> {
      if (rows.length === 0) return [];
      return db.q.insert(subscriptionSchedule).values(rows).returning();
    },

    async setScheduleStatus(ids: readonly string[], status: ScheduleRow['status']): Promise<void> {
      if (ids.length === 0) return;
      await db.q
        .update(subscriptionSchedule)
        .set({ status })
        .where(inArray(subscriptionSchedule.id, [...ids]));
    },

    async addOnsOf(accountId: string): Promise<AddOnRow[]> {
      return db.q
        .select()
        .from(subscriptionAddOns)
        .where(eq(subscriptionAddOns.accountId, accountId))
        .orderBy(asc(subscriptionAddOns.createdAt), asc(subscriptionAddOns.id));
    },

    /** `addOnsOf` for several accounts in one query (a renewal batch). */
    async addOnsOfAccounts(accountIds: readonly string[]): Promise<AddOnRow[]> {
      if (accountIds.length === 0) return [];
      return db.q
        .select()
        .from(subscriptionAddOns)
        .where(inArray(subscriptionAddOns.accountId, [...new Set(accountIds)]))
        .orderBy(asc(subscriptionAddOns.createdAt), asc(subscriptionAddOns.id));
    },

    async insertAddOn(row: typeof subscriptionAddOns.$inferInsert): Promise<AddOnRow> {
      const [stored] = await db.q.insert(subscriptionAddOns).values(row).returning();
      return stored!;
    },

    /** Lines waiting for the renewal of the period starting `periodFrom` (or already billed by an earlier try of it). */
    async pendingLines(subscriptionId: string, periodFrom: LocalDate): Promise<PendingLineRow[]> {
      return db.q
        .select()
        .from(pendingInvoiceLines)
        .where(
          and(
            eq(pendingInvoiceLines.subscriptionId, subscriptionId),
            or(isNull(pendingInvoiceLines.billedFor), eq(pendingInvoiceLines.billedFor, periodFrom)),
          ),
        )
        .orderBy(asc(pendingInvoiceLines.createdAt), asc(pendingInvoiceLines.id));
    },

    /**
     * `pendingLines` for several subscriptions in one query (a renewal batch): each subscription's lines not
     * billed yet or billed for the period starting on the day given with it.
     */
    async pendingLinesFor(
      wanted: readonly { subscriptionId: string; periodFrom: LocalDate }[],
    ): Promise<PendingLineRow[]> {
      if (wanted.length === 0) return [];
      const ids = [...new Set(wanted.map((w) => w.subscriptionId))];
      const rows = await db.q
        .select()
        .from(pendingInvoiceLines)
        .where(inArray(pendingInvoiceLines.subscriptionId, ids))
        .orderBy(asc(pendingInvoiceLines.createdAt), asc(pendingInvoiceLines.id));
      const from = new Map(wanted.map((w) => [w.subscriptionId, w.periodFrom]));
      return rows.filter((r) => r.billedFor === null || r.billedFor === from.get(r.subscriptionId));
    },

    async markLinesBilled(ids: readonly string[], periodFrom: LocalDate): Promise<void> {
      if (ids.length === 0) return;
      await db.q
        .update(pendingInvoiceLines)
        .set({ billedFor: periodFrom })
        .where(inArray(pendingInvoiceLines.id, [...ids]));
    },

    async insertPendingLine(row: typeof pendingInvoiceLines.$inferInsert): Promise<void> {
      await db.q.insert(pendingInvoiceLines).values(row);
    },

    async balancesOf(accountId: string): Promise<Record<string, number>> {
      const rows = await db.q.select().from(balances).where(eq(balances.accountId, accountId));
      return Object.fromEntries(rows.map((r) => [r.code, r.amount]));
    },

    /** Adds `units` to the balance (creating it) and returns the new amount. */
    async topUp(accountId: string, code: string, units: number, at: Date): Promise<number> {
      const [row] = await db.rows<{ amount: string }>(sql`
        insert into balances (account_id, code, amount, updated_at)
        values (${accountId}, ${code}, ${units}, ${at.toISOString()})
        on conflict (account_id, code) do update
          set amount = balances.amount + excluded.amount, updated_at = excluded.updated_at
        returning amount::text as amount`);
      return Number(row!.amount);
    },

    /**
     * Takes `units` off the balance in one statement, only if that many are left; returns the new amount, or
     * null (nothing changed) when fewer are left.
     */
    async use(accountId: string, code: string, units: number, at: Date): Promise<number | null> {
      const [row] = await db.rows<{ amount: string }>(sql`
        update balances set amount = amount - ${units}, updated_at = ${at.toISOString()}
        where account_id = ${accountId} and code = ${code} and amount >= ${units}
        returning amount::text as amount`);
      return row ? Number(row.amount) : null;
    },

    async balanceEntryByKey(accountId: string, key: string): Promise<BalanceEntryRow | null> {
      const [row] = await db.q
        .select()
        .from(balanceEntries)
        .where(and(eq(balanceEntries.accountId, accountId), eq(balanceEntries.idempotencyKey, key)));
      return row ?? null;
    },

    async insertBalanceEntry(row: typeof balanceEntries.$inferInsert): Promise<BalanceEntryRow> {
      const [stored] = await db.q.insert(balanceEntries).values(row).returning();
      return stored!;
    },

    async balanceEntriesOf(accountId: string): Promise<BalanceEntryRow[]> {
      return db.q
        .select()
        .from(balanceEntries)
        .where(eq(balanceEntries.accountId, accountId))
        .orderBy(asc(balanceEntries.createdAt), asc(balanceEntries.id));
    },

    /** The pack a payment bought, if it bought one. */
    async packOfPayment(paymentId: string): Promise<BalanceEntryRow | null> {
      const [row] = await db.q
        .select()
        .from(balanceEntries)
        .where(and(eq(balanceEntries.paymentId, paymentId), eq(balanceEntries.kind, 'pack')));
      return row ?? null;
    },

    async insertPriceChange(row: typeof priceChanges.$inferInsert): Promise<PriceChangeRow> {
      const [stored] = await db.q.insert(priceChanges).values(row).returning();
      return stored!;
    },

    async priceChange(id: string): Promise<PriceChangeRow | null> {
      const [row] = await db.q.select().from(priceChanges).where(eq(priceChanges.id, id));
      return row ?? null;
    },

    /** Price changes in force on `day` for new orders, newest effective date last. */
    async priceChangesUntil(day: LocalDate): Promise<PriceChangeRow[]> {
      return db.q
        .select()
        .from(priceChanges)
        .where(lte(priceChanges.effectiveDate, day))
        .orderBy(asc(priceChanges.effectiveDate), asc(priceChanges.createdAt));
    },

    async priceChangesList(): Promise<PriceChangeRow[]> {
      return db.q.select().from(priceChanges).orderBy(desc(priceChanges.createdAt));
    },

    /** Every live subscription (not ended) on one of `planCodes`, locked. */
    async liveSubscriptionsOn(planCodes: readonly string[]): Promise<SubscriptionRow[]> {
      if (planCodes.length === 0) return [];
      return db.q
        .select()
        .from(subscriptions)
        .where(and(ne(subscriptions.status, 'ended'), inArray(subscriptions.planCode, [...planCodes])))
        .orderBy(asc(subscriptions.id))
        .for('update');
    },

    async insertNotices(rows: (typeof priceChangeNotices.$inferInsert)[]): Promise<PriceChangeNoticeRow[]> {
      if (rows.length === 0) return [];
      return db.q.insert(priceChangeNotices).values(rows).returning();
    },

    async noticesOf(accountId: string): Promise<PriceChangeNoticeRow[]> {
      return db.q
        .select()
        .from(priceChangeNotices)
        .where(eq(priceChangeNotices.accountId, accountId))
        .orderBy(asc(priceChangeNotices.createdAt), asc(priceChangeNotices.id));
    },

    async notice(accountId: string, id: string, forUpdate = false): Promise<PriceChangeNoticeRow | null> {
      const query = db.q
        .select()
        .from(priceChangeNotices)
        .where(and(eq(priceChangeNotices.accountId, accountId), eq(priceChangeNotices.id, id)));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ?? null;
    },

    async markObjected(id: string, at: Date): Promise<void> {
      await db.q
        .update(priceChangeNotices)
        .set({ status: 'objected', objectedAt: at })
        .where(eq(priceChangeNotices.id, id));
    },
  };
}

export type PlanChangesStore = ReturnType<typeof makePlanChangesStore>;
