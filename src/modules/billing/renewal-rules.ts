import { addDays, type LocalDate, startOfDay } from '../../platform/calendar.ts';
import type { Policy } from '../../policy/index.ts';
import { mayChargeAutomatically } from './card-rules.ts';
import { type Frequency, nextPeriod, type Period } from './periods.ts';

export type RenewingSubscription = {
  id: string;
  status: 'active' | 'past_due' | 'ended';
  frequency: Frequency;
  currentPeriodFrom: LocalDate;
  currentPeriodTo: LocalDate;
  cancelAtPeriodEnd: boolean;
};

/**
 * When a subscription's next period is acted on, in the policy's time zone:
 * - paid first (`after_payment`): at local midnight after the period's last day, the day the next period
 *   starts, charged at its start and never in arrears (CM-BIL-01: period 2026-03-15..2026-04-14 → charged
 *   on 2026-04-15 00:00);
 * - invoiced with terms: `renewalInvoiceLeadDays` before the next period starts (QU-BIL-05: period ending
 *   2026-06-14 → invoiced on 2026-06-01; QU-BIL-06: monthly on the 1st of the service month).
 */
export function renewalDueAt(
  policy: Policy,
  subscription: Pick<RenewingSubscription, 'currentPeriodTo' | 'frequency'>,
): Date {
  const { billing, locale } = policy;
  const nextFrom = addDays(subscription.currentPeriodTo, 1);
  const lead =
    billing.invoiceTiming === 'ahead_with_terms'
      ? (billing.renewalInvoiceLeadDays?.[subscription.frequency] ?? 0)
      : 0;
  return startOfDay(addDays(nextFrom, -lead), locale.timeZone);
}

/** The idempotency key of the `attempt`-th charge for the period starting `periodFrom`. */
export function renewalKey(subscriptionId: string, periodFrom: LocalDate, attempt: number): string {
  const base = `renew:${subscriptionId}:${periodFrom}`;
  return attempt <= 1 ? base : `${base}:${attempt}`;
}

export type RenewalDecision =
  /** Nothing to do now: not due yet (or already renewed, which moved the due time on), or over. */
  | { action: 'wait'; reason: 'not_due' | 'ended' | 'retries_exhausted' }
  /** Charge the saved card for `period` without the customer, under `idempotencyKey`. */
  | { action: 'charge'; period: Period; attempt: number; idempotencyKey: string; because: string | null }
  /** Issue the invoice for `period` with payment terms (QU-BIL-04/05/06). */
  | { action: 'invoice'; period: Period; because: string | null }
  /** Do not renew: cancelled to the period's end, or no consent to charge automatically (CM-BIL-02). */
  | {
      action: 'stop';
      period: Period;
      reason: 'cancelled' | 'no_recurring_consent' | 'no_auto_renewal';
      because: string | null;
    };

/**
 * What a subscription's renewal does at `now`, asked again each time its due item fires.
 *
 * A card subscription renews by charging the saved card, and only while the customer's consent to automatic
 * charges stands: without it (never given, or withdrawn, CM-BIL-02; Bookero's renewals are automatic only
 * with Stripe recurring payments, BK-BIL-05) nothing is charged and the subscription ends with its paid
 * period. A declined charge is retried `renewalRetryDays` after the period's start (each try its own
 * idempotency key); after the last, nothing more is tried and the account's fate is the lifecycle's.
 * A subscription invoiced with terms renews by its invoice where the policy auto-renews (QU-BIL-04).
 * A subscription cancelled to the period's end is not renewed.
 */
export function decideRenewal(
  policy: Policy,
  facts: {
    subscription: RenewingSubscription;
    method: { recurringConsentAt: Date | null; consentWithdrawnAt: Date | null } | null;
    /** Declined charges so far for the next period. */
    failedAttempts: number;
  },
  now: Date,
): RenewalDecision {
  const { subscription, method, failedAttempts } = facts;
  const { billing } = policy;
  if (subscription.status === 'ended') return { action: 'wait', reason: 'ended' };
  if (now.getTime() < renewalDueAt(policy, subscription).getTime())
    return { action: 'wait', reason: 'not_due' };
  const period = nextPeriod(
    { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo },
    subscription.frequency,
  );
  if (subscription.cancelAtPeriodEnd) return { action: 'stop', period, reason: 'cancelled', because: null };
  if (billing.invoiceTiming === 'ahead_with_terms') {
    return billing.autoRenew
      ? { action: 'invoice', period, because: billing.clauses.renewal }
      : { action: 'stop', period, reason: 'no_auto_renewal', because: billing.clauses.renewal };
  }
  if (!method || !mayChargeAutomatically(method, now))
    return {
      action: 'stop',
      period,
      reason: 'no_recurring_consent',
      because: billing.clauses.recurringConsent ?? billing.clauses.renewal,
    };
  if (failedAttempts > billing.renewalRetryDays.length)
    return { action: 'wait', reason: 'retries_exhausted' };
  const attempt = failedAttempts + 1;
  return {
    action: 'charge',
    period,
    attempt,
    idempotencyKey: renewalKey(subscription.id, period.from, attempt),
    because: billing.clauses.renewal,
  };
}

/**
 * When to try again after the `failedAttempts`-th declined charge for the period starting `periodFrom`:
 * local midnight `renewalRetryDays[failedAttempts − 1]` days after that day, or null after the last retry.
 * The presets' `[1, 3, 5]` is a documented default (the seeds are silent): tries on the period's first day
 * and 1, 3 and 5 days later.
 */
export function retryAt(policy: Policy, periodFrom: LocalDate, failedAttempts: number): Date | null {
  const offset = policy.billing.renewalRetryDays[failedAttempts - 1];
  return offset === undefined ? null : startOfDay(addDays(periodFrom, offset), policy.locale.timeZone);
}
