import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that answers the part of Stripe's API Klauzula uses as Stripe documents it, so the
 * real `stripe` client can be pointed at it (host/port/protocol):
 *
 * - auth: `Authorization: Bearer <secret key>`, else 401 `invalid_request_error`;
 * - bodies form-encoded with bracket keys (`card[number]`, `metadata[klauzula_payment]`), answers JSON;
 * - `POST /v1/payment_methods` (type card), `GET /v1/payment_methods/:id`, `POST /v1/customers` with
 *   `payment_method` (attaches it; the decline test cards are refused here with 402 `card_error`),
 *   `POST /v1/payment_intents` (confirmed at once; `off_session`), `GET /v1/payment_intents/:id`,
 *   `POST /v1/payment_intents/:id/cancel` (only while it waits for a payment method, confirmation or action),
 *   `POST /v1/refunds` (of a PaymentIntent, never more than was charged);
 * - idempotency: the first response (status and body, errors included) to an `Idempotency-Key` is kept and
 *   returned again for the same key with `Idempotent-Replayed: true`; the same key with other parameters
 *   or another endpoint is a 400 `idempotency_error`;
 * - Stripe's test cards: 4242… succeeds; 4000 0000 0000 0002 / 9995 / 0069 decline when attached
 *   (card_declined / insufficient_funds / expired_card); 4000 0000 0000 0341 attaches and then declines every
 *   charge; 4000 0025 0000 3155 needs 3-D Secure: `requires_action` with a client secret on-session, 402
 *   `authentication_required` off-session;
 * - events (`payment_intent.succeeded`, `payment_intent.payment_failed`, `payment_intent.requires_action`,
 *   `charge.refunded`, `refund.created`, `refund.updated`, `refund.failed`) signed like Stripe's webhooks: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
 *   "t.payload" with the endpoint secret>`, delivered to `target` when asked (`deliver`), so a test can
 *   replay, reorder or hold them.
 *
 * `dropNextResponse(path)` processes the next requests to `path` and then cuts the connection without an
 * answer: the charge happened at Stripe, the caller never learnt it (a crash between sending and recording).
 */
export async function startStripeServer(options: {
  secretKey?: string;
  webhookSecret?: string;
  /** The time events are created and signed at (the app's clock in tests). */
  now?: () => Date;
}) {
  const secretKey = options.secretKey ?? `sk_test_${randomBytes(12).toString('hex')}`;
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(16).toString('hex')}`;
  const now = options.now ?? (() => new Date());
  const unix = () => Math.floor(now().getTime() / 1000);

  type Card = { number: string; brand: string; last4: string; exp_month: number; exp_year: number };
  type PaymentMethod = { id: string; card: Card; customer: string | null; created: number };
  type Intent = Record<string, unknown> & {
    id: string;
    status: string;
    amount: number;
    amount_refunded: number;
  };
  const methods = new Map<string, PaymentMethod>();
  const customers = new Map<string, { id: string; created: number }>();
  const intents = new Map<string, Intent>();
  const refunds = new Map<string, Record<string, unknown>>();
  const idempotency = new Map<string, { endpoint: string; params: string; status: number; body: unknown }>();
  const events: { id: string; type: string; payload: string }[] = [];
  const requests: { method: string; path: string; idempotencyKey: string | null; replayed: boolean }[] = [];
  const drops = new Map<string, number>();
  const outages = new Map<string, number>();
  let seq = 0;
  /** How many of the next refunds Stripe creates `pending` (settled later by `finishRefund`). */
  let pendingRefunds = 0;
  const id = (prefix: string) =>
    `${prefix}_${(++seq).toString().padStart(6, '0')}${randomBytes(6).toString('hex')}`;

  const error = (status: number, body: Record<string, unknown>) => ({ status, body: { error: body } });
  const cardError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
    error(402, { type: 'card_error', code, message, ...extra });
  const missing = (what: string, value: string) =>
    error(404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: `No such ${what}: '${value}'`,
    });

  function emit(type: string, object: Record<string, unknown>): void {
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: unix(),
      type,
      livemode: false,
      pending_webhooks: 1,
      data: { object: structuredClone(object) },
    };
    events.push({ id: event.id, type, payload: JSON.stringify(event, null, 2) });
  }

  function luhn(digits: string): boolean {
    let total = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      total += d;
    }
    return total % 10 === 0;
  }

  const DECLINE_ON_ATTACH: Record<string, { code: string; decline_code?: string }> = {
    '4000000000000002': { code: 'card_declined', decline_code: 'generic_decline' },
    '4000000000009995': { code: 'card_declined', decline_code: 'insufficient_funds' },
    '4000000000000069': { code: 'expired_card' },
  };

  function intentPaymentFailed(intent: Intent, code: string, declineCode: string | undefined) {
    intent.status = 'requires_payment_method';
    intent.last_payment_error = {
      type: 'card_error',
      code,
      ...(declineCode ? { decline_code: declineCode } : {}),
      message:
        code === 'authentication_required' ? 'Your card requires authentication.' : 'Your card was declined.',
    };
    emit('payment_intent.payment_failed', intent);
    return cardError(code, String((intent.last_payment_error as { message: string }).message), {
      ...(declineCode ? { decline_code: declineCode } : {}),
      payment_intent: structuredClone(intent),
    });
  }

  function handle(
    method: string,
    path: string,
    params: Record<string, unknown>,
  ): { status: number; body: unknown } {
    if (method === 'POST' && path === '/v1/payment_methods') {
      if (params.type !== 'card')
        return error(400, { type: 'invalid_request_error', param: 'type', message: 'Invalid type' });
      const card = (params.card ?? {}) as Record<string, string>;
      const number = String(card.number ?? '');
      if (!/^\d{12,19}$/.test(number) || !luhn(number))
        return cardError('incorrect_number', 'Your card number is incorrect.', { param: 'card[number]' });
      const expMonth = Number(card.exp_month);
      const expYear = Number(card.exp_year);
      if (!(expMonth >= 1 && expMonth <= 12))
        return cardError('invalid_expiry_month', "Your card's expiration month is invalid.");
      const today = now();
      if (
        expYear < today.getUTCFullYear() ||
        (expYear === today.getUTCFullYear() && expMonth < today.getUTCMonth() + 1)
      )
        return cardError('invalid_expiry_year', "Your card's expiration year is invalid.");
      const pm: PaymentMethod = {
        id: id('pm'),
        card: {
          number,
          brand: number.startsWith('4') ? 'visa' : number.startsWith('5') ? 'mastercard' : 'unknown',
          last4: number.slice(-4),
          exp_month: expMonth,
          exp_year: expYear,
        },
        customer: null,
        created: unix(),
      };
      methods.set(pm.id, pm);
      return { status: 200, body: pmJson(pm) };
    }
    const pmMatch = /^\/v1\/payment_methods\/([^/]+)$/.exec(path);
    if (method === 'GET' && pmMatch) {
      const pm = methods.get(pmMatch[1]!);
      return pm ? { status: 200, body: pmJson(pm) } : missing('PaymentMethod', pmMatch[1]!);
    }
    if (method === 'POST' && path === '/v1/customers') {
      const customer = { id: id('cus'), created: unix() };
      if (params.payment_method) {
        const pm = methods.get(String(params.payment_method));
        if (!pm) return missing('PaymentMethod', String(params.payment_method));
        const decline = DECLINE_ON_ATTACH[pm.card.number];
        if (decline)
          return cardError(decline.code, 'Your card was declined.', {
            ...(decline.decline_code ? { decline_code: decline.decline_code } : {}),
            param: 'payment_method',
          });
        pm.customer = customer.id;
      }
      customers.set(customer.id, customer);
      return {
        status: 200,
        body: { id: customer.id, object: 'customer', created: customer.created, livemode: false },
      };
    }
    if (method === 'POST' && path === '/v1/payment_intents') {
      const amount = Number(params.amount);
      if (!Number.isInteger(amount) || amount < 1)
        return error(400, { type: 'invalid_request_error', param: 'amount', message: 'Invalid integer' });
      if (typeof params.currency !== 'string')
        return error(400, {
          type: 'invalid_request_error',
          param: 'currency',
          message: 'Missing required param: currency.',
        });
      const pm = methods.get(String(params.payment_method ?? ''));
      if (!pm) return missing('PaymentMethod', String(params.payment_method ?? ''));
      const customer = params.customer ? String(params.customer) : null;
      if (customer && pm.customer !== customer)
        return error(400, {
          type: 'invalid_request_error',
          message:
            'The provided PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.',
        });
      const offSession = params.off_session === 'true';
      if (offSession && params.confirm !== 'true')
        return error(400, {
          type: 'invalid_request_error',
          param: 'off_session',
          message: 'off_session can only be used with confirm=true',
        });
      const intent: Intent = {
        id: id('pi'),
        object: 'payment_intent',
        amount,
        amount_received: 0,
        amount_refunded: 0,
        currency: params.currency,
        customer,
        payment_method: pm.id,
        metadata: params.metadata ?? {},
        status: 'requires_confirmation',
        created: unix(),
        livemode: false,
        last_payment_error: null,
        next_action: null,
      };
      intent.client_secret = `${intent.id}_secret_${randomBytes(8).toString('hex')}`;
      intents.set(intent.id, intent);
      emit('payment_intent.created', intent);
      if (params.confirm !== 'true') return { status: 200, body: structuredClone(intent) };
      const number = pm.card.number;
      if (number === '4000000000000341')
        return intentPaymentFailed(intent, 'card_declined', 'generic_decline');
      if (number === '4000002500003155') {
        if (offSession)
          return intentPaymentFailed(intent, 'authentication_required', 'authentication_required');
        intent.status = 'requires_action';
        intent.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } };
        emit('payment_intent.requires_action', intent);
        return { status: 200, body: structuredClone(intent) };
      }
      succeed(intent);
      return { status: 200, body: structuredClone(intent) };
    }
    const cancelMatch = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(path);
    if (method === 'POST' && cancelMatch) {
      const intent = intents.get(cancelMatch[1]!);
      if (!intent) return missing('payment_intent', cancelMatch[1]!);
      if (
        !['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture'].includes(
          intent.status,
        )
      )
        return error(400, {
          type: 'invalid_request_error',
          code: 'payment_intent_unexpected_state',
          message: `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`,
          payment_intent: structuredClone(intent),
        });
      intent.status = 'canceled';
      intent.cancellation_reason = params.cancellation_reason ?? null;
      intent.canceled_at = unix();
      emit('payment_intent.canceled', intent);
      return { status: 200, body: structuredClone(intent) };
    }
    const piMatch = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && piMatch) {
      const intent = intents.get(piMatch[1]!);
      return intent ? { status: 200, body: structuredClone(intent) } : missing('payment_intent', piMatch[1]!);
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = intents.get(String(params.payment_intent ?? ''));
      if (!intent) return missing('payment_intent', String(params.payment_intent ?? ''));
      if (intent.status !== 'succeeded')
        return error(400, {
          type: 'invalid_request_error',
          code: 'charge_not_refundable',
          message: 'This PaymentIntent has no successful charge to refund.',
        });
      const amount =
        params.amount === undefined ? intent.amount - intent.amount_refunded : Number(params.amount);
      if (!Number.isInteger(amount) || amount < 1 || amount > intent.amount - intent.amount_refunded)
        return error(400, {
          type: 'invalid_request_error',
          code: 'amount_too_large',
          param: 'amount',
          message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${intent.amount - intent.amount_refunded})`,
        });
      intent.amount_refunded += amount;
      const refund = {
        id: id('re'),
        object: 'refund',
        amount,
        currency: intent.currency,
        payment_intent: intent.id,
        metadata: params.metadata ?? {},
        status: pendingRefunds > 0 ? 'pending' : 'succeeded',
        failure_reason: null as string | null,
        created: unix(),
      };
      if (pendingRefunds > 0) pendingRefunds -= 1;
      refunds.set(refund.id, refund);
      emit('charge.refunded', {
        id: intent.latest_charge,
        object: 'charge',
        payment_intent: intent.id,
        amount_refunded: intent.amount_refunded,
      });
      emit('refund.created', refund);
      return { status: 200, body: refund };
    }
    return error(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    });
  }

  function succeed(intent: Intent): void {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.latest_charge = id('ch');
    intent.next_action = null;
    emit('payment_intent.succeeded', intent);
  }

  function pmJson(pm: PaymentMethod) {
    const { number: _kept, ...card } = pm.card;
    return {
      id: pm.id,
      object: 'payment_method',
      type: 'card',
      card,
      customer: pm.customer,
      created: pm.created,
      livemode: false,
    };
  }

  const server = createServer((req, res) => {
    readBody(req).then((raw) => respond(req, res, raw));
  });

  function respond(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
      return;
    }
    const params = method === 'GET' ? parseForm(url.searchParams.toString()) : parseForm(raw);
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const down = outages.get(url.pathname) ?? 0;
    if (down > 0) {
      // Refused before the endpoint began executing: nothing done, no idempotent result saved.
      outages.set(url.pathname, down - 1);
      requests.push({ method, path: url.pathname, idempotencyKey: key, replayed: false });
      send(503, { error: { type: 'api_error', message: 'Stripe is temporarily unavailable.' } });
      return;
    }
    const endpoint = `${method} ${url.pathname}`;
    let result: { status: number; body: unknown };
    let replayed = false;
    if (key && method === 'POST') {
      const canonical = createHash('sha256')
        .update(JSON.stringify(sortDeep(params)))
        .digest('hex');
      const earlier = idempotency.get(key);
      if (earlier && (earlier.endpoint !== endpoint || earlier.params !== canonical)) {
        result = error(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      } else if (earlier) {
        result = { status: earlier.status, body: earlier.body };
        replayed = true;
      } else {
        result = handle(method, url.pathname, params);
        idempotency.set(key, { endpoint, params: canonical, status: result.status, body: result.body });
      }
    } else {
      result = handle(method, url.pathname, params);
    }
    requests.push({ method, path: url.pathname, idempotencyKey: key, replayed });
    const dropping = drops.get(url.pathname) ?? 0;
    if (dropping > 0) {
      drops.set(url.pathname, dropping - 1);
      res.socket?.destroy();
      return;
    }
    send(result.status, result.body, {
      ...(key ? { 'idempotency-key': key } : {}),
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  /** Where events are delivered: returns the HTTP status the endpoint answered. */
  let target: ((payload: string, signature: string) => Promise<number>) | null = null;
  let delivered = 0;

  function sign(payload: string, secret = webhookSecret, at = unix()): string {
    const v1 = createHmac('sha256', secret).update(`${at}.${payload}`).digest('hex');
    return `t=${at},v1=${v1}`;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    webhookSecret,
    intents,
    refunds,
    events,
    requests,
    /** PaymentIntents that moved money (status `succeeded`). */
    charges: () => [...intents.values()].filter((i) => i.status === 'succeeded'),
    setTarget(fn: (payload: string, signature: string) => Promise<number>) {
      target = fn;
    },
    /**
     * Cuts the connection instead of answering the next `times` requests to `path` (after processing them).
     * The stripe client retries a closed connection once by itself, with the same key: 2 loses the answer.
     */
    dropNextResponse(path: string, times = 2) {
      drops.set(path, times);
    },
    /**
     * Answers the next `times` requests to `path` with 503 `api_error` without processing them (an outage:
     * nothing happens at Stripe and no idempotent result is saved).
     */
    unavailable(path: string, times = 3) {
      outages.set(path, times);
    },
    sign,
    /** The next `times` refunds are created `pending` (as Stripe does for some payment methods and banks). */
    refundsStartPending(times = 1) {
      pendingRefunds = times;
    },
    /**
     * Stripe finishes a refund: `succeeded`, or `failed` (the money went back to the customer's account and
     * bounced; `failure_reason`), and emits `refund.updated` (and `refund.failed` for a failure).
     */
    finishRefund(
      refundId: string,
      status: 'succeeded' | 'failed',
      failureReason = 'expired_or_canceled_card',
    ) {
      const refund = refunds.get(refundId);
      if (!refund) throw new Error(`no refund ${refundId}`);
      refund.status = status;
      if (status === 'failed') refund.failure_reason = failureReason;
      emit('refund.updated', structuredClone(refund));
      if (status === 'failed') emit('refund.failed', structuredClone(refund));
    },
    /** Sends an event (by id) to the target, signed; returns the target's status. */
    async send(eventId: string, options: { secret?: string; payload?: string } = {}): Promise<number> {
      const event = events.find((e) => e.id === eventId);
      if (!event || !target) throw new Error(`no event ${eventId} or no target`);
      const payload = options.payload ?? event.payload;
      return target(payload, sign(payload, options.secret ?? webhookSecret));
    },
    /** Delivers, in order, the events of `types` not delivered yet; returns the statuses. */
    async deliver(types = ['payment_intent.succeeded', 'payment_intent.payment_failed']): Promise<number[]> {
      const statuses: number[] = [];
      const pending = events.slice(delivered);
      delivered = events.length;
      for (const event of pending) if (types.includes(event.type)) statuses.push(await this.send(event.id));
      return statuses;
    },
    /** Marks every event so far as delivered without sending it (held back, to send later by id). */
    hold(): { id: string; type: string }[] {
      const held = events.slice(delivered).map((e) => ({ id: e.id, type: e.type }));
      delivered = events.length;
      return held;
    },
    /** The customer finishes (or fails) 3-D Secure in the browser for `intentId`. */
    authenticate(intentId: string, ok: boolean): void {
      const intent = intents.get(intentId);
      if (intent?.status !== 'requires_action') throw new Error(`${intentId} does not wait for the customer`);
      if (ok) succeed(intent);
      else intentPaymentFailed(intent, 'authentication_required', 'authentication_required');
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type StripeServer = Awaited<ReturnType<typeof startStripeServer>>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** `a[b][c]=1&d[0]=x` → `{ a: { b: { c: '1' } }, d: { 0: 'x' } }`, as Stripe reads form bodies. */
function parseForm(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = out;
    for (const part of path.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[path.at(-1)!] = value;
  }
  return out;
}

function sortDeep(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, sortDeep(v)]),
  );
}
