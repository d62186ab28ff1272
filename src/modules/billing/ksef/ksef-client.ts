/**
 * A client of the KSeF API 2.0 (Krajowy System e-Faktur) for sending invoices in an online (interactive)
 * session, following the Ministry of Finance's documentation (CIRFMF/ksef-docs: uwierzytelnianie.md §2.2
 * "Uwierzytelnianie tokenem KSeF", sesja-interaktywna.md, faktury/sesja-sprawdzenie-stanu-i-pobranie-upo.md,
 * bezpieczenstwo/klucze-publiczne-do-szyfrowania.md):
 *
 * 1. `GET /security/public-key-certificates`: the MF certificates (X.509, DER in Base64) per `usage`
 *    (`KsefTokenEncryption`, `SymmetricKeyEncryption`); the valid one with the latest `validFrom` is used.
 * 2. `POST /auth/challenge` → `{ challenge, timestamp, timestampMs }`.
 * 3. `POST /auth/ksef-token` with `{ challenge, contextIdentifier: { type: 'Nip', value }, encryptedToken }`,
 *    the token encrypted as `"{token}|{timestampMs}"` with RSA-OAEP (SHA-256, MGF1) → 202
 *    `{ referenceNumber, authenticationToken: { token } }`.
 * 4. `GET /auth/{referenceNumber}` (Bearer authenticationToken) until `status.code` is 200 (100 = in
 *    progress, ≥ 400 = failed); then `POST /auth/token/redeem` → `{ accessToken: { token } }`.
 * 5. `POST /sessions/online` (Bearer accessToken) with `formCode { systemCode: 'FA (3)', schemaVersion:
 *    '1-0E', value: 'FA' }` and `encryption { encryptedSymmetricKey, initializationVector }`: a fresh AES-256
 *    key encrypted with RSA-OAEP, and its 16-byte IV → 201 `{ referenceNumber, validUntil }`.
 * 6. `POST /sessions/online/{ref}/invoices` per invoice: the XML encrypted with AES-256-CBC (PKCS#7) and
 *    `invoiceHash`/`invoiceSize`, `encryptedInvoiceHash`/`encryptedInvoiceSize` (SHA-256 in Base64, bytes)
 *    → 202 `{ referenceNumber }`.
 * 7. `POST /sessions/online/{ref}/close` → 204; the invoices are verified asynchronously.
 * 8. `GET /sessions/{ref}/invoices/{invoiceRef}` → `status.code` 200 with `ksefNumber` (100/150: still
 *    processing; ≥ 400 rejected, 440 a duplicate with the original's number in `extensions`), and
 *    `GET /sessions/{ref}/invoices/ksef/{ksefNumber}/upo` → the UPO (XML).
 *
 * Every request has a timeout; an HTTP or network failure is `billing.ksef_unavailable` (retry later),
 * an authentication refused is `billing.ksef_auth_failed`. No database, no clock: the submission use case
 * decides what to send and records what came back.
 */
