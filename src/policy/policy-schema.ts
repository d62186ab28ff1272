/**
 * The policy: an operator's Terms of Service, Privacy Policy and DPA as one typed, validated document.
 *
 * Every number a catalog clause needs lives here, not in code. Objects are strict (an unknown key is an
 * error, so a typo never silently falls back to a default), durations are whole non-negative numbers,
 * money is a decimal string with a currency, and `Policy`'s cross-field checks catch references that do
 * not resolve (plan codes, feature codes, currencies) before any rule reads the policy.
 *
 * Conventions the rules rely on:
 * - "after N days" thresholds mean "more than N days": `blockAfterOverdueDays: 5` blocks on day 6 (QU-LIF-01).
 * - A `DayCount` is either `{ days }` (calendar days) or `{ businessDays }` (on `locale.businessCalendar`).
 * - `null` means "the policy has no such rule" (e.g. `trial: null`, `availability.guarantee: null`).
 * - A limit absent from a plan's `limits` is unlimited; every limit code must be declared in `entitlements`.
 */
import { z } from 'zod';
import {
  isCountryCode,
  isEeaCountry,
  isIsoDate,
  isKnownCurrency,
  isTimeZone,
  minorUnitsOf,
} from './iso-codes.ts';

type Ctx = z.core.$RefinementCtx;

/**
 * Adds a cross-field issue. `expected` is the phrase the formatter prints; `found` overrides the default
 * description of the value at `path` (for problems with a key rather than its value).
 */
function reportIssue(ctx: Ctx, path: (string | number)[], expected: string, found?: string): void {
  ctx.addIssue({ code: 'custom', path, message: `expected ${expected}`, params: { expected, found } });
}

// Primitives

const Text = z.string().trim().min(1);

/** A machine code: lower snake case, e.g. `professional_200`, `trial_ended`, `sms_reminders`. */
export const Code = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, { error: 'a lower_snake_case code like "professional_200"' });

/** A catalog clause id, e.g. `QU-BIL-01`. */
export const ClauseId = z
  .string()
  .regex(/^[A-Z]{2,4}-[A-Z]{3}-\d{2}$/, { error: 'a clause id like "QU-BIL-01"' });

/** Whole days, hours, months or counts: non-negative integers. */
export const Days = z.number().int().min(0);
export const Hours = z.number().int().min(0);
export const Months = z.number().int().min(0);
export const Count = z.number().int().min(0);

export const IsoDate = z.string().refine(isIsoDate, { error: 'a date written YYYY-MM-DD' });
export const CountryCode = z.string().refine(isCountryCode, { error: 'an ISO 3166 country code like "PL"' });
export const CurrencyCode = z
  .string()
  .refine(isKnownCurrency, { error: 'an ISO 4217 currency code like "PLN"' });
export const TimeZone = z.string().refine(isTimeZone, { error: 'an IANA time zone like "Europe/Warsaw"' });
export const Email = z.email({ error: 'an e-mail address' });
export const Url = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });
export const Hostname = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/, {
  error: 'a domain like "onquanda.com"',
});
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time written HH:MM' });

/** A non-negative decimal amount written as a string, e.g. `'123.00'`; never a float. */
export const DecimalString = z
  .string()
  .regex(/^\d+(\.\d+)?$/, { error: 'a decimal string like "123.00" (quoted, no sign)' });

function fractionDigits(decimal: string): number {
  return decimal.split('.')[1]?.length ?? 0;
}

function checkMinorUnits(ctx: Ctx, path: (string | number)[], amount: string, currency: string): void {
  if (!isKnownCurrency(currency)) return;
  const digits = minorUnitsOf(currency);
  if (fractionDigits(amount) > digits) {
    reportIssue(ctx, path, `an amount in whole ${currency} minor units (at most ${digits} decimal places)`);
  }
}

/** An amount of money: `{ amount: '100.00', currency: 'CZK' }`, in whole minor units of the currency. */
export const Money = z
  .strictObject({ amount: DecimalString, currency: CurrencyCode })
  .superRefine((money, ctx) => checkMinorUnits(ctx, ['amount'], money.amount, money.currency));
export type Money = z.infer<typeof Money>;

/** A percentage written as a decimal string, e.g. VAT `'23'`. */
export const PercentString = DecimalString.refine((value) => Number(value) <= 100, {
  error: 'a percentage between "0" and "100"',
});

function exactlyOneOf<K extends string>(keys: readonly K[]) {
  return (value: Partial<Record<K, unknown>>, ctx: Ctx) => {
    const present = keys.filter((key) => value[key] !== undefined);
    if (present.length !== 1) {
      reportIssue(ctx, [], `exactly one of ${keys.join(', ')}`);
    }
  };
}

/** A deadline in calendar days or in business days of `locale.businessCalendar`. */
export const DayCount = z
  .strictObject({ days: Days.optional(), businessDays: Days.optional() })
  .superRefine(exactlyOneOf(['days', 'businessDays']));
export type DayCount = z.infer<typeof DayCount>;

/** An ISO-8601-like period for retention: exactly one of days, months or years. */
export const RetentionPeriod = z
  .strictObject({
    days: Days.optional(),
    months: Months.optional(),
    years: z.number().int().min(0).optional(),
  })
  .superRefine(exactlyOneOf(['days', 'months', 'years']));
export type RetentionPeriod = z.infer<typeof RetentionPeriod>;

export const Language = z.enum(['pl', 'en']);
export type Language = z.infer<typeof Language>;

/** Text published in both languages of the product. */
export const LocalizedText = z.strictObject({ pl: Text, en: Text });
export type LocalizedText = z.infer<typeof LocalizedText>;

/** How a customer is recognised across registrations (trial and free-account limits). */
export const IdentityKey = z.enum(['email', 'tax_id', 'company_name', 'phone', 'payment_fingerprint']);
export type IdentityKey = z.infer<typeof IdentityKey>;

export const Channel = z
  .strictObject({
    kind: z.enum(['email', 'contact_form', 'chat', 'letter', 'account_settings', 'phone']),
    address: Text.nullable(),
  })
  .superRefine((channel, ctx) => {
    if (channel.kind === 'email' && !z.email().safeParse(channel.address).success) {
      reportIssue(ctx, ['address'], 'an e-mail address for an email channel');
    }
  });
export type Channel = z.infer<typeof Channel>;

// Operator and locale

export const Address = z.strictObject({
  street: Text,
  postalCode: Text,
  city: Text,
  country: CountryCode,
});

export const Operator = z.strictObject({
  legalName: Text,
  tradeName: Text,
  address: Address.nullable(),
  country: CountryCode.nullable(),
  taxId: z.strictObject({ scheme: z.enum(['NIP', 'ICO', 'VAT', 'other']), value: Text }).nullable(),
  companyRegistry: Text.nullable(),
  website: Url,
  contact: z.strictObject({
    general: Email.nullable(),
    support: Email.nullable(),
    privacy: Email.nullable(),
  }),
  /** Data protection officer or the privacy contact that stands in for one. */
  dpo: z.strictObject({ name: Text.nullable(), email: Email, postalAddress: Text.nullable() }).nullable(),
  supervisoryAuthority: z.strictObject({ name: LocalizedText, address: Text, website: Url }).nullable(),
});
export type Operator = z.infer<typeof Operator>;

export const Locale = z.strictObject({
  timeZone: TimeZone,
  /** Public holidays for business-day deadlines; 'none' counts Monday to Friday only. */
  businessCalendar: z.enum(['PL', 'CZ', 'none']),
  languages: z.array(Language).min(1),
  defaultLanguage: Language,
  currency: CurrencyCode,
});
export type Locale = z.infer<typeof Locale>;

// Legal documents

export const DocumentKind = z.enum(['terms', 'privacy', 'dpa', 'partner_terms', 'cookies']);
export type DocumentKind = z.infer<typeof DocumentKind>;

export const LegalDocument = z.strictObject({
  kind: DocumentKind,
  version: Text,
  effectiveFrom: IsoDate,
  title: LocalizedText,
  requiredAtRegistration: z.boolean(),
  url: Url.nullable(),
  archived: z.array(z.strictObject({ version: Text, validUntil: IsoDate, url: Url.nullable() })),
});
export type LegalDocument = z.infer<typeof LegalDocument>;

// Registration and trial

export const Registration = z.strictObject({
  requireBusinessDeclaration: z.boolean(),
  requireAdultDeclaration: z.boolean(),
  requireLegalCapacityDeclaration: z.boolean(),
  /** A legal person must name the natural person registering on its behalf. */
  requireRegisteringPerson: z.boolean(),
  requirePhone: z.boolean(),
  requireTaxId: z.boolean(),
  /** A nickname may stand in for the real name. */
  allowNickname: z.boolean(),
  /** Record whether a natural-person business registers (it may get consumer-like rights). */
  flagSoleTraders: z.boolean(),
  contractConcludedAt: z.enum(['registration', 'activation', 'first_login_after_activation']),
  activationLink: z.strictObject({ required: z.boolean(), validHours: Hours }),
  subdomain: z.strictObject({
    enabled: z.boolean(),
    writeOnce: z.boolean(),
    baseDomain: Hostname.nullable(),
  }),
  /** At most this many free accounts per customer, matched on `freeAccountIdentityKeys`; null = no limit. */
  freeAccountsPerCustomer: z.number().int().min(1).nullable(),
  freeAccountIdentityKeys: z.array(IdentityKey),
  /** Route sign-ups matching a customer previously removed for breach to manual review. */
  screenAgainstRefusalList: z.boolean(),
  /** The clause a held sign-up and the operator's decision on it cite (CM-ACC-05). */
  screeningClause: ClauseId.nullable().optional(),
  /** Whether the account's public profile page is public by default; null when there is none. */
  publicProfileByDefault: z.boolean().nullable(),
  /** The clause the public profile's default and its changes cite (CM-PRV-16); absent where none. */
  publicProfileClause: ClauseId.nullable().optional(),
  /** The clause recorded as the cause of registration, activation and contract conclusion events. */
  clause: ClauseId,
});
export type Registration = z.infer<typeof Registration>;

