import { addDays, addMonths, addYears, type LocalDate } from '../../platform/calendar.ts';
import type { DueItem } from '../../platform/due-work/due-work.ts';
import { toDecimalString } from '../../platform/money.ts';
import { billPurchase } from './bill-purchase.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';
import { subscriptionLineText } from './invoice-rules.ts';
import { planName } from './issue-invoice.ts';
import { type Frequency, type Period, periodDays, prorate } from './periods.ts';
import { makePlanChangesStore } from './plan-changes-store.ts';
import { renewalDueAt } from './renewal-rules.ts';
import { termsAt } from './subscription-terms.ts';

/**
 * Due item: just before the renewal that would start the period the contract's last day falls in (or the one
 * after it), that renewal is replaced: the last, shortened period invoiced pro rata, or nothing (ref:
 * `<subscription>|<last day>`).
 */
export const FINAL_PERIOD = 'billing.final_period';

const next = (p: Period, frequency: Frequency): Period => {
  const from = addDays(p.to, 1);
  return { from, to: addDays(frequency === 'annual' ? addYears(from, 1) : addMonths(from, 1), -1) };
};
const previous = (p: Period, frequency: Frequency): Period => {
  const from = frequency === 'annual' ? addYears(p.from, -1) : addMonths(p.from, -1);
  return { from, to: addDays(p.from, -1) };
};

/** The billing period of a subscription on `period`'s cycle that `day` falls in. Pure. */
export function periodContaining(period: Period, frequency: Frequency, day: LocalDate): Period {
  let p = period;
  while (p.to < day) p = next(p, frequency);
  while (p.from > day) p = previous(p, frequency);
  return p;
}

/**
 * The last day of a paid contract after the provider's notice delivered on `deliveredOn` (QU-LIF-05, art.
 * 12.1–12.2): the last day of the billing period the notice was delivered in, but never earlier than
 * `minDays` after delivery (delivered 2026-05-20 in May → not 05-31 but 2026-06-19). `period` is any period
 * of the subscription's cycle (its current one, possibly invoiced ahead). Pure.
 */
export function providerNoticeEnd(input: {
  period: Period;
  frequency: Frequency;
  deliveredOn: LocalDate;
  minDays: number;
}): LocalDate {
  const { to } = periodContaining(input.period, input.frequency, input.deliveredOn);
  const earliest = addDays(input.deliveredOn, input.minDays);
  return earliest > to ? earliest : to;
}

/**
 * The billing side of a provider's notice on a paid plan (QU-LIF-05), inside the caller's transaction: the
 * contract's last day (`providerNoticeEnd`) and what billing does about it. Periods wholly before it renew
 * and are invoiced as usual. Just before the renewal that would start the period the last day falls in, a
 * `billing.final_period` due item replaces it: that period is invoiced only up to the last day, pro rata
 * (Quanda invoices each month on its 1st, art. 8.4, so a notice delivered on 2026-05-20 is followed by a June
 * invoice for 06-01..06-19, 19/30); a last day that ends a period replaces the renewal after it with nothing.
 * A last day inside a period already invoiced in full (an annual period invoiced ahead, QU-BIL-05) is put on
 * record (`overInvoicedFrom`..`overInvoicedTo`) for staff to correct; it is not corrected automatically. Event `subscription.ending`
 * with the clause. Returns the last day; null without a live subscription.
 */
export async function endAfterProviderNotice(
  deps: BillingDeps,
  input: {
    accountId: string;
    deliveredOn: LocalDate;
    minDays: number;
    clause: string | null;
    at: Date;
    actor: string;
    cause: string;
  },
): Promise<{ lastDay: LocalDate; finalPeriod: Period | null } | null> {
  const subscription = await deps.store.liveSubscription(input.accountId, true);
  if (!subscription || subscription.status === 'ended') return null;
  const [life] = await deps.lifecycle.load([input.accountId]);
  const policy = deps.policyOf(life!.policyVersionId);
  const current = { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo };
  const lastDay = providerNoticeEnd({
    period: current,
    frequency: subscription.frequency,
    deliveredOn: input.deliveredOn,
    minDays: input.minDays,
  });
  const last = periodContaining(current, subscription.frequency, lastDay);
  const finalPeriod = lastDay > current.to && lastDay < last.to ? { from: last.from, to: lastDay } : null;
  if (lastDay <= current.to) {
    // Nothing renews any more: the current period (invoiced) is the last.
    await deps.dueWork.cancel(input.accountId, RENEW, subscription.id);
    await deps.store.updateSubscription(subscription.id, { cancelAtPeriodEnd: true, updatedAt: input.at });
  } else {
    // The renewal replaced: the one starting the last, shortened period, or the one after a last day that
    // ends a period. One millisecond before it, so it runs first.
    const before = finalPeriod ? addDays(last.from, -1) : last.to;
    const renewalAt = renewalDueAt(policy, { currentPeriodTo: before, frequency: subscription.frequency });
    const dueAt = new Date(renewalAt.getTime() - 1);
    await deps.dueWork.schedule([
      {
        accountId: input.accountId,
        kind: FINAL_PERIOD,
        ref: `${subscription.id}|${lastDay}`,
        dueAt: dueAt.getTime() > input.at.getTime() ? dueAt : input.at,
        clockId: subscription.clockId,
      },
    ]);
  }
  await deps.eventLog.append([
    {
      chainId: input.accountId,
      type: 'subscription.ending',
      clause: input.clause,
      actor: input.actor,
      cause: input.cause,
      occurredAt: input.at,
      data: {
        subscription: subscription.id,
        deliveredOn: input.deliveredOn,
        lastDay,
        currentPeriodTo: current.to,
        finalPeriodFrom: finalPeriod?.from ?? null,
        finalPeriodTo: finalPeriod?.to ?? null,
        overInvoicedFrom: lastDay < current.to ? addDays(lastDay, 1) : null,
        overInvoicedTo: lastDay < current.to ? current.to : null,
      },
    },
  ]);
  return { lastDay, finalPeriod };
}

