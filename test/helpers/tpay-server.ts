import { createHash, randomBytes, sign } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeSigningCertificate } from './test-certificates.ts';

/**
 * A local HTTP server that answers as tpay.com's Open API documents it, for the calls Klauzula makes:
 *
 * - `POST /oauth/auth` with `client_id` and `client_secret` (form-encoded or JSON) → `{ access_token,
 *   token_type: 'Bearer', expires_in: 7200, … }`, 401 for wrong credentials;
 * - `POST /transactions` with `Authorization: Bearer <token>` and a JSON body (`amount`, `description`,
 *   `hiddenDescription`, `payer { email, name }`, `callbacks { notification { url }, payerUrls }`) →
 *   `{ result: 'success', transactionId, title: 'TR-…', status: 'pending', transactionPaymentUrl, … }`;
 *   401 without a valid token, 400 `{ result: 'failed', errors: [{ errorCode, fieldName, … }] }` for a
 *   missing field;
 * - `GET /x509/notifications-jws.pem` and `GET /x509/tpay-jws-root.pem`: the signing certificate and the
 *   root CA that issued it (made with openssl when the server starts).
 *
 * `notification(title, …)` builds the form-encoded transaction notification tpay posts to the
 * notification URL (`id`, `tr_id`, `tr_date`, `tr_crc`, `tr_amount`, `tr_paid`, `tr_desc`, `tr_status`,
 * `tr_error`, `tr_email`, `test_mode`, `md5sum`) and its `X-JWS-Signature`: a detached compact JWS whose
 * protected header is `{ alg: 'RS256', x5u: <signing certificate URL> }`, signed with RS256 over
 * `<header>.<base64url(body)>`, as tpay's webhook documentation describes.
 */
