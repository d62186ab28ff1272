import { addDays, localDateOf, startOfDay } from '../../platform/calendar.ts';
import type { DueItem, ScheduleRequest } from '../../platform/due-work/due-work.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import { formatMoney, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import type { BillingDeps } from './billing-context.ts';
import type { SubscriptionRow } from './billing-store.ts';
import { decideInvoiceVat, invoiceGross } from './invoice-rules.ts';
import { buyerOf, planName } from './issue-invoice.ts';
import { nextPeriod } from './periods.ts';
import { decideReminder, REMINDER, reminderDueAt } from './reminder-rules.ts';
import { renewalLines } from './subscription-terms.ts';
import { vatIdStatusOf } from './vat-id-checks.ts';

/**
 * The reminder due for a subscription's current period (CM-BIL-10), keyed by the period's last day so each
 * period has its own; none where the policy sends no reminders or the reminder would fall before the period
 * starts (a period shorter than the lead time).
 */
export function reminderSchedule(policy: Policy, subscription: SubscriptionRow): ScheduleRequest[] {
  const dueAt = reminderDueAt(policy, subscription);
  if (dueAt === null) return [];
  if (dueAt.getTime() < startOfDay(subscription.currentPeriodFrom, policy.locale.timeZone).getTime())
    return [];
  return [
    {
      accountId: subscription.accountId,
      kind: REMINDER,
      ref: `${subscription.id}@${subscription.currentPeriodTo}`,
      dueAt,
      clockId: subscription.clockId,
    },
  ];
}

/**
 * Sends the reminders that fell due (CM-BIL-10): one mail per subscription and period stating the gross
 * amount due to renew (the renewal invoice's lines as they stand: the plan and price of the customer's price
 * schedule for the next period, the add-ons renewing with it and amounts left for the next invoice, plus the
 * VAT the invoice would carry today; nothing is marked billed) and the renewal deadline (the period's last
 * day), with a `subscription.reminder_sent` event naming the clause. Nothing is sent for a subscription that
 * ended or is cancelled to its period's end, for a period that is no longer the current one, nor while the
 * account's renewals are paused (suspended, soft-deleted, contract ended: lifecycle's `renewalsPaused`). Runs inside the sweep's transaction; the mail's dedupe key
 * (`billing.reminder:<subscription>:<period end>`) and the item's removal make a second run send nothing.
 */
export function sendReminders(deps: BillingDeps): (items: DueItem[]) => Promise<void> {
  return async (items) => {
    const refs = items.map((item) => {
      const at = item.ref.lastIndexOf('@');
      return { item, subscriptionId: item.ref.slice(0, at), periodEnd: item.ref.slice(at + 1) };
    });
    const subscriptions = new Map(
      (await deps.store.subscriptionsByIds([...new Set(refs.map((r) => r.subscriptionId))])).map((s) => [
        s.id,
        s,
      ]),
    );
    const contacts = new Map(
      (await deps.accounts.contactsOf([...new Set(items.map((i) => i.accountId))])).map((c) => [
        c.accountId,
        c,
      ]),
    );
    // Asked as of the renewal the reminder announces (the next period's first moment), so a suspension
    // starting with the next unpaid period stops the reminder too (CM-LIF-06: nothing is charged then).
    const renewals = refs.flatMap(({ item, subscriptionId }) => {
      const subscription = subscriptions.get(subscriptionId);
      if (!subscription) return [];
      const tz = deps.policyOf(subscription.policyVersionId).locale.timeZone;
      const renewsAt = startOfDay(addDays(subscription.currentPeriodTo, 1), tz);
      return [
        {
          accountId: item.accountId,
          firedAt: renewsAt.getTime() > item.firedAt.getTime() ? renewsAt : item.firedAt,
        },
      ];
    });
    const paused = (await deps.lifecycle.renewalsPaused?.(renewals)) ?? new Set<string>();
    const events: NewEvent[] = [];
    const mails: NotificationRequest[] = [];
    for (const { item, subscriptionId, periodEnd } of refs) {
      const subscription = subscriptions.get(subscriptionId);
      if (!subscription || paused.has(subscription.accountId)) continue;
      const policy = deps.policyOf(subscription.policyVersionId);
      const decision = decideReminder(policy, subscription, periodEnd, item.firedAt);
      if (!decision.send) continue;
      const contact = contacts.get(subscription.accountId);
      const profile = await deps.accounts.profile(subscription.accountId);
      const vatIdValid = await vatIdStatusOf(deps.db, subscription.accountId, profile.taxId, profile.country);
      const { buyer, language } = buyerOf(profile, contact, vatIdValid);
      const today = localDateOf(item.firedAt, policy.locale.timeZone);
      const vat = decideInvoiceVat(policy, buyer, today, deps.vatRates, language);
      const lines = await renewalLines(deps, {
        policy,
        subscription,
        period: nextPeriod(
          { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo },
          subscription.frequency,
        ),
        language,
        markBilled: false,
      });
      const gross = invoiceGross(lines, vat, subscription.priceCurrency);
      events.push({
        chainId: subscription.accountId,
        type: 'subscription.reminder_sent',
        clause: decision.because,
        actor: 'system',
        cause: `due:${REMINDER}`,
        occurredAt: item.firedAt,
        data: {
          subscription: subscription.id,
          periodEnd: decision.periodEnd,
          deadline: decision.deadline,
          gross: toDecimalString(gross),
          currency: gross.currency,
          mailed: contact !== undefined,
        },
      });
      if (contact)
        mails.push({
          accountId: subscription.accountId,
          recipient: contact.email,
          locale: contact.locale,
          template: 'billing.renewal_reminder',
          clause: decision.because,
          dedupeKey: `billing.reminder:${subscription.id}:${decision.periodEnd}`,
          occurredAt: item.firedAt,
          params: {
            planName: planName(policy, subscription.planCode, contact.locale),
            periodEnd: decision.periodEnd,
            amount: formatMoney(gross, contact.locale),
            deadline: decision.deadline,
            billingUrl: `${deps.portalUrl}/billing`,
          },
        });
    }
    await deps.eventLog.append(events);
    await deps.notifications.send(mails);
  };
}
