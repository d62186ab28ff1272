import { eq } from 'drizzle-orm';
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
import type { Plan, Policy } from '../../policy/index.ts';
import type { ProfileChange } from '../accounts/index.ts';
import {
  type AccountContact,
  canActivatePaidPlan,
  type LifeRow,
  lifecycleErrors,
} from '../lifecycle/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import { attachCard, type PreparedCard, saveCard } from './add-payment-method.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { payments } from './billing-schema.ts';
import type { InvoiceRow, PaymentMethodRow, PaymentRow, SubscriptionRow } from './billing-store.ts';
import type { KeptCard } from './card-rules.ts';
import { type ChargeOutcome, markCharged, openCharge, outcomeInProcess } from './charge-payments.ts';
import type { Buyer } from './invoice-rules.ts';
import { decideInvoiceVat, invoiceGross, subscriptionLineText } from './invoice-rules.ts';
import { buyerOf, invoiceIssued, issueInvoice } from './issue-invoice.ts';
import { type Address, checkOrder, type FirstPeriodQuote, quoteFirstPeriod } from './order-rules.ts';
import { type CardInput, gatewayFor } from './payment-provider.ts';
import { drawCredit } from './payment-rules.ts';
import type { Frequency } from './periods.ts';
import { paysByRedirectOnly, redirectGatewayFor } from './redirect-payments.ts';
import { reminderSchedule } from './reminders.ts';
import { renewalDueAt } from './renewal-rules.ts';
import { listPrice } from './subscription-terms.ts';
import type { VatDecision } from './vat/index.ts';
import { vatIdStatusOf } from './vat-id-checks.ts';

export type OrderInput = {
  accountId: string;
  plan: string;
  frequency: string;
  /** A saved card; when neither this nor `card` is given, the account's newest saved card. */
  paymentMethodId?: string | null | undefined;
  /** A new card, saved with the order if its first charge succeeds. */
  card?: CardInput | null | undefined;
  /** Where the terms take payments by redirect only (MOC-BIL-01): the gateway the buyer chose (`paypal`). */
  provider?: string | null | undefined;
  /** With `card`: consent to charge it automatically for renewals (CM-BIL-02). */
  recurringConsent?: boolean | undefined;
  /** `card` registered at the gateway before the order's transaction (`prepareCard`), so no call holds locks. */
  prepared?: PreparedCard | null | undefined;
  /** Company data to record on the account before the invoice is made, and who is ordering (QU-BIL-03). */
  identification?:
    | {
        company?:
          | {
              name?: string | undefined;
              taxId?: string | undefined;
              country?: string | undefined;
              address?: Address | undefined;
            }
          | undefined;
        orderingPerson?: string | undefined;
      }
    | undefined;
  actor: string;
};

export type OrderResult =
  | { outcome: 'active'; subscription: SubscriptionRow; invoice: InvoiceRow; payment: PaymentRow | null }
  | { outcome: 'payment_failed'; failureCode: string; payment: PaymentRow }
  /** A remote gateway's charge is opened; `sendCharge` sends it once the order's transaction committed. */
  | { outcome: 'pending'; payment: PaymentRow };

