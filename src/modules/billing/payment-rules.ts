import { compare, type Money, money, subtract } from '../../platform/money.ts';

export type PaymentApplication = {
  /** `paid` once the whole gross is covered; otherwise the invoice stays open (CM-BIL-08). */
  status: 'paid' | 'partially_paid';
  amountPaid: Money;
  /** What the invoice took from the money received. */
  applied: Money;
  /** What exceeds the invoice: the customer's credit (CM-BIL-05). */
  excess: Money;
};

/**
 * Applies money received to an invoice. The customer pays the full invoiced amount without set-off, so a
 * partial payment leaves the invoice `partially_paid` (CM-BIL-08: 100.00 of 123.00); what is paid beyond it
 * is an overpayment, to be booked as credit (CM-BIL-05: 150.00 against 123.00 → 27.00 credit).
 */
export function applyPayment(
  invoice: { gross: Money; amountPaid: Money },
  received: Money,
): PaymentApplication {
  if (received.amount <= 0n) throw new RangeError('a payment must be a positive amount');
  const outstanding = subtract(invoice.gross, invoice.amountPaid);
  const due = outstanding.amount > 0n ? outstanding : money(0n, outstanding.currency);
  const applied = compare(received, due) <= 0 ? received : due;
  const amountPaid = { amount: invoice.amountPaid.amount + applied.amount, currency: applied.currency };
  return {
    status: compare(amountPaid, invoice.gross) >= 0 ? 'paid' : 'partially_paid',
    amountPaid,
    applied,
    excess: subtract(received, applied),
  };
}

/**
 * How a charge of `due` is met from the account's credit `balance` first and the rest from the card
 * (CM-BIL-05: 27.00 credit against a 123.00 renewal → 96.00 charged).
 */
export function drawCredit(due: Money, balance: Money): { fromCredit: Money; toCharge: Money } {
  const available = balance.amount > 0n ? balance : money(0n, due.currency);
  const fromCredit = compare(available, due) <= 0 ? available : due;
  return { fromCredit, toCharge: subtract(due, fromCredit) };
}
