import { sql } from 'drizzle-orm';
import type { LocalDate } from '../../platform/calendar.ts';
import type { Database } from '../../platform/db/database.ts';

/**
 * Invoice numbers: a pattern with `{YYYY}`, `{YY}`, `{MM}` and `{N}` / `{NNNN}` (the sequence, zero-padded
 * to the number of N's), e.g. `FV/{YYYY}/{MM}/{NNNN}` → `FV/2026/11/0001`. The sequence restarts with each
 * value of the date part the pattern contains (monthly for a pattern with {MM}, yearly with only {YYYY},
 * never without a date part).
 */
export function formatInvoiceNumber(pattern: string, issueDate: LocalDate, seq: number): string {
  const [y, m] = issueDate.split('-') as [string, string];
  return pattern
    .replaceAll('{YYYY}', y)
    .replaceAll('{YY}', y.slice(2))
    .replaceAll('{MM}', m)
    .replace(/\{(N+)\}/, (_whole, ns: string) => String(seq).padStart(ns.length, '0'));
}

/** The counter key a pattern restarts on for `issueDate`: `2026-11`, `2026`, or `all`. */
export function sequenceScope(pattern: string, issueDate: LocalDate): string {
  if (pattern.includes('{MM}')) return issueDate.slice(0, 7);
  if (pattern.includes('{YYYY}') || pattern.includes('{YY}')) return issueDate.slice(0, 4);
  return 'all';
}

export function checkInvoicePattern(pattern: string): string | null {
  if (!/\{N+\}/.test(pattern)) return 'the pattern needs a sequence placeholder such as {NNNN}';
  if ((pattern.match(/\{N+\}/g) ?? []).length > 1)
    return 'the pattern may have only one sequence placeholder';
  const rest = pattern.replace(/\{(YYYY|YY|MM|N+)\}/g, '');
  if (/[{}]/.test(rest)) return `unknown placeholder in "${pattern}"`;
  return null;
}

/**
 * Takes the next number of a series inside the caller's transaction. The counter row stays locked until
 * the transaction ends, and a rolled-back invoice rolls its increment back too, so numbers have no gaps and
 * no duplicates however many processes issue invoices.
 */
export async function takeInvoiceNumber(
  db: Database,
  input: { series: string; pattern: string; issueDate: LocalDate },
): Promise<{ number: string; seq: number }> {
  if (!db.inTransaction()) throw new Error('takeInvoiceNumber must run inside the invoice transaction');
  const scope = sequenceScope(input.pattern, input.issueDate);
  const [row] = await db.rows<{ last_seq: number }>(sql`
    insert into invoice_counters (series, scope, last_seq) values (${input.series}, ${scope}, 1)
    on conflict (series, scope) do update set last_seq = invoice_counters.last_seq + 1
    returning last_seq`);
  const seq = row!.last_seq;
  return { number: formatInvoiceNumber(input.pattern, input.issueDate, seq), seq };
}

/**
 * Takes the next `count` numbers of a series at once (a renewal batch), in one statement, inside the caller's
 * transaction: the same counter row, locked until the transaction ends, moved on by `count`, so the batch's
 * numbers are consecutive, and a rolled-back batch gives them all back (no gaps, no duplicates).
 */
export async function takeInvoiceNumbers(
  db: Database,
  input: { series: string; pattern: string; issueDate: LocalDate; count: number },
): Promise<string[]> {
  if (!db.inTransaction()) throw new Error('takeInvoiceNumbers must run inside the invoice transaction');
  if (input.count <= 0) return [];
  const scope = sequenceScope(input.pattern, input.issueDate);
  const [row] = await db.rows<{ last_seq: number }>(sql`
    insert into invoice_counters (series, scope, last_seq) values (${input.series}, ${scope}, ${input.count})
    on conflict (series, scope) do update set last_seq = invoice_counters.last_seq + ${input.count}
    returning last_seq`);
  const first = row!.last_seq - input.count + 1;
  return Array.from({ length: input.count }, (_, i) =>
    formatInvoiceNumber(input.pattern, input.issueDate, first + i),
  );
}
