import {
  addDays,
  addMonths,
  addYears,
  type LocalDate,
  localDateOf,
  startOfDay,
} from '../../platform/calendar.ts';
import type { Policy, RetentionCategory, RetentionTrigger } from '../../policy/index.ts';

/**
 * The pure retention rules: when a category's data of one account (or one item) must go, and when its
 * warning is due. Functions of the policy, the facts and `now`; no I/O.
 *
 * Day counting (catalog conventions): the trigger day itself is not counted. For a trigger that is an END
 * (contract end, paid period end) the trigger day is the last day of service, i.e. the day before the
 * instant it ended at (a contract that ends at the midnight after 2026-06-30 ended on 2026-06-30); for a
 * trigger that is an occurrence (a state entered, an event, a last use) it is the day it happened on.
 * `kept_for` periods keep the data through trigger day + period and purge at the next local midnight;
 * `deleted_within` periods are the provider's deadline and purge at the start of their last day.
 */

/** Triggers that are a fact of the whole account; the rest are dates of single items. */
export const accountTriggers: readonly RetentionTrigger[] = [
  'contract_end',
  'last_use',
  'state_entered',
  'paid_period_end',
];

export function isAccountLevel(category: RetentionCategory): boolean {
  return accountTriggers.includes(category.trigger);
}

/** The facts of one account the account-level rules read. */
export type AccountFacts = {
  state: string;
  stateSince: Date;
  /** When the contract ended (the instant access ended); null while it runs. */
  contractEndedAt: Date | null;
  /** The last time anyone used the account (a login or a request in a session); null if never. */
  lastUseAt: Date | null;
  /** The instant the last paid period ended (the midnight after its last paid day) if no paid period runs. */
  paidPeriodEndedAt: Date | null;
};

export type RetentionDecision =
  | { due: false; because: string }
  | {
      due: true;
      /** The instant the trigger happened (kept in the status, so one trigger is acted on once). */
      triggerAt: Date;
      /** When the data go (or, for 'review', when the holder is asked). */
      purgeAt: Date;
      /** When the purge warning goes out; null when the category has none. */
      warnAt: Date | null;
      clause: string;
    };

const endTriggers: readonly RetentionTrigger[] = ['contract_end', 'paid_period_end'];

/** The local day a trigger instant counts from (see the module comment). */
export function triggerDay(trigger: RetentionTrigger, at: Date, timeZone: string): LocalDate {
  return endTriggers.includes(trigger)
    ? localDateOf(new Date(at.getTime() - 1), timeZone)
    : localDateOf(at, timeZone);
}

/** The last day the data may (or, for `kept_for`, must) still exist. */
export function lastRetainedDay(category: RetentionCategory, day: LocalDate): LocalDate {
  const from = category.fromYearEnd ? `${day.slice(0, 4)}-12-31` : day;
  const { days, months, years } = category.period;
  if (years !== undefined) return addYears(from, years);
  if (months !== undefined) return addMonths(from, months);
  return addDays(from, days ?? 0);
}

/**
 * When data whose trigger happened at `triggerAt` must go under `category` (never before `triggerAt`),
 * and when the warning is due. QU-RET-04: entered Ended 2021-03-01 → purged 2026-03-02, warned 2026-01-31.
 */
export function purgeTimeOf(
  category: RetentionCategory,
  triggerAt: Date,
  timeZone: string,
): { purgeAt: Date; warnAt: Date | null } {
  const last = lastRetainedDay(category, triggerDay(category.trigger, triggerAt, timeZone));
  const purgeDay = category.periodMeans === 'deleted_within' ? last : addDays(last, 1);
  const purgeAt = new Date(Math.max(startOfDay(purgeDay, timeZone).getTime(), triggerAt.getTime()));
  const warnAt =
    category.warnBeforeDays === null
      ? null
      : startOfDay(addDays(localDateOf(purgeAt, timeZone), -category.warnBeforeDays), timeZone);
  return { purgeAt, warnAt };
}

