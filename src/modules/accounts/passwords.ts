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
import { users } from './accounts-schema.ts';
import { revokeSessions } from './sign-in.ts';

const RESET_VALID_HOURS = 2;

function assertStrong(deps: AccountsDeps, password: string): void {
  const min = deps.current().policy.security.passwordMinLength;
  if (password.length < min)
    throw new AppError(accountErrors['accounts.password_weak'], { details: { min } });
}

/**
 * Changes a password after checking the current one (BK-ACC-04): the old password fails at once, every
 * other session of the user ends (the one making the change, `sessionToken`, stays), and the user is told
 * by e-mail.
 */
export async function changePassword(
  deps: AccountsDeps,
  input: { userId: string; currentPassword: string; newPassword: string; sessionToken?: string },
): Promise<void> {
  assertStrong(deps, input.newPassword);
  const [user] = await deps.db.q.select().from(users).where(eq(users.id, input.userId));
  if (!user?.passwordHash || !(await deps.passwords.verify(user.passwordHash, input.currentPassword)))
    throw new AppError(accountErrors['accounts.password_wrong']);
  await setPassword(deps, user.accountId, user.id, user.email, input.newPassword, input.sessionToken);
}

async function setPassword(
  deps: AccountsDeps,
  accountId: string,
  userId: string,
  email: string,
  password: string,
  keepToken?: string,
) {
  const hash = await deps.passwords.hash(password);
  const account = await findAccount(deps, accountId);
  const now = await deps.timeOf(account.clockId);
  await deps.db.transaction(async () => {
    await deps.db.q
      .update(users)
      .set({ passwordHash: hash, passwordChangedAt: now, failedLogins: 0, lockedUntil: null })
      .where(eq(users.id, userId));
    await revokeSessions(deps, {
      accountId,
      userId,
      ...(keepToken ? { keepToken } : {}),
      reason: 'password_changed',
      actor: `user:${userId}`,
    });
    await deps.eventLog.append([
      { chainId: accountId, type: 'user.password_changed', actor: `user:${userId}`, occurredAt: now },
    ]);
    await deps.notifications.send([
      {
        accountId,
        recipient: email,
        locale: account.locale as 'pl' | 'en',
        template: 'account.password_changed',
        clause: null,
        occurredAt: now,
        params: {},
      },
    ]);
  });
}

/**
 * Sends a reset link if the address belongs to a user; says nothing either way, so the endpoint does not
 * reveal which addresses have accounts.
 */
export async function requestPasswordReset(deps: AccountsDeps, email: string): Promise<void> {
  const user = await findUserByEmail(deps, email);
  if (!user || user.status === 'disabled') return;
  const account = await findAccount(deps, user.accountId);
  const now = await deps.timeOf(account.clockId);
  await deps.db.transaction(async () => {
    const { token, expiresAt } = await issueToken(deps, {
      kind: 'password_reset',
      accountId: user.accountId,
      userId: user.id,
      now,
      validHours: RESET_VALID_HOURS,
    });
    await deps.notifications.send([
      {
        accountId: user.accountId,
        recipient: user.email,
        locale: account.locale as 'pl' | 'en',
        template: 'account.password_reset',
        clause: null,
        occurredAt: now,
        params: { resetUrl: `${deps.portalUrl}/reset-password?token=${token}`, validUntil: expiresAt },
      },
    ]);
  });
}

/** Sets a new password with the single-use token from the reset mail; every session of the user ends. */
export async function confirmPasswordReset(
  deps: AccountsDeps,
  input: { token: string; newPassword: string },
): Promise<void> {
  assertStrong(deps, input.newPassword);
  await deps.db.transaction(async () => {
    const { accountId, userId } = await spendToken(deps, 'password_reset', input.token);
    const [user] = await deps.db.q.select().from(users).where(eq(users.id, userId));
    await setPassword(deps, accountId, userId, user!.email, input.newPassword);
  });
}
