import { type App, type AppConfig, buildApp } from '../../src/app.ts';
import type { PaymentProvider } from '../../src/modules/billing/index.ts';
import { type Clock, systemClock } from '../../src/platform/clock.ts';
import { PRODUCT_SCOPES } from '../../src/platform/http/operator-scopes.ts';
import { loadPreset, type Policy } from '../../src/policy/index.ts';
import { openTestDatabase } from './database.ts';

export type TestApp = App & { operatorKey: string; operator: Record<string, string> };

/**
 * The whole application on a fresh database (PGlite, or the PostgreSQL server in DATABASE_URL), with an
 * operator API key. Close it after the test.
 */
export async function buildTestApp(
  options: {
    preset?: string;
    policy?: Policy;
    smtpUrl?: string;
    portalUrl?: string;
    paymentProvider?: PaymentProvider;
    /** Payment gateways (test/helpers/stripe-server.ts, test/helpers/tpay-server.ts). */
    gateways?: AppConfig['gateways'];
    /** The process clock (accounts without a test clock live by it); the system clock unless given. */
    clock?: Clock;
    /** VIES REST API (test/helpers/vies-server.ts). */
    vies?: { baseUrl: string; timeoutMs: number };
    /** KSeF API 2.0 (test/helpers/ksef-server.ts). */
    ksef?: { baseUrl: string; token: string; pollIntervalMs?: number };
    /** Encrypted backups: a folder and a 32-byte key (QU-SEC-01's daily backup). */
    backups?: { dir: string; key: Buffer | null };
  } = {},
): Promise<TestApp> {
  const database = await openTestDatabase();
  const app = await buildApp({
    policy: options.policy ?? loadPreset(options.preset ?? 'quanda'),
    database,
    portalUrl: options.portalUrl ?? 'https://app.klauzula.test',
    smtpUrl: options.smtpUrl,
    logLevel: process.env.TEST_LOG ?? 'silent',
    clock: options.clock ?? systemClock,
    argon2: { memoryCost: 4096, timeCost: 1 },
    ...(options.paymentProvider ? { paymentProvider: options.paymentProvider } : {}),
    ...(options.gateways ? { gateways: options.gateways } : {}),
    ...(options.vies ? { vies: options.vies } : {}),
    ...(options.ksef ? { ksef: options.ksef } : {}),
    ...(options.backups ? { backups: options.backups } : {}),
  });
  // The operator's product: every scope but `admin` (no key reads entrusted data outside a support request).
  const { key } = await app.accounts.createApiKey({ name: 'test operator', scopes: PRODUCT_SCOPES });
  return Object.assign(app, { operatorKey: key, operator: { authorization: `Bearer ${key}` } });
}

/** A registration body that satisfies every preset's registration rules. */
export function aRegistration(policy: Policy, overrides: Record<string, unknown> = {}) {
  return {
    company: {
      name: 'Kwiaciarnia Róża sp. z o.o.',
      taxId: '5260250274',
      country: 'PL',
      address: { street: 'ul. Długa 1', postalCode: '80-831', city: 'Gdańsk', country: 'PL' },
      isLegalPerson: true,
    },
    person: { firstName: 'Anna', lastName: 'Nowak' },
    registeringPerson: 'Anna Nowak',
    email: 'anna@roza.example',
    phone: '+48 600 100 200',
    password: 'correct horse battery',
    declarations: { business: true, adult: true, legalCapacity: true },
    acceptedDocuments: policy.documents
      .filter((d) => d.requiredAtRegistration)
      .map((d) => ({ kind: d.kind, version: d.version })),
    locale: 'pl',
    ...overrides,
  };
}

/** The value of a Set-Cookie header's cookie, for the next request's Cookie header. */
export function sessionCookie(setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = list.find((c) => c.startsWith('klz_session='));
  if (!found) throw new Error('no session cookie was set');
  return found.split(';')[0]!;
}
