import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { expectAppError } from '../../../../test/helpers/assertions.ts';
import { manualClock } from '../../../platform/clock.ts';
import { makeViesHttpClient, offlineVies, parseVatId, type ViesClient } from './vat-id.ts';

describe('parseVatId', () => {
  const cases: [raw: string, fallback: string, expected: ReturnType<typeof parseVatId>][] = [
    [
      'PL 526-025-02-74',
      'PL',
      { country: 'PL', isoCountry: 'PL', number: '5260250274', full: 'PL5260250274' },
    ],
    ['5260250274', 'PL', { country: 'PL', isoCountry: 'PL', number: '5260250274', full: 'PL5260250274' }],
    ['cz25596641', 'PL', { country: 'CZ', isoCountry: 'CZ', number: '25596641', full: 'CZ25596641' }],
    ['25596641', 'CZ', { country: 'CZ', isoCountry: 'CZ', number: '25596641', full: 'CZ25596641' }],
    ['DE 123.456.789', 'PL', { country: 'DE', isoCountry: 'DE', number: '123456789', full: 'DE123456789' }],
    ['EL094259216', 'PL', { country: 'EL', isoCountry: 'GR', number: '094259216', full: 'EL094259216' }],
    ['GR094259216', 'PL', { country: 'EL', isoCountry: 'GR', number: '094259216', full: 'EL094259216' }],
    ['094259216', 'GR', { country: 'EL', isoCountry: 'GR', number: '094259216', full: 'EL094259216' }],
    ['094259216', 'EL', { country: 'EL', isoCountry: 'GR', number: '094259216', full: 'EL094259216' }],
    ['AB123456789', 'FR', { country: 'FR', isoCountry: 'FR', number: 'AB123456789', full: 'FRAB123456789' }],
    ['GB123456789', 'PL', { country: 'GB', isoCountry: 'GB', number: '123456789', full: 'GB123456789' }],
    ['123456789', 'NO', { country: 'NO', isoCountry: 'NO', number: '123456789', full: 'NO123456789' }],
  ];
  for (const [raw, fallback, expected] of cases) {
    it(`reads ${JSON.stringify(raw)} (buyer in ${fallback}) as ${expected.full}`, () => {
      assert.deepEqual(parseVatId(raw, fallback), expected);
    });
  }

  const invalid: [raw: string, fallback: string, reason: string][] = [
    ['', 'PL', 'empty'],
    ['PL5260250275', 'PL', 'checksum'],
    ['CZ25596642', 'CZ', 'checksum'],
    ['DE12345678', 'DE', 'format'],
    ['EL12345678', 'GR', 'format'],
  ];
  for (const [raw, fallback, reason] of invalid) {
    it(`refuses ${JSON.stringify(raw)} (${reason})`, () => {
      assert.throws(
        () => parseVatId(raw, fallback),
        expectAppError('billing.vat_id_invalid', { raw, reason }),
      );
    });
  }
});

describe('offlineVies', () => {
  it('answers "not checked" for every number, so VIES can be switched off', async () => {
    assert.deepEqual(await offlineVies.check('PL', '5260250274'), {
      status: 'not_checked',
      valid: null,
      reason: 'vies_off',
    });
  });
});

/**
 * A local stand-in for the VIES REST API (ec.europa.eu/taxation_customs/vies/rest-api), answering like the
 * documented `POST /check-vat-number`. Each test sets `reply`; requests are recorded.
 */