/**
 * `billing.final_period`: the shortened last period invoiced like any other, with the policy's terms, for its
 * days only: the price in force that day × days ÷ the whole period's days (the policy's day count; QU-LIF-05:
 * 2026-06-01..06-19 of June → 19/30). The subscription's period becomes that one; nothing renews after it.
 */
export function invoiceFinalPeriods(deps: BillingDeps) {
  return async (items: DueItem[]): Promise<void> => {
    for (const item of items) {
      const [subscriptionId, lastDay] = item.ref.split('|') as [string, LocalDate];
      const [subscription] = await deps.store.subscriptionsByIds([subscriptionId], true);
      if (!subscription || subscription.status === 'ended') continue;
      // The renewal this replaces is not attempted; nothing renews after the last day.
      await deps.dueWork.cancel(subscription.accountId, RENEW, subscription.id);
      await deps.store.updateSubscription(subscription.id, {
        cancelAtPeriodEnd: true,
        updatedAt: item.firedAt,
      });
      if (subscription.currentPeriodTo >= lastDay) continue;
      const [life] = await deps.lifecycle.load([subscription.accountId], true);
      if (!life) continue;
      const policy = deps.policyOf(life.policyVersionId);
      const from = addDays(subscription.currentPeriodTo, 1);
      const period = { from, to: lastDay };
      const whole = next(
        { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo },
        subscription.frequency,
      );
      // Invoiced when the replaced renewal would have been (it was due a millisecond later).
      const now = new Date(Math.max(item.firedAt.getTime(), item.dueAt.getTime() + 1));
      const schedule = await makePlanChangesStore(deps.db).scheduleOf([subscription.id]);
      const terms = termsAt(subscription, schedule, from);
      const days = periodDays(period);
      const net = prorate(
        terms.price,
        days,
        whole,
        subscription.frequency,
        policy.billing.dayCount,
        'half_up',
      );
      const [contact] = await deps.accounts.contactsOf([subscription.accountId]);
      const language = contact?.locale ?? 'pl';
      const clause = policy.termination.clauses.providerNotice;
      const billed = await billPurchase(deps, {
        // Invoiced, never charged here: a card policy's charge is the ordinary renewal's, not this one's.
        policy: { ...policy, billing: { ...policy.billing, invoiceTiming: 'ahead_with_terms' } },
        accountId: subscription.accountId,
        clockId: subscription.clockId,
        subscriptionId: subscription.id,
        method: null,
        items: [
          {
            description: subscriptionLineText(
              planName(policy, terms.planCode, language),
              subscription.frequency,
              period,
              language,
            ),
            net,
          },
        ],
        period,
        intent: `final_period:${subscription.id}:${from}`,
        purpose: 'final_period',
        clause,
        frequency: subscription.frequency,
        planCode: terms.planCode,
        now,
        actor: 'system',
      });
      if (billed.outcome !== 'invoiced' && billed.outcome !== 'paid') continue;
      await deps.store.updateSubscription(subscription.id, {
        currentPeriodFrom: from,
        currentPeriodTo: lastDay,
        cancelAtPeriodEnd: true,
        updatedAt: now,
      });
      await deps.eventLog.append([
        {
          chainId: subscription.accountId,
          type: 'subscription.final_period',
          clause,
          actor: 'system',
          cause: `due:${FINAL_PERIOD}`,
          occurredAt: now,
          data: {
            subscription: subscription.id,
            periodFrom: from,
            periodTo: lastDay,
            days,
            periodDays: periodDays(whole),
            price: toDecimalString(terms.price),
            net: toDecimalString(net),
            currency: net.currency,
            invoice: billed.invoice.id,
          },
        },
      ]);
    }
  };
}
