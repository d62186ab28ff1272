import { z } from 'zod';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { type Breach, BreachDetails, NewBreach } from './breaches.ts';
import type { Processors, Recipient } from './index.ts';
import type { CustomerEntry, RegistryEntry } from './processors-rules.ts';
import { NewSubProcessor, type Objection } from './sub-processors.ts';

/** Who manages integrations and objects to sub-processors: the account's owner and admins, and the operator. */
const ADMIN_ROLES = ['owner', 'admin'] as const;
const AccountParams = z.object({ accountId: z.string().max(60) });
const iso = (d: Date | null) => d?.toISOString() ?? null;

function entryJson(e: RegistryEntry | CustomerEntry) {
  const { changeId: _change, agreementRecordedAt, ...rest } = e;
  return { ...rest, agreementRecordedAt: iso(agreementRecordedAt) };
}

function objectionJson(o: Objection) {
  return { ...o, receivedAt: o.receivedAt.toISOString(), decidedAt: iso(o.decidedAt) };
}

function breachJson(b: Breach) {
  return {
    ...b,
    awareAt: b.awareAt.toISOString(),
    recordedAt: b.recordedAt.toISOString(),
    notices: b.notices.map((n) => ({
      ...n,
      dueAt: iso(n.dueAt),
      notifiedAt: iso(n.notifiedAt),
      overdueAt: iso(n.overdueAt),
    })),
  };
}

