import { type SQL, sql } from 'drizzle-orm';

/**
 * Many rows as one parameter: `jsonb_to_recordset(${jsonRows(rows)}) as x(col type, ...)`. One statement per
 * batch instead of one per row, and the same SQL on PGlite and node-postgres (whose array handling differ).
 */
export function jsonRows(rows: readonly object[]): SQL {
  return sql`${JSON.stringify(rows)}::jsonb`;
}

/** A list of texts as one parameter, for `= any(${textArray(ids)})`. */
export function textArray(values: readonly string[]): SQL {
  return sql`array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
}