export const Trial = z.strictObject({
  enabled: z.boolean(),
  days: Days,
  /**
   * 'trial_plan': the account gets `planCode` (kind 'trial') and then `afterTrialPlanCode`.
   * 'chosen_plan_free': the first `days` of whichever plan the customer chose are free; `planCode` is the
   * plan preselected at sign-up and `afterTrialPlanCode` is null (unpaid afterwards → `dunning`).
   */
  mode: z.enum(['trial_plan', 'chosen_plan_free']),
  planCode: Code,
  afterTrialPlanCode: Code.nullable(),
  perCustomer: z.number().int().min(1),
  identityKeys: z.array(IdentityKey).min(1),
  providerMayEndEarly: z.boolean(),
  earlyEndNoticeRequired: z.boolean(),
  /** Days before the trial's end that the customer is told it is ending; null = no such notice. */
  endingNoticeDays: Days.nullable(),
  /** Clauses recorded as the cause of trial events: its length/end, and refusing a second trial. */
  clauses: z.strictObject({ length: ClauseId, onePerCustomer: ClauseId.nullable() }),
});
export type Trial = z.infer<typeof Trial>;

export const FreePlans = z.strictObject({
  /** Free accounts always end: then every free plan must state a finite `freePeriodDays`. */
  timeLimited: z.boolean(),
  providerMayEndAnytime: z.boolean(),
  /** Notice (with an export link) before the provider deletes a free account; null if none is given. */
  deletionNoticeDays: Days.nullable(),
});
export type FreePlans = z.infer<typeof FreePlans>;

// Entitlements, plans, add-ons, packs

/** The vocabulary plans are built from: feature codes, limit codes and consumable balances. */
export const EntitlementCatalog = z.strictObject({
  features: z.array(
    z.strictObject({
      code: Code,
      name: LocalizedText,
      /** Allowed only on paid plans (never trial, trial_ended or free). */
      paidOnly: z.boolean(),
    }),
  ),
  limits: z.array(
    z.strictObject({
      code: Code,
      name: LocalizedText,
      unit: z.enum(['count', 'gigabytes', 'hours', 'minutes']),
    }),
  ),
  /** Consumable balances topped up by packs (SMS, dial-in minutes). */
  balances: z.array(
    z.strictObject({
      code: Code,
      name: LocalizedText,
      /** A feature the account has only while this balance is positive (CM-BIL-11: toll-free dial-in numbers). */
      featureWhilePositive: Code.optional(),
    }),
  ),
});
export type EntitlementCatalog = z.infer<typeof EntitlementCatalog>;

export const BillingPeriod = z.enum(['monthly', 'annual']);
export type BillingPeriod = z.infer<typeof BillingPeriod>;

/** Net prices by currency, e.g. `{ PLN: '99.00', EUR: '23.00' }`. */
export const PriceList = z.record(z.string(), DecimalString).superRefine((prices, ctx) => {
  for (const [currency, amount] of Object.entries(prices)) {
    if (!isKnownCurrency(currency)) {
      reportIssue(ctx, [currency], 'an ISO 4217 currency code like "PLN" as the key', `key "${currency}"`);
    } else {
      checkMinorUnits(ctx, [currency], amount, currency);
    }
  }
});

export const Prices = z.strictObject({ monthly: PriceList.optional(), annual: PriceList.optional() });
export type Prices = z.infer<typeof Prices>;

export const PlanKind = z.enum(['trial', 'trial_ended', 'free', 'paid']);
export type PlanKind = z.infer<typeof PlanKind>;

export const Plan = z.strictObject({
  code: Code,
  kind: PlanKind,
  name: LocalizedText,
  features: z.array(Code),
  limits: z.record(z.string(), Count),
  /** Length of a free account on this plan (free plans only). */
  freePeriodDays: z.number().int().min(1).optional(),
  /** The plan whose scope this one copies (Quanda's Trial = PROFESIONAL 200 minus paid-only features). */
  scopeOf: Code.optional(),
  prices: Prices.optional(),
  /** The clause recorded when this plan's own rules fire (e.g. a free plan running out: CM-ACC-04). */
  clause: ClauseId.optional(),
});
export type Plan = z.infer<typeof Plan>;

export const AddOn = z.strictObject({
  code: Code,
  name: LocalizedText,
  features: z.array(Code),
  limitIncrements: z.record(z.string(), Count),
  prices: Prices,
  renewsWithSubscription: z.boolean(),
  cardPaymentOnly: z.boolean(),
  /** The first charge covers only the rest of the current period (day count per `billing.dayCount`). */
  firstChargeProrated: z.boolean(),
  /** The clause recorded when the add-on is bought and charged (CM-BIL-06). */
  clause: ClauseId.optional(),
});
export type AddOn = z.infer<typeof AddOn>;

export const ConsumablePack = z.strictObject({
  code: Code,
  name: LocalizedText,
  balance: Code,
  quantity: z.number().int().min(1),
  price: Money,
  refundable: z.boolean(),
  /** Days the bought units stay usable; null = while the account exists. */
  expiresAfterDays: Days.nullable(),
  recurringPurchase: z.boolean(),
  /** The clause recorded when the pack is bought or its balance used (BK-BIL-03, CM-BIL-11). */
  clause: ClauseId.optional(),
});
export type ConsumablePack = z.infer<typeof ConsumablePack>;

// Billing

/** An invoice number pattern: only {YYYY} {YY} {MM} and exactly one {N…}; letters, digits, / - _ . otherwise. */
const InvoicePattern = z
  .string()
  .min(3)
  .max(40)
  .regex(/^(?:[A-Za-z0-9/_.-]|\{(?:YYYY|YY|MM|N{1,10})\})+$/, {
    error: 'a pattern of letters, digits, / - _ . and the placeholders {YYYY} {YY} {MM} {NNNN}',
  })
  .refine((p) => (p.match(/\{N+\}/g) ?? []).length === 1, {
    error: 'exactly one sequence placeholder such as {NNNN}',
  })
  .refine((p) => !p.startsWith('TEST/'), { error: 'a pattern not starting with TEST/ (the sandbox prefix)' });

export const Vat = z.strictObject({
  domesticCountry: CountryCode,
  domesticRatePercent: PercentString,
  euBusiness: z.enum(['reverse_charge', 'domestic_rate']),
  euConsumer: z.enum(['destination_rate', 'domestic_rate']),
  nonEu: z.enum(['outside_scope', 'domestic_rate']),
  /** Zero-rating an EU business requires a VIES-valid VAT id. */
  viesCheckRequired: z.boolean(),
  rateAt: z.enum(['issue_date', 'supply_date']),
});
export type Vat = z.infer<typeof Vat>;

export const Withdrawal = z.strictObject({
  days: Days,
  eligibility: z.enum(['all_customers', 'eligible_sole_traders']),
  countsFrom: z.enum(['contract_conclusion', 'later_of_conclusion_and_first_payment']),
  refund: z.enum(['all_payments', 'all_payments_minus_fee']),
  refundWithinDays: Days,
  /** Clauses recorded as the cause of withdrawal events: the right itself, and the refund that follows. */
  clauses: z.strictObject({ withdrawal: ClauseId, refund: ClauseId }),
});
export type Withdrawal = z.infer<typeof Withdrawal>;

export const PaymentProvider = z.strictObject({
  id: Code,
  name: Text,
  usage: z.array(z.enum(['one_off', 'recurring'])).min(1),
  /** The only card data the operator keeps; the provider holds the rest. */
  storedCardFields: z.array(z.enum(['last4', 'provider_card_id', 'expiry', 'brand'])),
});
export type PaymentProvider = z.infer<typeof PaymentProvider>;

export const Billing = z.strictObject({
  prepaid: z.boolean(),
  periods: z.array(BillingPeriod).min(1),
  autoRenew: z.boolean(),
  pricesAreNet: z.boolean(),
  /** Pro-rata arithmetic: actual calendar days, or 30-day months and 360-day years. */
  dayCount: z.enum(['calendar', '30/360']),
  /**
   * Monthly periods run from the activation date ('anniversary') or are aligned to day 1 or 15 of the
   * month ('fixed_day'), the first partial month then being charged pro rata. Annual periods always run
   * for a year from activation.
   */
  monthlyAnchor: z.enum(['anniversary', 'fixed_day']),
  monthlyAnchorDay: z.union([z.literal(1), z.literal(15)]).nullable(),
  firstMonthlyPeriod: z.enum(['full', 'prorated_to_anchor']),
  invoiceTiming: z.enum(['after_payment', 'ahead_with_terms']),
  paymentTermsDays: Days.nullable(),
  /** Days before a renewed period starts that its invoice is issued, per billing period. */
  renewalInvoiceLeadDays: z.strictObject({ monthly: Days, annual: Days }).nullable(),
  firstInvoiceMaxDays: Days.nullable(),
  invoiceDeemedDeliveredBusinessDays: Days.nullable(),
  provenLateDeliveryExtendsDueDate: z.boolean(),
  renewalReminderLeadDays: Days.nullable(),
  overpayment: z.enum(['credit_future_charges', 'refund']),
  partialPaymentRenews: z.boolean(),
  planChanges: z.strictObject({
    upgrade: z.enum(['immediate_prorated', 'next_period']),
    downgrade: z.enum(['next_period', 'immediate_credit']),
    downgradeMinDaysSinceLastChange: Days.nullable(),
    /** A mid-period upgrade's difference is billed at once (default) or added to the next invoice (QU-BIL-09). */
    upgradeBilling: z.enum(['at_once', 'next_invoice']).optional(),
    /**
     * Clauses recorded when a plan is upgraded or downgraded (QU-BIL-09, QU-BIL-10). `toFree`: the terms let a
     * paying customer switch to the permanent free plan, which stops billing and deletes stored cards
     * (HT-BIL-02); without it a free plan is no destination of a plan change.
     */
    clauses: z
      .strictObject({
        upgrade: ClauseId.nullable(),
        downgrade: ClauseId.nullable(),
        toFree: ClauseId.nullable().optional(),
      })
      .optional(),
  }),
  /** The seller's VAT treatment; null when the seed names no seller country to base it on. */
  vat: Vat.nullable(),
  /** Closed list of reasons a refund may carry; any other refund is refused. */
  refundReasonCodes: z.array(Code),
  handlingFees: z.strictObject({ withdrawal: Money.nullable(), termsObjectionRefund: Money.nullable() }),
  withdrawal: Withdrawal.nullable(),
  paymentProviders: z.array(PaymentProvider),
  /**
   * Days after a renewal date on which a declined automatic charge is tried again (e.g. `[1, 3, 5]`); the
   * period's state after the last failure is the lifecycle's (dunning) business.
   */
  renewalRetryDays: z.array(z.number().int().min(1)),
  /**
   * Invoice numbering: `{YYYY}`, `{YY}`, `{MM}` and one sequence `{N…}` (zero-padded to the number of N's),
   * e.g. `FV/{YYYY}/{MM}/{NNNN}`. The sequence restarts monthly with {MM}, yearly with only a year, never
   * without a date part. Corrections (KOR) have their own series. Accounts on a test clock number in
   * `TEST/` + the same pattern, so sandbox time never takes a number of the real series.
   */
  invoiceSeries: z.strictObject({ invoice: InvoicePattern, correction: InvoicePattern }),
  /** Clauses recorded as the cause of billing events; null where the terms say nothing. */
  clauses: z.strictObject({
    /** What a paid-plan order must capture (QU-BIL-03). */
    order: ClauseId.nullable(),
    /** Paid access switched on at payment or order, without a manual step (CM-ACC-09). */
    activation: ClauseId.nullable(),
    /** Each period renews for the same length until terminated (CM-BIL-01, QU-BIL-04). */
    renewal: ClauseId.nullable(),
    /** When an invoice is issued, per billing period (CM-BIL-09, BK-BIL-07; QU-BIL-05 annual, QU-BIL-06 monthly). */
    invoicing: z.strictObject({ monthly: ClauseId.nullable(), annual: ClauseId.nullable() }),
    /** Recorded, withdrawable consent to automatic card charges (CM-BIL-02, BK-BIL-05). */
    recurringConsent: ClauseId.nullable(),
    /** A partial payment leaves the invoice open (CM-BIL-08). */
    partialPayment: ClauseId.nullable(),
    /** An overpayment becomes credit for future charges (CM-BIL-05). */
    overpayment: ClauseId.nullable(),
    /** Refunds only for a reason from the closed list, documented by a correcting invoice (CM-BIL-04). */
    refund: ClauseId.nullable(),
    /** The reminder before a period ends, with the gross to renew and the deadline (CM-BIL-10). */
    reminder: ClauseId.nullable(),
    /** Invoices deemed delivered on a later business day; a proven later delivery moves the due date (QU-BIL-07). */
    delivery: ClauseId.nullable(),
    /** Which VAT a buyer gets, with its VAT id checked in VIES (QU-BIL-08, CM-BIL-08). */
    vat: ClauseId.nullable(),
  }),
});
export type Billing = z.infer<typeof Billing>;

