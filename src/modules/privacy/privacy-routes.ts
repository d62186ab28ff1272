import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import { escapeHtml } from '../notifications/index.ts';
import { consentChannels } from './consents.ts';
import type { Privacy, RoutedRequest } from './index.ts';
import { requestTypes } from './privacy-rules.ts';
import type { Candidate } from './recruitment.ts';
import { type DsrRequest, intakeChannels } from './requests.ts';
import { VisitorFields } from './visitors.ts';

type Idempotent = <R>(request: FastifyRequest, reply: FastifyReply, handler: () => Promise<R>) => Promise<R>;

const Id = z.string().min(1).max(60);
const Email = z.email().max(254);
const Purpose = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/)
  .max(60);

const requestJson = (r: DsrRequest) => ({
  ...r,
  receivedAt: r.receivedAt.toISOString(),
  overdueAt: r.overdueAt?.toISOString() ?? null,
  closedAt: r.closedAt?.toISOString() ?? null,
  fee: r.fee ? { ...r.fee, acceptedAt: r.fee.acceptedAt?.toISOString() ?? null } : null,
});

/**
 * HTTP for privacy as controller: consents (the portal's settings, staff recording a withdrawal), the
 * one-click unsubscribe link (RFC 8058), marketing campaigns, and data-subject requests with their queue.
 */
