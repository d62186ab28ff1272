import type { Policy } from '../../policy/index.ts';
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
  /**
   * With `idempotencyKey`, a repeated call (a retried request) registers the card once: a remote gateway
   * answers the repeat with the objects it created the first time.
   */
  attach(
    card: CardInput,
    on: { year: number; month: number },
    options?: { idempotencyKey?: string | undefined },
  ): Promise<AttachedCard>;
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Gives money back for a succeeded charge; repeated with the same idempotency key, refunds once. */
  refund(request: RefundRequest): Promise<RefundResult>;
  /**
   * Cancels a charge left waiting for the customer (3-D Secure never finished), so it can no longer take
   * money; answers the charge's final state (it may have succeeded meanwhile). Remote gateways only.
   */
  cancel?(providerRef: string): Promise<ChargeResult>;
  /**
   * A redirect gateway (PayPal; the sandbox's redirect mode): `charge` answers `requires_action` with the
   * URL the buyer is sent to, and the money is taken by `capture` once the buyer approved (MOC-BIL-01).
   */
  readonly redirect?: boolean;
  /** Captures an approved redirect payment; null while the buyer has not approved it. */
  capture?(providerRef: string, idempotencyKey: string): Promise<ChargeResult | null>;
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
export function gatewayById(
  deps: { provider: PaymentProvider; redirectGateways?: readonly PaymentProvider[] | undefined },
  id: string,
): PaymentProvider | null {
  if (deps.provider.id === id) return deps.provider;
  const redirect = deps.redirectGateways?.find((g) => g.id === id);
  if (redirect) return redirect;
  return id === sandbox.id ? sandbox : null;
}

/**
 * The gateways Klauzula integrates, by the id a policy's `billing.paymentProviders` names them with, and the
 * environment variables that hold their secrets (never the policy). Other ids (`card` where the terms name no
 * acquirer, `bank_transfer`, redirects such as `paysera`) need no secrets here.
 */
export const INTEGRATED_GATEWAYS = {
  stripe: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
  tpay: ['TPAY_CLIENT_ID', 'TPAY_CLIENT_SECRET'],
  paypal: ['PAYPAL_CLIENT_ID', 'PAYPAL_CLIENT_SECRET', 'PAYPAL_WEBHOOK_ID'],
} as const;
export type IntegratedGateway = keyof typeof INTEGRATED_GATEWAYS;

/**
 * What stops the server from starting with this policy and these gateway secrets, one line each: a gateway the
 * policy names whose secrets are missing (it would otherwise silently take nothing, or take cards in the
 * sandbox), and secrets for a gateway the policy does not name (it would take payments the terms do not
 * mention). `sandbox` (`KLAUZULA_PAYMENTS=sandbox`, for demos and development) accepts missing secrets: every
 * card then goes to the sandbox, explicitly.
 */
export function gatewayConfigProblems(
  policy: Pick<Policy, 'billing'>,
  configured: Partial<Record<IntegratedGateway, boolean>>,
  options: { sandbox: boolean },
): string[] {
  const named = new Set(policy.billing.paymentProviders.map((p) => p.id));
  const problems: string[] = [];
  for (const [id, variables] of Object.entries(INTEGRATED_GATEWAYS) as [
    IntegratedGateway,
    readonly string[],
  ][]) {
    if (named.has(id) && !configured[id] && !options.sandbox)
      problems.push(
        `the policy's billing.paymentProviders names ${id}, but ${variables.join(' and ')} are not set (set them, or KLAUZULA_PAYMENTS=sandbox to take payments in the sandbox)`,
      );
    if (!named.has(id) && configured[id])
      problems.push(
        `${variables[0]} is set, but the policy's billing.paymentProviders does not name ${id} (add { id: ${id}, … } to take payments through it)`,
      );
  }
  return problems;
}

/**
 * The card gateway of a policy (the provider holding customers' cards, `cardProviderOf`): Stripe when the
 * policy names `stripe` and it is configured; otherwise the sandbox (a policy naming no integrated card
 * gateway, a demo run with `KLAUZULA_PAYMENTS=sandbox`, or tests). Start-up refuses a policy naming Stripe
 * without its secrets (`gatewayConfigProblems`), so this never stands in for a missing key in production.
 * Accounts on a test clock use the sandbox whatever this is (`gatewayFor`).
 */
export function cardGatewayOf(
  policy: Pick<Policy, 'billing'>,
  gateways: { stripe: PaymentProvider | null; sandbox: PaymentProvider },
): PaymentProvider {
  const card = policy.billing.paymentProviders.find((p) => p.storedCardFields.includes('provider_card_id'));
  return card?.id === 'stripe' && gateways.stripe ? gateways.stripe : gateways.sandbox;
}
