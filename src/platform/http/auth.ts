import type { FastifyError, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../errors.ts';

export const SESSION_COOKIE = 'klz_session';

export type OperatorPrincipal = {
  kind: 'api_key';
  keyId: string;
  scope: 'operator';
  /** What the key may do (operator-scopes.ts); checked on every route by `operatorScopeGate`. */
  scopes: readonly string[];
};
export type UserPrincipal = {
  kind: 'user';
  accountId: string;
  userId: string;
  role: string;
  csrfToken: string;
};
export type Principal = OperatorPrincipal | UserPrincipal;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const API_KEY_TTL_MS = 30_000;

/**
 * Who is calling: an operator API key (`Authorization: Bearer klz_...`) or a customer user's session cookie.
 * API keys are resolved from memory after the first look-up (for at most 30 s, or until revoked in this
 * process), since the operator's product calls on every request. Unsafe methods authenticated by cookie must
 * carry the session's CSRF token in `X-CSRF-Token`.
 */
export function makeAuthenticator(deps: {
  resolveApiKey: (key: string) => Promise<OperatorPrincipal | null>;
  resolveSession: (token: string) => Promise<UserPrincipal | null>;
  now: () => number;
}) {
  const keys = new Map<string, { principal: OperatorPrincipal | null; at: number }>();

  /** The principal of a Bearer key looked up less than 30 s ago; undefined when a look-up is needed. */
  function knownKey(request: FastifyRequest): OperatorPrincipal | null | undefined {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) return undefined;
    const hit = keys.get(header.slice(7).trim());
    return hit && deps.now() - hit.at < API_KEY_TTL_MS ? hit.principal : undefined;
  }

  async function principalOf(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const key = header.slice(7).trim();
      const hit = keys.get(key);
      if (hit && deps.now() - hit.at < API_KEY_TTL_MS) {
        // A key found unknown a moment ago is refused again, not taken for an anonymous caller.
        if (!hit.principal) throw new AppError('request.unauthenticated');
        return hit.principal;
      }
      const principal = await deps.resolveApiKey(key);
      if (keys.size > 10_000) keys.clear();
      keys.set(key, { principal, at: deps.now() });
      if (!principal) throw new AppError('request.unauthenticated');
      return principal;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return null;
    const principal = await deps.resolveSession(token);
    if (!principal) return null;
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
    if (unsafe && request.headers['x-csrf-token'] !== principal.csrfToken)
      throw new AppError('request.csrf_failed');
    return principal;
  }

  /**
   * A Fastify onRequest hook that sets `request.principal`. A known API key (the operator's product, on
   * every request) is settled at once, without a promise; anything else is looked up.
   */
  function hook(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const known = knownKey(request);
    if (known) {
      request.principal = known;
      done();
      return;
    }
    principalOf(request).then(
      (principal) => {
        request.principal = principal;
        done();
      },
      (error: unknown) => done(error as FastifyError),
    );
  }

  function forgetKeys(): void {
    keys.clear();
  }

  return { hook, forgetKeys };
}

export function requireOperator(request: FastifyRequest): OperatorPrincipal {
  const p = request.principal;
  if (!p) throw new AppError('request.unauthenticated');
  if (p.kind !== 'api_key') throw new AppError('request.forbidden');
  return p;
}

export function requireUser(request: FastifyRequest): UserPrincipal {
  const p = request.principal;
  if (!p) throw new AppError('request.unauthenticated');
  if (p.kind !== 'user') throw new AppError('request.forbidden');
  return p;
}

/**
 * The operator may act on any account; a user only on its own, and only with one of `roles` if given.
 * Returns the actor string for the event log.
 */
export function requireAccountAccess(
  request: FastifyRequest,
  accountId: string,
  roles?: readonly string[],
): string {
  const p = request.principal;
  if (!p) throw new AppError('request.unauthenticated');
  if (p.kind === 'api_key') return `api_key:${p.keyId}`;
  if (p.accountId !== accountId) throw new AppError('request.forbidden');
  if (roles && !roles.includes(p.role)) throw new AppError('request.forbidden');
  return `user:${p.userId}`;
}

export function principalId(principal: Principal | null): string {
  if (!principal) return 'anonymous';
  return principal.kind === 'api_key' ? `api_key:${principal.keyId}` : `user:${principal.userId}`;
}
