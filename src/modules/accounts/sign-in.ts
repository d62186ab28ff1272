import { eq, sql } from 'drizzle-orm';
import { jsonRows, textArray } from '../../platform/db/bulk.ts';
import { AppError } from '../../platform/errors.ts';
import { randomToken, sha256Hex } from '../../platform/ids.ts';
import { type AccountsDeps, findAccount, findUserByEmail, spendToken } from './accounts-context.ts';
import { accountErrors } from './accounts-errors.ts';
import { accounts, sessions, users } from './accounts-schema.ts';
import { decideLogin, isSessionLive } from './registration-rules.ts';

export type SessionGrant = { token: string; csrfToken: string; expiresAt: Date };
export type Principal = { kind: 'user'; accountId: string; userId: string; role: string; csrfToken: string };

/** Opens a session: a random token (only its hash is stored) and a CSRF token bound to it. */
export async function openSession(
  deps: AccountsDeps,
  input: { accountId: string; userId: string; now: Date; ip: string | null; userAgent: string | null },
): Promise<SessionGrant> {
  const { policy } = deps.current();
  const token = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(input.now.getTime() + policy.security.sessionAbsoluteHours * 3_600_000);
  await deps.db.q.insert(sessions).values({
    tokenHash: sha256Hex(token),
    accountId: input.accountId,
    userId: input.userId,
    csrfToken,
    createdAt: input.now,
    lastSeenAt: input.now,
    expiresAt,
    ip: input.ip,
    userAgent: input.userAgent,
  });
  return { token, csrfToken, expiresAt };
}

/**
 * Activates an account from the link in its activation mail. Where the policy concludes the contract at
 * activation, it is concluded now; where at the first login after activation (QU-ACC-03), that login will.
 */
export async function activateAccount(
  deps: AccountsDeps,
  token: string,
): Promise<{ accountId: string; activatedAt: Date }> {
  return deps.db.transaction(async () => {
    const { accountId, userId, now } = await spendToken(deps, 'activation', token);
    const { policy } = deps.current();
    await deps.db.q.update(users).set({ status: 'active', emailVerifiedAt: now }).where(eq(users.id, userId));
    const concluded = policy.registration.contractConcludedAt === 'activation';
    await deps.db.q
      .update(accounts)
      .set({ activatedAt: now, ...(concluded ? { contractConcludedAt: now } : {}) })
      .where(eq(accounts.id, accountId));
    await deps.eventLog.append([
      {
        chainId: accountId,
        type: 'account.activated',
        clause: policy.registration.clause,
        actor: `user:${userId}`,
        occurredAt: now,
      },
      ...(concluded
        ? [
            {
              chainId: accountId,
              type: 'account.contract_concluded',
              clause: policy.registration.clause,
              actor: `user:${userId}`,
              occurredAt: now,
            },
          ]
        : []),
    ]);
    return { accountId, activatedAt: now };
  });
}

/**
 * Logs a user in with e-mail and password. Consecutive failures lock the user for the policy's minutes
 * (the failure is recorded even though the login is refused); a success resets the count. The first
 * successful login after activation concludes the contract where the policy says so (QU-ACC-03).
 * Accounts whose contract has ended get no session (CM-LIF-12, QU-LIF-09).
 */
