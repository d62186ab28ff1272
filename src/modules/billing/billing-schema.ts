import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { LocalDate } from '../../platform/calendar.ts';
import { instant } from '../../platform/db/columns.ts';
import type { Frequency } from './periods.ts';

const day = (name: string) => date(name, { mode: 'string' }).$type<LocalDate>();
/** Money columns hold minor units (grosze, haléře) as bigint; never a float. */
const minor = (name: string) => bigint(name, { mode: 'bigint' });

/**
 * A customer's saved card: only what the policy's payment provider lets the operator keep (BK-BIL-05: last
 * four digits and the provider's card id; CM-BIL-02 adds expiry), never a card number. A recorded consent to
 * recurring charges is what lets renewals charge it; withdrawing it stops them (CM-BIL-02).
 */
export const paymentMethods = pgTable(
  'payment_methods',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    /** The payment gateway holding the card (`sandbox`, later `stripe`). */
    provider: text('provider').notNull(),
    /** The gateway's id of the card (Stripe's `pm_…`). */
    providerRef: text('provider_ref').notNull(),
    brand: text('brand'),
    last4: text('last4'),
    expMonth: integer('exp_month'),
    expYear: integer('exp_year'),
    recurringConsentAt: instant('recurring_consent_at'),
    consentWithdrawnAt: instant('consent_withdrawn_at'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('payment_methods_account_idx').on(t.accountId)],
);

export const subscriptionStatuses = ['active', 'past_due', 'ended'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

/**
 * An account's paid plan: its current period, how far it is paid, and the price it was sold at. The price is
 * a snapshot per customer, so a later change of the price list reaches it only through a notice (CM-BIL-03).
 * At most one subscription per account is not `ended`.
 */
export const subscriptions = pgTable(
  'subscriptions',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    planCode: text('plan_code').notNull(),
    frequency: text('frequency').$type<Frequency>().notNull(),
    status: text('status').$type<SubscriptionStatus>().notNull(),
    currentPeriodFrom: day('current_period_from').notNull(),
    currentPeriodTo: day('current_period_to').notNull(),
    /** The last day paid for; null while the first invoice is unpaid (invoices with payment terms). */
    paidThrough: day('paid_through'),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    /** Net price of a whole period for this customer, in minor units of `priceCurrency`. */
    priceAmount: minor('price_amount').notNull(),
    priceCurrency: text('price_currency').notNull(),
    paymentMethodId: text('payment_method_id'),
    clockId: text('clock_id'),
    policyVersionId: text('policy_version_id').notNull(),
    /** Who placed the order for the company (QU-BIL-03); personal data, so never copied into events. */
    orderedBy: text('ordered_by'),
    createdAt: instant('created_at').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (t) => [uniqueIndex('subscriptions_live_idx').on(t.accountId).where(sql`${t.status} <> 'ended'`)],
);

export type InvoiceStatus = 'issued' | 'paid' | 'partially_paid';

/**
 * Issued invoices. `document` is the frozen InvoiceDocument (seller and buyer as they were on the issue date,
 * lines, VAT, totals; Money amounts as strings of minor units), `ksef_xml` its FA(3) rendering for a Polish
 * seller. Nothing here changes after issue except how much has been paid.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    subscriptionId: text('subscription_id'),
    series: text('series').notNull(),
    number: text('number').notNull(),
    kind: text('kind').$type<'VAT' | 'KOR'>().notNull(),
    status: text('status').$type<InvoiceStatus>().notNull(),
    issueDate: day('issue_date').notNull(),
    dueDate: day('due_date'),
    periodFrom: day('period_from'),
    periodTo: day('period_to'),
    currency: text('currency').notNull(),
    net: minor('net').notNull(),
    vat: minor('vat').notNull(),
    gross: minor('gross').notNull(),
    amountPaid: minor('amount_paid').notNull(),
    document: jsonb('document').notNull(),
    ksefXml: text('ksef_xml'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('invoices_number_idx').on(t.series, t.number),
    index('invoices_account_idx').on(t.accountId, t.issueDate),
  ],
);

/** The last number taken in each invoice series and numbering scope (a month, a year): gapless. */
export const invoiceCounters = pgTable(
  'invoice_counters',
  {
    series: text('series').notNull(),
    scope: text('scope').notNull(),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.series, t.scope] })],
);

/**
 * Every attempt to take money and every payment received, failed ones included. The idempotency key names
 * the intent (`order:<account>:<period from>`, `renew:<subscription>:<period from>`, with `:<n>` for the
 * n-th retry); its uniqueness is the guard that one intent never charges twice.
 */
export const payments = pgTable(
  'payments',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    invoiceId: text('invoice_id'),
    subscriptionId: text('subscription_id'),
    paymentMethodId: text('payment_method_id'),
    /** `sandbox` (or another gateway) for cards, `transfer` for money recorded by staff, `credit` for credit used. */
    provider: text('provider').notNull(),
    providerRef: text('provider_ref'),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    amount: minor('amount').notNull(),
    currency: text('currency').notNull(),
    status: text('status').$type<'succeeded' | 'failed'>().notNull(),
    failureCode: text('failure_code'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('payments_account_idx').on(t.accountId, t.createdAt)],
);

/**
 * The account's credit (CM-BIL-05): an overpayment adds to it, a later charge draws on it. The balance is
 * the sum of the entries per currency.
 */
export const accountCredits = pgTable(
  'account_credits',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    currency: text('currency').notNull(),
    /** Positive: credit added; negative: credit used. */
    amount: minor('amount').notNull(),
    paymentId: text('payment_id'),
    invoiceId: text('invoice_id'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('account_credits_account_idx').on(t.accountId, t.currency)],
);

/**
 * Money given back (CM-BIL-04): always for a reason from the policy's closed list, through the gateway that
 * took the payment, documented by a correcting invoice. The idempotency key names the intent
 * (`refund:<payment>`), so a payment is refunded at most once and a retry never refunds twice.
 */
export const refunds = pgTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    paymentId: text('payment_id').notNull(),
    /** The correcting invoice (KOR) that documents it. */
    invoiceId: text('invoice_id'),
    amount: minor('amount').notNull(),
    currency: text('currency').notNull(),
    /** A code from the policy's `billing.refundReasonCodes`. */
    reason: text('reason').notNull(),
    provider: text('provider').notNull(),
    providerRef: text('provider_ref').notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('refunds_account_idx').on(t.accountId, t.createdAt)],
);
