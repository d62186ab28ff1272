import { eq } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import {
  type AccountsDeps,
  findAccount,
  findUserByEmail,
  issueToken,
  spendToken,
} from './accounts-context.ts';
import { accountErrors } from './accounts-errors.ts';
import { type UserRole, users } from './accounts-schema.ts';

const INVITATION_VALID_HOURS = 72;

export type AccountUser = {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  role: UserRole;
  status: string;
};

/**
 * Invites a further user ("multiuser", CM-ACC-06) with a role. The invitation mail carries a single-use
 * link; every action of the new user is attributed to it and to the account in the event log.
 */
export async function inviteUser(
  deps: AccountsDeps,
  input: {
    accountId: string;
    email: string;
    role: Exclude<UserRole, 'owner'>;
    firstName?: string;
    lastName?: string;
    actor: string;
  },
): Promise<AccountUser> {
  const account = await findAccount(deps, input.accountId);
  const now = await deps.timeOf(account.clockId);
  return deps.db.transaction(async () => {
    if (await findUserByEmail(deps, input.email)) throw new AppError(accountErrors['accounts.user_exists']);
    const user = {
      id: deps.ids.next('usr'),
      accountId: input.accountId,
      email: input.email.trim(),
      firstName: input.firstName?.trim() || null,
      lastName: input.lastName?.trim() || null,
      role: input.role,
      status: 'invited' as const,
      createdAt: now,
    };
    await deps.db.q.insert(users).values(user);
    const { token } = await issueToken(deps, {
      kind: 'invitation',
      accountId: input.accountId,
      userId: user.id,
      now,
      validHours: INVITATION_VALID_HOURS,
    });
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'user.invited',
        clause: 'CM-ACC-06',
        actor: input.actor,
        occurredAt: now,
        data: { user: user.id, role: user.role },
      },
    ]);
    await deps.notifications.send([
      {
        accountId: input.accountId,
        recipient: user.email,
        locale: account.locale as 'pl' | 'en',
        template: 'account.user_invited',
        clause: null,
        occurredAt: now,
        params: {
          companyName: account.companyName,
          inviteUrl: `${deps.portalUrl}/invitation?token=${token}`,
        },
      },
    ]);
    return {
      id: user.id,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      role: user.role,
      status: user.status,
    };
  });
}

/** Accepts an invitation: the invited user sets a password and becomes active. */
export async function acceptInvitation(
  deps: AccountsDeps,
  input: { token: string; password: string },
): Promise<{ userId: string }> {
  const min = deps.current().policy.security.passwordMinLength;
  if (input.password.length < min)
    throw new AppError(accountErrors['accounts.password_weak'], { details: { min } });
  const hash = await deps.passwords.hash(input.password);
  return deps.db.transaction(async () => {
    const { accountId, userId, now } = await spendToken(deps, 'invitation', input.token);
    await deps.db.q
      .update(users)
      .set({ passwordHash: hash, status: 'active', emailVerifiedAt: now, passwordChangedAt: now })
      .where(eq(users.id, userId));
    await deps.eventLog.append([
      { chainId: accountId, type: 'user.joined', actor: `user:${userId}`, occurredAt: now },
    ]);
    return { userId };
  });
}

export async function listUsers(deps: AccountsDeps, accountId: string): Promise<AccountUser[]> {
  const rows = await deps.db.q
    .select()
    .from(users)
    .where(eq(users.accountId, accountId))
    .orderBy(users.createdAt);
  return rows.map((u) => ({
    id: u.id,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    role: u.role,
    status: u.status,
  }));
}
