import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { allowedOrigins, bannerBootOf } from './consent-rules.ts';
import { renderDemoPage } from './demo-page.ts';
import type { Cookies } from './index.ts';

const BANNER_SOURCE = new URL('./public/banner.js', import.meta.url);

const SiteId = z
  .string()
  .max(60)
  .regex(/^[a-z][a-z0-9_]*$/);
const Category = z
  .string()
  .max(60)
  .regex(/^[a-z][a-z0-9_]*$/);

const ConsentBody = z.strictObject({
  site: SiteId,
  /** The random consent id the banner keeps in the consent cookie. */
  visitorId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'a random id of 16–64 URL-safe characters'),
  action: z.enum(['accept_all', 'reject_all', 'custom']),
  channel: z.enum(['banner', 'preference_centre']),
  granted: z.array(Category).max(50),
  denied: z.array(Category).max(50),
  policyVersionId: z.string().min(1).max(200),
  cookiePolicyVersion: z.string().min(1).max(100),
  language: z.enum(['pl', 'en']),
});

const ConsentJson = z.object({
  id: z.string(),
  site: z.string(),
  visitorId: z.string(),
  action: z.string(),
  channel: z.string(),
  granted: z.array(z.string()),
  denied: z.array(z.string()),
  given: z.array(z.string()),
  withdrawn: z.array(z.string()),
  policyVersionId: z.string(),
  cookiePolicyVersion: z.string(),
  language: z.string(),
  ipAnonymised: z.string().nullable(),
  userAgent: z.string().nullable(),
  recordedAt: z.string(),
});

const ListQuery = z.strictObject({
  site: SiteId.optional(),
  visitorId: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  after: z.string().max(60).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The origin of the request's own server, as a browser on a page served by it would send it. */
function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/**
 * HTTP for the website cookie banner: the script, its configuration and the consent ledger, open to the
 * operator's sites (CORS for the origins the policy lists for them), and the operator's read of the ledger.
 */
export function registerCookiesRoutes(
  app: HttpServer,
  deps: { cookies: Cookies; idempotent: ReturnType<typeof makeIdempotency> },
): void {
  const { cookies, idempotent } = deps;
  const policy = cookies.policy();
  const boot = bannerBootOf(policy);
  const script = readFileSync(BANNER_SOURCE, 'utf8').replace('/*BOOT*/ null', JSON.stringify(boot));
  const scriptGzip = gzipSync(script, { level: 9 });
  const scriptTag = `"${createHash('sha256').update(script).digest('base64url').slice(0, 27)}"`;
  const anySiteOrigins = new Set(allowedOrigins(policy, null));
  const tags = ['cookies'];

  /** CORS for the banner's calls: only origins of the operator's sites (or Klauzula's own pages). */
  function allowOrigin(request: FastifyRequest, reply: FastifyReply): void {
    reply.header('vary', 'Origin');
    reply.header('cross-origin-resource-policy', 'cross-origin');
    const origin = request.headers.origin;
    if (origin && (anySiteOrigins.has(origin) || origin === ownOrigin(request))) {
      reply.header('access-control-allow-origin', origin);
    }
  }

  /** Before validation and rate limiting, so that the banner can read their errors too. */
  function corsHook(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    allowOrigin(request, reply);
    done();
  }

  app.get('/banner/v1/banner.js', { schema: { hide: true } }, async (request, reply) => {
    if (!boot) throw new AppError('cookies.no_banner');
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('cache-control', 'public, max-age=0, must-revalidate')
      .header('etag', scriptTag)
      .header('vary', 'Accept-Encoding');
    if (request.headers['if-none-match'] === scriptTag) return reply.code(304).send();
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
      return reply.header('content-encoding', 'gzip').send(scriptGzip);
    }
    return reply.send(script);
  });

  app.get(
    '/banner/v1/config',
    {
      schema: {
        tags,
        summary: "The banner's categories, texts, vendors and versions for one of the operator's sites",
        querystring: z.strictObject({ site: SiteId }),
      },
      config: { rateLimit: { max: 300, timeWindow: '1 minute' } },
      onRequest: corsHook,
    },
    async (request, reply) => {
      const config = cookies.config(request.query.site);
      reply.header('cache-control', 'public, max-age=60');
      return config;
    },
  );

  app.options(
    '/banner/v1/consents',
    { schema: { hide: true }, onRequest: corsHook },
    async (_request, reply) => {
      reply
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'content-type, idempotency-key')
        .header('access-control-max-age', '600');
      return reply.code(204).send();
    },
  );

  app.post(
    '/banner/v1/consents',
    {
      schema: {
        tags,
        summary: "Records a visitor's cookie choice as proof of consent (CM-CKE-07)",
        body: ConsentBody,
        response: { 201: ConsentJson },
      },
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      bodyLimit: 8192,
      onRequest: corsHook,
    },
    async (request, reply) => {
      const origin = request.headers.origin;
      const site = cookies.config(request.body.site).site;
      if (origin && origin !== ownOrigin(request) && !allowedOrigins(policy, site).includes(origin)) {
        throw new AppError('cookies.origin_not_allowed', { details: { site } });
      }
      return idempotent(request, reply, async () => {
        const record = await cookies.record(request.body, {
          ip: request.ip ?? null,
          userAgent: request.headers['user-agent'] ?? null,
        });
        reply.code(201);
        return { ...record, recordedAt: record.recordedAt.toISOString() };
      });
    },
  );

  app.get(
    '/v1/cookie-consents',
    {
      schema: {
        tags,
        summary: 'The consent ledger of the website cookie banner, oldest first',
        querystring: ListQuery,
        response: { 200: z.object({ records: z.array(ConsentJson), next: z.string().nullable() }) },
        security: [{ apiKey: [] }],
      },
    },
    async (request) => {
      requireOperator(request);
      const { from, to, ...rest } = request.query;
      const page = await cookies.list({
        ...rest,
        ...(from ? { from: new Date(from) } : {}),
        ...(to ? { to: new Date(to) } : {}),
      });
      return {
        records: page.records.map((record) => ({ ...record, recordedAt: record.recordedAt.toISOString() })),
        next: page.next,
      };
    },
  );

  app.get(
    '/banner/demo',
    {
      schema: {
        hide: true,
        querystring: z.strictObject({ site: SiteId.optional(), lang: z.enum(['pl', 'en']).optional() }),
      },
    },
    async (request, reply) => {
      const site = request.query.site ?? policy.cookies.banner?.sites[0]?.id;
      if (!site) throw new AppError('cookies.no_banner');
      const config = cookies.config(site);
      const html = renderDemoPage({
        bannerSrc: '/banner/v1/banner.js',
        config,
        lang: request.query.lang ?? config.defaultLanguage,
      });
      return reply.header('content-type', 'text/html; charset=utf-8').send(html);
    },
  );
}
