import { AppError } from '../../platform/errors.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { type ChargeSettlers, firstDelivery, paymentForUpdate, settleCharge } from './charge-payments.ts';
import { outcomeOf, type StripeEvent } from './providers/stripe-provider.ts';

export type WebhookResult = 'applied' | 'duplicate' | 'ignored' | 'no_change';

/**
 * Applies a verified Stripe event (`POST /v1/webhooks/stripe`).
 *
 * - `payment_intent.succeeded`, `payment_intent.payment_failed` and `payment_intent.canceled` settle the
 *   payment named by the intent's
 *   `metadata.klauzula_payment` through the same settle function as the charge's own answer, so whichever of
 *   the two comes first applies and the other changes nothing. A success arriving while the payment is
 *   still pending (the app has not recorded the charge's answer, e.g. it crashed after sending) is applied.
 *   A decline arriving after the success changes nothing (states never regress); a success after a
 *   recorded decline changes nothing either, but is logged (`payment.succeeded_after_decline`) for staff.
 * - The event id is recorded in `provider_events` in the same transaction: a replayed event changes nothing.
 * - An intent of ours whose payment this database does not have (yet) is refused with 409 and nothing is
 *   recorded, so Stripe re-delivers it later instead of it being lost; intents without our metadata and
 *   other event types are acknowledged and ignored.
 */
export async function applyStripeEvent(
  deps: BillingDeps,
  settlers: ChargeSettlers,
  event: StripeEvent,
): Promise<WebhookResult> {
  const object = event.data.object as {
    id?: string;
    object?: string;
    status?: string;
    metadata?: Record<string, string> | null;
    client_secret?: string | null;
    last_payment_error?: { code?: string; decline_code?: string } | null;
  };
  const paymentId =
    object.object === 'payment_intent' ? (object.metadata?.klauzula_payment ?? '') || null : null;
  const relevant =
    paymentId !== null &&
    (event.type === 'payment_intent.succeeded' ||
      event.type === 'payment_intent.payment_failed' ||
      event.type === 'payment_intent.canceled');
  return deps.db.transaction(async () => {
    if (!(await firstDelivery(deps, { provider: 'stripe', eventId: event.id, type: event.type, paymentId })))
      return 'duplicate';
    if (!relevant || !object.id) return 'ignored';
    const payment = await paymentForUpdate(deps, paymentId);
    if (!payment)
      throw new AppError(billingErrors['billing.webhook_not_applicable'], {
        details: { event: event.id, problem: `payment ${paymentId} is not known yet` },
      });
    if (payment.status !== 'pending') {
      // Money Stripe says it took for a payment recorded as declined is never applied silently (the period
      // may have been retried or ended since): it is put on record for staff to refund or book.
      if (event.type === 'payment_intent.succeeded' && payment.status === 'failed')
        await deps.eventLog.append([
          {
            chainId: payment.accountId,
            type: 'payment.succeeded_after_decline',
            clause: null,
            actor: 'system',
            cause: `stripe:${event.id}`,
            occurredAt: await deps.timeOf(null),
            data: { payment: payment.id, providerRef: object.id },
          },
        ]);
      return 'no_change';
    }
    const outcome =
      event.type === 'payment_intent.succeeded'
        ? ({ status: 'succeeded', providerRef: object.id } as const)
        : outcomeOf({
            id: object.id,
            status: event.type === 'payment_intent.canceled' ? 'canceled' : 'requires_payment_method',
            last_payment_error: object.last_payment_error ?? null,
          });
    if (outcome.status !== 'succeeded' && outcome.status !== 'failed') return 'no_change';
    return (await settleCharge(deps, settlers, payment.id, outcome)) ? 'applied' : 'no_change';
  });
}
