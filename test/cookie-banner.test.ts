import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildTestApp, type TestApp } from './helpers/app.ts';

// The cookie banner's HTTP side: the script and its configuration for the operator's sites, the consent
// ledger the banner writes to (proof of each visitor's choice) and the operator's read of it. The banner
// itself, in a real browser, is tested in cookie-banner-browser.test.ts.

const SITE_ORIGIN = 'https://clickmeeting.com';
const CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36';

describe('cookie banner API (ClickMeeting preset)', () => {
  let app: TestApp;
  let config: {
    policyVersionId: string;
    cookiePolicyVersion: string;
    categories: { id: string; strictlyNecessary: boolean }[];
  };

  before(async () => {
    app = await buildTestApp({ preset: 'clickmeeting' });
    const response = await app.http.inject({
      url: '/banner/v1/config?site=www',
      headers: { origin: SITE_ORIGIN },
    });
    assert.equal(response.statusCode, 200);
    config = response.json();
  });
  after(() => app.close());

  function aChoice(overrides: Record<string, unknown> = {}) {
    return {
      site: 'www',
      visitorId: randomUUID(),
      action: 'custom',
      channel: 'preference_centre',
      granted: ['analytics'],
      denied: ['advertising'],
      policyVersionId: config.policyVersionId,
      cookiePolicyVersion: config.cookiePolicyVersion,
      language: 'pl',
      ...overrides,
    };
  }

  function postConsent(body: object, headers: Record<string, string> = {}) {
    return app.http.inject({
      method: 'POST',
      url: '/banner/v1/consents',
      headers: {
        origin: SITE_ORIGIN,
        'user-agent': CHROME_UA,
        'x-forwarded-for': '203.0.113.77',
        ...headers,
      },
      payload: body,
    });
  }

  async function ledger(query = '') {
    const response = await app.http.inject({ url: `/v1/cookie-consents${query}`, headers: app.operator });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as { records: Record<string, unknown>[]; next: string | null };
  }

  it('serves banner.js under 15 KB gzipped, loadable from other origins, revalidated by ETag', async () => {
    const response = await app.http.inject({
      url: '/banner/v1/banner.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-encoding'], 'gzip');
    assert.match(String(response.headers['content-type']), /^text\/javascript/);
    assert.equal(response.headers['cross-origin-resource-policy'], 'cross-origin');
    const gzipped = response.rawPayload.length;
    const source = gunzipSync(response.rawPayload).toString('utf8');
    console.log(`banner.js: ${source.length} bytes, ${gzipped} bytes gzipped (budget 15360)`);
    assert.ok(gzipped < 15 * 1024, `banner.js is ${gzipped} bytes gzipped`);
    assert.ok(!source.includes('/*BOOT*/'), 'the policy settings are filled in');
    assert.match(source, /"version":"2022-12-15"/);
    const plain = await app.http.inject({ url: '/banner/v1/banner.js' });
    assert.equal(plain.body, source);
    const again = await app.http.inject({
      url: '/banner/v1/banner.js',
      headers: { 'if-none-match': String(response.headers.etag) },
    });
    assert.equal(again.statusCode, 304);
  });

  it("CM-CKE-03: the configuration lists categories, texts, vendors with links and both versions, CORS for the operator's site only", async () => {
    const response = await app.http.inject({
      url: '/banner/v1/config?site=www',
      headers: { origin: SITE_ORIGIN },
    });
    assert.equal(response.headers['access-control-allow-origin'], SITE_ORIGIN);
    const body = response.json();
    assert.match(body.policyVersionId, /^clickmeeting@1\.0#/);
    assert.equal(body.cookiePolicyVersion, '2022-12-15');
    assert.equal(body.privacyPolicyUrl, 'https://clickmeeting.com/pl/legal');
    assert.equal(body.title.pl, 'Centrum preferencji prywatności');
    const analytics = body.categories.find((c: { id: string }) => c.id === 'analytics');
    assert.equal(analytics.vendors[0].privacyUrl, 'https://www.hotjar.com/privacy');
    assert.ok(analytics.storage.some((s: { name: string }) => s.name === '_hjSessionUser_*'));

    const foreign = await app.http.inject({
      url: '/banner/v1/config?site=www',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(foreign.statusCode, 200);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);

    const unknown = await app.http.inject({
      url: '/banner/v1/config?site=blog',
      headers: { 'accept-language': 'pl' },
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'cookies.site_unknown');
    assert.equal(unknown.json().message, 'Nie ma banera cookies dla witryny „blog”.');

    const preflight = await app.http.inject({
      method: 'OPTIONS',
      url: '/banner/v1/consents',
      headers: {
        origin: SITE_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,idempotency-key',
      },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], SITE_ORIGIN);
    assert.match(String(preflight.headers['access-control-allow-headers']), /idempotency-key/);
  });

  it('CM-CKE-07: a choice is recorded with anonymised IP, user agent, versions and channel, readable by the operator', async () => {
    const choice = aChoice();
    const response = await postConsent(choice, { 'idempotency-key': `${choice.visitorId}:1` });
    assert.equal(response.statusCode, 201, response.body);
    const record = response.json();
    assert.match(record.id, /^ckc_/);
    assert.equal(record.ipAnonymised, '203.0.113.0');
    assert.deepEqual(record.given, ['analytics']);

    const { records } = await ledger(`?visitorId=${choice.visitorId}`);
    assert.equal(records.length, 1);
    assert.deepEqual(records[0], {
      id: record.id,
      site: 'www',
      visitorId: choice.visitorId,
      action: 'custom',
      channel: 'preference_centre',
      granted: ['analytics'],
      denied: ['advertising'],
      given: ['analytics'],
      withdrawn: [],
      policyVersionId: config.policyVersionId,
      cookiePolicyVersion: '2022-12-15',
      language: 'pl',
      ipAnonymised: '203.0.113.0',
      userAgent: CHROME_UA,
      recordedAt: record.recordedAt,
    });

    const events = await app.eventLog.list('cookies:www');
    const event = events.find((e) => e.cause === record.id);
    assert.ok(event, 'the choice is in the event log');
    assert.equal(event.type, 'cookie_consent.recorded');
    assert.equal(event.clause, 'CM-CKE-07');
    assert.ok(!JSON.stringify(event).includes(choice.visitorId), 'no visitor id in the event log');
    assert.ok(!JSON.stringify(event).includes('203.0.113'), 'no IP address in the event log');

    const replay = await postConsent(choice, { 'idempotency-key': `${choice.visitorId}:1` });
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json().id, record.id);
    assert.equal((await ledger(`?visitorId=${choice.visitorId}`)).records.length, 1);
  });

  it('CM-CKE-04: a withdrawal is a new record from that moment; the earlier grant stays in the ledger', async () => {
    const visitorId = randomUUID();
    const first = await postConsent(
      aChoice({
        visitorId,
        action: 'accept_all',
        channel: 'banner',
        granted: ['analytics', 'advertising'],
        denied: [],
      }),
    );
    assert.equal(first.statusCode, 201);
    const second = await postConsent(
      aChoice({ visitorId, granted: ['advertising'], denied: ['analytics'], language: 'en' }),
      {
        'x-forwarded-for': '2001:db8:85a3:8d3:1319:8a2e:370:7348',
      },
    );
    assert.equal(second.statusCode, 201);
    const { records } = await ledger(`?visitorId=${visitorId}`);
    assert.deepEqual(
      records.map((r) => [r.action, r.channel, r.given, r.withdrawn, r.ipAnonymised]),
      [
        ['accept_all', 'banner', ['analytics', 'advertising'], [], '203.0.113.0'],
        ['custom', 'preference_centre', [], ['analytics'], '2001:db8:85a3::'],
      ],
    );
    assert.ok(String(records[0]!.recordedAt) <= String(records[1]!.recordedAt));
  });

  it('refuses bad choices with a clear error and stores nothing', async () => {
    const before = (await ledger('?limit=500')).records.length;
    const cases: [object, number, string, Record<string, string>?][] = [
      [aChoice({ granted: ['analytics'], denied: [] }), 400, 'cookies.choice_invalid'],
      [
        aChoice({ granted: ['analytics', 'advertising'], denied: ['authorisation'] }),
        400,
        'cookies.choice_invalid',
      ],
      [aChoice({ action: 'reject_all' }), 400, 'cookies.choice_invalid'],
      [aChoice({ granted: ['analytics', 'cookies_for_everything'] }), 400, 'cookies.choice_invalid'],
      [aChoice({ visitorId: 'short' }), 400, 'request.invalid'],
      [aChoice({ tracking: true }), 400, 'request.invalid'],
      [aChoice({ site: 'blog' }), 404, 'cookies.site_unknown'],
      [aChoice({ cookiePolicyVersion: '2020-01-01' }), 409, 'cookies.wording_outdated'],
      [aChoice({ policyVersionId: 'clickmeeting@0.9#old' }), 409, 'cookies.wording_outdated'],
      [aChoice(), 403, 'cookies.origin_not_allowed', { origin: 'https://evil.example' }],
    ];
    for (const [body, status, code, headers] of cases) {
      const response = await postConsent(body, headers);
      assert.equal(response.statusCode, status, `${code}: ${response.body}`);
      assert.equal(response.json().code, code);
    }
    const invalid = await postConsent(aChoice({ visitorId: 'short' }));
    assert.equal(
      invalid.headers['access-control-allow-origin'],
      SITE_ORIGIN,
      'the banner can read the error',
    );
    const missing = await postConsent(aChoice({ granted: ['analytics'], denied: [] }), {
      'accept-language': 'en',
    });
    assert.equal(
      missing.json().message,
      'The cookie choice is incomplete or contradictory: no answer for advertising.',
    );
    assert.equal((await ledger('?limit=500')).records.length, before);
  });

  it('the ledger is for the operator only, and pages by record id', async () => {
    const anonymous = await app.http.inject({ url: '/v1/cookie-consents' });
    assert.equal(anonymous.statusCode, 401);
    const firstPage = await ledger('?limit=2');
    assert.equal(firstPage.records.length, 2);
    assert.ok(firstPage.next);
    const rest = await ledger(`?limit=500&after=${firstPage.next}`);
    const all = await ledger('?limit=500');
    assert.deepEqual(
      [...firstPage.records, ...rest.records].map((r) => r.id),
      all.records.map((r) => r.id),
    );
    const badQuery = await app.http.inject({ url: '/v1/cookie-consents?limit=0', headers: app.operator });
    assert.equal(badQuery.statusCode, 400);
  });

  it('documents the banner API and the ledger in the OpenAPI document', async () => {
    const response = await app.http.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const paths = Object.keys(response.json().paths);
    for (const path of ['/banner/v1/config', '/banner/v1/consents', '/v1/cookie-consents']) {
      assert.ok(paths.includes(path), path);
    }
  });

  it('rate-limits consent records per address', async () => {
    let status = 0;
    for (let i = 0; i < 61; i++) {
      const response = await postConsent({ site: 'www' }, { 'x-forwarded-for': '198.51.100.9' });
      status = response.statusCode;
      if (i < 60) assert.equal(status, 400);
    }
    assert.equal(status, 429);
    const other = await postConsent({ site: 'www' }, { 'x-forwarded-for': '198.51.100.10' });
    assert.equal(other.statusCode, 400);
  });

  it('the demo page embeds the banner and a blocked tag per category, plus one of an undeclared category', async () => {
    const response = await app.http.inject({ url: '/banner/demo?lang=en' });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /<script src="\/banner\/v1\/banner.js" data-site="www"><\/script>/);
    assert.match(response.body, /<script type="text\/plain" data-category="analytics">/);
    assert.match(response.body, /<script type="text\/plain" data-category="advertising">/);
    assert.match(response.body, /<script type="text\/plain" data-category="authorisation">/);
    assert.match(response.body, /<script type="text\/plain" data-category="undeclared_category">/);
  });
});

describe('cookie banner API (Bookero preset)', () => {
  it('BK-CNS-01: the banner links to the Privacy Policy and asks an opt-in for analytics', async (t) => {
    const app = await buildTestApp({ preset: 'bookero' });
    t.after(() => app.close());
    const response = await app.http.inject({ url: '/banner/v1/config?site=www' });
    const config = response.json();
    assert.equal(config.privacyPolicyUrl, 'https://www.bookero.pl/polityka-prywatnosci');
    assert.equal(config.googleConsentMode, false);
    assert.deepEqual(
      config.categories.map((c: { id: string; strictlyNecessary: boolean }) => [c.id, c.strictlyNecessary]),
      [
        ['necessary', true],
        ['analytics', false],
      ],
    );
    assert.doesNotMatch(config.intro.pl, /zgadza się/, 'no "using the site = consent" wording (A13)');
  });
});

describe('cookie banner API (Quanda preset: no banner)', () => {
  it('serves no banner when the policy declares none', async (t) => {
    const app = await buildTestApp({ preset: 'quanda' });
    t.after(() => app.close());
    const script = await app.http.inject({ url: '/banner/v1/banner.js' });
    assert.equal(script.statusCode, 404);
    assert.equal(script.json().code, 'cookies.no_banner');
    const config = await app.http.inject({ url: '/banner/v1/config?site=www' });
    assert.equal(config.json().code, 'cookies.site_unknown');
  });
});