// Lifecycle

export const Dunning = z.strictObject({
  /** The day overdue counting starts from. */
  overdueFrom: z.enum(['invoice_due_date', 'paid_period_end']),
  /** Paid functions restricted (login and export stay) once overdue more than N days; null = never. */
  restrictAfterOverdueDays: Days.nullable(),
  /** All access blocked (content kept) once overdue more than N days. */
  blockAfterOverdueDays: Days.nullable(),
  /** Account soft-deleted (no access, data kept) once overdue more than N days. */
  softDeleteAfterOverdueDays: Days.nullable(),
  /** Account and all data permanently deleted once overdue more than N days. */
  hardDeleteAfterOverdueDays: Days.nullable(),
  /** The provider may terminate and delete once unpaid more than N days (a right, not automatic). */
  unpaidDeleteAfterDays: Days.nullable(),
  preDeleteWarningDays: Days.nullable(),
  /** Whether the provider's right to terminate after `unpaidDeleteAfterDays` is used automatically (BK-LIF-02: no). */
  unpaidDeleteAutomatic: z.boolean(),
  restoreAccessOnFullPayment: z.boolean(),
  /** Clauses recorded as the cause of each non-payment step; null where the terms say nothing. */
  clauses: z.strictObject({
    /** Paid functions restricted, login kept (BK-LIF-01). */
    restrict: ClauseId.nullable(),
    /** Access blocked, or the account expired, content kept (QU-LIF-01, CM-LIF-02). */
    block: ClauseId.nullable(),
    /** Soft delete: no access, data kept (QU-LIF-02). */
    softDelete: ClauseId.nullable(),
    /** Account and data permanently deleted (QU-LIF-03). */
    hardDelete: ClauseId.nullable(),
    /** The provider may terminate and delete after long non-payment (BK-LIF-02). */
    unpaidDelete: ClauseId.nullable(),
    /** Access restored on full payment (QU-LIF-01, BK-LIF-01, CM-LIF-03). */
    restoreOnPayment: ClauseId.nullable(),
  }),
});
export type Dunning = z.infer<typeof Dunning>;

export const Suspension = z.strictObject({
  maxDays: z.number().int().min(1),
  /** Automatic reactivation (and its charge) must fall while the card on file is still valid. */
  notPastCardExpiry: z.boolean(),
  startsAt: z.enum(['next_unpaid_period', 'immediately']),
  onReactivationFailure: z.enum(['expire', 'block']),
  clauses: z.strictObject({
    /** At most `maxDays`, not past the card's expiry (CM-LIF-04). */
    length: ClauseId,
    /** Starts on the first unpaid day (CM-LIF-05). */
    start: ClauseId,
    /** No charges, content and unique URL kept (CM-LIF-06). */
    noCharges: ClauseId,
    /** Reactivation by the customer or automatically at the end (CM-LIF-07). */
    reactivation: ClauseId,
    /** A failed reactivation charge expires the account (CM-LIF-08). */
    failure: ClauseId,
  }),
});
export type Suspension = z.infer<typeof Suspension>;

export const Restore = z.strictObject({
  /** Days a liquidated or terminated account can still be restored; null = deletion is irreversible. */
  liquidatedDays: Days.nullable(),
  /** Days an expired (unpaid) account can be restored before the contract ends and data are purged. */
  expiredDays: Days.nullable(),
  requiresNextPeriodPayment: z.boolean(),
  providerMayRefuse: z.boolean(),
  /** Restore by staff only with a recorded written agreement, while overdue in (from, until] days. */
  writtenAgreementWindow: z.strictObject({ fromOverdueDays: Days, untilOverdueDays: Days }).nullable(),
  clauses: z.strictObject({
    /** Restoring an expired account by paying the next period; its window's end ends the contract (CM-LIF-03). */
    expired: ClauseId.nullable(),
    /** Restoring a liquidated or terminated account; its window's end purges it (CM-LIF-13). */
    liquidated: ClauseId.nullable(),
    /** The provider may refuse; restorations of accounts it terminated are reviewed (CM-LIF-14). */
    refusal: ClauseId.nullable(),
    /** Restore by staff with a written agreement (QU-LIF-02). */
    writtenAgreement: ClauseId.nullable(),
  }),
});
export type Restore = z.infer<typeof Restore>;

export const Termination = z.strictObject({
  customerPaidEffective: z.enum(['end_of_billing_period', 'end_of_prepaid_period', 'immediate']),
  customerFreeEffective: z.enum(['immediate', 'end_of_billing_period']),
  customerRefund: z.enum(['none', 'prorated']),
  providerWithoutCause: z.enum(['not_allowed', 'with_notice', 'immediate_with_prorated_refund']),
  providerNoticeMinDays: Days.nullable(),
  providerNoticeRefund: z.enum(['none', 'prorated']),
  /** After a block for misuse, days the customer has to clarify before the provider may terminate. */
  blockedClarificationDays: Days.nullable(),
  /** Closed list of important reasons to terminate an eligible user (empty = no such restriction). */
  eligibleUserImportantReasons: z.array(Code),
  confirmationEmailRequired: z.boolean(),
  discontinuationNoticeDays: Days.nullable(),
  /** A customer's termination deletes the account with all its data when it takes effect (BK-LIF-05/06, MOC-LIF-01). */
  customerEndDeletesAccount: z.boolean(),
  clauses: z.strictObject({
    /** A paid plan's termination by the customer and when it takes effect (QU-LIF-05, CM-LIF-09, BK-LIF-05). */
    customerPaid: ClauseId.nullable(),
    /** Free and trial contracts end at once (QU-LIF-07). */
    customerFree: ClauseId.nullable(),
    /** Cancellation through a support request, as of its first message (CM-LIF-10). */
    supportRequest: ClauseId.nullable(),
    /** Closure complete only once the confirmation mail is sent (CM-LIF-11). */
    confirmation: ClauseId.nullable(),
    /** After the end only the restore/renew screen remains (CM-LIF-12, QU-LIF-09). */
    accessAfterEnd: ClauseId.nullable(),
    /** Account deletion: confirmation, export offered, irreversible (BK-LIF-06, MOC-LIF-01). */
    deletion: ClauseId.nullable(),
    /** Provider notice of at least `providerNoticeMinDays` (QU-LIF-05). */
    providerNotice: ClauseId.nullable(),
    /** Notice before discontinuing the service or a part of it, with an export (QU-LIF-10). */
    discontinuation: ClauseId.nullable(),
  }),
});
export type Termination = z.infer<typeof Termination>;

/**
 * A ground the operator may act on, from the terms' closed list: restrict (an account, or a resource such as
 * a live conference or a piece of content), block (with a window to clarify), or terminate. Every action
 * carries one of these codes, a reason text and evidence references (CM-LIF-15/16, QU-LIF-04/06, BK-LIF-03/04).
 */
export const OperatorGround = z.strictObject({
  code: Code,
  action: z.enum(['restrict', 'block', 'terminate']),
  clause: ClauseId,
  /** For `terminate` only (null otherwise): when it takes effect and what follows. */
  termination: z
    .strictObject({
      /**
       * `immediate`; `on_delivery` of the notice (proven, or deemed after `notifications.deemedDeliveryDays`);
       * `after_notice`: `noticeDays` after the notice is sent.
       */
      effective: z.enum(['immediate', 'on_delivery', 'after_notice']),
      noticeDays: Days.nullable(),
      /** The unused prepaid period is refunded pro rata under this code of `billing.refundReasonCodes`; null = none. */
      refundReason: Code.nullable(),
      /** The customer goes on the refusal list: future sign-ups matching it are held for review. */
      refuseFutureService: z.boolean(),
      /** Whom the ground may be used against: anyone, only customers who are not eligible users, or only eligible users. */
      customers: z.enum(['any', 'not_eligible', 'eligible_only']),
      /** Only against an account blocked longer than `termination.blockedClarificationDays` without clarification. */
      requiresUnclarifiedBlock: z.boolean(),
    })
    .nullable(),
});
export type OperatorGround = z.infer<typeof OperatorGround>;

