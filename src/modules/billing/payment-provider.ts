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
 * Today's only implementation is the in-process sandbox, which answers at once and moves no money, so use
 * cases charge it inside their own transaction: the payment row (whose idempotency key is unique), the
 * invoice and the new period commit together with the charge's outcome, and a crash before the commit is
 * repaired by charging again with the same key.
 *
 * A real gateway (Stripe) must not be called inside a database transaction (a slow network would hold row
 * locks, and a commit failing after the charge would lose the payment). The plan for it:
 * 1. the use case writes the payment row as `pending` with its idempotency key and puts a `billing.charge`
 *    message in the outbox, in one transaction (nothing is active or invoiced yet);
 * 2. the worker sends the charge outside any transaction, with the payment's idempotency key as Stripe's
 *    `Idempotency-Key`, so a re-sent message after a crash is the same charge;
 * 3. Stripe's answer (or its `payment_intent.succeeded` / `payment_intent.payment_failed` webhook) is
 *    applied by the same code that applies the sandbox's answer today: invoice, period, events and mails in
 *    one transaction, keyed by the payment row, so applying it twice changes nothing.
 * The `status` of a payment then gains `pending`; an on-session order answers 202 and the customer's
 * 3-D Secure step (`requires_action`) is finished in the browser before step 3.
 */
export type PaymentProvider = {
  readonly id: string;
  /** Tokenises a card; throws a `CardError` when the card is invalid or declined at once. */
  attach(card: CardInput, on: { year: number; month: number }): Promise<AttachedCard>;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Gives money back for a succeeded charge; repeated with the same idempotency key, refunds once. */
  refund(request: RefundRequest): Promise<RefundResult>;
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
