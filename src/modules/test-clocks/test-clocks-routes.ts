import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import type { TestClock, TestClocks } from './index.ts';
import { addIsoDuration, IsoDuration } from './iso-duration.ts';

const Clock = z.object({
  id: z.string(),
  name: z.string(),
  frozenTime: z.string(),
  status: z.string(),
  createdAt: z.string(),
});

function clockJson(c: TestClock): z.infer<typeof Clock> {
  return { ...c, frozenTime: c.frozenTime.toISOString(), createdAt: c.createdAt.toISOString() };
}

/** HTTP for test clocks (operator only). */
export function registerTestClockRoutes(
  app: HttpServer,
  deps: {
    testClocks: TestClocks;
    idempotent: ReturnType<typeof makeIdempotency>;
    onAdvanced: (clockId: string) => void;
  },
): void {
  const tags = ['test clocks'];
  app.post(
    '/v1/test-clocks',
    {
      schema: {
        tags,
        summary: 'Create a test clock',
        body: z.strictObject({
          name: z.string().max(100).optional(),
          frozenTime: z.iso.datetime({ offset: true }).optional(),
        }),
        response: { 201: Clock },
      },
    },
    async (request, reply) =>
      deps.idempotent(request, reply, async () => {
        requireOperator(request);
        const clock = await deps.testClocks.create({
          ...(request.body.name ? { name: request.body.name } : {}),
          ...(request.body.frozenTime ? { frozenTime: new Date(request.body.frozenTime) } : {}),
        });
        reply.code(201);
        return clockJson(clock);
      }),
  );

  app.get(
    '/v1/test-clocks/:clockId',
    {
      schema: {
        tags,
        summary: 'A test clock',
        params: z.object({ clockId: z.string().max(60) }),
        response: { 200: Clock },
      },
    },
    async (request) => {
      requireOperator(request);
      return clockJson(await deps.testClocks.get(request.params.clockId));
    },
  );

  app.post(
    '/v1/test-clocks/:clockId/advance',
    {
      schema: {
        tags,
        summary: 'Advance a test clock; every rule that falls due for its accounts fires in time order',
        params: z.object({ clockId: z.string().max(60) }),
        body: z.strictObject({ to: z.iso.datetime({ offset: true }).optional(), by: IsoDuration.optional() }),
      },
    },
    async (request, reply) =>
      deps.idempotent(request, reply, async () => {
        requireOperator(request);
        const { to, by } = request.body;
        if ((to === undefined) === (by === undefined))
          throw new AppError('request.invalid', {
            details: { issues: [{ field: 'body', rule: 'exactly one of to, by' }] },
          });
        const current = await deps.testClocks.get(request.params.clockId);
        const target = to ? new Date(to) : addIsoDuration(current.frozenTime, by!);
        const result = await deps.testClocks.advance(request.params.clockId, target);
        deps.onAdvanced(request.params.clockId);
        return { clock: clockJson(result.clock), fired: result.fired, firedByKind: result.firedByKind };
      }),
  );
}
