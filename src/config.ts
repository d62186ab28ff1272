import { isAbsolute, resolve } from 'node:path';
import { gatewayConfigProblems, PAYPAL_CERT_URL_PREFIXES } from './modules/billing/index.ts';
import { parseBackupKey } from './platform/backup/backup-crypto.ts';
import { checkPolicyFile, loadPreset, type Policy, presetNames } from './policy/index.ts';

export type ProcessConfig = {
  policy: Policy;
  policySource: string;
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  portalUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string | undefined;
  logLevel: string;
  secureCookies: boolean;
  /** Encrypted backups (`klauzula backup …`): `KLAUZULA_BACKUP_DIR` and the 32-byte `KLAUZULA_BACKUP_KEY`. */
  backups: { dir: string; key: Buffer | null };
  /** VIES REST API for EU VAT ids (`VIES_URL`); absent: VAT ids are not checked (offline). */
  vies: { baseUrl: string; timeoutMs: number } | undefined;
  /** KSeF API 2.0 (`KSEF_URL` and `KSEF_TOKEN` together); absent: invoices wait in `pending`. */
  ksef: { baseUrl: string; token: string } | undefined;
  /**
   * Payment gateways (`STRIPE_*`, `TPAY_*`); each absent when not configured. The policy's
   * `billing.paymentProviders` says which are used: a gateway it names must be configured, one it does not name
   * must not be, unless `KLAUZULA_PAYMENTS=sandbox` (then payments go to the sandbox, explicitly).
   */
  gateways: {
    stripe: { secretKey: string; webhookSecret: string; apiUrl: string | undefined } | undefined;
    tpay:
      | {
          clientId: string;
          clientSecret: string;
          apiUrl: string;
          certificatesUrl: string;
          merchantId: string | undefined;
        }
      | undefined;
    /** PayPal redirect payments (`PAYPAL_*`, MOC-BIL-01). */
    paypal:
      | {
          clientId: string;
          clientSecret: string;
          webhookId: string;
          apiUrl: string;
          certUrlPrefixes: string[];
        }
      | undefined;
  };
};

export class ConfigError extends Error {}

/**
 * Reads the process configuration from the environment and flags. A policy that does not validate stops
 * here, with the precise report, so a broken policy never starts the server.
 */
export function readConfig(
  env: NodeJS.ProcessEnv,
  flags: { preset?: string; policy?: string; port?: string },
): ProcessConfig {
  const policyFile = flags.policy ?? env.KLAUZULA_POLICY;
  let policy: Policy;
  let policySource: string;
  if (policyFile) {
    const check = checkPolicyFile(isAbsolute(policyFile) ? policyFile : resolve(policyFile));
    if (!check.ok) throw new ConfigError(check.report);
    policy = check.policy;
    policySource = policyFile;
  } else {
    const preset = flags.preset ?? env.KLAUZULA_PRESET ?? 'clickmeeting';
    if (!(presetNames as readonly string[]).includes(preset))
      throw new ConfigError(`unknown preset "${preset}"; choose one of ${presetNames.join(', ')}`);
    policy = loadPreset(preset);
    policySource = `preset ${preset}`;
  }
  const port = Number(flags.port ?? env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be 0..65535, got ${flags.port ?? env.PORT}`);
  const host = env.HOST ?? '127.0.0.1';
  return {
    policy,
    policySource,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.KLAUZULA_DATA_DIR ?? resolve('data'),
    host,
    port,
    portalUrl: env.KLAUZULA_PORTAL_URL ?? `http://localhost:${port}`,
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    secureCookies: env.SECURE_COOKIES === 'true',
    backups: { dir: env.KLAUZULA_BACKUP_DIR ?? resolve('backups'), key: readBackupKey(env) },
    vies: env.VIES_URL
      ? { baseUrl: env.VIES_URL, timeoutMs: positiveInt(env.VIES_TIMEOUT_MS, 'VIES_TIMEOUT_MS', 5000) }
      : undefined,
    ksef: readKsef(env),
    gateways: readGateways(env, policy, policySource),
  };
}

/** The gateways' secrets, checked against the gateways the policy names (see `gatewayConfigProblems`). */
function readGateways(
  env: NodeJS.ProcessEnv,
  policy: Policy,
  policySource: string,
): ProcessConfig['gateways'] {
  const gateways = { stripe: readStripe(env), tpay: readTpay(env), paypal: readPaypal(env) };
  const payments = env.KLAUZULA_PAYMENTS || undefined;
  if (payments !== undefined && payments !== 'sandbox')
    throw new ConfigError(`KLAUZULA_PAYMENTS must be "sandbox" or unset, got ${payments}`);
  const problems = gatewayConfigProblems(
    policy,
    {
      stripe: gateways.stripe !== undefined,
      tpay: gateways.tpay !== undefined,
      paypal: gateways.paypal !== undefined,
    },
    { sandbox: payments === 'sandbox' },
  );
  if (problems.length > 0)
    throw new ConfigError(problems.map((problem) => `${policySource}: ${problem}`).join('\n'));
  return gateways;
}

