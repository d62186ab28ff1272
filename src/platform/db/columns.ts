import { bigint, date, timestamp } from 'drizzle-orm/pg-core';
import type { LocalDate } from '../calendar.ts';

/** An instant: `timestamptz` with millisecond precision, the precision of a JS Date, so values round-trip exactly. */
export const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** A calendar day in the policy's time zone, read and written as `YYYY-MM-DD`. */
export const localDay = (name: string) => date(name, { mode: 'string' }).$type<LocalDate>();

/** Money in minor units (grosze, haléře) as bigint; never a float. */
export const minorUnits = (name: string) => bigint(name, { mode: 'bigint' });
