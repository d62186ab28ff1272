import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import { randomToken } from '../../platform/ids.ts';
import {
  fromStoredMoney,
  type Money,
  money,
  type StoredMoney,
  storedMoney,
  toDecimalString,
} from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import type { InvoiceRow, PaymentMethodRow, PaymentRow } from './billing-store.ts';
import { type ChargeOutcome, markCharged, openCharge, outcomeInProcess } from './charge-payments.ts';
import { type Buyer, decideInvoiceVat, invoiceGross } from './invoice-rules.ts';
import { buyerOf, invoiceIssued, issueInvoice } from './issue-invoice.ts';
import { gatewayFor } from './payment-provider.ts';
import { drawCredit } from './payment-rules.ts';
import type { Frequency, Period } from './periods.ts';
import { paysByRedirectOnly, redirectGatewayFor } from './redirect-payments.ts';
import type { VatDecision } from './vat/index.ts';

/** What a purchase bought, applied once its money is in (or its invoice issued): its own JSON, frozen. */
export type PurchaseEffect = { kind: 'upgrade' | 'add_on' | 'pack' };

/** The invoice (and card payment) a purchase was billed with, handed to its effect. */
export type PurchasePaid = { invoice: InvoiceRow; payment: PaymentRow | null; now: Date };

/**
 * Applies what a purchase bought (the new plan, the add-on, the pack's units), inside the transaction that
 * billed it: the request's own for the sandbox or an invoice with terms, the settling one for a remote
 * gateway's answer or webhook.
 */
export type PurchaseApplier<E extends PurchaseEffect = PurchaseEffect, R = unknown> = (
  deps: BillingDeps,
  effect: E,
  paid: PurchasePaid,
) => Promise<R>;

export type PurchaseResult<R = undefined> =
  | { outcome: 'paid'; invoice: InvoiceRow; payment: PaymentRow | null; applied: R }
  | { outcome: 'invoiced'; invoice: InvoiceRow; applied: R }
  | { outcome: 'payment_failed'; failureCode: string; payment: PaymentRow }
  /** A remote gateway's charge, opened: `sendCharge` sends it after the commit; its settle applies the rest. */
  | { outcome: 'pending'; payment: PaymentRow };

/** What settling a purchase's charge needs, frozen when the charge was opened. */
export type PurchaseChargeContext = {
  effect: PurchaseEffect | null;
  accountId: string;
  clockId: string | null;
  subscriptionId: string | null;
  items: { description: string; net: StoredMoney }[];
  period: Period;
  vat: VatDecision | null;
  buyer: Buyer;
  language: 'pl' | 'en';
  gross: StoredMoney;
  fromCredit: StoredMoney;
  /**
   * The credit was taken off the balance when the charge was opened (a charge settled later must not find it
   * spent by another purchase in between), and is given back if the charge fails.
   */
  creditReserved?: boolean;
  purpose: string;
  clause: string | null;
  frequency: Frequency;
  planCode: string;
  intent: string;
  actor: string;
};

/**
 * Bills a purchase made outside the subscription's renewal (an upgrade's difference, an add-on's first
 * charge, a pack) and applies what it bought (`apply` with `effect`), inside the caller's transaction, the
 * way the policy bills everything:
 *
 * - paid first (`after_payment`): the account's credit is drawn on first (CM-BIL-05), the rest charged to
 *   the card with the customer present under the key `<intent>` (`:<n>` for a later attempt), written first
 *   as a `pending` payment (`openCharge`, purpose `purchase`). The sandbox answers at once and
 *   `settlePurchaseCharge` applies it here; a remote gateway (Stripe) is sent the charge after the caller's
 *   commit (`sendCharge`) and the same `settlePurchaseCharge` applies its answer or webhook later
 *   (`pending`). Only a success issues the invoice, paid (CM-BIL-09), with `payment.succeeded`,
 *   `invoice.issued` and its mail, and applies the effect; a decline records only the failed payment and
 *   `payment.failed`. While a charge for the same intent is pending, another is refused
 *   (`billing.payment_pending`).
 * - invoiced with terms (`ahead_with_terms`), or paid wholly from credit: the invoice is issued at once
 *   and the effect applied.
 *
 * The caller checks what may be bought; the effect records it and its own event.
 */
