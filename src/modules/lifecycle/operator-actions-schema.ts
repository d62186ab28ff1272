import { bigint, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { instant, localDay } from '../../platform/db/columns.ts';

const day = localDay;

export type OperatorActionStatus = 'in_force' | 'lifted' | 'pending' | 'effective';

/**
 * What the operator did to an account on a ground from the terms' closed list (CM-LIF-15..18, QU-LIF-04/06,
 * BK-LIF-03/04): a restriction of the account or of one resource, a block with its clarification window, or a
 * termination with the time it takes effect. The reason text and the evidence references stay here (they may
 * name people); the event log gets ids, codes and dates only.
 */
export const operatorActions = pgTable(
  'operator_actions',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    action: text('action').$type<'restrict' | 'block' | 'terminate'>().notNull(),
    ground: text('ground').notNull(),
    clause: text('clause').notNull(),
    reason: text('reason').notNull(),
    /** References to the evidence (ticket ids, report URLs, file hashes). */
    evidence: jsonb('evidence').$type<string[]>().notNull(),
    actor: text('actor').notNull(),
    /** Restrictions and blocks: `account`, or the kind of resource (`conference`, `content`). */
    scope: text('scope'),
    resourceId: text('resource_id'),
    /** An account-level restriction: what access remains. */
    access: text('access').$type<'restricted' | 'none'>(),
    status: text('status').$type<OperatorActionStatus>().notNull(),
    /** Terminations: when the contract ends, and how that time was found. */
    effectiveAt: instant('effective_at'),
    effectiveBasis: text('effective_basis'),
    /** Blocks (BK-LIF-03): from when the operator may terminate an unclarified block. */
    terminableFrom: instant('terminable_from'),
    liftedAt: instant('lifted_at'),
    liftedBy: text('lifted_by'),
    liftReason: text('lift_reason'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('operator_actions_account_idx').on(t.accountId, t.status)],
);

/**
 * Customers refused future service (CM-LIF-15, CM-ACC-05): matched on tax id or e-mail; a new sign-up that
 * matches is held for review.
 */
export const refusalList = pgTable(
  'refusal_list',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    taxId: text('tax_id'),
    email: text('email'),
    actionId: text('action_id').notNull(),
    ground: text('ground').notNull(),
    listedAt: instant('listed_at').notNull(),
  },
  (t) => [index('refusal_list_tax_id_idx').on(t.taxId), index('refusal_list_email_idx').on(t.email)],
);

/**
 * A customer's statement of withdrawal (CM-LIF-19/20, QU-LIF-08): when it was sent and received, the window
 * it was checked against, and the provider's refund deadline. At most one per account.
 */
export const withdrawals = pgTable(
  'withdrawals',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    channel: text('channel').notNull(),
    /** `no_reason`, or `non_conformity` (a material defect, CM-LIF-20/21). */
    statedGround: text('stated_ground').notNull(),
    sentAt: instant('sent_at').notNull(),
    receivedAt: instant('received_at').notNull(),
    countsFrom: day('counts_from').notNull(),
    lastDay: day('last_day').notNull(),
    nominalLastDay: day('nominal_last_day').notNull(),
    refundDueBy: day('refund_due_by').notNull(),
    actor: text('actor').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [uniqueIndex('withdrawals_account_idx').on(t.accountId)],
);

/**
 * Money the operator owes back because of a withdrawal or a termination, one row per payment: refunded at
 * once through the gateway that took a card payment (`refund_id`), or due by transfer by `due_by` and
 * recorded when the operator has sent it (`reference`, `refunded_at`), so when each refund happened is evidenced.
 */
export const refundObligations = pgTable(
  'refund_obligations',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    sourceKind: text('source_kind').$type<'withdrawal' | 'termination'>().notNull(),
    sourceId: text('source_id').notNull(),
    paymentId: text('payment_id').notNull(),
    reason: text('reason').notNull(),
    amount: bigint('amount', { mode: 'bigint' }).notNull(),
    currency: text('currency').notNull(),
    dueBy: day('due_by').notNull(),
    method: text('method').$type<'gateway' | 'transfer'>().notNull(),
    /**
     * `due`: to be refunded (by transfer, or again after a gateway refund failed: `failure`); `pending`: sent to
     * the gateway, not confirmed yet (not met); `refunded`: the transfer was sent or the gateway confirmed it.
     */
    status: text('status').$type<'due' | 'pending' | 'refunded'>().notNull(),
    /** The billing refund (with its correcting invoice) for a gateway refund. */
    refundId: text('refund_id'),
    /** The bank reference of a refund sent by transfer. */
    reference: text('reference'),
    refundedAt: instant('refunded_at'),
    /** Why the gateway's refund failed (the obligation is due again), for staff; null otherwise. */
    failure: text('failure'),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('refund_obligations_payment_idx').on(t.sourceId, t.paymentId),
    index('refund_obligations_account_idx').on(t.accountId),
  ],
);

/**
 * Unavailability of a function the terms watch (CM-LIF-21: logging in, conference rooms), as the operator's
 * monitoring reports it per account; material-defect periods are derived from these.
 */
export const functionOutages = pgTable(
  'function_outages',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    function: text('function').notNull(),
    fromAt: instant('from_at').notNull(),
    toAt: instant('to_at').notNull(),
    reportedBy: text('reported_by').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (t) => [index('function_outages_account_idx').on(t.accountId, t.fromAt)],
);
