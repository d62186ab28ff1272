import type { Policy } from '../../policy/index.ts';
import { checkTaxId } from './tax-id.ts';

export type RegistrationInput = {
  company: {
    name: string;
    taxId?: string | undefined;
    country: string;
    address?: { street: string; postalCode: string; city: string; country: string } | undefined;
    isSoleTrader?: boolean | undefined;
    isLegalPerson?: boolean | undefined;
  };
  person: { firstName?: string | undefined; lastName?: string | undefined; nickname?: string | undefined };
  registeringPerson?: string | undefined;
  email: string;
  phone?: string | undefined;
  password: string;
  declarations: {
    business?: boolean | undefined;
    adult?: boolean | undefined;
    legalCapacity?: boolean | undefined;
  };
  acceptedDocuments: { kind: string; version: string }[];
  plan?: string | undefined;
  locale?: 'pl' | 'en' | undefined;
};

export type FieldIssue = { field: string; rule: string; clause?: string };

/**
 * Checks a registration against the policy before anything is written. Returns every problem at once, each
 * naming the field and, where a clause demands it, the clause; an empty list means it may proceed.
 */
export function checkRegistration(policy: Policy, input: RegistrationInput): FieldIssue[] {
  const r = policy.registration;
  const issues: FieldIssue[] = [];
  if (r.requireBusinessDeclaration && input.declarations.business !== true)
    issues.push({ field: 'declarations.business', rule: 'required', clause: 'CM-ACC-01' });
  if (r.requireAdultDeclaration && input.declarations.adult !== true)
    issues.push({ field: 'declarations.adult', rule: 'required', clause: 'CM-ACC-02' });
  if (r.requireLegalCapacityDeclaration && input.declarations.legalCapacity !== true)
    issues.push({ field: 'declarations.legalCapacity', rule: 'required', clause: 'QU-ACC-01' });
  if (r.requireRegisteringPerson && input.company.isLegalPerson !== false && !input.registeringPerson?.trim())
    issues.push({ field: 'registeringPerson', rule: 'required', clause: 'QU-ACC-01' });
  if (r.requirePhone && !input.phone?.trim())
    issues.push({ field: 'phone', rule: 'required', clause: 'BK-ACC-02' });
  if (r.requireTaxId && !input.company.taxId?.trim())
    issues.push({ field: 'company.taxId', rule: 'required' });
  if (input.company.taxId?.trim()) {
    const check = checkTaxId(input.company.taxId, input.company.country);
    if (!check.ok) issues.push({ field: 'company.taxId', rule: `invalid_${check.reason}` });
  }
  if (!r.allowNickname && !(input.person.firstName?.trim() && input.person.lastName?.trim()))
    issues.push({ field: 'person', rule: 'name_required' });
  if (input.password.length < policy.security.passwordMinLength)
    issues.push({
      field: 'password',
      rule: `min_length_${policy.security.passwordMinLength}`,
      clause: 'CM-SEC-01',
    });
  for (const doc of policy.documents.filter((d) => d.requiredAtRegistration)) {
    const accepted = input.acceptedDocuments.find((a) => a.kind === doc.kind);
    if (!accepted)
      issues.push({ field: `acceptedDocuments.${doc.kind}`, rule: 'required', clause: 'QU-ACC-02' });
    else if (accepted.version !== doc.version)
      issues.push({ field: `acceptedDocuments.${doc.kind}`, rule: `not_current_version_${doc.version}` });
  }
  return issues;
}

/** The company identity used to match a customer's earlier accounts: its tax id, else its e-mail domain owner. */
export function identityKeyOf(input: Pick<RegistrationInput, 'company' | 'email'>): string {
  if (input.company.taxId?.trim()) {
    const check = checkTaxId(input.company.taxId, input.company.country);
    if (check.ok) return `tax:${check.normalized}`;
  }
  return `email:${input.email.trim().toLowerCase()}`;
}

const reservedSubdomains = new Set([
  'www',
  'api',
  'app',
  'admin',
  'mail',
  'static',
  'docs',
  'help',
  'status',
]);

/** A third-level label: 3–63 chars, lower-case letters, digits, inner hyphens (QU-ACC-05). */
export function checkSubdomain(label: string): string | null {
  if (!/^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/.test(label)) return 'format';
  if (label.includes('--')) return 'format';
  if (reservedSubdomains.has(label)) return 'reserved';
  return null;
}

export type LoginDecision =
  | { outcome: 'locked'; until: Date }
  | { outcome: 'failed'; failedLogins: number; lockUntil: Date | null }
  | { outcome: 'ok' };

/** Lockout after repeated failures: the N-th consecutive failure locks for the policy's minutes. */
export function decideLogin(
  policy: Policy,
  user: { failedLogins: number; lockedUntil: Date | null },
  passwordOk: boolean,
  now: Date,
): LoginDecision {
  if (user.lockedUntil && user.lockedUntil.getTime() > now.getTime())
    return { outcome: 'locked', until: user.lockedUntil };
  if (passwordOk) return { outcome: 'ok' };
  const failedLogins = user.failedLogins + 1;
  const lock = failedLogins >= policy.security.maxFailedLogins;
  return {
    outcome: 'failed',
    failedLogins: lock ? 0 : failedLogins,
    lockUntil: lock ? new Date(now.getTime() + policy.security.lockoutMinutes * 60_000) : null,
  };
}

/** Whether a session is still good: neither idle past the limit nor older than the absolute limit. */
export function isSessionLive(
  policy: Policy,
  session: { createdAt: Date; lastSeenAt: Date; revokedAt: Date | null },
  now: Date,
): boolean {
  if (session.revokedAt) return false;
  const idle = now.getTime() - session.lastSeenAt.getTime();
  const age = now.getTime() - session.createdAt.getTime();
  return (
    idle <= policy.security.sessionIdleMinutes * 60_000 &&
    age <= policy.security.sessionAbsoluteHours * 3_600_000
  );
}
