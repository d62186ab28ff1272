import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
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

  await app.register(helmet, { contentSecurityPolicy: false, global: true });
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

export function isAppError(error: unknown, code: string): boolean {
  return error instanceof AppError && error.code === code;
}
