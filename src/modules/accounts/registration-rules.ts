import type { IdentityKey, Policy } from '../../policy/index.ts';
import { checkTaxId } from './tax-id.ts';

export type RegistrationInput = {
  /** Absent for a person signing up under a (nick)name only, where the policy allows it (MOC-ACC-01). */
  company?:
    | {
        name: string;
        taxId?: string | undefined;
        country: string;
        address?: { street: string; postalCode: string; city: string; country: string } | undefined;
        isSoleTrader?: boolean | undefined;
        isLegalPerson?: boolean | undefined;
      }
    | undefined;
  person?:
    | { firstName?: string | undefined; lastName?: string | undefined; nickname?: string | undefined }
    | undefined;
  registeringPerson?: string | undefined;
  email: string;
  phone?: string | undefined;
  password: string;
  declarations?:
    | {
        business?: boolean | undefined;
        adult?: boolean | undefined;
        legalCapacity?: boolean | undefined;
      }
    | undefined;
  acceptedDocuments?: { kind: string; version: string }[] | undefined;
  /** What the customer signs up for; a paid sign-up must name its plan (CM-ACC-07). */
  accountType?: 'free' | 'paid' | undefined;
  /** The user's choice for the public profile page, shown at signup with the policy's default (CM-PRV-16). */
  publicProfile?: boolean | undefined;
  plan?: string | undefined;
  locale?: 'pl' | 'en' | undefined;
};

export type FieldIssue = { field: string; rule: string; clause?: string };

/**
 * Checks a registration against the policy before anything is written. Returns every problem at once, each
 * naming the field and, where a clause demands it, the clause; an empty list means it may proceed.
 *
 * Company data are required unless the policy lets a person sign up under a nickname: there only the
 * e-mail and password are needed (MOC-ACC-01, HT-ACC-01), and company data come when paying for a company.
 */
export function checkRegistration(policy: Policy, input: RegistrationInput): FieldIssue[] {
  const r = policy.registration;
  const issues: FieldIssue[] = [];
  const declarations = input.declarations ?? {};
  const person = input.person ?? {};
  const company = input.company;
  if (r.requireBusinessDeclaration && declarations.business !== true)
    issues.push({ field: 'declarations.business', rule: 'required', clause: 'CM-ACC-01' });
  if (r.requireAdultDeclaration && declarations.adult !== true)
    issues.push({ field: 'declarations.adult', rule: 'required', clause: 'CM-ACC-02' });
  if (r.requireLegalCapacityDeclaration && declarations.legalCapacity !== true)
    issues.push({ field: 'declarations.legalCapacity', rule: 'required', clause: 'QU-ACC-01' });
  if (!company && !r.allowNickname) issues.push({ field: 'company', rule: 'required' });
  if (
    r.requireRegisteringPerson &&
    company &&
    company.isLegalPerson !== false &&
    !input.registeringPerson?.trim()
  )
    issues.push({ field: 'registeringPerson', rule: 'required', clause: 'QU-ACC-01' });
  if (r.requirePhone && !input.phone?.trim())
    issues.push({ field: 'phone', rule: 'required', clause: 'BK-ACC-02' });
  if (r.requireTaxId && !company?.taxId?.trim()) issues.push({ field: 'company.taxId', rule: 'required' });
  if (company?.taxId?.trim()) {
    const check = checkTaxId(company.taxId, company.country);
    if (!check.ok) issues.push({ field: 'company.taxId', rule: `invalid_${check.reason}` });
  }
  if (!r.allowNickname && !(person.firstName?.trim() && person.lastName?.trim()))
    issues.push({ field: 'person', rule: 'name_required' });
  if (input.password.length < policy.security.passwordMinLength)
    issues.push({
      field: 'password',
      rule: `min_length_${policy.security.passwordMinLength}`,
      clause: 'CM-SEC-01',
    });
  const acceptedDocuments = input.acceptedDocuments ?? [];
  for (const doc of policy.documents.filter((d) => d.requiredAtRegistration)) {
    const accepted = acceptedDocuments.find((a) => a.kind === doc.kind);
    if (!accepted)
      issues.push({ field: `acceptedDocuments.${doc.kind}`, rule: 'required', clause: 'QU-ACC-02' });
    else if (accepted.version !== doc.version)
      issues.push({ field: `acceptedDocuments.${doc.kind}`, rule: `not_current_version_${doc.version}` });
  }
  issues.push(...checkPlanChoice(policy, input));
  return issues;
}

/**
 * A paid sign-up must name a paid plan, while a free one needs none (CM-ACC-07); a named plan must exist and
 * be one a customer can sign up for (never the "Trial ended" plan).
 */
function checkPlanChoice(
  policy: Policy,
  input: Pick<RegistrationInput, 'accountType' | 'plan'>,
): FieldIssue[] {
  if (!input.plan) {
    return input.accountType === 'paid' ? [{ field: 'plan', rule: 'required', clause: 'CM-ACC-07' }] : [];
  }
  const plan = policy.plans.find((p) => p.code === input.plan);
  if (!plan) return [{ field: 'plan', rule: 'unknown' }];
  if (plan.kind === 'trial_ended') return [{ field: 'plan', rule: 'not_offered' }];
  if (input.accountType === 'paid' && plan.kind !== 'paid')
    return [{ field: 'plan', rule: 'not_paid', clause: 'CM-ACC-07' }];
  if (input.accountType === 'free' && plan.kind === 'paid')
    return [{ field: 'plan', rule: 'not_free', clause: 'CM-ACC-07' }];
  return [];
}

function normalizedTaxIdOf(input: Pick<RegistrationInput, 'company'>): string | null {
  if (!input.company?.taxId?.trim()) return null;
  const check = checkTaxId(input.company.taxId, input.company.country);
  return check.ok ? check.normalized : null;
}

/**
 * The values an earlier account of the same customer is recognised by, under the policy's identity keys
 * (trial: QU-BIL-02; free accounts: CM-ACC-03). Null where the key is not used or the sign-up lacks it.
 * Payment fingerprints are matched by billing, which knows them.
 */
export type CustomerIdentity = {
  email: string | null;
  taxId: string | null;
  companyName: string | null;
  phone: string | null;
};

export function customerIdentityOf(
  input: Pick<RegistrationInput, 'company' | 'email' | 'phone'>,
  keys: readonly IdentityKey[],
): CustomerIdentity {
  const name = input.company?.name ? normalizedCompanyName(input.company.name) : '';
  const phone = input.phone ? normalizedPhone(input.phone) : '';
  return {
    email: keys.includes('email') ? input.email.trim().toLowerCase() : null,
    taxId: keys.includes('tax_id') ? normalizedTaxIdOf(input) : null,
    companyName: keys.includes('company_name') && name ? name : null,
    phone: keys.includes('phone') && phone ? phone : null,
  };
}

/** Outer and repeated spaces do not make another company (the store also ignores letter case). */
export function normalizedCompanyName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

/** Digits and a leading plus only: "+48 600-100-200" = "+48600100200". */
export function normalizedPhone(phone: string): string {
  return phone.replace(/[^0-9+]/g, '');
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
