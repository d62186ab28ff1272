export { makePlanChanges, type PlanChanges } from './change-plan.ts';
export {
  ACCOUNT_CHANGED,
  type AccountContact,
  FREE_END,
  type Lifecycle,
  type LifeRow,
  makeLifecycle,
  TRIAL_END,
} from './lifecycle.ts';
export { lifecycleErrors } from './lifecycle-errors.ts';
export { canActivatePaidPlan, type Entitlements, entitlementsOf, windowEndsAt } from './lifecycle-rules.ts';
export { type AccountState, accountStatesList } from './lifecycle-schema.ts';
