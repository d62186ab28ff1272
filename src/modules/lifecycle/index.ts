export {
  type AccountLife,
  CONTRACT_END,
  makeAccountLife,
  type RenewalControl,
  STANDING_CHECK,
  SUSPENSION_END,
  SUSPENSION_START,
} from './account-life.ts';
export {
  type EntitlementExtras,
  type EntitlementsWithExtras,
  entitlementsWithExtras,
} from './add-ons.ts';
export { makePlanChanges, type PlanChanges } from './change-plan.ts';
export { decideCancellation, decideRestore, decideSuspension, endedStates } from './contract-rules.ts';
export { type ContractInForce, contractsInForce } from './contracts-in-force.ts';
export {
  ACCOUNT_CHANGED,
  ACCOUNT_PURGED_EVENT,
  type AccountContact,
  CONTRACT_ENDED_EVENT,
  FREE_END,
  type Lifecycle,
  type LifeFacts,
  type LifeRow,
  makeLifecycle,
  RESTORE_WINDOW_END,
  TRIAL_END,
  TRIAL_ENDING,
  type TransitionDecision,
  type TransitionItem,
} from './lifecycle.ts';
export { lifecycleErrors } from './lifecycle-errors.ts';
export { canActivatePaidPlan, type Entitlements, entitlementsOf, windowEndsAt } from './lifecycle-rules.ts';
export { type AccountState, accountStatesList } from './lifecycle-schema.ts';
export {
  BLOCK_CLARIFICATION,
  type CustomerFacts,
  makeOperatorActions,
  OPERATOR_TERMINATION,
  type OperatorActionRow,
  type OperatorActions,
} from './operator-actions.ts';
export { operatorActionErrors } from './operator-actions-errors.ts';
export { type RestrictionInForce, withRestrictions } from './operator-actions-rules.ts';
export type { BillingForLifecycle, RefundObligationRow } from './refund-obligations.ts';
export { settleObligationsOfRefund } from './refund-obligations.ts';
export { type RetentionLifeFacts, retentionLifeFacts } from './retention-facts.ts';
export {
  decideStanding,
  mayTerminateForNonPayment,
  nonPaymentLadder,
  type PaymentStanding,
  unpaidAnchorOf,
} from './standing-rules.ts';
export { makeWithdrawals, WITHDRAWAL_REFUND_DEADLINE, type Withdrawals } from './withdrawal.ts';
export { decideWithdrawal, materialDefectPeriods } from './withdrawal-rules.ts';
