import { sql } from 'drizzle-orm';
import { textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { AccountState } from './lifecycle-schema.ts';

/** What the retention engine reads of an account's life (src/modules/retention). */
export type RetentionLifeFacts = {
  accountId: string;
  policyVersionId: string;
  clockId: string | null;
  state: AccountState;
  stateSince: Date;
  /** When the contract ended; null while it runs. */
  contractEndedAt: Date | null;
};

/** The life facts of these accounts (absent: no such account). Reads only; joins the caller's transaction. */
export async function retentionLifeFacts(
  db: Database,
  accountIds: readonly string[],
): Promise<Map<string, RetentionLifeFacts>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.rows<{
    account_id: string;
    policy_version_id: string;
    clock_id: string | null;
    state: AccountState;
    state_since: string | Date;
    contract_ended_at: string | Date | null;
  }>(sql`
    select account_id, policy_version_id, clock_id, state, state_since, contract_ended_at
    from account_states where account_id = any(${textArray(accountIds)})`);
  return new Map(
    rows.map((r) => [
      r.account_id,
      {
        accountId: r.account_id,
        policyVersionId: r.policy_version_id,
        clockId: r.clock_id,
        state: r.state,
        stateSince: new Date(r.state_since),
        contractEndedAt: r.contract_ended_at === null ? null : new Date(r.contract_ended_at),
      },
    ]),
  );
}
