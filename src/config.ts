import { isAbsolute, resolve } from 'node:path';
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
  };
}
