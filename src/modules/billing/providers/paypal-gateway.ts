import { createVerify, X509Certificate } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import type { Clock } from '../../../platform/clock.ts';
import { toDecimalString } from '../../../platform/money.ts';
import type { PaymentProvider } from '../payment-provider.ts';
import type { ChargeRequest, ChargeResult, RefundRequest, RefundResult } from '../sandbox-provider.ts';

export type PaypalConfig = {
  /** The REST app's client id and secret (env PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET; never in the policy). */
  clientId: string;
  clientSecret: string;
  /** The id of the webhook registered for `/v1/webhooks/paypal` (env PAYPAL_WEBHOOK_ID): part of what is signed. */
  webhookId: string;
  /** https://api-m.paypal.com (live), https://api-m.sandbox.paypal.com, or a local server in tests. */
  apiUrl: string;
  /**
   * The URL prefixes a webhook's `PAYPAL-CERT-URL` may start with: PayPal's API hosts unless configured
   * (env PAYPAL_CERT_URL_PREFIXES, comma-separated; a local server in tests signs with its own certificate).
   */
  certUrlPrefixes: readonly string[];
  /** Where the buyer comes back to, e.g. https://app.example.com (the portal). */
  portalUrl: string;
};

/** PayPal's own hosts, the only places a webhook's signing certificate may come from by default. */
export const PAYPAL_CERT_URL_PREFIXES = [
  'https://api.paypal.com/',
  'https://api-m.paypal.com/',
  'https://api.sandbox.paypal.com/',
  'https://api-m.sandbox.paypal.com/',
] as const;

export class PaypalError extends Error {
  readonly status: number;
  /** PayPal's first `details[].issue` (`ORDER_NOT_APPROVED`, `INSTRUMENT_DECLINED`, …), if any. */
  readonly issue: string | null;
  constructor(status: number, message: string, issue: string | null = null) {
    super(message);
    this.status = status;
    this.issue = issue;
  }
}

const TokenResponse = z.object({ access_token: z.string(), expires_in: z.number() });
const Link = z.object({ href: z.string(), rel: z.string() });
const Capture = z.object({
  id: z.string(),
  status: z.string(),
  custom_id: z.string().optional(),
  amount: z.object({ currency_code: z.string(), value: z.string() }).optional(),
});
const Order = z.object({
  id: z.string(),
  status: z.string(),
  links: z.array(Link).optional(),
  purchase_units: z
    .array(
      z.object({
        custom_id: z.string().optional(),
        payments: z.object({ captures: z.array(Capture).optional() }).optional(),
      }),
    )
    .optional(),
});
type OrderBody = z.infer<typeof Order>;
const Refund = z.object({ id: z.string(), status: z.string() });

/** A webhook event as PayPal sends it (`/v1/notifications/webhooks-events`); billing reads these fields. */
export const PaypalEvent = z.object({
  id: z.string(),
  event_type: z.string(),
  resource_type: z.string().optional(),
  resource: z.record(z.string(), z.unknown()),
});
export type PaypalEvent = z.infer<typeof PaypalEvent>;

/** The headers PayPal signs a webhook with (lower-cased, as Node gives them). */
export type PaypalWebhookHeaders = {
  'paypal-transmission-id'?: string | undefined;
  'paypal-transmission-time'?: string | undefined;
  'paypal-transmission-sig'?: string | undefined;
  'paypal-cert-url'?: string | undefined;
  'paypal-auth-algo'?: string | undefined;
};

/** The redirect link of a created order: `payer-action` (payment_source.paypal) or the legacy `approve`. */
function approveLinkOf(order: OrderBody): string | null {
  return order.links?.find((l) => l.rel === 'payer-action' || l.rel === 'approve')?.href ?? null;
}

/** A captured order's capture (the first purchase unit's), as a charge's outcome. */
export function captureOutcome(order: OrderBody): ChargeResult | null {
  const capture = order.purchase_units?.[0]?.payments?.captures?.[0];
  if (!capture) return null;
  if (capture.status === 'COMPLETED') return { status: 'succeeded', providerRef: capture.id };
  if (capture.status === 'DECLINED' || capture.status === 'FAILED')
    return { status: 'failed', providerRef: capture.id, failureCode: 'paypal_declined' };
  // PENDING (an eCheck, a review): the money comes later, PAYMENT.CAPTURE.COMPLETED settles it.
  return { status: 'processing', providerRef: capture.id };
}

