import { eq, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import { type IdGenerator, randomToken, sha256Hex } from '../../platform/ids.ts';
import type { Policy } from '../../policy/index.ts';
import type { Lifecycle } from '../lifecycle/index.ts';
import type { Notifications } from '../notifications/index.ts';
import { accountErrors } from './accounts-errors.ts';
import { accounts, users, userTokens } from './accounts-schema.ts';

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
};

/** What every accounts use case is built with. */
export type AccountsDeps = {
  db: Database;
  eventLog: EventLog;
  ids: IdGenerator;
  /** The real clock: used for accounts not bound to a test clock. */
  clock: Clock;
  /** The time of a test clock (null: the real time). */
  timeOf: (clockId: string | null) => Promise<Date>;
  /** The policy new contracts are made under, and its stored version id. */
  current: () => { policy: Policy; versionId: string };
  notifications: Notifications;
  lifecycle: Lifecycle;
  passwords: PasswordHasher;
  /** Where links in e-mails point, e.g. https://app.example.com */
  portalUrl: string;
  /**
   * Checks a newly given EU VAT id with VIES and records the answer (billing's `verifyVatId`), inside the
   * registration's or change's transaction; never fails it for an outage. Absent: nothing is checked.
   */
  verifyVatId?: (input: {
    accountId: string;
    taxId: string | null;
    country: string | null;
    at: Date;
    actor: string;
    cause: string;
  }) => Promise<unknown>;
  /**
   * The grounds of refusal-list entries a sign-up matches on tax id or e-mail (operator actions'
   * `refusalsMatching`, CM-ACC-05); absent: no screening.
   */
  refusalsMatching?: (who: { taxId: string | null; email: string | null }) => Promise<string[]>;
};

export type AccountRow = typeof accounts.$inferSelect;
export type UserRow = typeof users.$inferSelect;

export async function findAccount(deps: AccountsDeps, id: string): Promise<AccountRow> {
  const [row] = await deps.db.q.select().from(accounts).where(eq(accounts.id, id));
  if (!row) throw new AppError(accountErrors['accounts.not_found'], { details: { id } });
  return row;
}

export async function findUserByEmail(deps: AccountsDeps, email: string): Promise<UserRow | null> {
  const [row] = await deps.db.q
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
  return row ?? null;
}

/** Creates a single-use e-mail token; only its hash is stored. */
export async function issueToken(
  deps: AccountsDeps,
  input: {
    kind: 'activation' | 'password_reset' | 'invitation';
    accountId: string;
    userId: string;
    now: Date;
    validHours: number;
  },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken(32);
  const expiresAt = new Date(input.now.getTime() + input.validHours * 3_600_000);
  await deps.db.q.insert(userTokens).values({
    tokenHash: sha256Hex(token),
    kind: input.kind,
    accountId: input.accountId,
    userId: input.userId,
    createdAt: input.now,
    expiresAt,
  });
  return { token, expiresAt };
}

/**
 * Spends a single-use token at the time of its account's clock. The row is locked, so two requests with
 * the same token cannot both succeed.
 */
export async function spendToken(
  deps: AccountsDeps,
  kind: 'activation' | 'password_reset' | 'invitation',
  token: string,
): Promise<{ accountId: string; userId: string; now: Date }> {
  const [row] = await deps.db.rows<{
    account_id: string;
    user_id: string;
    expires_at: Date;
    used_at: Date | null;
  }>(sql`
    select account_id, user_id, expires_at, used_at from user_tokens
    where token_hash = ${sha256Hex(token)} and kind = ${kind} for update`);
  if (!row || row.used_at) throw new AppError(accountErrors['accounts.token_invalid']);
  const account = await findAccount(deps, row.account_id);
  const now = await deps.timeOf(account.clockId);
  if (new Date(row.expires_at).getTime() <= now.getTime())
    throw new AppError(accountErrors['accounts.token_invalid']);
  await deps.db.q.execute(
    sql`update user_tokens set used_at = ${now.toISOString()} where token_hash = ${sha256Hex(token)}`,
  );
  return { accountId: row.account_id, userId: row.user_id, now };
}

export function displayName(user: Pick<UserRow, 'firstName' | 'lastName'>): string {
  return [user.firstName, user.lastName].filter(Boolean).join(' ');
}
