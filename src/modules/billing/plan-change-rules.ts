import { addDays, customerDeadline, type LocalDate, makeBusinessCalendar } from '../../platform/calendar.ts';
import { type Money, money, type Rounding, subtract } from '../../platform/money.ts';
import type { AddOn, Policy } from '../../policy/index.ts';
import { daysFrom, type Frequency, fullPeriod, nextPeriod, type Period, prorate } from './periods.ts';

/**
 * How a pro-rata charge is rounded: down to the grosz where the terms count 30-day months and 360-day years
 * (CM-BIL-06: "rounded down to the grosz", so a customer is never charged more than the convention gives,
 * CM-BIL-07), half up elsewhere (catalog conventions: money is rounded half-up).
 */
export function chargeRounding(policy: Policy): Rounding {
  return policy.billing.dayCount === '30/360' ? 'down' : 'half_up';
}

export type UpgradeQuote = {
  /** The first day the new plan is in force (and the day the difference is counted from). */
  effectiveFrom: LocalDate;
  /** Days of the current period from `effectiveFrom` through its end, both counted; 0 when deferred. */
  days: number;
  /** The net difference for the rest of the period; zero when the upgrade waits for the next period. */
  difference: Money;
  /** Whether the difference is billed now or added to the next invoice (QU-BIL-09 allows either). */
  billing: 'at_once' | 'next_invoice';
};

/**
 * A move to a dearer plan requested on `on` (QU-BIL-09: allowed any time, several times a period). Under
 * `immediate_prorated` the new plan is in force from `on`, and the difference of the two whole-period
 * prices is billed for the days of the current period from `on` through its end, in the policy's day count
 * (QU-BIL-09: 12,000 → 24,000 CZK a year on 2026-07-02 of 2026-01-01..12-31 → 12,000 × 183/365 = 6,016.44;
 * CM-BIL-07: 30-day months, capped). Under `next_period` nothing is billed and the plan changes when the
 * next period starts. Every later period is priced at the new plan's price (the caller schedules it).
 */
export function quoteUpgrade(
  policy: Policy,
  input: { period: Period; frequency: Frequency; oldPrice: Money; newPrice: Money; on: LocalDate },
): UpgradeQuote {
  const { planChanges, dayCount } = policy.billing;
  const billing = planChanges.upgradeBilling ?? 'at_once';
  const zero = money(0n, input.newPrice.currency);
  if (planChanges.upgrade === 'next_period')
    return { effectiveFrom: addDays(input.period.to, 1), days: 0, difference: zero, billing };
  const effectiveFrom = input.on < input.period.from ? input.period.from : input.on;
  const days = daysFrom(input.period, effectiveFrom);
  const delta = subtract(input.newPrice, input.oldPrice);
  const difference =
    delta.amount <= 0n
      ? zero
      : prorate(delta, days, input.period, input.frequency, dayCount, chargeRounding(policy));
  return { effectiveFrom, days, difference, billing };
}

export type DowngradeDecision = {
  effectiveFrom: LocalDate;
  /** Why it takes effect then. */
  reason: 'min_days_since_last_change' | 'next_period_after_request' | 'immediate';
  /** The billing period `effectiveFrom` falls in. */
  period: Period;
  /** Days of that period from `effectiveFrom`, both counted; 0 when it starts a period. */
  days: number;
  /** The net difference for the rest of that period, credited on the next invoice (QU-BIL-10). */
  credit: Money;
};

/**
 * When a move to a cheaper plan requested on `on` takes effect, and what is credited for it.
 *
 * With a minimum distance from the last plan change (QU-BIL-10, art. 8.10): no earlier than that many days
 * after the last change (upgraded 2026-03-10, asked 2026-03-20 → 2026-04-09); but when the current plan has
 * been in force longer than one billing period, from the next billing period after the request instead (in
 * force since 2026-01-01, asked 2026-05-20 → 2026-06-01). Otherwise the policy's mode: `next_period` (the
 * next period's start) or `immediate_credit` (the request day). A change inside a period credits the
 * difference of the whole-period prices for its remaining days, half up, on the next invoice.
 */
