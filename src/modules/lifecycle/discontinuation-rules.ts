import type { LocalDate } from '../../platform/calendar.ts';
import { startOfDay } from '../../platform/calendar.ts';
import type { Entitlements } from './lifecycle-rules.ts';

/** A discontinuation announced by the operator (QU-LIF-10): `feature` null is the whole service. */
export type Discontinuation = {
  id: string;
  feature: string | null;
  effectiveOn: LocalDate;
  timeZone: string;
};

/** The instant a discontinuation takes effect: local midnight at the start of `effectiveOn`. */
export function discontinuedAt(d: Discontinuation): Date {
  return startOfDay(d.effectiveOn, d.timeZone);
}

/**
 * Entitlements without the features discontinued by `now` (QU-LIF-10): a feature leaves at local midnight
 * of its discontinuation day and not a moment earlier; the whole service's discontinuation takes every
 * feature and limit. The answer is valid until the next discontinuation still ahead, if it comes before
 * the entitlements' own next change.
 */
export function withoutDiscontinued<T extends Entitlements>(
  e: T,
  discontinuations: readonly Discontinuation[],
  now: Date,
): T {
  let features = e.features;
  let limits = e.limits;
  let validUntil = e.validUntil;
  for (const d of discontinuations) {
    const at = discontinuedAt(d);
    if (at.getTime() <= now.getTime()) {
      if (d.feature === null) {
        features = [];
        limits = {};
      } else features = features.filter((f) => f !== d.feature);
    } else if (
      (d.feature === null || e.features.includes(d.feature)) &&
      (!validUntil || at.getTime() < validUntil.getTime())
    )
      validUntil = at;
  }
  return { ...e, features, limits, validUntil };
}
