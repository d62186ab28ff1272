import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { aRegistration, buildTestApp, sessionCookie, type TestApp } from '../../../test/helpers/app.ts';
import { AppError } from '../errors.ts';

describe('the HTTP server', () => {
  let app: TestApp;
  before(async () => {
    app = await buildTestApp({ preset: 'quanda' });
    // Routes that fail the way a bug or an outage would, to see what a client is told.
    app.http.get('/test/crash', { schema: { hide: true } }, async () => {
      throw new Error('connect ECONNREFUSED postgres://klauzula:s3cret@db.internal:5432');
    });
    app.http.get('/test/server-app-error', { schema: { hide: true } }, async () => {
      throw new AppError('internal.error', { details: { table: 'api_keys', key: 's3cret' } });
    });
  });
  after(() => app.close());

  describe('errors', () => {
    for (const [acceptLanguage, message] of [
      ['pl', 'Wymagane jest uwierzytelnienie.'],
      ['en', 'Authentication is required.'],
      ['en-GB,en;q=0.9,pl;q=0.8', 'Authentication is required.'],
      ['de-DE, pl;q=0.5', 'Wymagane jest uwierzytelnienie.'],
      ['fr', 'Wymagane jest uwierzytelnienie.'],
      [undefined, 'Wymagane jest uwierzytelnienie.'],
    ] as const) {
      it(`renders { code, message, details } in ${message.startsWith('W') ? 'Polish' : 'English'} for Accept-Language: ${acceptLanguage ?? '(none; the policy default)'}`, async () => {
        const res = await app.http.inject({
          method: 'GET',
          url: '/v1/me',
          headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {},
        });
        assert.equal(res.statusCode, 401);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.deepEqual(res.json(), { code: 'request.unauthenticated', message, details: {} });
      });
    }

    it('answers a body that fails its schema with 400 request.invalid and the path of each field', async () => {
      const res = await app.http.inject({
        method: 'POST',
        url: '/v1/test-clocks',
        headers: { ...app.operator, 'accept-language': 'en' },
        payload: { name: 'x'.repeat(101), frozenTime: 'tomorrow' },
      });
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json();
      assert.equal(body.code, 'request.invalid');
      assert.equal(body.message, 'The request is invalid.');
      assert.deepEqual(
        body.details.issues.map((i: { field: string; rule: string }) => [i.field, i.rule]),
        [
          ['body.name', 'too_big'],
          ['body.frozenTime', 'invalid_format'],
        ],
      );
    });

    it('names nested fields and query parameters by their path', async () => {
      const nested = await app.http.inject({
        method: 'POST',
        url: '/v1/registrations',
        payload: aRegistration(app.current().policy, {
          company: { name: 'Róża', country: 'pl', address: { street: 'ul. Długa 1', city: 'Gdańsk' } },
        }),
      });
      assert.equal(nested.statusCode, 400, nested.body);
      assert.deepEqual(
        nested.json().details.issues.map((i: { field: string }) => i.field),
        ['body.company.country', 'body.company.address.postalCode', 'body.company.address.country'],
      );

      const query = await app.http.inject({
        method: 'GET',
        url: '/v1/accounts/acc_1/events?limit=0',
        headers: app.operator,
      });
      assert.equal(query.statusCode, 400, query.body);
      assert.deepEqual(
        query.json().details.issues.map((i: { field: string; rule: string }) => [i.field, i.rule]),
        [['querystring.limit', 'too_small']],
      );
    });

    it('answers an unknown route with 404 request.not_found', async () => {
      for (const [method, url] of [
        ['GET', '/v1/no-such-thing'],
        ['POST', '/v1/accounts'],
      ] as const) {
        const res = await app.http.inject({ method, url, headers: { 'accept-language': 'en' } });
        assert.equal(res.statusCode, 404, `${method} ${url}`);
        assert.deepEqual(res.json(), { code: 'request.not_found', message: 'Not found.', details: {} });
      }
    });

    it('hides what went wrong from a 500: no message, stack or details of an unexpected error', async () => {
      const res = await app.http.inject({
        method: 'GET',
        url: '/test/crash',
        headers: { 'accept-language': 'en' },
      });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), {
        code: 'internal.error',
        message: 'Something went wrong on our side.',
        details: {},
      });
      assert.doesNotMatch(res.body, /s3cret|ECONNREFUSED/);
    });

    it('hides the details of an application error with a 5xx status', async () => {
      const res = await app.http.inject({ method: 'GET', url: '/test/server-app-error' });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), {
        code: 'internal.error',
        message: 'Wystąpił błąd po naszej stronie.',
        details: {},
      });
    });
  });

  describe('authentication', () => {
    it('refuses an unknown API key every time, not only on the first look-up', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await app.http.inject({
          method: 'GET',
          url: '/v1/policy',
          headers: { authorization: 'Bearer klz_not_a_key', 'accept-language': 'en' },
        });
        assert.equal(res.statusCode, 401, `request ${i + 1}`);
        assert.equal(res.json().code, 'request.unauthenticated');
      }
      const anonymous = await app.http.inject({ method: 'GET', url: '/v1/policy' });
      assert.equal(anonymous.statusCode, 200, 'the same route without a key is public');
    });
  });

  describe('/openapi.json', () => {
    it('is an OpenAPI 3 document describing the /v1 routes', async () => {
      const res = await app.http.inject({ method: 'GET', url: '/openapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.match(doc.openapi, /^3\.\d+\.\d+$/);
      assert.equal(typeof doc.info.title, 'string');
      assert.equal(doc.info.version, '0.1.0');
      assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKey', 'session']);

      for (const [path, methods] of [
        ['/v1/policy', ['get']],
        ['/v1/registrations', ['post']],
        ['/v1/sessions', ['post']],
        ['/v1/me', ['get']],
        ['/v1/accounts/{accountId}', ['get', 'patch']],
        ['/v1/accounts/{accountId}/entitlements', ['get']],
        ['/v1/accounts/{accountId}/events', ['get']],
        ['/v1/test-clocks', ['post']],
        ['/v1/test-clocks/{clockId}', ['get']],
        ['/v1/test-clocks/{clockId}/advance', ['post']],
        ['/v1/audit/verify', ['post']],
        ['/v1/outbox', ['get']],
      ] as const) {
        assert.ok(doc.paths[path], `${path} is documented`);
        for (const method of methods) assert.ok(doc.paths[path][method], `${method} ${path} is documented`);
      }
      for (const hidden of ['/openapi.json', '/health', '/test/crash'])
        assert.equal(doc.paths[hidden], undefined, `${hidden} is not documented`);

      // The structure OpenAPI 3 requires of every operation, and that every path parameter is declared.
      const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
      for (const [path, item] of Object.entries<Record<string, Operation>>(doc.paths)) {
        assert.ok(
          /^\/(banner\/)?v1\//.test(path),
          `${path}: only the API (and the banner's public API) is documented`,
        );
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const [method, operation] of Object.entries(item)) {
          assert.ok(methods.has(method), `${path}: ${method} is an HTTP method`);
          assert.ok(
            operation.responses && Object.keys(operation.responses).length > 0,
            `${method} ${path}: responses`,
          );
          for (const [status, response] of Object.entries(operation.responses))
            assert.equal(typeof response.description, 'string', `${method} ${path} ${status}: description`);
          const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
          assert.deepEqual(
            declared.map((p) => p.name).sort(),
            [...templated].sort(),
            `${method} ${path}: path parameters`,
          );
          for (const p of declared)
            assert.equal(p.required, true, `${method} ${path}: ${p.name} is required`);
          for (const p of operation.parameters ?? [])
            assert.ok(
              ['path', 'query', 'header', 'cookie'].includes(p.in),
              `${method} ${path}: ${p.name} in ${p.in}`,
            );
        }
      }
      // Every $ref points at something in the document.
      const text = JSON.stringify(doc);
      for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
        const target = ref!
          .split('/')
          .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], doc);
        assert.notEqual(target, undefined, `$ref #/${ref} resolves`);
      }
    });
  });

  describe('CSRF', () => {
    it("a cookie-authenticated unsafe request needs the session's X-CSRF-Token; a safe one does not", async (t) => {
      const bookero = await buildTestApp({ preset: 'bookero' });
      t.after(() => bookero.close());
      const registered = await bookero.http.inject({
        method: 'POST',
        url: '/v1/registrations',
        payload: aRegistration(bookero.current().policy, { email: 'csrf@roza.example' }),
      });
      assert.equal(registered.statusCode, 201, registered.body);
      const { accountId, csrfToken } = registered.json();
      assert.equal(typeof csrfToken, 'string', 'bookero logs the new user in at registration');
      const cookie = sessionCookie(registered.headers['set-cookie']);
      const patch = (headers: Record<string, string>) =>
        bookero.http.inject({
          method: 'PATCH',
          url: `/v1/accounts/${accountId}`,
          headers: { cookie, 'accept-language': 'en', ...headers },
          payload: { phone: '+48 600 100 300' },
        });

      const without = await patch({});
      assert.equal(without.statusCode, 403, without.body);
      assert.deepEqual(without.json(), {
        code: 'request.csrf_failed',
        message: 'The CSRF token is missing or wrong.',
        details: {},
      });
      const wrong = await patch({ 'x-csrf-token': `${csrfToken}x` });
      assert.equal(wrong.statusCode, 403, wrong.body);
      assert.equal(wrong.json().code, 'request.csrf_failed');
      assert.equal((await bookero.accounts.profile(accountId)).phone, '+48 600 100 200', 'nothing changed');

      const withToken = await patch({ 'x-csrf-token': csrfToken });
      assert.equal(withToken.statusCode, 200, withToken.body);
      assert.equal(withToken.json().phone, '+48 600 100 300');

      const read = await bookero.http.inject({
        method: 'GET',
        url: `/v1/accounts/${accountId}`,
        headers: { cookie },
      });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().phone, '+48 600 100 300');
    });
  });
});

type Operation = {
  responses: Record<string, { description?: unknown }>;
  parameters?: { name: string; in: string; required?: boolean }[];
};
