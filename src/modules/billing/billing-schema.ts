import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { instant, localDay, minorUnits } from '../../platform/db/columns.ts';
import type { Frequency } from './periods.ts';

const day = localDay;
const minor = minorUnits;

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
export type KsefStatus = 'pending' | 'sent' | 'accepted' | 'rejected';

/**
 * Issued invoices. `document` is the frozen InvoiceDocument (seller and buyer as they were on the issue date,
 * lines, VAT, totals; Money amounts as strings of minor units), `ksef_xml` its FA(3) rendering for a Polish
 * seller. Nothing of the document changes after issue; what does: how much has been paid, the KSeF submission's
 * progress, and a proven later delivery with the due date it moves (QU-BIL-07).
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
    /**
     * KSeF submission: `pending` (to be sent), `sent` (in an open session, awaiting its status), `accepted`
     * (with `ksef_number`), `rejected` (with `ksef_error`); null where nothing is sent (no FA(3), sandbox).
     */
    ksefStatus: text('ksef_status').$type<KsefStatus>(),
    /** The number KSeF gave the invoice on acceptance, e.g. `5265877635-20260315-0100A0B1C2D3-4E`. */
    ksefNumber: text('ksef_number'),
    /** KSeF's reference numbers of the online session and of the invoice in it. */
    ksefSessionRef: text('ksef_session_ref'),
    ksefInvoiceRef: text('ksef_invoice_ref'),
    /** The UPO (official acknowledgement of receipt) as KSeF returned it (XML). */
    ksefUpo: text('ksef_upo'),
    ksefError: text('ksef_error'),
    ksefAcceptedAt: instant('ksef_accepted_at'),
    /** QU-BIL-07: mailed on the issue date, deemed delivered on this business day. */
    deemedDeliveredOn: day('deemed_delivered_on'),
    /** A later delivery proven by the customer, as recorded by the operator (QU-BIL-07). */
    deliveredOn: day('delivered_on'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('invoices_number_idx').on(t.series, t.number),
    index('invoices_ksef_pending_idx').on(t.ksefStatus).where(sql`${t.ksefStatus} in ('pending', 'sent')`),
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
    /** `pending` while a remote gateway's charge is under way (`payment_charges`); then its outcome. */
    status: text('status').$type<PaymentStatus>().notNull(),
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
 * took the payment (or, for a payment received by transfer, by the operator's transfer, confirmed with its
 * bank reference), documented by a correcting invoice. The idempotency key names the intent
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
    /** The gateway that gave the money back, or `transfer` for a payment received by bank transfer. */
    provider: text('provider').notNull(),
    /** The gateway's refund id, or the operator's bank reference once a transfer refund is sent. */
    providerRef: text('provider_ref'),
    /**
     * `awaiting_transfer`: decided and documented (KOR), the operator has not confirmed the transfer yet.
     * `pending`: decided and documented (KOR), to be sent to a remote gateway (Stripe) by the refund runner,
     * outside any transaction, under `idempotency_key`, and waiting for the gateway's confirmation (a sent one has
     * its `provider_ref`); `refunded` once the gateway confirmed (its answer or its webhook); `failed` when the
     * gateway refused or later failed it (`last_error`; the money is still owed: see lifecycle's obligations).
     */
    status: text('status')
      .$type<'refunded' | 'awaiting_transfer' | 'pending' | 'failed'>()
      .notNull()
      .default('refunded'),
    /** When the money went out (the gateway's answer, or the day the operator confirmed the transfer). */
    sentAt: instant('sent_at'),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    createdAt: instant('created_at').notNull(),
    /** A `pending` refund: sends so far, when the runner may (re)send it (a lease, then a backoff), last error. */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: instant('next_attempt_at'),
    lastError: text('last_error'),
  },
  (t) => [index('refunds_account_idx').on(t.accountId, t.createdAt)],
);

/**
 * NBP average exchange rates (tables A and B) imported as data (`klauzula rates import`, `POST
 * /v1/exchange-rates`): the rate a foreign-currency invoice of a Polish seller converts its VAT with (ustawa o
 * VAT art. 31a). A rate, once published, never changes; a re-import of the same table is a no-op.
 */
