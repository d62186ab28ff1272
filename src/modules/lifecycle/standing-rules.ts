import { addDays, type LocalDate, startOfDay } from '../../platform/calendar.ts';
import type { Policy } from '../../policy/index.ts';
import { windowEndsAt } from './lifecycle-rules.ts';
import type { AccountState } from './lifecycle-schema.ts';

/**
 * What billing knows about an account's payments, as the non-payment rules need it (read by billing's
 * `paymentStandingOf`): the oldest open invoice's due date, and the last day of the last period paid when
 * the next one was not (its renewal declined, or it stopped without the customer cancelling).
 */
export type PaymentStanding = {
  accountId: string;
  /** Due date of the oldest invoice not fully paid, if it has one. */
  oldestOpenDueDate: LocalDate | null;
  /** The last day covered before the unpaid period, when a renewal failed or stopped; null when paid up. */
  unpaidPeriodEnd: LocalDate | null;
  /** The subscription's current period's last day (the end of the billing period), if it has one. */
  currentPeriodTo: LocalDate | null;
  currentPeriodFrom: LocalDate | null;
  /** The last day paid for; null without a subscription or before its first payment. */
  paidThrough: LocalDate | null;
  /** A subscription that is not `ended`: the account has a paid plan running or owed. */
  hasLiveSubscription: boolean;
  /** The card the subscription is charged to, valid through the last day of this month (CM-LIF-04). */
  cardValidThrough: LocalDate | null;
};

/**
 * The day non-payment is counted from (`dunning.overdueFrom`): an overdue invoice's due date (QU-LIF-01) or
 * the end of the last paid period (BK-LIF-01, CM-LIF-02). Null when nothing is owed.
 */
export function unpaidAnchorOf(policy: Policy, standing: PaymentStanding | undefined): LocalDate | null {
  if (!standing) return null;
  return policy.dunning.overdueFrom === 'invoice_due_date'
    ? standing.oldestOpenDueDate
    : standing.unpaidPeriodEnd;
}

export type LadderStep =
  | { kind: 'restrict' | 'block' | 'soft_delete' | 'hard_delete'; at: Date; because: string | null }
  | { kind: 'unpaid_warning' | 'may_terminate'; at: Date; because: string | null };

/**
 * The instant a rule "once overdue more than N days" fires for an unpaid day `anchor`: local midnight of
 * anchor + N + 1 (QU-LIF-01: due 2026-04-15, blocked from 2026-04-21 00:00, not on 2026-04-20).
 */
export function moreThanDaysAfter(anchor: LocalDate, days: number, timeZone: string): Date {
  return startOfDay(addDays(anchor, days + 1), timeZone);
}

/**
 * Every step the policy's non-payment rules take for an unpaid day `anchor`, in time order:
 * restrict (BK-LIF-01), block or expire (QU-LIF-01, CM-LIF-02), soft delete (QU-LIF-02), hard delete
 * (QU-LIF-03), and the provider's right to terminate with its warning (BK-LIF-02, A5). A written agreement
 * that waived this anchor (QU-LIF-02) removes the deletes.
 */
