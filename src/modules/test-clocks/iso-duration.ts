import { z } from 'zod';

/** An ISO 8601 duration of years, months, days, hours, minutes and seconds: how far to advance a test clock. */
export const IsoDuration = z
  .string()
  .regex(
    /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/,
    'ISO 8601 duration such as P15D or PT36H',
  );

/**
 * `P1Y2M3DT4H5M6S` added to `from` in UTC calendar terms: years and months first, keeping the day of the
 * month but never running past the month's end (2026-01-31 + P1M = 2026-02-28), then days, then time.
 */
export function addIsoDuration(from: Date, duration: string): Date {
  const m = IsoDuration.parse(duration).match(
    /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/,
  )!;
  const [, y, mo, d, h, mi, sec] = m.map((v) => Number(v ?? 0));
  const months = from.getUTCFullYear() * 12 + from.getUTCMonth() + y! * 12 + mo!;
  const year = Math.floor(months / 12);
  const month = months % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const t = new Date(from);
  t.setUTCFullYear(year, month, Math.min(from.getUTCDate(), lastDay) + d!);
  return new Date(t.getTime() + h! * 3_600_000 + mi! * 60_000 + sec! * 1000);
}
