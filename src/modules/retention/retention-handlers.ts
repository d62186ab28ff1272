import type { RetentionData, RetentionTrigger } from '../../policy/index.ts';

/**
 * What one erasure covers: some accounts' rows of one kind of data, for one retention category.
 * Handlers run it set-based, inside the caller's transaction, and must be idempotent: the same scope run
 * again (a retried batch, or a backup restore re-applying the deletion journal) changes nothing more.
 */
export type ErasureScope = {
  accountIds: readonly string[];
  /** The policy category, for handlers holding items of several categories (entrusted data). */
  category: string;
  action: 'delete' | 'anonymise';
  /** Field codes kept when anonymising (the category's `keepFields`, e.g. `first_name`, `consent_log`). */
  keep: readonly string[];
  /** Subjects under a legal hold (user ids, entrusted subjects' ids): their rows stay untouched. */
  heldSubjects: readonly string[];
  /**
   * Item-level categories (event_date, created, …): only items whose trigger lies before this instant.
   * Absent for account-level categories: every row of the accounts of this kind.
   */
  before?: Date;
  /** The local date (policy time zone) `before` starts, for rows dated by day (an invoice's issue date). */
  beforeDay?: string;
  /** When the erasure happens (the due item's firing time), for handlers that record it. */
  at?: Date;
};

/**
 * A module's data of one kind, as the retention engine sees it. Register one with
 * `retention.registerHandler(handler)` at wiring time (src/app.ts); the policy's categories then reach it
 * through their `data` list. See `accounts-retention.ts` for the pattern; entrusted data register theirs
 * with `data: 'entrusted'` the same way.
 */
export type RetentionHandler = {
  /** Unique, e.g. `accounts.users`; recorded in the deletion journal, so keep it stable. */
  id: string;
  data: RetentionData;
  /**
   * Item-level triggers this handler can act on by each row's own date (e.g. `event_date` for invoices
   * by issue date). Account-level triggers (contract end, state entered, …) need nothing extra.
   */
  itemTriggers?: readonly RetentionTrigger[];
  /** Deletes or anonymises the rows in scope; returns how many rows were touched per account. */
  erase(scope: ErasureScope): Promise<Map<string, number>>;
  /** Item-level only: the earliest trigger instant among the rows still present, per account. */
  oldestItem?(accountIds: readonly string[], category: string): Promise<Map<string, Date>>;
  /**
   * Accounts with rows this handler had to leave for now (a mail still waiting to be delivered): the engine
   * comes back for them a day later.
   */
  waiting?(accountIds: readonly string[]): Promise<Set<string>>;
};

/** Adds a count to a per-account tally (for handlers that touch several tables). */
export function tally(
  into: Map<string, number>,
  rows: readonly { account_id: string }[],
): Map<string, number> {
  for (const r of rows) into.set(r.account_id, (into.get(r.account_id) ?? 0) + 1);
  return into;
}
