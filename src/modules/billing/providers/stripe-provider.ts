import Stripe from 'stripe';
import type { PaymentProvider } from '../payment-provider.ts';
import { CardError, type ChargeResult } from '../sandbox-provider.ts';

export type StripeConfig = {
  /** `sk_live_…` / `sk_test_…` (env STRIPE_SECRET_KEY; never in the policy). */
  secretKey: string;
  /** The webhook endpoint's signing secret `whsec_…` (env STRIPE_WEBHOOK_SECRET). */
  webhookSecret: string;
  /** Another API origin than https://api.stripe.com (a local server in tests), e.g. `http://127.0.0.1:12111`. */
  apiUrl?: string | undefined;
};

/** The Stripe event fields billing reads; the rest of the event is ignored. */
export type StripeEvent = {
  id: string;
  type: string;
  data: { object: Record<string, unknown> };
};

export type StripeGateway = PaymentProvider & {
  /**
   * Verifies a webhook's `Stripe-Signature` over the raw body with the endpoint secret (HMAC-SHA256 of
   * `t.payload`, within 5 minutes of `receivedAt`) and returns the event; throws when it does not verify.
   */
  verifyWebhook(rawBody: string, signature: string, receivedAt: Date): StripeEvent;
};

/** Stripe's card error codes as billing's failure codes (the sandbox's, where they mean the same). */
function failureCodeOf(error: { code?: string | undefined; decline_code?: string | undefined }): string {
  if (error.decline_code === 'insufficient_funds') return 'insufficient_funds';
  if (error.code === 'expired_card' || error.decline_code === 'expired_card') return 'expired_card';
  if (error.code === 'authentication_required' || error.decline_code === 'authentication_required')
    return 'authentication_required';
  return error.code ?? 'card_declined';
}

/**
 * The Stripe adapter, on the official client. A card becomes a PaymentMethod attached to a Customer of its
 * own, so it can be charged later without the customer (off-session renewals); the operator keeps only the
 * `pm_…` id and what the policy allows of brand, last four digits and expiry (BK-BIL-05). A charge is a
 * PaymentIntent confirmed at once, created under the payment's idempotency key with the payment's id in
 * its metadata (`klauzula_payment`), which is how its webhooks find the payment again. A refund is a Refund
 * of the PaymentIntent under the refund's idempotency key.
 */
