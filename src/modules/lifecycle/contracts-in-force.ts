import { sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';

/** An account whose contract runs: who other modules address when a change concerns every customer. */
export type ContractInForce = { accountId: string; clockId: string | null; policyVersionId: string };

/** Every account whose contract has not ended (e.g. the customers a sub-processor change must reach). */
export async function contractsInForce(db: Database): Promise<ContractInForce[]> {
  const rows = await db.rows<{ account_id: string; clock_id: string | null; policy_version_id: string }>(
    sql`select account_id, clock_id, policy_version_id from account_states where contract_ended_at is null`,
  );
  return rows.map((r) => ({
    accountId: r.account_id,
    clockId: r.clock_id,
    policyVersionId: r.policy_version_id,
  }));
}