/** Stripe is switched on by its secret key, which needs the webhook endpoint's signing secret with it. */
function readStripe(env: NodeJS.ProcessEnv): ProcessConfig['gateways']['stripe'] {
  const secretKey = env.STRIPE_SECRET_KEY || undefined;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET || undefined;
  if (!secretKey && !webhookSecret) return undefined;
  if (!secretKey || !webhookSecret)
    throw new ConfigError('STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together');
  const apiUrl = env.STRIPE_API_URL || undefined;
  if (apiUrl && !/^https?:\/\//.test(apiUrl))
    throw new ConfigError(`STRIPE_API_URL must be an http(s) URL, got ${apiUrl}`);
  return { secretKey, webhookSecret, apiUrl };
}

/** tpay is switched on by its OAuth client id and secret, both or neither. */
function readTpay(env: NodeJS.ProcessEnv): ProcessConfig['gateways']['tpay'] {
  const clientId = env.TPAY_CLIENT_ID || undefined;
  const clientSecret = env.TPAY_CLIENT_SECRET || undefined;
  if (!clientId && !clientSecret) return undefined;
  if (!clientId || !clientSecret)
    throw new ConfigError('TPAY_CLIENT_ID and TPAY_CLIENT_SECRET must be set together');
  const apiUrl = env.TPAY_API_URL || 'https://api.tpay.com';
  const certificatesUrl = env.TPAY_CERTIFICATES_URL || 'https://secure.tpay.com';
  for (const [name, url] of [
    ['TPAY_API_URL', apiUrl],
    ['TPAY_CERTIFICATES_URL', certificatesUrl],
  ] as const)
    if (!/^https?:\/\//.test(url)) throw new ConfigError(`${name} must be an http(s) URL, got ${url}`);
  return { clientId, clientSecret, apiUrl, certificatesUrl, merchantId: env.TPAY_MERCHANT_ID || undefined };
}

/**
 * PayPal (MOC-BIL-01) is switched on by its REST app's client id and secret and the webhook's id, all or
 * none. PAYPAL_API_URL defaults to live (https://api-m.paypal.com); PAYPAL_CERT_URL_PREFIXES (comma-separated)
 * replaces PayPal's own hosts as where a webhook's signing certificate may come from.
 */
function readPaypal(env: NodeJS.ProcessEnv): ProcessConfig['gateways']['paypal'] {
  const clientId = env.PAYPAL_CLIENT_ID || undefined;
  const clientSecret = env.PAYPAL_CLIENT_SECRET || undefined;
  const webhookId = env.PAYPAL_WEBHOOK_ID || undefined;
  if (!clientId && !clientSecret && !webhookId) return undefined;
  if (!clientId || !clientSecret || !webhookId)
    throw new ConfigError(
      'PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID must be set together',
    );
  const apiUrl = env.PAYPAL_API_URL || 'https://api-m.paypal.com';
  if (!/^https?:\/\//.test(apiUrl))
    throw new ConfigError(`PAYPAL_API_URL must be an http(s) URL, got ${apiUrl}`);
  const certUrlPrefixes = env.PAYPAL_CERT_URL_PREFIXES
    ? env.PAYPAL_CERT_URL_PREFIXES.split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
    : [...PAYPAL_CERT_URL_PREFIXES];
  for (const prefix of certUrlPrefixes)
    if (!/^https?:\/\/[^/]+\//.test(prefix))
      throw new ConfigError(
        `PAYPAL_CERT_URL_PREFIXES must list URL prefixes ending in a path, got ${prefix}`,
      );
  return { clientId, clientSecret, webhookId, apiUrl, certUrlPrefixes };
}

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new ConfigError(`${name} must be a positive whole number, got ${text}`);
  return n;
}

/** KSeF is switched on by its base URL and the seller's KSeF token, both or neither. */
function readKsef(env: NodeJS.ProcessEnv): ProcessConfig['ksef'] {
  const baseUrl = env.KSEF_URL || undefined;
  const token = env.KSEF_TOKEN || undefined;
  if (!baseUrl && !token) return undefined;
  if (!baseUrl || !token) throw new ConfigError('KSEF_URL and KSEF_TOKEN must be set together');
  if (!/^https?:\/\//.test(baseUrl)) throw new ConfigError(`KSEF_URL must be an http(s) URL, got ${baseUrl}`);
  return { baseUrl, token };
}

/** The backup key from the environment, never from the policy: 32 bytes as base64 or 64 hex digits. */
function readBackupKey(env: NodeJS.ProcessEnv): Buffer | null {
  if (!env.KLAUZULA_BACKUP_KEY) return null;
  try {
    return parseBackupKey(env.KLAUZULA_BACKUP_KEY);
  } catch (error) {
    throw new ConfigError(`KLAUZULA_BACKUP_KEY: ${(error as Error).message}`);
  }
}