export function registerProcessorsRoutes(
  app: HttpServer,
  deps: { processors: Processors; idempotent: ReturnType<typeof makeIdempotency> },
): void {
  const { processors, idempotent } = deps;
  const tags = ['processors'];

  app.get(
    '/v1/policy/sub-processors',
    {
      schema: {
        tags,
        summary: "The policy's public list of sub-processors and whom each applies to (QU-PRC-10, CM-PRV-14)",
      },
    },
    async () => ({ subProcessors: (await processors.publicRegistry()).map(entryJson) }),
  );

  const RecipientBody = z.strictObject({
    name: z.string().trim().min(1).max(300),
    kind: z.enum(['processor', 'independent_controller', 'authority', 'affiliate']),
    purpose: z.strictObject({ pl: z.string().min(1).max(500), en: z.string().min(1).max(500) }),
    location: z.string().length(2),
    integration: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .max(60)
      .nullable()
      .default(null),
    basis: z
      .strictObject({
        kind: z.enum(['adequacy', 'scc']),
        reference: z.string().min(1).max(300),
        date: z.iso.date(),
      })
      .nullable()
      .default(null),
  });
  const recipientJson = (r: Recipient) => ({ ...r, addedAt: r.addedAt.toISOString() });

  app.get(
    '/v1/public/recipients',
    {
      schema: {
        tags,
        summary:
          'The public register of recipients: processors (the sub-processors), independent controllers, authorities, affiliates, with location and transfer basis (CM-PRV-14)',
      },
    },
    async () => ({
      recipients: [
        ...(await processors.publicRegistry()).map((s) => ({
          name: s.name,
          kind: 'processor',
          purpose: s.purpose,
          location: s.location,
          transferBasis: s.safeguard,
          integration: s.scope.startsWith('integration:') ? s.scope.slice(12) : null,
        })),
        ...(await processors.listRecipients()).map((r) => ({
          name: r.name,
          kind: r.kind,
          purpose: r.purpose,
          location: r.location,
          transferBasis: r.transferBasis,
          basisDate: r.basisDate,
          integration: r.integration,
        })),
      ],
    }),
  );

  app.post(
    '/v1/recipients',
    { schema: { tags, summary: 'Add a recipient to the register (CM-PRV-14)', body: RecipientBody } },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        reply.code(201);
        return recipientJson(
          await processors.addRecipient({ ...request.body, actor: `api_key:${operator.keyId}` }),
        );
      }),
  );

  app.put(
    '/v1/recipients/:recipientId/transfer-basis',
    {
      schema: {
        tags,
        summary: "Record a recipient's transfer basis: adequacy decision or SCCs with their date (CM-PRV-14)",
        params: z.object({ recipientId: z.string().max(60) }),
        body: z.strictObject({
          basis: z.enum(['adequacy', 'scc']),
          reference: z.string().min(1).max(300),
          date: z.iso.date(),
        }),
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      return recipientJson(
        await processors.recordTransferBasis({
          id: request.params.recipientId,
          ...request.body,
          actor: `api_key:${operator.keyId}`,
        }),
      );
    },
  );

  app.get(
    '/v1/sub-processors',
    { schema: { tags, summary: 'The registry of sub-processors' } },
    async (request) => {
      requireOperator(request);
      return { subProcessors: (await processors.listRegistry()).map(entryJson) };
    },
  );

  app.post(
    '/v1/sub-processors',
    {
      schema: {
        tags,
        summary:
          'Add (or replace) a sub-processor and announce it to the customers it reaches, each with its objection window (QU-PRC-11, BK-PRC-11, BK-PRC-13)',
        body: NewSubProcessor,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const result = await processors.announceSubProcessor({
          ...request.body,
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(201);
        return { ...result, subProcessor: entryJson(result.subProcessor) };
      }),
  );

  app.get(
    '/v1/accounts/:accountId/sub-processors',
    {
      schema: {
        tags,
        summary: "The sub-processors of this customer's data today (QU-PRC-10, BK-PRC-10)",
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      const view = await processors.customerSubProcessors(request.params.accountId);
      return { ...view, subProcessors: view.subProcessors.map(entryJson) };
    },
  );

  app.put(
    '/v1/accounts/:accountId/integrations/:integration',
    {
      schema: {
        tags,
        summary: 'Switch an integration on or off; its sub-processors follow',
        params: AccountParams.extend({
          integration: z
            .string()
            .regex(/^[a-z][a-z0-9_]*$/)
            .max(60),
        }),
        body: z.strictObject({ enabled: z.boolean() }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      const result = await processors.setIntegration({
        accountId: request.params.accountId,
        integration: request.params.integration,
        enabled: request.body.enabled,
        actor,
      });
      return { ...result, changedAt: result.changedAt.toISOString() };
    },
  );

  app.post(
    '/v1/accounts/:accountId/sub-processor-objections',
    {
      schema: {
        tags,
        summary: 'Object to a sub-processor within the objection window (QU-PRC-11, BK-PRC-11, BK-PRC-12)',
        params: AccountParams,
        body: z.strictObject({
          subProcessorId: z.string().min(1).max(60),
          justification: z.string().trim().min(1).max(5000).optional(),
          documentation: z.string().trim().min(1).max(5000).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
        const objection = await processors.objectToSubProcessor({
          accountId: request.params.accountId,
          subProcessorId: request.body.subProcessorId,
          justification: request.body.justification ?? null,
          documentation: request.body.documentation ?? null,
          actor,
        });
        reply.code(201);
        return objectionJson(objection);
      }),
  );

  app.get(
    '/v1/accounts/:accountId/sub-processor-objections',
    { schema: { tags, summary: "The customer's objections and their outcome", params: AccountParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return {
        objections: (await processors.listObjections({ accountId: request.params.accountId })).map(
          objectionJson,
        ),
      };
    },
  );

  app.get(
    '/v1/sub-processor-objections',
    {
      schema: {
        tags,
        summary: 'Objections to decide (pending=true) or all',
        querystring: z.strictObject({ pending: z.enum(['true', 'false']).optional() }),
      },
    },
    async (request) => {
      requireOperator(request);
      const list = await processors.listObjections({ pendingOnly: request.query.pending === 'true' });
      return { objections: list.map(objectionJson) };
    },
  );

  app.post(
    '/v1/sub-processor-objections/:objectionId/decision',
    {
      schema: {
        tags,
        summary: 'Uphold or reject an objection (BK-PRC-12; QU-PRC-11)',
        params: z.object({ objectionId: z.string().max(60) }),
        body: z.strictObject({
          outcome: z.enum(['upheld', 'rejected']),
          reason: z.string().trim().min(1).max(5000).optional(),
          serviceImpossible: z.boolean().optional(),
        }),
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      return objectionJson(
        await processors.decideObjection({
          objectionId: request.params.objectionId,
          outcome: request.body.outcome,
          reason: request.body.reason ?? null,
          serviceImpossible: request.body.serviceImpossible ?? false,
          actor: `api_key:${operator.keyId}`,
        }),
      );
    },
  );

  app.post(
    '/v1/breaches',
    {
      schema: {
        tags,
        summary:
          'Record a suspected or confirmed breach; its notice deadlines run from awareness (GDPR art. 33(5))',
        body: NewBreach,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const breach = await processors.recordBreach({ ...request.body, actor: `api_key:${operator.keyId}` });
        reply.code(201);
        return breachJson(breach);
      }),
  );

  app.get('/v1/breaches', { schema: { tags, summary: 'The breach register' } }, async (request) => {
    requireOperator(request);
    return { breaches: (await processors.listBreaches()).map(breachJson) };
  });

  const BreachParams = z.object({ breachId: z.string().max(60) });

  app.get(
    '/v1/breaches/:breachId',
    { schema: { tags, summary: 'One breach with its notices', params: BreachParams } },
    async (request) => {
      requireOperator(request);
      return breachJson(await processors.getBreach(request.params.breachId));
    },
  );

  app.patch(
    '/v1/breaches/:breachId',
    {
      schema: {
        tags,
        summary: 'Add what the investigation found',
        params: BreachParams,
        body: z.strictObject({
          status: z.enum(['suspected', 'confirmed']).optional(),
          highRisk: z.boolean().optional(),
          details: BreachDetails.optional(),
          addAccountIds: z.array(z.string().min(1).max(60)).max(100_000).optional(),
        }),
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      const { status, highRisk, details, addAccountIds } = request.body;
      return breachJson(
        await processors.updateBreach({
          breachId: request.params.breachId,
          ...(status ? { status } : {}),
          ...(highRisk === undefined ? {} : { highRisk }),
          ...(details ? { details } : {}),
          ...(addAccountIds ? { addAccountIds } : {}),
          actor: `api_key:${operator.keyId}`,
        }),
      );
    },
  );

  app.post(
    '/v1/breaches/:breachId/notices',
    {
      schema: {
        tags,
        summary:
          'Notify the affected customers (mail), or record the notice to the authority or to data subjects (BK-PRC-06, QU-PRC-07, HT-SEC-01)',
        params: BreachParams,
        body: z.strictObject({
          recipient: z.enum(['customers', 'authority', 'data_subjects']),
          /** The authority's case number, or how data subjects were told. */
          reference: z.string().trim().min(1).max(500).optional(),
          /** How many data subjects were told. */
          count: z.number().int().min(0).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const { recipient, reference, count } = request.body;
        const breach = await processors.notifyBreach({
          breachId: request.params.breachId,
          recipient,
          ...(reference ? { reference } : {}),
          ...(count === undefined ? {} : { count }),
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(201);
        return breachJson(breach);
      }),
  );

  app.get(
    '/v1/accounts/:accountId/breaches',
    {
      schema: {
        tags,
        summary:
          "Breaches that affected this customer's data, with the record it needs for its own notice (BK-PRC-07)",
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return { breaches: (await processors.customerBreaches(request.params.accountId)).map(breachJson) };
    },
  );

  app.get(
    '/v1/records-of-processing',
    {
      schema: {
        tags,
        summary: 'Records of processing (GDPR art. 30) as controller or processor, CSV or PDF',
        querystring: z.strictObject({
          role: z.enum(['controller', 'processor']),
          format: z.enum(['csv', 'pdf']),
          lang: z.enum(['pl', 'en']).optional(),
        }),
      },
    },
    async (request, reply) => {
      const operator = requireOperator(request);
      const { role, format, lang } = request.query;
      const out = await processors.recordsOfProcessing({
        role,
        format,
        ...(lang ? { lang } : {}),
        actor: `api_key:${operator.keyId}`,
      });
      return reply
        .type(out.contentType)
        .header('content-disposition', `attachment; filename="${out.filename}"`)
        .send(out.body);
    },
  );
}