export function nonPaymentLadder(policy: Policy, anchor: LocalDate, waived: boolean): LadderStep[] {
  const { dunning } = policy;
  const tz = policy.locale.timeZone;
  const c = dunning.clauses;
  const steps: LadderStep[] = [];
  if (dunning.restrictAfterOverdueDays !== null)
    steps.push({
      kind: 'restrict',
      at: moreThanDaysAfter(anchor, dunning.restrictAfterOverdueDays, tz),
      because: c.restrict,
    });
  if (dunning.blockAfterOverdueDays !== null)
    steps.push({
      kind: 'block',
      at: moreThanDaysAfter(anchor, dunning.blockAfterOverdueDays, tz),
      because: c.block,
    });
  if (!waived && dunning.softDeleteAfterOverdueDays !== null)
    steps.push({
      kind: 'soft_delete',
      at: moreThanDaysAfter(anchor, dunning.softDeleteAfterOverdueDays, tz),
      because: c.softDelete,
    });
  if (!waived && dunning.hardDeleteAfterOverdueDays !== null)
    steps.push({
      kind: 'hard_delete',
      at: moreThanDaysAfter(anchor, dunning.hardDeleteAfterOverdueDays, tz),
      because: c.hardDelete,
    });
  if (dunning.unpaidDeleteAfterDays !== null) {
    const may = moreThanDaysAfter(anchor, dunning.unpaidDeleteAfterDays, tz);
    if (dunning.preDeleteWarningDays !== null)
      steps.push({
        kind: 'unpaid_warning',
        at: startOfDay(addDays(anchor, dunning.unpaidDeleteAfterDays + 1 - dunning.preDeleteWarningDays), tz),
        because: c.unpaidDelete,
      });
    steps.push({ kind: 'may_terminate', at: may, because: c.unpaidDelete });
  }
  return steps.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** States the non-payment rules move an account through, and out of when it pays. */
const ladderStates: ReadonlySet<AccountState> = new Set([
  'active',
  'past_due',
  'restricted',
  'blocked',
  'expired',
  'deleted',
  'suspended',
]);

const rank: Partial<Record<AccountState, number>> = {
  active: 0,
  past_due: 0,
  suspended: 0,
  restricted: 1,
  blocked: 2,
  expired: 2,
  deleted: 3,
  purged: 4,
};

export type StandingFacts = {
  state: AccountState;
  stateSince: Date;
  unpaidAnchor: LocalDate | null;
  waivedUnpaidAnchor: LocalDate | null;
  restorableUntil: Date | null;
};

export type StandingDecision = {
  /** The state to move to, or null to stay. */
  to: AccountState | null;
  because: string | null;
  /** The unpaid day the new state is owed to (null when lifted). */
  unpaidAnchor: LocalDate | null;
  /** For `expired`: the end of its restore window (CM-LIF-03). */
  restorableUntil: Date | null;
  /** For `purged` and the end of an expired window: the contract ends now. */
  endsContract: boolean;
  /** Markers that are not state changes (BK-LIF-02): due exactly at their time. */
  markers: LadderStep[];
  /** When time alone could change this answer next; null when nothing is pending. */
  recheckAt: Date | null;
};

/**
 * Where non-payment puts an account at `now`, given the unpaid day `anchor` (null: nothing owed).
 *
 * - Nothing owed: a state the non-payment rules caused is lifted to `active` at once where the policy says
 *   so (QU-LIF-01 "as soon as the full arrears are paid", BK-LIF-01, CM-LIF-03). A soft-deleted account is
 *   not: only staff with a written agreement restore it (QU-LIF-02).
 * - Owed: the furthest step of the ladder reached by `now` (each "more than N days" from the anchor), never
 *   a step back while the debt stands. A block with an expiry window makes the account `expired` for
 *   `restore.expiredDays` (CM-LIF-02), after which the contract ends and it is purged (CM-LIF-03). A
 *   suspended account whose reactivation charge failed expires (or is blocked) at once (CM-LIF-08).
 * - States the rules do not govern (a trial, a liquidation, an operator's block) are left alone.
 */
export function decideStanding(
  policy: Policy,
  current: StandingFacts,
  anchor: LocalDate | null,
  now: Date,
): StandingDecision {
  const stay: StandingDecision = {
    to: null,
    because: null,
    unpaidAnchor: current.unpaidAnchor,
    restorableUntil: current.restorableUntil,
    endsContract: false,
    markers: [],
    recheckAt: null,
  };
  if (!ladderStates.has(current.state)) return stay;
  const tz = policy.locale.timeZone;
  const caused = current.unpaidAnchor !== null;
  // A restriction or block someone else put on the account (an operator's, for misuse) is not the
  // non-payment rules' to change or lift.
  if (!caused && !['active', 'past_due', 'suspended'].includes(current.state)) return stay;

  if (current.state === 'expired' && caused && current.restorableUntil) {
    if (now.getTime() >= current.restorableUntil.getTime())
      return {
        ...stay,
        to: 'purged',
        because: policy.restore.clauses.expired ?? policy.dunning.clauses.block,
        endsContract: true,
      };
  }

  if (anchor === null) {
    if (caused && current.state !== 'deleted' && policy.dunning.restoreAccessOnFullPayment)
      return {
        ...stay,
        to: 'active',
        because: policy.dunning.clauses.restoreOnPayment,
        unpaidAnchor: null,
        restorableUntil: null,
      };
    return stay;
  }

  const waived = current.waivedUnpaidAnchor === anchor;
  const ladder = nonPaymentLadder(policy, anchor, waived);
  const reached = ladder.filter((s) => s.at.getTime() <= now.getTime());
  const stateSteps = reached.filter((s) => s.kind !== 'unpaid_warning' && s.kind !== 'may_terminate');
  const next = ladder.find((s) => s.at.getTime() > now.getTime());
  const markers = reached.filter((s) => s.kind === 'unpaid_warning' || s.kind === 'may_terminate');
  const top = stateSteps.at(-1);
  let recheckAt = next?.at ?? null;
  if (current.state === 'expired' && current.restorableUntil)
    recheckAt = earlier(recheckAt, current.restorableUntil);
  if (!top) return { ...stay, markers, recheckAt };

  const target = stateOf(policy, top.kind, current.state);
  if (target === current.state || ((rank[target] ?? 0) <= (rank[current.state] ?? 0) && caused))
    return { ...stay, markers, recheckAt };
  const restorableUntil =
    target === 'expired' && policy.restore.expiredDays !== null
      ? windowEndsAt(now, policy.restore.expiredDays, tz)
      : null;
  const because =
    current.state === 'suspended' && policy.suspension ? policy.suspension.clauses.failure : top.because;
  return {
    to: target,
    because,
    unpaidAnchor: anchor,
    restorableUntil,
    endsContract: target === 'purged',
    markers,
    recheckAt: restorableUntil ? earlier(recheckAt, restorableUntil) : recheckAt,
  };
}

function stateOf(policy: Policy, kind: LadderStep['kind'], from: AccountState): AccountState {
  if (from === 'suspended' && policy.suspension)
    return policy.suspension.onReactivationFailure === 'expire' && policy.restore.expiredDays !== null
      ? 'expired'
      : 'blocked';
  switch (kind) {
    case 'restrict':
      return 'restricted';
    case 'block':
      return policy.restore.expiredDays !== null ? 'expired' : 'blocked';
    case 'soft_delete':
      return 'deleted';
    default:
      return 'purged';
  }
}

function earlier(a: Date | null, b: Date): Date {
  return a && a.getTime() < b.getTime() ? a : b;
}

/**
 * Whether the provider may now terminate an account for non-payment (BK-LIF-02, A5): more than
 * `unpaidDeleteAfterDays` unpaid, and the warning mail went out at least `preDeleteWarningDays` before.
 */
export function mayTerminateForNonPayment(
  policy: Policy,
  anchor: LocalDate | null,
  warnedAt: Date | null,
  now: Date,
): { allowed: true; because: string | null } | { allowed: false; reason: string; from: Date | null } {
  const { dunning } = policy;
  if (dunning.unpaidDeleteAfterDays === null) return { allowed: false, reason: 'no_such_rule', from: null };
  if (anchor === null) return { allowed: false, reason: 'nothing_unpaid', from: null };
  const from = moreThanDaysAfter(anchor, dunning.unpaidDeleteAfterDays, policy.locale.timeZone);
  if (now.getTime() < from.getTime()) return { allowed: false, reason: 'too_early', from };
  if (dunning.preDeleteWarningDays !== null) {
    const latestWarning = startOfDay(
      addDays(anchor, dunning.unpaidDeleteAfterDays + 1 - dunning.preDeleteWarningDays),
      policy.locale.timeZone,
    );
    if (!warnedAt || warnedAt.getTime() > latestWarning.getTime())
      return { allowed: false, reason: 'not_warned', from };
  }
  return { allowed: true, because: dunning.clauses.unpaidDelete };
}