export const exchangeRates = pgTable(
  'exchange_rates',
  {
    currency: text('currency').notNull(),
    effectiveDate: day('effective_date').notNull(),
    /** NBP's table number, e.g. `052/A/NBP/2026`. */
    tableNo: text('table_no').notNull(),
    /** PLN per 1 unit exactly as published, e.g. "4.2512". */
    midPln: text('mid_pln').notNull(),
    importedAt: instant('imported_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.currency, t.effectiveDate, t.tableNo] })],
);

/**
 * Each VIES answer about an account's EU VAT id, with when it was asked (QU-BIL-08 A7): `valid`, `invalid`,
 * `unavailable` (VIES or the member state did not answer: the id stays unverified) or `not_checked` (VIES
 * switched off). The latest row for the account's current VAT id is what its invoices' VAT is decided on.
 */
export const vatIdChecks = pgTable(
  'vat_id_checks',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    /** With its prefix, e.g. `DE123456789`. */
    vatId: text('vat_id').notNull(),
    status: text('status').$type<'valid' | 'invalid' | 'unavailable' | 'not_checked'>().notNull(),
    /** VIES's consultation number, when it gave one. */
    requestId: text('request_id'),
    error: text('error'),
    checkedAt: instant('checked_at').notNull(),
  },
  (t) => [index('vat_id_checks_account_idx').on(t.accountId, t.checkedAt)],
);

export type PaymentStatus = 'pending' | 'succeeded' | 'failed';

/**
 * A charge to send to a remote gateway (Stripe) outside any transaction: written with its `pending` payment
 * in the use case's transaction, then claimed by the charge runner with a 5-minute lease, sent under the
 * payment's idempotency key and settled by the same code that settles the sandbox's answer. `context` is
 * what settling needs (the order's or renewal's quote, frozen when the charge was opened); `request` what
 * the gateway is sent. A crash after sending re-sends after the lease with the same key: one charge.
 */
export const paymentCharges = pgTable(
  'payment_charges',
  {
    paymentId: text('payment_id').primaryKey(),
    accountId: text('account_id').notNull(),
    provider: text('provider').notNull(),
    purpose: text('purpose').$type<'order' | 'renewal' | 'purchase' | 'redirect_renewal'>().notNull(),
    request: jsonb('request').notNull(),
    context: jsonb('context').notNull(),
    /**
     * `queued` (to send, or sent without a final answer), `awaiting_customer` (3-D Secure; cancelled at the
     * gateway when still waiting at `next_attempt_at`), `settled`.
     */
    status: text('status').$type<'queued' | 'awaiting_customer' | 'settled'>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: instant('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('payment_charges_due_idx').on(t.nextAttemptAt).where(sql`${t.status} <> 'settled'`)],
);

/**
 * Every gateway notification applied (a Stripe event id, a tpay transaction and status), so a replayed or
 * re-sent one changes nothing the second time.
 */
export const providerEvents = pgTable(
  'provider_events',
  {
    provider: text('provider').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    paymentId: text('payment_id'),
    receivedAt: instant('received_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.eventId] })],
);

/**
 * A pay-by-link transaction (tpay) for an open invoice: written before the gateway is asked (its id is the
 * transaction's `hiddenDescription`, returned as `tr_crc` in the notification), completed with the gateway's
 * transaction and payment URL, and marked `paid` when the signed notification books the money.
 */
export const paymentLinks = pgTable(
  'payment_links',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    invoiceId: text('invoice_id').notNull(),
    provider: text('provider').notNull(),
    amount: minor('amount').notNull(),
    currency: text('currency').notNull(),
    status: text('status').$type<'creating' | 'open' | 'paid'>().notNull(),
    /** The gateway's transaction id and title (tpay: `01K…` and `TR-…`, the title is `tr_id` in notifications). */
    transactionId: text('transaction_id'),
    providerRef: text('provider_ref'),
    paymentUrl: text('payment_url'),
    paymentId: text('payment_id'),
    createdAt: instant('created_at').notNull(),
    paidAt: instant('paid_at'),
  },
  (t) => [index('payment_links_invoice_idx').on(t.invoiceId)],
);

/**
 * A one-off purchase paid on the gateway's page (BK-BIL-04: a pack paid through tpay): the invoice is
 * issued and the link handed out at once; the pack's units are credited once, when the invoice is paid
 * (`awaiting_payment` → `credited`, conditionally, so a replayed notification credits nothing).
 */
export const packOrders = pgTable(
  'pack_orders',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    packCode: text('pack_code').notNull(),
    invoiceId: text('invoice_id').notNull().unique(),
    provider: text('provider').notNull(),
    status: text('status').$type<'awaiting_payment' | 'credited'>().notNull(),
    balanceEntryId: text('balance_entry_id'),
    createdAt: instant('created_at').notNull(),
    creditedAt: instant('credited_at'),
  },
  (t) => [index('pack_orders_account_idx').on(t.accountId, t.createdAt)],
);