/**
 * The PayPal adapter (Orders v2 REST over fetch; MOC-BIL-01: the buyer pays on PayPal's own pages, the
 * platform keeps only PayPal's order and capture ids, never card data).
 *
 * - `charge` creates an order (`intent: CAPTURE`, the amount in one purchase unit whose `custom_id` is the
 *   payment's id, return and cancel URLs on the portal) under `PayPal-Request-Id` = the payment's
 *   idempotency key, so a re-sent request is the same order; it answers `requires_action` with the buyer's
 *   redirect URL (`payer-action`/`approve` link). An order the buyer already paid answers its capture.
 * - `capture` captures an approved order under `PayPal-Request-Id` = `capture:<key>`: captured twice (the
 *   return and the `CHECKOUT.ORDER.APPROVED` webhook, or a retry after a crash), PayPal answers the first
 *   capture, so the money is taken once; an order already captured is read back.
 * - `cancel` (an order the buyer left waiting): PayPal has no void for an unapproved order (it expires), so
 *   the order is read: captured → that capture; approved → captured now; otherwise `canceled`.
 * - `refund` refunds a capture (`/v2/payments/captures/{id}/refund`) under the refund's idempotency key.
 * - `verifyWebhook` checks PayPal's self-verifiable signature: RSA-SHA256 (`PAYPAL-AUTH-ALGO`
 *   SHA256withRSA) over `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body, decimal>`
 *   with the public key of the certificate at `PAYPAL-CERT-URL`, which must be on one of `certUrlPrefixes`
 *   (PayPal's API hosts, fetched over TLS) and valid now. Chosen over the verify-webhook-signature postback:
 *   no extra round trip per event, it works while PayPal's API is slow, and it checks the exact bytes we
 *   received (the postback re-serialises the event).
 */
