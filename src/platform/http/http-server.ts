import cookie from '@fastify/cookie';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { AppError, errorMessage, errorStatus, type Language } from '../errors.ts';

export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The request's language: the first of Polish or English in Accept-Language, else the policy's default. */
export function languageOf(request: FastifyRequest, fallback: Language): Language {
  const header = request.headers['accept-language'];
  if (typeof header !== 'string') return fallback;
  for (const part of header.split(',')) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    if (tag === 'pl' || tag === 'en') return tag;
  }
  return fallback;
}

/**
 * The Fastify instance with the plumbing every route shares: zod validation and OpenAPI from the same
 * schemas, security headers, cookies, rate limiting, and one error handler that renders
 * `{ code, message, details }` in the request's language and hides the details of 5xx errors.
 */
export async function makeHttpServer(options: {
  defaultLanguage: Language;
  logLevel: string;
  title: string;
  version: string;
}): Promise<HttpServer> {
  const app = Fastify({
    logger: { level: options.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    trustProxy: true,
    bodyLimit: 1_048_576,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const securityHeaders = await helmetHeaders({ contentSecurityPolicy: false });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: options.title, version: options.version },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Operator API key (klz_...)' },
          session: { type: 'apiKey', in: 'cookie', name: 'klz_session' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const lang = languageOf(request, options.defaultLanguage);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({
        field: `${error.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`,
        rule: v.keyword,
        message: v.message,
      }));
      return reply.code(400).send({
        code: 'request.invalid',
        message: errorMessage('request.invalid', lang),
        details: { issues },
      });
    }
    if (error instanceof AppError) {
      const status = errorStatus(error.code);
      if (status >= 500) request.log.error({ err: error }, 'application error');
      return reply.code(status).send({
        code: error.code,
        message: errorMessage(error.code, lang, error.details),
        details: status >= 500 ? {} : (error.details ?? {}),
      });
    }
    if (error.statusCode === 429)
      return reply.code(429).send({
        code: 'request.rate_limited',
        message: errorMessage('request.rate_limited', lang),
        details: {},
      });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
      return reply.code(error.statusCode).send({
        code: 'request.invalid',
        message: errorMessage('request.invalid', lang),
        details: { reason: error.message },
      });
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(500)
      .send({ code: 'internal.error', message: errorMessage('internal.error', lang), details: {} });
  });
  app.setNotFoundHandler((request, reply) => {
    const lang = languageOf(request, options.defaultLanguage);
    return reply
      .code(404)
      .send({ code: 'request.not_found', message: errorMessage('request.not_found', lang), details: {} });
  });
  return app as unknown as HttpServer;
}

/**
 * The security headers @fastify/helmet puts on every response with these options, read once from the plugin
 * on a throwaway instance. The plugin rebuilds helmet's middleware chain on every request, which cost more
 * CPU than the rest of an entitlements request; the headers never vary, so each response gets them from
 * this list instead (names in lower case, like the headers Fastify writes itself).
 */
async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(helmet, { ...options, global: true });
  let headers: Record<string, string> = {};
  probe.get('/', (_request, reply) => {
    headers = Object.fromEntries(
      reply.raw.getHeaderNames().map((name) => [name, String(reply.raw.getHeader(name))]),
    );
    return '';
  });
  await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  return headers;
}

export function isAppError(error: unknown, code: string): boolean {
  return error instanceof AppError && error.code === code;
}
