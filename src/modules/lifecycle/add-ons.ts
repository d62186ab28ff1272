import { addDays, type LocalDate, startOfDay } from '../../platform/calendar.ts';
import type { Policy } from '../../policy/index.ts';
import type { Entitlements } from './lifecycle-rules.ts';

/** What billing knows about an account beyond its plan: its add-ons and its consumable balances. */
export type EntitlementExtras = {
  /** Add-ons in force: a renewing one while the subscription lives (`endsOn` null), another through `endsOn`. */
  addOns: readonly { code: string; endsOn: LocalDate | null }[];
  /** Units left per balance code (BK-BIL-03 SMS, CM-BIL-11 dial-in minutes). */
  balances: Readonly<Record<string, number>>;
};

export type EntitlementsWithExtras = Entitlements & {
  /** Codes of the add-ons in force. */
  addOns: string[];
  /** Units left per balance of the policy's catalog (0 where none was bought). */
  balances: Record<string, number>;
};

/**
 * The account's entitlements with its add-ons and balances (CM-BIL-06, CM-BIL-11). An account with full
 * access gets each add-on's features and limit increments on top of its plan's, and each feature the
 * policy grants only while a balance is positive (CM-BIL-11: toll-free dial-in numbers while minutes are
 * left; at 0 they disappear). A restricted account gets none of them. Balances are shown whatever the
 * access. A non-renewing add-on's end is the next time-driven change, so `validUntil` is no later than it.
 */
export function entitlementsWithExtras(
  policy: Policy,
  base: Entitlements,
  extras: EntitlementExtras,
  now: Date,
): EntitlementsWithExtras {
  const timeZone = policy.locale.timeZone;
  const inForce = extras.addOns.filter(
    (a) => a.endsOn === null || now.getTime() < startOfDay(addDays(a.endsOn, 1), timeZone).getTime(),
  );
  const balances: Record<string, number> = {};
  for (const balance of policy.entitlements.balances)
    balances[balance.code] = extras.balances[balance.code] ?? 0;
  let validUntil = base.validUntil;
  for (const a of inForce) {
    if (a.endsOn === null) continue;
    const end = startOfDay(addDays(a.endsOn, 1), timeZone);
    if (!validUntil || end.getTime() < validUntil.getTime()) validUntil = end;
  }
  if (base.access !== 'full') return { ...base, validUntil, addOns: inForce.map((a) => a.code), balances };
  const features = new Set(base.features);
  const limits = { ...base.limits };
  for (const a of inForce) {
    const addOn = policy.addOns.find((x) => x.code === a.code);
    if (!addOn) continue;
    for (const f of addOn.features) features.add(f);
    for (const [code, increment] of Object.entries(addOn.limitIncrements))
      limits[code] = (limits[code] ?? 0) + increment;
  }
  for (const balance of policy.entitlements.balances)
    if (balance.featureWhilePositive && (balances[balance.code] ?? 0) > 0)
      features.add(balance.featureWhilePositive);
  return {
    ...base,
    features: [...features],
    limits,
    validUntil,
    addOns: inForce.map((a) => a.code),
    balances,
  };
}