import {
  constants,
  createCipheriv,
  createHash,
  type KeyObject,
  publicEncrypt,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import type { Clock } from '../../../platform/clock.ts';
import { AppError } from '../../../platform/errors.ts';
import { ksefErrors } from './ksef-errors.ts';

export type KsefConfig = {
  /** e.g. `https://api-test.ksef.mf.gov.pl/v2` (test), `https://api.ksef.mf.gov.pl/v2` (production). */
  baseUrl: string;
  /** The KSeF token generated for the seller's NIP context (a secret). */
  token: string;
  timeoutMs?: number;
  /** How long to wait between polls of an authentication in progress, and how many times. */
  pollIntervalMs?: number;
  maxPolls?: number;
  fetch?: typeof fetch;
  /** The time certificates are checked against (the process clock; KSeF's validity is real time). */
  clock: Clock;
};

export type KsefSentInvoice = { id: string; invoiceRef: string };

export type KsefInvoiceState =
  | { state: 'processing'; code: number }
  | { state: 'accepted'; ksefNumber: string; upo: string | null; acquiredAt: string | null }
  | { state: 'rejected'; code: number; description: string; details: string[] };

/** What the submission use case needs from KSeF: send a batch in one online session, and ask about each. */
export type KsefClient = {
  /** Authenticates for `nip`, opens an online session, sends each XML, closes the session. */
  send(
    nip: string,
    invoices: readonly { id: string; xml: string }[],
  ): Promise<{ sessionRef: string; sent: KsefSentInvoice[] }>;
  /** The processing state of invoices sent earlier (authenticating once for the lot). */
  states(
    nip: string,
    invoices: readonly { id: string; sessionRef: string; invoiceRef: string }[],
  ): Promise<Map<string, KsefInvoiceState>>;
};

type Certificate = { certificate: string; validFrom?: string; validTo?: string; usage?: string[] };

export function makeKsefClient(config: KsefConfig): KsefClient {
  const base = config.baseUrl.replace(/\/+$/, '');
  const fetchImpl = config.fetch ?? fetch;
  const timeoutMs = config.timeoutMs ?? 15_000;
  const pollIntervalMs = config.pollIntervalMs ?? 1000;
  const maxPolls = config.maxPolls ?? 30;

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    options: { bearer?: string; body?: unknown; expect?: number[]; raw?: boolean } = {},
  ): Promise<{ status: number; json: T; text: string }> {
    let response: Response;
    try {
      response = await fetchImpl(base + path, {
        method,
        headers: {
          accept: options.raw ? 'application/xml' : 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new AppError(ksefErrors.unavailable, { details: { path, error: 'NETWORK' }, cause });
    }
    const text = await response.text();
    const expected = options.expect ?? [200];
    if (!expected.includes(response.status))
      throw new AppError(ksefErrors.unavailable, {
        details: { path, error: `HTTP_${response.status}`, body: text.slice(0, 300) },
      });
    let json = null as T;
    if (!options.raw && text !== '') {
      try {
        json = JSON.parse(text) as T;
      } catch (cause) {
        throw new AppError(ksefErrors.unavailable, { details: { path, error: 'BAD_RESPONSE' }, cause });
      }
    }
    return { status: response.status, json, text };
  }

  async function publicKey(usage: 'KsefTokenEncryption' | 'SymmetricKeyEncryption') {
    const { json } = await call<Certificate[]>('GET', '/security/public-key-certificates');
    const now = config.clock.now().getTime();
    const candidates = (json ?? [])
      .filter((c) => c.usage?.includes(usage))
      .filter(
        (c) =>
          (!c.validFrom || Date.parse(c.validFrom) <= now) && (!c.validTo || Date.parse(c.validTo) > now),
      )
      .sort((a, b) => Date.parse(b.validFrom ?? '0') - Date.parse(a.validFrom ?? '0'));
    const chosen = candidates[0];
    if (!chosen)
      throw new AppError(ksefErrors.unavailable, { details: { error: `NO_CERTIFICATE_FOR_${usage}` } });
    return new X509Certificate(Buffer.from(chosen.certificate, 'base64')).publicKey;
  }

  const oaep = (key: KeyObject, data: Buffer) =>
    publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data);

  async function authenticate(nip: string): Promise<string> {
    const challenge = await call<{ challenge: string; timestamp: string; timestampMs?: number }>(
      'POST',
      '/auth/challenge',
    );
    const timestampMs = challenge.json.timestampMs ?? Date.parse(challenge.json.timestamp);
    const key = await publicKey('KsefTokenEncryption');
    const encryptedToken = oaep(key, Buffer.from(`${config.token}|${timestampMs}`, 'utf8')).toString(
      'base64',
    );
    const started = await call<{ referenceNumber: string; authenticationToken: { token: string } }>(
      'POST',
      '/auth/ksef-token',
      {
        body: {
          challenge: challenge.json.challenge,
          contextIdentifier: { type: 'Nip', value: nip },
          encryptedToken,
        },
        expect: [202],
      },
    );
    const authToken = started.json.authenticationToken.token;
    for (let poll = 0; ; poll++) {
      const { json } = await call<{ status: { code: number; description?: string } }>(
        'GET',
        `/auth/${encodeURIComponent(started.json.referenceNumber)}`,
        { bearer: authToken },
      );
      if (json.status.code === 200) break;
      if (json.status.code >= 400)
        throw new AppError(ksefErrors.auth_failed, {
          details: { code: json.status.code, description: json.status.description ?? '' },
        });
      if (poll + 1 >= maxPolls)
        throw new AppError(ksefErrors.unavailable, { details: { error: 'AUTH_TIMEOUT' } });
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
    const redeemed = await call<{ accessToken: { token: string } }>('POST', '/auth/token/redeem', {
      bearer: authToken,
    });
    return redeemed.json.accessToken.token;
  }

  return {
    async send(nip, invoices) {
      const accessToken = await authenticate(nip);
      const symmetricKey = randomBytes(32);
      const iv = randomBytes(16);
      const key = await publicKey('SymmetricKeyEncryption');
      const opened = await call<{ referenceNumber: string }>('POST', '/sessions/online', {
        bearer: accessToken,
        body: {
          formCode: { systemCode: 'FA (3)', schemaVersion: '1-0E', value: 'FA' },
          encryption: {
            encryptedSymmetricKey: oaep(key, symmetricKey).toString('base64'),
            initializationVector: iv.toString('base64'),
          },
        },
        expect: [201],
      });
      const sessionRef = opened.json.referenceNumber;
      const sent: KsefSentInvoice[] = [];
      for (const invoice of invoices) {
        const plain = Buffer.from(invoice.xml, 'utf8');
        const cipher = createCipheriv('aes-256-cbc', symmetricKey, iv);
        const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
        const result = await call<{ referenceNumber: string }>(
          'POST',
          `/sessions/online/${encodeURIComponent(sessionRef)}/invoices`,
          {
            bearer: accessToken,
            body: {
              invoiceHash: sha256Base64(plain),
              invoiceSize: plain.length,
              encryptedInvoiceHash: sha256Base64(encrypted),
              encryptedInvoiceSize: encrypted.length,
              encryptedInvoiceContent: encrypted.toString('base64'),
              offlineMode: false,
            },
            expect: [202],
          },
        );
        sent.push({ id: invoice.id, invoiceRef: result.json.referenceNumber });
      }
      await call('POST', `/sessions/online/${encodeURIComponent(sessionRef)}/close`, {
        bearer: accessToken,
        expect: [200, 204],
      });
      return { sessionRef, sent };
    },

    async states(nip, invoices) {
      const states = new Map<string, KsefInvoiceState>();
      if (invoices.length === 0) return states;
      const accessToken = await authenticate(nip);
      for (const invoice of invoices) {
        const session = encodeURIComponent(invoice.sessionRef);
        const { json } = await call<{
          ksefNumber?: string | null;
          acquisitionDate?: string | null;
          status: {
            code: number;
            description?: string;
            details?: string[];
            extensions?: Record<string, string | null> | null;
          };
        }>('GET', `/sessions/${session}/invoices/${encodeURIComponent(invoice.invoiceRef)}`, {
          bearer: accessToken,
        });
        const { code } = json.status;
        const duplicateOf = code === 440 ? (json.status.extensions?.originalKsefNumber ?? null) : null;
        const ksefNumber = code === 200 ? (json.ksefNumber ?? null) : duplicateOf;
        if (ksefNumber) {
          // A duplicate is the same invoice accepted before (a send whose answer was lost): its UPO is the
          // original session's, which this session does not hold.
          const upo =
            code === 200
              ? (
                  await call(
                    'GET',
                    `/sessions/${session}/invoices/ksef/${encodeURIComponent(ksefNumber)}/upo`,
                    {
                      bearer: accessToken,
                      raw: true,
                    },
                  )
                ).text
              : null;
          states.set(invoice.id, {
            state: 'accepted',
            ksefNumber,
            upo,
            acquiredAt: json.acquisitionDate ?? null,
          });
        } else if (code < 200 || code === 150) states.set(invoice.id, { state: 'processing', code });
        else
          states.set(invoice.id, {
            state: 'rejected',
            code,
            description: json.status.description ?? '',
            details: json.status.details ?? [],
          });
      }
      return states;
    },
  };
}

function sha256Base64(data: Buffer): string {
  return createHash('sha256').update(data).digest('base64');
}