export const OperatorActions = z.strictObject({
  grounds: z.array(OperatorGround),
  /** Kinds of resource besides the account that may be restricted by id (a live conference, content). */
  restrictableResources: z.array(Code),
});
export type OperatorActions = z.infer<typeof OperatorActions>;

// Retention

export const RetentionTrigger = z.enum([
  'contract_end',
  'last_use',
  'opt_out',
  'event_date',
  'state_entered',
  'created',
  'last_modified',
  'paid_period_end',
  'identifier_expiry',
  'case_closed',
]);
export type RetentionTrigger = z.infer<typeof RetentionTrigger>;

/**
 * The kinds of data a retention category covers; each module registers a handler for the kinds it holds
 * (src/modules/retention). `identity`: who the customer is (company, tax id, users' names and e-mails,
 * registering person); `profile`: address, phone and the history of changes; `access`: passwords,
 * sessions, single-use tokens; `usage`: last logins and visits; `consents`: document acceptances (the
 * consent log); `billing_records`: invoices, payments, refunds, credit; `payment_cards`: saved cards;
 * `messages`: mails sent to the customer; `requests`: stored API responses; `entrusted`: data the customer
 * entrusted as controller; `marketing`: the marketing list.
 */
export const RetentionData = z.enum([
  'identity',
  'profile',
  'access',
  'usage',
  'consents',
  'billing_records',
  'payment_cards',
  'messages',
  'requests',
  'entrusted',
  'marketing',
]);
export type RetentionData = z.infer<typeof RetentionData>;

export const RetentionCategory = z.strictObject({
  id: Code,
  clause: ClauseId,
  name: LocalizedText,
  /** Whose data: the operator's own (controller) or the customer's entrusted data (processor). */
  role: z.enum(['controller', 'processor']),
  /** Entity states in scope, e.g. campaigns in `ready_to_send` or `paused`. */
  states: z.array(Code).optional(),
  /** Only items that were never sent (Quanda's draft campaigns). */
  neverSent: z.boolean().optional(),
  trigger: RetentionTrigger,
  /** The state whose entry starts the clock (trigger 'state_entered'). */
  state: Code.optional(),
  period: RetentionPeriod,
  /** Never act before the contract has ended, even if the period from the trigger has passed. */
  notBeforeContractEnd: z.boolean().optional(),
  /** 'review' asks the holder to confirm continued use; data are then deleted only on request. */
  action: z.enum(['delete', 'anonymise', 'review']),
  keepFields: z.array(Code),
  keepReason: Text.nullable(),
  warnBeforeDays: Days.nullable(),
  /** The data this category covers in this product; absent or empty: none yet (the engine skips it). */
  data: z.array(RetentionData).optional(),
  /**
   * 'kept_for' (default): the data stay at least `period` after the trigger day and go the day after it
   * ends (QU-RET-04: entered Ended 2021-03-01 → purged 2026-03-02). 'deleted_within': the period is the
   * provider's deadline, so the data go at the start of its last day (QU-LIF-09: ended 2026-06-30 →
   * purged by 2026-07-30).
   */
  periodMeans: z.enum(['kept_for', 'deleted_within']).optional(),
  /** The period counts from the end of the trigger's calendar year (tax and accounting records). */
  fromYearEnd: z.boolean().optional(),
});
export type RetentionCategory = z.infer<typeof RetentionCategory>;

export const Retention = z.strictObject({
  categories: z.array(RetentionCategory),
  /**
   * The clause that makes a liquidated or expired account's data storage only (CM-PRC-03): no mail other
   * than its state's notices, no processing beyond keeping them; absent or null where the seed is silent.
   */
  storageOnlyClause: ClauseId.nullable().optional(),
  backups: z.strictObject({
    perDay: Count,
    /** The clause the daily-backup alarm cites (QU-SEC-01); absent or null where the seed states none. */
    clause: ClauseId.nullable().optional(),
    /** Days purged data may survive in encrypted backups; null when the seed states none. */
    retentionDays: Days.nullable(),
    encrypted: z.boolean(),
    usableToRestorePurgedAccounts: z.boolean(),
  }),
});
export type Retention = z.infer<typeof Retention>;

// Privacy: data subjects, processor side

export const DataSubjectRequests = z.strictObject({
  responseDays: Days,
  /** Answer by the earlier of `responseDays` and one calendar month from receipt (GDPR art. 12(3)). */
  capAtOneCalendarMonth: z.boolean(),
  extensionMonths: z.number().int().min(0).max(2),
  /** Deadline for erasure when shorter than the general one; null = `responseDays`. */
  erasureDeadline: DayCount.nullable(),
  /** Fields kept under legal hold after an erasure or anonymisation. */
  legalHoldFields: z.array(Code),
  legalHoldReason: Text.nullable(),
  restrictionAccuracyCheckMaxDays: Days.nullable(),
  portabilityFormat: z.enum(['csv', 'json']),
  firstCopyFree: z.boolean(),
  identityDocumentsDeletedOnClose: z.boolean(),
  /** Requests about entrusted data (the customer is controller) are routed to the customer. */
  routeEntrustedDataRequestsToCustomer: z.boolean(),
  channels: z.array(Channel).min(1),
  /**
   * The clauses requests cite as evidence (src/modules/privacy): the general answer deadline, the erasure
   * deadline, restriction, objection, access and copies, portability, identity checks.
   */
  clauses: z
    .strictObject({
      response: ClauseId,
      erasure: ClauseId,
      restriction: ClauseId,
      objection: ClauseId,
      access: ClauseId,
      portability: ClauseId,
      identity: ClauseId,
      /** A request about entrusted data routed to the customer as controller (BK-PRV-01, MOC-PRV-02). */
      routing: ClauseId,
      /** Automatically collected visitor data become personal once linked to an account (CM-PRV-15). */
      visitorData: ClauseId,
    })
    .partial()
    .optional(),
});
export type DataSubjectRequests = z.infer<typeof DataSubjectRequests>;

export const SubProcessor = z.strictObject({
  id: Code,
  name: Text,
  address: Text.nullable(),
  purpose: LocalizedText,
  location: CountryCode,
  safeguard: z.enum(['adequacy', 'scc', 'eea']),
  /** 'all' customers, or only those who switched on an integration: 'integration:<id>'. */
  scope: z.string().regex(/^(all|integration:[a-z][a-z0-9_]*)$/, { error: '"all" or "integration:<id>"' }),
  agreementRecorded: z.boolean(),
});
export type SubProcessor = z.infer<typeof SubProcessor>;

export const Processor = z.strictObject({
  dpaAppliesTo: z.enum(['all_customers', 'eea_or_gdpr_customers']),
  entrustedCategories: z.array(Code).min(1),
  /** Customer-defined fields are recorded as "other data set by the customer". */
  customFieldsRecorded: z.boolean(),
  /**
   * The entrusted category customer-defined fields fall under in the processing record (BK-PRC-01: custom
   * booking fields are booking-related data); absent: `customer_defined_fields`.
   */
  customFieldsCategory: Code.optional(),
  instructionsInWriting: z.boolean(),
  instructionTargetHours: Hours.nullable(),
  deletionAfterEndDays: Days.nullable(),
  deletionIncludesBackups: z.boolean(),
  deletionCertificate: z.boolean(),
  auditNoticeMinDays: Days.nullable(),
  auditCosts: z.enum(['customer_unless_breach', 'not_stated']),
  locationRequestReplyDays: Days.nullable(),
  staffAccess: z.enum(['ticket_scoped', 'data_subject_consent', 'need_to_know']),
  /** How long a support request the customer files lets staff see its entrusted data, unless closed sooner. */
  supportAccessHours: Hours,
  /** The clauses the entrusted-data store cites in its evidence; null where the seed has no such clause. */
  clauses: z.strictObject({
    /** Carrying out the customer's instructions about its contacts' data (QU-PRC-06, BK-PRC-05). */
    instructions: ClauseId.nullable(),
    /** The customer deletes its data at any time, singly or in bulk (BK-PRC-02). */
    customerDeletion: ClauseId.nullable(),
    /** Staff see entrusted data only within a support request (BK-PRC-03, CM-PRC-07, MOC-PRC-01). */
    staffAccess: ClauseId.nullable(),
    /** Staff records that gate access: authorisation, training, confidentiality (BK-SEC-02, MOC-SEC-02). */
    staffRecords: ClauseId.nullable(),
    /** Where the data are processed, on request (BK-PRC-04, QU-PRC-10). */
    processingLocations: ClauseId.nullable(),
    /** Audits and the information to demonstrate compliance (QU-PRC-13, BK-PRC-09). */
    audit: ClauseId.nullable(),
    /** Deletion of all entrusted data after the contract ends (QU-PRC-12, BK-PRC-08). */
    deletionAfterEnd: ClauseId.nullable(),
    /** The per-customer sub-processor registry (QU-PRC-10, BK-PRC-10, CM-PRV-14; src/modules/processors). */
    subProcessors: ClauseId.nullable().optional(),
    /** A new sub-processor announced with its objection window (QU-PRC-11, BK-PRC-11). */
    subProcessorChanges: ClauseId.nullable().optional(),
    /** An objection to a sub-processor and its effect for that customer (QU-PRC-11, BK-PRC-12). */
    subProcessorObjection: ClauseId.nullable().optional(),
    /** No sub-processor is activated before its sub-processing agreement is recorded (BK-PRC-13). */
    subProcessorAgreement: ClauseId.nullable().optional(),
    /** The DPA, part of the ToS, accepted with them and downloadable from the account (CM-PRC-01). */
    dpa: ClauseId.nullable().optional(),
    /** The art. 28(3) processing agreement concluded with the contract, in force until deletion is certified (QU-PRC-01). */
    processingAgreement: ClauseId.nullable().optional(),
    /** Instructions only in writing from the customer's authorised persons (QU-PRC-04). */
    writtenInstructions: ClauseId.nullable().optional(),
    /** A justified art. 18 restriction: the contact is only stored (QU-PRC-08). */
    restriction: ClauseId.nullable().optional(),
    /** The provider tells the customer it infringes GDPR, without undue delay (QU-PRC-09). */
    infringementNotice: ClauseId.nullable().optional(),
    /** Profiling only with a recorded basis (QU-PRC-14). */
    profilingBasis: ClauseId.nullable().optional(),
    /** Each contact's legal basis; lapsed contacts excluded and queued for deletion (QU-PRC-15). */
    contactBasis: ClauseId.nullable().optional(),
    /** The customer's declaration before collecting special categories of data (CM-PRC-05). */
    sensitiveDeclaration: ClauseId.nullable().optional(),
    /** Integrations move data only while switched on (CM-PRC-08). */
    integrations: ClauseId.nullable().optional(),
  }),
  subProcessorChanges: z
    .strictObject({
      objectionWindow: DayCount,
      countsFrom: z.enum(['deemed_delivery', 'notice_sent']),
      objectionEffect: z.enum(['blocks_for_customer', 'blocks_if_justified']),
    })
    .nullable(),
  subProcessors: z.array(SubProcessor),
});
export type Processor = z.infer<typeof Processor>;

