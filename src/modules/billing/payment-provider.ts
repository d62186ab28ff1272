import {
  type AttachedCard,
  type CardInput,
  type ChargeRequest,
  type ChargeResult,
  makeSandboxProvider,
  type RefundRequest,
  type RefundResult,
} from './sandbox-provider.ts';

export {
  type AttachedCard,
  CardError,
  type CardInput,
  type ChargeRequest,
  type ChargeResult,
  type RefundRequest,
  type RefundResult,
} from './sandbox-provider.ts';

/**
 * The payment gateway billing talks to: it turns a card into a reference (the operator never keeps the
 * number) and charges a reference. A charge repeated with the same idempotency key must return the first
 * result and never move money twice.
 *
 * Two kinds, one way of settling (`charge-payments.ts`): every charge first writes its payment row as
 * `pending` under an idempotency key naming the intent (unique in `payments`), and its outcome is applied by
 * the use case's settle function (`applyOrderCharge`, `applyRenewalCharge`): invoice, period, plan, events
 * with their clauses, mails and the next renewal, keyed by the payment row, so applying twice changes nothing.
 *
 * - The in-process sandbox answers at once and moves no money, so the use case charges it inside its own
 *   transaction and settles it there: a crash before the commit is repaired by charging again with the same key.
 * - A `remote` gateway (Stripe) is never called inside a database transaction (a slow network would hold row
 *   locks, and a commit failing after the charge would lose the payment). The use case writes the pending
 *   payment and its `payment_charges` row in one transaction; the charge runner (worker, or the order request
 *   right after its commit) sends it outside any transaction with the payment's idempotency key as Stripe's
 *   `Idempotency-Key`, so a re-send after a crash is the same charge; the answer, or the signed webhook
 *   (`payment_intent.succeeded` / `payment_intent.payment_failed`), whichever comes first, is settled.
 *   An on-session order whose card needs 3-D Secure answers 202 with the PaymentIntent's client secret; the
 *   browser finishes the authentication and the webhook settles it.
 *
 * Accounts on a test clock always use the sandbox (their time is not the gateway's time).
 */
export type PaymentProvider = {
  readonly id: string;
  /** Over the network: charged outside transactions by the charge runner. Absent or false: in process. */
  readonly remote?: boolean;
  /** Tokenises a card; throws a `CardError` when the card is invalid or declined at once. */
  attach(card: CardInput, on: { year: number; month: number }): Promise<AttachedCard>;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Gives money back for a succeeded charge; repeated with the same idempotency key, refunds once. */
  refund(request: RefundRequest): Promise<RefundResult>;
  /**
   * Cancels a charge left waiting for the customer (3-D Secure never finished), so it can no longer take
   * money; answers the charge's final state (it may have succeeded meanwhile). Remote gateways only.
   */
  cancel?(providerRef: string): Promise<ChargeResult>;
};

/** The sandbox gateway behind the `PaymentProvider` interface (test cards: `sandbox-provider.ts`). */
export function sandboxPaymentProvider(): PaymentProvider {
  const sandbox = makeSandboxProvider();
  return {
    id: sandbox.id,
    attach: async (card, on) => sandbox.attach(card, on),
    charge: async (request) => sandbox.charge(request),
    refund: async (request) => sandbox.refund(request),
  };
}

const sandbox = sandboxPaymentProvider();

/**
 * The card gateway of an account: the configured one (`provider`), except that accounts on a test clock use
 * the sandbox whenever the configured gateway is a remote one.
 */
export function gatewayFor(deps: { provider: PaymentProvider }, clockId: string | null): PaymentProvider {
  return clockId !== null && deps.provider.remote ? sandbox : deps.provider;
}

/** The gateway that took a payment (`payments.provider`), for its refund; null when it is not configured. */
export function gatewayById(deps: { provider: PaymentProvider }, id: string): PaymentProvider | null {
  if (deps.provider.id === id) return deps.provider;
  return id === sandbox.id ? sandbox : null;
}