export function decideDowngrade(
  policy: Policy,
  input: {
    /** The billing period the request falls in. */
    period: Period;
    frequency: Frequency;
    /** The day the current plan took effect (the order or the last plan change). */
    planSince: LocalDate;
    on: LocalDate;
    oldPrice: Money;
    newPrice: Money;
  },
): DowngradeDecision {
  const { planChanges, dayCount } = policy.billing;
  const nextStart = addDays(input.period.to, 1);
  let effectiveFrom: LocalDate;
  let reason: DowngradeDecision['reason'];
  const minDays = planChanges.downgradeMinDaysSinceLastChange;
  if (minDays !== null) {
    const inForceLonger = input.on > fullPeriod(input.planSince, input.frequency).to;
    if (inForceLonger) {
      effectiveFrom = nextStart;
      reason = 'next_period_after_request';
    } else {
      const earliest = addDays(input.planSince, minDays);
      effectiveFrom = earliest > input.on ? earliest : input.on;
      reason = 'min_days_since_last_change';
    }
  } else if (planChanges.downgrade === 'next_period') {
    effectiveFrom = nextStart;
    reason = 'next_period_after_request';
  } else {
    effectiveFrom = input.on;
    reason = 'immediate';
  }
  let period = input.period;
  while (effectiveFrom > period.to) period = nextPeriod(period, input.frequency);
  const days = effectiveFrom === period.from ? 0 : daysFrom(period, effectiveFrom);
  const delta = subtract(input.oldPrice, input.newPrice);
  const credit =
    days === 0 || delta.amount <= 0n
      ? money(0n, input.oldPrice.currency)
      : prorate(delta, days, period, input.frequency, dayCount, 'half_up');
  return { effectiveFrom, reason, period, days, credit };
}

/**
 * The first charge of an add-on bought on `on` (CM-BIL-06): its price for a whole period × the days from
 * the purchase day through the period's end inclusive ÷ 30 (monthly) or ÷ 360 (annual), capped at 30 (360)
 * days (CM-BIL-07), rounded down to the grosz: PLN 60/month bought 2026-04-21, period ending 2026-04-30 →
 * 10 days → PLN 20.00; bought 2026-03-01 for 2026-03-01..31 → PLN 60.00, not 62.00. An add-on that is not
 * prorated costs its whole price. Later periods are charged at the full price with the subscription.
 */
export function addOnFirstCharge(
  policy: Policy,
  addOn: Pick<AddOn, 'firstChargeProrated'>,
  input: { price: Money; period: Period; frequency: Frequency; on: LocalDate },
): { days: number; amount: Money } {
  const days = daysFrom(input.period, input.on);
  if (!addOn.firstChargeProrated) return { days, amount: input.price };
  return {
    days,
    amount: prorate(input.price, days, input.period, input.frequency, policy.billing.dayCount, 'down'),
  };
}

export type PriceChangeTiming = {
  /** The day the notice is deemed received (QU-NOT-01: 3 days after sending; on sending otherwise). */
  receivedOn: LocalDate;
  /** The last day an objection is accepted, or null where the terms give none. */
  objectionUntil: LocalDate | null;
  /** The first day a period may start at the new price for this customer. */
  appliesFrom: LocalDate;
};

/**
 * When a price change announced with `effectiveDate` reaches a customer whose notice was sent on `sentOn`.
 *
 * The notice is deemed received `notifications.deemedDeliveryDays` after sending (QU-NOT-01), else the day
 * it is sent. The objection window counts from what the terms say (deemed receipt, sending or the effective
 * date); a last day on a weekend or holiday moves to the next business day (a customer deadline).
 * The new price reaches this customer's periods that start on or after the later of the effective date and:
 * receipt + the notice days where the terms give a notice period (CM-BIL-03: effective 2026-07-01, received
 * 2026-06-10 → 2026-07-10), otherwise the day after the objection window (QU-BIL-11, QU-LEG-01: sent
 * 2026-06-01, deemed received 2026-06-04, objections through 2026-06-09 → 2026-06-10).
 */
export function priceChangeTiming(
  policy: Policy,
  input: { effectiveDate: LocalDate; sentOn: LocalDate },
): PriceChangeTiming {
  const rule = policy.changeNotices.prices;
  const receivedOn = addDays(input.sentOn, policy.notifications.deemedDeliveryDays ?? 0);
  let objectionUntil: LocalDate | null = null;
  if (rule.objection) {
    const { window, countsFrom } = rule.objection;
    const from =
      countsFrom === 'deemed_delivery'
        ? receivedOn
        : countsFrom === 'notice_sent'
          ? input.sentOn
          : input.effectiveDate;
    const calendar = makeBusinessCalendar(policy.locale.businessCalendar);
    objectionUntil =
      window.businessDays !== undefined
        ? calendar.addBusinessDays(from, window.businessDays)
        : customerDeadline(from, window.days ?? 0, policy.locale.timeZone, calendar).lastDay;
  }
  const earliest =
    rule.noticeMinDays !== null
      ? addDays(receivedOn, rule.noticeMinDays)
      : objectionUntil !== null
        ? addDays(objectionUntil, 1)
        : receivedOn;
  const appliesFrom = earliest > input.effectiveDate ? earliest : input.effectiveDate;
  return { receivedOn, objectionUntil, appliesFrom };
}

