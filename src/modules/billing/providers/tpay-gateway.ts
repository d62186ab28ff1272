import { verify as verifySignature, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../../platform/clock.ts';
import { type Money, toDecimalString } from '../../../platform/money.ts';

export type TpayConfig = {
  /** OAuth client credentials from tpay's merchant panel (env TPAY_CLIENT_ID, TPAY_CLIENT_SECRET). */
  clientId: string;
  clientSecret: string;
  /** The Open API origin: https://api.tpay.com (https://openapi.sandbox.tpay.com for tpay's sandbox). */
  apiUrl: string;
  /**
   * Where tpay publishes its notification certificates; the JWS `x5u` must point below it and the root CA is
   * `<certificatesUrl>/x509/tpay-jws-root.pem`. Default https://secure.tpay.com.
   */
  certificatesUrl: string;
  /** The merchant id notifications carry in `id`; when set, a notification for another merchant is refused. */
  merchantId?: string | undefined;
};

export type TpayTransaction = { transactionId: string; title: string; paymentUrl: string };

/** A transaction notification as tpay posts it (application/x-www-form-urlencoded). */
export const TpayNotification = z.object({
  id: z.string(),
  tr_id: z.string().min(1),
  tr_date: z.string().optional(),
  tr_crc: z.string().min(1),
  tr_amount: z.string().regex(/^\d+(\.\d{1,2})?$/),
  tr_paid: z.string().regex(/^\d+(\.\d{1,2})?$/),
  tr_desc: z.string().optional(),
  tr_status: z.enum(['TRUE', 'FALSE', 'CHARGEBACK', 'PAID', 'CORRECT']),
  tr_error: z.string().optional(),
  tr_email: z.string().optional(),
  md5sum: z.string().optional(),
  test_mode: z.string().optional(),
});
export type TpayNotification = z.infer<typeof TpayNotification>;

const TokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.number().int().positive() });
const TransactionResponse = z.object({
  result: z.literal('success'),
  transactionId: z.string().min(1),
  title: z.string().min(1),
  transactionPaymentUrl: z.string().url(),
});

export class TpayError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * tpay.com's Open API for pay-by-link transactions (BK-BIL-04: fees paid through tpay's payment page):
 * an OAuth client-credentials token (`POST /oauth/auth`, cached until shortly before it expires), a
 * transaction for an amount in PLN (`POST /transactions`, Bearer token) whose `hiddenDescription` is ours and
 * comes back as `tr_crc`, and the check of a notification's `X-JWS-Signature`.
 *
 * Notifications are verified as tpay's webhook documentation requires (JWS, RFC 7515, mandatory): the
 * header's detached compact JWS has a protected header with `alg: RS256` and `x5u`, the URL of the signing
 * certificate, which must lie under tpay's certificate origin; that certificate must be issued and signed
 * by tpay's root CA and valid now; and the RS256 signature must verify over
 * `<protected header>.<base64url(raw body)>` with its public key. The older md5sum (an MD5 of merchant id,
 * `tr_id`, `tr_amount`, `tr_crc` and the merchant's security code) is not relied on: it is a shared secret
 * in a weak hash, and tpay's current API documents JWS as the mandatory check.
 */
export function makeTpayGateway(deps: { config: TpayConfig; clock: Clock; fetch?: typeof fetch }) {
  const { config, clock } = deps;
  const http = deps.fetch ?? fetch;
  const api = config.apiUrl.replace(/\/+$/, '');
  const certificates = config.certificatesUrl.replace(/\/+$/, '');
  let token: { value: string; until: number } | null = null;
  const pems = new Map<string, Promise<X509Certificate>>();

  async function accessToken(): Promise<string> {
    if (token && token.until > clock.now().getTime()) return token.value;
    const res = await http(`${api}/oauth/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: config.clientId,
        client_secret: config.clientSecret,
      }).toString(),
    });
    if (!res.ok) throw new TpayError(res.status, `tpay oauth: HTTP ${res.status} ${await res.text()}`);
    const body = TokenResponse.parse(await res.json());
    // Renewed a minute before tpay's expiry, so a request never goes out with a token about to lapse.
    token = { value: body.access_token, until: clock.now().getTime() + (body.expires_in - 60) * 1000 };
    return token.value;
  }

  async function createTransaction(input: {
    amount: Money;
    description: string;
    hiddenDescription: string;
    payer: { email: string; name: string };
    notificationUrl: string;
    successUrl: string;
    errorUrl: string;
  }): Promise<TpayTransaction> {
    if (input.amount.currency !== 'PLN') throw new TpayError(422, 'tpay transactions are in PLN');
    const send = async () =>
      http(`${api}/transactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await accessToken()}` },
        body: JSON.stringify({
          amount: Number(toDecimalString(input.amount)),
          description: input.description,
          hiddenDescription: input.hiddenDescription,
          lang: 'pl',
          payer: input.payer,
          callbacks: {
            notification: { url: input.notificationUrl },
            payerUrls: { success: input.successUrl, error: input.errorUrl },
          },
        }),
      });
    let res = await send();
    if (res.status === 401) {
      token = null;
      res = await send();
    }
    if (!res.ok) throw new TpayError(res.status, `tpay transactions: HTTP ${res.status} ${await res.text()}`);
    const body = TransactionResponse.parse(await res.json());
    return { transactionId: body.transactionId, title: body.title, paymentUrl: body.transactionPaymentUrl };
  }

  function certificate(url: string): Promise<X509Certificate> {
    let pending = pems.get(url);
    if (!pending) {
      pending = (async () => {
        const res = await http(url);
        if (!res.ok) throw new TpayError(res.status, `tpay certificate ${url}: HTTP ${res.status}`);
        return new X509Certificate(await res.text());
      })();
      pending.catch(() => pems.delete(url));
      pems.set(url, pending);
    }
    return pending;
  }

  /** Whether `rawBody` carries tpay's valid JWS signature `jws` (X-JWS-Signature). */
  async function verifyNotification(rawBody: string, jws: string | undefined): Promise<boolean> {
    if (!jws) return false;
    const parts = jws.split('.');
    if (parts.length !== 3 || parts[1] !== '' || !parts[0] || !parts[2]) return false;
    const [protectedHeader, , signature] = parts as [string, string, string];
    let header: { alg?: unknown; x5u?: unknown };
    try {
      header = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString('utf8'));
    } catch {
      return false;
    }
    if (header.alg !== 'RS256' || typeof header.x5u !== 'string') return false;
    if (!header.x5u.startsWith(`${certificates}/`)) return false;
    const [signing, root] = await Promise.all([
      certificate(header.x5u),
      certificate(`${certificates}/x509/tpay-jws-root.pem`),
    ]);
    const now = clock.now().getTime();
    if (!signing.checkIssued(root) || !signing.verify(root.publicKey)) return false;
    if (Date.parse(signing.validFrom) > now || Date.parse(signing.validTo) < now) return false;
    const signed = `${protectedHeader}.${Buffer.from(rawBody, 'utf8').toString('base64url')}`;
    return verifySignature(
      'sha256',
      Buffer.from(signed),
      signing.publicKey,
      Buffer.from(signature, 'base64url'),
    );
  }

  return { id: 'tpay' as const, config, createTransaction, verifyNotification };
}

export type TpayGateway = ReturnType<typeof makeTpayGateway>;
