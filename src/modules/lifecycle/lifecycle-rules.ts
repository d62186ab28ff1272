import { addDays, localDateOf, startOfDay } from '../../platform/calendar.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountState } from './lifecycle-schema.ts';

export type LifeStart = {
  state: AccountState;
  planCode: string;
  trialEndsAt: Date | null;
  freeEndsAt: Date | null;
  because: string | null;
};

/**
 * The first day after a window of `days` days that starts on the local day of `from`: the window runs from
 * that day through day + `days` inclusive (catalog conventions; QU-BIL-01 "A4": registration 2026-03-02,
 * trial through 2026-03-16 23:59, "Trial ended" from 2026-03-17 00:00 local).
 */
export function windowEndsAt(from: Date, days: number, timeZone: string): Date {
  return startOfDay(addDays(localDateOf(from, timeZone), days + 1), timeZone);
}

/**
 * Where a new account starts.
 *
 * - A trial where the policy has one and it covers what was chosen: the trial plan ('trial_plan'; a paid
 *   plan chosen at sign-up is ordered later, QU-BIL-01), or the chosen paid plan itself ('chosen_plan_free':
 *   free for the first days whatever package is selected, BK-BIL-01).
 * - The trial clock is tied to the customer's first registration (`tiedTo`, matched by company
 *   identity): re-registering never restarts it, so a later account gets what is left of that trial, or
 *   none (QU-BIL-02).
 * - A paid plan no trial covers waits for its first payment (`pending_activation`); it is never a free
 *   account.
 * - Otherwise the requested or only free plan, with its finite period where it has one (CM-ACC-04).
 */
export function startOfLife(
  policy: Policy,
  input: { registeredAt: Date; requestedPlan: string | null; tiedTo: Date | null },
): LifeStart {
  const tz = policy.locale.timeZone;
  const requested = input.requestedPlan
    ? policy.plans.find((p) => p.code === input.requestedPlan)
    : undefined;
  const trial = policy.trial;
  const trialPlan = trial?.enabled ? trialPlanFor(trial, requested) : null;
  if (trial && trialPlan) {
    const trialEndsAt = windowEndsAt(input.tiedTo ?? input.registeredAt, trial.days, tz);
    const repeated = input.tiedTo !== null;
    if (repeated && trialEndsAt.getTime() <= input.registeredAt.getTime()) {
      return {
        state: 'trial_ended',
        planCode: trial.afterTrialPlanCode ?? trialPlan,
        trialEndsAt,
        freeEndsAt: null,
        because: trial.clauses.onePerCustomer ?? trial.clauses.length,
      };
    }
    return {
      state: 'trial',
      planCode: trialPlan,
      trialEndsAt,
      freeEndsAt: null,
      because: repeated ? (trial.clauses.onePerCustomer ?? trial.clauses.length) : trial.clauses.length,
    };
  }
  if (requested?.kind === 'paid') {
    return {
      state: 'pending_activation',
      planCode: requested.code,
      trialEndsAt: null,
      freeEndsAt: null,
      because: null,
    };
  }
  const free = requested?.kind === 'free' ? requested : policy.plans.find((p) => p.kind === 'free');
  if (!free) throw new Error(`policy ${policy.id} has neither a trial nor a free plan to start accounts on`);
  return {
    state: 'free',
    planCode: free.code,
    trialEndsAt: null,
    freeEndsAt: free.freePeriodDays ? windowEndsAt(input.registeredAt, free.freePeriodDays, tz) : null,
    because: null,
  };
}

/** The plan a trial runs on for this choice, or null when the trial does not cover it (a free plan). */
function trialPlanFor(trial: NonNullable<Policy['trial']>, requested: Policy['plans'][number] | undefined) {
  if (!requested) return trial.planCode;
  if (trial.mode === 'chosen_plan_free') return requested.kind === 'paid' ? requested.code : null;
  return requested.kind === 'trial' || requested.kind === 'paid' ? trial.planCode : null;
}

export type TrialDecision = { next: 'trial_ended'; planCode: string; because: string } | { next: 'stay' };

/**
 * Whether a trial is over at `now` (QU-BIL-01, BK-BIL-01): from the first instant after its last day. The
 * account moves to the policy's after-trial plan, or stays on its plan unpaid where there is none.
 */
