import { sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import { acceptances } from './acceptances-schema.ts';
import { type AccountsDeps, findUserByEmail, issueToken } from './accounts-context.ts';
import { accountErrors } from './accounts-errors.ts';
import { accounts, users } from './accounts-schema.ts';
import { checkRegistration, identityKeyOf, type RegistrationInput } from './registration-rules.ts';
import { openSession, type SessionGrant } from './sign-in.ts';
import { checkTaxId } from './tax-id.ts';

export type RegistrationResult = {
  accountId: string;
  userId: string;
  state: string;
  planCode: string;
  activationRequired: boolean;
  contractConcludedAt: Date | null;
  /** Set when the policy concludes the contract at registration and logs the user in (BK-ACC-03). */
  session: SessionGrant | null;
};

/**
 * Registers a customer account with its owner under the current policy.
 *
 * Guarantees, in one transaction: the policy's registration rules hold (declarations, mandatory fields,
 * current document versions: CM-ACC-01/02, QU-ACC-01/02, BK-ACC-01..03); the declarations and each
 * acceptance are stored with time and version; the account starts its life (trial, or free with a finite
 * end) and a company that had a trial before gets none (QU-BIL-02); a second free account of the same
 * company is refused with an upgrade offer (CM-ACC-03); the activation mail leaves through the outbox; the
 * contract is concluded now only where the policy says so (else at activation or first login, QU-ACC-03).
 * The password is stored only as an argon2id hash (CM-SEC-01).
 * Leaves to the caller: rate limiting, and checking that a test clock given here may be used.
 */
export async function registerAccount(
  deps: AccountsDeps,
  input: RegistrationInput & { testClockId?: string | null | undefined },
  context: { ip: string | null; userAgent: string | null },
): Promise<RegistrationResult> {
  const { policy, versionId } = deps.current();
  const issues = checkRegistration(policy, input);
  if (issues.length > 0)
    throw new AppError(accountErrors['accounts.registration_invalid'], { details: { issues } });

  const clockId = input.testClockId ?? null;
  const now = await deps.timeOf(clockId);
  const passwordHash = await deps.passwords.hash(input.password);
  const identityKey = identityKeyOf(input);
  const locale = input.locale ?? policy.locale.defaultLanguage;
  const reg = policy.registration;

  return deps.db.transaction(async () => {
    if (await findUserByEmail(deps, input.email)) throw new AppError(accountErrors['accounts.email_taken']);

    const earlier = await deps.db.rows<{ id: string }>(
      sql`select id from accounts where identity_key = ${identityKey} order by created_at`,
    );
    const earlierLives = await deps.lifecycle.load(earlier.map((a) => a.id));
    const requested = input.plan ? policy.plans.find((p) => p.code === input.plan) : undefined;
    const wantsFree = requested ? requested.kind === 'free' : !policy.trial?.enabled;
    const freeLimit = policy.registration.freeAccountsPerCustomer;
    if (wantsFree && freeLimit !== null && earlierLives.filter((l) => l.state === 'free').length >= freeLimit)
      throw new AppError(accountErrors['accounts.free_account_exists'], {
        details: {
          clause: 'CM-ACC-03',
          upgradeTo: policy.plans.filter((p) => p.kind === 'paid').map((p) => p.code),
        },
      });

    const accountId = deps.ids.next('acc');
    const userId = deps.ids.next('usr');
    const concludedNow = reg.contractConcludedAt === 'registration';
    const activationRequired = reg.activationLink.required;
    const declarations: Record<string, string> = {};
    for (const [key, value] of Object.entries(input.declarations))
      if (value === true) declarations[key] = now.toISOString();
    const taxId = input.company.taxId?.trim() ? checkTaxId(input.company.taxId, input.company.country) : null;

    await deps.db.q.insert(accounts).values({
      id: accountId,
      clockId,
      companyName: input.company.name.trim(),
      taxId: taxId?.ok ? taxId.normalized : null,
      country: input.company.country.toUpperCase(),
      address: input.company.address ?? null,
      phone: input.phone?.trim() || null,
      isSoleTrader: input.company.isSoleTrader ?? false,
      registeringPerson: input.registeringPerson?.trim() || null,
      identityKey,
      locale,
      declarations,
      createdAt: now,
      activatedAt: activationRequired ? null : now,
      contractConcludedAt: concludedNow ? now : null,
    });
    await deps.db.q.insert(users).values({
      id: userId,
      accountId,
      email: input.email.trim(),
      firstName: input.person.firstName?.trim() || input.person.nickname?.trim() || null,
      lastName: input.person.lastName?.trim() || null,
      role: 'owner',
      passwordHash,
      status: activationRequired ? 'pending_activation' : 'active',
      emailVerifiedAt: null,
      createdAt: now,
      passwordChangedAt: now,
    });
    const accepted = policy.documents.filter((d) =>
      input.acceptedDocuments.some((a) => a.kind === d.kind && a.version === d.version),
    );
    if (accepted.length > 0)
      await deps.db.q.insert(acceptances).values(
        accepted.map((d) => ({
          id: deps.ids.next('acp'),
          accountId,
          userId,
          documentKind: d.kind,
          documentVersion: d.version,
          acceptedAt: now,
          channel: 'registration',
          ip: context.ip,
          userAgent: context.userAgent,
        })),
      );

    await deps.eventLog.append([
      {
        chainId: accountId,
        type: 'account.registered',
        clause: reg.clause,
        actor: `user:${userId}`,
        occurredAt: now,
        data: {
          country: input.company.country.toUpperCase(),
          declarations: Object.keys(declarations),
          accepted: accepted.map((d) => `${d.kind}@${d.version}`),
          policyVersion: versionId,
          testClock: clockId,
        },
      },
    ]);
    const life = await deps.lifecycle.start({
      accountId,
      policyVersionId: versionId,
      clockId,
      now,
      requestedPlan: input.plan ?? null,
      hadTrialBefore: earlierLives.length > 0,
      actor: `user:${userId}`,
    });
    if (concludedNow)
      await deps.eventLog.append([
        {
          chainId: accountId,
          type: 'account.contract_concluded',
          clause: reg.clause,
          actor: `user:${userId}`,
          occurredAt: now,
        },
      ]);

    if (activationRequired) {
      const { token, expiresAt } = await issueToken(deps, {
        kind: 'activation',
        accountId,
        userId,
        now,
        validHours: reg.activationLink.validHours,
      });
      await deps.notifications.send([
        {
          accountId,
          recipient: input.email.trim(),
          locale,
          template: 'account.activation',
          clause: reg.clause,
          occurredAt: now,
          params: {
            companyName: input.company.name.trim(),
            activationUrl: `${deps.portalUrl}/activate?token=${token}`,
            validUntil: expiresAt,
          },
        },
      ]);
    }
    const session = concludedNow
      ? await openSession(deps, { accountId, userId, now, ip: context.ip, userAgent: context.userAgent })
      : null;
    return {
      accountId,
      userId,
      state: life.state,
      planCode: life.planCode,
      activationRequired,
      contractConcludedAt: concludedNow ? now : null,
      session,
    };
  });
}
