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
});

/** HTTP for the lifecycle module. */
export function registerLifecycleRoutes(
  app: HttpServer,
  deps: { entitlements: (accountId: string) => Promise<Entitlements & { accountId: string }> },
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
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      const e = await deps.entitlements(request.params.accountId);
      return { ...e, validUntil: e.validUntil?.toISOString() ?? null };
    },
  );
}
