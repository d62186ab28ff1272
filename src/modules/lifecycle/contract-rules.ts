import { addDays, type LocalDate, localDateOf, startOfDay } from '../../platform/calendar.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountState } from './lifecycle-schema.ts';
import type { PaymentStanding } from './standing-rules.ts';

/** States in which the contract has ended: nothing more to cancel, suspend or charge. */
export const endedStates: ReadonlySet<AccountState> = new Set([
  'liquidated',
  'terminated',
  'deleted',
  'purged',
]);

/** States of an account that never paid for a plan: a free or trial contract (QU-LIF-07). */
const unpaidContractStates: ReadonlySet<AccountState> = new Set([
  'pending_activation',
  'trial',
  'trial_ended',
  'free',
  'free_ended',
]);

export type CancellationDecision =
  | {
      ok: true;
      /** When the contract ends: local midnight after `lastDay`, or the notice itself when immediate. */
      effectiveAt: Date;
      /** The last day the contract runs (the notice's day when immediate). */
      lastDay: LocalDate;
      immediate: boolean;
      because: string | null;
      /** The account is deleted with all its data when it takes effect (BK-LIF-05/06, MOC-LIF-01). */
      deletes: boolean;
    }
  | { ok: false; reason: 'already_ended' };

/**
 * When a customer's notice delivered at `deliveredAt` ends the contract.
 *
 * - A free or trial contract, or a paid one with no paid period running (suspended, expired, unpaid): at
 *   once, on delivery (QU-LIF-07; CM-LIF-10 a suspended account's support request as of its first message).
 * - A paid plan, `end_of_billing_period`: the last day of the billing period in which the notice was
 *   delivered (QU-LIF-05: monthly notice on 2026-05-20 → ends 2026-05-31; CM-LIF-09: paid through
 *   2026-02-28, cancelled 2026-02-10 → liquidated from 2026-03-01). A period already invoiced ahead does not
 *   count: the notice falls in the one before it.
 * - `end_of_prepaid_period`: at the end of the prepaid period when one runs, otherwise at once (BK-LIF-05).
 * - `immediate`: at once (MOC-LIF-01).
 */
export function decideCancellation(
  policy: Policy,
  facts: { state: AccountState; standing: PaymentStanding | undefined },
  deliveredAt: Date,
): CancellationDecision {
  const { termination } = policy;
  const tz = policy.locale.timeZone;
  if (endedStates.has(facts.state)) return { ok: false, reason: 'already_ended' };
  const today = localDateOf(deliveredAt, tz);
  const deletes = termination.customerEndDeletesAccount;
  const now = (because: string | null): CancellationDecision => ({
    ok: true,
    effectiveAt: deliveredAt,
    lastDay: today,
    immediate: true,
    because,
    deletes,
  });
  const at = (lastDay: LocalDate, because: string | null): CancellationDecision => ({
    ok: true,
    effectiveAt: startOfDay(addDays(lastDay, 1), tz),
    lastDay,
    immediate: false,
    because,
    deletes,
  });
  const s = facts.standing;
  const paid = termination.clauses.customerPaid;
  if (unpaidContractStates.has(facts.state) || !s?.hasLiveSubscription)
    return termination.customerFreeEffective === 'immediate' || !s?.currentPeriodTo
      ? now(termination.clauses.customerFree ?? paid)
      : at(s.currentPeriodTo, termination.clauses.customerFree ?? paid);
  if (facts.state === 'suspended' || facts.state === 'expired') return now(paid);
  switch (termination.customerPaidEffective) {
    case 'immediate':
      return now(paid);
    case 'end_of_prepaid_period':
      return s.paidThrough && s.paidThrough >= today ? at(s.paidThrough, paid) : now(paid);
    case 'end_of_billing_period': {
      if (!s.currentPeriodFrom || !s.currentPeriodTo) return now(paid);
      if (today > s.currentPeriodTo) return now(paid);
      if (today < s.currentPeriodFrom) return at(addDays(s.currentPeriodFrom, -1), paid);
      return at(s.currentPeriodTo, paid);
    }
  }
}

