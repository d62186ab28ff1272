import { sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../canonical-json.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { sha256Hex } from '../ids.ts';
import { principalId } from './auth.ts';

const KEY_PATTERN = /^[\w.:-]{1,255}$/;

/**
 * Makes a route honour `Idempotency-Key`: the handler runs in one transaction together with the record of
 * its response, so a retry with the same key (from the same caller, with the same request) gets the stored
 * response and changes nothing; the same key with a different request is refused. Without the header the
 * handler runs as it is. Only successful responses are stored: a failed request changed nothing and may be
 * retried with the same key.
 */
export function makeIdempotency(deps: { db: Database; now: () => Date }) {
  return async function idempotent<R>(
    request: FastifyRequest,
    reply: FastifyReply,
    handler: () => Promise<R>,
  ): Promise<R> {
    const key = request.headers['idempotency-key'];
    if (key === undefined) return handler();
    if (typeof key !== 'string' || !KEY_PATTERN.test(key))
      throw new AppError('request.invalid', { details: { field: 'Idempotency-Key', rule: 'format' } });
    const principal = principalId(request.principal);
    const requestHash = sha256Hex(
      canonicalJson({ method: request.method, url: request.url, body: request.body ?? null }),
    );

    const replay = async (): Promise<R | undefined> => {
      const [stored] = await deps.db.rows<{ request_hash: string; status_code: number; response: R }>(sql`
          select request_hash, status_code, response from idempotency_keys where principal = ${principal} and key = ${key}`);
      if (!stored) return undefined;
      if (stored.request_hash !== requestHash) throw new AppError('idempotency.key_reused');
      reply.code(stored.status_code).header('idempotent-replayed', 'true');
      return stored.response;
    };

    const earlier = await replay();
    if (earlier !== undefined) return earlier;
    try {
      return await deps.db.transaction(async () => {
        const result = await handler();
        await deps.db.q.execute(sql`
            insert into idempotency_keys (principal, key, request_hash, status_code, response, created_at)
            values (${principal}, ${key}, ${requestHash}, ${reply.statusCode}, ${JSON.stringify(result ?? null)}::jsonb,
                    ${deps.now().toISOString()})`);
        return result;
      });
    } catch (error) {
      // A concurrent request with the same key committed first (its key, or a row its handler made, is a
      // unique violation here): answer as it did. Otherwise the violation was not about this key.
      if (isUniqueViolation(error)) {
        const raced = await replay();
        if (raced !== undefined) return raced;
      }
      throw error;
    }
  };
}

/** SQLSTATE 23505, on the driver's error or on the query error Drizzle wraps it in. */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.code === '23505' || e?.cause?.code === '23505';
}
