import type { Policy, PaymentProvider as ProviderTerms } from '../../policy/index.ts';
import type { AttachedCard } from './payment-provider.ts';

/**
 * The payment provider of the policy that holds customers' cards: one whose stored fields include the
 * provider's card id (CM-BIL-02's card acquirer, BK-BIL-05's Stripe). Null when the terms take no cards
 * (Quanda's invoices by transfer, MyOwnConference's redirects).
 */
export function cardProviderOf(policy: Policy): ProviderTerms | null {
  return policy.billing.paymentProviders.find((p) => p.storedCardFields.includes('provider_card_id')) ?? null;
}

export type KeptCard = {
  providerRef: string;
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
};

/**
 * What of an attached card the operator may keep: the provider's card id, and only those of brand, last four
 * digits and expiry that the provider's terms list (BK-BIL-05: last four digits and the card id only). The
 * card number itself never reaches this far.
 */
export function cardFieldsToKeep(terms: ProviderTerms, card: AttachedCard): KeptCard {
  const keeps = (field: ProviderTerms['storedCardFields'][number]) => terms.storedCardFields.includes(field);
  return {
    providerRef: card.providerRef,
    brand: keeps('brand') ? card.brand : null,
    last4: keeps('last4') ? card.last4 : null,
    expMonth: keeps('expiry') ? card.expMonth : null,
    expYear: keeps('expiry') ? card.expYear : null,
  };
}

/** Whether the terms let a customer consent to automatic charges of a saved card (CM-BIL-02, BK-BIL-05). */
export function offersRecurring(terms: ProviderTerms | null): boolean {
  return terms?.usage.includes('recurring') ?? false;
}

/**
 * Whether a saved card may be charged without the customer at `at`: only with a consent given before and not
 * withdrawn since. A withdrawal stops every later automatic charge at once (CM-BIL-02, BK-BIL-05).
 */
export function mayChargeAutomatically(
  method: { recurringConsentAt: Date | null; consentWithdrawnAt: Date | null },
  at: Date,
): boolean {
  const given = method.recurringConsentAt;
  if (given === null || given.getTime() > at.getTime()) return false;
  const withdrawn = method.consentWithdrawnAt;
  return withdrawn === null || withdrawn.getTime() > at.getTime();
}