export async function logIn(
  deps: AccountsDeps,
  input: { email: string; password: string; ip: string | null; userAgent: string | null },
): Promise<{ session: SessionGrant; accountId: string; userId: string }> {
  const user = await findUserByEmail(deps, input.email);
  // Hash even for an unknown e-mail, so response time does not reveal which addresses exist.
  let passwordOk = false;
  if (user?.passwordHash) passwordOk = await deps.passwords.verify(user.passwordHash, input.password);
  else await deps.passwords.hash(input.password);
  if (!user) throw new AppError(accountErrors['accounts.login_failed']);
  const account = await findAccount(deps, user.accountId);
  const now = await deps.timeOf(account.clockId);
  const { policy } = deps.current();

  const outcome = await deps.db.transaction(async () => {
    const [fresh] = await deps.db.rows<{ failed_logins: number; locked_until: Date | null }>(
      sql`select failed_logins, locked_until from users where id = ${user.id} for update`,
    );
    const decision = decideLogin(
      policy,
      {
        failedLogins: fresh!.failed_logins,
        lockedUntil: fresh!.locked_until ? new Date(fresh!.locked_until) : null,
      },
      passwordOk,
      now,
    );
    if (decision.outcome === 'failed') {
      await deps.db.q
        .update(users)
        .set({ failedLogins: decision.failedLogins, lockedUntil: decision.lockUntil })
        .where(eq(users.id, user.id));
      await deps.eventLog.append([
        {
          chainId: user.accountId,
          type: decision.lockUntil ? 'user.locked_out' : 'user.login_failed',
          actor: `user:${user.id}`,
          occurredAt: now,
          data: { until: decision.lockUntil?.toISOString() ?? null },
        },
      ]);
      if (decision.lockUntil)
        await deps.notifications.send([
          {
            accountId: user.accountId,
            recipient: user.email,
            locale: account.locale as 'pl' | 'en',
            template: 'account.locked',
            clause: null,
            occurredAt: now,
            params: { until: decision.lockUntil },
          },
        ]);
    }
    return decision;
  });
  if (outcome.outcome === 'locked')
    throw new AppError(accountErrors['accounts.locked'], { details: { until: outcome.until.toISOString() } });
  if (outcome.outcome === 'failed') {
    if (outcome.lockUntil)
      throw new AppError(accountErrors['accounts.locked'], {
        details: { until: outcome.lockUntil.toISOString() },
      });
    throw new AppError(accountErrors['accounts.login_failed']);
  }
  if (user.status !== 'active') throw new AppError(accountErrors['accounts.not_activated']);
  const life = await deps.lifecycle.get(user.accountId);
  if (['terminated', 'deleted', 'purged'].includes(life.state))
    throw new AppError(accountErrors['accounts.access_ended']);

  return deps.db.transaction(async () => {
    const concludeNow =
      policy.registration.contractConcludedAt === 'first_login_after_activation' &&
      !account.contractConcludedAt;
    await deps.db.q
      .update(users)
      .set({
        failedLogins: 0,
        lockedUntil: null,
        lastLoginAt: now,
        ...(user.firstLoginAt ? {} : { firstLoginAt: now }),
      })
      .where(eq(users.id, user.id));
    if (concludeNow)
      await deps.db.q.update(accounts).set({ contractConcludedAt: now }).where(eq(accounts.id, account.id));
    await deps.eventLog.append([
      { chainId: account.id, type: 'user.logged_in', actor: `user:${user.id}`, occurredAt: now },
      ...(concludeNow
        ? [
            {
              chainId: account.id,
              type: 'account.contract_concluded',
              clause: policy.registration.clause,
              actor: `user:${user.id}`,
              occurredAt: now,
            },
          ]
        : []),
    ]);
    const session = await openSession(deps, {
      accountId: account.id,
      userId: user.id,
      now,
      ip: input.ip,
      userAgent: input.userAgent,
    });
    return { session, accountId: account.id, userId: user.id };
  });
}

/** The user behind a session token, if the session is live; touches its last-seen time. */
export async function resolveSession(deps: AccountsDeps, token: string): Promise<Principal | null> {
  const [row] = await deps.db.rows<{
    account_id: string;
    user_id: string;
    csrf_token: string;
    created_at: Date;
    last_seen_at: Date;
    revoked_at: Date | null;
    role: string;
    status: string;
    clock_id: string | null;
  }>(sql`
    select s.account_id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.revoked_at, u.role, u.status, a.clock_id
    from sessions s join users u on u.id = s.user_id join accounts a on a.id = s.account_id
    where s.token_hash = ${sha256Hex(token)}`);
  if (row?.status !== 'active') return null;
  const now = await deps.timeOf(row.clock_id);
  const live = isSessionLive(
    deps.current().policy,
    {
      createdAt: new Date(row.created_at),
      lastSeenAt: new Date(row.last_seen_at),
      revokedAt: row.revoked_at,
    },
    now,
  );
  if (!live) return null;
  if (now.getTime() - new Date(row.last_seen_at).getTime() > 60_000)
    await deps.db.q
      .update(sessions)
      .set({ lastSeenAt: now })
      .where(eq(sessions.tokenHash, sha256Hex(token)));
  return {
    kind: 'user',
    accountId: row.account_id,
    userId: row.user_id,
    role: row.role,
    csrfToken: row.csrf_token,
  };
}

export async function logOut(deps: AccountsDeps, token: string): Promise<void> {
  await deps.db.q
    .update(sessions)
    .set({ revokedAt: deps.clock.now() })
    .where(eq(sessions.tokenHash, sha256Hex(token)));
}

/**
 * Ends every session of a user or of a whole account, e.g. after a report of unauthorised use (BK-ACC-05)
 * or a password change (BK-ACC-04), except the session given in `keepToken` (the one making the change).
 * Records how many ended in the event log.
 */
