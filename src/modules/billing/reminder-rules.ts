import { addDays, type LocalDate, startOfDay } from '../../platform/calendar.ts';
import type { Policy } from '../../policy/index.ts';

/** The due item that reminds a customer before a period ends (ref: the subscription id). */
export const REMINDER = 'billing.reminder';

export type RemindedSubscription = {
  status: 'active' | 'past_due' | 'ended';
  currentPeriodTo: LocalDate;
  cancelAtPeriodEnd: boolean;
};

/**
 * When the reminder for a subscription's current period is sent: local midnight `renewalReminderLeadDays`
 * before the period's last day (CM-BIL-10: a plan ending 2026-06-30 with a lead of 7 days → 2026-06-23
 * 00:00). Null where the policy sends none.
 */
export function reminderDueAt(
  policy: Policy,
  subscription: Pick<RemindedSubscription, 'currentPeriodTo'>,
): Date | null {
  const lead = policy.billing.renewalReminderLeadDays;
  if (lead === null) return null;
  return startOfDay(addDays(subscription.currentPeriodTo, -lead), policy.locale.timeZone);
}

export type ReminderDecision =
  | { send: true; periodEnd: LocalDate; deadline: LocalDate; because: string | null }
  | { send: false; reason: 'no_reminders' | 'ended' | 'cancelled' | 'not_due' | 'period_moved' };

/**
 * Whether the reminder for the period ending `periodEnd` goes out at `now` (CM-BIL-10): not when the policy
 * sends none, the subscription ended or is cancelled to its period's end (nothing will renew), the period it
 * was meant for is no longer the current one (renewed or moved meanwhile), or it is not due yet. The renewal
 * deadline it states is the period's last day: the next period must be paid by then.
 */
export function decideReminder(
  policy: Policy,
  subscription: RemindedSubscription,
  periodEnd: LocalDate,
  now: Date,
): ReminderDecision {
  if (policy.billing.renewalReminderLeadDays === null) return { send: false, reason: 'no_reminders' };
  if (subscription.status === 'ended') return { send: false, reason: 'ended' };
  if (subscription.cancelAtPeriodEnd) return { send: false, reason: 'cancelled' };
  if (subscription.currentPeriodTo !== periodEnd) return { send: false, reason: 'period_moved' };
  const due = reminderDueAt(policy, subscription)!;
  if (now.getTime() < due.getTime()) return { send: false, reason: 'not_due' };
  return { send: true, periodEnd, deadline: periodEnd, because: policy.billing.clauses.reminder };
}
