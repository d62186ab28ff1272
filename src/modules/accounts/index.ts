import { inArray, sql } from 'drizzle-orm';
import { textArray } from '../../platform/db/bulk.ts';
import type { AccountContact } from '../lifecycle/index.ts';
import {
  listAcceptances,
  profileHistory,
  setSubdomain,
  toProfile,
  updateProfile,
  updateUserName,
} from './account-profile.ts';
import { acceptInvitation, inviteUser, listUsers } from './account-users.ts';
import { type AccountsDeps, findAccount } from './accounts-context.ts';
import { accounts as accountsTable } from './accounts-schema.ts';
import { createApiKey, resolveApiKey, revokeApiKey } from './api-keys.ts';
import { dpaDocument } from './dpa-document.ts';
import { changePassword, confirmPasswordReset, requestPasswordReset } from './passwords.ts';
import { changePublicProfile, publicProfilePage, publicProfileSetting } from './public-profile.ts';
import { registerAccount } from './register-account.ts';
import {
  activateAccount,
  logIn,
  logOut,
  reportUnauthorisedUse,
  resolveSession,
  revokeSessions,
  revokeSessionsOfAccounts,
} from './sign-in.ts';

export type { AccountProfile, ProfileChange } from './account-profile.ts';
export type { AccountUser } from './account-users.ts';
export type { AccountsDeps, PasswordHasher } from './accounts-context.ts';
export { accountErrors } from './accounts-errors.ts';
export { type UserRole, userRoles } from './accounts-schema.ts';
export type { ApiKeyPrincipal } from './api-keys.ts';
export type { RegistrationResult } from './register-account.ts';
export type { RegistrationInput } from './registration-rules.ts';
export type { Principal, SessionGrant } from './sign-in.ts';
export { checkTaxId } from './tax-id.ts';

import { decideRegistrationReview, listRegistrationReviews } from './registration-review.ts';
export type Accounts = ReturnType<typeof makeAccounts>;

/** The accounts module: registration, sign-in, users and roles, company data, API keys. */
export function makeAccounts(deps: AccountsDeps) {
  return {
    register: (
      input: Parameters<typeof registerAccount>[1],
      context: Parameters<typeof registerAccount>[2],
    ) => registerAccount(deps, input, context),
    activate: (token: string) => activateAccount(deps, token),
    /** Sign-ups held because they match the refusal list (CM-ACC-05), and the operator's decision. */
    registrationReviews: (filter: Parameters<typeof listRegistrationReviews>[1]) =>
      listRegistrationReviews(deps, filter),
    decideRegistrationReview: (input: Parameters<typeof decideRegistrationReview>[1]) =>
      decideRegistrationReview(deps, input),
    logIn: (input: Parameters<typeof logIn>[1]) => logIn(deps, input),
    logOut: (token: string) => logOut(deps, token),
    resolveSession: (token: string) => resolveSession(deps, token),
    revokeSessions: (input: Parameters<typeof revokeSessions>[1]) => revokeSessions(deps, input),
    revokeSessionsOfAccounts: (
      list: Parameters<typeof revokeSessionsOfAccounts>[1],
      input: Parameters<typeof revokeSessionsOfAccounts>[2],
    ) => revokeSessionsOfAccounts(deps, list, input),
    reportUnauthorisedUse: (input: Parameters<typeof reportUnauthorisedUse>[1]) =>
      reportUnauthorisedUse(deps, input),
    changePassword: (input: Parameters<typeof changePassword>[1]) => changePassword(deps, input),
    requestPasswordReset: (email: string) => requestPasswordReset(deps, email),
    confirmPasswordReset: (input: Parameters<typeof confirmPasswordReset>[1]) =>
      confirmPasswordReset(deps, input),
    inviteUser: (input: Parameters<typeof inviteUser>[1]) => inviteUser(deps, input),
    acceptInvitation: (input: Parameters<typeof acceptInvitation>[1]) => acceptInvitation(deps, input),
    listUsers: (accountId: string) => listUsers(deps, accountId),
    profile: async (accountId: string) => toProfile(await findAccount(deps, accountId)),
    /** The company data of several accounts in one query (a renewal batch's buyers); unknown ids are left out. */
    profiles: async (accountIds: readonly string[]) => {
      if (accountIds.length === 0) return [];
      const rows = await deps.db.q
        .select()
        .from(accountsTable)
        .where(inArray(accountsTable.id, [...new Set(accountIds)]));
      return rows.map(toProfile);
    },
    updateProfile: (input: Parameters<typeof updateProfile>[1]) => updateProfile(deps, input),
    profileHistory: (accountId: string) => profileHistory(deps, accountId),
    acceptances: (accountId: string) => listAcceptances(deps, accountId),
    updateUserName: (input: Parameters<typeof updateUserName>[1]) => updateUserName(deps, input),
    setSubdomain: (input: Parameters<typeof setSubdomain>[1]) => setSubdomain(deps, input),
    createApiKey: (input: Parameters<typeof createApiKey>[1]) => createApiKey(deps, input),
    resolveApiKey: (key: string) => resolveApiKey(deps, key),
    /** The public profile page (CM-PRV-16). */
    publicProfileSetting: (accountId: string) => publicProfileSetting(deps, accountId),
    changePublicProfile: (input: Parameters<typeof changePublicProfile>[1]) =>
      changePublicProfile(deps, input),
    publicProfilePage: (accountId: string) => publicProfilePage(deps, accountId),
    /** The DPA as the account accepted it, as a PDF (CM-PRC-01). */
    dpaDocument: (input: Parameters<typeof dpaDocument>[1]) => dpaDocument(deps, input),
    revokeApiKey: (id: string) => revokeApiKey(deps, id),
    /** Where to reach each account: its owner's e-mail, the account's language and name. */
    contactsOf: async (accountIds: readonly string[]): Promise<AccountContact[]> => {
      if (accountIds.length === 0) return [];
      const rows = await deps.db.rows<{
        id: string;
        email: string;
        locale: 'pl' | 'en';
        company_name: string;
      }>(sql`
        select a.id, u.email, a.locale,
               coalesce(a.company_name, nullif(concat_ws(' ', u.first_name, u.last_name), ''), u.email)
                 as company_name
        from accounts a
        join users u on u.account_id = a.id and u.role = 'owner'
        where a.id = any(${textArray(accountIds)})`);
      return rows.map((r) => ({
        accountId: r.id,
        email: r.email,
        locale: r.locale,
        companyName: r.company_name,
      }));
    },
    /**
     * The users with these e-mail addresses (case-insensitive): their account and whether they confirmed the
     * address (activation or an accepted invitation). For the privacy module's send-time checks and requests.
     */
    peopleByEmail: async (emails: readonly string[]) => {
      if (emails.length === 0) return [];
      const rows = await deps.db.rows<{
        id: string;
        account_id: string;
        email: string;
        role: string;
        locale: 'pl' | 'en';
        verified: boolean;
      }>(sql`
        select u.id, u.account_id, u.email, u.role, a.locale, u.email_verified_at is not null as verified
        from users u join accounts a on a.id = u.account_id
        where lower(u.email) = any(${textArray(emails.map((e) => e.trim().toLowerCase()))})`);
      return rows.map((r) => ({
        userId: r.id,
        accountId: r.account_id,
        email: r.email,
        role: r.role,
        locale: r.locale,
        emailVerified: r.verified,
      }));
    },
    /** The test clock an account lives by (null: the real clock). */
    clockOf: async (accountId: string) => (await findAccount(deps, accountId)).clockId,
  };
}
