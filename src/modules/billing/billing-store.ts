import { and, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { jsonRows, textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import { type Money, money } from '../../platform/money.ts';
import { isSandboxSeries } from './billing-context.ts';
import {
  accountCredits,
  invoices,
  paymentMethods,
  payments,
  refunds,
  subscriptions,
} from './billing-schema.ts';

export type PaymentMethodRow = typeof paymentMethods.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type InvoiceRow = typeof invoices.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;

/** Rows per multi-row INSERT: well under PostgreSQL's 65,535 parameters for the widest table. */
const CHUNK = 1000;

/** SQL only: the billing tables in and out as plain rows. Every function joins the caller's transaction. */
export function makeBillingStore(db: Database) {
  return {
    async insertPaymentMethod(row: typeof paymentMethods.$inferInsert): Promise<PaymentMethodRow> {
      const [stored] = await db.q.insert(paymentMethods).values(row).returning();
      return stored!;
    },

    async paymentMethod(accountId: string, id: string, forUpdate = false): Promise<PaymentMethodRow | null> {
      const query = db.q
        .select()
        .from(paymentMethods)
        .where(and(eq(paymentMethods.accountId, accountId), eq(paymentMethods.id, id)));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ?? null;
    },

    async paymentMethodsByIds(ids: readonly string[]): Promise<PaymentMethodRow[]> {
      if (ids.length === 0) return [];
      return db.q
        .select()
        .from(paymentMethods)
        .where(inArray(paymentMethods.id, [...ids]));
    },

    async paymentMethodsOf(accountId: string): Promise<PaymentMethodRow[]> {
      return db.q
        .select()
        .from(paymentMethods)
        .where(eq(paymentMethods.accountId, accountId))
        .orderBy(desc(paymentMethods.createdAt), desc(paymentMethods.id));
    },

    async withdrawConsent(id: string, at: Date): Promise<void> {
      await db.q.update(paymentMethods).set({ consentWithdrawnAt: at }).where(eq(paymentMethods.id, id));
    },

    /** The account's subscription that is not `ended`, if any (at most one, by a unique index). */
    async liveSubscription(accountId: string, forUpdate = false): Promise<SubscriptionRow | null> {
      const query = db.q
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.accountId, accountId), ne(subscriptions.status, 'ended')));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ?? null;
    },

    async subscriptionsByIds(ids: readonly string[], forUpdate = false): Promise<SubscriptionRow[]> {
      if (ids.length === 0) return [];
      const query = db.q
        .select()
        .from(subscriptions)
        .where(inArray(subscriptions.id, [...ids]));
      // Locked in one order (by id) so two batches over the same subscriptions never wait on each other.
      return forUpdate ? query.orderBy(subscriptions.id).for('update') : query;
    },

    /** The account's newest subscription, ended or not. */
    async latestSubscription(accountId: string): Promise<SubscriptionRow | null> {
      const [row] = await db.q
        .select()
        .from(subscriptions)
        .where(eq(subscriptions.accountId, accountId))
        .orderBy(desc(subscriptions.createdAt), desc(subscriptions.id))
        .limit(1);
      return row ?? null;
    },

    async insertSubscription(row: typeof subscriptions.$inferInsert): Promise<SubscriptionRow> {
      const [stored] = await db.q.insert(subscriptions).values(row).returning();
      return stored!;
    },

    async updateSubscription(
      id: string,
      change: Partial<typeof subscriptions.$inferInsert>,
    ): Promise<SubscriptionRow> {
      const [stored] = await db.q
        .update(subscriptions)
        .set(change)
        .where(eq(subscriptions.id, id))
        .returning();
      return stored!;
    },

    async insertPayment(row: typeof payments.$inferInsert): Promise<PaymentRow> {
      const [stored] = await db.q.insert(payments).values(row).returning();
      return stored!;
    },

    async paymentByKey(key: string): Promise<PaymentRow | null> {
      const [row] = await db.q.select().from(payments).where(eq(payments.idempotencyKey, key));
      return row ?? null;
    },

    /** The account's payments whose key is `base` or one of its retries (`base:<n>`), oldest first. */
    async paymentsForIntent(accountId: string, base: string): Promise<PaymentRow[]> {
      return db.q
        .select()
        .from(payments)
        .where(
          and(
            eq(payments.accountId, accountId),
            sql`(${payments.idempotencyKey} = ${base} or starts_with(${payments.idempotencyKey}, ${`${base}:`}))`,
          ),
        )
        .orderBy(payments.createdAt, payments.id);
    },

    /**
     * `paymentsForIntent` for many intents in one query (a renewal batch): the payments whose key is one of
     * `bases` (with its account) or one of its retries, by base, oldest first.
     */
    async paymentsForIntents(
      intents: readonly { accountId: string; base: string }[],
    ): Promise<Map<string, PaymentRow[]>> {
      const byBase = new Map<string, PaymentRow[]>(intents.map((i) => [i.base, []]));
      if (intents.length === 0) return byBase;
      const rows = await db.rows<{ base: string; id: string }>(sql`
        select x.base, p.id
        from jsonb_to_recordset(${jsonRows(intents)}) as x("accountId" text, base text)
        join payments p on p.account_id = x."accountId"
          and (p.idempotency_key = x.base or starts_with(p.idempotency_key, x.base || ':'))`);
      if (rows.length === 0) return byBase;
      const found = await db.q
        .select()
        .from(payments)
        .where(
          inArray(
            payments.id,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(payments.createdAt, payments.id);
      const baseOf = new Map(rows.map((r) => [r.id, r.base]));
      for (const p of found) byBase.get(baseOf.get(p.id)!)?.push(p);
      return byBase;
    },

    /** Inserts many payments in one statement (a renewal batch). */
    async insertPayments(rows: (typeof payments.$inferInsert)[]): Promise<void> {
      for (let i = 0; i < rows.length; i += CHUNK)
        await db.q.insert(payments).values(rows.slice(i, i + CHUNK));
    },

    async payment(accountId: string, id: string, forUpdate = false): Promise<PaymentRow | null> {
      const query = db.q
        .select()
        .from(payments)
        .where(and(eq(payments.accountId, accountId), eq(payments.id, id)));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ?? null;
    },

    async insertRefund(row: typeof refunds.$inferInsert): Promise<RefundRow> {
      const [stored] = await db.q.insert(refunds).values(row).returning();
      return stored!;
    },

    async refundByKey(key: string): Promise<RefundRow | null> {
      const [row] = await db.q.select().from(refunds).where(eq(refunds.idempotencyKey, key));
      return row ?? null;
    },

    async refundForUpdate(accountId: string, id: string): Promise<RefundRow | null> {
      const [row] = await db.q
        .select()
        .from(refunds)
        .where(and(eq(refunds.accountId, accountId), eq(refunds.id, id)))
        .for('update');
      return row ?? null;
    },

    async markRefundSent(id: string, change: { providerRef: string; sentAt: Date }): Promise<RefundRow> {
      const [row] = await db.q
        .update(refunds)
        .set({ ...change, status: 'refunded' })
        .where(eq(refunds.id, id))
        .returning();
      return row!;
    },

    async refundsOf(accountId: string): Promise<RefundRow[]> {
      return db.q
        .select()
        .from(refunds)
        .where(eq(refunds.accountId, accountId))
        .orderBy(refunds.createdAt, refunds.id);
    },

    async paymentsOf(accountId: string): Promise<PaymentRow[]> {
      return db.q
        .select()
        .from(payments)
        .where(eq(payments.accountId, accountId))
        .orderBy(payments.createdAt, payments.id);
    },

    async setPaymentInvoice(paymentId: string, invoiceId: string): Promise<void> {
      await db.q.update(payments).set({ invoiceId }).where(eq(payments.id, paymentId));
    },

    /** Inserts an issued invoice; one with FA(3) XML outside the sandbox series is queued for KSeF (`pending`). */
    async insertInvoice(row: typeof invoices.$inferInsert): Promise<InvoiceRow> {
      const ksefStatus =
        row.ksefStatus !== undefined
          ? row.ksefStatus
          : row.ksefXml && !isSandboxSeries(row.series)
            ? ('pending' as const)
            : null;
      const [stored] = await db.q
        .insert(invoices)
        .values({ ...row, ksefStatus })
        .returning();
      return stored!;
    },

    /** `insertInvoice` for many invoices, a statement per thousand (a renewal batch); in the order given. */
    async insertInvoices(rows: (typeof invoices.$inferInsert)[]): Promise<InvoiceRow[]> {
      const stored: InvoiceRow[] = [];
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK).map((row) => ({
          ...row,
          ksefStatus:
            row.ksefStatus !== undefined
              ? row.ksefStatus
              : row.ksefXml && !isSandboxSeries(row.series)
                ? ('pending' as const)
                : null,
        }));
        const inserted = new Map(
          (await db.q.insert(invoices).values(chunk).returning()).map((r) => [r.id, r]),
        );
        for (const row of chunk) stored.push(inserted.get(row.id!)!);
      }
      return stored;
    },

    async invoice(accountId: string, id: string, forUpdate = false): Promise<InvoiceRow | null> {
      const query = db.q
        .select()
        .from(invoices)
        .where(and(eq(invoices.accountId, accountId), eq(invoices.id, id)));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ?? null;
    },

    async invoicesOf(accountId: string): Promise<InvoiceRow[]> {
      return db.q
        .select()
        .from(invoices)
        .where(eq(invoices.accountId, accountId))
        .orderBy(desc(invoices.issueDate), desc(invoices.createdAt), desc(invoices.id));
    },

    async updateInvoicePaid(
      id: string,
      change: { status: InvoiceRow['status']; amountPaid: bigint },
    ): Promise<void> {
      await db.q.update(invoices).set(change).where(eq(invoices.id, id));
    },

    /** The account's credit in `currency` (CM-BIL-05). */
    async creditBalance(accountId: string, currency: string): Promise<Money> {
      const [row] = await db.rows<{ balance: string | null }>(sql`
        select sum(amount)::text as balance from account_credits
        where account_id = ${accountId} and currency = ${currency}`);
      return money(BigInt(row?.balance ?? '0'), currency);
    },

    async insertCredit(row: typeof accountCredits.$inferInsert): Promise<void> {
      await db.q.insert(accountCredits).values(row);
    },

    async insertCredits(rows: (typeof accountCredits.$inferInsert)[]): Promise<void> {
      for (let i = 0; i < rows.length; i += CHUNK)
        await db.q.insert(accountCredits).values(rows.slice(i, i + CHUNK));
    },

    /** `creditBalance` for many accounts in one query (a renewal batch): by account and currency. */
    async creditBalances(
      wanted: readonly { accountId: string; currency: string }[],
    ): Promise<(accountId: string, currency: string) => Money> {
      const found = new Map<string, bigint>();
      if (wanted.length > 0) {
        const rows = await db.rows<{ account_id: string; currency: string; balance: string }>(sql`
          select c.account_id, c.currency, sum(c.amount)::text as balance
          from account_credits c
          where c.account_id = any(${textArray([...new Set(wanted.map((w) => w.accountId))])})
          group by c.account_id, c.currency`);
        for (const r of rows) found.set(`${r.account_id}\u0000${r.currency}`, BigInt(r.balance));
      }
      return (accountId, currency) => money(found.get(`${accountId}\u0000${currency}`) ?? 0n, currency);
    },

    /**
     * Moves many subscriptions at once (a renewal batch): each row's status and update time, and its period
     * and paid-through day where given (null keeps the stored one).
     */
    async updateSubscriptions(
      rows: readonly {
        id: string;
        status: SubscriptionRow['status'];
        currentPeriodFrom: string | null;
        currentPeriodTo: string | null;
        paidThrough: string | null;
        updatedAt: Date;
      }[],
    ): Promise<void> {
      if (rows.length === 0) return;
      await db.q.execute(sql`
        update subscriptions s set
          status = x.status,
          current_period_from = coalesce(x."currentPeriodFrom", s.current_period_from),
          current_period_to = coalesce(x."currentPeriodTo", s.current_period_to),
          paid_through = coalesce(x."paidThrough", s.paid_through),
          updated_at = x."updatedAt"
        from jsonb_to_recordset(${jsonRows(rows)}) as x(id text, status text, "currentPeriodFrom" date,
          "currentPeriodTo" date, "paidThrough" date, "updatedAt" timestamptz)
        where s.id = x.id`);
    },
  };
}

export type BillingStore = ReturnType<typeof makeBillingStore>;
