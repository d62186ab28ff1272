import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { instant, localDay, minorUnits } from '../../platform/db/columns.ts';
import type { Frequency } from './periods.ts';

const day = localDay;
const minor = minorUnits;

/**
 * Each subscription's price schedule (CM-BIL-03: the price is versioned per customer, never overwritten):
 * the plan and net whole-period price in force for periods starting on or after `effective_from`. `base`
 * is the order's plan and price, written when the first change is made; `upgrade`/`downgrade` change the
 * plan (QU-BIL-09/10); `price_change` moves this customer to a new price list price after its notice, and is
 * `cancelled` when the customer objects (QU-BIL-11). `seq` orders entries of the same day.
 */
export const subscriptionSchedule = pgTable(
  'subscription_schedule',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    subscriptionId: text('subscription_id').notNull(),
    seq: integer('seq').notNull(),
    kind: text('kind').$type<'base' | 'upgrade' | 'downgrade' | 'price_change'>().notNull(),
    status: text('status').$type<'scheduled' | 'applied' | 'cancelled'>().notNull(),
    effectiveFrom: day('effective_from').notNull(),
    planCode: text('plan_code').notNull(),
    fromPlanCode: text('from_plan_code'),
    priceAmount: minor('price_amount').notNull(),
    priceCurrency: text('price_currency').notNull(),
    /** The net amount credited for the rest of the period a downgrade falls in (QU-BIL-10). */
    creditAmount: minor('credit_amount'),
    priceChangeId: text('price_change_id'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [uniqueIndex('subscription_schedule_seq_idx').on(t.subscriptionId, t.seq)],
);

/**
 * Add-ons bought on a subscription (CM-BIL-06): renewed at their full price with it unless bought as
 * non-renewing, in which case they end with the period they were bought in (`ends_on`).
 */
export const subscriptionAddOns = pgTable(
  'subscription_add_ons',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    subscriptionId: text('subscription_id').notNull(),
    addOnCode: text('add_on_code').notNull(),
    renews: boolean('renews').notNull(),
    /** Net price of a whole period, at purchase. */
    priceAmount: minor('price_amount').notNull(),
    priceCurrency: text('price_currency').notNull(),
    frequency: text('frequency').$type<Frequency>().notNull(),
    purchasedOn: day('purchased_on').notNull(),
    /** The last day of a non-renewing add-on; null while it renews with the subscription. */
    endsOn: day('ends_on'),
    paymentId: text('payment_id'),
    invoiceId: text('invoice_id'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('subscription_add_ons_account_idx').on(t.accountId)],
);

/**
 * Amounts to be added to a subscription's next invoice (an upgrade difference billed `next_invoice`,
 * QU-BIL-09). `billed_for` is the period start of the renewal that billed it; a declined renewal charge is
 * retried for the same period and bills it again, never twice over two periods.
 */
export const pendingInvoiceLines = pgTable(
  'pending_invoice_lines',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    subscriptionId: text('subscription_id').notNull(),
    description: jsonb('description').$type<{ pl: string; en: string }>().notNull(),
    netAmount: minor('net_amount').notNull(),
    currency: text('currency').notNull(),
    clause: text('clause'),
    billedFor: day('billed_for'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('pending_invoice_lines_subscription_idx').on(t.subscriptionId)],
);

/** Consumable balances (BK-BIL-03 SMS, CM-BIL-11 dial-in minutes): the current amount per account and code. */
export const balances = pgTable(
  'balances',
  {
    accountId: text('account_id').notNull(),
    code: text('code').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.code] })],
);

/**
 * Every change of a balance: a pack bought (with its payment and invoice) or units used by the operator's
 * product (with its idempotency key, unique per account, so a retried call never uses units twice).
 */
export const balanceEntries = pgTable(
  'balance_entries',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    code: text('code').notNull(),
    kind: text('kind').$type<'pack' | 'consumption'>().notNull(),
    delta: bigint('delta', { mode: 'number' }).notNull(),
    balanceAfter: bigint('balance_after', { mode: 'number' }).notNull(),
    packCode: text('pack_code'),
    paymentId: text('payment_id'),
    invoiceId: text('invoice_id'),
    idempotencyKey: text('idempotency_key'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('balance_entries_key_idx').on(t.accountId, t.idempotencyKey),
    index('balance_entries_payment_idx').on(t.paymentId),
  ],
);

/** A new price list announced by the operator (CM-BIL-03, QU-BIL-11): new net prices from `effective_date`. */
export const priceChanges = pgTable('price_changes', {
  id: text('id').primaryKey(),
  effectiveDate: day('effective_date').notNull(),
  /** `[{ plan, frequency, currency, amount }]`, amounts as decimal strings. */
  prices: jsonb('prices')
    .$type<{ plan: string; frequency: Frequency; currency: string; amount: string }[]>()
    .notNull(),
  /** QU-LEG-02: the change was solely the provider's choice / materially limits the customer's rights. */
  providerDriven: boolean('provider_driven').notNull(),
  material: boolean('material').notNull(),
  announcedBy: text('announced_by').notNull(),
  createdAt: instant('created_at').notNull(),
});

/**
 * Each existing customer's notice of a price change: when it was sent and deemed received, until when the
 * customer may object, and from which period start the new price reaches them; `objected` keeps the old
 * price (its schedule entry cancelled).
 */
export const priceChangeNotices = pgTable(
  'price_change_notices',
  {
    id: text('id').primaryKey(),
    priceChangeId: text('price_change_id').notNull(),
    accountId: text('account_id').notNull(),
    subscriptionId: text('subscription_id').notNull(),
    planCode: text('plan_code').notNull(),
    oldAmount: minor('old_amount').notNull(),
    newAmount: minor('new_amount').notNull(),
    currency: text('currency').notNull(),
    sentOn: day('sent_on').notNull(),
    receivedOn: day('received_on').notNull(),
    objectionUntil: day('objection_until'),
    appliesFrom: day('applies_from').notNull(),
    scheduleId: text('schedule_id').notNull(),
    status: text('status').$type<'notified' | 'objected'>().notNull(),
    objectedAt: instant('objected_at'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    index('price_change_notices_account_idx').on(t.accountId),
    uniqueIndex('price_change_notices_once_idx').on(t.priceChangeId, t.subscriptionId),
  ],
);