// Complaints, availability, partners

export const Complaints = z.strictObject({
  channels: z.array(Channel).min(1),
  requiredFields: z.array(Code),
  anonymousAllowed: z.boolean(),
  incomplete: z.enum(['request_completion', 'reject']),
  statusUpdateDeadline: DayCount.nullable(),
  decisionDeadline: DayCount.nullable(),
  privacyAndSecurityAnswerDeadline: DayCount.nullable(),
  escalateDaysBeforeDeadline: Days.nullable(),
  unansweredMeans: z.enum(['accepted', 'no_presumption']),
});
export type Complaints = z.infer<typeof Complaints>;

export const Availability = z.strictObject({
  guarantee: z
    .strictObject({
      targetPercent: z.number().min(0).max(100),
      measuredOver: z.enum(['billing_period', 'calendar_month']),
      creditFormula: z.enum(['excess_downtime_share_of_invoice']),
      creditCurrency: CurrencyCode,
      claimDays: Days,
      claimCountsFrom: z.enum(['period_end', 'breach_detected']),
      excluded: z.array(
        z.enum([
          'announced_maintenance',
          'force_majeure',
          'third_party',
          'fair_use_suspension',
          'arrears_suspension',
        ]),
      ),
    })
    .nullable(),
  maintenance: z.strictObject({
    noticeMinHours: Hours.nullable(),
    /** Only windows longer than this need notice (0 = every planned window). */
    noticeRequiredAboveHours: Hours,
    maxWindowsPerMonth: Count.nullable(),
    maxWindowHours: Hours.nullable(),
    carryOverUnusedMonths: z.boolean(),
    carryOverCapHours: Hours.nullable(),
    outsideWorkingHours: z.boolean(),
    workingHours: z
      .strictObject({
        weekdays: z.array(z.number().int().min(1).max(7)).min(1),
        from: ClockTime,
        to: ClockTime,
      })
      .nullable(),
    channels: z.array(z.enum(['email', 'website', 'in_app'])).min(1),
  }),
  outage: z.strictObject({ notifyAfterHours: Hours, noticeLagMinutes: Count }).nullable(),
  /** The functions whose simultaneous unavailability is a material defect. */
  materialDefectWhenAllDown: z.array(Code),
});
export type Availability = z.infer<typeof Availability>;

export const PartnerProgram = z.strictObject({
  commissionPercent: z.number().gt(0).max(100),
  recurring: z.boolean(),
  commissionBase: z.enum(['amount_paid_gross', 'amount_paid_net']),
  settlementCurrency: CurrencyCode,
  exchangeRateSource: Text,
  accrual: z.enum(['month_end']),
  payoutThreshold: Money,
  /** 'exceeds' pays only above the threshold; 'reaches' pays at the threshold too. */
  payoutThresholdRule: z.enum(['reaches', 'exceeds']),
  payoutInvoiceMinTermDays: Days,
  riskHoldMaxMonths: Months,
  inactivityCloseMonths: Months,
  claimWindowDaysAfterTermination: Days,
  termsObjectionDays: Days,
  documentResponseDays: Days,
  /** Lifetime of the referral cookie, declared in the cookie register. */
  referralCookieDays: z.number().int().min(1),
  liabilityCapLookbackMonths: Months,
  searchAdsNeedApproval: z.boolean(),
  causeGrounds: z.array(Code),
});
export type PartnerProgram = z.infer<typeof PartnerProgram>;

// Notifications and changes

export const Notifications = z.strictObject({
  /** Notices are deemed delivered this many days after sending; null = on delivery. */
  deemedDeliveryDays: Days.nullable(),
  /** A proven earlier delivery never shortens a customer's window when false. */
  provenEarlierDeliveryShortensCustomerWindows: z.boolean(),
  breachNotifyHours: z.strictObject({ customers: Hours.nullable(), authority: Hours.nullable() }),
  channels: z.array(z.enum(['email', 'sms', 'in_app', 'letter'])).min(1),
  /** Alerts go only to contacts their holders have confirmed. */
  confirmedContactsOnly: z.boolean(),
  /** The only fields an SMS gateway may receive. */
  smsGatewayFields: z.array(Code),
  /** The predefined messages that may go by SMS (HT-PRC-01); absent or empty: none. */
  smsMessageKinds: z
    .array(z.enum(['site_problem_alert', 'uptime_statistics', 'billing_notice', 'service_update']))
    .optional(),
  /** Service and practice-change notices are transactional: sent despite a marketing opt-out. */
  serviceNoticesIgnoreMarketingOptOut: z.boolean(),
  /** The clauses message checks cite (src/modules/privacy): confirmed contacts, deemed delivery, transactional notices. */
  clauses: z
    .strictObject({
      confirmedContactsOnly: ClauseId,
      deemedDelivery: ClauseId,
      transactionalNotices: ClauseId,
      /** A breach notified to affected customers within `breachNotifyHours.customers` (QU-PRC-07, BK-PRC-06, HT-SEC-01). */
      breachCustomers: ClauseId,
      /** The breach record holds what the customer needs for its own notice to the authority (BK-PRC-07). */
      breachRecord: ClauseId,
      /** Only the allowed fields go to SMS gateways, only for the predefined messages (HT-PRC-01). */
      smsGateway: ClauseId,
    })
    .partial()
    .optional(),
});
export type Notifications = z.infer<typeof Notifications>;

export const Objection = z.strictObject({
  window: DayCount,
  countsFrom: z.enum(['deemed_delivery', 'effective_date', 'notice_sent']),
  consequence: z.enum([
    'provider_may_close_account',
    'customer_terminates_on_old_terms',
    'customer_may_terminate',
  ]),
  refund: z.enum(['none', 'unused_prepaid_minus_fee_if_material_provider_change', 'unused_prepaid_prorated']),
  keepOldPriceUntilTermination: z.boolean(),
  /** The refund reason (from `billing.refundReasonCodes`) a refund after a timely objection carries (QU-LEG-02). */
  refundReason: Code.optional(),
});
export type Objection = z.infer<typeof Objection>;

const ChangeRule = z.strictObject({
  channels: z.array(z.enum(['email', 'in_app', 'website'])).min(1),
  noticeMinDays: Days.nullable(),
  objection: Objection.nullable(),
  continuedUseIsAcceptance: z.boolean(),
  /** The clause recorded when such a change is announced and applied (CM-BIL-03, QU-BIL-11). */
  clause: ClauseId.optional(),
});

export const ChangeNotices = z.strictObject({
  terms: ChangeRule,
  prices: ChangeRule,
  privacyPolicy: z.strictObject({ emailAccountHolders: z.boolean(), archivePreviousVersions: z.boolean() }),
});
export type ChangeNotices = z.infer<typeof ChangeNotices>;

// Cookies, consents, marketing

/** A Google Consent Mode signal; the first four are the ones Consent Mode v2 requires. */
export const ConsentModeSignal = z.enum([
  'ad_storage',
  'ad_user_data',
  'ad_personalization',
  'analytics_storage',
  'functionality_storage',
  'personalization_storage',
  'security_storage',
]);
export type ConsentModeSignal = z.infer<typeof ConsentModeSignal>;

/** A web origin: scheme, host and optional port, no path (what a browser sends in `Origin`). */
export const WebOrigin = z.string().regex(/^https?:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/, {
  error: 'an origin like "https://www.example.com"',
});

/** The cookie banner Klauzula serves for the operator's websites (`/banner/v1/banner.js`). */
export const CookieBanner = z.strictObject({
  /**
   * The strictly necessary cookie that keeps the visitor's choice and consent id. It must be declared in
   * `register` (strictly necessary category, a lifetime): a choice lasts as long as that cookie.
   */
  consentCookie: Text,
  /** The websites that embed the banner: the id they pass as `data-site`, and their origins (CORS). */
  sites: z.array(z.strictObject({ id: Code, origins: z.array(WebOrigin).min(1) })).min(1),
  title: LocalizedText,
  intro: LocalizedText,
  /** Industry opt-out pages listed with the vendors (CM-CKE-03). */
  optOutUrls: z.array(Url),
  /** The clause recorded as the cause of each consent-ledger event. */
  clause: ClauseId,
});
export type CookieBanner = z.infer<typeof CookieBanner>;

export const Cookies = z.strictObject({
  websiteSetsCookies: z.boolean(),
  bannerRequired: z.boolean(),
  /** Non-essential storage only after an explicit opt-in; nothing else is lawful. */
  consentModel: z.literal('opt_in'),
  googleConsentMode: z.boolean(),
  /** null: no banner is served (nothing on the website needs consent). */
  banner: CookieBanner.nullable(),
  categories: z.array(
    z.strictObject({
      id: Code,
      name: LocalizedText,
      description: LocalizedText,
      strictlyNecessary: z.boolean(),
      /** The Consent Mode signals granted exactly when this category is; each signal in one category. */
      consentModeSignals: z.array(ConsentModeSignal),
    }),
  ),
  vendors: z.array(
    z.strictObject({
      name: Text,
      category: Code,
      location: CountryCode,
      privacyUrl: Url,
      optOutUrl: Url.nullable(),
    }),
  ),
  register: z.array(
    z.strictObject({
      /** A cookie, storage key or IndexedDB database name; a trailing `*` makes it a prefix (`_hjSession_*`). */
      name: Text,
      category: Code,
      storage: z.enum(['cookie', 'local_storage', 'session_storage', 'indexeddb']),
      /** null = ends with the browser session. */
      lifetimeDays: z.number().int().min(1).nullable(),
      lifetimeCountsFrom: z.enum(['set', 'last_use']),
      purpose: LocalizedText,
    }),
  ),
});
export type Cookies = z.infer<typeof Cookies>;