export type SuspensionDecision =
  | { ok: true; startsOn: LocalDate; reactivateOn: LocalDate; limitedByCard: boolean; because: string }
  | { ok: false; reason: 'not_offered' | 'not_active' | 'no_paid_period' | 'card_expires_first' };

/**
 * A customer's suspension asked for at `now` (CM-LIF-04, CM-LIF-05, CM-LIF-07): it starts on the first day
 * of the next unpaid period (full access until then), lasts at most `maxDays` (reactivation and its charge
 * on start + maxDays, the last allowed day: from 2026-03-16 → 2026-06-14), and never past the card's expiry
 * (card valid through 05/2026 → reactivation on 2026-05-31).
 */
export function decideSuspension(
  policy: Policy,
  facts: { state: AccountState; standing: PaymentStanding | undefined },
  now: Date,
): SuspensionDecision {
  const suspension = policy.suspension;
  if (!suspension) return { ok: false, reason: 'not_offered' };
  if (facts.state !== 'active') return { ok: false, reason: 'not_active' };
  const s = facts.standing;
  if (!s?.hasLiveSubscription || !s.paidThrough) return { ok: false, reason: 'no_paid_period' };
  const today = localDateOf(now, policy.locale.timeZone);
  const startsOn =
    suspension.startsAt === 'immediately' ? today : addDays(s.paidThrough > today ? s.paidThrough : today, 1);
  const full = addDays(startsOn, suspension.maxDays);
  const card = suspension.notPastCardExpiry ? s.cardValidThrough : null;
  if (card !== null && card < startsOn) return { ok: false, reason: 'card_expires_first' };
  const limitedByCard = card !== null && card < full;
  return {
    ok: true,
    startsOn,
    reactivateOn: limitedByCard ? card : full,
    limitedByCard,
    because: limitedByCard ? suspension.clauses.length : suspension.clauses.start,
  };
}

export type RestoreRoute =
  | { ok: true; route: 'pay' | 'review' | 'written_agreement'; because: string | null }
  | { ok: false; reason: 'not_restorable' | 'window_closed' };

/**
 * How an ended or expired account may come back at `now`:
 * - expired, inside its window: by paying the next period (CM-LIF-03);
 * - liquidated by the customer, inside its window: by paying the next period (CM-LIF-13);
 * - terminated by the operator, inside the window: only after the operator's review, which may refuse
 *   (CM-LIF-14), then by paying;
 * - soft-deleted for non-payment: only by staff with a written agreement (QU-LIF-02);
 * - purged, or a window that has closed: never (CM-LIF-13 "deleted for good", QU-LIF-03).
 */
export function decideRestore(
  policy: Policy,
  facts: { state: AccountState; restorableUntil: Date | null; terminatedByOperator: boolean },
  now: Date,
): RestoreRoute {
  const { restore } = policy;
  switch (facts.state) {
    case 'expired':
    case 'liquidated':
    case 'terminated': {
      if (!facts.restorableUntil) return { ok: false, reason: 'not_restorable' };
      if (now.getTime() >= facts.restorableUntil.getTime()) return { ok: false, reason: 'window_closed' };
      const because = facts.state === 'expired' ? restore.clauses.expired : restore.clauses.liquidated;
      if (facts.terminatedByOperator && restore.providerMayRefuse)
        return { ok: true, route: 'review', because: restore.clauses.refusal ?? because };
      return { ok: true, route: 'pay', because };
    }
    case 'deleted':
      return restore.writtenAgreementWindow
        ? { ok: true, route: 'written_agreement', because: restore.clauses.writtenAgreement }
        : { ok: false, reason: 'not_restorable' };
    case 'purged':
      return { ok: false, reason: 'window_closed' };
    default:
      return { ok: false, reason: 'not_restorable' };
  }
}
