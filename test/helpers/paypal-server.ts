import { createSign, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { makeSigningCertificate } from './test-certificates.ts';

/**
 * A local PayPal REST server that behaves as PayPal's documentation says, for the parts Klauzula uses
 * (MOC-BIL-01):
 *
 * - `POST /v1/oauth2/token` (Basic client id:secret, `grant_type=client_credentials`) → a bearer token;
 * - `POST /v2/checkout/orders` (intent CAPTURE, one purchase unit, `payment_source.paypal.experience_context`
 *   with return and cancel URLs) → `PAYER_ACTION_REQUIRED` with a `payer-action` link; `PayPal-Request-Id`
 *   makes a repeat answer the first order;
 * - `GET /v2/checkout/orders/{id}`;
 * - `POST /v2/checkout/orders/{id}/capture` → 201 `COMPLETED` with the capture in
 *   `purchase_units[0].payments.captures[0]` (its `custom_id` the unit's); 422 `ORDER_NOT_APPROVED` before the
 *   buyer approved, `ORDER_ALREADY_CAPTURED` after a capture under another request id, `INSTRUMENT_DECLINED`
 *   when the buyer's funding was declined; a repeat with the same `PayPal-Request-Id` answers the first
 *   capture (no second capture);
 * - `POST /v2/payments/captures/{id}/refund` → `COMPLETED`, idempotent by `PayPal-Request-Id`, never more
 *   than was captured;
 * - `GET /certs/paypal.pem`: the certificate webhooks are signed with (self-signed, made with openssl).
 *
 * The test plays the buyer (`approve`, `cancelUrl`) and PayPal's webhook sender (`signed`): events signed with
 * RSA-SHA256 over `transmission id|transmission time|webhook id|crc32(body)`.
 */
export async function startPaypalServer(options: { clientId?: string; clientSecret?: string } = {}) {
  const clientId = options.clientId ?? 'paypal-test-client';
  const clientSecret = options.clientSecret ?? 'paypal-test-secret';
  const webhookId = 'WH8PAYPALTEST1';
  const pki = makeSigningCertificate({ signingSubject: '/CN=messageverificationcerts.paypal.com (test)' });
  const tokens = new Set<string>();
  type Order = {
    id: string;
    status: 'PAYER_ACTION_REQUIRED' | 'APPROVED' | 'COMPLETED';
    amount: { currency_code: string; value: string };
    customId: string;
    returnUrl: string;
    cancelUrl: string;
    capture: { id: string; status: string } | null;
    declineCapture: boolean;
  };
  const orders = new Map<string, Order>();
  const byRequestId = new Map<string, { status: number; body: unknown }>();
  const refunds: { id: string; captureId: string; amount: { currency_code: string; value: string } }[] = [];
  const requests: { method: string; path: string; requestId: string | null }[] = [];
  let seq = 0;
  const nextId = (prefix: string) =>
    `${prefix}${String(++seq).padStart(6, '0')}${randomBytes(4).toString('hex').toUpperCase()}`;

  const orderJson = (order: Order) => ({
    id: order.id,
    intent: 'CAPTURE',
    status: order.status,
    purchase_units: [
      {
        reference_id: order.customId,
        custom_id: order.customId,
        amount: order.amount,
        ...(order.capture
          ? {
              payments: {
                captures: [
                  { ...order.capture, amount: order.amount, custom_id: order.customId, final_capture: true },
                ],
              },
            }
          : {}),
      },
    ],
    links: [
      { href: `${url}/v2/checkout/orders/${order.id}`, rel: 'self', method: 'GET' },
      ...(order.status === 'PAYER_ACTION_REQUIRED'
        ? [{ href: `${url}/checkoutnow?token=${order.id}`, rel: 'payer-action', method: 'GET' }]
        : []),
    ],
  });
  const issue = (status: number, name: string, detail: string) => ({
    status,
    body: { name, message: detail, debug_id: randomBytes(6).toString('hex'), details: [{ issue: detail }] },
  });

  function handle(method: string, path: string, headers: IncomingMessage['headers'], raw: string) {
    if (method === 'GET' && path === '/certs/paypal.pem')
      return { status: 200, body: pki.signingCert, text: true };
    if (method === 'POST' && path === '/v1/oauth2/token') {
      const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
      if (headers.authorization !== expected || raw !== 'grant_type=client_credentials')
        return {
          status: 401,
          body: { error: 'invalid_client', error_description: 'Client Authentication failed' },
        };
      const token = `A21AA${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      return {
        status: 200,
        body: { scope: 'openid', access_token: token, token_type: 'Bearer', expires_in: 32400 },
      };
    }
    if (!tokens.has(String(headers.authorization ?? '').replace(/^Bearer /, '')))
      return {
        status: 401,
        body: { error: 'invalid_token', error_description: 'Token signature verification failed' },
      };
    const requestId = (headers['paypal-request-id'] as string | undefined) ?? null;
    const key = requestId ? `${method} ${path} ${requestId}` : null;
    if (key && byRequestId.has(key)) return byRequestId.get(key)!;
    const answer = route(method, path, raw);
    if (key && answer.status < 500) byRequestId.set(key, answer);
    return answer;
  }

  function route(method: string, path: string, raw: string): { status: number; body: unknown } {
    type Money = { currency_code: string; value: string };
    const body = (raw ? JSON.parse(raw) : {}) as {
      intent?: string;
      amount?: Money;
      purchase_units?: { amount?: Money; custom_id?: string }[];
      payment_source?: { paypal?: { experience_context?: { return_url?: string; cancel_url?: string } } };
    };
    if (method === 'POST' && path === '/v2/checkout/orders') {
      const unit = body.purchase_units?.[0];
      const context = body.payment_source?.paypal?.experience_context;
      if (body.intent !== 'CAPTURE' || !unit?.amount?.value || !/^\d+(\.\d{2})?$/.test(unit.amount.value))
        return issue(422, 'UNPROCESSABLE_ENTITY', 'INVALID_PARAMETER_VALUE');
      if (!context?.return_url || !context?.cancel_url)
        return issue(422, 'UNPROCESSABLE_ENTITY', 'MISSING_REQUIRED_PARAMETER');
      const order: Order = {
        id: nextId('5O'),
        status: 'PAYER_ACTION_REQUIRED',
        amount: unit.amount as Money,
        customId: unit.custom_id ?? '',
        returnUrl: context.return_url as string,
        cancelUrl: context.cancel_url as string,
        capture: null,
        declineCapture: false,
      };
      orders.set(order.id, order);
      return { status: 200, body: orderJson(order) };
    }
    let m = /^\/v2\/checkout\/orders\/([^/]+)(\/capture)?$/.exec(path);
    if (m) {
      const order = orders.get(decodeURIComponent(m[1]!));
      if (!order) return issue(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      if (method === 'GET' && !m[2]) return { status: 200, body: orderJson(order) };
      if (method === 'POST' && m[2]) {
        if (order.status === 'COMPLETED') return issue(422, 'UNPROCESSABLE_ENTITY', 'ORDER_ALREADY_CAPTURED');
        if (order.status !== 'APPROVED') return issue(422, 'UNPROCESSABLE_ENTITY', 'ORDER_NOT_APPROVED');
        if (order.declineCapture) return issue(422, 'UNPROCESSABLE_ENTITY', 'INSTRUMENT_DECLINED');
        order.status = 'COMPLETED';
        order.capture = { id: nextId('CAP'), status: 'COMPLETED' };
        return { status: 201, body: orderJson(order) };
      }
    }
    m = /^\/v2\/payments\/captures\/([^/]+)\/refund$/.exec(path);
    if (m && method === 'POST') {
      const order = [...orders.values()].find((o) => o.capture?.id === decodeURIComponent(m![1]!));
      if (!order) return issue(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      const amount = body.amount ?? order.amount;
      const refunded = refunds
        .filter((r) => r.captureId === order.capture!.id)
        .reduce((sum, r) => sum + Math.round(Number(r.amount.value) * 100), 0);
      if (amount.currency_code !== order.amount.currency_code)
        return issue(422, 'UNPROCESSABLE_ENTITY', 'REFUND_CURRENCY_MISMATCH');
      if (refunded + Math.round(Number(amount.value) * 100) > Math.round(Number(order.amount.value) * 100))
        return issue(422, 'UNPROCESSABLE_ENTITY', 'REFUND_AMOUNT_EXCEEDED');
      const refund = { id: nextId('RF'), captureId: order.capture!.id, amount };
      refunds.push(refund);
      return { status: 201, body: { id: refund.id, status: 'COMPLETED', amount } };
    }
    return issue(404, 'NOT_FOUND', 'NOT_FOUND');
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push({
        method: req.method ?? '',
        path,
        requestId: (req.headers['paypal-request-id'] as string | undefined) ?? null,
      });
      const answer = handle(
        req.method ?? 'GET',
        path,
        req.headers,
        Buffer.concat(chunks).toString('utf8'),
      ) as {
        status: number;
        body: unknown;
        text?: boolean;
      };
      res.writeHead(answer.status, {
        'content-type': answer.text ? 'application/x-pem-file' : 'application/json',
        'paypal-debug-id': randomBytes(6).toString('hex'),
      });
      res.end(answer.text ? String(answer.body) : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** Signs `body` as PayPal signs a webhook delivery; `key` a forger's key instead of PayPal's. */
  function signed(event: Record<string, unknown>, options: { forged?: boolean; webhookId?: string } = {}) {
    const body = JSON.stringify(event);
    const transmissionId = randomBytes(16).toString('hex');
    const transmissionTime = new Date().toISOString();
    const message = `${transmissionId}|${transmissionTime}|${options.webhookId ?? webhookId}|${crc32(Buffer.from(body))}`;
    const signature = createSign('RSA-SHA256')
      .update(message)
      .sign(options.forged ? pki.rogueKey : pki.signingKey, 'base64');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'paypal-transmission-id': transmissionId,
        'paypal-transmission-time': transmissionTime,
        'paypal-transmission-sig': signature,
        'paypal-cert-url': `${url}/certs/paypal.pem`,
        'paypal-auth-algo': 'SHA256withRSA',
      },
    };
  }

  const order = (id: string) => {
    const found = orders.get(id);
    if (!found) throw new Error(`no PayPal order ${id}`);
    return found;
  };
  const withQuery = (base: string, params: Record<string, string>) => {
    const u = new URL(base);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u;
  };

  return {
    url,
    /** What `AppConfig.gateways.paypal` needs to talk to this server. */
    config: {
      clientId,
      clientSecret,
      webhookId,
      apiUrl: url,
      certUrlPrefixes: [`${url}/certs/`],
    },
    requests,
    refunds,
    orders: () => [...orders.values()].map(orderJson),
    /** The order behind a `payer-action` URL. */
    orderIdOf: (approveUrl: string) => new URL(approveUrl).searchParams.get('token') ?? '',
    /** The buyer approves on PayPal's page; answers the return URL PayPal sends them to (portal path + query). */
    approve(orderId: string, opts: { declineFunding?: boolean } = {}) {
      const o = order(orderId);
      o.status = 'APPROVED';
      o.declineCapture = opts.declineFunding ?? false;
      const u = withQuery(o.returnUrl, { token: o.id, PayerID: 'QYR5Z8XDVJNXQ' });
      return `${u.pathname}${u.search}`;
    },
    /** The buyer cancels on PayPal's page; answers the cancel URL (portal path + query). */
    cancelUrl(orderId: string) {
      const u = withQuery(order(orderId).cancelUrl, { token: orderId });
      return `${u.pathname}${u.search}`;
    },
    /** The captures PayPal made (each one money taken). */
    captures: () =>
      [...orders.values()].filter((o) => o.capture).map((o) => ({ order: o.id, ...o.capture! })),
    /** A `CHECKOUT.ORDER.APPROVED` event for an order. */
    approvedEvent(orderId: string) {
      return {
        id: `WH-${randomBytes(8).toString('hex').toUpperCase()}`,
        event_version: '1.0',
        create_time: new Date().toISOString(),
        resource_type: 'checkout-order',
        resource_version: '2.0',
        event_type: 'CHECKOUT.ORDER.APPROVED',
        summary: 'An order has been approved by buyer',
        resource: orderJson(order(orderId)),
      };
    },
    /** A `PAYMENT.CAPTURE.COMPLETED` (or DENIED) event for an order's capture. */
    captureEvent(
      orderId: string,
      type: 'PAYMENT.CAPTURE.COMPLETED' | 'PAYMENT.CAPTURE.DENIED' = 'PAYMENT.CAPTURE.COMPLETED',
    ) {
      const o = order(orderId);
      if (!o.capture) throw new Error(`order ${orderId} has no capture`);
      return {
        id: `WH-${randomBytes(8).toString('hex').toUpperCase()}`,
        event_version: '1.0',
        create_time: new Date().toISOString(),
        resource_type: 'capture',
        resource_version: '2.0',
        event_type: type,
        summary: 'Payment completed',
        resource: {
          id: o.capture.id,
          status: type === 'PAYMENT.CAPTURE.COMPLETED' ? 'COMPLETED' : 'DECLINED',
          amount: o.amount,
          custom_id: o.customId,
          final_capture: true,
          supplementary_data: { related_ids: { order_id: o.id } },
        },
      };
    },
    signed,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

export type PaypalServer = Awaited<ReturnType<typeof startPaypalServer>>;
