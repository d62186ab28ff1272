import { createHash, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import type { Policy } from '../../policy/index.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { paymentCharges, payments } from './billing-schema.ts';
import type { PaymentRow } from './billing-store.ts';
import { cardProviderOf } from './card-rules.ts';
import {
  type ChargeOutcome,
  type ChargeSettlers,
  type ChargeState,
  firstDelivery,
  paymentForUpdate,
  sendCharge,
  settleCharge,
} from './charge-payments.ts';
import { type ChargeResult, gatewayById, type PaymentProvider } from './payment-provider.ts';
import type { PaypalEvent } from './providers/paypal-gateway.ts';
import type { WebhookResult } from './webhook-stripe.ts';

/**
 * Redirect payments (MOC-BIL-01: "payments run only by redirect to Paysera or PayPal; the platform never
 * requests or stores card data, only the processor's transaction reference").
 *
 * They ride on the remote-charge machinery of `charge-payments.ts`: an order writes its `pending` payment
 * and its `payment_charges` row under the intent's idempotency key; sending the charge creates the order
 * at the gateway and leaves it `awaiting_customer` with the buyer's redirect URL (kept with the charge, so a
 * repeated request answers the same URL). The money is taken when the buyer comes back (`completeRedirect`)
 * or when the gateway's signed webhook says the order was approved or captured (`applyPaypalEvent`),
 * whichever comes first; both capture under the same `PayPal-Request-Id`, so money moves once, and both end
 * in the one settle function of the charge's purpose. A buyer who cancels on the gateway's page, or never
 * comes back (the charge runner's abandonment after an hour), leaves a failed payment; the next attempt is a
 * new payment under `<intent>:<n>`. The payment row keeps the gateway's order id, then its capture id (what
 * a refund needs) — nothing else of the buyer's payment.
 */

/** The ids of the redirect gateways a policy may name (Paysera is named by MOC but not integrated yet). */
export const REDIRECT_GATEWAY_IDS = ['paypal', 'paysera'] as const;

/** The sandbox's redirect mode: an approval page on the portal that the test or the user approves or declines. */
export const SANDBOX_REDIRECT = 'sandbox_redirect';

/**
 * Whether the policy's terms take payments only by redirect (no gateway that keeps a card, and a redirect
 * gateway named): MyOwnConference. Orders, renewals and plan changes then pay by redirect.
 */
export function paysByRedirectOnly(policy: Pick<Policy, 'billing'>): boolean {
  return (
    cardProviderOf(policy as Policy) === null &&
    policy.billing.paymentProviders.some((p) => (REDIRECT_GATEWAY_IDS as readonly string[]).includes(p.id))
  );
}

const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

/**
 * The sandbox's redirect gateway: `charge` answers an approval page on the portal
 * (`/v1/sandbox/redirect-payments/<payment>?token=…`, the token being the charge's secret `methodRef`),
 * where approving captures (`cap_sandbox_…`) and declining fails the payment. It moves no money; a refund
 * always succeeds. Accounts on a test clock, and a demo with `KLAUZULA_PAYMENTS=sandbox`, pay through it.
 */
export function makeSandboxRedirectGateway(portalUrl: string): PaymentProvider {
  const portal = portalUrl.replace(/\/+$/, '');
  return {
    id: SANDBOX_REDIRECT,
    remote: true,
    redirect: true,
    attach: async () => {
      throw new Error('the sandbox redirect gateway takes no card data');
    },
    charge: async (request) => {
      const reference = request.reference ?? request.idempotencyKey;
      return {
        status: 'requires_action',
        providerRef: `order_sandbox_${short(request.idempotencyKey)}`,
        redirectUrl: `${portal}/v1/sandbox/redirect-payments/${encodeURIComponent(reference)}?token=${encodeURIComponent(request.methodRef)}`,
      };
    },
    // The buyer's decision arrives through the approval page (`decideSandboxRedirect`): nothing to capture here.
    capture: async () => null,
    cancel: async (providerRef) => ({ status: 'failed', providerRef, failureCode: 'canceled' }),
    refund: async (request) => ({
      status: 'succeeded',
      providerRef: `re_sandbox_${short(request.idempotencyKey)}`,
    }),
  };
}

/**
 * The redirect gateway an account pays through: the sandbox's redirect mode for an account on a test clock;
 * otherwise the first configured gateway the terms name (`preferred` first). With none configured (start-up
 * refuses a policy naming PayPal without its secrets unless `KLAUZULA_PAYMENTS=sandbox`), the sandbox.
 */
export function redirectGatewayFor(
  deps: Pick<BillingDeps, 'redirectGateways'>,
  policy: Pick<Policy, 'billing'>,
  clockId: string | null,
  preferred?: string | null,
): PaymentProvider {
  const all = deps.redirectGateways ?? [];
  const sandbox = all.find((g) => g.id === SANDBOX_REDIRECT);
  if (!sandbox) throw new Error('the sandbox redirect gateway is not wired');
  if (clockId !== null) return sandbox;
  const named = policy.billing.paymentProviders.map((p) => p.id);
  const order = preferred ? [preferred, ...named.filter((id) => id !== preferred)] : named;
  for (const id of order) {
    const gateway = all.find((g) => g.id === id && g.id !== SANDBOX_REDIRECT);
    if (gateway) return gateway;
  }
  return sandbox;
}

async function paymentById(deps: BillingDeps, paymentId: string): Promise<PaymentRow | null> {
  const [row] = await deps.db.q.select().from(payments).where(eq(payments.id, paymentId));
  return row ?? null;
}

/** The payment a buyer's return or cancel names, if it really is the one of that gateway order. */
async function paymentOfOrder(deps: BillingDeps, paymentId: string, orderRef: string): Promise<PaymentRow> {
  const payment = await paymentById(deps, paymentId);
  if (payment && payment.providerRef !== null && payment.providerRef === orderRef) return payment;
  if (payment) {
    // Settled: the payment's reference is the capture's now; the order is the one the charge recorded.
    const [charge] = await deps.db.q
      .select()
      .from(paymentCharges)
      .where(eq(paymentCharges.paymentId, payment.id));
    if ((charge?.request as { orderRef?: string } | undefined)?.orderRef === orderRef) return payment;
  }
  throw notFound(paymentId);
}

function notFound(paymentId: string): AppError {
  return new AppError(billingErrors['billing.payment_not_found'], { details: { id: paymentId } });
}

/** A capture's answer as the settle function takes it; null while there is nothing final to apply. */
function outcomeOf(result: ChargeResult | null): ChargeOutcome | null {
  if (!result) return null;
  if (result.status === 'succeeded' || result.status === 'failed') return result;
  return null;
}

/**
 * The buyer came back from the gateway (`return_url`, `?payment=<id>&token=<order>`): the order is captured
 * (outside any transaction, under the payment's capture key, so a repeat or the webhook takes no second
 * payment) and settled. An order not approved yet changes nothing. Returns the payment's state.
 */
export async function completeRedirect(
  deps: BillingDeps,
  settlers: ChargeSettlers,
  input: { paymentId: string; orderRef: string },
): Promise<ChargeState> {
  if (deps.db.inTransaction()) throw new Error('completeRedirect must not run inside a transaction');
  const payment = await paymentOfOrder(deps, input.paymentId, input.orderRef);
  const gateway = gatewayById(deps, payment.provider);
  if (payment.status === 'pending' && gateway?.redirect && gateway.capture) {
    let result: ChargeResult | null;
    try {
      result = await gateway.capture(input.orderRef, payment.idempotencyKey);
    } catch {
      throw new AppError(billingErrors['billing.gateway_unavailable'], { details: { provider: gateway.id } });
    }
    const outcome = outcomeOf(result);
    if (outcome) await settleCharge(deps, settlers, payment.id, outcome);
  }
  return sendCharge(deps, settlers, payment.id);
}

/**
 * The buyer left the gateway's page (`cancel_url`): the order is read back (a buyer may have paid in
 * another tab), and an order neither approved nor captured fails the payment (`payment_cancelled`), so a
 * new attempt can start. Anyone can call a cancel URL, so it never fails a payment the gateway says is paid.
 */
export async function cancelRedirect(
  deps: BillingDeps,
  settlers: ChargeSettlers,
  input: { paymentId: string; orderRef: string },
): Promise<ChargeState> {
  if (deps.db.inTransaction()) throw new Error('cancelRedirect must not run inside a transaction');
  const payment = await paymentOfOrder(deps, input.paymentId, input.orderRef);
  const gateway = gatewayById(deps, payment.provider);
  if (payment.status === 'pending' && gateway?.redirect && gateway.cancel) {
    let result: ChargeResult;
    try {
      result = await gateway.cancel(input.orderRef);
    } catch {
      throw new AppError(billingErrors['billing.gateway_unavailable'], { details: { provider: gateway.id } });
    }
    const outcome = outcomeOf(result);
    if (outcome)
      await settleCharge(
        deps,
        settlers,
        payment.id,
        outcome.status === 'failed' ? { ...outcome, failureCode: 'payment_cancelled' } : outcome,
      );
  }
  return sendCharge(deps, settlers, payment.id);
}

/**
 * The sandbox approval page's decision (`POST /v1/sandbox/redirect-payments/:payment/approve|decline`), with
 * the page's token: approving captures, declining fails the payment (`payment_declined_by_buyer`). A wrong
 * token or a payment of another gateway is not found; a payment settled before changes nothing.
 */
export async function decideSandboxRedirect(
  deps: BillingDeps,
  settlers: ChargeSettlers,
  input: { paymentId: string; token: string; approve: boolean },
): Promise<ChargeState> {
  const payment = await paymentById(deps, input.paymentId);
  if (!payment || payment.provider !== SANDBOX_REDIRECT) throw notFound(input.paymentId);
  const [charge] = await deps.db.q
    .select()
    .from(paymentCharges)
    .where(eq(paymentCharges.paymentId, payment.id));
  const expected = Buffer.from(String((charge?.request as { methodRef?: string } | undefined)?.methodRef));
  const given = Buffer.from(input.token);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw notFound(input.paymentId);
  if (payment.status === 'pending')
    await settleCharge(
      deps,
      settlers,
      payment.id,
      input.approve
        ? { status: 'succeeded', providerRef: `cap_sandbox_${short(payment.idempotencyKey)}` }
        : {
            status: 'failed',
            providerRef: payment.providerRef,
            failureCode: 'payment_declined_by_buyer',
          },
    );
  return sendCharge(deps, settlers, payment.id);
}

/**
 * Applies a verified PayPal webhook event (`POST /v1/webhooks/paypal`):
 *
 * - `CHECKOUT.ORDER.APPROVED` (the buyer approved but did not come back): the order is captured, outside any
 *   transaction and under the same key as the buyer's return, then settled.
 * - `PAYMENT.CAPTURE.COMPLETED`: settles the payment named by the capture's `custom_id` as succeeded with the
 *   capture's id — also when it arrives before the approval event (out of order) or after a crash that
 *   followed the capture; `PAYMENT.CAPTURE.DENIED`/`DECLINED` settle it as failed.
 * - The event id goes into `provider_events` in the settling transaction: a replay changes nothing. A
 *   payment this database does not know is refused (409, nothing recorded) so PayPal delivers it again;
 *   other events are acknowledged and ignored.
 */
export async function applyPaypalEvent(
  deps: BillingDeps,
  settlers: ChargeSettlers,
  event: PaypalEvent,
): Promise<WebhookResult> {
  const resource = event.resource as {
    id?: string;
    status?: string;
    custom_id?: string;
    purchase_units?: { custom_id?: string }[];
    supplementary_data?: { related_ids?: { order_id?: string } };
  };
  const paymentId =
    event.event_type === 'CHECKOUT.ORDER.APPROVED'
      ? (resource.purchase_units?.[0]?.custom_id ?? null)
      : event.event_type.startsWith('PAYMENT.CAPTURE.')
        ? (resource.custom_id ?? null)
        : null;
  let outcome: ChargeOutcome | null = null;
  if (paymentId && resource.id) {
    const payment = await paymentById(deps, paymentId);
    if (!payment)
      throw new AppError(billingErrors['billing.webhook_not_applicable'], {
        details: { event: event.id, problem: `payment ${paymentId} is not known yet` },
      });
    if (event.event_type === 'CHECKOUT.ORDER.APPROVED') {
      const gateway = gatewayById(deps, payment.provider);
      if (payment.status === 'pending' && gateway?.capture && payment.providerRef === resource.id) {
        // Captured outside any transaction; PayPal answers a repeated capture with the first one.
        outcome = outcomeOf(await gateway.capture(resource.id, payment.idempotencyKey));
      }
    } else if (event.event_type === 'PAYMENT.CAPTURE.COMPLETED') {
      outcome = { status: 'succeeded', providerRef: resource.id };
    } else if (
      event.event_type === 'PAYMENT.CAPTURE.DENIED' ||
      event.event_type === 'PAYMENT.CAPTURE.DECLINED'
    ) {
      outcome = { status: 'failed', providerRef: resource.id, failureCode: 'paypal_declined' };
    }
  }
  return deps.db.transaction(async () => {
    if (
      !(await firstDelivery(deps, {
        provider: 'paypal',
        eventId: event.id,
        type: event.event_type,
        paymentId,
      }))
    )
      return 'duplicate';
    if (!paymentId) return 'ignored';
    const payment = await paymentForUpdate(deps, paymentId);
    if (payment?.provider !== 'paypal') return 'ignored';
    if (payment.status !== 'pending') {
      if (outcome?.status === 'succeeded' && payment.status === 'failed')
        await deps.eventLog.append([
          {
            chainId: payment.accountId,
            type: 'payment.succeeded_after_decline',
            clause: null,
            actor: 'system',
            cause: `paypal:${event.id}`,
            occurredAt: await deps.timeOf(null),
            data: { payment: payment.id, providerRef: outcome.providerRef },
          },
        ]);
      return 'no_change';
    }
    if (!outcome) return 'ignored';
    return (await settleCharge(deps, settlers, payment.id, outcome)) ? 'applied' : 'no_change';
  });
}
