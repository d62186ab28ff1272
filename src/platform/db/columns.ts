import { timestamp } from 'drizzle-orm/pg-core';

/** An instant: `timestamptz` with millisecond precision, the precision of a JS Date, so values round-trip exactly. */
export const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });
