import { sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.ts';
import { textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueWork } from '../../platform/due-work/due-work.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountContact } from '../lifecycle/index.ts';
import type { Notifications } from '../notifications/index.ts';
import type { Retention } from '../retention/index.ts';
import { emailHashOf } from './privacy-rules.ts';

/** A user of a customer account, as the accounts module tells it. */
export type Person = {
  userId: string;
  accountId: string;
  email: string;
  role: string;
  locale: 'pl' | 'en';
  emailVerified: boolean;
};

export type PrivacyDeps = {
  db: Database;
  eventLog: EventLog;
  dueWork: DueWork;
  notifications: Notifications;
  ids: IdGenerator;
  /** The process clock: for people without an account (no test clock to live by). */
  clock: Clock;
  timeOf: (clockId: string | null) => Promise<Date>;
  policyOf: (versionId: string) => Policy;
  current: () => { policy: Policy; versionId: string };
  /** The account's test clock and the policy version its contract is under. */
  accountOf: (
    accountId: string,
  ) => Promise<{ clockId: string | null; policyVersionId: string; state?: string }>;
  people: (emails: readonly string[]) => Promise<Person[]>;
  /** Everything the account's modules hold about the account and its users, for access and portability. */
  accountData: (accountId: string) => Promise<Record<string, unknown>>;
  /** Corrects an account user's names (the accounts module's own use case, with its history). */
  rectify: (input: {
    accountId: string;
    userId: string;
    change: { firstName?: string; lastName?: string };
    actor: string;
  }) => Promise<unknown>;
  /**
   * Erases the delivered mails to the address with this hash (SHA-256 of the lower-cased address) and
   * says how many still wait to be sent: for people without an account, whose mails no account's
   * retention reaches.
   */
  forgetRecipient: (emailHash: string) => Promise<{ erased: number; pending: number }>;
  /**
   * The retention engine's erasure (its handlers, the deletion journal and the purge evidence): an erasure
   * request runs the same code the retention schedule does, and a restored backup erases it again.
   */
  eraseNow: Retention['eraseNow'];
  /**
   * Lifecycle's account deletion (CM-PRV-06: an owner's full erasure is the account's deletion): the contract
   * ends, renewals stop, the account is `purged` (no sign-in, sessions revoked, no restore). Idempotent.
   */
  /** Tells the account's entitlements to load again (a restriction began or was lifted, CM-PRV-07). */
  accountChanged: (accountIds: readonly string[]) => Promise<void>;
  deleteAccount: (input: {
    accountId: string;
    actor: string;
    cause: string;
    clause: string | null;
  }) => Promise<unknown>;
  portalUrl: string;
  /** Where to reach a customer account (its owner's address, language, name): routed requests (BK-PRV-01). */
  contactsOf?: (accountIds: readonly string[]) => Promise<AccountContact[]>;
};

export type Subject = {
  id: string;
  accountId: string | null;
  userId: string | null;
  email: string | null;
  emailHash: string;
  marketingObjectedAt: Date | null;
  profilingObjectedAt: Date | null;
  restrictedAt: Date | null;
  restrictedBy: string | null;
  restrictionEndsOn: string | null;
  erasedAt: Date | null;
  createdAt: Date;
};

/** Where a person's rules and time come from: their account's policy version and clock, or the current policy. */
export type SubjectContext = { policy: Policy; policyVersionId: string; clockId: string | null; now: Date };

export async function contextOf(deps: PrivacyDeps, accountId: string | null): Promise<SubjectContext> {
  if (!accountId) {
    const { policy, versionId } = deps.current();
    return { policy, policyVersionId: versionId, clockId: null, now: deps.clock.now() };
  }
  const account = await deps.accountOf(accountId);
  return {
    policy: deps.policyOf(account.policyVersionId),
    policyVersionId: account.policyVersionId,
    clockId: account.clockId,
    now: await deps.timeOf(account.clockId),
  };
}

function date(v: unknown): Date | null {
  return v === null || v === undefined ? null : new Date(v as string);
}

export function subjectOf(r: Record<string, unknown>): Subject {
  return {
    id: r.id as string,
    accountId: (r.account_id as string | null) ?? null,
    userId: (r.user_id as string | null) ?? null,
    email: (r.email as string | null) ?? null,
    emailHash: r.email_hash as string,
    marketingObjectedAt: date(r.marketing_objected_at),
    profilingObjectedAt: date(r.profiling_objected_at),
    restrictedAt: date(r.restricted_at),
    restrictedBy: (r.restricted_by as string | null) ?? null,
    restrictionEndsOn: (r.restriction_ends_on as string | null) ?? null,
    erasedAt: date(r.erased_at),
    createdAt: date(r.created_at)!,
  };
}

/**
 * The subject with this e-mail address, created if new. An address that belongs to a customer's user is
 * tied to that account and user (so the account's policy and clock apply). Joins the caller's transaction.
 */
export async function ensureSubject(deps: PrivacyDeps, email: string, at: Date): Promise<Subject> {
  const normalised = email.trim().toLowerCase();
  const hash = emailHashOf(normalised);
  const [person] = await deps.people([normalised]);
  await deps.db.q.execute(sql`
    insert into privacy_subjects (id, account_id, user_id, email, email_hash, created_at)
    values (${deps.ids.next('sbj')}, ${person?.accountId ?? null}, ${person?.userId ?? null}, ${normalised}, ${hash},
            ${at.toISOString()})
    on conflict (email_hash) do update set
      email = coalesce(privacy_subjects.email, excluded.email),
      account_id = coalesce(privacy_subjects.account_id, excluded.account_id),
      user_id = coalesce(privacy_subjects.user_id, excluded.user_id)`);
  const [row] = await deps.db.rows<Record<string, unknown>>(
    sql`select * from privacy_subjects where email_hash = ${hash}`,
  );
  return subjectOf(row!);
}

export async function subjectsByHash(
  deps: PrivacyDeps,
  hashes: readonly string[],
): Promise<Map<string, Subject>> {
  if (hashes.length === 0) return new Map();
  const rows = await deps.db.rows<Record<string, unknown>>(
    sql`select * from privacy_subjects where email_hash = any(${textArray(hashes)})`,
  );
  return new Map(rows.map((r) => [r.email_hash as string, subjectOf(r)]));
}

export async function subjectById(deps: PrivacyDeps, id: string): Promise<Subject | null> {
  const [row] = await deps.db.rows<Record<string, unknown>>(
    sql`select * from privacy_subjects where id = ${id}`,
  );
  return row ? subjectOf(row) : null;
}

/** The event chain of a person's consents and flags: their account's chain, or the operator's privacy chain. */
export function chainOf(subject: { accountId: string | null }): string {
  return subject.accountId ?? 'privacy';
}
