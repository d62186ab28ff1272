import { addDays, addMonths, type LocalDate } from '../../platform/calendar.ts';
import { type Money, parseMoney } from '../../platform/money.ts';
import type { Plan, Policy } from '../../policy/index.ts';
import { type Frequency, firstPeriod, type Period, periodDays, prorate } from './periods.ts';

export type Address = { street: string; postalCode: string; city: string; country: string };

/** Who orders: the company as the invoice will name it, and the person placing the order for it. */
export type Identification = {
  companyName: string | null;
  taxId: string | null;
  country: string | null;
  address: Address | null;
  orderingPerson: string | null;
};

export type OrderIssue = { field: string; rule: string; clause?: string };

/**
 * Checks a paid-plan order before anything is charged or written; returns every problem at once, an empty
 * list meaning it may go ahead. The plan must be a paid plan of the policy with a price for the frequency in
 * the policy's currency; the frequency must be one the terms offer; the company must be fully identified
 * (name, tax id, country, address: an invoice names them) together with the person ordering (QU-BIL-03: an
 * order without a company id is rejected).
 */
export function checkOrder(
  policy: Policy,
  order: { planCode: string; frequency: string; identification: Identification },
): OrderIssue[] {
  const clause = policy.billing.clauses.order;
  const issue = (field: string, rule: string): OrderIssue => ({ field, rule, ...(clause ? { clause } : {}) });
  const issues: OrderIssue[] = [];
  const plan = policy.plans.find((p) => p.code === order.planCode);
  if (!plan) issues.push({ field: 'plan', rule: 'unknown' });
  else if (plan.kind !== 'paid') issues.push({ field: 'plan', rule: 'not_paid' });
  if (!policy.billing.periods.includes(order.frequency as Frequency))
    issues.push(issue('frequency', `one_of_${policy.billing.periods.join('_')}`));
  else if (
    plan?.kind === 'paid' &&
    priceOf(plan, order.frequency as Frequency, policy.locale.currency) === null
  )
    issues.push({ field: 'frequency', rule: 'not_priced' });
  const id = order.identification;
  const missing = (value: string | null | undefined) => !value?.trim();
  if (missing(id.companyName)) issues.push(issue('identification.companyName', 'required'));
  if (missing(id.taxId)) issues.push(issue('identification.taxId', 'required'));
  if (missing(id.country)) issues.push(issue('identification.country', 'required'));
  if (!id.address) issues.push(issue('identification.address', 'required'));
  if (missing(id.orderingPerson)) issues.push(issue('identification.orderingPerson', 'required'));
  return issues;
}

/** The net price of a whole period of `plan` in `currency`, or null when the price list has none. */
export function priceOf(plan: Plan, frequency: Frequency, currency: string): Money | null {
  const amount = plan.prices?.[frequency]?.[currency];
  return amount === undefined ? null : parseMoney(amount, currency);
}

export type FirstPeriodQuote = {
  period: Period;
  /** The period is shorter than a full one (QU-BIL-06: up to the next billing day) and priced pro rata. */
  partial: boolean;
  /** The plan's price for a whole period: the price this customer renews at. */
  fullPrice: Money;
  /** What the first period costs, net. */
  net: Money;
};

/**
 * The first period of a plan ordered on `activation` and its net price: a full period at the full price
 * (CM-BIL-01, QU-BIL-05 annual), or, where monthly periods are aligned to a billing day, the days up to it at
 * the policy's day count, rounded half-up (QU-BIL-06: 1,000 CZK/month from 2026-03-11 → 1,000 × 21/31 =
 * 677.42 CZK for 2026-03-11..2026-03-31).
 */
export function quoteFirstPeriod(
  policy: Policy,
  plan: Plan,
  frequency: Frequency,
  activation: LocalDate,
  /** The price list's price in force on `activation` when an announced price change replaced the policy's (CM-BIL-03). */
  listed?: Money | null,
): FirstPeriodQuote {
  const { billing, locale } = policy;
  const fullPrice = listed ?? priceOf(plan, frequency, locale.currency);
  if (!fullPrice) throw new RangeError(`plan ${plan.code} has no ${frequency} price in ${locale.currency}`);
  const { partial, ...period } = firstPeriod(activation, frequency, {
    monthly: billing.monthlyAnchor,
    day: billing.monthlyAnchorDay,
    firstMonthly: billing.firstMonthlyPeriod,
  });
  if (!partial) return { period, partial, fullPrice, net: fullPrice };
  // The whole billing month the partial period ends, so calendar days are counted against its real length.
  const month: Period = { from: addMonths(addDays(period.to, 1), -1), to: period.to };
  const net = prorate(fullPrice, periodDays(period), month, frequency, billing.dayCount, 'half_up');
  return { period, partial, fullPrice, net };
}