/**
 * What a timely objection to a price change brings (QU-BIL-11 with QU-LEG-02; CM-BIL-03): the customer keeps
 * the old price until the termination takes effect where the terms say so, and a refund of the unused
 * prepaid fees (less the handling fee, through the refund path with the policy's reason code) only where
 * the terms grant one: for Quanda only when the change was solely the provider's choice and materially
 * limited the customer's rights.
 */
export function decideObjection(
  policy: Policy,
  change: { material: boolean; providerDriven: boolean },
): {
  keepsOldPrice: boolean;
  consequence: string;
  refundReason: string | null;
} {
  const objection = policy.changeNotices.prices.objection;
  if (!objection) return { keepsOldPrice: false, consequence: 'none', refundReason: null };
  const refundDue =
    objection.refund === 'unused_prepaid_prorated' ||
    (objection.refund === 'unused_prepaid_minus_fee_if_material_provider_change' &&
      change.material &&
      change.providerDriven);
  return {
    keepsOldPrice: objection.keepOldPriceUntilTermination,
    consequence: objection.consequence,
    refundReason: refundDue ? (objection.refundReason ?? null) : null,
  };
}

export type ScheduleEntry = {
  id: string;
  seq: number;
  kind: 'base' | 'upgrade' | 'downgrade' | 'price_change';
  status: 'scheduled' | 'applied' | 'cancelled';
  effectiveFrom: LocalDate;
  planCode: string;
  price: Money;
};

/**
 * The plan and the price of a subscription's period starting on `day`, from its price schedule (CM-BIL-03:
 * each customer's price is versioned, never overwritten). The plan is the last plan entry (the base, an
 * upgrade or a downgrade) in force on `day`; the price is that entry's, unless a price change for the same
 * plan took effect for this customer after it. Cancelled entries (a price change objected to) never count.
 * Without entries the subscription's own plan and price stand.
 */
export function scheduledAt(
  entries: readonly ScheduleEntry[],
  day: LocalDate,
  fallback: { planCode: string; price: Money },
): { planCode: string; price: Money; entry: ScheduleEntry | null } {
  const live = entries
    .filter((e) => e.status !== 'cancelled' && e.effectiveFrom <= day)
    .sort((a, b) =>
      a.effectiveFrom === b.effectiveFrom ? a.seq - b.seq : a.effectiveFrom < b.effectiveFrom ? -1 : 1,
    );
  const plan = live.filter((e) => e.kind !== 'price_change').at(-1);
  const planCode = plan?.planCode ?? fallback.planCode;
  const price = live
    .filter(
      (e) =>
        e.kind === 'price_change' &&
        e.planCode === planCode &&
        (!plan ||
          e.effectiveFrom > plan.effectiveFrom ||
          (e.effectiveFrom === plan.effectiveFrom && e.seq > plan.seq)),
    )
    .at(-1);
  const entry = price ?? plan ?? null;
  return { planCode, price: entry?.price ?? fallback.price, entry };
}

/** The day the current plan took effect: the last applied plan entry on or before `day`, else `since`. */
export function planSince(entries: readonly ScheduleEntry[], day: LocalDate, since: LocalDate): LocalDate {
  const last = entries
    .filter(
      (e) =>
        e.kind !== 'price_change' && e.kind !== 'base' && e.status === 'applied' && e.effectiveFrom <= day,
    )
    .map((e) => e.effectiveFrom)
    .sort()
    .at(-1);
  return last ?? since;
}

/** `Zmiana planu Live → Automated 2026-04-21 – 2026-05-14` / `Plan change Live → Automated …`. */
export function planChangeLineText(from: string, to: string, period: Period, language: 'pl' | 'en'): string {
  const what = language === 'pl' ? 'Zmiana planu' : 'Plan change';
  const tail =
    language === 'pl' ? '(dopłata za pozostałe dni okresu)' : '(difference for the rest of the period)';
  return `${what} ${from} → ${to} ${period.from} – ${period.to} ${tail}`;
}

/** `Dodatkowa przestrzeń dyskowa 2026-04-21 – 2026-04-30` (an add-on for part or all of a period). */
export function addOnLineText(name: string, period: Period): string {
  return `${name} ${period.from} – ${period.to}`;
}