/** The trigger instant of an account-level category for this account, or why there is none yet. */
export function accountTriggerOf(
  category: RetentionCategory,
  facts: AccountFacts,
  /** The trigger recorded for this category while the account was in the state, if any. */
  recorded: Date | null = null,
): { at: Date } | { none: string } {
  switch (category.trigger) {
    case 'contract_end':
      return facts.contractEndedAt ? { at: facts.contractEndedAt } : { none: 'contract_running' };
    case 'state_entered':
      if (facts.state === category.state) return { at: facts.stateSince };
      // `purged` is final: a period that started in an earlier state (CM: 30 days after liquidation) still
      // runs out, even if the purge of the account itself came first.
      if (facts.state === 'purged' && recorded) return { at: recorded };
      return { none: 'state_not_entered' };
    case 'last_use':
      return facts.lastUseAt ? { at: facts.lastUseAt } : { none: 'never_used' };
    case 'paid_period_end':
      return facts.paidPeriodEndedAt ? { at: facts.paidPeriodEndedAt } : { none: 'no_ended_paid_period' };
    default:
      return { none: 'item_level_trigger' };
  }
}

/**
 * Whether and when an account-level category's data of this account must go. A running contract stops
 * categories marked `notBeforeContractEnd` (MOC-LIF-02: the later of contract end and last use + 180 days).
 */
export function decideAccountRetention(
  policy: Policy,
  category: RetentionCategory,
  facts: AccountFacts,
  recorded: Date | null = null,
): RetentionDecision {
  const trigger = accountTriggerOf(category, facts, recorded);
  if ('none' in trigger) return { due: false, because: trigger.none };
  const { purgeAt, warnAt } = purgeTimeOf(category, trigger.at, policy.locale.timeZone);
  if (category.notBeforeContractEnd) {
    if (!facts.contractEndedAt) return { due: false, because: 'contract_running' };
    if (facts.contractEndedAt.getTime() > purgeAt.getTime())
      return {
        due: true,
        triggerAt: trigger.at,
        purgeAt: facts.contractEndedAt,
        warnAt,
        clause: category.clause,
      };
  }
  return { due: true, triggerAt: trigger.at, purgeAt, warnAt, clause: category.clause };
}

/**
 * For item-level categories: the instant before which an item's trigger must lie for the item to be past
 * its period at `now`. The purge time depends only on the trigger's day and grows with it, so the due items
 * are exactly those triggered before the start of the first day that is not yet due.
 */
export function itemCutoff(category: RetentionCategory, now: Date, timeZone: string): Date {
  const dueFor = (day: LocalDate) =>
    purgeTimeOf(category, startOfDay(day, timeZone), timeZone).purgeAt.getTime() <= now.getTime();
  const today = localDateOf(now, timeZone);
  const { days, months, years } = category.period;
  // An estimate (today less the period), then day steps: months and years have no fixed length.
  let day =
    years !== undefined
      ? addYears(today, -years)
      : months !== undefined
        ? addMonths(today, -months)
        : addDays(today, -(days ?? 0));
  if (category.fromYearEnd) day = `${day.slice(0, 4)}-01-01`;
  while (dueFor(day)) day = addDays(day, 1);
  while (!dueFor(addDays(day, -1)) && day > '0001-01-01') {
    if (epochGap(day, today) > 40_000) break;
    day = addDays(day, -1);
  }
  return startOfDay(day, timeZone);
}

function epochGap(a: LocalDate, b: LocalDate): number {
  return Math.abs(Date.parse(a) - Date.parse(b)) / 86_400_000;
}

/**
 * Whether an item is in a category's scope by its state and sending history (QU-RET-05 covers only
 * never-sent drafts in the listed states; a draft that was sent is not covered, QU-RET-03).
 */
export function itemInScope(
  category: RetentionCategory,
  item: { state?: string; everSent?: boolean },
): boolean {
  if (category.states && (item.state === undefined || !category.states.includes(item.state))) return false;
  if (category.neverSent && item.everSent !== false) return false;
  return true;
}

/** The categories of a policy that cover a kind of data. */
export function categoriesCovering(policy: Policy, data: string): RetentionCategory[] {
  return policy.retention.categories.filter((c) => (c.data ?? []).includes(data as never));
}
