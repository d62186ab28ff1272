import {
  constants,
  createDecipheriv,
  createHash,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  randomBytes,
  sign,
} from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Fa3Validator, makeFa3Validator } from '../../src/modules/billing/ksef/index.ts';

/**
 * A local KSeF API 2.0 for tests, following the Ministry of Finance's documentation (CIRFMF/ksef-docs:
 * uwierzytelnianie.md, sesja-interaktywna.md, faktury/sesja-sprawdzenie-stanu-i-pobranie-upo.md,
 * bezpieczenstwo/klucze-publiczne-do-szyfrowania.md). It holds its own RSA key pair and publishes the public
 * key in a self-signed X.509 certificate (usages KsefTokenEncryption and SymmetricKeyEncryption) as the real
 * one publishes the MF certificates; it decrypts what it gets, so a client that encrypts wrongly fails here.
 *
 * - `POST /auth/challenge`; `POST /auth/ksef-token` checks `"{token}|{timestampMs}"` decrypted with its
 *   private key (RSA-OAEP SHA-256) against the configured token and the challenge; `GET /auth/{ref}` says
 *   100 once ("in progress"), then 200 or 450 (wrong token); `POST /auth/token/redeem` gives the access
 *   token once (400 the second time).
 * - `POST /sessions/online` decrypts the AES-256 key (RSA-OAEP) and takes the IV; `POST
 *   /sessions/online/{ref}/invoices` checks the sizes and SHA-256 hashes of the ciphertext and of the
 *   decrypted plaintext, then verifies the FA(3) XML against the official schema (450 if invalid) and the
 *   seller NIP + RodzajFaktury + P_2 uniqueness (440 "Duplikat faktury", naming the original in
 *   `extensions.originalKsefNumber`); `POST …/close` → 204.
 * - `GET /sessions/{ref}/invoices/{invoiceRef}` says 150 ("processing") on the first ask, then the outcome
 *   with the KSeF number (`{NIP}-{YYYYMMDD}-{12 hex}-{2 hex}`); `GET …/invoices/ksef/{ksefNumber}/upo` gives
 *   the UPO XML.
 */
export type TestKsefServer = {
  /** As `KSEF_URL` takes it: `http://127.0.0.1:<port>/v2`. */
  baseUrl: string;
  /** Each invoice received and decrypted, in order. */
  received: { sessionRef: string; invoiceRef: string; xml: string; status: number }[];
  /** Accepted invoices by KSeF number. */
  accepted: Map<string, { xml: string; nip: string; number: string; kind: string }>;
  /** Authentications that ended in an access token. */
  authentications: number;
  close(): Promise<void>;
};

type Session = { ref: string; key: Buffer; iv: Buffer; nip: string; closed: boolean };
type SentInvoice = {
  ref: string;
  sessionRef: string;
  ordinal: number;
  number: string;
  hash: string;
  status: { code: number; description: string; details?: string[]; extensions?: Record<string, string> };
  ksefNumber: string | null;
  asked: number;
  receivedAt: Date;
};