export const ConsentPurpose = z.strictObject({
  id: Code,
  name: LocalizedText,
  basis: z.enum(['consent', 'legitimate_interest', 'soft_opt_in']),
  askedAtRegistration: z.boolean(),
  withdrawChannels: z
    .array(z.enum(['unsubscribe_link', 'account_settings', 'email', 'letter', 'preference_centre', 'chat']))
    .min(1),
  /** The clause consent-ledger events and send-time checks of this purpose cite (CM-CKE-05, QU-CNS-01…). */
  clause: ClauseId.optional(),
  /**
   * The exact text a person agrees to and its version: the ledger stores the version and the SHA-256 of the
   * text shown (CM-CKE-05). Absent: the purpose's name under the policy's version.
   */
  wording: z.strictObject({ version: Text, text: LocalizedText }).optional(),
});
export type ConsentPurpose = z.infer<typeof ConsentPurpose>;

export const Marketing = z.strictObject({
  /** The consent purpose that governs marketing e-mail to customers. */
  purpose: Code,
  similarProductsOnly: z.boolean(),
  thirdPartyProducts: z.boolean(),
});
export type Marketing = z.infer<typeof Marketing>;

// Security, liability, compatibility

export const Security = z.strictObject({
  maxFailedLogins: z.number().int().min(1),
  lockoutMinutes: z.number().int().min(1),
  sessionIdleMinutes: z.number().int().min(1),
  sessionAbsoluteHours: z.number().int().min(1),
  passwordMinLength: z.number().int().min(8),
  requireTls: z.boolean(),
  tlsMinKeyBits: z.number().int().min(2048).nullable(),
  dataResidency: z.enum(['eu', 'eea', 'any']),
  dataCentreTier: z.enum(['I', 'II', 'III', 'IV']).nullable(),
  mediaEncryption: Text.nullable(),
  staffConfidentialityRequired: z.boolean(),
  /** Clause ids for the security rules the system enforces (e.g. CM-SEC-06: access ends with the contract). */
  clauses: z.strictObject({ accessEnded: ClauseId.nullable().optional() }).optional(),
});
export type Security = z.infer<typeof Security>;

export const Liability = z.strictObject({
  /** Cap = amount paid in this many months before the damaging event. */
  capLookbackMonths: z.number().int().min(1),
  /** Free-only users: cap = this × the cheapest paid plan's net monthly price; null = no such rule. */
  freeUserCapMultiplier: z.number().int().min(1).nullable(),
  capsMutualForEligibleUsers: z.boolean(),
});
export type Liability = z.infer<typeof Liability>;

export const Compatibility = z.strictObject({
  minBrowserVersions: z.partialRecord(
    z.enum(['ie', 'edge', 'chrome', 'safari', 'firefox', 'opera']),
    z.number().int().min(1),
  ),
  requireJavaScript: z.boolean(),
  requireCookies: z.boolean(),
});
export type Compatibility = z.infer<typeof Compatibility>;

// The policy

/**
 * Texts Klauzula publishes for pages of the operator's product it does not render itself: the chat bot's
 * first message (HT-PRC-02: Microsoft's privacy statement and the "Report abuse" route, the sub-processor
 * that receives what users send the bot) and the notice for event registration and room pages (CM-PRC-06:
 * what other participants see and what the organiser may record; the ToS and privacy policy apply).
 */
export const PublishedNotices = z.strictObject({
  bot: z
    .strictObject({
      /** The sub-processor (processor.subProcessors id) that receives the bot's content. */
      subProcessor: Code,
      greeting: LocalizedText,
      privacyUrl: Url,
      reportAbuseUrl: Url,
      clause: ClauseId,
    })
    .nullable(),
  participants: z.strictObject({ text: LocalizedText, clause: ClauseId }).nullable(),
});
export type PublishedNotices = z.infer<typeof PublishedNotices>;

const PolicyShape = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'a lower-case id like "quanda"' }),
  version: Text,
  name: Text,
  operator: Operator,
  locale: Locale,
  documents: z.array(LegalDocument).min(1),
  registration: Registration,
  trial: Trial.nullable(),
  freePlans: FreePlans,
  entitlements: EntitlementCatalog,
  plans: z.array(Plan).min(1),
  addOns: z.array(AddOn),
  packs: z.array(ConsumablePack),
  billing: Billing,
  dunning: Dunning,
  suspension: Suspension.nullable(),
  restore: Restore,
  termination: Termination,
  operatorActions: OperatorActions,
  retention: Retention,
  dataSubjectRequests: DataSubjectRequests,
  processor: Processor,
  complaints: Complaints,
  availability: Availability,
  partnerProgram: PartnerProgram.nullable(),
  notifications: Notifications,
  changeNotices: ChangeNotices,
  cookies: Cookies,
  consents: z.array(ConsentPurpose),
  marketing: Marketing.nullable(),
  security: Security,
  liability: Liability.nullable(),
  compatibility: Compatibility.nullable(),
  notices: PublishedNotices.optional(),
});
type PolicyShape = z.infer<typeof PolicyShape>;

export const Policy = PolicyShape.superRefine(checkCrossReferences);
export type Policy = z.infer<typeof Policy>;

// Cross-field checks

function listOf(values: Iterable<string>): string {
  const list = [...values];
  return list.length === 0 ? 'none defined' : list.join(', ');
}

function checkUnique<T>(ctx: Ctx, items: T[], key: (item: T) => string, path: string, field: string): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const value = key(item);
    if (seen.has(value)) {
      reportIssue(ctx, [...path.split('.'), index, field], `a ${field} not already used in ${path}`);
    }
    seen.add(value);
  });
}

function checkCrossReferences(policy: PolicyShape, ctx: Ctx): void {
  checkLocale(policy, ctx);
  checkDocuments(policy, ctx);
  checkRegistration(policy, ctx);
  checkPlans(policy, ctx);
  checkTrial(policy, ctx);
  checkBilling(policy, ctx);
  checkLifecycle(policy, ctx);
  checkOperatorActions(policy, ctx);
  checkPrivacy(policy, ctx);
  checkCookiesAndConsents(policy, ctx);
  checkNotices(policy, ctx);
  checkOther(policy, ctx);
}

/** The bot's recipient is a registered sub-processor; the participant notice links documents that have URLs. */
function checkNotices({ notices, processor, documents }: PolicyShape, ctx: Ctx): void {
  const bot = notices?.bot;
  if (bot && !processor.subProcessors.some((s) => s.id === bot.subProcessor))
    reportIssue(
      ctx,
      ['notices', 'bot', 'subProcessor'],
      'the id of one of processor.subProcessors',
      bot.subProcessor,
    );
  if (notices?.participants)
    for (const kind of ['terms', 'privacy'] as const)
      if (!documents.find((d) => d.kind === kind)?.url)
        reportIssue(ctx, ['documents'], `a "${kind}" document with a url (the participant notice links it)`);
}

function checkLocale({ locale }: PolicyShape, ctx: Ctx): void {
  if (!locale.languages.includes(locale.defaultLanguage)) {
    reportIssue(ctx, ['locale', 'defaultLanguage'], `one of locale.languages (${listOf(locale.languages)})`);
  }
  if (new Set(locale.languages).size !== locale.languages.length) {
    reportIssue(ctx, ['locale', 'languages'], 'a list without repeated languages');
  }
}

function checkDocuments({ documents, partnerProgram }: PolicyShape, ctx: Ctx): void {
  checkUnique(ctx, documents, (doc) => doc.kind, 'documents', 'kind');
  const kinds = new Set(documents.map((doc) => doc.kind));
  if (!kinds.has('terms')) reportIssue(ctx, ['documents'], 'a document of kind "terms"');
  if (!kinds.has('privacy')) reportIssue(ctx, ['documents'], 'a document of kind "privacy"');
  if (partnerProgram && !kinds.has('partner_terms')) {
    reportIssue(ctx, ['documents'], 'a document of kind "partner_terms" (the policy has a partner program)');
  }
  documents.forEach((doc, index) => {
    doc.archived.forEach((old, archivedIndex) => {
      if (old.validUntil >= doc.effectiveFrom) {
        reportIssue(
          ctx,
          ['documents', index, 'archived', archivedIndex, 'validUntil'],
          `a date before the current version's effectiveFrom (${doc.effectiveFrom})`,
        );
      }
    });
  });
}

function checkRegistration({ registration }: PolicyShape, ctx: Ctx): void {
  const { activationLink, subdomain, contractConcludedAt } = registration;
  if (contractConcludedAt !== 'registration' && !activationLink.required) {
    reportIssue(
      ctx,
      ['registration', 'activationLink', 'required'],
      `true (the contract is concluded at "${contractConcludedAt}")`,
    );
  }
  if (activationLink.required && activationLink.validHours < 1) {
    reportIssue(ctx, ['registration', 'activationLink', 'validHours'], 'at least 1 hour when a link is sent');
  }
  if (subdomain.enabled && subdomain.baseDomain === null) {
    reportIssue(ctx, ['registration', 'subdomain', 'baseDomain'], 'a domain when subdomains are enabled');
  }
  if (subdomain.writeOnce && !subdomain.enabled) {
    reportIssue(ctx, ['registration', 'subdomain', 'writeOnce'], 'false when subdomains are disabled');
  }
  if (registration.freeAccountsPerCustomer !== null && registration.freeAccountIdentityKeys.length === 0) {
    reportIssue(
      ctx,
      ['registration', 'freeAccountIdentityKeys'],
      'at least one identity key to match customers',
    );
  }
}

function checkPrices(
  ctx: Ctx,
  prices: PolicyShape['plans'][number]['prices'],
  path: (string | number)[],
  policy: PolicyShape,
) {
  if (!prices) return;
  for (const period of ['monthly', 'annual'] as const) {
    const list = prices[period];
    if (!list) continue;
    if (!policy.billing.periods.includes(period)) {
      reportIssue(
        ctx,
        [...path, period],
        `only billing periods listed in billing.periods (${listOf(policy.billing.periods)})`,
      );
    }
    if (list[policy.locale.currency] === undefined) {
      reportIssue(
        ctx,
        [...path, period, policy.locale.currency],
        `a price in the policy currency ${policy.locale.currency}`,
      );
    }
  }
  if (!prices.monthly && !prices.annual) {
    reportIssue(ctx, path, 'a price for at least one billing period');
  }
}

