import { sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import { acceptances } from './acceptances-schema.ts';
import { type AccountsDeps, findUserByEmail, issueToken } from './accounts-context.ts';
import { accountErrors } from './accounts-errors.ts';
import { accounts, users } from './accounts-schema.ts';
import { type PublicProfileSetting, startPublicProfile } from './public-profile.ts';
import { holdForReview } from './registration-review.ts';
import {
  type CustomerIdentity,
  checkRegistration,
  customerIdentityOf,
  type RegistrationInput,
} from './registration-rules.ts';
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
  /** The public profile page as chosen at signup, with the policy's default (CM-PRV-16); null: none offered. */
  publicProfile: PublicProfileSetting | null;
  /**
   * Set when the sign-up matches the refusal list (CM-ACC-05): held for the operator's review, not
   * activated, no activation mail and no session until approved.
   */
  review: { id: string; status: 'pending_review' } | null;
};

/**
 * Registers a customer account with its owner under the current policy.
 *
 * Guarantees, in one transaction: the policy's registration rules hold (declarations, mandatory fields,
 * current document versions, a plan for a paid sign-up: CM-ACC-01/02/07, QU-ACC-01/02, BK-ACC-01..03,
 * MOC-ACC-01); the declarations and each acceptance are stored with time and version; the account starts
 * its life (trial, free with a finite end, or waiting for its first payment) and the trial of a customer
 * who registered before is tied to that first registration (QU-BIL-02); a further free account of the same
 * customer is refused with an upgrade offer (CM-ACC-03); customers are matched on the policy's identity keys;
 * the activation mail leaves through the outbox; the contract is concluded now only where the policy says so
 * (else at activation or first login, QU-ACC-03), and the owner is logged in at once only where no
 * activation is needed (BK-ACC-03). The password is stored only as an argon2id hash (CM-SEC-01).
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
  const locale = input.locale ?? policy.locale.defaultLanguage;
  const reg = policy.registration;
  const company = input.company;
  const person = input.person ?? {};

  return deps.db.transaction(async () => {
    if (await findUserByEmail(deps, input.email)) throw new AppError(accountErrors['accounts.email_taken']);

    const requested = input.plan ? policy.plans.find((p) => p.code === input.plan) : undefined;
    const wantsFree = requested ? requested.kind === 'free' : !policy.trial?.enabled;
    const freeLimit = reg.freeAccountsPerCustomer;
    if (wantsFree && freeLimit !== null) {
      const earlier = await earlierAccountsOf(deps, customerIdentityOf(input, reg.freeAccountIdentityKeys));
      const lives = await deps.lifecycle.load(earlier.map((a) => a.id));
      // A free account that ran out still counts: a new one would restart the finite free period (CM-ACC-04).
      if (lives.filter((l) => l.state === 'free' || l.state === 'free_ended').length >= freeLimit)
        throw new AppError(accountErrors['accounts.free_account_exists'], {
          details: {
            clause: 'CM-ACC-03',
            upgradeTo: policy.plans.filter((p) => p.kind === 'paid').map((p) => p.code),
          },
        });
    }
    const trial = policy.trial?.enabled ? policy.trial : null;
    const earlierTrials = trial
      ? await earlierAccountsOf(deps, customerIdentityOf(input, trial.identityKeys))
      : [];
    const trialTiedTo =
      trial && earlierTrials.length >= trial.perCustomer
        ? earlierTrials[trial.perCustomer - 1]!.createdAt
        : null;

    const accountId = deps.ids.next('acc');
    const userId = deps.ids.next('usr');
    // CM-ACC-05: a sign-up matching the refusal list (tax id or e-mail) waits for the operator's review.
    const heldFor =
      reg.screenAgainstRefusalList && deps.refusalsMatching
        ? await deps.refusalsMatching({
            taxId: company?.taxId?.trim() || null,
            email: input.email.trim().toLowerCase(),
          })
        : [];
    const held = heldFor.length > 0;
    const concludedNow = reg.contractConcludedAt === 'registration' && !held;
    const activationRequired = reg.activationLink.required;
    const declarations: Record<string, string> = {};
    for (const [key, value] of Object.entries(input.declarations ?? {}))
      if (value === true) declarations[key] = now.toISOString();
    const taxId = company?.taxId?.trim() ? checkTaxId(company.taxId, company.country) : null;
    const firstName = person.firstName?.trim() || person.nickname?.trim() || null;
    const lastName = person.lastName?.trim() || null;

    await deps.db.q.insert(accounts).values({
      id: accountId,
      clockId,
      companyName: company?.name.trim() ?? null,
      taxId: taxId?.ok ? taxId.normalized : null,
      country: company?.country.toUpperCase() ?? null,
      address: company?.address ?? null,
      phone: input.phone?.trim() || null,
      isSoleTrader: company?.isSoleTrader ?? false,
      registeringPerson: input.registeringPerson?.trim() || null,
      locale,
      declarations,
      createdAt: now,
      activatedAt: activationRequired || held ? null : now,
      contractConcludedAt: concludedNow ? now : null,
    });
    await deps.db.q.insert(users).values({
      id: userId,
      accountId,
      email: input.email.trim(),
      firstName,
      lastName,
      role: 'owner',
      passwordHash,
      status: held ? 'pending_review' : activationRequired ? 'pending_activation' : 'active',
      emailVerifiedAt: null,
      createdAt: now,
      passwordChangedAt: now,
    });
    const acceptedDocuments = input.acceptedDocuments ?? [];
    const accepted = policy.documents.filter((d) =>
      acceptedDocuments.some((a) => a.kind === d.kind && a.version === d.version),
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
          country: company?.country.toUpperCase() ?? null,
          declarations: Object.keys(declarations),
          accepted: accepted.map((d) => `${d.kind}@${d.version}`),
          plan: input.plan ?? null,
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
      trialTiedTo,
      actor: `user:${userId}`,
    });
    await deps.verifyVatId?.({
      accountId,
      taxId: taxId?.ok ? taxId.normalized : null,
      country: company?.country.toUpperCase() ?? null,
      at: now,
      actor: `user:${userId}`,
      cause: 'registration',
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

    const review = held
      ? await holdForReview(deps, {
          accountId,
          userId,
          grounds: heldFor,
          now,
          clause: reg.screeningClause ?? null,
        })
      : null;
    if (activationRequired && !held) {
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
            companyName:
              company?.name.trim() ?? ([firstName, lastName].filter(Boolean).join(' ') || input.email.trim()),
            activationUrl: `${deps.portalUrl}/activate?token=${token}`,
            validUntil: expiresAt,
          },
        },
      ]);
    }
    const publicProfile = await startPublicProfile(deps, {
      accountId,
      userId,
      chosen: input.publicProfile,
      at: now,
    });
    // Logged in by the sign-up itself only where no activation step stands before the first login.
    const session =
      concludedNow && !activationRequired && !held
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
      review,
      publicProfile,
    };
  });
}

/** Earlier accounts of the customer with this identity, oldest first (a null value matches nothing). */
async function earlierAccountsOf(
  deps: AccountsDeps,
  who: CustomerIdentity,
): Promise<{ id: string; createdAt: Date }[]> {
  if (!who.email && !who.taxId && !who.companyName && !who.phone) return [];
  const rows = await deps.db.rows<{ id: string; created_at: Date }>(sql`
    select a.id, a.created_at from accounts a
    where (${who.taxId}::text is not null and a.tax_id = ${who.taxId})
       or (${who.email}::text is not null
           and exists (select 1 from users u where u.account_id = a.id and lower(u.email) = ${who.email}))
       or (${who.companyName}::text is not null
           and lower(regexp_replace(btrim(a.company_name), '[[:space:]]+', ' ', 'g'))
             = lower(${who.companyName}))
       or (${who.phone}::text is not null and regexp_replace(a.phone, '[^0-9+]', '', 'g') = ${who.phone})
    order by a.created_at, a.id`);
  return rows.map((r) => ({ id: r.id, createdAt: new Date(r.created_at) }));
}
