/**
 * The account's public profile page (CM-PRV-16). The policy makes it public by default
 * (`registration.publicProfileByDefault`); because that clashes with privacy by default, signup shows the
 * default and lets the user choose, and the account can hide the page, or parts of it, at any time. The
 * public URL reads the live setting, so a hidden page answers 404 from the moment it is hidden.
 */
import { eq } from 'drizzle-orm';
import { AppError, defineErrors } from '../../platform/errors.ts';
import type { AccountsDeps } from './accounts-context.ts';
import { accounts, publicProfiles } from './accounts-schema.ts';

export const publicProfileErrors = defineErrors({
  'accounts.public_profile_not_offered': {
    status: 409,
    en: 'The policy offers no public profile page.',
    pl: 'Polityka nie przewiduje publicznej strony profilu.',
  },
});

/** The parts of the page that can be hidden while the page itself stays public. */
export const PROFILE_PARTS = ['country', 'address', 'phone'] as const;
export type ProfilePart = (typeof PROFILE_PARTS)[number];

export type PublicProfileSetting = { visible: boolean; hiddenParts: ProfilePart[]; byDefault: boolean };

/** The choice stored at signup: the user's, else the policy's default; null where the policy offers none. */
export async function startPublicProfile(
  deps: AccountsDeps,
  input: { accountId: string; userId: string; chosen: boolean | undefined; at: Date },
): Promise<PublicProfileSetting | null> {
  const { policy } = deps.current();
  const byDefault = policy.registration.publicProfileByDefault;
  if (byDefault === null) return null;
  const visible = input.chosen ?? byDefault;
  await deps.db.q.insert(publicProfiles).values({
    accountId: input.accountId,
    visible,
    hiddenParts: [],
    changedAt: input.at,
    changedBy: `user:${input.userId}`,
  });
  return { visible, hiddenParts: [], byDefault };
}

export async function publicProfileSetting(
  deps: AccountsDeps,
  accountId: string,
): Promise<PublicProfileSetting | null> {
  const [row] = await deps.db.q.select().from(publicProfiles).where(eq(publicProfiles.accountId, accountId));
  if (!row) return null;
  return {
    visible: row.visible,
    hiddenParts: row.hiddenParts as ProfilePart[],
    byDefault: deps.current().policy.registration.publicProfileByDefault === true,
  };
}

/** Shows or hides the page (or some of its parts) now; evidenced on the account's chain. */
export async function changePublicProfile(
  deps: AccountsDeps,
  input: { accountId: string; visible: boolean; hiddenParts: ProfilePart[]; actor: string },
): Promise<PublicProfileSetting> {
  const [account] = await deps.db.q
    .select({ clockId: accounts.clockId })
    .from(accounts)
    .where(eq(accounts.id, input.accountId));
  if (!account) throw new AppError('request.not_found');
  const current = await publicProfileSetting(deps, input.accountId);
  if (!current) throw new AppError(publicProfileErrors['accounts.public_profile_not_offered']);
  const now = await deps.timeOf(account.clockId);
  const hiddenParts = [...new Set(input.hiddenParts)];
  return deps.db.transaction(async () => {
    await deps.db.q
      .update(publicProfiles)
      .set({ visible: input.visible, hiddenParts, changedAt: now, changedBy: input.actor })
      .where(eq(publicProfiles.accountId, input.accountId));
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'account.public_profile_changed',
        clause: deps.current().policy.registration.publicProfileClause ?? null,
        actor: input.actor,
        occurredAt: now,
        data: { visible: input.visible, hiddenParts },
      },
    ]);
    return { ...current, visible: input.visible, hiddenParts };
  });
}

/** What the public URL shows, or null (404) when there is no page or it is hidden. */
export async function publicProfilePage(
  deps: AccountsDeps,
  accountId: string,
): Promise<Record<string, unknown> | null> {
  const setting = await publicProfileSetting(deps, accountId);
  if (!setting?.visible) return null;
  const [row] = await deps.db.q.select().from(accounts).where(eq(accounts.id, accountId));
  if (!row) return null;
  const hidden = new Set(setting.hiddenParts);
  return {
    accountId,
    name: row.companyName ?? null,
    ...(hidden.has('country') ? {} : { country: row.country }),
    ...(hidden.has('address') ? {} : { address: row.address }),
    ...(hidden.has('phone') ? {} : { phone: row.phone }),
  };
}
