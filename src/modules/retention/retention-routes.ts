import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { LegalHold, Retention } from './retention.ts';

const AccountParams = z.object({ accountId: z.string().min(1).max(60) });
const HoldParams = z.object({ holdId: z.string().min(1).max(60) });

const HoldReply = z.object({
  id: z.string(),
  accountId: z.string(),
  subjectId: z.string().nullable(),
  reason: z.string(),
  setBy: z.string(),
  setAt: z.string(),
  liftedBy: z.string().nullable(),
  liftedAt: z.string().nullable(),
  liftReason: z.string().nullable(),
});

function holdJson(h: LegalHold): z.infer<typeof HoldReply> {
  return {
    ...h,
    setAt: h.setAt.toISOString(),
    liftedAt: h.liftedAt?.toISOString() ?? null,
  };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** HTTP for retention: legal holds (operator) and the account's retention schedule (operator or its users). */
export function registerRetentionRoutes(
  app: HttpServer,
  deps: {
    retention: Retention;
    idempotent: <R>(request: FastifyRequest, reply: FastifyReply, handler: () => Promise<R>) => Promise<R>;
  },
): void {
  const { retention, idempotent } = deps;
  const tags = ['retention'];

  app.post(
    '/v1/accounts/:accountId/legal-holds',
    {
      schema: {
        tags,
        summary: 'Put an account, or one data subject of it, under a legal hold: nothing of it is purged',
        params: AccountParams,
        body: z.strictObject({
          /** A user id or an entrusted data subject's id; absent for the whole account. */
          subjectId: z.string().min(1).max(60).optional(),
          reason: z.string().trim().min(3).max(1000),
        }),
        response: { 201: HoldReply },
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const hold = await retention.setHold({
          accountId: request.params.accountId,
          subjectId: request.body.subjectId ?? null,
          reason: request.body.reason,
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(201);
        return holdJson(hold);
      }),
  );

  app.post(
    '/v1/legal-holds/:holdId/lift',
    {
      schema: {
        tags,
        summary: 'Lift a legal hold; what it held goes when its retention says',
        params: HoldParams,
        body: z.strictObject({ reason: z.string().trim().min(3).max(1000).optional() }),
        response: { 200: HoldReply },
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        return holdJson(
          await retention.liftHold({
            holdId: request.params.holdId,
            reason: request.body.reason ?? null,
            actor: `api_key:${operator.keyId}`,
          }),
        );
      }),
  );

  app.get(
    '/v1/accounts/:accountId/legal-holds',
    {
      schema: {
        tags,
        summary: 'Legal holds of an account, lifted ones included',
        params: AccountParams,
        response: { 200: z.object({ holds: z.array(HoldReply) }) },
      },
    },
    async (request) => {
      requireOperator(request);
      return { holds: (await retention.holdsOf(request.params.accountId)).map(holdJson) };
    },
  );

  app.get(
    '/v1/accounts/:accountId/retention',
    {
      schema: {
        tags,
        summary: 'What of the account is deleted when, under which clause, and the warnings sent',
        params: AccountParams,
        response: {
          200: z.object({
            /** Only for the operator: a hold may be confidential (an authority's order). */
            onLegalHold: z.boolean().optional(),
            categories: z.array(
              z.object({
                category: z.string(),
                clause: z.string(),
                name: z.object({ pl: z.string(), en: z.string() }),
                action: z.string(),
                triggerAt: z.string().nullable(),
                purgeAt: z.string().nullable(),
                warnedAt: z.string().nullable(),
                doneAt: z.string().nullable(),
                rows: z.number(),
                note: z.string().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId);
      const s = await retention.scheduleOf(request.params.accountId);
      return {
        ...(actor.startsWith('api_key:') ? { onLegalHold: s.holds.some((h) => h.subjectId === null) } : {}),
        categories: s.categories.map((c) => ({
          category: c.category,
          clause: c.clause,
          name: c.name,
          action: c.action,
          triggerAt: iso(c.triggerAt),
          purgeAt: iso(c.purgeAt),
          warnedAt: iso(c.warnedAt),
          doneAt: iso(c.doneAt),
          rows: c.rows,
          note: c.note,
        })),
      };
    },
  );
}
