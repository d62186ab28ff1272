import { z } from 'zod';
import { requireAccountAccess, requireOperator } from '../http/auth.ts';
import type { HttpServer } from '../http/http-server.ts';
import type { EventLog } from './event-log.ts';

/** The evidence: an account's event log, and verification of the whole log (operator). */
export function registerEvidenceRoutes(app: HttpServer, deps: { eventLog: EventLog }): void {
  app.get(
    '/v1/accounts/:accountId/events',
    {
      schema: {
        tags: ['evidence'],
        summary: "The account's event log: every state change and effect with the clause that caused it",
        params: z.object({ accountId: z.string().max(60) }),
        querystring: z.object({
          afterSeq: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
        }),
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      const events = await deps.eventLog.list(request.params.accountId, {
        ...(request.query.afterSeq !== undefined ? { afterSeq: request.query.afterSeq } : {}),
        ...(request.query.limit !== undefined ? { limit: request.query.limit } : {}),
      });
      return { events };
    },
  );

  app.post(
    '/v1/audit/verify',
    { schema: { tags: ['evidence'], summary: 'Verify every hash chain and checkpoint' } },
    async (request) => {
      requireOperator(request);
      return deps.eventLog.verify();
    },
  );
}
