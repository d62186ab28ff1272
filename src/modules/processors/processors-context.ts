import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueWork } from '../../platform/due-work/due-work.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Policy } from '../../policy/index.ts';
import type { Notifications } from '../notifications/index.ts';

/** A customer in contract, as lifecycle tells it: its clock and the policy version its contract is under. */
export type CustomerFacts = { accountId: string; clockId: string | null; policyVersionId: string };

/** The owner's address and language, as accounts tells it. */
export type CustomerContact = { accountId: string; email: string; locale: 'pl' | 'en'; companyName: string };

/** What every use case of the processors module is built with. */
export type ProcessorsDeps = {
  db: Database;
  eventLog: EventLog;
  dueWork: DueWork;
  notifications: Notifications;
  ids: IdGenerator;
  /** The operator's own clock, for facts that belong to no account (the registry itself). */
  clock: Clock;
  timeOf: (clockId: string | null) => Promise<Date>;
  policyOf: (versionId: string) => Policy;
  current: () => { policy: Policy; versionId: string };
  /** One account's facts; throws when there is no such account. */
  customerOf: (accountId: string) => Promise<CustomerFacts>;
  /** Every customer whose contract runs (not ended). */
  customersInContract: () => Promise<CustomerFacts[]>;
  contactsOf: (accountIds: readonly string[]) => Promise<CustomerContact[]>;
  portalUrl: string;
};

/** The chain of operator-wide registry events. */
export const REGISTRY_CHAIN = 'sub_processors';