export function decideTrialEnd(
  policy: Policy,
  current: { state: AccountState; planCode: string; trialEndsAt: Date | null },
  now: Date,
): TrialDecision {
  const trial = policy.trial;
  if (!trial || current.state !== 'trial' || !current.trialEndsAt) return { next: 'stay' };
  if (now.getTime() < current.trialEndsAt.getTime()) return { next: 'stay' };
  return {
    next: 'trial_ended',
    planCode: trial.afterTrialPlanCode ?? current.planCode,
    because: trial.clauses.length,
  };
}

export type FreeDecision = { next: 'free_ended'; because: string } | { next: 'stay' };

/** Whether a time-limited free account has run out at `now` (CM-ACC-04). */
export function decideFreeEnd(
  policy: Policy,
  current: { state: AccountState; planCode: string; freeEndsAt: Date | null },
  now: Date,
): FreeDecision {
  if (current.state !== 'free' || !current.freeEndsAt || now.getTime() < current.freeEndsAt.getTime())
    return { next: 'stay' };
  const plan = policy.plans.find((p) => p.code === current.planCode);
  return { next: 'free_ended', because: plan?.clause ?? 'CM-ACC-04' };
}

export type Entitlements = {
  state: AccountState;
  plan: { code: string; kind: string; name: { pl: string; en: string } };
  /** `full`: the plan's features; `restore_only`: only the restore/renew screen; `none`: no access. */
  access: 'full' | 'restricted' | 'restore_only' | 'none';
  features: string[];
  limits: Record<string, number>;
  /** The next instant at which time alone changes this answer, if any. */
  validUntil: Date | null;
};

const accessByState: Record<AccountState, Entitlements['access']> = {
  pending_activation: 'none',
  trial: 'full',
  trial_ended: 'full',
  free: 'full',
  free_ended: 'restricted',
  active: 'full',
  past_due: 'full',
  restricted: 'restricted',
  blocked: 'restricted',
  suspended: 'restricted',
  expired: 'restore_only',
  liquidated: 'restore_only',
  terminated: 'none',
  deleted: 'none',
  purged: 'none',
};

/**
 * What an account may do now, from its plan's features and limits and its state. Free and trial plans never
 * carry paid-only features (the policy refuses them), so a free account has them switched off (CM-ACC-04).
 */
export function entitlementsOf(
  policy: Policy,
  current: {
    state: AccountState;
    planCode: string;
    trialEndsAt: Date | null;
    freeEndsAt: Date | null;
    /** The end of an expired or closed account's restore window: the next time-driven change (CM-LIF-03/13). */
    restorableUntil?: Date | null;
  },
): Entitlements {
  const plan = policy.plans.find((p) => p.code === current.planCode);
  if (!plan) throw new Error(`plan ${current.planCode} is not in policy ${policy.id}@${policy.version}`);
  // After a trial with no after-trial plan (a chosen paid plan not yet paid, or a trial package that has
  // expired), the plan's features are not given away: only what a restricted account may do (BK-LIF-01).
  const unpaid = current.state === 'trial_ended' && (plan.kind === 'paid' || plan.kind === 'trial');
  const access = unpaid ? 'restricted' : accessByState[current.state];
  const validUntil =
    current.state === 'trial'
      ? current.trialEndsAt
      : current.state === 'free'
        ? current.freeEndsAt
        : current.state === 'expired' || current.state === 'liquidated' || current.state === 'terminated'
          ? (current.restorableUntil ?? null)
          : null;
  return {
    state: current.state,
    plan: { code: plan.code, kind: plan.kind, name: plan.name },
    access,
    features: access === 'full' ? [...plan.features] : [],
    limits: access === 'full' ? { ...plan.limits } : {},
    validUntil,
  };
}

const paidPlanFrom: ReadonlySet<AccountState> = new Set([
  'pending_activation',
  'trial',
  'trial_ended',
  'free',
  'free_ended',
  'active',
]);

/**
 * Whether an account in `state` may be put on a paid plan by paying for it: one that has not paid yet (a
 * sign-up waiting for payment, a trial running or ended, a free account) or an active one whose subscription
 * ended. Blocked, suspended, expired and closed accounts come back through their own rules (restore,
 * reactivation), not through a new order.
 */
export function canActivatePaidPlan(state: AccountState): boolean {
  return paidPlanFrom.has(state);
}
