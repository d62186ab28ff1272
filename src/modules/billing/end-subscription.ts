import type { BillingDeps } from './billing-context.ts';
import { RENEW } from './billing-context.ts';
import type { SubscriptionRow } from './billing-store.ts';

/**
 * Ends the account's live subscription at `at` because its contract ended early (an operator's termination,
 * a withdrawal): nothing is renewed or charged for it again, and its pending renewal is dropped. Joins the
 * caller's transaction; an account without a live subscription changes nothing. The refund of the unused or
 * whole period is the caller's (a reason from the closed list, through `refundPayment`).
 */
export async function endSubscription(
  deps: BillingDeps,
  input: { accountId: string; at: Date; because: string | null; cause: string; actor: string },
): Promise<SubscriptionRow | null> {
  const subscription = await deps.store.liveSubscription(input.accountId, true);
  if (!subscription) return null;
  const ended = await deps.store.updateSubscription(subscription.id, {
    status: 'ended',
    updatedAt: input.at,
  });
  await deps.dueWork.cancel(input.accountId, RENEW, subscription.id);
  await deps.eventLog.append([
    {
      chainId: input.accountId,
      type: 'subscription.ended',
      clause: input.because,
      actor: input.actor,
      cause: input.cause,
      occurredAt: input.at,
      data: {
        subscription: subscription.id,
        plan: subscription.planCode,
        paidThrough: subscription.paidThrough,
      },
    },
  ]);
  return ended;
}