export async function billPurchase<E extends PurchaseEffect, R>(
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
    /** What was bought, and how it is applied; none for a purchase billed with terms that applies later. */
    effect?: E;
    apply?: PurchaseApplier<E, R>;
  },
): Promise<PurchaseResult<R>> {
  const apply = (input.apply ?? noEffect) as PurchaseApplier<PurchaseEffect, R>;
  const { policy, accountId, now } = input;
  const currency = policy.locale.currency;
  const today = localDateOf(now, policy.locale.timeZone);
  const [contact] = await deps.accounts.contactsOf([accountId]);
  const { buyer, language } = buyerOf(await deps.accounts.profile(accountId), contact);
  const vat = decideInvoiceVat(policy, buyer, today, deps.vatRates, language);
  const gross = invoiceGross(input.items, vat, currency);
  const { fromCredit, toCharge } = drawCredit(gross, await deps.store.creditBalance(accountId, currency));
  const context: PurchaseChargeContext = {
    effect: input.effect ?? null,
    accountId,
    clockId: input.clockId,
    subscriptionId: input.subscriptionId,
    items: input.items.map((i) => ({ description: i.description, net: storedMoney(i.net) })),
    period: input.period,
    vat,
    buyer,
    language,
    gross: storedMoney(gross),
    fromCredit: storedMoney(fromCredit),
    purpose: input.purpose,
    clause: input.clause,
    frequency: input.frequency,
    planCode: input.planCode,
    intent: input.intent,
    actor: input.actor,
  };

  if (policy.billing.invoiceTiming === 'after_payment' && toCharge.amount > 0n) {
    // MOC-BIL-01: terms without stored cards take the money on a redirect gateway's page, never a card.
    const redirect = paysByRedirectOnly(policy);
    if (!input.method && !redirect) throw new AppError(billingErrors['billing.payment_method_required']);
    const gateway = redirect
      ? redirectGatewayFor(deps, policy, input.clockId)
      : gatewayFor(deps, input.clockId);
    if (gateway.remote && !input.effect) throw new Error(`${input.purpose} has no effect to settle later`);
    const earlier = await deps.store.paymentsForIntent(accountId, input.intent);
    const open = earlier.find((p) => p.status === 'pending');
    // A redirect payment still waiting for the buyer is answered again (its page), rather than refused.
    if (open && redirect && open.provider === gateway.id) return { outcome: 'pending', payment: open };
    if (open) throw new AppError(billingErrors['billing.payment_pending'], { details: { payment: open.id } });
    const idempotencyKey = earlier.length === 0 ? input.intent : `${input.intent}:${earlier.length + 1}`;
    const [year, month] = today.split('-').map(Number) as [number, number];
    context.creditReserved = fromCredit.amount > 0n;
    const pending = await openCharge(deps, gateway, {
      accountId,
      purpose: 'purchase',
      subscriptionId: input.subscriptionId,
      paymentMethodId: input.method?.id ?? null,
      idempotencyKey,
      amount: toCharge,
      methodRef: input.method?.providerRef ?? randomToken(16),
      offSession: false,
      on: { year, month },
      context,
      at: now,
    });
    if (context.creditReserved) await moveCredit(deps, context, -fromCredit.amount, pending.id, now);
    // A remote gateway is charged after the caller's transaction commits; its answer settles it then.
    if (gateway.remote) return { outcome: 'pending', payment: pending };
    if (!input.method) throw new Error('a redirect gateway is always charged after the commit');
    const result = await gateway.charge({
      methodRef: input.method.providerRef,
      amount: toCharge,
      idempotencyKey,
      offSession: false,
      on: { year, month },
      reference: pending.id,
    });
    return settlePurchaseCharge(deps, pending, context, outcomeInProcess(result), apply);
  }

  const received: { amount: Money; method: 'card' | 'other' } | null =
    policy.billing.invoiceTiming === 'after_payment'
      ? { amount: gross, method: 'other' }
      : fromCredit.amount > 0n
        ? { amount: fromCredit, method: 'other' }
        : null;
  const { invoice, applied } = await completePurchase(deps, context, {
    policy,
    payment: null,
    received,
    now,
    apply,
  });
  return invoice.status === 'paid' && policy.billing.invoiceTiming === 'after_payment'
    ? { outcome: 'paid', invoice, payment: null, applied }
    : { outcome: 'invoiced', invoice, applied };
}

/**
 * Settles a purchase's charge, whichever gateway answered and whenever (the sandbox at once, Stripe's answer
 * or webhook later): a decline records the failed payment and `payment.failed` and nothing else changes; a
 * success records the payment, issues the paid invoice and applies what was bought (`apply`). Gets the
 * payment pending and locked; a payment settled before changes nothing.
 */
export async function settlePurchaseCharge<R>(
  deps: BillingDeps,
  pending: PaymentRow,
  context: PurchaseChargeContext,
  outcome: ChargeOutcome,
  apply: PurchaseApplier<PurchaseEffect, R>,
): Promise<PurchaseResult<R>> {
  const payment = await markCharged(deps, pending, outcome);
  if (!payment)
    return {
      outcome: 'payment_failed',
      failureCode: pending.failureCode ?? 'already_settled',
      payment: pending,
    };
  const [life] = await deps.lifecycle.load([payment.accountId], true);
  if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: payment.accountId } });
  const policy = deps.policyOf(life.policyVersionId);
  const now = await deps.timeOf(life.clockId);
  const charged = money(payment.amount, payment.currency);
  const paymentEvent: NewEvent = {
    chainId: payment.accountId,
    type: outcome.status === 'failed' ? 'payment.failed' : 'payment.succeeded',
    clause: context.clause,
    actor: context.actor,
    occurredAt: now,
    data: {
      payment: payment.id,
      purpose: context.purpose,
      amount: toDecimalString(charged),
      currency: payment.currency,
      ...(outcome.status === 'failed' ? { failureCode: outcome.failureCode } : {}),
    },
  };
  if (outcome.status === 'failed') {
    if (context.creditReserved)
      await moveCredit(deps, context, fromStoredMoney(context.fromCredit).amount, payment.id, now);
    await deps.eventLog.append([paymentEvent]);
    return { outcome: 'payment_failed', failureCode: outcome.failureCode, payment };
  }
  const { invoice, applied } = await completePurchase(deps, context, {
    policy,
    payment,
    paymentEvent,
    received: { amount: fromStoredMoney(context.gross), method: 'card' },
    now,
    apply,
  });
  return { outcome: 'paid', invoice, payment: { ...payment, invoiceId: invoice.id }, applied };
}

/** The invoice of a purchase (paid or with terms), the credit it drew on, its events and mail, then its effect. */
async function completePurchase<R>(
  deps: BillingDeps,
  context: PurchaseChargeContext,
  input: {
    policy: Policy;
    payment: PaymentRow | null;
    paymentEvent?: NewEvent;
    received: { amount: Money; method: 'card' | 'other' } | null;
    now: Date;
    apply: PurchaseApplier<PurchaseEffect, R>;
  },
): Promise<{ invoice: InvoiceRow; applied: R }> {
  const { policy, payment, now } = input;
  const accountId = context.accountId;
  const fromCredit = fromStoredMoney(context.fromCredit);
  const invoice = await issueInvoice(deps, {
    clockId: context.clockId,
    policy,
    accountId,
    subscriptionId: context.subscriptionId,
    issueDate: localDateOf(now, policy.locale.timeZone),
    period: context.period,
    items: context.items.map((i) => ({ description: i.description, net: fromStoredMoney(i.net) })),
    vat: context.vat,
    buyer: context.buyer,
    language: context.language,
    received: input.received,
    at: now,
  });
  if (payment) await deps.store.setPaymentInvoice(payment.id, invoice.id);
  if (fromCredit.amount > 0n && !context.creditReserved)
    await deps.store.insertCredit({
      id: deps.ids.next('cred'),
      accountId,
      currency: fromCredit.currency,
      amount: -fromCredit.amount,
      paymentId: null,
      invoiceId: invoice.id,
      createdAt: now,
    });
  const [contact] = await deps.accounts.contactsOf([accountId]);
  const announced = invoiceIssued(deps, {
    policy,
    invoice,
    frequency: context.frequency,
    planCode: context.planCode,
    contact,
    actor: context.actor,
    cause: payment ? `payment:${payment.id}` : context.intent,
  });
  const events: NewEvent[] = [];
  if (input.paymentEvent)
    events.push({ ...input.paymentEvent, data: { ...input.paymentEvent.data, invoice: invoice.id } });
  events.push(announced.event);
  await deps.eventLog.append(events);
  const mails: NotificationRequest[] = announced.mail ? [announced.mail] : [];
  await deps.notifications.send(mails);
  const applied = await input.apply(deps, context.effect as PurchaseEffect, { invoice, payment, now });
  return { invoice, applied };
}

/** A credit entry tied to a purchase's charge: drawn (negative) when it opens, given back if it fails. */
async function moveCredit(
  deps: BillingDeps,
  context: PurchaseChargeContext,
  amount: bigint,
  paymentId: string,
  now: Date,
): Promise<void> {
  await deps.store.insertCredit({
    id: deps.ids.next('cred'),
    accountId: context.accountId,
    currency: context.fromCredit.currency,
    amount,
    paymentId,
    invoiceId: null,
    createdAt: now,
  });
}

const noEffect = async () => undefined;

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
