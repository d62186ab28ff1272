import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import type { Policy } from '../../policy/index.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import type { PaymentMethodRow } from './billing-store.ts';
import { cardFieldsToKeep, cardProviderOf, type KeptCard, offersRecurring } from './card-rules.ts';
import { CardError, type CardInput, gatewayFor } from './payment-provider.ts';

/**
 * Saves a card for an account: the gateway tokenises it and only what the policy's provider lets the
 * operator keep is stored (BK-BIL-05: last four digits and the card id; CM-BIL-02: with brand and expiry),
 * never the number. With `recurringConsent` the customer's consent to automatic charges is recorded with
 * its time (CM-BIL-02, BK-BIL-05); without it, renewals never charge the card. A card saved with consent
 * while a subscription runs becomes the card its renewals charge (the customer's "change card").
 *
 * Guarantees: a card the gateway refuses stores nothing (`billing.card_invalid` for a bad number or expiry,
 * `billing.payment_declined` for a decline); the method and its `payment_method.added` event commit
 * together. Leaves to the caller: who may do this (the owner, a billing user or the operator).
 */
export async function addPaymentMethod(
  deps: BillingDeps,
  input: {
    accountId: string;
    card: CardInput;
    recurringConsent: boolean;
    actor: string;
    /** The card registered at the gateway before the request's transaction (`prepareCard`). */
    prepared?: PreparedCard | null | undefined;
  },
): Promise<PaymentMethodRow> {
  const life = await deps.lifecycle.get(input.accountId);
  const policy = deps.policyOf(life.policyVersionId);
  const now = await deps.timeOf(life.clockId);
  // A test clock's account keeps its cards at the sandbox even where a real gateway is configured.
  const gateway = gatewayFor(deps, life.clockId);
  const attached =
    input.prepared?.provider === gateway.id
      ? input.prepared.result
      : await attachCard({ provider: gateway }, policy, input.card, input.recurringConsent, now);
  if (!attached.ok)
    throw new AppError(billingErrors['billing.payment_declined'], {
      details: { failureCode: attached.failureCode },
    });
  return deps.db.transaction(async () => {
    const method = await saveCard({ ...deps, provider: gateway }, policy, {
      accountId: input.accountId,
      card: attached.card,
      recurringConsent: input.recurringConsent,
      at: now,
      actor: input.actor,
    });
    // A new card the customer lets us charge automatically is the one renewals charge from now on. Lock
    // order: the account's state first, then its subscription.
    if (input.recurringConsent) await deps.lifecycle.load([input.accountId], true);
    const subscription = input.recurringConsent
      ? await deps.store.liveSubscription(input.accountId, true)
      : null;
    if (subscription) {
      await deps.store.updateSubscription(subscription.id, { paymentMethodId: method.id, updatedAt: now });
      await deps.eventLog.append([
        {
          chainId: input.accountId,
          type: 'subscription.payment_method_changed',
          clause: policy.billing.clauses.recurringConsent,
          actor: input.actor,
          occurredAt: now,
          data: { subscription: subscription.id, from: subscription.paymentMethodId, to: method.id },
        },
      ]);
    }
    return method;
  });
}

/** A card handed to the account's gateway before the transaction that stores it, and the gateway's answer. */
export type PreparedCard = {
  provider: string;
  result: { ok: true; card: KeptCard } | { ok: false; failureCode: string };
};

/**
 * Registers a new card at the account's gateway (Stripe: its PaymentMethod and Customer) before any
 * transaction is open, so no network call holds row locks; the request's transaction then stores it
 * (`addPaymentMethod`, `orderPlan` with `prepared`). With `idempotencyKey` (from the request's
 * Idempotency-Key) a retried request gets the same gateway objects back instead of new ones. Checks what
 * `attachCard` checks; with `forOrder`, a policy that does not charge cards at the order registers nothing
 * (null). Must not be called inside a transaction.
 */
export async function prepareCard(
  deps: BillingDeps,
  input: {
    accountId: string;
    card: CardInput;
    recurringConsent: boolean;
    idempotencyKey?: string | undefined;
    forOrder?: boolean;
  },
): Promise<PreparedCard | null> {
  if (deps.db.inTransaction()) throw new Error('prepareCard must not run inside a transaction');
  const life = await deps.lifecycle.get(input.accountId);
  const policy = deps.policyOf(life.policyVersionId);
  if (input.forOrder && policy.billing.invoiceTiming !== 'after_payment') return null;
  const now = await deps.timeOf(life.clockId);
  const gateway = gatewayFor(deps, life.clockId);
  const result = await attachCard(
    { provider: gateway },
    policy,
    input.card,
    input.recurringConsent,
    now,
    input.idempotencyKey,
  );
  return { provider: gateway.id, result };
}

/**
 * Hands a card to the gateway, checking first that the policy takes cards (and recurring consent, if asked
 * for). An invalid number or expiry is the caller's mistake and throws; a decline is an outcome.
 */
export async function attachCard(
  deps: Pick<BillingDeps, 'provider'>,
  policy: Policy,
  card: CardInput,
  recurringConsent: boolean,
  now: Date,
  idempotencyKey?: string,
): Promise<{ ok: true; card: KeptCard } | { ok: false; failureCode: string }> {
  const terms = cardProviderOf(policy);
  if (!terms)
    throw new AppError(billingErrors['billing.cards_not_accepted'], {
      details: { methods: policy.billing.paymentProviders.map((p) => p.name).join(', ') },
    });
  if (recurringConsent && !offersRecurring(terms))
    throw new AppError(billingErrors['billing.recurring_not_offered']);
  const [year, month] = localDateOf(now, policy.locale.timeZone).split('-').map(Number) as [number, number];
  try {
    const attached = await deps.provider.attach(card, { year, month }, { idempotencyKey });
    return { ok: true, card: cardFieldsToKeep(terms, attached) };
  } catch (error) {
    if (!(error instanceof CardError)) throw error;
    if (error.code === 'invalid_number' || error.code === 'invalid_expiry')
      throw new AppError(billingErrors['billing.card_invalid'], { details: { reason: error.code } });
    return { ok: false, failureCode: error.code };
  }
}

/** Stores an attached card and the event recording it (and the consent given with it). Joins the transaction. */
export async function saveCard(
  deps: Pick<BillingDeps, 'store' | 'ids' | 'eventLog' | 'provider'>,
  policy: Policy,
  input: { accountId: string; card: KeptCard; recurringConsent: boolean; at: Date; actor: string },
): Promise<PaymentMethodRow> {
  const method = await deps.store.insertPaymentMethod({
    id: deps.ids.next('pm'),
    accountId: input.accountId,
    provider: deps.provider.id,
    ...input.card,
    recurringConsentAt: input.recurringConsent ? input.at : null,
    consentWithdrawnAt: null,
    createdAt: input.at,
  });
  await deps.eventLog.append([
    {
      chainId: input.accountId,
      type: 'payment_method.added',
      clause: input.recurringConsent ? policy.billing.clauses.recurringConsent : null,
      actor: input.actor,
      occurredAt: input.at,
      data: { paymentMethod: method.id, provider: method.provider, recurringConsent: input.recurringConsent },
    },
  ]);
  return method;
}
