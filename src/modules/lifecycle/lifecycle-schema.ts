import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';

/** Where each account stands in its life: its state, its plan, and the dates the rules count from. */
export const accountStates = pgTable(
  'account_states',
  {
    accountId: text('account_id').primaryKey(),
    /** The policy version the account's contract is under (changed terms reach it only when they take effect). */
    policyVersionId: text('policy_version_id').notNull(),
    /** The test clock the account lives by; null for the real clock. */
    clockId: text('clock_id'),
    state: text('state').$type<AccountState>().notNull(),
    planCode: text('plan_code').notNull(),
    stateSince: instant('state_since').notNull(),
    trialEndsAt: instant('trial_ends_at'),
    freeEndsAt: instant('free_ends_at'),
    /** Bumped on every change, so caches can tell a stale entitlement from a fresh one. */
    changedAt: instant('changed_at').notNull(),
  },
  (t) => [index('account_states_state_idx').on(t.state)],
);

export const accountStatesList = [
  'pending_activation',
  'trial',
  'trial_ended',
  'free',
  'free_ended',
  'active',
  'past_due',
  'blocked',
  'suspended',
  'expired',
  'liquidated',
  'terminated',
  'deleted',
  'purged',
] as const;
export type AccountState = (typeof accountStatesList)[number];