function checkPlans(policy: PolicyShape, ctx: Ctx): void {
  const { plans, entitlements, freePlans, addOns, packs } = policy;
  checkUnique(ctx, entitlements.features, (f) => f.code, 'entitlements.features', 'code');
  checkUnique(ctx, entitlements.limits, (l) => l.code, 'entitlements.limits', 'code');
  checkUnique(ctx, entitlements.balances, (b) => b.code, 'entitlements.balances', 'code');
  checkUnique(ctx, plans, (plan) => plan.code, 'plans', 'code');
  checkUnique(ctx, addOns, (addOn) => addOn.code, 'addOns', 'code');
  checkUnique(ctx, packs, (pack) => pack.code, 'packs', 'code');

  const features = new Map(entitlements.features.map((feature) => [feature.code, feature]));
  const limitCodes = new Set(entitlements.limits.map((limit) => limit.code));
  const balanceCodes = new Set(entitlements.balances.map((balance) => balance.code));
  const planCodes = new Set(plans.map((plan) => plan.code));
  entitlements.balances.forEach((balance, index) => {
    if (balance.featureWhilePositive !== undefined && !features.has(balance.featureWhilePositive)) {
      reportIssue(
        ctx,
        ['entitlements', 'balances', index, 'featureWhilePositive'],
        `a feature declared in entitlements.features (${listOf(features.keys())})`,
      );
    }
  });

  plans.forEach((plan, index) => {
    plan.features.forEach((code, featureIndex) => {
      const feature = features.get(code);
      if (!feature) {
        reportIssue(
          ctx,
          ['plans', index, 'features', featureIndex],
          `a feature declared in entitlements.features (${listOf(features.keys())})`,
        );
      } else if (feature.paidOnly && plan.kind !== 'paid') {
        reportIssue(
          ctx,
          ['plans', index, 'features', featureIndex],
          `a feature allowed on a ${plan.kind} plan ("${code}" is paid-only)`,
        );
      }
    });
    for (const code of Object.keys(plan.limits)) {
      if (!limitCodes.has(code)) {
        reportIssue(
          ctx,
          ['plans', index, 'limits', code],
          `a limit declared in entitlements.limits (${listOf(limitCodes)})`,
        );
      }
    }
    if (plan.kind === 'paid' && !plan.prices) {
      reportIssue(ctx, ['plans', index, 'prices'], 'prices for a paid plan');
    }
    if (plan.kind !== 'paid' && plan.prices) {
      reportIssue(ctx, ['plans', index, 'prices'], `no prices on a ${plan.kind} plan`);
    }
    checkPrices(ctx, plan.prices, ['plans', index, 'prices'], policy);
    if (plan.freePeriodDays !== undefined && plan.kind !== 'free') {
      reportIssue(ctx, ['plans', index, 'freePeriodDays'], 'freePeriodDays only on a free plan');
    }
    if (plan.kind === 'free' && freePlans.timeLimited && plan.freePeriodDays === undefined) {
      reportIssue(
        ctx,
        ['plans', index, 'freePeriodDays'],
        'a finite number of days (freePlans.timeLimited is true)',
      );
    }
    if (plan.scopeOf !== undefined) {
      const source = plans.find((other) => other.code === plan.scopeOf);
      if (!source || source.code === plan.code) {
        reportIssue(ctx, ['plans', index, 'scopeOf'], `another plan's code (${listOf(planCodes)})`);
      } else {
        const expected = source.features.filter(
          (code) => !(features.get(code)?.paidOnly && plan.kind !== 'paid'),
        );
        const same =
          expected.length === plan.features.length &&
          expected.every((code) => plan.features.includes(code)) &&
          JSON.stringify(Object.entries(source.limits).sort()) ===
            JSON.stringify(Object.entries(plan.limits).sort());
        if (!same) {
          reportIssue(
            ctx,
            ['plans', index, 'features'],
            `the features and limits of plan "${source.code}" (scopeOf), less paid-only features`,
          );
        }
      }
    }
  });

  addOns.forEach((addOn, index) => {
    addOn.features.forEach((code, featureIndex) => {
      if (!features.has(code)) {
        reportIssue(
          ctx,
          ['addOns', index, 'features', featureIndex],
          `a feature declared in entitlements.features (${listOf(features.keys())})`,
        );
      }
    });
    for (const code of Object.keys(addOn.limitIncrements)) {
      if (!limitCodes.has(code)) {
        reportIssue(
          ctx,
          ['addOns', index, 'limitIncrements', code],
          `a limit declared in entitlements.limits (${listOf(limitCodes)})`,
        );
      }
    }
    checkPrices(ctx, addOn.prices, ['addOns', index, 'prices'], policy);
  });

  packs.forEach((pack, index) => {
    if (!balanceCodes.has(pack.balance)) {
      reportIssue(
        ctx,
        ['packs', index, 'balance'],
        `a balance declared in entitlements.balances (${listOf(balanceCodes)})`,
      );
    }
    if (pack.price.currency !== policy.locale.currency) {
      reportIssue(
        ctx,
        ['packs', index, 'price', 'currency'],
        `the policy currency ${policy.locale.currency}`,
      );
    }
  });

  if (!plans.some((plan) => plan.kind === 'paid')) {
    reportIssue(ctx, ['plans'], 'at least one paid plan');
  }
}

function checkTrial({ trial, plans }: PolicyShape, ctx: Ctx): void {
  if (!trial) return;
  const planCodes = plans.map((plan) => plan.code);
  const plan = plans.find((candidate) => candidate.code === trial.planCode);
  if (!plan) {
    reportIssue(ctx, ['trial', 'planCode'], `a plan code defined in plans (${listOf(planCodes)})`);
  } else if (trial.mode === 'trial_plan' && plan.kind !== 'trial') {
    reportIssue(ctx, ['trial', 'planCode'], `a plan of kind "trial" (plan "${plan.code}" is ${plan.kind})`);
  } else if (trial.mode === 'chosen_plan_free' && plan.kind !== 'paid') {
    reportIssue(
      ctx,
      ['trial', 'planCode'],
      `a paid plan for mode "chosen_plan_free" (plan "${plan.code}" is ${plan.kind})`,
    );
  }
  if (trial.afterTrialPlanCode !== null) {
    const after = plans.find((candidate) => candidate.code === trial.afterTrialPlanCode);
    if (!after) {
      reportIssue(
        ctx,
        ['trial', 'afterTrialPlanCode'],
        `a plan code defined in plans (${listOf(planCodes)}) or null`,
      );
    } else if (after.kind !== 'trial_ended' && after.kind !== 'free') {
      reportIssue(
        ctx,
        ['trial', 'afterTrialPlanCode'],
        `a plan of kind "trial_ended" or "free" (plan "${after.code}" is ${after.kind})`,
      );
    }
  }
  if (trial.mode === 'chosen_plan_free' && trial.afterTrialPlanCode !== null) {
    reportIssue(
      ctx,
      ['trial', 'afterTrialPlanCode'],
      'null for mode "chosen_plan_free" (unpaid accounts follow dunning)',
    );
  }
  if (trial.enabled && trial.days < 1) {
    reportIssue(ctx, ['trial', 'days'], 'at least 1 day for an enabled trial');
  }
}

function checkBilling(policy: PolicyShape, ctx: Ctx): void {
  const { billing, locale } = policy;
  if (new Set(billing.periods).size !== billing.periods.length) {
    reportIssue(ctx, ['billing', 'periods'], 'a list without repeated periods');
  }
  if (billing.monthlyAnchor === 'fixed_day' && billing.monthlyAnchorDay === null) {
    reportIssue(ctx, ['billing', 'monthlyAnchorDay'], '1 or 15 when monthlyAnchor is "fixed_day"');
  }
  if (billing.monthlyAnchor === 'anniversary' && billing.monthlyAnchorDay !== null) {
    reportIssue(ctx, ['billing', 'monthlyAnchorDay'], 'null when monthlyAnchor is "anniversary"');
  }
  if (billing.firstMonthlyPeriod === 'prorated_to_anchor' && billing.monthlyAnchor !== 'fixed_day') {
    reportIssue(
      ctx,
      ['billing', 'firstMonthlyPeriod'],
      '"full" unless monthly periods are anchored to a fixed day',
    );
  }
  if (billing.invoiceTiming === 'ahead_with_terms' && billing.paymentTermsDays === null) {
    reportIssue(
      ctx,
      ['billing', 'paymentTermsDays'],
      'a number of days when invoices are issued ahead with terms',
    );
  }
  if (billing.invoiceTiming === 'after_payment' && billing.paymentTermsDays !== null) {
    reportIssue(ctx, ['billing', 'paymentTermsDays'], 'null when invoices are issued after payment');
  }
  for (const [name, fee] of Object.entries(billing.handlingFees)) {
    if (fee && fee.currency !== locale.currency) {
      reportIssue(
        ctx,
        ['billing', 'handlingFees', name, 'currency'],
        `the policy currency ${locale.currency}`,
      );
    }
  }
  if (billing.withdrawal?.refund === 'all_payments_minus_fee' && billing.handlingFees.withdrawal === null) {
    reportIssue(
      ctx,
      ['billing', 'handlingFees', 'withdrawal'],
      'a fee (withdrawal.refund is "all_payments_minus_fee")',
    );
  }
  checkUnique(ctx, billing.paymentProviders, (provider) => provider.id, 'billing.paymentProviders', 'id');
}

function checkOperatorActions({ operatorActions, billing, termination }: PolicyShape, ctx: Ctx): void {
  const seen = new Set<string>();
  operatorActions.grounds.forEach((ground, index) => {
    const path = ['operatorActions', 'grounds', index];
    const key = `${ground.action}:${ground.code}`;
    if (seen.has(key)) reportIssue(ctx, [...path, 'code'], `a code not already used for ${ground.action}`);
    seen.add(key);
    const t = ground.termination;
    if ((ground.action === 'terminate') !== (t !== null)) {
      reportIssue(ctx, [...path, 'termination'], ground.action === 'terminate' ? 'its terms' : 'null');
      return;
    }
    if (ground.action === 'block' && termination.blockedClarificationDays === null)
      reportIssue(ctx, [...path, 'action'], 'not "block" while termination.blockedClarificationDays is null');
    if (!t) return;
    if ((t.effective === 'after_notice') !== (t.noticeDays !== null))
      reportIssue(
        ctx,
        [...path, 'termination', 'noticeDays'],
        'a number of days exactly when effective is "after_notice"',
      );
    if (t.refundReason !== null && !billing.refundReasonCodes.includes(t.refundReason))
      reportIssue(
        ctx,
        [...path, 'termination', 'refundReason'],
        `one of billing.refundReasonCodes (${listOf(billing.refundReasonCodes)})`,
      );
    if (t.requiresUnclarifiedBlock && termination.blockedClarificationDays === null)
      reportIssue(
        ctx,
        [...path, 'termination', 'requiresUnclarifiedBlock'],
        'false while termination.blockedClarificationDays is null',
      );
  });
}

