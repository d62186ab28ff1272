import type { Database } from '../../platform/db/database.ts';
import type { DueWork } from '../../platform/due-work/due-work.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountProfile, ProfileChange } from '../accounts/index.ts';
import type { AccountContact, Lifecycle, PlanChanges } from '../lifecycle/index.ts';
import type { Notifications } from '../notifications/index.ts';
import type { BillingStore } from './billing-store.ts';
import type { PaymentProvider } from './payment-provider.ts';
import type { VatRateTable } from './vat/index.ts';

/** The due item that renews a subscription (ref: the subscription id). */
export const RENEW = 'billing.renew';

/** Invoice series and numbering: `FV/2026/03/0001`, restarting each month. */
export const INVOICE_SERIES = { series: 'FV', pattern: 'FV/{YYYY}/{MM}/{NNNN}' } as const;

/**
 * Accounts on a test clock get invoices of their own series (`TEST/FV/2026/03/0001`): sandbox invoices must
 * never take a number from the real, gapless series the tax office sees.
 */
export const SANDBOX_INVOICE_SERIES = { series: 'TEST/FV', pattern: 'TEST/FV/{YYYY}/{MM}/{NNNN}' } as const;

export function invoiceSeriesFor(clockId: string | null) {
  return clockId ? SANDBOX_INVOICE_SERIES : INVOICE_SERIES;
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
  vatRates: VatRateTable;
  /** The account's life: its state and plan, and switching a paid plan on. */
  lifecycle: Pick<Lifecycle, 'get' | 'load'> & Pick<PlanChanges, 'activatePaidPlan'>;
  /** The account's company data (the buyer), their recorded correction, and where to write to it. */
  accounts: {
    profile(accountId: string): Promise<AccountProfile>;
    updateProfile(input: {
      accountId: string;
      change: ProfileChange;
      actor: string;
    }): Promise<AccountProfile>;
    contactsOf(accountIds: readonly string[]): Promise<AccountContact[]>;
  };
  /** Where links in mails point, e.g. https://app.example.com */
  portalUrl: string;
};
