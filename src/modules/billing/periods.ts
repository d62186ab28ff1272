import { addDays, addMonths, addYears, daysBetween, type LocalDate } from '../../platform/calendar.ts';
import { type Money, multiplyRatio, type Rounding } from '../../platform/money.ts';

export type Frequency = 'monthly' | 'annual';

/** A billing period: both days inclusive, in the policy's time zone. */
export type Period = { from: LocalDate; to: LocalDate };

export type Anchor = {
  monthly: 'anniversary' | 'fixed_day';
  day: 1 | 15 | null;
  firstMonthly: 'full' | 'prorated_to_anchor';
};

export type DayCount = 'calendar' | '30/360';

export function periodDays(p: Period): number {
  return daysBetween(p.from, p.to) + 1;
}

/** The full period of `frequency` that starts on `from`: a month (or year) later, less a day. */
export function fullPeriod(from: LocalDate, frequency: Frequency): Period {
  const next = frequency === 'monthly' ? addMonths(from, 1) : addYears(from, 1);
  return { from, to: addDays(next, -1) };
}

/**
 * The first period of a subscription activated on `activation`. Annual periods and anniversary months run
 * a full period from activation (CM-BIL-01). With a fixed monthly billing day (QU-BIL-06: the 1st, or the
 * 15th) the first period runs from activation to the day before the next billing day and is charged pro rata.
 */
export function firstPeriod(
  activation: LocalDate,
  frequency: Frequency,
  anchor: Anchor,
): Period & { partial: boolean } {
  if (frequency === 'annual' || anchor.monthly === 'anniversary' || anchor.firstMonthly === 'full')
    return { ...fullPeriod(activation, frequency), partial: false };
  const day = anchor.day ?? 1;
  const [y, m, d] = activation.split('-').map(Number) as [number, number, number];
  if (d === day) return { ...fullPeriod(activation, 'monthly'), partial: false };
  const thisMonthsAnchor = `${y}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const nextAnchor = d < day ? thisMonthsAnchor : addMonths(thisMonthsAnchor, 1);
  return { from: activation, to: addDays(nextAnchor, -1), partial: true };
}

/** The period after `previous`: it starts the next day and runs a full period. */
export function nextPeriod(previous: Period, frequency: Frequency): Period {
  return fullPeriod(addDays(previous.to, 1), frequency);
}

/**
 * Days of `period` from `day` through its last day, both counted; 0 when `day` is past the period, the whole
 * period when `day` is before it. A purchase, an upgrade or a termination on `day` counts that day as
 * used by the new state (CM-BIL-06: bought on 2026-04-21 in a period ending 2026-04-30 → 10 days; CM-LIF-17:
 * terminated on 2026-06-19 → 12 unused days of June).
 */
export function daysFrom(period: Period, day: LocalDate): number {
  if (day > period.to) return 0;
  if (day < period.from) return periodDays(period);
  return daysBetween(day, period.to) + 1;
}

/**
 * The share of `price` (the price of a whole period) for `days` days of `period`.
 *
 * - `calendar`: days ÷ the period's actual days (QU-BIL-06: 1,000 × 21/31; QU-BIL-09: × 183/365).
 * - `30/360`: days ÷ 30 for a month, ÷ 360 for a year, with the days capped at 30 (360), so a customer is
 *   never charged more, or refunded less, than the convention gives in a 31-day month or 365-day year
 *   (CM-BIL-06/07).
 */
export function prorate(
  price: Money,
  days: number,
  period: Period,
  frequency: Frequency,
  dayCount: DayCount,
  rounding: Rounding,
): Money {
  if (!Number.isInteger(days) || days < 0)
    throw new RangeError(`days must be a non-negative integer, got ${days}`);
  if (dayCount === 'calendar') {
    const total = periodDays(period);
    return multiplyRatio(price, BigInt(Math.min(days, total)), BigInt(total), rounding);
  }
  const base = frequency === 'monthly' ? 30 : 360;
  return multiplyRatio(price, BigInt(Math.min(days, base)), BigInt(base), rounding);
}
