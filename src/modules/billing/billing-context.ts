import type { Database } from '../../platform/db/database.ts';
import type { DueWork } from '../../platform/due-work/due-work.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountProfile, ProfileChange } from '../accounts/index.ts';
import type { AccountContact, AccountLife, Lifecycle, PlanChanges } from '../lifecycle/index.ts';
import type { Notifications } from '../notifications/index.ts';
import type { BillingStore } from './billing-store.ts';
import type { KsefClient } from './ksef/ksef-client.ts';
import type { PaymentProvider } from './payment-provider.ts';
import type { TpayGateway } from './providers/tpay-gateway.ts';
import type { VatRateTable, ViesClient } from './vat/index.ts';

/** The due item that renews a subscription (ref: the subscription id). */
export const RENEW = 'billing.renew';

/** Invoice series and numbering when a policy names none: `FV/2026/03/0001`, restarting each month. */
export const INVOICE_SERIES = { series: 'FV', pattern: 'FV/{YYYY}/{MM}/{NNNN}' } as const;

/** The sandbox prefix: accounts on a test clock number in `TEST/` + the policy's pattern. */
export const SANDBOX_PREFIX = 'TEST/';

/**
 * Accounts on a test clock get invoices of their own series (`TEST/FV/2026/03/0001`): sandbox invoices must
 * never take a number from the real, gapless series the tax office sees.
 */
export const SANDBOX_INVOICE_SERIES = { series: 'TEST/FV', pattern: 'TEST/FV/{YYYY}/{MM}/{NNNN}' } as const;

export type InvoiceSeries = { series: string; pattern: string };

/** A gateway refund confirmed (`refunded`, at the gateway's time) or failed (`failure`), for its account's policy. */
export type RefundSettlement = {
  accountId: string;
  /** The account's test clock, if any (for due items). */
  clockId: string | null;
  refundId: string;
  outcome: 'refunded' | 'failed';
  at: Date;
  failure: string | null;
  policy: Policy;
  cause: string;
};

/** A series is named by its pattern's fixed prefix: `FV/{YYYY}/{MM}/{NNNN}` → `FV`. */
export function seriesOfPattern(pattern: string): InvoiceSeries {
  const prefix = pattern.slice(0, pattern.indexOf('{')).replace(/[/_.-]+$/, '');
  return { series: prefix === '' ? pattern : prefix, pattern };
}

/**
 * The series an invoice (or, with `kind: 'KOR'`, a correction) is numbered in: the policy's
 * `billing.invoiceSeries`, under `TEST/` for an account on a test clock. Without a policy, `FV/…`.
 */
export function invoiceSeriesFor(
  clockId: string | null,
  policy?: Pick<Policy, 'billing'>,
  kind: 'VAT' | 'KOR' = 'VAT',
): InvoiceSeries {
  const configured = policy?.billing.invoiceSeries;
  const pattern = configured
    ? kind === 'KOR'
      ? configured.correction
      : configured.invoice
    : INVOICE_SERIES.pattern;
  return seriesOfPattern(clockId ? SANDBOX_PREFIX + pattern : pattern);
}

/** Whether an invoice of `series` belongs to the sandbox (and so is never sent to KSeF). */
export function isSandboxSeries(series: string): boolean {
  return series.startsWith(SANDBOX_PREFIX);
}

/** What every billing use case is built with. */
export type BillingDeps = {
  db: Database;
  store: BillingStore;
  eventLog: EventLog;
  dueWork: DueWork;
  notifications: Notifications;
  ids: IdGenerator;
  /** The time of an account's clock (a test clock's frozen time, or the real time for null). */
  timeOf: (clockId: string | null) => Promise<Date>;
  policyOf: (versionId: string) => Policy;
  provider: PaymentProvider;
  /**
   * Redirect gateways (PayPal; MOC-BIL-01), configured ones first; the sandbox's redirect mode is always last
   * (`redirect-payments.ts`).
   */
  redirectGateways?: readonly PaymentProvider[] | undefined;
  /** The pay-by-link gateway for open invoices (tpay), when configured. */
  payByLink?: TpayGateway | null | undefined;
  vatRates: VatRateTable;
  /** The account's life: its state and plan, and switching a paid plan on. */
  lifecycle: Pick<Lifecycle, 'get' | 'load'> &
    Pick<PlanChanges, 'activatePaidPlan' | 'moveToFreePlan'> &
    /** Suspended accounts are charged nothing (CM-LIF-06); payment facts changed → non-payment rules re-decide. */
    Partial<Pick<Lifecycle, 'announceChanged'>> &
    Partial<Pick<AccountLife, 'renewalsPaused' | 'reviewStanding'>>;
  /** The account's company data (the buyer), their recorded correction, and where to write to it. */
  accounts: {
    profile(accountId: string): Promise<AccountProfile>;
    /** Several accounts' company data in one query (a renewal batch); `profile` per account without it. */
    profiles?(accountIds: readonly string[]): Promise<AccountProfile[]>;
    updateProfile(input: {
      accountId: string;
      change: ProfileChange;
      actor: string;
    }): Promise<AccountProfile>;
    contactsOf(accountIds: readonly string[]): Promise<AccountContact[]>;
  };
  /** Where links in mails point, e.g. https://app.example.com */
  portalUrl: string;
  /**
   * Told inside the transaction that settles a gateway refund, when the gateway confirms it or it fails
   * (`settleRefund`, `failRefund`): lifecycle's refund obligations follow it (CM-LIF-20, QU-LIF-08).
   */
  onRefundSettled?: ((settlement: RefundSettlement) => Promise<void>) | undefined;
  /** VIES for EU VAT ids; `offlineVies` (nothing checked) unless configured. */
  vies?: ViesClient;
  /** KSeF submission, when configured: the client and the seller's NIP (the KSeF context). */
  ksef?: { client: KsefClient; sellerNip: string } | null;
};