function checkLifecycle({ dunning, restore }: PolicyShape, ctx: Ctx): void {
  const ladder = [
    ['blockAfterOverdueDays', dunning.blockAfterOverdueDays],
    ['softDeleteAfterOverdueDays', dunning.softDeleteAfterOverdueDays],
    ['hardDeleteAfterOverdueDays', dunning.hardDeleteAfterOverdueDays],
  ] as const;
  let previous: { name: string; days: number } | null = null;
  for (const [name, days] of ladder) {
    if (days === null) continue;
    if (previous && days <= previous.days) {
      reportIssue(ctx, ['dunning', name], `more than ${previous.name} (${previous.days})`);
    }
    previous = { name, days };
  }
  if (
    dunning.restrictAfterOverdueDays !== null &&
    dunning.blockAfterOverdueDays !== null &&
    dunning.restrictAfterOverdueDays > dunning.blockAfterOverdueDays
  ) {
    reportIssue(
      ctx,
      ['dunning', 'restrictAfterOverdueDays'],
      `at most blockAfterOverdueDays (${dunning.blockAfterOverdueDays})`,
    );
  }
  const window = restore.writtenAgreementWindow;
  if (window) {
    if (window.untilOverdueDays <= window.fromOverdueDays) {
      reportIssue(
        ctx,
        ['restore', 'writtenAgreementWindow', 'untilOverdueDays'],
        `more than fromOverdueDays (${window.fromOverdueDays})`,
      );
    }
    if (
      dunning.softDeleteAfterOverdueDays !== null &&
      window.fromOverdueDays !== dunning.softDeleteAfterOverdueDays
    ) {
      reportIssue(
        ctx,
        ['restore', 'writtenAgreementWindow', 'fromOverdueDays'],
        `dunning.softDeleteAfterOverdueDays (${dunning.softDeleteAfterOverdueDays})`,
      );
    }
    if (
      dunning.hardDeleteAfterOverdueDays !== null &&
      window.untilOverdueDays !== dunning.hardDeleteAfterOverdueDays
    ) {
      reportIssue(
        ctx,
        ['restore', 'writtenAgreementWindow', 'untilOverdueDays'],
        `dunning.hardDeleteAfterOverdueDays (${dunning.hardDeleteAfterOverdueDays})`,
      );
    }
  }
}

function checkPrivacy({ retention, processor, dataSubjectRequests }: PolicyShape, ctx: Ctx): void {
  checkUnique(ctx, retention.categories, (category) => category.id, 'retention.categories', 'id');
  retention.categories.forEach((category, index) => {
    if (category.trigger === 'state_entered' && category.state === undefined) {
      reportIssue(ctx, ['retention', 'categories', index, 'state'], 'the state whose entry starts the clock');
    }
    if (category.trigger !== 'state_entered' && category.state !== undefined) {
      reportIssue(
        ctx,
        ['retention', 'categories', index, 'state'],
        'no state unless trigger is "state_entered"',
      );
    }
    if (category.keepFields.length > 0 && category.keepReason === null) {
      reportIssue(
        ctx,
        ['retention', 'categories', index, 'keepReason'],
        'the reason the kept fields are retained',
      );
    }
  });
  if (dataSubjectRequests.legalHoldFields.length > 0 && dataSubjectRequests.legalHoldReason === null) {
    reportIssue(ctx, ['dataSubjectRequests', 'legalHoldReason'], 'the reason the legal-hold fields are kept');
  }
  checkUnique(ctx, processor.subProcessors, (entry) => entry.id, 'processor.subProcessors', 'id');
  processor.subProcessors.forEach((entry, index) => {
    const inEea = isEeaCountry(entry.location);
    if (inEea && entry.safeguard !== 'eea') {
      reportIssue(
        ctx,
        ['processor', 'subProcessors', index, 'safeguard'],
        `"eea" for a sub-processor located in ${entry.location}`,
      );
    }
    if (!inEea && entry.safeguard === 'eea') {
      reportIssue(
        ctx,
        ['processor', 'subProcessors', index, 'safeguard'],
        `"adequacy" or "scc" for a transfer to ${entry.location} (outside the EEA)`,
      );
    }
  });
}

const CONSENT_MODE_V2_SIGNALS = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage'];

/** The banner's consent cookie is declared and strictly necessary; Consent Mode signals map one-to-one. */
function checkCookieBanner(cookies: PolicyShape['cookies'], ctx: Ctx): void {
  const { banner } = cookies;
  if (cookies.bannerRequired && !banner) {
    reportIssue(ctx, ['cookies', 'banner'], 'the banner settings when cookies.bannerRequired is true');
  }
  const signalOwner = new Map<string, string>();
  cookies.categories.forEach((category, index) => {
    category.consentModeSignals.forEach((signal, at) => {
      const path = ['cookies', 'categories', index, 'consentModeSignals', at];
      if (signalOwner.has(signal)) {
        reportIssue(ctx, path, `a signal not already given to category ${signalOwner.get(signal)}`);
      }
      signalOwner.set(signal, category.id);
      if (category.strictlyNecessary && CONSENT_MODE_V2_SIGNALS.includes(signal)) {
        reportIssue(ctx, path, 'a category that needs consent for an advertising or analytics signal');
      }
    });
  });
  if (!banner) return;
  checkUnique(ctx, banner.sites, (site) => site.id, 'cookies.banner.sites', 'id');
  const entry = cookies.register.find((candidate) => candidate.name === banner.consentCookie);
  const category = cookies.categories.find((candidate) => candidate.id === entry?.category);
  const isDeclared = entry?.storage === 'cookie' && entry.lifetimeDays !== null;
  if (!isDeclared || !category?.strictlyNecessary) {
    reportIssue(
      ctx,
      ['cookies', 'banner', 'consentCookie'],
      'a cookie declared in cookies.register with a strictly necessary category and a lifetime in days',
    );
  }
}

/**
 * A website that sets no cookies (MOC-CNS-01) serves no banner, and its register (the panel's and rooms'
 * cookies) holds only strictly necessary ones. The same rule as `cookieSettingProblems`
 * (src/modules/cookies/register-rules.ts), checked when the policy loads.
 */
function checkCookielessWebsite(cookies: PolicyShape['cookies'], ctx: Ctx): void {
  if (cookies.websiteSetsCookies) return;
  if (cookies.banner !== null)
    reportIssue(
      ctx,
      ['cookies', 'banner'],
      'null when cookies.websiteSetsCookies is false (no banner for a cookieless website)',
    );
  const necessary = new Set(cookies.categories.filter((c) => c.strictlyNecessary).map((c) => c.id));
  cookies.register.forEach((entry, index) => {
    if (!necessary.has(entry.category))
      reportIssue(
        ctx,
        ['cookies', 'register', index, 'category'],
        'a strictly necessary category when cookies.websiteSetsCookies is false (only session and preference cookies)',
      );
  });
}

function checkCookiesAndConsents({ cookies, consents, marketing }: PolicyShape, ctx: Ctx): void {
  checkUnique(ctx, cookies.categories, (category) => category.id, 'cookies.categories', 'id');
  const categoryIds = new Set(cookies.categories.map((category) => category.id));
  cookies.vendors.forEach((vendor, index) => {
    if (!categoryIds.has(vendor.category)) {
      reportIssue(
        ctx,
        ['cookies', 'vendors', index, 'category'],
        `a category declared in cookies.categories (${listOf(categoryIds)})`,
      );
    }
  });
  cookies.register.forEach((entry, index) => {
    if (!categoryIds.has(entry.category)) {
      reportIssue(
        ctx,
        ['cookies', 'register', index, 'category'],
        `a category declared in cookies.categories (${listOf(categoryIds)})`,
      );
    }
  });
  if (cookies.bannerRequired && !cookies.categories.some((category) => !category.strictlyNecessary)) {
    reportIssue(ctx, ['cookies', 'bannerRequired'], 'false when every cookie category is strictly necessary');
  }
  checkCookieBanner(cookies, ctx);
  checkCookielessWebsite(cookies, ctx);
  checkUnique(ctx, consents, (purpose) => purpose.id, 'consents', 'id');
  if (marketing && !consents.some((purpose) => purpose.id === marketing.purpose)) {
    reportIssue(
      ctx,
      ['marketing', 'purpose'],
      `a purpose id declared in consents (${listOf(consents.map((purpose) => purpose.id))})`,
    );
  }
}

function checkOther({ security, partnerProgram, availability, locale }: PolicyShape, ctx: Ctx): void {
  if (security.sessionIdleMinutes > security.sessionAbsoluteHours * 60) {
    reportIssue(
      ctx,
      ['security', 'sessionIdleMinutes'],
      `at most sessionAbsoluteHours × 60 (${security.sessionAbsoluteHours * 60})`,
    );
  }
  if (partnerProgram && partnerProgram.payoutThreshold.currency !== partnerProgram.settlementCurrency) {
    reportIssue(
      ctx,
      ['partnerProgram', 'payoutThreshold', 'currency'],
      `the settlement currency ${partnerProgram.settlementCurrency}`,
    );
  }
  const guarantee = availability.guarantee;
  if (guarantee && guarantee.creditCurrency !== locale.currency) {
    reportIssue(
      ctx,
      ['availability', 'guarantee', 'creditCurrency'],
      `the policy currency ${locale.currency}`,
    );
  }
  const { maintenance } = availability;
  if (maintenance.outsideWorkingHours && maintenance.workingHours === null) {
    reportIssue(
      ctx,
      ['availability', 'maintenance', 'workingHours'],
      'the working hours maintenance must avoid',
    );
  }
  if (maintenance.carryOverCapHours !== null && !maintenance.carryOverUnusedMonths) {
    reportIssue(
      ctx,
      ['availability', 'maintenance', 'carryOverCapHours'],
      'null when unused allowances do not carry over',
    );
  }
}