export function registerPrivacyRoutes(
  app: HttpServer,
  deps: {
    privacy: Privacy;
    idempotent: Idempotent;
    /** The signed-in user's e-mail address. */
    emailOfUser: (accountId: string, userId: string) => Promise<string | null>;
  },
): void {
  const { privacy, idempotent } = deps;
  const tags = ['privacy'];

  /** The operator acts for anyone (given `email`); a user only for their own address. */
  async function who(request: FastifyRequest, email: string | undefined) {
    const p = request.principal;
    if (!p) throw new AppError('request.unauthenticated');
    if (p.kind === 'api_key') {
      if (!email) throw new AppError('request.invalid', { details: { reason: 'email is required' } });
      return { actor: `api_key:${p.keyId}`, email, operator: true, userId: null as string | null };
    }
    const own = await deps.emailOfUser(p.accountId, p.userId);
    if (!own || (email && email.toLowerCase() !== own.toLowerCase())) throw new AppError('request.forbidden');
    return { actor: `user:${p.userId}`, email: own, operator: false, userId: p.userId };
  }

  /** The operator, or the user the request is about. */
  async function mayRead(request: FastifyRequest, dsr: DsrRequest): Promise<string> {
    const p = request.principal;
    if (!p) throw new AppError('request.unauthenticated');
    if (p.kind === 'api_key') return `api_key:${p.keyId}`;
    if ((await privacy.userOfSubject(dsr.subjectId)) !== p.userId) throw new AppError('request.forbidden');
    return `user:${p.userId}`;
  }

  app.post(
    '/v1/privacy/consents',
    {
      schema: {
        tags,
        summary: 'Give or withdraw a consent (portal settings, or staff recording a mail or letter)',
        body: z.strictObject({
          email: Email.optional(),
          purpose: Purpose,
          action: z.enum(['given', 'withdrawn']),
          channel: z.enum(consentChannels),
          language: z.enum(['pl', 'en']),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const caller = await who(request, request.body.email);
        const allowed = caller.operator
          ? ['staff', 'api', 'email', 'letter', 'registration', 'chat']
          : ['account_settings', 'preference_centre', 'registration'];
        if (!allowed.includes(request.body.channel)) throw new AppError('request.forbidden');
        const entry = await privacy.changeConsent({
          email: caller.email,
          purpose: request.body.purpose,
          action: request.body.action,
          channel: request.body.channel,
          language: request.body.language,
          ip: request.ip ?? null,
          userAgent: request.headers['user-agent'] ?? null,
          actor: caller.actor,
        });
        reply.code(201);
        return { ...entry, occurredAt: entry.occurredAt.toISOString() };
      }),
  );

  app.get(
    '/v1/privacy/consents',
    {
      schema: {
        tags,
        summary: "A person's consents: each purpose's state and the ledger with its proof",
        querystring: z.object({ email: Email.optional() }),
      },
    },
    async (request) => {
      const caller = await who(request, request.query.email);
      const subjectId = await privacy.subjectIdOf(caller.email);
      if (!subjectId) return { subject: null, purposes: [], ledger: [] };
      const overview = await privacy.consents(subjectId);
      return {
        subject: {
          id: overview.subject.id,
          marketingObjectedAt: overview.subject.marketingObjectedAt?.toISOString() ?? null,
        },
        purposes: overview.purposes.map((p) => ({ ...p, changedAt: p.changedAt?.toISOString() ?? null })),
        ledger: overview.ledger.map((e) => ({ ...e, occurredAt: e.occurredAt.toISOString() })),
      };
    },
  );

  app.get(
    '/v1/privacy/consents/:purpose/accounts',
    {
      schema: {
        tags,
        summary: 'Accounts whose people hold this consent now (e.g. the logo showcase, BK-CNS-02)',
        params: z.object({ purpose: Purpose }),
      },
    },
    async (request) => {
      requireOperator(request);
      return { accounts: await privacy.accountsGranting(request.params.purpose) };
    },
  );

  // The one-click unsubscribe link: GET shows a confirmation button (a link scanner must not unsubscribe
  // anyone), POST withdraws — the target of `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
  const UnsubscribeQuery = z.object({ s: Id, p: Purpose, t: z.string().min(10).max(100) });
  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.get(
      '/v1/privacy/unsubscribe',
      {
        schema: {
          tags,
          summary: 'The unsubscribe page (a button that posts the one-click form)',
          querystring: UnsubscribeQuery,
        },
      },
      async (request, reply) => {
        const q = request.query as z.infer<typeof UnsubscribeQuery>;
        const action = `/v1/privacy/unsubscribe?${new URLSearchParams(q).toString()}`;
        reply.type('text/html; charset=utf-8');
        return `<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>Wypisz się / Unsubscribe</title></head>
<body><form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Wypisz mnie / Unsubscribe me</button></form></body></html>\n`;
      },
    );
    scope.post(
      '/v1/privacy/unsubscribe',
      {
        schema: {
          tags,
          summary: "One-click unsubscribe (RFC 8058): withdraws the purpose's consent at once",
          querystring: UnsubscribeQuery,
        },
      },
      async (request) => {
        const q = request.query as z.infer<typeof UnsubscribeQuery>;
        const result = await privacy.unsubscribe({
          subjectId: q.s,
          purpose: q.p,
          signature: q.t,
          ip: request.ip ?? null,
          userAgent: request.headers['user-agent'] ?? null,
        });
        return { unsubscribed: true, purpose: result.purpose };
      },
    );
  });

  app.post(
    '/v1/privacy/campaigns',
    {
      schema: {
        tags,
        summary:
          'Queue a marketing campaign to the recipients whose consent holds (checked again at send time)',
        body: z.strictObject({
          purpose: Purpose,
          title: z.strictObject({
            pl: z.string().trim().min(1).max(200),
            en: z.string().trim().min(1).max(200),
          }),
          content: z.strictObject({
            pl: z.string().trim().min(1).max(20_000),
            en: z.string().trim().min(1).max(20_000),
          }),
          thirdParty: z.boolean(),
          similarProducts: z.boolean(),
          recipients: z.array(Email).min(1).max(10_000),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const result = await privacy.queueCampaign({ ...request.body, actor: `api_key:${operator.keyId}` });
        reply.code(201);
        return result;
      }),
  );

  app.post(
    '/v1/privacy/requests',
    {
      schema: {
        tags,
        summary: 'Open a data-subject request (portal, API, or staff recording a mail or letter)',
        body: z.strictObject({
          type: z.enum(requestTypes),
          channel: z.enum(intakeChannels).optional(),
          receivedAt: z.iso.datetime({ offset: true }).optional(),
          email: Email.optional(),
          statement: z.string().trim().max(5000).optional(),
          details: z.record(z.string(), z.unknown()).default({}),
          locale: z.enum(['pl', 'en']).optional(),
          /**
           * The customer whose entrusted data the request is about (its client, a webinar attendee): the
           * request is recorded and routed to that customer as controller (BK-PRV-01, MOC-PRV-02).
           */
          controllerAccountId: z.string().max(60).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        if (request.body.controllerAccountId) {
          const operator = requireOperator(request);
          if (!request.body.email)
            throw new AppError('request.invalid', { details: { reason: 'email is required' } });
          const routed = await privacy.route({
            controllerAccountId: request.body.controllerAccountId,
            type: request.body.type,
            channel: request.body.channel ?? 'api',
            ...(request.body.receivedAt ? { receivedAt: new Date(request.body.receivedAt) } : {}),
            email: request.body.email,
            ...(request.body.statement ? { statement: request.body.statement } : {}),
            ...(request.body.locale ? { locale: request.body.locale } : {}),
            actor: `api_key:${operator.keyId}`,
          });
          reply.code(201);
          return routedJson(routed);
        }
        const caller = await who(request, request.body.email);
        if (!caller.operator && (request.body.channel ?? 'account_settings') !== 'account_settings')
          throw new AppError('request.forbidden');
        if (!caller.operator && request.body.receivedAt) throw new AppError('request.forbidden');
        const dsr = await privacy.receive({
          type: request.body.type,
          channel: request.body.channel ?? (caller.operator ? 'api' : 'account_settings'),
          ...(request.body.receivedAt ? { receivedAt: new Date(request.body.receivedAt) } : {}),
          email: caller.email,
          ...(request.body.statement ? { statement: request.body.statement } : {}),
          details: request.body.details,
          ...(request.body.locale ? { locale: request.body.locale } : {}),
          authenticated: !caller.operator,
          actor: caller.actor,
        });
        reply.code(201);
        return requestJson(dsr);
      }),
  );

  app.post(
    '/v1/accounts/:accountId/sms-alerts',
    {
      schema: {
        tags,
        summary:
          'Send a predefined alert by SMS; the gateway gets only the policy’s fields (HT-PRC-01: name, country, e-mail, phone)',
        params: z.object({ accountId: z.string().max(60) }),
        body: z.strictObject({
          kind: z.string().max(40),
          person: z.record(z.string().max(40), z.string().max(500).nullable()),
          params: z.record(z.string().max(40), z.string().max(200)).default({}),
          locale: z.enum(['pl', 'en']).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const queued = await privacy.queueSmsAlert({
          accountId: request.params.accountId,
          kind: request.body.kind,
          person: request.body.person,
          params: request.body.params,
          ...(request.body.locale ? { locale: request.body.locale } : {}),
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(201);
        return queued;
      }),
  );

  app.post(
    '/v1/visitors/records',
    {
      schema: {
        tags,
        summary:
          'Record data collected automatically from a visitor without an account, kept as long as its identifier lives (CM-PRV-11)',
        body: z.strictObject({
          cookie: z.string().min(1).max(200),
          value: z.string().min(1).max(500),
          setAt: z.iso.datetime({ offset: true }),
          maxAgeDays: z.number().int().min(1).max(3650).optional(),
          occurredAt: z.iso.datetime({ offset: true }).optional(),
          data: z.partialRecord(z.enum(VisitorFields), z.string().max(2000)),
          testClockId: z.string().max(60).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        requireOperator(request);
        const b = request.body;
        const recorded = await privacy.recordVisit({
          cookie: b.cookie,
          value: b.value,
          setAt: new Date(b.setAt),
          ...(b.maxAgeDays ? { maxAgeDays: b.maxAgeDays } : {}),
          occurredAt: b.occurredAt ? new Date(b.occurredAt) : new Date(b.setAt),
          data: b.data,
          clockId: b.testClockId ?? null,
        });
        reply.code(201);
        return { id: recorded.id, expiresAt: recorded.expiresAt.toISOString() };
      }),
  );

  app.post(
    '/v1/visitors/link',
    {
      schema: {
        tags,
        summary:
          "Link a visitor identifier to an account: its records become the account's personal data (CM-PRV-15)",
        body: z.strictObject({
          cookie: z.string().min(1).max(200),
          value: z.string().min(1).max(500),
          accountId: z.string().max(60),
        }),
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      return privacy.linkVisitor({ ...request.body, actor: `api_key:${operator.keyId}` });
    },
  );

  // Recruitment data (CM-PRV-17): the operator's own recruitments and candidates.
  app.post(
    '/v1/recruitments',
    {
      schema: {
        tags,
        summary: 'Open a recruitment (CM-PRV-17)',
        body: z.strictObject({
          title: z.string().trim().min(1).max(300),
          testClockId: z.string().max(60).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        reply.code(201);
        const opened = await privacy.openRecruitment({
          title: request.body.title,
          clockId: request.body.testClockId ?? null,
          actor: `api_key:${operator.keyId}`,
        });
        return { id: opened.id, openedAt: opened.openedAt.toISOString() };
      }),
  );

  const candidateJson = (c: Candidate) => ({
    ...c,
    appliedAt: c.appliedAt.toISOString(),
    keepUntil: c.keepUntil?.toISOString() ?? null,
  });

  app.post(
    '/v1/recruitments/:recruitmentId/candidates',
    {
      schema: {
        tags,
        summary:
          'Record a candidate; extra data sent with the CV rest on that consent; the talent pool needs its own (CM-PRV-17)',
        params: z.object({ recruitmentId: z.string().max(60) }),
        body: z.strictObject({
          name: z.string().trim().min(1).max(200),
          email: Email,
          extra: z.record(z.string().max(60), z.string().max(2000)).default({}),
          talentPoolConsent: z.boolean(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        reply.code(201);
        return candidateJson(
          await privacy.addCandidate({
            recruitmentId: request.params.recruitmentId,
            ...request.body,
            actor: `api_key:${operator.keyId}`,
          }),
        );
      }),
  );

  app.post(
    '/v1/recruitments/:recruitmentId/close',
    {
      schema: {
        tags,
        summary: 'Close a recruitment: candidates are kept for the claims period, then deleted (CM-PRV-17)',
        params: z.object({ recruitmentId: z.string().max(60) }),
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      const closed = await privacy.closeRecruitment({
        recruitmentId: request.params.recruitmentId,
        actor: `api_key:${operator.keyId}`,
      });
      return {
        ...closed,
        closedAt: closed.closedAt.toISOString(),
        keepUntil: closed.keepUntil.toISOString(),
      };
    },
  );

  app.get(
    '/v1/candidates/talent-pool',
    {
      schema: {
        tags,
        summary: 'Search the talent pool: only candidates with a live talent-pool consent (CM-PRV-17)',
        querystring: z.object({ q: z.string().max(200).optional() }),
      },
    },
    async (request) => {
      requireOperator(request);
      return { candidates: (await privacy.searchTalentPool(request.query.q)).map(candidateJson) };
    },
  );

  app.post(
    '/v1/candidates/:candidateId/talent-pool-withdrawal',
    {
      schema: {
        tags,
        summary: 'A candidate withdraws the talent-pool consent (e.g. by writing to privacy@) (CM-PRV-17)',
        params: z.object({ candidateId: z.string().max(60) }),
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      return privacy.withdrawTalentPool({
        candidateId: request.params.candidateId,
        actor: `api_key:${operator.keyId}`,
      });
    },
  );

  app.get(
    '/v1/accounts/:accountId/privacy/routed-requests',
    {
      schema: {
        tags,
        summary:
          'Requests about the data this customer controls, routed to it by the operator as processor (BK-PRV-01, MOC-PRV-02)',
        params: z.object({ accountId: z.string().max(60) }),
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, ['owner', 'admin']);
      return { requests: (await privacy.routedTo(request.params.accountId)).map(routedJson) };
    },
  );

  app.get(
    '/v1/privacy/requests',
    {
      schema: {
        tags,
        summary: 'The request queue: open requests by due date, overdue ones flagged',
        querystring: z.object({
          status: z.enum(['open', 'closed', 'all']).default('open'),
          overdue: z.enum(['true', 'false']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (request) => {
      requireOperator(request);
      const list = await privacy.list({
        status: request.query.status,
        overdueOnly: request.query.overdue === 'true',
        limit: request.query.limit,
      });
      return { requests: list.map(requestJson) };
    },
  );

  app.get(
    '/v1/privacy/requests/:id',
    { schema: { tags, summary: 'A request with its full history', params: z.object({ id: Id }) } },
    async (request) => {
      const { request: dsr, history, identityDocuments } = await privacy.history(request.params.id);
      await mayRead(request, dsr);
      return { request: requestJson(dsr), identityDocuments, history };
    },
  );

  app.get(
    '/v1/privacy/requests/:id/export',
    {
      schema: {
        tags,
        summary: 'The data of an answered access, copy or portability request (CSV or JSON)',
        params: z.object({ id: Id }),
        querystring: z.object({ format: z.enum(['csv', 'json']).optional() }),
      },
    },
    async (request, reply) => {
      const dsr = await privacy.get(request.params.id);
      await mayRead(request, dsr);
      if (!['access', 'copy', 'portability'].includes(dsr.type) || dsr.status !== 'completed')
        throw new AppError('request.not_found');
      const policy = privacy.current().policy;
      const format =
        request.query.format ??
        (dsr.details.format as 'csv' | 'json' | undefined) ??
        policy.dataSubjectRequests.portabilityFormat;
      reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${dsr.id}.${format}"`);
      return privacy.export(dsr.id, format);
    },
  );

  const params = { params: z.object({ id: Id }) };
  const operatorStep = <B extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    run: (id: string, body: z.infer<B>, actor: string) => Promise<DsrRequest | Record<string, unknown>>,
  ) =>
    app.post(
      `/v1/privacy/requests/:id/${path}`,
      { schema: { tags, summary, ...params, body } },
      async (request, reply) =>
        idempotent(request, reply, async () => {
          const operator = requireOperator(request);
          const { id } = request.params as { id: string };
          const result = await run(id, request.body as z.infer<B>, `api_key:${operator.keyId}`);
          return 'receivedAt' in result ? requestJson(result as DsrRequest) : result;
        }),
    );

  operatorStep(
    'identity-request',
    'Ask the requester to confirm their identity (the deadline keeps running)',
    z.strictObject({}),
    (id, _b, actor) => privacy.requestIdentity({ id, actor }),
  );
  operatorStep(
    'identity-documents',
    'Store an identity document (deleted when the request closes)',
    z.strictObject({
      fileName: z.string().trim().min(1).max(200),
      contentType: z.string().min(3).max(100),
      contentBase64: z.base64().max(14_000_000),
    }),
    (id, b, actor) => privacy.addIdentityDocument({ id, ...b, actor }),
  );
  operatorStep(
    'identity-decision',
    'Record the outcome of the identity check',
    z.strictObject({ verified: z.boolean() }),
    (id, b, actor) => privacy.decideIdentity({ id, verified: b.verified, actor }),
  );
  operatorStep(
    'extension',
    "Extend the deadline by up to the policy's months, within the first deadline and with reasons",
    z.strictObject({
      months: z.number().int().min(1).max(2),
      reasons: z
        .string()
        .trim()
        .min(3)
        .max(500)
        .regex(/^[^\r\n]+$/),
    }),
    (id, b, actor) => privacy.extend({ id, ...b, actor }),
  );
  operatorStep(
    'fee-quote',
    'Quote the fee for a further copy (minor units)',
    z.strictObject({
      amount: z.string().regex(/^\d{1,12}$/),
      currency: z.string().regex(/^[A-Z]{3}$/),
      basis: z
        .string()
        .trim()
        .min(3)
        .max(300)
        .regex(/^[^\r\n]+$/),
    }),
    (id, b, actor) =>
      privacy.quoteFee({ id, amount: BigInt(b.amount), currency: b.currency, basis: b.basis, actor }),
  );
  operatorStep(
    'completion',
    'Carry out and answer the request',
    z.strictObject({
      outcome: z
        .string()
        .trim()
        .min(3)
        .max(1000)
        .regex(/^[^\r\n]+$/)
        .optional(),
    }),
    (id, b, actor) => privacy.complete({ id, actor, ...(b.outcome ? { outcome: b.outcome } : {}) }),
  );
  operatorStep(
    'refusal',
    'Refuse the request with reasons',
    z.strictObject({
      reason: z
        .string()
        .trim()
        .min(3)
        .max(1000)
        .regex(/^[^\r\n]+$/),
    }),
    (id, b, actor) => privacy.refuse({ id, reason: b.reason, actor }),
  );

  app.post(
    '/v1/privacy/requests/:id/fee-acceptance',
    {
      schema: {
        tags,
        summary: 'The requester (or staff for them) accepts the quoted fee',
        ...params,
        body: z.strictObject({}),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const dsr = await privacy.get(request.params.id);
        const actor = await mayRead(request, dsr);
        return requestJson(await privacy.acceptFee({ id: dsr.id, actor }));
      }),
  );
}

function routedJson(r: RoutedRequest) {
  return {
    ...r,
    receivedAt: r.receivedAt.toISOString(),
    routedAt: r.routedAt.toISOString(),
  };
}
