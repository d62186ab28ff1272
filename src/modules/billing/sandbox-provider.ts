import { createHash } from 'node:crypto';
import type { Money } from '../../platform/money.ts';

/**
 * The built-in sandbox payment provider, used by default and by test clocks. It moves no money: the card
 * number decides the outcome, as with Stripe's documented test cards, so scenarios are reproducible.
 *
 * | card number         | outcome                                  |
 * |---------------------|------------------------------------------|
 * | 4242 4242 4242 4242 | succeeds                                 |
 * | 4000 0000 0000 0002 | declined (`card_declined`)               |
 * | 4000 0000 0000 9995 | declined (`insufficient_funds`)          |
 * | 4000 0000 0000 0069 | declined (`expired_card`)                |
 * | 4000 0025 0000 3155 | needs the customer (`authentication_required`) for off-session charges; succeeds on-session |
 * | 4000 0000 0000 0341 | attaches, then every charge is declined (`card_declined`) — for failed renewals |
 *
 * Any other number that passes the Luhn check succeeds. A charge repeated with the same idempotency key
 * returns the same result and reference.
 */
export type CardInput = { number: string; expMonth: number; expYear: number; cvc?: string };

export type AttachedCard = {
  providerRef: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
};

export type ChargeRequest = {
  methodRef: string;
  amount: Money;
  idempotencyKey: string;
  /** A renewal charged without the customer present. */
  offSession: boolean;
  /** The date of the charge on the caller's clock, to check the card's expiry against. */
  on: { year: number; month: number };
  /** The payment row the charge is for; a remote gateway keeps it with the charge to match its webhooks. */
  reference?: string;
};

export type ChargeResult =
  | { status: 'succeeded'; providerRef: string }
  | { status: 'failed'; providerRef: string | null; failureCode: FailureCode | (string & {}) }
  /**
   * The customer must authenticate (3-D Secure) in the browser with `clientSecret`, or approve the payment on
   * the gateway's page at `redirectUrl` (PayPal); a webhook or the buyer's return tells the end.
   */
  | { status: 'requires_action'; providerRef: string; clientSecret?: string; redirectUrl?: string }
  /** Accepted, the outcome comes later (a webhook). */
  | { status: 'processing'; providerRef: string };

/** Money given back for a succeeded charge (`providerRef`: the charge's reference). */
export type RefundRequest = { providerRef: string; amount: Money; idempotencyKey: string };

/**
 * A gateway's answer to a refund: `succeeded` (the money went back), `pending` (accepted; the gateway confirms or
 * fails it later, by webhook) or `failed` (refused for good, e.g. Stripe's `failed`/`canceled`).
 */
export type RefundResult =
  | { status: 'succeeded' | 'pending'; providerRef: string }
  | { status: 'failed'; providerRef: string; failure: string };

export type FailureCode = 'card_declined' | 'insufficient_funds' | 'expired_card' | 'authentication_required';

const outcomes: Record<string, FailureCode | 'authentication' | 'decline_after_attach'> = {
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
  '4000000000000069': 'expired_card',
  '4000002500003155': 'authentication',
  '4000000000000341': 'decline_after_attach',
};

export class CardError extends Error {
  readonly code: FailureCode | 'invalid_number' | 'invalid_expiry';
  constructor(code: CardError['code']) {
    super(code);
    this.code = code;
  }
}

export function luhnOk(digits: string): boolean {
  let total = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
  }
  return total % 10 === 0;
}

function brandOf(digits: string): string {
  if (digits.startsWith('4')) return 'visa';
  if (/^5[1-5]/.test(digits) || /^2[2-7]/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  return 'card';
}

/** Whether a card valid through `expMonth/expYear` is still valid in month `on`. */
export function cardValidIn(
  card: { expMonth: number; expYear: number },
  on: { year: number; month: number },
): boolean {
  return card.expYear > on.year || (card.expYear === on.year && card.expMonth >= on.month);
}

function expiryOf(methodRef: string): { expMonth: number; expYear: number } | null {
  const match = /^pm_sandbox_[a-z]+_(\d{4})(\d{2})_/.exec(methodRef);
  return match ? { expYear: Number(match[1]), expMonth: Number(match[2]) } : null;
}

export function makeSandboxProvider() {
  /** Tokenises a card. The full number never leaves this function: the reference encodes only the outcome class. */
  function attach(card: CardInput, on: { year: number; month: number }): AttachedCard {
    const digits = card.number.replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(digits) || !luhnOk(digits)) throw new CardError('invalid_number');
    if (!Number.isInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12)
      throw new CardError('invalid_expiry');
    const outcome = outcomes[digits];
    if (outcome === 'expired_card' || !cardValidIn(card, on)) throw new CardError('expired_card');
    if (outcome === 'card_declined' || outcome === 'insufficient_funds') throw new CardError(outcome);
    const kind =
      outcome === 'authentication' ? 'auth' : outcome === 'decline_after_attach' ? 'decline' : 'ok';
    const fingerprint = createHash('sha256').update(digits).digest('hex').slice(0, 16);
    // The sandbox keeps no state: what a real gateway would hold about the card (its outcome class and
    // expiry) travels in the reference, so an operator that stores neither can still charge it.
    const expiry = `${card.expYear}${String(card.expMonth).padStart(2, '0')}`;
    return {
      providerRef: `pm_sandbox_${kind}_${expiry}_${fingerprint}`,
      brand: brandOf(digits),
      last4: digits.slice(-4),
      expMonth: card.expMonth,
      expYear: card.expYear,
    };
  }

  /** Charges a card; its expiry is the one given, else the one its reference carries. */
  function charge(request: ChargeRequest, card?: { expMonth: number; expYear: number }): ChargeResult {
    const providerRef = `ch_sandbox_${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 24)}`;
    const expiry = card ?? expiryOf(request.methodRef);
    if (!request.methodRef.startsWith('pm_sandbox_') || expiry === null)
      return { status: 'failed', providerRef, failureCode: 'card_declined' };
    if (!cardValidIn(expiry, request.on))
      return { status: 'failed', providerRef, failureCode: 'expired_card' };
    if (request.methodRef.startsWith('pm_sandbox_decline_'))
      return { status: 'failed', providerRef, failureCode: 'card_declined' };
    if (request.methodRef.startsWith('pm_sandbox_auth_'))
      return request.offSession
        ? { status: 'failed', providerRef, failureCode: 'authentication_required' }
        : { status: 'succeeded', providerRef };
    return { status: 'succeeded', providerRef };
  }

  /** Refunds a charge: always succeeds; the same idempotency key gives the same reference. */
  function refund(request: RefundRequest): RefundResult {
    const providerRef = `re_sandbox_${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 24)}`;
    return { status: 'succeeded', providerRef };
  }

  return { id: 'sandbox' as const, attach, charge, refund };
}