/**
 * A customer orders a paid plan.
 *
 * Checks first (nothing is charged or written when they fail): the account may take a paid plan and has no
 * subscription yet; the plan is a paid one with a price for a frequency the terms offer; the company is fully
 * identified together with the person ordering (QU-BIL-03; company data given here are recorded on the
 * account first, with their history). The first period comes from the policy's anchor and is priced in the
 * policy currency, pro rata when shorter than a full period (QU-BIL-06); VAT is the buyer's, decided from the
 * seller's country and terms (CM-BIL-08, QU-BIL-08).
 *
 * Paid first (`after_payment`: ClickMeeting, Bookero): the card is charged with the customer present under
 * the idempotency key `order:<account>:<period from>` (`:<n>` for a later attempt after a decline), after
 * the account's credit is drawn on (CM-BIL-05). Only when the charge succeeds, in one transaction: the
 * payment, the invoice (numbered, paid, with FA(3) XML for a Polish seller; CM-BIL-09, BK-BIL-07), the
 * active subscription paid through the period's end, the account switched to the plan at once (CM-ACC-09),
 * the events `payment.succeeded`, `invoice.issued`, `subscription.started` and `account.state_changed`, the
 * invoice mail, and the renewal due at local midnight after the period (CM-BIL-01). A decline commits only
 * the failed payment and its `payment.failed` event and returns `payment_failed`: nothing becomes active.
 *
 * Invoiced with terms (`ahead_with_terms`: Quanda): the subscription starts at once and the invoice is issued
 * on the activation day, due after the payment terms (QU-BIL-05, QU-BIL-06), with its mail; payment is
 * recorded later (`recordPayment`).
 *
 * Joins the caller's transaction (an HTTP request with an Idempotency-Key). Leaves to the caller: who may
 * order, and turning `payment_failed` into the customer's error (`billing.payment_declined`).
 */
export async function orderPlan(deps: BillingDeps, input: OrderInput): Promise<OrderResult> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId], true);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const existing = await deps.store.liveSubscription(input.accountId, true);
    if (existing)
      throw new AppError(billingErrors['billing.subscription_exists'], {
        details: { plan: existing.planCode },
      });
    if (!canActivatePaidPlan(life.state))
      throw new AppError(billingErrors['billing.order_not_allowed'], { details: { state: life.state } });
    const policy = deps.policyOf(life.policyVersionId);

    const change = companyChange(input.identification?.company);
    const profile = change
      ? await deps.accounts.updateProfile({ accountId: input.accountId, change, actor: input.actor })
      : await deps.accounts.profile(input.accountId);
    const orderingPerson = input.identification?.orderingPerson?.trim() || profile.registeringPerson;
    const issues = checkOrder(policy, {
      planCode: input.plan,
      frequency: input.frequency,
      identification: { ...profile, orderingPerson },
    });
    if (issues.length > 0)
      throw new AppError(billingErrors['billing.order_invalid'], { details: { issues } });

    const plan = policy.plans.find((p) => p.code === input.plan)!;
    const frequency = input.frequency as Frequency;
    const now = await deps.timeOf(life.clockId);
    const activation = localDateOf(now, policy.locale.timeZone);
    // New customers pay the price list in force on the activation day, announced changes included (CM-BIL-03).
    const listed = await listPrice(deps, policy, plan.code, frequency, activation);
    const quote = quoteFirstPeriod(policy, plan, frequency, activation, listed);
    const [contact] = await deps.accounts.contactsOf([input.accountId]);
    const vatIdValid = await vatIdStatusOf(deps.db, input.accountId, profile.taxId, profile.country);
    const { buyer, language } = buyerOf(profile, contact, vatIdValid);
    const vat = decideInvoiceVat(policy, buyer, activation, deps.vatRates, language);
    const order: Order = {
      life,
      policy,
      plan,
      frequency,
      quote,
      now,
      activation,
      buyer,
      language,
      vat,
      contact,
      orderingPerson: orderingPerson ?? null,
      items: [
        {
          description: subscriptionLineText(plan.name[language], frequency, quote.period, language),
          net: quote.net,
        },
      ],
    };
    return policy.billing.invoiceTiming === 'after_payment'
      ? startOnPayment(deps, input, order)
      : startOnTerms(deps, input, order);
  });
}

type Order = {
  life: LifeRow;
  policy: Policy;
  plan: Plan;
  frequency: Frequency;
  quote: FirstPeriodQuote;
  now: Date;
  activation: string;
  buyer: Buyer;
  language: 'pl' | 'en';
  vat: VatDecision | null;
  contact: AccountContact | undefined;
  orderingPerson: string | null;
  items: { description: string; net: Money }[];
};