export async function revokeSessions(
  deps: AccountsDeps,
  input: {
    accountId: string;
    userId?: string;
    keepToken?: string;
    reason: 'unauthorised_use_reported' | 'password_changed' | 'access_ended' | 'contract_ended';
    actor: string;
    /** The clause the revocation enforces, when the caller's rule has one (CM-SEC-06). */
    clause?: string | null;
    cause?: string;
  },
): Promise<number> {
  const account = await findAccount(deps, input.accountId);
  const now = await deps.timeOf(account.clockId);
  const keep = input.keepToken ? sha256Hex(input.keepToken) : null;
  return deps.db.transaction(async () => {
    const rows = await deps.db.rows<{ token_hash: string }>(sql`
      update sessions set revoked_at = ${now.toISOString()}
      where account_id = ${input.accountId} and revoked_at is null
        and (${input.userId ?? null}::text is null or user_id = ${input.userId ?? null})
        and (${keep}::text is null or token_hash <> ${keep})
      returning token_hash`);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'sessions.revoked',
        clause: input.reason === 'unauthorised_use_reported' ? 'BK-ACC-05' : (input.clause ?? null),
        actor: input.actor,
        ...(input.cause ? { cause: input.cause } : {}),
        occurredAt: now,
        data: { reason: input.reason, count: rows.length, user: input.userId ?? null },
      },
    ]);
    return rows.length;
  });
}

/**
 * `revokeSessions` for many accounts at once (every session of each, none kept), as when a sweep ends
 * their contracts: one statement ends the sessions and one append records an event per account, with the
 * same time (its clock's), clause, cause and count as one call per account would. Joins the caller's
 * transaction.
 */
export async function revokeSessionsOfAccounts(
  deps: AccountsDeps,
  list: readonly { accountId: string; clause?: string | null; cause?: string }[],
  input: { reason: 'access_ended' | 'contract_ended'; actor: string },
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (list.length === 0) return counts;
  const ids = [...new Set(list.map((l) => l.accountId))];
  const found = await deps.db.rows<{ id: string; clock_id: string | null }>(
    sql`select id, clock_id from accounts where id = any(${textArray(ids)})`,
  );
  const clockOf = new Map(found.map((r) => [r.id, r.clock_id]));
  for (const id of ids)
    if (!clockOf.has(id)) throw new AppError(accountErrors['accounts.not_found'], { details: { id } });
  const times = new Map<string | null, Date>();
  for (const c of new Set(clockOf.values())) times.set(c, await deps.timeOf(c));
  const timeOf = (id: string) => times.get(clockOf.get(id) ?? null)!;
  return deps.db.transaction(async () => {
    const rows = await deps.db.rows<{ account_id: string; n: number }>(sql`
      with ended as (
        update sessions s set revoked_at = x.at
        from jsonb_to_recordset(${jsonRows(ids.map((id) => ({ id, at: timeOf(id) })))}) as x(id text, at timestamptz)
        where s.account_id = x.id and s.revoked_at is null
        returning s.account_id)
      select account_id, count(*)::int as n from ended group by account_id`);
    for (const r of rows) counts.set(r.account_id, r.n);
    await deps.eventLog.append(
      list.map((l) => ({
        chainId: l.accountId,
        type: 'sessions.revoked',
        clause: l.clause ?? null,
        actor: input.actor,
        ...(l.cause ? { cause: l.cause } : {}),
        occurredAt: timeOf(l.accountId),
        data: { reason: input.reason, count: counts.get(l.accountId) ?? 0, user: null },
      })),
    );
    return counts;
  });
}

/**
 * Takes a report of unauthorised use of an account (BK-ACC-05): opens a security ticket, logged with the
 * time of the account's clock and who reported it, and ends every session of the account (or of one
 * user), so whoever used it must log in again. Leaves to the caller: checking that the reporter may act
 * for the account.
 */
export async function reportUnauthorisedUse(
  deps: AccountsDeps,
  input: { accountId: string; userId?: string; actor: string },
): Promise<{ ticketId: string; reportedAt: Date; revoked: number }> {
  const account = await findAccount(deps, input.accountId);
  const reportedAt = await deps.timeOf(account.clockId);
  const ticketId = deps.ids.next('sec');
  return deps.db.transaction(async () => {
    await deps.eventLog.append([
      {
        chainId: account.id,
        type: 'security.unauthorised_use_reported',
        clause: 'BK-ACC-05',
        actor: input.actor,
        occurredAt: reportedAt,
        data: { ticket: ticketId, user: input.userId ?? null },
      },
    ]);
    const revoked = await revokeSessions(deps, {
      accountId: account.id,
      ...(input.userId ? { userId: input.userId } : {}),
      reason: 'unauthorised_use_reported',
      actor: input.actor,
    });
    return { ticketId, reportedAt, revoked };
  });
}
