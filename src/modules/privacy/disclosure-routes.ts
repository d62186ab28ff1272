import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorMessage, errorStatus } from '../../platform/errors.ts';
import { requireOperator } from '../../platform/http/auth.ts';
import { type HttpServer, languageOf } from '../../platform/http/http-server.ts';
import { disclosureErrors } from './disclosure-errors.ts';
import { DisclosureInput, type LoggedDisclosure, type makeDisclosures } from './disclosures.ts';

type Idempotent = <R>(request: FastifyRequest, reply: FastifyReply, handler: () => Promise<R>) => Promise<R>;

const disclosureJson = (d: LoggedDisclosure) => ({ ...d, recordedAt: d.recordedAt.toISOString() });

/**
 * HTTP for the disclosure log (operator only): record a disclosure of personal data to a third party before
 * handing the data over (refused ones answer 422 and are logged as events), and read the log.
 */
export function registerDisclosureRoutes(
  app: HttpServer,
  deps: {
    disclosures: ReturnType<typeof makeDisclosures>;
    idempotent: Idempotent;
    defaultLanguage: () => 'pl' | 'en';
  },
): void {
  const tags = ['privacy'];
  app.post(
    '/v1/privacy/disclosures',
    {
      schema: {
        tags,
        summary: 'Record a disclosure of personal data before it happens (CM-PRV-13, MOC-PRV-03, HT-PRV-06)',
        body: DisclosureInput.omit({ actor: true }),
      },
    },
    async (request, reply) =>
      deps.idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const outcome = await deps.disclosures.attempt({
          ...(request.body as Omit<DisclosureInput, 'actor'>),
          actor: `api_key:${operator.keyId}`,
        });
        // A refusal is an answer, not a failure: its event commits with the request.
        if ('refused' in outcome) {
          const code = disclosureErrors['privacy.disclosure_refused'];
          const details = { reason: outcome.refused.reason, clause: outcome.refused.clause };
          reply.code(errorStatus(code));
          return {
            code,
            message: errorMessage(code, languageOf(request, deps.defaultLanguage()), details),
            details,
          };
        }
        reply.code(201);
        return disclosureJson(outcome.logged);
      }),
  );
  app.get(
    '/v1/privacy/disclosures',
    { schema: { tags, summary: 'The disclosure log, newest first', querystring: z.object({}) } },
    async (request) => {
      requireOperator(request);
      return { disclosures: (await deps.disclosures.list()).map(disclosureJson) };
    },
  );
}