/** The card an order is paid with: one saved before, a new one the gateway took, or a new one it declined. */
type OrderCard =
  | { kind: 'saved'; method: PaymentMethodRow }
  | { kind: 'new'; card: KeptCard }
  | { kind: 'declined'; failureCode: string }
  /** No card: the buyer pays on a redirect gateway's page (MOC-BIL-01); `token` guards the sandbox's page. */
  | { kind: 'redirect'; token: string };

async function cardOf(deps: BillingDeps, input: OrderInput, order: Order): Promise<OrderCard> {
  if (input.card && input.prepared?.provider === deps.provider.id) {
    const { result } = input.prepared;
    return result.ok
      ? { kind: 'new', card: result.card }
      : { kind: 'declined', failureCode: result.failureCode };
  }
  if (input.card) {
    const attached = await attachCard(
      deps,
      order.policy,
      input.card,
      input.recurringConsent ?? false,
      order.now,
    );
    return attached.ok
      ? { kind: 'new', card: attached.card }
      : { kind: 'declined', failureCode: attached.failureCode };
  }
  const method = input.paymentMethodId
    ? await deps.store.paymentMethod(input.accountId, input.paymentMethodId)
    : ((await deps.store.paymentMethodsOf(input.accountId))[0] ?? null);
  if (method) return { kind: 'saved', method };
  if (input.paymentMethodId)
    throw new AppError(billingErrors['billing.payment_method_not_found'], {
      details: { id: input.paymentMethodId },
    });
  throw new AppError(billingErrors['billing.payment_method_required']);
}

async function startOnPayment(deps: BillingDeps, input: OrderInput, order: Order): Promise<OrderResult> {
  const { policy, now } = order;
  const accountId = input.accountId;
  const currency = policy.locale.currency;
  // MOC-BIL-01: terms that take payments only by redirect never see a card; the buyer pays on the gateway.
  const redirect = paysByRedirectOnly(policy);
  if (redirect && (input.card || input.paymentMethodId))
    throw new AppError(billingErrors['billing.cards_not_accepted'], {
      details: { methods: policy.billing.paymentProviders.map((p) => p.name).join(', ') },
    });
  const gateway = redirect
    ? redirectGatewayFor(deps, policy, order.life.clockId, input.provider)
    : gatewayFor(deps, order.life.clockId);
  const card: OrderCard = redirect
    ? { kind: 'redirect', token: randomToken(16) }
    : await cardOf({ ...deps, provider: gateway }, input, order);
  const gross = invoiceGross(order.items, order.vat, currency);
  const { fromCredit, toCharge } = drawCredit(gross, await deps.store.creditBalance(accountId, currency));
  const intent = `order:${accountId}:${order.quote.period.from}`;
  const earlier = await deps.store.paymentsForIntent(accountId, intent);
  const open = earlier.find((p) => p.status === 'pending');
  // A redirect payment still waiting for the buyer is answered again (its page), rather than refused.
  if (open && redirect && open.provider === gateway.id) return { outcome: 'pending', payment: open };
  if (open) throw new AppError(billingErrors['billing.payment_pending'], { details: { payment: open.id } });
  const idempotencyKey = earlier.length === 0 ? intent : `${intent}:${earlier.length + 1}`;
  if (card.kind !== 'declined' && toCharge.amount === 0n) {
    // Credit covers it all: nothing is charged; a new card is kept for the renewals.
    const method =
      card.kind === 'new'
        ? await saveCard({ ...deps, provider: gateway }, policy, {
            accountId,
            card: card.card,
            recurringConsent: input.recurringConsent ?? false,
            at: now,
            actor: input.actor,
          })
        : card.kind === 'saved'
          ? card.method
          : null;
    return start(deps, input, order, {
      paidThrough: order.quote.period.to,
      paymentMethodId: method?.id ?? null,
      received: { amount: gross, method: 'other' },
      fromCredit,
      payment: null,
    });
  }

  const [year, month] = order.activation.split('-').map(Number) as [number, number];
  const context: OrderChargeContext = {
    plan: order.plan.code,
    frequency: order.frequency,
    activation: order.activation,
    quote: {
      period: order.quote.period,
      partial: order.quote.partial,
      fullPrice: storedMoney(order.quote.fullPrice),
      net: storedMoney(order.quote.net),
    },
    buyer: order.buyer,
    language: order.language,
    vat: order.vat,
    orderingPerson: order.orderingPerson,
    items: order.items.map((i) => ({ description: i.description, net: storedMoney(i.net) })),
    gross: storedMoney(gross),
    fromCredit: storedMoney(fromCredit),
    newCard: card.kind === 'new' ? card.card : null,
    recurringConsent: input.recurringConsent ?? false,
    actor: input.actor,
    ...(redirect ? { redirect: true } : {}),
  };
  const payment = await openCharge(deps, gateway, {
    accountId,
    purpose: 'order',
    subscriptionId: null,
    paymentMethodId: card.kind === 'saved' ? card.method.id : null,
    idempotencyKey,
    amount: toCharge,
    methodRef:
      card.kind === 'new'
        ? card.card.providerRef
        : card.kind === 'saved'
          ? card.method.providerRef
          : card.kind === 'redirect'
            ? card.token
            : '',
    offSession: false,
    on: { year, month },
    context,
    at: now,
    send: card.kind !== 'declined',
  });
  if (card.kind === 'declined')
    return applyOrderCharge(deps, payment, context, {
      status: 'failed',
      providerRef: null,
      failureCode: card.failureCode,
    });
  // A remote gateway is charged after this transaction commits (`sendCharge`); the answer settles it then.
  if (gateway.remote) return { outcome: 'pending', payment };
  if (card.kind === 'redirect') throw new Error('a redirect gateway is always charged after the commit');
  const charged = await gateway.charge({
    methodRef: card.kind === 'new' ? card.card.providerRef : card.method.providerRef,
    amount: toCharge,
    idempotencyKey,
    offSession: false,
    on: { year, month },
    reference: payment.id,
  });
  return applyOrderCharge(deps, payment, context, outcomeInProcess(charged));
}