export async function startTestKsefServer(options: { token: string; nip: string }): Promise<TestKsefServer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = selfSignedCertificate(publicKey, privateKey);
  const validator: Fa3Validator = await makeFa3Validator();
  const challenges = new Map<string, number>();
  const auths = new Map<string, { token: string; ok: boolean; polls: number; redeemed: boolean }>();
  const accessTokens = new Set<string>();
  const sessions = new Map<string, Session>();
  const invoices = new Map<string, SentInvoice>();
  const bySellerTypeNumber = new Map<string, string>();
  const state: TestKsefServer = {
    baseUrl: '',
    received: [],
    accepted: new Map(),
    authentications: 0,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      validator.close();
    },
  };
  let counter = 0;
  const reference = (kind: string) => {
    counter += 1;
    const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    return `${date}-${kind}-${randomBytes(5).toString('hex').toUpperCase()}-${String(counter).padStart(2, '0')}`;
  };

  const server = createServer(async (req, res) => {
    try {
      await route(req, res);
    } catch (error) {
      json(res, 500, { exception: { exceptionDescription: String(error) } });
    }
  });

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://ksef.test');
    const path = url.pathname.replace(/^\/v2/, '');
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const body = req.method === 'POST' ? await readJson(req) : null;
    const exception = (status: number, code: number, description: string) =>
      json(res, status, {
        exception: { exceptionDetailList: [{ exceptionCode: code, exceptionDescription: description }] },
      });

    if (req.method === 'GET' && path === '/security/public-key-certificates') {
      const validFrom = new Date(Date.now() - 86_400_000).toISOString();
      const validTo = new Date(Date.now() + 365 * 86_400_000).toISOString();
      const der = certificate.toString('base64');
      const entry = (usage: string) => ({
        certificate: der,
        certificateId: createHash('sha256').update(certificate).digest('base64'),
        publicKeyId: createHash('sha256')
          .update(publicKey.export({ type: 'spki', format: 'der' }))
          .digest('base64'),
        validFrom,
        validTo,
        usage: [usage],
      });
      return json(res, 200, [entry('KsefTokenEncryption'), entry('SymmetricKeyEncryption')]);
    }
    if (req.method === 'POST' && path === '/auth/challenge') {
      const challenge = reference('CR');
      const timestampMs = Date.now();
      challenges.set(challenge, timestampMs);
      return json(res, 200, { challenge, timestamp: new Date(timestampMs).toISOString(), timestampMs });
    }
    if (req.method === 'POST' && path === '/auth/ksef-token') {
      const b = body as {
        challenge?: string;
        contextIdentifier?: { type?: string; value?: string };
        encryptedToken?: string;
      };
      const timestampMs = challenges.get(b.challenge ?? '');
      if (timestampMs === undefined) return exception(400, 21401, 'Nieprawidłowy challenge');
      challenges.delete(b.challenge!);
      if (b.contextIdentifier?.type !== 'Nip' || b.contextIdentifier.value !== options.nip)
        return exception(400, 21405, 'Nieprawidłowy identyfikator kontekstu');
      let plain: string;
      try {
        plain = privateDecrypt(
          { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
          Buffer.from(b.encryptedToken ?? '', 'base64'),
        ).toString('utf8');
      } catch {
        return exception(400, 21406, 'Nie można odszyfrować tokena');
      }
      const ref = reference('AU');
      const token = randomBytes(16).toString('hex');
      auths.set(ref, { token, ok: plain === `${options.token}|${timestampMs}`, polls: 0, redeemed: false });
      return json(res, 202, {
        referenceNumber: ref,
        authenticationToken: { token, validUntil: new Date(Date.now() + 600_000).toISOString() },
      });
    }
    const authStatus = /^\/auth\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && authStatus) {
      const auth = auths.get(authStatus[1]!);
      if (!auth || auth.token !== bearer) return exception(401, 21301, 'Brak autoryzacji');
      auth.polls += 1;
      const status =
        auth.polls === 1
          ? { code: 100, description: 'Uwierzytelnianie w toku' }
          : auth.ok
            ? { code: 200, description: 'Uwierzytelnianie zakończone sukcesem' }
            : {
                code: 450,
                description: 'Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu',
              };
      return json(res, 200, { startDate: new Date().toISOString(), authenticationMethod: 'Token', status });
    }
    if (req.method === 'POST' && path === '/auth/token/redeem') {
      const auth = [...auths.values()].find((a) => a.token === bearer);
      if (!auth?.ok || auth.polls < 2 || auth.redeemed)
        return exception(400, 21301, 'Tokeny zostały już pobrane');
      auth.redeemed = true;
      const accessToken = randomBytes(24).toString('hex');
      accessTokens.add(accessToken);
      state.authentications += 1;
      const validUntil = new Date(Date.now() + 900_000).toISOString();
      return json(res, 200, {
        accessToken: { token: accessToken, validUntil },
        refreshToken: { token: randomBytes(24).toString('hex'), validUntil },
      });
    }
    if (!accessTokens.has(bearer)) return exception(401, 21301, 'Brak autoryzacji');

    if (req.method === 'POST' && path === '/sessions/online') {
      const b = body as {
        formCode?: { systemCode?: string; schemaVersion?: string; value?: string };
        encryption?: { encryptedSymmetricKey?: string; initializationVector?: string };
      };
      if (
        b.formCode?.systemCode !== 'FA (3)' ||
        b.formCode.schemaVersion !== '1-0E' ||
        b.formCode.value !== 'FA'
      )
        return exception(400, 21405, 'Nieobsługiwany kod formularza');
      let key: Buffer;
      try {
        key = privateDecrypt(
          { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
          Buffer.from(b.encryption?.encryptedSymmetricKey ?? '', 'base64'),
        );
      } catch {
        return exception(400, 21406, 'Nie można odszyfrować klucza symetrycznego');
      }
      const iv = Buffer.from(b.encryption?.initializationVector ?? '', 'base64');
      if (key.length !== 32 || iv.length !== 16)
        return exception(400, 21406, 'Klucz 256 bitów i IV 128 bitów');
      const ref = reference('SO');
      sessions.set(ref, { ref, key, iv, nip: options.nip, closed: false });
      return json(res, 201, {
        referenceNumber: ref,
        validUntil: new Date(Date.now() + 12 * 3_600_000).toISOString(),
      });
    }
    const send = /^\/sessions\/online\/([^/]+)\/invoices$/.exec(path);
    if (req.method === 'POST' && send) {
      const session = sessions.get(send[1]!);
      if (!session || session.closed) return exception(400, 21180, 'Sesja nie istnieje lub jest zamknięta');
      const b = body as Record<string, unknown>;
      const encrypted = Buffer.from(String(b.encryptedInvoiceContent ?? ''), 'base64');
      if (encrypted.length !== b.encryptedInvoiceSize || sha256(encrypted) !== b.encryptedInvoiceHash)
        return exception(400, 21155, 'Skrót lub rozmiar zaszyfrowanej faktury się nie zgadza');
      let plain: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-cbc', session.key, session.iv);
        plain = Buffer.concat([decipher.update(encrypted), decipher.final()]);
      } catch {
        return exception(400, 21156, 'Nie można odszyfrować faktury');
      }
      if (plain.length !== b.invoiceSize || sha256(plain) !== b.invoiceHash)
        return exception(400, 21155, 'Skrót lub rozmiar faktury się nie zgadza');
      const xml = plain.toString('utf8');
      const ref = reference('EE');
      const ordinal = [...invoices.values()].filter((i) => i.sessionRef === session.ref).length + 1;
      const number = tag(xml, 'P_2') ?? '';
      const kind = tag(xml, 'RodzajFaktury') ?? '';
      const nip = /<Podmiot1>[\s\S]*?<NIP>(\d{10})<\/NIP>/.exec(xml)?.[1] ?? '';
      const invoice: SentInvoice = {
        ref,
        sessionRef: session.ref,
        ordinal,
        number,
        hash: sha256(plain),
        status: { code: 150, description: 'Trwa przetwarzanie' },
        ksefNumber: null,
        asked: 0,
        receivedAt: new Date(),
      };
      const validation = validator.validate(xml);
      const key = `${nip}|${kind}|${number}`;
      if (!validation.ok)
        invoice.status = {
          code: 450,
          description: 'Błąd weryfikacji semantyki dokumentu faktury',
          details: validation.errors.slice(0, 5),
        };
      else if (nip !== session.nip)
        invoice.status = {
          code: 410,
          description: 'Nieprawidłowy zakres uprawnień',
          details: [`NIP ${nip}`],
        };
      else if (bySellerTypeNumber.has(key))
        invoice.status = {
          code: 440,
          description: 'Duplikat faktury',
          details: [`Faktura o numerze ${number} została już przyjęta`],
          extensions: { originalKsefNumber: bySellerTypeNumber.get(key)! },
        };
      else {
        const ksefNumber = ksefNumberOf(nip, invoice.receivedAt);
        invoice.ksefNumber = ksefNumber;
        bySellerTypeNumber.set(key, ksefNumber);
        state.accepted.set(ksefNumber, { xml, nip, number, kind });
        invoice.status = { code: 200, description: 'Sukces' };
      }
      invoices.set(ref, invoice);
      state.received.push({ sessionRef: session.ref, invoiceRef: ref, xml, status: invoice.status.code });
      return json(res, 202, { referenceNumber: ref });
    }
    const close = /^\/sessions\/online\/([^/]+)\/close$/.exec(path);
    if (req.method === 'POST' && close) {
      const session = sessions.get(close[1]!);
      if (!session) return exception(400, 21180, 'Sesja nie istnieje');
      session.closed = true;
      res.writeHead(204);
      return res.end();
    }
    const upo = /^\/sessions\/([^/]+)\/invoices\/ksef\/([^/]+)\/upo$/.exec(path);
    if (req.method === 'GET' && upo) {
      const invoice = [...invoices.values()].find(
        (i) => i.sessionRef === upo[1] && i.ksefNumber === decodeURIComponent(upo[2]!),
      );
      if (!invoice) return exception(404, 21178, 'Nie znaleziono UPO');
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-2"><NazwaPodmiotuPrzyjmujacego>Ministerstwo Finansów</NazwaPodmiotuPrzyjmujacego><NumerReferencyjnySesji>${invoice.sessionRef}</NumerReferencyjnySesji><Dokument><NumerKSeFDokumentu>${invoice.ksefNumber}</NumerKSeFDokumentu><NumerFaktury>${invoice.number}</NumerFaktury><SkrotDokumentu>${invoice.hash}</SkrotDokumentu></Dokument></Potwierdzenie>`,
      );
    }
    const status = /^\/sessions\/([^/]+)\/invoices\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && status) {
      const invoice = invoices.get(decodeURIComponent(status[2]!));
      if (!invoice || invoice.sessionRef !== status[1])
        return exception(404, 21178, 'Nie znaleziono faktury');
      invoice.asked += 1;
      const done = invoice.asked > 1;
      return json(res, 200, {
        ordinalNumber: invoice.ordinal,
        invoiceNumber: invoice.number,
        ksefNumber: done ? invoice.ksefNumber : null,
        referenceNumber: invoice.ref,
        invoiceHash: invoice.hash,
        acquisitionDate: done && invoice.ksefNumber ? invoice.receivedAt.toISOString() : null,
        status: done ? invoice.status : { code: 150, description: 'Trwa przetwarzanie' },
      });
    }
    return exception(404, 404, `no route ${req.method} ${path}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
  return state;
}

function tag(xml: string, name: string): string | null {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? null;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('base64');
}

/** `5265877635-20250826-0100001AF629-AF`: NIP, date, 12 hex digits, a CRC-8 of the rest. */
function ksefNumberOf(nip: string, at: Date): string {
  const body = `${nip}-${at.toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(6).toString('hex').toUpperCase()}`;
  let crc = 0;
  for (const byte of Buffer.from(body, 'utf8')) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return `${body}-${crc.toString(16).toUpperCase().padStart(2, '0')}`;
}

// A minimal DER writer, enough for one self-signed certificate.

function der(tagByte: number, content: Buffer): Buffer {
  const length = content.length;
  const header =
    length < 0x80
      ? Buffer.from([tagByte, length])
      : length < 0x100
        ? Buffer.from([tagByte, 0x81, length])
        : Buffer.from([tagByte, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => der(0x31, Buffer.concat(items));
const int = (n: Buffer) => der(0x02, n[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), n]) : n);
const oid = (dotted: string) => {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const part of rest) {
    const stack = [part & 0x7f];
    for (let v = part >> 7; v > 0; v >>= 7) stack.unshift((v & 0x7f) | 0x80);
    bytes.push(...stack);
  }
  return der(0x06, Buffer.from(bytes));
};
const utf8 = (text: string) => der(0x0c, Buffer.from(text, 'utf8'));
const utcTime = (d: Date) =>
  der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`, 'ascii'));
const nullValue = Buffer.from([0x05, 0x00]);

function selfSignedCertificate(publicKey: KeyObject, privateKey: KeyObject): Buffer {
  const sha256WithRsa = seq(oid('1.2.840.113549.1.1.11'), nullValue);
  const name = seq(
    set(seq(oid('2.5.4.6'), der(0x13, Buffer.from('PL')))),
    set(seq(oid('2.5.4.3'), utf8('Ministerstwo Finansów (test)'))),
  );
  const now = Date.now();
  const tbs = seq(
    der(0xa0, int(Buffer.from([2]))),
    int(randomBytes(8)),
    sha256WithRsa,
    name,
    seq(utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 365 * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  return seq(tbs, sha256WithRsa, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : JSON.parse(text);
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
