import { z } from 'zod';
import { AppError } from '../errors.ts';
import { requireOperator } from '../http/auth.ts';
import type { HttpServer } from '../http/http-server.ts';
import type { Outbox } from './outbox.ts';

/** The outbox, readable by the operator: with no SMTP server configured, this is where mails wait. */
export function registerOutboxRoutes(app: HttpServer, deps: { outbox: Outbox }): void {
  app.get(
    '/v1/outbox',
    {
      schema: {
        tags: ['operator'],
        summary: 'Messages in the outbox, sent and waiting',
        querystring: z.object({
          accountId: z.string().max(60).optional(),
          recipient: z.string().max(254).optional(),
          limit: z.coerce.number().int().min(1).max(500).optional(),
        }),
      },
    },
    async (request) => {
      requireOperator(request);
      const q = request.query;
      return {
        messages: await deps.outbox.list({
          ...(q.accountId ? { accountId: q.accountId } : {}),
          ...(q.recipient ? { recipient: q.recipient } : {}),
          ...(q.limit ? { limit: q.limit } : {}),
        }),
      };
    },
  );

  app.post(
    '/v1/outbox/:id/proven-delivery',
    {
      schema: {
        tags: ['operator'],
        summary:
          'Record a proven delivery of a sent notice (a reply); the deemed delivery day stays (QU-NOT-01)',
        params: z.object({ id: z.string().min(1).max(60) }),
        body: z.strictObject({ at: z.iso.datetime({ offset: true }) }),
      },
    },
    async (request) => {
      requireOperator(request);
      const message = await deps.outbox.recordProvenDelivery(request.params.id, new Date(request.body.at));
      if (!message) throw new AppError('request.not_found');
      return message;
    },
  );
}
