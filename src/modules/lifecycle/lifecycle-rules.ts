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
 * Where a new account starts. A trial where the policy has one, unless this customer (matched by company
 * identity) already had one: re-registering never restarts a trial (QU-BIL-02). Otherwise the requested or
 * only free plan, with its finite period (CM-ACC-04).
 */
export function startOfLife(
  policy: Policy,
  input: { registeredAt: Date; requestedPlan: string | null; hadTrialBefore: boolean },
): LifeStart {
  const tz = policy.locale.timeZone;
  const requested = input.requestedPlan
    ? policy.plans.find((p) => p.code === input.requestedPlan)
    : undefined;
  const trial = policy.trial;
  if (trial?.enabled && (!requested || requested.kind === 'trial')) {
    if (input.hadTrialBefore) {
      return {
        state: 'trial_ended',
        planCode: trial.afterTrialPlanCode ?? trial.planCode,
        trialEndsAt: input.registeredAt,
        freeEndsAt: null,
        because: trial.clauses.onePerCustomer,
      };
    }
    return {
      state: 'trial',
      planCode: trial.planCode,
      trialEndsAt: windowEndsAt(input.registeredAt, trial.days, tz),
      freeEndsAt: null,
      because: trial.clauses.length,
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

export type TrialDecision = { next: 'trial_ended'; planCode: string; because: string } | { next: 'stay' };

/** Whether a trial is over at `now` (QU-BIL-01, BK-BIL-01): from the first instant after its last day. */
export function decideTrialEnd(
  policy: Policy,
  current: { state: AccountState; trialEndsAt: Date | null },
  now: Date,
): TrialDecision {
  const trial = policy.trial;
  if (!trial || current.state !== 'trial' || !current.trialEndsAt) return { next: 'stay' };
  if (now.getTime() < current.trialEndsAt.getTime()) return { next: 'stay' };
  return {
    next: 'trial_ended',
    planCode: trial.afterTrialPlanCode ?? trial.planCode,
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
  blocked: 'restricted',
  suspended: 'restricted',
  expired: 'restore_only',
  liquidated: 'restore_only',
  terminated: 'none',
  deleted: 'none',
  purged: 'none',
};

/** What an account may do now, from its plan's features and limits and its state. */
export function entitlementsOf(
  policy: Policy,
  current: { state: AccountState; planCode: string; trialEndsAt: Date | null; freeEndsAt: Date | null },
): Entitlements {
  const plan = policy.plans.find((p) => p.code === current.planCode);
  if (!plan) throw new Error(`plan ${current.planCode} is not in policy ${policy.id}@${policy.version}`);
  const access = accessByState[current.state];
  const validUntil =
    current.state === 'trial' ? current.trialEndsAt : current.state === 'free' ? current.freeEndsAt : null;
  return {
    state: current.state,
    plan: { code: plan.code, kind: plan.kind, name: plan.name },
    access,
    features: access === 'full' ? [...plan.features] : [],
    limits: access === 'full' ? { ...plan.limits } : {},
    validUntil,
  };
}