describe('makeViesHttpClient against a local VIES', () => {
  type Reply = (body: Record<string, unknown>, res: ServerResponse) => void;
  let server: Server;
  let baseUrl: string;
  let reply: Reply;
  const requests: { method: string; url: string; contentType: string; body: Record<string, unknown> }[] = [];

  const json =
    (status: number, payload: unknown): Reply =>
    (_body, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (chunk) => {
        text += chunk;
      });
      req.on('end', () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          contentType: req.headers['content-type'] ?? '',
          body,
        });
        reply(body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/taxation_customs/vies/rest-api/`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    requests.length = 0;
  });

  const client = (extra: Partial<Parameters<typeof makeViesHttpClient>[0]> = {}): ViesClient =>
    makeViesHttpClient({ baseUrl, timeoutMs: 2000, ...extra });

  it('posts {countryCode, vatNumber} and reads a valid answer with name, address, date and consultation number', async () => {
    reply = json(200, {
      countryCode: 'PL',
      vatNumber: '5260250274',
      requestDate: '2026-04-01T08:15:02.123Z',
      valid: true,
      requestIdentifier: 'WAPIAAAAZ1k2f3Xb',
      name: 'MINISTERSTWO FINANSÓW',
      address: 'ŚWIĘTOKRZYSKA 12\n00-916 WARSZAWA',
      traderName: '---',
      traderStreet: '---',
      traderPostalCode: '---',
      traderCity: '---',
      traderCompanyType: '---',
      traderNameMatch: 'NOT_PROCESSED',
      traderStreetMatch: 'NOT_PROCESSED',
      traderPostalCodeMatch: 'NOT_PROCESSED',
      traderCityMatch: 'NOT_PROCESSED',
      traderCompanyTypeMatch: 'NOT_PROCESSED',
    });
    const answer = await client({ requester: { country: 'CZ', number: '25596641' } }).check(
      'PL',
      '5260250274',
    );
    assert.deepEqual(answer, {
      status: 'checked',
      valid: true,
      name: 'MINISTERSTWO FINANSÓW',
      address: 'ŚWIĘTOKRZYSKA 12\n00-916 WARSZAWA',
      checkedAt: new Date('2026-04-01T08:15:02.123Z'),
      requestId: 'WAPIAAAAZ1k2f3Xb',
    });
    assert.deepEqual(requests, [
      {
        method: 'POST',
        url: '/taxation_customs/vies/rest-api/check-vat-number',
        contentType: 'application/json',
        body: {
          countryCode: 'PL',
          vatNumber: '5260250274',
          requesterMemberStateCode: 'CZ',
          requesterNumber: '25596641',
        },
      },
    ]);
  });

  it('reads an invalid number as valid: false, dropping the "---" VIES writes for undisclosed data', async () => {
    reply = json(200, {
      countryCode: 'DE',
      vatNumber: '123456789',
      requestDate: '2026-04-01T08:15:02.123Z',
      valid: false,
      requestIdentifier: '',
      name: '---',
      address: '---',
    });
    const answer = await client().check('DE', '123456789');
    assert.deepEqual(answer, {
      status: 'checked',
      valid: false,
      checkedAt: new Date('2026-04-01T08:15:02.123Z'),
    });
    assert.deepEqual(Object.keys(requests[0]!.body), ['countryCode', 'vatNumber']);
  });

  it('sends Greece as EL', async () => {
    reply = (body, res) =>
      json(200, { ...body, requestDate: '2026-04-01T08:00:00Z', valid: true })(body, res);
    await client().check('GR', '094259216');
    await client({ requester: { country: 'GR', number: '094259216' } }).check('EL', '094259216');
    assert.deepEqual(
      requests.map((request) => [request.body.countryCode, request.body.requesterMemberStateCode]),
      [
        ['EL', undefined],
        ['EL', 'EL'],
      ],
    );
  });

  it('dates the check by the clock when VIES gives no readable requestDate', async () => {
    reply = json(200, { countryCode: 'DE', vatNumber: '123456789', valid: true });
    const clock = manualClock('2026-04-01T10:00:00Z');
    const answer = await client({ clock }).check('DE', '123456789');
    assert.ok(answer.status === 'checked');
    assert.deepEqual(answer.checkedAt, new Date('2026-04-01T10:00:00Z'));
    reply = json(200, { valid: true, requestDate: '2026-04-01+02:00' });
    const dated = await client({ clock }).check('DE', '123456789');
    assert.ok(dated.status === 'checked');
    assert.deepEqual(dated.checkedAt, new Date('2026-03-31T22:00:00Z'));
  });

  it('turns { errorWrappers: [{ error: "MS_UNAVAILABLE" }] } into billing.vies_unavailable, not a "no"', async () => {
    const unavailable = {
      actionSucceed: false,
      errorWrappers: [
        { error: 'MS_UNAVAILABLE', message: 'The application at the Member State is not available' },
      ],
    };
    for (const status of [200, 500]) {
      reply = json(status, unavailable);
      await assert.rejects(
        client().check('PL', '5260250274'),
        expectAppError('billing.vies_unavailable', { country: 'PL', error: 'MS_UNAVAILABLE', status }),
      );
    }
    reply = json(200, { actionSucceed: false, errorWrappers: [{ error: 'MS_MAX_CONCURRENT_REQ' }] });
    await assert.rejects(
      client().check('PL', '5260250274'),
      expectAppError('billing.vies_unavailable', { error: 'MS_MAX_CONCURRENT_REQ' }),
    );
  });

  it('turns a refused request (INVALID_INPUT) into billing.vies_rejected', async () => {
    reply = json(400, { actionSucceed: false, errorWrappers: [{ error: 'INVALID_INPUT', message: 'bad' }] });
    await assert.rejects(
      client().check('XX', '1'),
      expectAppError('billing.vies_rejected', { error: 'INVALID_INPUT', message: 'bad' }),
    );
  });

  it('turns an answer that is not VIES JSON into billing.vies_unavailable', async () => {
    reply = (_body, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    };
    await assert.rejects(
      client().check('PL', '5260250274'),
      expectAppError('billing.vies_unavailable', { error: 'BAD_RESPONSE', status: 502 }),
    );
    reply = json(503, {});
    await assert.rejects(
      client().check('PL', '5260250274'),
      expectAppError('billing.vies_unavailable', { error: 'HTTP_503' }),
    );
    reply = json(200, { countryCode: 'PL' });
    await assert.rejects(
      client().check('PL', '5260250274'),
      expectAppError('billing.vies_unavailable', { error: 'BAD_RESPONSE' }),
    );
  });

  it('gives up after timeoutMs with billing.vies_unavailable (TIMEOUT)', async () => {
    reply = () => {}; // never answers
    const started = performance.now();
    await assert.rejects(
      client({ timeoutMs: 150 }).check('PL', '5260250274'),
      expectAppError('billing.vies_unavailable', { error: 'TIMEOUT', timeoutMs: 150 }),
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 2000, `timed out after ${elapsed} ms`);
  });

  it('reports an unreachable VIES as billing.vies_unavailable (NETWORK)', async () => {
    const refused = makeViesHttpClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 2000 });
    await assert.rejects(
      refused.check('PL', '5260250274'),
      expectAppError('billing.vies_unavailable', { error: 'NETWORK' }),
    );
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response(JSON.stringify({ valid: true, requestDate: '2026-04-01T08:00:00Z' }), {
        status: 200,
      });
    };
    const answer = await makeViesHttpClient({
      baseUrl: 'https://vies.test/rest-api',
      fetch: fakeFetch,
      timeoutMs: 50,
    }).check('PL', '5260250274');
    assert.equal(answer.valid, true);
    assert.deepEqual(calls, ['https://vies.test/rest-api/check-vat-number']);
  });
});
