import { localDateOf, startOfDay } from '../../platform/calendar.ts';
import type { DueItem, ScheduleRequest } from '../../platform/due-work/due-work.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import { formatMoney, money, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import type { BillingDeps } from './billing-context.ts';
import type { SubscriptionRow } from './billing-store.ts';
import { decideInvoiceVat, invoiceGross } from './invoice-rules.ts';
import { buyerOf, planName } from './issue-invoice.ts';
import { decideReminder, REMINDER, reminderDueAt } from './reminder-rules.ts';
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
 * amount due to renew (the customer's own net price plus the VAT its invoice would carry today) and the
 * renewal deadline (the period's last day), with a `subscription.reminder_sent` event naming the clause.
 * Nothing is sent for a subscription that ended or is cancelled to its period's end, nor for a period that is
 * no longer the current one. Runs inside the sweep's transaction; the mail's dedupe key
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
    const events: NewEvent[] = [];
    const mails: NotificationRequest[] = [];
    for (const { item, subscriptionId, periodEnd } of refs) {
      const subscription = subscriptions.get(subscriptionId);
      if (!subscription) continue;
      const policy = deps.policyOf(subscription.policyVersionId);
      const decision = decideReminder(policy, subscription, periodEnd, item.firedAt);
      if (!decision.send) continue;
      const contact = contacts.get(subscription.accountId);
      const profile = await deps.accounts.profile(subscription.accountId);
      const vatIdValid = await vatIdStatusOf(deps.db, subscription.accountId, profile.taxId, profile.country);
      const { buyer, language } = buyerOf(profile, contact, vatIdValid);
      const today = localDateOf(item.firedAt, policy.locale.timeZone);
      const vat = decideInvoiceVat(policy, buyer, today, deps.vatRates, language);
      const gross = invoiceGross(
        [{ net: money(subscription.priceAmount, subscription.priceCurrency) }],
        vat,
        subscription.priceCurrency,
      );
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
