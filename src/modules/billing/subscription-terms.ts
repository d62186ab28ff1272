import type { LocalDate } from '../../platform/calendar.ts';
import { type Money, money, parseMoney } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { BillingDeps } from './billing-context.ts';
import type { SubscriptionRow } from './billing-store.ts';
import { subscriptionLineText } from './invoice-rules.ts';
import { planName } from './issue-invoice.ts';
import { priceOf } from './order-rules.ts';
import type { Frequency, Period } from './periods.ts';
import { addOnLineText, scheduledAt } from './plan-change-rules.ts';
import { makePlanChangesStore, type ScheduleRow, scheduleEntryOf } from './plan-changes-store.ts';

/**
 * The net price of a whole period of `planCode` that a new order on `day` pays: the last announced price
 * change in force on that day that prices it (CM-BIL-03: new customers are bound at once), else the policy's
 * price list; null when neither has one.
 */
export async function listPrice(
  deps: Pick<BillingDeps, 'db'>,
  policy: Policy,
  planCode: string,
  frequency: Frequency,
  day: LocalDate,
): Promise<Money | null> {
  const currency = policy.locale.currency;
  const changes = await makePlanChangesStore(deps.db).priceChangesUntil(day);
  for (const change of [...changes].reverse()) {
    const entry = change.prices.find(
      (p) => p.plan === planCode && p.frequency === frequency && p.currency === currency,
    );
    if (entry) return parseMoney(entry.amount, currency);
  }
  const plan = policy.plans.find((p) => p.code === planCode);
  return plan?.kind === 'paid' ? priceOf(plan, frequency, currency) : null;
}

/** The plan and net price of `subscription`'s period starting on `day`, from its price schedule. */
export function termsAt(
  subscription: SubscriptionRow,
  schedule: readonly ScheduleRow[],
  day: LocalDate,
): { planCode: string; price: Money } {
  const { planCode, price } = scheduledAt(schedule.map(scheduleEntryOf), day, {
    planCode: subscription.planCode,
    price: money(subscription.priceAmount, subscription.priceCurrency),
  });
  return { planCode, price };
}

export type RenewalLine = { description: string; net: Money };

/**
 * The lines of the invoice for `subscription`'s `period` (CM-BIL-06: one invoice with both the subscription
 * and its add-ons): the plan and price the customer's price schedule gives for the period's first day
 * (CM-BIL-03, QU-BIL-09/10/11), each add-on that renews with it at its full price, and amounts left for the
 * next invoice (QU-BIL-09 `next_invoice`). The left amounts are marked as billed for this period, inside the
 * caller's transaction, so a retried charge for the same period bills them again and the next period not.
 */
export async function renewalLines(
  deps: Pick<BillingDeps, 'db'>,
  input: {
    policy: Policy;
    subscription: SubscriptionRow;
    period: Period;
    language: 'pl' | 'en';
    /** False for a look ahead (a reminder of what the renewal will cost, CM-BIL-10): nothing is marked. */
    markBilled?: boolean;
  },
): Promise<RenewalLine[]> {
  const { policy, subscription, period, language } = input;
  const store = makePlanChangesStore(deps.db);
  const schedule = await store.scheduleOf([subscription.id]);
  const terms = termsAt(subscription, schedule, period.from);
  const lines: RenewalLine[] = [
    {
      description: subscriptionLineText(
        planName(policy, terms.planCode, language),
        subscription.frequency,
        period,
        language,
      ),
      net: terms.price,
    },
  ];
  const addOns = (await store.addOnsOf(subscription.accountId)).filter(
    (a) => a.subscriptionId === subscription.id && a.renews && a.endsOn === null,
  );
  for (const a of addOns) {
    const addOn = policy.addOns.find((x) => x.code === a.addOnCode);
    lines.push({
      description: addOnLineText(addOn?.name[language] ?? a.addOnCode, period),
      net: money(a.priceAmount, a.priceCurrency),
    });
  }
  const pending = await store.pendingLines(subscription.id, period.from);
  for (const p of pending)
    lines.push({ description: p.description[language], net: money(p.netAmount, p.currency) });
  if (input.markBilled !== false)
    await store.markLinesBilled(
      pending.map((p) => p.id),
      period.from,
    );
  return lines;
}

/**
 * `renewalLines` for a batch of renewals (the `billing.renew` handler), with the price schedules, add-ons and
 * left amounts of all of them read in three queries and the left amounts marked as billed in one statement
 * per period start. The lines of each renewal are those `renewalLines` gives, in the order of `inputs`.
 */
export async function renewalLinesOfBatch(
  deps: Pick<BillingDeps, 'db'>,
  inputs: readonly { policy: Policy; subscription: SubscriptionRow; period: Period; language: 'pl' | 'en' }[],
): Promise<RenewalLine[][]> {
  if (inputs.length === 0) return [];
  const store = makePlanChangesStore(deps.db);
  const subscriptionIds = inputs.map((i) => i.subscription.id);
  const schedules = groupBy(await store.scheduleOf(subscriptionIds), (r) => r.subscriptionId);
  const addOns = groupBy(
    await store.addOnsOfAccounts(inputs.map((i) => i.subscription.accountId)),
    (a) => a.subscriptionId,
  );
  const pending = groupBy(
    await store.pendingLinesFor(
      inputs.map((i) => ({ subscriptionId: i.subscription.id, periodFrom: i.period.from })),
    ),
    (p) => p.subscriptionId,
  );
  const billed = new Map<LocalDate, string[]>();
  const result = inputs.map(({ policy, subscription, period, language }) => {
    const terms = termsAt(subscription, schedules.get(subscription.id) ?? [], period.from);
    const lines: RenewalLine[] = [
      {
        description: subscriptionLineText(
          planName(policy, terms.planCode, language),
          subscription.frequency,
          period,
          language,
        ),
        net: terms.price,
      },
    ];
    for (const a of addOns.get(subscription.id) ?? []) {
      if (!a.renews || a.endsOn !== null) continue;
      const addOn = policy.addOns.find((x) => x.code === a.addOnCode);
      lines.push({
        description: addOnLineText(addOn?.name[language] ?? a.addOnCode, period),
        net: money(a.priceAmount, a.priceCurrency),
      });
    }
    const left = pending.get(subscription.id) ?? [];
    for (const p of left)
      lines.push({ description: p.description[language], net: money(p.netAmount, p.currency) });
    if (left.length > 0)
      billed.set(period.from, [...(billed.get(period.from) ?? []), ...left.map((p) => p.id)]);
    return lines;
  });
  for (const [from, ids] of billed) await store.markLinesBilled(ids, from);
  return result;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    if (k === null) continue;
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}
