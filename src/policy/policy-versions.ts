import { sql } from 'drizzle-orm';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { policyHash } from './policy-hash.ts';
import { Policy } from './policy-schema.ts';

export type PolicyVersions = Awaited<ReturnType<typeof makePolicyVersions>>;

/**
 * Every policy version the system has run under, kept forever: an account's contract points at the version
 * it was made under, and a changed policy reaches it only when the change takes effect for it. Versions are
 * identified by content (`<policy id>@<version>#<hash prefix>`), so loading the same policy twice is one
 * version. All versions are held in memory: rules look them up synchronously in hot loops.
 */
export async function makePolicyVersions(deps: { db: Database; clock: Clock }) {
  const byId = new Map<string, Policy>();
  const rows = await deps.db.rows<{ id: string; content: unknown }>(
    sql`select id, content from policy_versions`,
  );
  for (const row of rows) byId.set(row.id, Policy.parse(row.content));

  /** Stores `policy` if it is new; returns its version id. */
  async function register(policy: Policy): Promise<string> {
    const hash = policyHash(policy);
    const id = `${policy.id}@${policy.version}#${hash.slice(0, 12)}`;
    if (!byId.has(id)) {
      await deps.db.q.execute(sql`
        insert into policy_versions (id, policy_id, version, hash, content, first_loaded_at)
        values (${id}, ${policy.id}, ${policy.version}, ${hash}, ${JSON.stringify(policy)}::jsonb, ${deps.clock.now().toISOString()})
        on conflict (id) do nothing`);
      byId.set(id, policy);
    }
    return id;
  }

  function get(versionId: string): Policy {
    const policy = byId.get(versionId);
    if (!policy) throw new Error(`unknown policy version ${versionId}`);
    return policy;
  }

  return { register, get, all: () => [...byId.keys()] };
}
