import { eq, sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import { OPERATOR_SCOPES, type OperatorScope } from '../../platform/http/operator-scopes.ts';
import { randomToken, sha256Hex } from '../../platform/ids.ts';
import type { AccountsDeps } from './accounts-context.ts';
import { apiKeys } from './accounts-schema.ts';

export type ApiKeyPrincipal = {
  kind: 'api_key';
  keyId: string;
  scope: 'operator';
  scopes: readonly OperatorScope[];
};

/**
 * Creates an operator API key for the operator's product or automation, with the scopes it may use
 * (operator-scopes.ts; at least one). The key is shown once; only its SHA-256 is stored (it is 256 random
 * bits, so a slow hash adds nothing).
 */
export async function createApiKey(
  deps: AccountsDeps,
  input: { name: string; scopes: readonly OperatorScope[] },
): Promise<{ id: string; key: string; scopes: OperatorScope[] }> {
  const scopes = [...new Set(input.scopes)];
  const unknown = scopes.filter((s) => !(OPERATOR_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0)
    throw new AppError('request.invalid', {
      details: { field: 'scopes', rule: `one or more of ${OPERATOR_SCOPES.join(', ')}`, unknown },
    });
  const id = deps.ids.next('key');
  const key = `klz_${randomToken(32)}`;
  await deps.db.q.insert(apiKeys).values({
    id,
    keyHash: sha256Hex(key),
    name: input.name,
    scope: 'operator',
    scopes,
    createdAt: deps.clock.now(),
  });
  return { id, key, scopes };
}

export async function resolveApiKey(deps: AccountsDeps, key: string): Promise<ApiKeyPrincipal | null> {
  const [row] = await deps.db.q
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, sha256Hex(key)));
  if (!row || row.revokedAt) return null;
  return { kind: 'api_key', keyId: row.id, scope: row.scope, scopes: row.scopes as OperatorScope[] };
}

export async function revokeApiKey(deps: AccountsDeps, id: string): Promise<void> {
  await deps.db.q.execute(
    sql`update api_keys set revoked_at = ${deps.clock.now().toISOString()} where id = ${id}`,
  );
}
