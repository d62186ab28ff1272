import { eq, sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import { type AccountRow, type AccountsDeps, findAccount } from './accounts-context.ts';
import { accountErrors } from './accounts-errors.ts';
import { type Address, accountProfileChanges, accounts } from './accounts-schema.ts';
import { checkSubdomain } from './registration-rules.ts';
import { checkTaxId } from './tax-id.ts';

export type ProfileChange = {
  companyName?: string;
  address?: Address;
  phone?: string | null;
  taxId?: string;
  locale?: 'pl' | 'en';
};

export type AccountProfile = {
  id: string;
  companyName: string;
  taxId: string | null;
  country: string;
  address: Address | null;
  phone: string | null;
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
 * Updates registration data at any time (QU-ACC-04, CM-ACC-08, MOC-ACC-03), recording each field's old
 * and new value, the actor and the time; the profile version goes up, so an invoice issued later uses the
 * new data while invoices issued earlier keep theirs. The tax id may be corrected but never changed to
 * another company's: a new contracting party needs a new registration (QU-ACC-10).
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
    if (change.address !== undefined) next.address = change.address;
    if (change.phone !== undefined) next.phone = change.phone?.trim() || null;
    if (change.locale !== undefined) next.locale = change.locale;
    if (change.taxId !== undefined) {
      const check = checkTaxId(change.taxId, current.country);
      if (!check.ok)
        throw new AppError(accountErrors['accounts.profile_invalid'], {
          details: { issues: [{ field: 'taxId', rule: `invalid_${check.reason}` }] },
        });
      if (current.taxId && check.normalized !== current.taxId)
        throw new AppError(accountErrors['accounts.not_transferable'], { details: { clause: 'QU-ACC-10' } });
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
    return toProfile(updated!);
  });
}

/** The history of profile changes, newest first. */
export async function profileHistory(deps: AccountsDeps, accountId: string) {
  return deps.db.q
    .select()
    .from(accountProfileChanges)
    .where(eq(accountProfileChanges.accountId, accountId))
    .orderBy(sql`${accountProfileChanges.version} desc`);
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
