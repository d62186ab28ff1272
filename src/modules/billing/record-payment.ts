import { AppError } from '../../platform/errors.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import { type Money, money, parseMoney, toDecimalString } from '../../platform/money.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import type { InvoiceRow, PaymentRow } from './billing-store.ts';
import { applyPayment } from './payment-rules.ts';

/**
 * Records money received for an invoice outside the card gateway (a bank transfer against an invoice with
 * payment terms, QU-BIL-05/06), as staff booked it.
 *
 * Guarantees, in one transaction: the payment row (its key `transfer:<invoice>:<reference>` makes booking
 * the same transfer twice return the first booking), the invoice's paid amount and status (`paid` only once
 * the whole gross is covered; less leaves it `partially_paid`, CM-BIL-08), the subscription paid through the
 * invoice's period once it is paid, the event `payment.recorded`, and any excess booked as the account's
 * credit with `credit.added`, to be drawn on by the next charge or invoice (CM-BIL-05), where the policy
 * says overpayments are credited (otherwise the excess is in the event, for staff to refund).
 * Leaves to the caller: that only staff may book payments.
 */
export async function recordPayment(
  deps: BillingDeps,
  input: {
    accountId: string;
    invoiceId: string;
    amount: string;
    currency: string;
    reference: string;
    actor: string;
    /** Who took the money: `transfer` (booked by staff, the default) or a pay-by-link gateway (`tpay`). */
    provider?: string;
  },
): Promise<{ payment: PaymentRow; invoice: InvoiceRow; credit: Money }> {
  return deps.db.transaction(async () => {
    // Lock order: the account's state first (the payment may lift a non-payment state), then its rows.
    await deps.lifecycle.load([input.accountId], true);
    const invoice = await deps.store.invoice(input.accountId, input.invoiceId, true);
    if (!invoice)
      throw new AppError(billingErrors['billing.invoice_not_found'], { details: { id: input.invoiceId } });
    const idempotencyKey = `transfer:${invoice.id}:${input.reference}`;
    const booked = await deps.store.paymentByKey(idempotencyKey);
    if (booked) return { payment: booked, invoice, credit: money(0n, invoice.currency) };
    if (input.currency !== invoice.currency)
      throw new AppError(billingErrors['billing.payment_invalid'], {
        details: { problem: `the invoice is in ${invoice.currency}, not ${input.currency}` },
      });
    let received: Money;
    try {
      received = parseMoney(input.amount, invoice.currency);
    } catch {
      throw new AppError(billingErrors['billing.payment_invalid'], {
        details: { problem: `amount ${input.amount}` },
      });
    }
    if (received.amount <= 0n)
      throw new AppError(billingErrors['billing.payment_invalid'], {
        details: { problem: 'the amount must be positive' },
      });

    const life = await deps.lifecycle.get(input.accountId);
    const policy = deps.policyOf(life.policyVersionId);
    const now = await deps.timeOf(life.clockId);
    const applied = applyPayment(
      {
        gross: money(invoice.gross, invoice.currency),
        amountPaid: money(invoice.amountPaid, invoice.currency),
      },
      received,
    );
    const payment = await deps.store.insertPayment({
      id: deps.ids.next('pay'),
      accountId: input.accountId,
      invoiceId: invoice.id,
      subscriptionId: invoice.subscriptionId,
      paymentMethodId: null,
      provider: input.provider ?? 'transfer',
      providerRef: input.reference,
      idempotencyKey,
      amount: received.amount,
      currency: received.currency,
      status: 'succeeded',
      failureCode: null,
      createdAt: now,
    });
    await deps.store.updateInvoicePaid(invoice.id, {
      status: applied.status,
      amountPaid: applied.amountPaid.amount,
    });
    const { clauses } = policy.billing;
    const credited = applied.excess.amount > 0n && policy.billing.overpayment === 'credit_future_charges';
    const events: NewEvent[] = [
      {
        chainId: input.accountId,
        type: 'payment.recorded',
        clause: applied.status === 'partially_paid' ? clauses.partialPayment : null,
        actor: input.actor,
        occurredAt: now,
        data: {
          payment: payment.id,
          invoice: invoice.id,
          amount: toDecimalString(received),
          currency: received.currency,
          invoiceStatus: applied.status,
          amountPaid: toDecimalString(applied.amountPaid),
          excess: toDecimalString(applied.excess),
        },
      },
    ];
    if (credited) {
      await deps.store.insertCredit({
        id: deps.ids.next('cred'),
        accountId: input.accountId,
        currency: applied.excess.currency,
        amount: applied.excess.amount,
        paymentId: payment.id,
        invoiceId: invoice.id,
        createdAt: now,
      });
      events.push({
        chainId: input.accountId,
        type: 'credit.added',
        clause: clauses.overpayment,
        actor: input.actor,
        cause: `payment:${payment.id}`,
        occurredAt: now,
        data: {
          payment: payment.id,
          amount: toDecimalString(applied.excess),
          currency: applied.excess.currency,
        },
      });
    }
    if (applied.status === 'paid' && invoice.subscriptionId && invoice.periodTo)
      await markPaidThrough(deps, invoice.subscriptionId, invoice.periodTo, now);
    await deps.eventLog.append(events);
    await deps.lifecycle.reviewStanding?.([{ accountId: input.accountId, at: now }], `payment:${payment.id}`);
    return {
      payment,
      invoice: { ...invoice, status: applied.status, amountPaid: applied.amountPaid.amount },
      credit: credited ? applied.excess : money(0n, invoice.currency),
    };
  });
}

async function markPaidThrough(
  deps: BillingDeps,
  subscriptionId: string,
  periodTo: string,
  now: Date,
): Promise<void> {
  const [subscription] = await deps.store.subscriptionsByIds([subscriptionId], true);
  if (!subscription || (subscription.paidThrough !== null && subscription.paidThrough >= periodTo)) return;
  await deps.store.updateSubscription(subscriptionId, { paidThrough: periodTo, updatedAt: now });
}
