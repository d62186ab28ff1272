import type { FastifySerializerCompiler } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAccountAccess } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { Entitlements } from './lifecycle-rules.ts';

const EntitlementsReply = z.object({
  accountId: z.string(),
  state: z.string(),
  plan: z.object({ code: z.string(), kind: z.string(), name: z.object({ pl: z.string(), en: z.string() }) }),
  access: z.enum(['full', 'restricted', 'restore_only', 'none']),
  features: z.array(z.string()),
  limits: z.record(z.string(), z.number()),
  validUntil: z.string().nullable(),
  /** Add-ons in force (CM-BIL-06): their features and limit increments are in `features` and `limits`. */
  addOns: z.array(z.string()).optional(),
  /** Units left per consumable balance (BK-BIL-03, CM-BIL-11). */
  balances: z.record(z.string(), z.number()).optional(),
  /** The operator's restrictions in force (CM-LIF-16, QU-LIF-04, BK-LIF-03); absent when there are none. */
  restrictions: z
    .array(
      z.object({
        scope: z.string(),
        resourceId: z.string().nullable(),
        ground: z.string(),
        clause: z.string(),
        since: z.string(),
      }),
    )
    .optional(),
});
type EntitlementsReply = z.infer<typeof EntitlementsReply>;

/**
 * The entitlements cache hands out the same value, never modified, for every request until the account
 * changes or the value expires; its reply object and JSON body are therefore made once per value and kept
 * beside it (weakly, so they go when the cache drops the value). Checking and encoding the reply with zod
 * on every request was the most expensive step of the route; the body is still the one zod produces.
 */
const replies = new WeakMap<object, EntitlementsReply>();
const bodies = new WeakMap<object, string>();

function replyOf(e: Entitlements & { accountId: string }): EntitlementsReply {
  let reply = replies.get(e);
  if (reply === undefined) {
    reply = { ...e, validUntil: e.validUntil?.toISOString() ?? null };
    replies.set(e, reply);
  }
  return reply;
}

const memoizedSerializer: FastifySerializerCompiler<unknown> = (route) => {
  const serialize = (serializerCompiler as FastifySerializerCompiler<unknown>)(route);
  return (data) => {
    if (typeof data !== 'object' || data === null) return serialize(data);
    let body = bodies.get(data);
    if (body === undefined) {
      body = serialize(data);
      bodies.set(data, body);
    }
    return body;
  };
};

/** HTTP for the lifecycle module. */
export function registerLifecycleRoutes(
  app: HttpServer,
  deps: {
    entitlements: (
      accountId: string,
    ) => (Entitlements & { accountId: string }) | Promise<Entitlements & { accountId: string }>;
  },
): void {
  app.get(
    '/v1/accounts/:accountId/entitlements',
    {
      schema: {
        tags: ['entitlements'],
        summary: 'What the account may do now: its state, plan, features and limits',
        params: z.object({ accountId: z.string().max(60) }),
        response: { 200: EntitlementsReply },
      },
      serializerCompiler: memoizedSerializer,
    },
    (request) => {
      requireAccountAccess(request, request.params.accountId);
      const e = deps.entitlements(request.params.accountId);
      return e instanceof Promise ? e.then(replyOf) : replyOf(e);
    },
  );
}
