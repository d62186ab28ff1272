import { and, eq, sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import {
  type AccountsDeps,
  displayName,
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
  /** The user's last visit: the later of the last login and the last request of any session (MOC-ACC-02). */
  lastVisitAt: Date | null;
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
          companyName: account.companyName ?? (await ownerLabel(deps, account.id)),
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
      lastVisitAt: null,
    };
  });
}

/** How an account without a company name is named in mails: its owner's name or nickname, else e-mail. */
async function ownerLabel(deps: AccountsDeps, accountId: string): Promise<string> {
  const [owner] = await deps.db.q
    .select()
    .from(users)
    .where(and(eq(users.accountId, accountId), eq(users.role, 'owner')));
  return (owner && (displayName(owner) || owner.email)) ?? accountId;
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
  const rows = await deps.db.rows<{
    id: string;
    email: string;
    first_name: string | null;
    last_name: string | null;
    role: UserRole;
    status: string;
    last_visit_at: Date | null;
  }>(sql`
    select u.id, u.email, u.first_name, u.last_name, u.role, u.status,
           greatest(u.last_login_at, (select max(s.last_seen_at) from sessions s where s.user_id = u.id))
             as last_visit_at
    from users u where u.account_id = ${accountId} order by u.created_at, u.id`);
  return rows.map((u) => ({
    id: u.id,
    email: u.email,
    firstName: u.first_name,
    lastName: u.last_name,
    role: u.role,
    status: u.status,
    lastVisitAt: u.last_visit_at ? new Date(u.last_visit_at) : null,
  }));
}