export function makeStripeProvider(config: StripeConfig): StripeGateway {
  const url = config.apiUrl ? new URL(config.apiUrl) : null;
  const stripe = new Stripe(config.secretKey, {
    maxNetworkRetries: 0,
    timeout: 20_000,
    telemetry: false,
    ...(url
      ? {
          host: url.hostname,
          port: url.port || (url.protocol === 'http:' ? 80 : 443),
          protocol: url.protocol === 'http:' ? ('http' as const) : ('https' as const),
        }
      : {}),
  });

  const isCardError = (error: unknown): error is InstanceType<typeof Stripe.errors.StripeCardError> =>
    error instanceof Stripe.errors.StripeCardError;

  return {
    id: 'stripe',
    remote: true,

    async attach(card, _on, options) {
      // Under the caller's key (`:pm`, `:customer`), a retried registration gets Stripe's first answers back.
      const key = options?.idempotencyKey;
      try {
        const method = await stripe.paymentMethods.create(
          {
            type: 'card',
            card: {
              number: card.number.replace(/[\s-]/g, ''),
              exp_month: card.expMonth,
              exp_year: card.expYear,
              ...(card.cvc ? { cvc: card.cvc } : {}),
            },
          },
          key ? { idempotencyKey: `${key}:pm` } : {},
        );
        // A customer of its own holds the card, so it can be charged off-session later.
        await stripe.customers.create(
          { payment_method: method.id },
          key ? { idempotencyKey: `${key}:customer` } : {},
        );
        return {
          providerRef: method.id,
          brand: method.card?.brand ?? 'card',
          last4: method.card?.last4 ?? '',
          expMonth: method.card?.exp_month ?? card.expMonth,
          expYear: method.card?.exp_year ?? card.expYear,
        };
      } catch (error) {
        if (!isCardError(error)) throw error;
        const code = error.code ?? '';
        if (code === 'incorrect_number' || code === 'invalid_number') throw new CardError('invalid_number');
        if (code === 'invalid_expiry_month' || code === 'invalid_expiry_year')
          throw new CardError('invalid_expiry');
        const failure = failureCodeOf(error);
        throw new CardError(
          failure === 'insufficient_funds' || failure === 'expired_card' ? failure : 'card_declined',
        );
      }
    },

    async charge(request): Promise<ChargeResult> {
      let method: Awaited<ReturnType<typeof stripe.paymentMethods.retrieve>>;
      try {
        method = await stripe.paymentMethods.retrieve(request.methodRef);
      } catch (error) {
        // A card Stripe does not have (deleted, or saved with another gateway) can never be charged.
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing')
          return { status: 'failed', providerRef: null, failureCode: 'payment_method_missing' };
        throw error;
      }
      const customer = typeof method.customer === 'string' ? method.customer : (method.customer?.id ?? null);
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: Number(request.amount.amount),
            currency: request.amount.currency.toLowerCase(),
            payment_method: request.methodRef,
            // Cards only, confirmed here: no redirect-based method, so no return URL is needed.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            confirm: true,
            ...(customer ? { customer } : {}),
            ...(request.offSession ? { off_session: true } : {}),
            metadata: {
              klauzula_payment: request.reference ?? '',
              klauzula_intent: request.idempotencyKey,
            },
          },
          { idempotencyKey: request.idempotencyKey },
        );
        return outcomeOf(intent);
      } catch (error) {
        if (!isCardError(error)) throw error;
        const raw = error.raw as { payment_intent?: { id?: string } } | undefined;
        return {
          status: 'failed',
          providerRef: raw?.payment_intent?.id ?? null,
          failureCode: failureCodeOf(error),
        };
      }
    },

    async refund(request) {
      const refund = await stripe.refunds.create(
        {
          payment_intent: request.providerRef,
          amount: Number(request.amount.amount),
          metadata: { klauzula_intent: request.idempotencyKey },
        },
        { idempotencyKey: request.idempotencyKey },
      );
      // Stripe answers `pending` (or `requires_action`) for refunds it confirms later (`refund.updated`).
      if (refund.status === 'failed' || refund.status === 'canceled')
        return {
          status: 'failed',
          providerRef: refund.id,
          failure: `stripe refund ${refund.status}${refund.failure_reason ? `: ${refund.failure_reason}` : ''}`,
        };
      return { status: refund.status === 'succeeded' ? 'succeeded' : 'pending', providerRef: refund.id };
    },

    async cancel(providerRef) {
      try {
        const intent = await stripe.paymentIntents.cancel(providerRef, { cancellation_reason: 'abandoned' });
        return outcomeOf(intent);
      } catch (error) {
        // Succeeded (or failed) meanwhile: its state stands, whatever it is.
        if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
        return outcomeOf(await stripe.paymentIntents.retrieve(providerRef));
      }
    },

    verifyWebhook(rawBody, signature, receivedAt) {
      const event = stripe.webhooks.constructEvent(
        rawBody,
        signature,
        config.webhookSecret,
        300,
        undefined,
        receivedAt.getTime(),
      );
      return event as unknown as StripeEvent;
    },
  };
}

/** A PaymentIntent's state as a charge outcome. */
export function outcomeOf(intent: {
  id: string;
  status: string;
  client_secret?: string | null;
  last_payment_error?: { code?: string | undefined; decline_code?: string | undefined } | null;
}): ChargeResult {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', providerRef: intent.id };
    case 'requires_action':
    case 'requires_confirmation':
      return {
        status: 'requires_action',
        providerRef: intent.id,
        ...(intent.client_secret ? { clientSecret: intent.client_secret } : {}),
      };
    case 'processing':
    case 'requires_capture':
      return { status: 'processing', providerRef: intent.id };
    case 'canceled':
      return { status: 'failed', providerRef: intent.id, failureCode: 'canceled' };
    default:
      return {
        status: 'failed',
        providerRef: intent.id,
        failureCode: failureCodeOf(intent.last_payment_error ?? {}),
      };
  }
}