export async function startTpayServer(options: { merchantId?: string; securityCode?: string } = {}) {
  const clientId = `01K${randomBytes(8).toString('hex')}`;
  const clientSecret = randomBytes(16).toString('hex');
  const merchantId = options.merchantId ?? '1010';
  const securityCode = options.securityCode ?? randomBytes(8).toString('hex');
  const pki = makeSigningCertificate({
    rootSubject: '/CN=Tpay JWS Root CA (test)',
    signingSubject: '/CN=notifications-jws.tpay.com (test)',
  });
  const tokens = new Set<string>();
  const transactions = new Map<
    string,
    Record<string, unknown> & { title: string; hiddenDescription: string; amount: number }
  >();
  const requests: { method: string; path: string; auth: string | null }[] = [];
  let seq = 0;

  const server = createServer((req, res) => {
    readBody(req).then((raw) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        auth: req.headers.authorization ?? null,
      });
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && url.pathname === '/x509/notifications-jws.pem') {
        res.writeHead(200, { 'content-type': 'application/x-pem-file' });
        res.end(pki.signingCert);
        return;
      }
      if (req.method === 'GET' && url.pathname === '/x509/tpay-jws-root.pem') {
        res.writeHead(200, { 'content-type': 'application/x-pem-file' });
        res.end(pki.rootCert);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/oauth/auth') {
        const form = (req.headers['content-type'] ?? '').includes('json')
          ? (JSON.parse(raw || '{}') as Record<string, string>)
          : Object.fromEntries(new URLSearchParams(raw));
        if (form.client_id !== clientId || form.client_secret !== clientSecret)
          return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
        const token = randomBytes(20).toString('hex');
        tokens.add(token);
        return json(200, {
          issued_at: Math.floor(Date.now() / 1000),
          scope: 'read write',
          token_type: 'Bearer',
          expires_in: 7200,
          client_id: clientId,
          access_token: token,
        });
      }
      if (req.method === 'POST' && url.pathname === '/transactions') {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!token || !tokens.has(token))
          return json(401, {
            result: 'failed',
            errors: [{ errorCode: 'unauthorized', errorMessage: 'Invalid token' }],
          });
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(raw);
        } catch {
          return json(400, {
            result: 'failed',
            errors: [{ errorCode: 'invalid_json', errorMessage: 'Malformed JSON' }],
          });
        }
        const payer = (body.payer ?? {}) as Record<string, unknown>;
        const callbacks = (body.callbacks ?? {}) as { notification?: { url?: unknown } };
        const errors: { errorCode: string; fieldName: string; errorMessage: string }[] = [];
        const amount = body.amount;
        if (typeof amount !== 'number' || !(amount > 0) || !/^\d+(\.\d{1,2})?$/.test(String(amount)))
          errors.push({
            errorCode: 'field_invalid',
            fieldName: 'amount',
            errorMessage: 'Amount must be a positive number with at most 2 decimals',
          });
        if (
          typeof body.description !== 'string' ||
          body.description.length === 0 ||
          body.description.length > 128
        )
          errors.push({
            errorCode: 'field_required',
            fieldName: 'description',
            errorMessage: 'Description is required (max 128)',
          });
        if (typeof payer.email !== 'string' || !payer.email.includes('@'))
          errors.push({
            errorCode: 'field_required',
            fieldName: 'payer.email',
            errorMessage: 'Payer email is required',
          });
        if (typeof payer.name !== 'string' || payer.name.length === 0)
          errors.push({
            errorCode: 'field_required',
            fieldName: 'payer.name',
            errorMessage: 'Payer name is required',
          });
        if (typeof callbacks.notification?.url !== 'string')
          errors.push({
            errorCode: 'field_required',
            fieldName: 'callbacks.notification.url',
            errorMessage: 'Notification URL is required',
          });
        if (errors.length > 0)
          return json(400, { result: 'failed', requestId: randomBytes(8).toString('hex'), errors });
        const title = `TR-BRA-${(++seq).toString(36).toUpperCase()}${randomBytes(3).toString('hex').toUpperCase()}X`;
        const transaction = {
          result: 'success',
          requestId: randomBytes(8).toString('hex'),
          transactionId: `01K${randomBytes(12).toString('hex').toUpperCase()}`,
          title,
          posId: `ps_${randomBytes(6).toString('hex')}`,
          status: 'pending',
          date: { creation: new Date().toISOString().slice(0, 19).replace('T', ' '), realization: null },
          amount: amount as number,
          currency: 'PLN',
          description: body.description,
          hiddenDescription: String(body.hiddenDescription ?? ''),
          payer: { payerId: `py_${randomBytes(6).toString('hex')}`, email: payer.email, name: payer.name },
          payments: { status: 'pending', method: null, amountPaid: 0, date: { realization: null } },
          transactionPaymentUrl: `${base}/pay/${title}`,
          notificationUrl: callbacks.notification?.url,
        };
        transactions.set(title, transaction);
        const { notificationUrl: _n, ...answer } = transaction;
        return json(200, answer);
      }
      json(404, {
        result: 'failed',
        errors: [{ errorCode: 'not_found', errorMessage: `${req.method} ${url.pathname}` }],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function jws(body: string, key = pki.signingKey, x5u = `${base}/x509/notifications-jws.pem`): string {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', x5u })).toString('base64url');
    const payload = Buffer.from(body, 'utf8').toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
    return `${header}..${signature}`;
  }

  return {
    url: base,
    clientId,
    clientSecret,
    merchantId,
    transactions,
    requests,
    /** A certificate and key tpay's root did not issue (a forger's). */
    rogue: { key: pki.rogueKey },
    jws,
    /**
     * The notification tpay sends when the payer paid transaction `title` (`paid`: the amount paid, by default
     * the transaction's; `status`: TRUE for a payment).
     */
    notification(
      title: string,
      options: { paid?: string; status?: string } = {},
    ): { body: string; signature: string } {
      const t = transactions.get(title);
      if (!t) throw new Error(`no transaction ${title}`);
      const amount = (t.amount as number).toFixed(2);
      const paid = options.paid ?? amount;
      const fields = {
        id: merchantId,
        tr_id: title,
        tr_date: '2026-03-20 10:15:00',
        tr_crc: t.hiddenDescription,
        tr_amount: amount,
        tr_paid: paid,
        tr_desc: String(t.description),
        tr_status: options.status ?? 'TRUE',
        tr_error:
          Number(paid) > Number(amount) ? 'overpay' : Number(paid) < Number(amount) ? 'surcharge' : 'none',
        tr_email: String((t.payer as { email: string }).email),
        test_mode: '1',
        md5sum: createHash('md5')
          .update(`${merchantId}${title}${amount}${t.hiddenDescription}${securityCode}`)
          .digest('hex'),
      };
      const body = new URLSearchParams(fields).toString();
      return { body, signature: jws(body) };
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type TpayServer = Awaited<ReturnType<typeof startTpayServer>>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
