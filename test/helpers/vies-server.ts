import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ViesAnswer =
  | { valid: boolean; name?: string; address?: string }
  | {
      error: 'MS_UNAVAILABLE' | 'TIMEOUT' | 'INVALID_INPUT' | 'SERVICE_UNAVAILABLE' | 'MS_MAX_CONCURRENT_REQ';
    };

export type TestViesServer = {
  /** The REST API's base, as `VIES_URL` takes it (`…/taxation_customs/vies/rest-api`). */
  baseUrl: string;
  /** Every request received: `{ countryCode, vatNumber, … }`. */
  requests: Record<string, string>[];
  /** What VIES answers for `countryCode + vatNumber` (e.g. `PL5260250274`); unknown numbers are invalid. */
  answers: Map<string, ViesAnswer>;
  close(): Promise<void>;
};

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A local server answering like the EU Commission's VIES REST API (`POST /check-vat-number`): for a known
 * number `{ countryCode, vatNumber, requestDate, valid, requestIdentifier, name, address }` with HTTP 200;
 * for an outage `{ actionSucceed: false, errorWrappers: [{ error, message }] }` with HTTP 500 (as VIES does
 * for MS_UNAVAILABLE), for INVALID_INPUT with HTTP 400. `requestDate` is `now()`.
 */
export async function startTestViesServer(now: () => Date = () => new Date()): Promise<TestViesServer> {
  const requests: Record<string, string>[] = [];
  const answers = new Map<string, ViesAnswer>();
  let consultation = 0;
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !req.url?.endsWith('/check-vat-number'))
      return send(404, { error: 'not found' });
    let body: Record<string, string>;
    try {
      body = JSON.parse(await bodyOf(req));
    } catch {
      return send(400, {
        actionSucceed: false,
        errorWrappers: [{ error: 'INVALID_INPUT', message: 'bad JSON' }],
      });
    }
    requests.push(body);
    const answer = answers.get(`${body.countryCode}${body.vatNumber}`) ?? { valid: false };
    if ('error' in answer)
      return send(answer.error === 'INVALID_INPUT' ? 400 : 500, {
        actionSucceed: false,
        errorWrappers: [{ error: answer.error, message: `VIES says ${answer.error}` }],
      });
    consultation += 1;
    return send(200, {
      countryCode: body.countryCode,
      vatNumber: body.vatNumber,
      requestDate: now().toISOString(),
      valid: answer.valid,
      requestIdentifier: body.requesterNumber ? `WAPIAAAAX${String(consultation).padStart(8, '0')}` : '',
      name: answer.valid ? (answer.name ?? '---') : '---',
      address: answer.valid ? (answer.address ?? '---') : '---',
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
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/taxation_customs/vies/rest-api`,
    requests,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