export function makePaypalGateway(deps: { config: PaypalConfig; clock: Clock; fetch?: typeof fetch }) {
  const { config, clock } = deps;
  const http = deps.fetch ?? fetch;
  const api = config.apiUrl.replace(/\/+$/, '');
  const portal = config.portalUrl.replace(/\/+$/, '');
  let token: { value: string; until: number } | null = null;
  const certificates = new Map<string, Promise<X509Certificate>>();

  async function accessToken(): Promise<string> {
    if (token && token.until > clock.now().getTime()) return token.value;
    const res = await http(`${api}/v1/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    if (!res.ok) throw new PaypalError(res.status, `paypal oauth: HTTP ${res.status} ${await res.text()}`);
    const body = TokenResponse.parse(await res.json());
    token = { value: body.access_token, until: clock.now().getTime() + (body.expires_in - 60) * 1000 };
    return token.value;
  }

  /** A REST call with the bearer token (renewed once on 401); PayPal's errors become a `PaypalError`. */
  async function call(method: string, path: string, body?: unknown, requestId?: string): Promise<unknown> {
    const send = async () =>
      http(`${api}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await accessToken()}`,
          prefer: 'return=representation',
          ...(requestId ? { 'paypal-request-id': requestId } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    let res = await send();
    if (res.status === 401) {
      token = null;
      res = await send();
    }
    const text = await res.text();
    if (!res.ok) {
      let issue: string | null = null;
      try {
        issue = (JSON.parse(text) as { details?: { issue?: string }[] }).details?.[0]?.issue ?? null;
      } catch {}
      throw new PaypalError(res.status, `paypal ${method} ${path}: HTTP ${res.status} ${text}`, issue);
    }
    return text === '' ? {} : JSON.parse(text);
  }

  async function getOrder(orderId: string): Promise<OrderBody> {
    return Order.parse(await call('GET', `/v2/checkout/orders/${encodeURIComponent(orderId)}`));
  }

  async function createOrder(request: ChargeRequest): Promise<ChargeResult> {
    const reference = request.reference ?? request.idempotencyKey;
    const back = `${portal}/v1/payments/paypal`;
    const order = Order.parse(
      await call(
        'POST',
        '/v2/checkout/orders',
        {
          intent: 'CAPTURE',
          purchase_units: [
            {
              reference_id: reference,
              custom_id: reference,
              amount: { currency_code: request.amount.currency, value: toDecimalString(request.amount) },
            },
          ],
          payment_source: {
            paypal: {
              experience_context: {
                user_action: 'PAY_NOW',
                shipping_preference: 'NO_SHIPPING',
                return_url: `${back}/return?payment=${encodeURIComponent(reference)}`,
                cancel_url: `${back}/cancel?payment=${encodeURIComponent(reference)}`,
              },
            },
          },
        },
        request.idempotencyKey,
      ),
    );
    if (order.status === 'COMPLETED')
      return captureOutcome(order) ?? { status: 'processing', providerRef: order.id };
    const url = approveLinkOf(order);
    if (!url) throw new PaypalError(502, `paypal order ${order.id} has no approve link`);
    return { status: 'requires_action', providerRef: order.id, redirectUrl: url };
  }

  /** Captures an approved order; null while the buyer has not approved it (`ORDER_NOT_APPROVED`). */
  async function capture(orderId: string, idempotencyKey: string): Promise<ChargeResult | null> {
    try {
      const order = Order.parse(
        await call(
          'POST',
          `/v2/checkout/orders/${encodeURIComponent(orderId)}/capture`,
          {},
          `capture:${idempotencyKey}`,
        ),
      );
      return captureOutcome(order) ?? { status: 'processing', providerRef: orderId };
    } catch (error) {
      if (!(error instanceof PaypalError) || error.status !== 422) throw error;
      if (error.issue === 'ORDER_NOT_APPROVED' || error.issue === 'PAYER_ACTION_REQUIRED') return null;
      if (error.issue === 'ORDER_ALREADY_CAPTURED') return captureOutcome(await getOrder(orderId));
      if (error.issue === 'INSTRUMENT_DECLINED' || error.issue === 'TRANSACTION_REFUSED')
        return { status: 'failed', providerRef: orderId, failureCode: error.issue.toLowerCase() };
      throw error;
    }
  }

  async function cancel(orderId: string): Promise<ChargeResult> {
    const order = await getOrder(orderId);
    if (order.status === 'COMPLETED')
      return captureOutcome(order) ?? { status: 'processing', providerRef: orderId };
    if (order.status === 'APPROVED') {
      const captured = await capture(orderId, `abandoned:${orderId}`);
      if (captured) return captured;
    }
    return { status: 'failed', providerRef: orderId, failureCode: 'canceled' };
  }

  async function refund(request: RefundRequest): Promise<RefundResult> {
    const body = Refund.parse(
      await call(
        'POST',
        `/v2/payments/captures/${encodeURIComponent(request.providerRef)}/refund`,
        { amount: { currency_code: request.amount.currency, value: toDecimalString(request.amount) } },
        request.idempotencyKey,
      ),
    );
    if (body.status === 'CANCELLED' || body.status === 'FAILED')
      throw new PaypalError(422, `paypal refund ${body.id} ${body.status}`);
    return { status: 'succeeded', providerRef: body.id };
  }

  function certificate(url: string): Promise<X509Certificate> {
    let pending = certificates.get(url);
    if (!pending) {
      pending = (async () => {
        const res = await http(url);
        if (!res.ok) throw new PaypalError(res.status, `paypal certificate ${url}: HTTP ${res.status}`);
        return new X509Certificate(await res.text());
      })();
      pending.catch(() => certificates.delete(url));
      certificates.set(url, pending);
    }
    return pending;
  }

  /** The event if `rawBody` carries PayPal's valid signature for our webhook; null otherwise. */
  async function verifyWebhook(rawBody: string, headers: PaypalWebhookHeaders): Promise<PaypalEvent | null> {
    const id = headers['paypal-transmission-id'];
    const time = headers['paypal-transmission-time'];
    const signature = headers['paypal-transmission-sig'];
    const certUrl = headers['paypal-cert-url'];
    const algo = headers['paypal-auth-algo'];
    if (!id || !time || !signature || !certUrl || algo !== 'SHA256withRSA') return null;
    if (!config.certUrlPrefixes.some((prefix) => certUrl.startsWith(prefix))) return null;
    if (new URL(certUrl).pathname.includes('..')) return null;
    let cert: X509Certificate;
    try {
      cert = await certificate(certUrl);
    } catch {
      return null;
    }
    const now = clock.now().getTime();
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) return null;
    const signed = `${id}|${time}|${config.webhookId}|${crc32(Buffer.from(rawBody, 'utf8'))}`;
    const ok = createVerify('RSA-SHA256').update(signed).verify(cert.publicKey, signature, 'base64');
    if (!ok) return null;
    try {
      return PaypalEvent.parse(JSON.parse(rawBody));
    } catch {
      return null;
    }
  }

  const provider: PaymentProvider = {
    id: 'paypal',
    remote: true,
    redirect: true,
    attach: async () => {
      throw new PaypalError(422, 'PayPal takes no card data: the buyer pays on PayPal (MOC-BIL-01)');
    },
    charge: createOrder,
    refund,
    cancel,
    capture,
  };
  return { ...provider, config, getOrder, verifyWebhook };
}

export type PaypalGateway = ReturnType<typeof makePaypalGateway>;
