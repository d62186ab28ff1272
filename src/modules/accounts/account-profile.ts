import { eq, sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import { acceptances } from './acceptances-schema.ts';
import { type AccountRow, type AccountsDeps, findAccount } from './accounts-context.ts';
import { accountErrors } from './accounts-errors.ts';
import { type Address, accountProfileChanges, accounts, users } from './accounts-schema.ts';
import { checkSubdomain } from './registration-rules.ts';
import { checkTaxId } from './tax-id.ts';

export type ProfileChange = {
  companyName?: string;
  country?: string;
  address?: Address;
  phone?: string | null;
  taxId?: string;
  locale?: 'pl' | 'en';
};

export type AccountProfile = {
  id: string;
  /** Null for a person registered without company data (MOC-ACC-01). */
  companyName: string | null;
  taxId: string | null;
  country: string | null;
  address: Address | null;
  phone: string | null;
  isSoleTrader: boolean;
  registeringPerson: string | null;
  /** Each declaration made at registration and when (CM-ACC-01, CM-ACC-02, QU-ACC-01, BK-ACC-01). */
  declarations: Record<string, string>;
  locale: string;
  subdomain: string | null;
  createdAt: Date;
  activatedAt: Date | null;
  contractConcludedAt: Date | null;
  profileVersion: number;
  testClockId: string | null;
};

export function toProfile(a: AccountRow): AccountProfile {
  return {
    id: a.id,
    companyName: a.companyName,
    taxId: a.taxId,
    country: a.country,
    address: a.address,
    phone: a.phone,
    isSoleTrader: a.isSoleTrader,
    registeringPerson: a.registeringPerson,
    declarations: a.declarations,
    locale: a.locale,
    subdomain: a.subdomain,
    createdAt: a.createdAt,
    activatedAt: a.activatedAt,
    contractConcludedAt: a.contractConcludedAt,
    profileVersion: a.profileVersion,
    testClockId: a.clockId,
  };
}

/**
 * Updates registration data at any time (QU-ACC-04, CM-ACC-08, HT-ACC-02), recording each field's old
 * and new value, the actor and the time; the profile version goes up, so an invoice issued later uses the
 * new data while invoices issued earlier keep theirs. The tax id may be corrected or, where none was
 * given, added, but never changed to another company's: a new contracting party needs a new registration
 * (QU-ACC-10).
 */
export async function updateProfile(
  deps: AccountsDeps,
  input: { accountId: string; change: ProfileChange; actor: string },
): Promise<AccountProfile> {
  return deps.db.transaction(async () => {
    const [current] = await deps.db.q
      .select()
      .from(accounts)
      .where(eq(accounts.id, input.accountId))
      .for('update');
    if (!current)
      throw new AppError(accountErrors['accounts.not_found'], { details: { id: input.accountId } });
    const now = await deps.timeOf(current.clockId);
    const next: Partial<AccountRow> = {};
    const change = input.change;
    if (change.companyName !== undefined) next.companyName = change.companyName.trim();
    if (change.country !== undefined) next.country = change.country.toUpperCase();
    if (change.address !== undefined) next.address = change.address;
    if (change.phone !== undefined) next.phone = change.phone?.trim() || null;
    if (change.locale !== undefined) next.locale = change.locale;
    if (change.taxId !== undefined) {
      const country = next.country ?? current.country;
      if (!country)
        throw new AppError(accountErrors['accounts.profile_invalid'], {
          details: { issues: [{ field: 'country', rule: 'required_with_tax_id' }] },
        });
      const check = checkTaxId(change.taxId, country);
      if (!check.ok)
        throw new AppError(accountErrors['accounts.profile_invalid'], {
          details: { issues: [{ field: 'taxId', rule: `invalid_${check.reason}` }] },
        });
      if (current.taxId && check.normalized !== current.taxId)
        throw new AppError(accountErrors['accounts.not_transferable'], {
          details: { clause: 'QU-ACC-10', taxId: current.taxId, registerAt: '/v1/registrations' },
        });
      next.taxId = check.normalized;
    }
    const changed = (Object.keys(next) as (keyof AccountRow)[]).filter(
      (k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]),
    );
    if (changed.length === 0) return toProfile(current);
    const version = current.profileVersion + 1;
    await deps.db.q.insert(accountProfileChanges).values(
      changed.map((field) => ({
        accountId: current.id,
        version,
        field,
        oldValue: current[field] ?? null,
        newValue: next[field] ?? null,
        actor: input.actor,
        changedAt: now,
      })),
    );
    const [updated] = await deps.db.q
      .update(accounts)
      .set({ ...next, profileVersion: version })
      .where(eq(accounts.id, current.id))
      .returning();
    await deps.eventLog.append([
      {
        chainId: current.id,
        type: 'account.profile_changed',
        clause: 'QU-ACC-04',
        actor: input.actor,
        occurredAt: now,
        data: { fields: changed as string[], version },
      },
    ]);
    if (changed.includes('taxId') || changed.includes('country'))
      await deps.verifyVatId?.({
        accountId: current.id,
        taxId: updated!.taxId,
        country: updated!.country,
        at: now,
        actor: input.actor,
        cause: 'profile_change',
      });
    return toProfile(updated!);
  });
}