/** What settling an order's charge needs, frozen when the charge was opened (JSON: Money as minor-unit strings). */
export type OrderChargeContext = {
  plan: string;
  frequency: Frequency;
  activation: string;
  quote: { period: { from: string; to: string }; partial: boolean; fullPrice: StoredMoney; net: StoredMoney };
  buyer: Buyer;
  language: 'pl' | 'en';
  vat: VatDecision | null;
  orderingPerson: string | null;
  items: { description: string; net: StoredMoney }[];
  gross: StoredMoney;
  fromCredit: StoredMoney;
  /** A new card, saved only once it paid. */
  newCard: KeptCard | null;
  recurringConsent: boolean;
  actor: string;
  /** Paid on a redirect gateway's page (MOC-BIL-01): no card, the invoice says "other". */
  redirect?: boolean;
};

/**
 * Settles an order's charge, whichever gateway answered and whenever (the sandbox at once, Stripe's answer
 * or webhook later): a decline records the failed payment and `payment.failed` (CM-ACC-09's activation
 * clause) and nothing becomes active; a success saves the new card (only now that it paid, with its
 * recurring consent), records the payment and starts the subscription: invoice, period, plan, events, mail,
 * renewal. Gets the payment pending and locked; a payment settled before changes nothing.
 */
export async function applyOrderCharge(
  deps: BillingDeps,
  pending: PaymentRow,
  context: OrderChargeContext,
  outcome: ChargeOutcome,
): Promise<OrderResult> {
  const payment = await markCharged(deps, pending, outcome);
  if (!payment) {
    const failureCode = pending.failureCode ?? 'already_settled';
    return { outcome: 'payment_failed', failureCode, payment: pending };
  }
  const accountId = payment.accountId;
  const [life] = await deps.lifecycle.load([accountId], true);
  if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: accountId } });
  const policy = deps.policyOf(life.policyVersionId);
  const now = await deps.timeOf(life.clockId);
  const input: OrderInput = {
    accountId,
    plan: context.plan,
    frequency: context.frequency,
    recurringConsent: context.recurringConsent,
    actor: context.actor,
  };
  if (outcome.status === 'failed') {
    await deps.eventLog.append([
      {
        chainId: accountId,
        type: 'payment.failed',
        clause: policy.billing.clauses.activation,
        actor: context.actor,
        occurredAt: now,
        data: {
          payment: payment.id,
          purpose: 'order',
          plan: context.plan,
          amount: toDecimalString(money(payment.amount, payment.currency)),
          currency: payment.currency,
          failureCode: outcome.failureCode,
        },
      },
    ]);
    return { outcome: 'payment_failed', failureCode: outcome.failureCode, payment };
  }
  const gateway = gatewayFor(deps, life.clockId);
  const method = context.newCard
    ? await saveCard({ ...deps, provider: gateway }, policy, {
        accountId,
        card: context.newCard,
        recurringConsent: context.recurringConsent,
        at: now,
        actor: context.actor,
      })
    : payment.paymentMethodId
      ? await deps.store.paymentMethod(accountId, payment.paymentMethodId)
      : null;
  if (method && payment.paymentMethodId !== method.id)
    await deps.db.q.update(payments).set({ paymentMethodId: method.id }).where(eq(payments.id, payment.id));
  const plan = policy.plans.find((p) => p.code === context.plan)!;
  const [contact] = await deps.accounts.contactsOf([accountId]);
  const order: Order = {
    life,
    policy,
    plan,
    frequency: context.frequency,
    quote: {
      period: context.quote.period,
      partial: context.quote.partial,
      fullPrice: fromStoredMoney(context.quote.fullPrice),
      net: fromStoredMoney(context.quote.net),
    },
    now,
    activation: context.activation,
    buyer: context.buyer,
    language: context.language,
    vat: context.vat,
    contact,
    orderingPerson: context.orderingPerson,
    items: context.items.map((i) => ({ description: i.description, net: fromStoredMoney(i.net) })),
  };
  return start(deps, input, order, {
    paidThrough: order.quote.period.to,
    paymentMethodId: method?.id ?? null,
    received: { amount: fromStoredMoney(context.gross), method: context.redirect ? 'other' : 'card' },
    fromCredit: fromStoredMoney(context.fromCredit),
    payment: { ...payment, paymentMethodId: method?.id ?? payment.paymentMethodId },
  });
}

