import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Policy } from '../../policy/index.ts';
import type { Notifications } from '../notifications/index.ts';

/** What every entrusted-data use case is built with. */
export type EntrustedDeps = {
  db: Database;
  eventLog: EventLog;
  ids: IdGenerator;
  /** The operator's own clock, for facts that belong to no account (the staff registry). */
  clock: Clock;
  /** The time of an account's clock (a test clock's frozen time, or the real time for null). */
  timeOf: (clockId: string | null) => Promise<Date>;
  /** The account's clock and the policy its contract is under; throws when there is no such account. */
  accountOf: (accountId: string) => Promise<{ clockId: string | null; policy: Policy }>;
  /** Mails into the outbox, in the caller's transaction (compliance notices, restriction notices). */
  notifications: Notifications;
  /** Where the customer's notices go: its owners' and admins' addresses and language. */
  contactsOf: (
    accountIds: readonly string[],
  ) => Promise<{ accountId: string; email: string; locale: 'pl' | 'en' }[]>;
  /** When the account's contract was concluded and ended (null: not yet), for its processing agreement. */
  contractOf: (accountId: string) => Promise<{ concludedAt: Date | null; endedAt: Date | null }>;
  /** The history of the customer's switches of an integration, oldest first (CM-PRC-08). */
  integrationSwitches: (accountId: string, integration: string) => Promise<{ on: boolean; at: Date }[]>;
};

/** The account's policy and its clock's time now. */
export async function accountNow(
  deps: EntrustedDeps,
  accountId: string,
): Promise<{ policy: Policy; now: Date; clockId: string | null }> {
  const { clockId, policy } = await deps.accountOf(accountId);
  return { policy, clockId, now: await deps.timeOf(clockId) };
}
