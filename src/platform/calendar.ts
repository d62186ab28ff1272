/**
 * Calendar arithmetic for deadlines, windows and periods.
 *
 * A `LocalDate` ('YYYY-MM-DD') is a calendar date without a zone. Everything that
 * only counts days works on those strings through an integer "epoch day" (days since
 * 1970-01-01), with no Date or Luxon object in between: these functions run in hot
 * loops (sweeps over every account). Only the conversions between a local date and
 * an instant need the time-zone database (Luxon), and their results are cached.
 *
 * Nothing here reads the system clock.
 *
 * Day counting follows the catalog conventions (shared/catalog/conventions.md and the
 * ClickMeeting preamble): "N days from event X" ends at local 23:59:59.999 on X + N,
 * the event day itself not counted; a follow-up action happens on X + N + 1; a
 * customer deadline ending on a weekend or public holiday moves to the next business
 * day, a provider deadline never moves.
 */
import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

/** A calendar date without zone, 'YYYY-MM-DD', years 0001–9999. */
export type LocalDate = string;

const MS_PER_DAY = 86_400_000;
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

const TWO_DIGITS: readonly string[] = Array.from({ length: 32 }, (_, i) => String(i).padStart(2, '0'));

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function epochDayFromParts(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

type Parts = { year: number; month: number; day: number };

function partsFromEpochDay(epochDay: number): Parts {
  const z = epochDay + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function formatParts(year: number, month: number, day: number): LocalDate {
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new RangeError(`calendar: year ${year} is outside ${MIN_YEAR}–${MAX_YEAR}`);
  }
  const y = year >= 1000 ? String(year) : String(year).padStart(4, '0');
  return `${y}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

/** Parses 'YYYY-MM-DD' into parts, or returns null when it is not a real calendar date. */
function tryParse(s: unknown): Parts | null {
  if (typeof s !== 'string' || s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45)
    return null;
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const month = digit(s, 5) * 10 + digit(s, 6);
  const day = digit(s, 8) * 10 + digit(s, 9);
  // NaN fails every comparison below.
  if (!(year >= MIN_YEAR && month >= 1 && month <= 12 && day >= 1)) return null;
  if (day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

function parse(date: LocalDate): Parts {
  const parts = tryParse(date);
  if (parts === null)
    throw new RangeError(`calendar: ${JSON.stringify(date)} is not a LocalDate (YYYY-MM-DD)`);
  return parts;
}

/** True for a string 'YYYY-MM-DD' that names a real calendar date (no 2026-02-30). */
export function isLocalDate(s: unknown): s is LocalDate {
  return tryParse(s) !== null;
}

/** Days since 1970-01-01 (negative before). For loops that step many days at once. */
export function epochDayOf(date: LocalDate): number {
  const { year, month, day } = parse(date);
  return epochDayFromParts(year, month, day);
}

/** Inverse of `epochDayOf`. */
export function localDateFromEpochDay(epochDay: number): LocalDate {
  if (!Number.isSafeInteger(epochDay))
    throw new RangeError(`calendar: epoch day ${epochDay} is not an integer`);
  const { year, month, day } = partsFromEpochDay(epochDay);
  return formatParts(year, month, day);
}

function requireInteger(n: number, what: string): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`calendar: ${what} must be an integer, got ${n}`);
}

/** `date` plus `n` calendar days (n may be negative). */
export function addDays(date: LocalDate, n: number): LocalDate {
  requireInteger(n, 'days');
  return localDateFromEpochDay(epochDayOf(date) + n);
}

/**
 * `date` plus `n` calendar months, clamped to the last day of the target month:
 * 2026-01-31 + 1 month = 2026-02-28.
 */
export function addMonths(date: LocalDate, n: number): LocalDate {
  requireInteger(n, 'months');
  const { year, month, day } = parse(date);
  const index = year * 12 + (month - 1) + n;
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return formatParts(y, m, Math.min(day, daysInMonth(y, m)));
}

/** `date` plus `n` years; 29 February becomes 28 February in a common year. */
export function addYears(date: LocalDate, n: number): LocalDate {
  requireInteger(n, 'years');
  return addMonths(date, n * 12);
}

/** b − a in calendar days: daysBetween('2026-03-11', '2026-03-31') = 20. */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return epochDayOf(b) - epochDayOf(a);
}

function weekdayOfEpochDay(epochDay: number): number {
  // 1970-01-01 was a Thursday (4).
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}

/** ISO day of week: 1 = Monday … 7 = Sunday. */
export function dayOfWeek(date: LocalDate): number {
  return weekdayOfEpochDay(epochDayOf(date));
}

// ---------------------------------------------------------------------------
// Local dates ⇄ instants. The only place that needs the zone database.

const DAY_START_CACHE_LIMIT = 50_000;
const dayStartCache = new Map<string, Map<number, number>>();

function dayStartMs(epochDay: number, timeZone: string): number {
  let perZone = dayStartCache.get(timeZone);
  if (perZone === undefined) {
    perZone = new Map();
    dayStartCache.set(timeZone, perZone);
  }
  const cached = perZone.get(epochDay);
  if (cached !== undefined) return cached;
  let ms: number;
  if (timeZone === 'UTC') {
    ms = epochDay * MS_PER_DAY;
  } else {
    const { year, month, day } = partsFromEpochDay(epochDay);
    // Luxon moves a local time that falls in a DST gap forward, so in a zone whose
    // clocks skip midnight this is the first instant that exists on that date.
    const dt = DateTime.fromObject({ year, month, day }, { zone: timeZone });
    if (!dt.isValid)
      throw new RangeError(
        `calendar: cannot resolve ${formatParts(year, month, day)} in zone ${timeZone}: ${dt.invalidExplanation ?? dt.invalidReason}`,
      );
    ms = dt.toMillis();
  }
  if (perZone.size >= DAY_START_CACHE_LIMIT) perZone.clear();
  perZone.set(epochDay, ms);
  return ms;
}

/** The instant local midnight begins `date` in `timeZone` (DST-correct). */
export function startOfDay(date: LocalDate, timeZone: string): Date {
  return new Date(dayStartMs(epochDayOf(date), timeZone));
}

/**
 * The last millisecond of `date` in `timeZone`, i.e. local 23:59:59.999: the end of a
 * deadline that falls on `date`. One millisecond before the next local midnight, so a
 * 23- or 25-hour DST day is handled.
 */
export function endOfDay(date: LocalDate, timeZone: string): Date {
  return new Date(dayStartMs(epochDayOf(date) + 1, timeZone) - 1);
}

/** The calendar date an instant falls on in `timeZone`. */
export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('calendar: localDateOf got an invalid Date');
  // Start from the UTC date; the (cached) local midnights around it move it at most
  // one day either way, since UTC offsets stay within ±14 hours.
  let epochDay = Math.floor(ms / MS_PER_DAY);
  if (timeZone !== 'UTC') {
    while (ms < dayStartMs(epochDay, timeZone)) epochDay -= 1;
    while (ms >= dayStartMs(epochDay + 1, timeZone)) epochDay += 1;
  }
  return localDateFromEpochDay(epochDay);
}

// ---------------------------------------------------------------------------
// Business days.

/** Which public holidays count: Polish, Czech, or none at all (Mon–Fri only). */
export type BusinessCalendar = 'PL' | 'CZ' | 'none';

export type BusinessDays = {
  readonly kind: BusinessCalendar;
  /** A public holiday (date-holidays type 'public'), weekday or not. */
  isHoliday(date: LocalDate): boolean;
  /** The holiday's name in the country's language, or null. */
  holidayName(date: LocalDate): string | null;
  /** Monday–Friday and not a public holiday. */
  isBusinessDay(date: LocalDate): boolean;
  /** The first business day strictly after `date`. */
  nextBusinessDay(date: LocalDate): LocalDate;
  /** `date` itself when it is a business day, otherwise the next one. */
  businessDayOnOrAfter(date: LocalDate): LocalDate;
  /**
   * The n-th business day after `date`, `date` itself not counted (n < 0 counts
   * backwards; n = 0 returns `date` unchanged).
   */
  addBusinessDays(date: LocalDate, n: number): LocalDate;
  /**
   * Business days d with a < d ≤ b; when b < a, minus the business days d with
   * b ≤ d < a. Either way businessDaysBetween(a, addBusinessDays(a, n)) === n.
   */
  businessDaysBetween(a: LocalDate, b: LocalDate): number;
};

type HolidayTable = {
  /** epoch day → holiday name */
  readonly names: Map<number, string>;
  /** per year, the sorted epoch days of holidays that fall on Mon–Fri */
  readonly weekdayHolidays: Map<number, number[]>;
  readonly source: Holidays;
};

function loadYear(table: HolidayTable, year: number): number[] {
  const known = table.weekdayHolidays.get(year);
  if (known !== undefined) return known;
  const weekdays: number[] = [];
  for (const h of table.source.getHolidays(year)) {
    if (h.type !== 'public') continue;
    const first = epochDayOf(h.date.slice(0, 10));
    const length = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / MS_PER_DAY));
    for (let d = first; d < first + length; d++) {
      if (!table.names.has(d)) {
        table.names.set(d, h.name);
        if (weekdayOfEpochDay(d) <= 5) weekdays.push(d);
      }
    }
  }
  weekdays.sort((x, y) => x - y);
  table.weekdayHolidays.set(year, weekdays);
  return weekdays;
}

/** Mon–Fri days in [1970-01-05 (a Monday), 1970-01-05 + k]; a prefix count valid for any integer k. */
function weekdaysPrefix(k: number): number {
  const q = Math.floor((k + 1) / 7);
  const r = k + 1 - q * 7;
  return q * 5 + Math.min(r, 5);
}

function buildBusinessDays(kind: BusinessCalendar): BusinessDays {
  const table: HolidayTable | null =
    kind === 'none' ? null : { names: new Map(), weekdayHolidays: new Map(), source: new Holidays(kind) };

  const isHolidayDay = (epochDay: number, year: number): boolean => {
    if (table === null) return false;
    loadYear(table, year);
    return table.names.has(epochDay);
  };

  // For loops over epoch days: the year boundaries of the last year looked at.
  let yearFrom = 1;
  let yearTo = 0;
  let yearOfRange = 0;
  const yearOf = (epochDay: number): number => {
    if (epochDay < yearFrom || epochDay > yearTo) {
      yearOfRange = partsFromEpochDay(epochDay).year;
      yearFrom = epochDayFromParts(yearOfRange, 1, 1);
      yearTo = epochDayFromParts(yearOfRange, 12, 31);
    }
    return yearOfRange;
  };

  const isBusinessEpochDay = (epochDay: number): boolean =>
    weekdayOfEpochDay(epochDay) <= 5 && !isHolidayDay(epochDay, yearOf(epochDay));

  const nextBusinessEpochDay = (epochDay: number): number => {
    let d = epochDay + 1;
    while (!isBusinessEpochDay(d)) d++;
    return d;
  };

  return Object.freeze({
    kind,
    isHoliday(date: LocalDate): boolean {
      const { year, month, day } = parse(date);
      return isHolidayDay(epochDayFromParts(year, month, day), year);
    },
    holidayName(date: LocalDate): string | null {
      if (table === null) return null;
      const { year, month, day } = parse(date);
      loadYear(table, year);
      return table.names.get(epochDayFromParts(year, month, day)) ?? null;
    },
    isBusinessDay(date: LocalDate): boolean {
      return isBusinessEpochDay(epochDayOf(date));
    },
    nextBusinessDay(date: LocalDate): LocalDate {
      return localDateFromEpochDay(nextBusinessEpochDay(epochDayOf(date)));
    },
    businessDayOnOrAfter(date: LocalDate): LocalDate {
      const d = epochDayOf(date);
      return isBusinessEpochDay(d) ? date : localDateFromEpochDay(nextBusinessEpochDay(d));
    },
    addBusinessDays(date: LocalDate, n: number): LocalDate {
      requireInteger(n, 'business days');
      let d = epochDayOf(date);
      const step = n < 0 ? -1 : 1;
      for (let left = Math.abs(n); left > 0; ) {
        d += step;
        if (isBusinessEpochDay(d)) left--;
      }
      return localDateFromEpochDay(d);
    },
    businessDaysBetween(a: LocalDate, b: LocalDate): number {
      const from = epochDayOf(a);
      const to = epochDayOf(b);
      // Backwards, addBusinessDays counts b itself and not a: business days in [b, a).
      if (to < from) return 0 - countBusinessDays(to - 1, from - 1);
      return countBusinessDays(from, to);
    },
  });

  /** Business days in (from, to], from ≤ to. */
  function countBusinessDays(from: number, to: number): number {
    let count = weekdaysPrefix(to - 4) - weekdaysPrefix(from - 4);
    if (table === null || count === 0) return count;
    const lastYear = partsFromEpochDay(to).year;
    for (let year = partsFromEpochDay(from).year; year <= lastYear; year++) {
      for (const d of loadYear(table, year)) {
        if (d > from && d <= to) count--;
      }
    }
    return count;
  }
}

const businessCalendars = new Map<BusinessCalendar, BusinessDays>();

/**
 * Business-day rules for a country. Holidays are date-holidays' `public` ones only
 * (not observances, school or optional days), computed once per year and shared by
 * every caller of the same kind.
 */
export function makeBusinessCalendar(kind: BusinessCalendar): BusinessDays {
  if (kind !== 'PL' && kind !== 'CZ' && kind !== 'none') {
    throw new RangeError(`calendar: unknown business calendar ${JSON.stringify(kind)}`);
  }
  let calendar = businessCalendars.get(kind);
  if (calendar === undefined) {
    calendar = buildBusinessDays(kind);
    businessCalendars.set(kind, calendar);
  }
  return calendar;
}

// ---------------------------------------------------------------------------
// Day counting as the catalog conventions define it.

/** The last day of a window or deadline and the instant it ends (local 23:59:59.999). */
export type Deadline = { lastDay: LocalDate; endsAt: Date };

function requireDays(days: number): void {
  if (!Number.isSafeInteger(days) || days < 0) {
    throw new RangeError(`calendar: a number of days must be a non-negative integer, got ${days}`);
  }
}

/**
 * "N days from event X": the window runs through X + N and ends at 23:59:59.999 local
 * time on that day; the trigger day itself is not counted.
 */
export function windowEnd(triggerDate: LocalDate, days: number, timeZone: string): Deadline {
  requireDays(days);
  const lastDay = addDays(triggerDate, days);
  return { lastDay, endsAt: endOfDay(lastDay, timeZone) };
}

/**
 * A customer's deadline (objection, claim, withdrawal): like `windowEnd`, but a last
 * day on a weekend or public holiday moves to the next business day. `nominalLastDay`
 * is X + N before the move, for the evidence trail.
 */
export function customerDeadline(
  triggerDate: LocalDate,
  days: number,
  timeZone: string,
  calendar: BusinessCalendar | BusinessDays,
): Deadline & { nominalLastDay: LocalDate } {
  requireDays(days);
  const rules = typeof calendar === 'string' ? makeBusinessCalendar(calendar) : calendar;
  const nominalLastDay = addDays(triggerDate, days);
  const lastDay = rules.businessDayOnOrAfter(nominalLastDay);
  return { lastDay, endsAt: endOfDay(lastDay, timeZone), nominalLastDay };
}

/** The provider's own deadline: never moves, even onto a holiday. Same as `windowEnd`. */
export function providerDeadline(triggerDate: LocalDate, days: number, timeZone: string): Deadline {
  return windowEnd(triggerDate, days, timeZone);
}

/** The day the follow-up action happens once an N-day window has run out: X + N + 1. */
export function afterWindow(triggerDate: LocalDate, days: number): LocalDate {
  requireDays(days);
  return addDays(triggerDate, days + 1);
}

/**
 * An hour deadline runs from the recorded timestamp of the trigger, in elapsed time:
 * 24 hours across a DST change is 24 real hours, not "same wall-clock time tomorrow".
 */
export function hourDeadline(at: Date, hours: number): Date {
  const ms = at.getTime();
  if (Number.isNaN(ms)) throw new RangeError('calendar: hourDeadline got an invalid Date');
  if (!Number.isFinite(hours) || hours < 0) {
    throw new RangeError(`calendar: hours must be a non-negative number, got ${hours}`);
  }
  return new Date(ms + Math.round(hours * 3_600_000));
}

/**
 * The earlier of `received` + `days` and `received` + `months` calendar months (month
 * end clamped), for rules that must satisfy both a day count and a "one month" law:
 * CM-PRV-03 received 2026-01-31 → 2026-02-28; received 2026-04-10 → 2026-05-10.
 */
export function calendarMonthOrDays(received: LocalDate, days: number, months: number): LocalDate {
  requireDays(days);
  requireDays(months);
  const byMonths = addMonths(received, months);
  return localDateFromEpochDay(Math.min(epochDayOf(received) + days, epochDayOf(byMonths)));
}
