import { sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { Policy } from '../../policy/index.ts';
import type { Lifecycle, LifeRow } from './lifecycle.ts';
import { lifecycleErrors } from './lifecycle-errors.ts';
import { canActivatePaidPlan } from './lifecycle-rules.ts';

export type PlanChanges = ReturnType<typeof makePlanChanges>;

/** Plan changes that other modules' use cases make happen (billing: a paid order). */
export function makePlanChanges(deps: {
  db: Database;
  eventLog: EventLog;
  lifecycle: Pick<Lifecycle, 'load' | 'announceChanged'>;
  policyOf: (versionId: string) => Policy;
  /** Told after a paid plan is switched on, so the non-payment rules schedule their look at its invoice. */
  onActivated?: (accountId: string, at: Date, cause: string) => Promise<void>;
}) {
  const { db, eventLog, lifecycle, policyOf } = deps;

  /**
   * Puts the account on paid plan `planCode`, in state `active`, at `at`: the moment its payment was
   * confirmed, or its order accepted where invoices come with payment terms. Nothing else has to happen for
   * the plan's features to be on: the entitlements caches are told on commit (CM-ACC-09, "niezwłocznie").
   *
   * Guarantees, inside the caller's transaction: the account's row is locked, the move is allowed from its
   * state, one `account.state_changed` event records it with `because` and `cause`, and a plan the account
   * already has active changes nothing. Leaves to the caller: that the payment or order justifies it.
   */
  async function activatePaidPlan(input: {
    accountId: string;
    planCode: string;
    at: Date;
    because: string | null;
    cause: string;
    actor: string;
  }): Promise<LifeRow> {
    if (!db.inTransaction()) throw new Error('activatePaidPlan must run inside the caller’s transaction');
    const [row] = await lifecycle.load([input.accountId], true);
    if (!row) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const plan = policyOf(row.policyVersionId).plans.find((p) => p.code === input.planCode);
    if (plan?.kind !== 'paid')
      throw new AppError(lifecycleErrors.unknown_plan, { details: { plan: input.planCode } });
    if (row.state === 'active' && row.planCode === input.planCode) return row;
    if (!canActivatePaidPlan(row.state))
      throw new AppError(lifecycleErrors.not_activatable, { details: { state: row.state } });
    await db.q.execute(sql`
      update account_states set state = 'active', plan_code = ${input.planCode},
             state_since = ${input.at.toISOString()}, changed_at = ${input.at.toISOString()}
      where account_id = ${input.accountId}`);
    await eventLog.append([
      {
        chainId: input.accountId,
        type: 'account.state_changed',
        clause: input.because,
        actor: input.actor,
        cause: input.cause,
        occurredAt: input.at,
        data: { from: row.state, to: 'active', fromPlan: row.planCode, toPlan: input.planCode },
      },
    ]);
    await lifecycle.announceChanged([input.accountId]);
    await deps.onActivated?.(input.accountId, input.at, input.cause);
    return { ...row, state: 'active', planCode: input.planCode, stateSince: input.at, changedAt: input.at };
  }

  /**
   * Puts an active account on the policy's free plan `planCode` at `at`: its paid subscription has ended and
   * the customer chose the free package (HT-BIL-02). Guarantees, inside the caller's transaction: the row is
   * locked, only an `active` account moves, one `account.state_changed` event records it, an account already
   * on that free plan changes nothing. Only a permanent free plan (no `freePeriodDays`) is a destination here:
   * a time-limited one would need its own end scheduled.
   */
  async function moveToFreePlan(input: {
    accountId: string;
    planCode: string;
    at: Date;
    because: string | null;
    cause: string;
    actor: string;
  }): Promise<LifeRow> {
    if (!db.inTransaction()) throw new Error('moveToFreePlan must run inside the caller’s transaction');
    const [row] = await lifecycle.load([input.accountId], true);
    if (!row) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const plan = policyOf(row.policyVersionId).plans.find((p) => p.code === input.planCode);
    if (plan?.kind !== 'free' || plan.freePeriodDays)
      throw new AppError(lifecycleErrors.unknown_plan, { details: { plan: input.planCode } });
    if (row.state === 'free' && row.planCode === input.planCode) return row;
    if (row.state !== 'active')
      throw new AppError(lifecycleErrors.not_activatable, { details: { state: row.state } });
    await db.q.execute(sql`
      update account_states set state = 'free', plan_code = ${input.planCode},
             free_ends_at = null,
             state_since = ${input.at.toISOString()}, changed_at = ${input.at.toISOString()}
      where account_id = ${input.accountId}`);
    await eventLog.append([
      {
        chainId: input.accountId,
        type: 'account.state_changed',
        clause: input.because,
        actor: input.actor,
        cause: input.cause,
        occurredAt: input.at,
        data: { from: row.state, to: 'free', fromPlan: row.planCode, toPlan: input.planCode },
      },
    ]);
    await lifecycle.announceChanged([input.accountId]);
    return {
      ...row,
      state: 'free',
      planCode: input.planCode,
      freeEndsAt: null,
      stateSince: input.at,
      changedAt: input.at,
    };
  }

  return { activatePaidPlan, moveToFreePlan };
}