/**
 * Corrects a user's own name (or nickname) in the profile (MOC-ACC-03, HT-ACC-02): it shows at once, and the
 * change is kept with its old and new value, the actor and the time in the account's profile history
 * (field `user:<id>.firstName` / `.lastName`).
 */
export async function updateUserName(
  deps: AccountsDeps,
  input: {
    accountId: string;
    userId: string;
    change: { firstName?: string | null; lastName?: string | null };
    actor: string;
  },
): Promise<{ firstName: string | null; lastName: string | null }> {
  return deps.db.transaction(async () => {
    const [account] = await deps.db.q
      .select()
      .from(accounts)
      .where(eq(accounts.id, input.accountId))
      .for('update');
    const [user] = await deps.db.q.select().from(users).where(eq(users.id, input.userId));
    if (!account || user?.accountId !== account.id)
      throw new AppError(accountErrors['accounts.not_found'], { details: { id: input.accountId } });
    const now = await deps.timeOf(account.clockId);
    const next: { firstName?: string | null; lastName?: string | null } = {};
    if (input.change.firstName !== undefined) next.firstName = input.change.firstName?.trim() || null;
    if (input.change.lastName !== undefined) next.lastName = input.change.lastName?.trim() || null;
    const changed = (['firstName', 'lastName'] as const).filter(
      (k) => next[k] !== undefined && next[k] !== user[k],
    );
    if (changed.length === 0) return { firstName: user.firstName, lastName: user.lastName };
    const version = account.profileVersion + 1;
    await deps.db.q.insert(accountProfileChanges).values(
      changed.map((field) => ({
        accountId: account.id,
        version,
        field: `user:${user.id}.${field}`,
        oldValue: user[field],
        newValue: next[field] ?? null,
        actor: input.actor,
        changedAt: now,
      })),
    );
    const [updated] = await deps.db.q.update(users).set(next).where(eq(users.id, user.id)).returning();
    await deps.db.q.update(accounts).set({ profileVersion: version }).where(eq(accounts.id, account.id));
    await deps.eventLog.append([
      {
        chainId: account.id,
        type: 'user.profile_changed',
        clause: 'MOC-ACC-03',
        actor: input.actor,
        occurredAt: now,
        data: { user: user.id, fields: [...changed], version },
      },
    ]);
    return { firstName: updated!.firstName, lastName: updated!.lastName };
  });
}

/** The history of profile changes, newest first. */
export async function profileHistory(deps: AccountsDeps, accountId: string) {
  return deps.db.q
    .select()
    .from(accountProfileChanges)
    .where(eq(accountProfileChanges.accountId, accountId))
    .orderBy(sql`${accountProfileChanges.version} desc`, accountProfileChanges.field);
}

/** Which document versions the account's users accepted, when and from where (QU-ACC-02, BK-ACC-03). */
export async function listAcceptances(deps: AccountsDeps, accountId: string) {
  return deps.db.q
    .select({
      documentKind: acceptances.documentKind,
      documentVersion: acceptances.documentVersion,
      acceptedAt: acceptances.acceptedAt,
      userId: acceptances.userId,
      channel: acceptances.channel,
      ip: acceptances.ip,
    })
    .from(acceptances)
    .where(eq(acceptances.accountId, accountId))
    .orderBy(acceptances.acceptedAt, acceptances.documentKind);
}

/** Sets the account's third-level subdomain; where the policy makes it write-once, only once (QU-ACC-05). */
export async function setSubdomain(
  deps: AccountsDeps,
  input: { accountId: string; subdomain: string; actor: string },
): Promise<AccountProfile> {
  const rules = deps.current().policy.registration.subdomain;
  if (!rules.enabled) throw new AppError(accountErrors['accounts.subdomain_disabled']);
  const label = input.subdomain.trim().toLowerCase();
  const problem = checkSubdomain(label);
  if (problem)
    throw new AppError(accountErrors['accounts.subdomain_invalid'], { details: { reason: problem } });
  return deps.db.transaction(async () => {
    const account = await findAccount(deps, input.accountId);
    if (account.subdomain && rules.writeOnce)
      throw new AppError(accountErrors['accounts.subdomain_set'], {
        details: { clause: 'QU-ACC-05', subdomain: account.subdomain },
      });
    const [taken] = await deps.db.rows<{ id: string }>(
      sql`select id from accounts where subdomain = ${label} and id <> ${account.id}`,
    );
    if (taken) throw new AppError(accountErrors['accounts.subdomain_taken']);
    const now = await deps.timeOf(account.clockId);
    const [updated] = await deps.db.q
      .update(accounts)
      .set({ subdomain: label })
      .where(eq(accounts.id, account.id))
      .returning();
    await deps.eventLog.append([
      {
        chainId: account.id,
        type: 'account.subdomain_set',
        clause: 'QU-ACC-05',
        actor: input.actor,
        occurredAt: now,
        data: { subdomain: label },
      },
    ]);
    return toProfile(updated!);
  });
}
