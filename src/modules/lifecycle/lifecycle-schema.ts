import { bigint, index, integer, jsonb, pgSequence, pgTable, text } from 'drizzle-orm/pg-core';
import { instant, localDay } from '../../platform/db/columns.ts';

const day = localDay;

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
    /**
     * When the contract ended (liquidation, termination, the end of an expired account's window, deletion):
     * the fact retention periods count from (QU-LIF-09, MOC-LIF-02). Null while it runs.
     */
    contractEndedAt: instant('contract_ended_at'),
    /** The end of the window in which an expired, liquidated or terminated account can be restored (CM-LIF-03/13). */
    restorableUntil: instant('restorable_until'),
    /**
     * The unpaid day a written agreement waived (QU-LIF-02): the soft and hard deletes no longer count from it.
     * Null otherwise.
     */
    waivedUnpaidAnchor: day('waived_unpaid_anchor'),
    /**
     * The unpaid day (an invoice's due date, or the last paid day) that non-payment rules moved this account
     * from; null when its state is not a non-payment one. Only such a state is lifted by paying.
     */
    unpaidAnchor: day('unpaid_anchor'),
  },
  (t) => [index('account_states_state_idx').on(t.state)],
);

/**
 * A customer's cancellation (termination by notice): when it was asked for (for a support request, the
 * first message, CM-LIF-10), when it takes effect, and the confirmation mail that completes it (CM-LIF-11).
 * Its completion is read from that mail's outbox row: `sent` with its message id and time, never assumed.
 */
export const accountCancellations = pgTable(
  'account_cancellations',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    channel: text('channel').$type<'self_service' | 'support_request'>().notNull(),
    /** When the notice was delivered: the request, or a support ticket's first message. */
    requestedAt: instant('requested_at').notNull(),
    /** When the contract ends: the end of the period, or the request itself. */
    effectiveAt: instant('effective_at').notNull(),
    /** The outbox message of the confirmation mail; null where the policy needs none and none could be sent. */
    confirmationMessageId: text('confirmation_message_id'),
    /** `scheduled` until it takes effect, then `effective`; `revoked` if restored before. */
    status: text('status').$type<'scheduled' | 'effective' | 'revoked'>().notNull(),
    actor: text('actor').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('account_cancellations_account_idx').on(t.accountId, t.createdAt)],
);

/**
 * A customer-initiated suspension (CM-LIF-04..08): from the first unpaid day for at most the policy's days,
 * never past the card's expiry; reactivated by the customer or on `reactivateOn` with a charge.
 */
export const accountSuspensions = pgTable(
  'account_suspensions',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    requestedAt: instant('requested_at').notNull(),
    startsOn: day('starts_on').notNull(),
    /** The day the automatic reactivation charges (the last allowed day, CM-LIF-07; the card's last, CM-LIF-04). */
    reactivateOn: day('reactivate_on').notNull(),
    status: text('status')
      .$type<'scheduled' | 'active' | 'reactivating' | 'reactivated' | 'expired' | 'cancelled'>()
      .notNull(),
    endedAt: instant('ended_at'),
    actor: text('actor').notNull(),
  },
  (t) => [index('account_suspensions_account_idx').on(t.accountId, t.requestedAt)],
);

/**
 * A request to restore an ended account (CM-LIF-03/13/14, QU-LIF-02): accepted ones wait for the next
 * period's payment; those of accounts the operator terminated, blocked or soft-deleted wait for a decision,
 * recorded with its reason (and, for QU-LIF-02, the written agreement's reference).
 */
export const restoreRequests = pgTable(
  'restore_requests',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    /** The account's state when asked. */
    fromState: text('from_state').notNull(),
    requestedAt: instant('requested_at').notNull(),
    status: text('status')
      .$type<'pending_review' | 'awaiting_payment' | 'restored' | 'refused' | 'lapsed'>()
      .notNull(),
    decidedAt: instant('decided_at'),
    decidedBy: text('decided_by'),
    /** The operator's reason for a decision (CM-LIF-14: every decision logged). */
    reason: text('reason'),
    /** The written agreement's reference (QU-LIF-02). */
    agreementRef: text('agreement_ref'),
    actor: text('actor').notNull(),
  },
  (t) => [index('restore_requests_status_idx').on(t.status, t.requestedAt)],
);

/**
 * An account deletion asked for and waiting for its confirmation (BK-LIF-06, MOC-LIF-01): the customer was
 * shown the warning and the export; only the token's hash is kept.
 */
export const deletionRequests = pgTable('deletion_requests', {
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull(),
  tokenHash: text('token_hash').notNull(),
  requestedAt: instant('requested_at').notNull(),
  expiresAt: instant('expires_at').notNull(),
  confirmedAt: instant('confirmed_at'),
  actor: text('actor').notNull(),
});

/**
 * The latest lifecycle row of each account (its `account_states` row as JSON), stamped with a number from
 * `account_state_journal_seq` each time it is written. Restoring a backup re-applies every entry numbered
 * after the backup's highest (from the live database and from newer backups), so a state reached after the
 * backup was taken (an ended contract, a purge, a deletion) never rolls back (see ARCHITECTURE.md, Backups).
 */
export const accountStateJournalSeq = pgSequence('account_state_journal_seq');

export const accountStateJournal = pgTable(
  'account_state_journal',
  {
    accountId: text('account_id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** The `account_states` row as written (ids, states, dates; no personal data). */
    row: jsonb('row').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('account_state_journal_seq_idx').on(t.seq)],
);

/**
 * A discontinuation of a feature (or, with `feature` null, of every feature of the service) the operator
 * announced (QU-LIF-10): the feature leaves every account's entitlements at local midnight of `effectiveOn`,
 * not a day earlier; export stays available through the day before.
 */
export const discontinuations = pgTable('discontinuations', {
  id: text('id').primaryKey(),
  feature: text('feature'),
  effectiveOn: day('effective_on').notNull(),
  /** The time zone `effectiveOn` is a day of (the policy's when announced). */
  timeZone: text('time_zone').notNull(),
  announcedAt: instant('announced_at').notNull(),
  clause: text('clause'),
  notified: integer('notified').notNull(),
  actor: text('actor').notNull(),
});

export const accountStatesList = [
  'pending_activation',
  'trial',
  'trial_ended',
  'free',
  'free_ended',
  'active',
  'past_due',
  'restricted',
  'blocked',
  'suspended',
  'expired',
  'liquidated',
  'terminated',
  'deleted',
  'purged',
] as const;
export type AccountState = (typeof accountStatesList)[number];