async function startOnTerms(deps: BillingDeps, input: OrderInput, order: Order): Promise<OrderResult> {
  const currency = order.policy.locale.currency;
  const gross = invoiceGross(order.items, order.vat, currency);
  const { fromCredit } = drawCredit(gross, await deps.store.creditBalance(input.accountId, currency));
  const fullyFromCredit = fromCredit.amount >= gross.amount;
  return start(deps, input, order, {
    paidThrough: fullyFromCredit ? order.quote.period.to : null,
    paymentMethodId: null,
    received: fromCredit.amount > 0n ? { amount: fromCredit, method: 'other' } : null,
    fromCredit,
    payment: null,
  });
}

/** The writes both ways of starting share: subscription, invoice, credit used, the plan on, events, mail, renewal. */
async function start(
  deps: BillingDeps,
  input: OrderInput,
  order: Order,
  paid: {
    paidThrough: string | null;
    paymentMethodId: string | null;
    received: { amount: Money; method: 'card' | 'transfer' | 'other' } | null;
    fromCredit: Money;
    payment: PaymentRow | null;
  },
): Promise<OrderResult> {
  const { policy, now, quote, life } = order;
  const accountId = input.accountId;
  const subscription = await deps.store.insertSubscription({
    id: deps.ids.next('sub'),
    accountId,
    planCode: order.plan.code,
    frequency: order.frequency,
    status: 'active',
    currentPeriodFrom: quote.period.from,
    currentPeriodTo: quote.period.to,
    paidThrough: paid.paidThrough,
    cancelAtPeriodEnd: false,
    priceAmount: quote.fullPrice.amount,
    priceCurrency: quote.fullPrice.currency,
    paymentMethodId: paid.paymentMethodId,
    clockId: life.clockId,
    policyVersionId: life.policyVersionId,
    orderedBy: order.orderingPerson,
    createdAt: now,
    updatedAt: now,
  });
  const invoice = await issueInvoice(deps, {
    clockId: life.clockId,
    policy,
    accountId,
    subscriptionId: subscription.id,
    issueDate: order.activation,
    period: quote.period,
    items: order.items,
    vat: order.vat,
    buyer: order.buyer,
    language: order.language,
    received: paid.received,
    at: now,
  });
  if (paid.payment) await deps.store.setPaymentInvoice(paid.payment.id, invoice.id);
  if (paid.fromCredit.amount > 0n)
    await deps.store.insertCredit({
      id: deps.ids.next('cred'),
      accountId,
      currency: paid.fromCredit.currency,
      amount: -paid.fromCredit.amount,
      paymentId: null,
      invoiceId: invoice.id,
      createdAt: now,
    });

  const cause = paid.payment ? `payment:${paid.payment.id}` : `order:${subscription.id}`;
  const announced = invoiceIssued(deps, {
    policy,
    invoice,
    frequency: order.frequency,
    planCode: order.plan.code,
    contact: order.contact,
    actor: input.actor,
    cause,
  });
  const events: NewEvent[] = [];
  if (paid.payment)
    events.push({
      chainId: accountId,
      type: 'payment.succeeded',
      clause: policy.billing.clauses.activation,
      actor: input.actor,
      occurredAt: now,
      data: {
        payment: paid.payment.id,
        purpose: 'order',
        invoice: invoice.id,
        amount: toDecimalString(money(paid.payment.amount, paid.payment.currency)),
        currency: paid.payment.currency,
      },
    });
  events.push(announced.event, {
    chainId: accountId,
    type: 'subscription.started',
    clause: policy.billing.clauses.order ?? policy.billing.clauses.activation,
    actor: input.actor,
    cause,
    occurredAt: now,
    data: {
      subscription: subscription.id,
      plan: subscription.planCode,
      frequency: subscription.frequency,
      periodFrom: subscription.currentPeriodFrom,
      periodTo: subscription.currentPeriodTo,
      paidThrough: subscription.paidThrough,
      price: toDecimalString(quote.fullPrice),
      firstPeriodNet: toDecimalString(quote.net),
      currency: quote.fullPrice.currency,
      paymentMethod: subscription.paymentMethodId,
      creditUsed: toDecimalString(paid.fromCredit),
    },
  });
  await deps.eventLog.append(events);
  await deps.lifecycle.activatePaidPlan({
    accountId,
    planCode: order.plan.code,
    at: now,
    because: policy.billing.clauses.activation,
    cause,
    actor: input.actor,
  });
  const mails: NotificationRequest[] = announced.mail ? [announced.mail] : [];
  await deps.notifications.send(mails);
  await deps.dueWork.schedule([
    {
      accountId,
      kind: RENEW,
      ref: subscription.id,
      dueAt: renewalDueAt(policy, subscription),
      clockId: life.clockId,
    },
    ...reminderSchedule(policy, subscription),
  ]);
  return { outcome: 'active', subscription, invoice, payment: paid.payment };
}

function companyChange(company: NonNullable<OrderInput['identification']>['company']): ProfileChange | null {
  if (!company) return null;
  const change: ProfileChange = {};
  if (company.name !== undefined) change.companyName = company.name;
  if (company.country !== undefined) change.country = company.country;
  if (company.address !== undefined) change.address = company.address;
  if (company.taxId !== undefined) change.taxId = company.taxId;
  return Object.keys(change).length > 0 ? change : null;
}
