import { and, eq } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { payments } from './billing-schema.ts';
import { type ChargeSettlers, firstDelivery, paymentForUpdate, settleCharge } from './charge-payments.ts';
import { outcomeOf, type StripeEvent } from './providers/stripe-provider.ts';
import { failRefund, hurryRefundsOf, pendingRefundByKey, settleRefund } from './refund-payment.ts';

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
  if (event.type.startsWith('refund.') || event.type === 'charge.refunded')
    return applyRefundEvent(deps, event);
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

/**
 * Refund events. `refund.created` / `refund.updated` of a refund of ours (`metadata.klauzula_intent` is its key
 * `refund:<payment>`) with status `succeeded` settle the pending refund through the same `settleRefund` as the
 * runner's answer, so whichever comes first applies and the other changes nothing; a refund of ours this
 * database does not know (yet) is refused with 409 and not recorded, so Stripe delivers it again. A refund
 * Stripe reports `failed` or `canceled` (even after it succeeded) fails through `failRefund`: the money is owed
 * again, staff see `payment.refund_failed`, lifecycle's obligation is due again. `charge.refunded`
 * names no refund: the payment's pending refunds are made due now, and the runner's re-send under their keys
 * gets Stripe's Refund and settles them. The event id is recorded in the same transaction: a replay changes
 * nothing.
 */
async function applyRefundEvent(deps: BillingDeps, event: StripeEvent): Promise<WebhookResult> {
  const object = event.data.object as {
    id?: string;
    object?: string;
    status?: string;
    payment_intent?: string | null;
    metadata?: Record<string, string> | null;
  };
  return deps.db.transaction(async () => {
    if (
      !(await firstDelivery(deps, {
        provider: 'stripe',
        eventId: event.id,
        type: event.type,
        paymentId: null,
      }))
    )
      return 'duplicate';
    if (event.type === 'charge.refunded') {
      if (object.object !== 'charge' || !object.payment_intent) return 'ignored';
      const [payment] = await deps.db.q
        .select()
        .from(payments)
        .where(and(eq(payments.provider, 'stripe'), eq(payments.providerRef, object.payment_intent)));
      if (!payment) return 'ignored';
      return (await hurryRefundsOf(deps, payment.id)) > 0 ? 'applied' : 'no_change';
    }
    const key = object.metadata?.klauzula_intent ?? '';
    if (object.object !== 'refund' || !object.id || !key.startsWith('refund:')) return 'ignored';
    const refund = await pendingRefundByKey(deps, key);
    if (!refund)
      throw new AppError(billingErrors['billing.webhook_not_applicable'], {
        details: { event: event.id, problem: `refund ${key} is not known yet` },
      });
    // Stripe's time of the change (the event's), for when the money went back.
    const created = (event as { created?: unknown }).created;
    const at = typeof created === 'number' ? new Date(created * 1000) : undefined;
    const cause = `stripe:${event.id}`;
    if (object.status === 'failed' || object.status === 'canceled') {
      const reason = (object as { failure_reason?: string | null }).failure_reason;
      const failure = `stripe refund ${object.status}${reason ? `: ${reason}` : ''}`;
      return (await failRefund(deps, refund.id, { providerRef: object.id, failure, cause, at }))
        ? 'applied'
        : 'no_change';
    }
    if (object.status !== 'succeeded') return 'no_change';
    return (await settleRefund(deps, refund.id, { providerRef: object.id, cause, at }))
      ? 'applied'
      : 'no_change';
  });
}
