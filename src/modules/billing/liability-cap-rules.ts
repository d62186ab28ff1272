import { addDays, addMonths, type LocalDate } from '../../platform/calendar.ts';
import { type Money, money, multiplyRatio } from '../../platform/money.ts';
import type { Liability } from '../../policy/index.ts';

/** A payment the User made for the Service (gross: the amount actually paid), on its local day. */
export type PaidFact = { id: string; paidOn: LocalDate; amount: Money };
/** Money given back for one of those payments, on its local day. */
export type RefundFact = { paymentId: string; refundedOn: LocalDate; amount: Money };
/** The net prices of one paid account type on the price list of a day: per month and per year (or null). */
export type PaidTypePrice = { planCode: string; monthly: Money | null; annual: Money | null };

export type LiabilityCapFacts = {
  /** The day the account was created (CM-BIL-14 reads the price list of that day). */
  accountCreatedOn: LocalDate;
  /** CM-ACC-10: an eligible user ("Uprawniony Użytkownik"), i.e. a sole trader flagged by the policy. */
  eligible: boolean;
  /** Every successful payment of new money (not credit used), any day. */
  payments: readonly PaidFact[];
  refunds: readonly RefundFact[];
  /** Paid account types on the price list in force on `accountCreatedOn`, in the policy's currency. */
  priceListOnCreation: readonly PaidTypePrice[];
  currency: string;
};

/** Why the cap has the amount it has. */
export type CapBasis = 'paid_in_window' | 'free_only_price_list';

export type LiabilityCap = {
  eventDate: LocalDate;
  basis: CapBasis;
  clause: 'CM-BIL-13' | 'CM-BIL-14';
  /** The 12 months immediately before the event day, that day excluded (CM-BIL-13). */
  window: { from: LocalDate; to: LocalDate };
  /** CM-BIL-13: payments in the window (gross) and the refunds of them made before the event day. */
  paid: { paymentId: string; paidOn: LocalDate; amount: Money }[];
  refunded: Money;
  /** CM-BIL-14: the cheapest paid type on the creation day's price list and its monthly-equivalent net price. */
  cheapest: { planCode: string; monthlyNet: Money; multiplier: number } | null;
  /** The cap of total liability for all claims together, DPA claims included; null when no cap applies. */
  cap: Money | null;
  /** Whose liability is capped: the provider only, or both parties (CM-DOC-06, eligible users). */
  capsLiabilityOf: ('provider' | 'user')[];
  /** What the cap is not applied to, as the terms say (CM-DOC-06: intentional damage, eligible users only). */
  capNotAppliedTo: 'intentional_damage'[];
  /** Where the claim is for intentionally caused damage and that kind is excluded: no cap (CM-DOC-06). */
  capApplies: boolean;
  /** What the provider is not liable for at all (Regulamin X par. 5), save for its intentional fault. */
  providerLiabilityExcludes: string[];
  clauses: string[];
};

/**
 * The liability cap on `eventDate`, the day of the event that caused the damage (Regulamin X par. 5,
 * XIII par. 5):
 * - CM-BIL-13: a User who has paid for the Service: the total they paid (gross, what left their pocket)
 *   in the `capLookbackMonths` months immediately before the event day, that day excluded, minus what was
 *   refunded of those payments before the event day;
 * - CM-BIL-14: a User who only ever used the free version (no payment before the event day):
 *   `freeUserCapMultiplier` × the net monthly price of the cheapest paid account type on the price list of
 *   the day the account was created; a type's monthly price is its highest monthly equivalent (monthly
 *   price, or annual / 12), the catalog's reading of the ambiguous "cena netto";
 * - CM-DOC-06: for an eligible user the cap binds both parties and is not applied to damage caused
 *   intentionally (`intentional`); for others it binds the provider's liability only.
 * A policy without a free-user rule caps a free-only user at 0 (nothing paid).
 */
export function liabilityCapAt(
  terms: Liability,
  facts: LiabilityCapFacts,
  eventDate: LocalDate,
  intentional: boolean,
): LiabilityCap {
  const window = { from: addMonths(eventDate, -terms.capLookbackMonths), to: addDays(eventDate, -1) };
  const zero = money(0n, facts.currency);
  const everPaid = facts.payments.some((p) => p.paidOn < eventDate);
  const mutual = facts.eligible && terms.capsMutualForEligibleUsers;
  const notApplied: 'intentional_damage'[] = mutual ? ['intentional_damage'] : [];
  const common = {
    eventDate,
    window,
    capsLiabilityOf: mutual ? (['provider', 'user'] as ('provider' | 'user')[]) : ['provider' as const],
    capNotAppliedTo: notApplied,
    capApplies: !(intentional && notApplied.includes('intentional_damage')),
    providerLiabilityExcludes: ['indirect_damage', 'lost_profits', 'pure_financial_loss'],
  };
  const freeRule = terms.freeUserCapMultiplier;
  if (!everPaid && freeRule !== null) {
    const cheapest = cheapestMonthly(facts.priceListOnCreation, facts.currency);
    const cap = cheapest ? multiplyRatio(cheapest.monthlyNet, BigInt(freeRule), 1n, 'half_up') : zero;
    return {
      ...common,
      basis: 'free_only_price_list',
      clause: 'CM-BIL-14',
      paid: [],
      refunded: zero,
      cheapest: cheapest ? { ...cheapest, multiplier: freeRule } : null,
      cap: common.capApplies ? cap : null,
      clauses: mutual ? ['CM-BIL-14', 'CM-DOC-06'] : ['CM-BIL-14'],
    };
  }
  const paid = facts.payments
    .filter((p) => p.amount.currency === facts.currency && p.paidOn >= window.from && p.paidOn <= window.to)
    .map((p) => ({ paymentId: p.id, paidOn: p.paidOn, amount: p.amount }));
  const inWindow = new Set(paid.map((p) => p.paymentId));
  const refunded = facts.refunds
    .filter(
      (r) => inWindow.has(r.paymentId) && r.refundedOn < eventDate && r.amount.currency === facts.currency,
    )
    .reduce((total, r) => total + r.amount.amount, 0n);
  const total = paid.reduce((sum, p) => sum + p.amount.amount, 0n) - refunded;
  const cap = money(total > 0n ? total : 0n, facts.currency);
  return {
    ...common,
    basis: 'paid_in_window',
    clause: 'CM-BIL-13',
    paid,
    refunded: money(refunded, facts.currency),
    cheapest: null,
    cap: common.capApplies ? cap : null,
    clauses: mutual ? ['CM-BIL-13', 'CM-DOC-06'] : ['CM-BIL-13'],
  };
}

/** The paid type with the lowest monthly-equivalent net price, each type at its highest monthly equivalent. */
function cheapestMonthly(
  types: readonly PaidTypePrice[],
  currency: string,
): { planCode: string; monthlyNet: Money } | null {
  let best: { planCode: string; monthlyNet: Money } | null = null;
  for (const type of types) {
    const candidates: bigint[] = [];
    if (type.monthly && type.monthly.currency === currency) candidates.push(type.monthly.amount);
    if (type.annual && type.annual.currency === currency)
      candidates.push(multiplyRatio(type.annual, 1n, 12n, 'half_up').amount);
    if (candidates.length === 0) continue;
    const highest = candidates.reduce((a, b) => (b > a ? b : a));
    if (!best || highest < best.monthlyNet.amount)
      best = { planCode: type.planCode, monthlyNet: money(highest, currency) };
  }
  return best;
}
