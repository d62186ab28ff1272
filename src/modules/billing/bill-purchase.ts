import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import { type Money, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import type { InvoiceRow, PaymentMethodRow, PaymentRow } from './billing-store.ts';
import { decideInvoiceVat, invoiceGross } from './invoice-rules.ts';
import { buyerOf, invoiceIssued, issueInvoice } from './issue-invoice.ts';
import { gatewayFor } from './payment-provider.ts';
import { drawCredit } from './payment-rules.ts';
import type { Frequency, Period } from './periods.ts';
import { planChangeErrors } from './plan-changes-errors.ts';

export type PurchaseResult =
  | { outcome: 'paid'; invoice: InvoiceRow; payment: PaymentRow | null }
  | { outcome: 'invoiced'; invoice: InvoiceRow }
  | { outcome: 'payment_failed'; failureCode: string; payment: PaymentRow };

/**
 * Bills a purchase made outside the subscription's renewal (an upgrade's difference, an add-on's first
 * charge, a pack), inside the caller's transaction, the way the policy bills everything:
 *
 * - paid first (`after_payment`): the account's credit is drawn on first (CM-BIL-05), the rest charged to
 *   the card with the customer present under the key `<intent>` (`:<n>` for a later attempt); only when it
 *   succeeds the invoice is issued, paid (CM-BIL-09), with `payment.succeeded`, `invoice.issued` and its
 *   mail. A decline records only the failed payment and `payment.failed`, and returns `payment_failed`.
 * - invoiced with terms (`ahead_with_terms`): the invoice is issued at once, due after the terms.
 *
 * The caller records what was bought and its own event. Charges go through the in-process gateway; a remote
 * gateway's asynchronous charge is not wired for these purchases yet and is refused before anything is written.
 */
export async function billPurchase(
  deps: BillingDeps,
  input: {
    policy: Policy;
    accountId: string;
    clockId: string | null;
    subscriptionId: string | null;
    /** The card to charge (paid-first policies); null only where the policy invoices with terms. */
    method: PaymentMethodRow | null;
    items: { description: string; net: Money }[];
    period: Period;
    intent: string;
    purpose: string;
    clause: string | null;
    frequency: Frequency;
    planCode: string;
    now: Date;
    actor: string;
  },
): Promise<PurchaseResult> {
  const { policy, accountId, now } = input;
  const currency = policy.locale.currency;
  const today = localDateOf(now, policy.locale.timeZone);
  const [contact] = await deps.accounts.contactsOf([accountId]);
  const { buyer, language } = buyerOf(await deps.accounts.profile(accountId), contact);
  const vat = decideInvoiceVat(policy, buyer, today, deps.vatRates, language);
  const gross = invoiceGross(input.items, vat, currency);
  const { fromCredit, toCharge } = drawCredit(gross, await deps.store.creditBalance(accountId, currency));
  const events: NewEvent[] = [];

  let payment: PaymentRow | null = null;
  let received: { amount: Money; method: 'card' | 'other' } | null =
    fromCredit.amount > 0n ? { amount: fromCredit, method: 'other' } : null;
  if (policy.billing.invoiceTiming === 'after_payment' && toCharge.amount > 0n) {
    if (!input.method) throw new AppError(billingErrors['billing.payment_method_required']);
    const gateway = gatewayFor(deps, input.clockId);
    if (gateway.remote) throw new AppError(planChangeErrors['billing.remote_gateway_unsupported']);
    const earlier = await deps.store.paymentsForIntent(accountId, input.intent);
    const idempotencyKey = earlier.length === 0 ? input.intent : `${input.intent}:${earlier.length + 1}`;
    const [year, month] = today.split('-').map(Number) as [number, number];
    const result = await gateway.charge({
      methodRef: input.method.providerRef,
      amount: toCharge,
      idempotencyKey,
      offSession: false,
      on: { year, month },
    });
    const failureCode =
      result.status === 'succeeded'
        ? null
        : result.status === 'failed'
          ? result.failureCode
          : 'authentication_required';
    payment = await deps.store.insertPayment({
      id: deps.ids.next('pay'),
      accountId,
      invoiceId: null,
      subscriptionId: input.subscriptionId,
      paymentMethodId: input.method.id,
      provider: gateway.id,
      providerRef: result.providerRef,
      idempotencyKey,
      amount: toCharge.amount,
      currency,
      status: failureCode ? 'failed' : 'succeeded',
      failureCode,
      createdAt: now,
    });
    const paymentEvent: NewEvent = {
      chainId: accountId,
      type: failureCode ? 'payment.failed' : 'payment.succeeded',
      clause: input.clause,
      actor: input.actor,
      occurredAt: now,
      data: {
        payment: payment.id,
        purpose: input.purpose,
        amount: toDecimalString(toCharge),
        currency,
        ...(failureCode ? { failureCode } : {}),
      },
    };
    if (failureCode) {
      await deps.eventLog.append([paymentEvent]);
      return { outcome: 'payment_failed', failureCode, payment };
    }
    events.push(paymentEvent);
    received = { amount: gross, method: 'card' };
  } else if (policy.billing.invoiceTiming === 'after_payment') {
    received = { amount: gross, method: 'other' };
  }

  const invoice = await issueInvoice(deps, {
    clockId: input.clockId,
    policy,
    accountId,
    subscriptionId: input.subscriptionId,
    issueDate: today,
    period: input.period,
    items: input.items,
    vat,
    buyer,
    language,
    received,
    at: now,
  });
  if (payment) await deps.store.setPaymentInvoice(payment.id, invoice.id);
  if (fromCredit.amount > 0n)
    await deps.store.insertCredit({
      id: deps.ids.next('cred'),
      accountId,
      currency,
      amount: -fromCredit.amount,
      paymentId: null,
      invoiceId: invoice.id,
      createdAt: now,
    });
  const announced = invoiceIssued(deps, {
    policy,
    invoice,
    frequency: input.frequency,
    planCode: input.planCode,
    contact,
    actor: input.actor,
    cause: payment ? `payment:${payment.id}` : input.intent,
  });
  events.push(announced.event);
  await deps.eventLog.append(events);
  const mails: NotificationRequest[] = announced.mail ? [announced.mail] : [];
  await deps.notifications.send(mails);
  return invoice.status === 'paid' && policy.billing.invoiceTiming === 'after_payment'
    ? { outcome: 'paid', invoice, payment }
    : { outcome: 'invoiced', invoice };
}

/** The card a purchase is charged to: the one given, the subscription's, or the account's newest. */
export async function purchaseCard(
  deps: BillingDeps,
  accountId: string,
  input: { paymentMethodId?: string | null | undefined; subscriptionMethodId?: string | null | undefined },
): Promise<PaymentMethodRow | null> {
  if (input.paymentMethodId) {
    const method = await deps.store.paymentMethod(accountId, input.paymentMethodId);
    if (!method)
      throw new AppError(billingErrors['billing.payment_method_not_found'], {
        details: { id: input.paymentMethodId },
      });
    return method;
  }
  if (input.subscriptionMethodId) {
    const method = await deps.store.paymentMethod(accountId, input.subscriptionMethodId);
    if (method) return method;
  }
  return (await deps.store.paymentMethodsOf(accountId))[0] ?? null;
}
