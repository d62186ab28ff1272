import { desc, eq } from 'drizzle-orm';
import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { randomToken } from '../../platform/ids.ts';
import {
  fromStoredMoney,
  money,
  type StoredMoney,
  storedMoney,
  toDecimalString,
} from '../../platform/money.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { subscriptions } from './billing-schema.ts';
import type { PaymentRow, SubscriptionRow } from './billing-store.ts';
import { type ChargeOutcome, markCharged, openCharge } from './charge-payments.ts';
import type { Buyer } from './invoice-rules.ts';
import { decideInvoiceVat, invoiceGross } from './invoice-rules.ts';
import { buyerOf, invoiceIssued, issueInvoice } from './issue-invoice.ts';
import { drawCredit } from './payment-rules.ts';
import { type Frequency, fullPeriod, nextPeriod, type Period } from './periods.ts';
import { planChangeErrors } from './plan-changes-errors.ts';
import { makePlanChangesStore } from './plan-changes-store.ts';
import { paysByRedirectOnly, redirectGatewayFor } from './redirect-payments.ts';
import { reminderSchedule } from './reminders.ts';
import { renewalDueAt } from './renewal-rules.ts';
import { renewalLines, termsAt } from './subscription-terms.ts';
import type { VatDecision } from './vat/index.ts';
import { vatIdStatusOf } from './vat-id-checks.ts';

/**
 * A period paid by redirect (MOC-BIL-01: no stored credentials, so nothing renews by itself, `autoRenew:
 * false`; each period is a new redirect payment). The renewal sweep (`renew-subscriptions.ts`) leaves such a
 * subscription alone except to end it with its paid period (`no_recurring_consent`); the reminder mailed
 * `renewalReminderLeadDays` before the end invites the customer to pay the next one here. Two cases:
 *
 * - the subscription still runs: the next period (`nextPeriod`, the anniversary kept) is paid ahead; once
 *   paid, the subscription moves on to it at once (its period and paid-through date, the renewal and the
 *   next reminder rescheduled), so the renewal due at the old period's end finds nothing due;
 * - it ended unpaid (the lifecycle restricted the account, non-payment): a full period from the day of the
 *   payment, and the account's standing is reviewed, which lifts the restriction
 *   (`restoreAccessOnFullPayment`).
 *
 * Like an order: the pending payment and its charge are written first under the intent's key
 * `renewal:<subscription>:<period from>` (`:<n>` after a decline or cancel), sent after the commit, and
 * settled by `applyRedirectRenewal` whether the buyer's return, PayPal's webhook or the sandbox page
 * answers. The period is priced at the subscription's own price, VAT decided as for the order.
 */
export type RedirectRenewalContext = {
  subscriptionId: string;
  period: Period;
  /** True when the subscription had ended: it restarts with this period. */
  restart: boolean;
  /** The plan and net price of the period from the customer's price schedule (a downgrade takes effect). */
  planCode: string;
  price: StoredMoney;
  issueDate: string;
  buyer: Buyer;
  language: 'pl' | 'en';
  vat: VatDecision | null;
  items: { description: string; net: StoredMoney }[];
  gross: StoredMoney;
  fromCredit: StoredMoney;
  actor: string;
};

async function latestSubscription(deps: BillingDeps, accountId: string): Promise<SubscriptionRow | null> {
  const [row] = await deps.db.q
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.accountId, accountId))
    .orderBy(desc(subscriptions.createdAt))
    .limit(1)
    .for('update');
  return row ?? null;
}

/**
 * Starts (or answers again) the redirect payment of the subscription's next period. Refused, changing
 * nothing: terms that take cards, no subscription, a subscription cancelled to its end. Joins the caller's
 * transaction; the caller sends the charge after the commit (`sendCharge`) and gets the redirect URL.
 */
export async function payNextPeriodByRedirect(
  deps: BillingDeps,
  input: { accountId: string; provider?: string | null | undefined; actor: string },
): Promise<{ payment: PaymentRow; period: Period; reused: boolean }> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId], true);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const policy = deps.policyOf(life.policyVersionId);
    if (!paysByRedirectOnly(policy))
      throw new AppError(billingErrors['billing.order_not_allowed'], {
        details: { state: `${life.state} (renewals are charged to the saved card)` },
      });
    const subscription = await latestSubscription(deps, input.accountId);
    if (!subscription || subscription.cancelAtPeriodEnd)
      throw new AppError(planChangeErrors['billing.no_subscription']);
    const now = await deps.timeOf(life.clockId);
    const today = localDateOf(now, policy.locale.timeZone);
    const frequency = subscription.frequency as Frequency;
    const restart = subscription.status === 'ended';
    const period = restart
      ? fullPeriod(today, frequency)
      : nextPeriod({ from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo }, frequency);
    const plan = policy.plans.find((p) => p.code === subscription.planCode);
    if (!plan) throw new AppError(planChangeErrors['billing.no_subscription']);

    const intent = `renewal:${subscription.id}:${period.from}`;
    const earlier = await deps.store.paymentsForIntent(input.accountId, intent);
    const gateway = redirectGatewayFor(deps, policy, life.clockId, input.provider);
    const open = earlier.find((p) => p.status === 'pending');
    if (open) {
      if (open.provider === gateway.id) return { payment: open, period, reused: true };
      throw new AppError(billingErrors['billing.payment_pending'], { details: { payment: open.id } });
    }
    if (earlier.some((p) => p.status === 'succeeded'))
      throw new AppError(billingErrors['billing.subscription_exists'], { details: { plan: plan.code } });

    const [profile, [contact]] = await Promise.all([
      deps.accounts.profile(input.accountId),
      deps.accounts.contactsOf([input.accountId]),
    ]);
    const vatIdValid = await vatIdStatusOf(deps.db, input.accountId, profile.taxId, profile.country);
    const { buyer, language } = buyerOf(profile, contact, vatIdValid);
    const vat = decideInvoiceVat(policy, buyer, today, deps.vatRates, language);
    // The customer's own plan and price for the period (a scheduled downgrade, a price change announced),
    // with add-ons and amounts left for the next invoice, as the renewal would bill them (CM-BIL-03).
    const terms = termsAt(
      subscription,
      await makePlanChangesStore(deps.db).scheduleOf([subscription.id]),
      period.from,
    );
    const items = await renewalLines(deps, { policy, subscription, period, language });
    const gross = invoiceGross(items, vat, subscription.priceCurrency);
    const { fromCredit, toCharge } = drawCredit(
      gross,
      await deps.store.creditBalance(input.accountId, gross.currency),
    );
    const context: RedirectRenewalContext = {
      subscriptionId: subscription.id,
      period,
      restart,
      planCode: terms.planCode,
      price: storedMoney(terms.price),
      issueDate: today,
      buyer,
      language,
      vat,
      items: items.map((i) => ({ description: i.description, net: storedMoney(i.net) })),
      gross: storedMoney(gross),
      fromCredit: storedMoney(fromCredit),
      actor: input.actor,
    };
    const [year, month] = today.split('-').map(Number) as [number, number];
    const payment = await openCharge(deps, gateway, {
      accountId: input.accountId,
      purpose: 'redirect_renewal',
      subscriptionId: subscription.id,
      paymentMethodId: null,
      idempotencyKey: earlier.length === 0 ? intent : `${intent}:${earlier.length + 1}`,
      amount: toCharge.amount > 0n ? toCharge : gross,
      methodRef: randomToken(16),
      offSession: false,
      on: { year, month },
      context,
      at: now,
    });
    return { payment, period, reused: false };
  });
}

/**
 * Settles a period's redirect payment: a decline or cancel records `payment.failed` and nothing else (the
 * customer may try again; an unpaid end is the lifecycle's non-payment); a success issues the period's paid
 * invoice, moves the subscription to the period (restarting an ended one), reschedules its renewal and
 * reminder, and has the lifecycle review the account's standing. Gets the payment pending and locked.
 */
export async function applyRedirectRenewal(
  deps: BillingDeps,
  pending: PaymentRow,
  context: RedirectRenewalContext,
  outcome: ChargeOutcome,
): Promise<void> {
  const payment = await markCharged(deps, pending, outcome);
  if (!payment) return;
  const accountId = payment.accountId;
  const [life] = await deps.lifecycle.load([accountId], true);
  if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: accountId } });
  const policy = deps.policyOf(life.policyVersionId);
  const now = await deps.timeOf(life.clockId);
  const clause = policy.billing.clauses.activation;
  const amount = toDecimalString(money(payment.amount, payment.currency));
  if (outcome.status === 'failed') {
    await deps.eventLog.append([
      {
        chainId: accountId,
        type: 'payment.failed',
        clause,
        actor: context.actor,
        occurredAt: now,
        data: {
          payment: payment.id,
          purpose: 'renewal',
          subscription: context.subscriptionId,
          periodFrom: context.period.from,
          amount,
          currency: payment.currency,
          failureCode: outcome.failureCode,
        },
      },
    ]);
    return;
  }
  const [subscription] = await deps.db.q
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.id, context.subscriptionId))
    .for('update');
  if (!subscription) throw new AppError(planChangeErrors['billing.no_subscription']);
  const gross = fromStoredMoney(context.gross);
  const fromCredit = fromStoredMoney(context.fromCredit);
  const invoice = await issueInvoice(deps, {
    clockId: life.clockId,
    policy,
    accountId,
    subscriptionId: subscription.id,
    issueDate: localDateOf(now, policy.locale.timeZone),
    period: context.period,
    items: context.items.map((i) => ({ description: i.description, net: fromStoredMoney(i.net) })),
    vat: context.vat,
    buyer: context.buyer,
    language: context.language,
    received: { amount: gross, method: 'other' },
    at: now,
  });
  await deps.store.setPaymentInvoice(payment.id, invoice.id);
  if (fromCredit.amount > 0n && payment.amount < gross.amount)
    await deps.store.insertCredit({
      id: deps.ids.next('cred'),
      accountId,
      currency: fromCredit.currency,
      amount: -fromCredit.amount,
      paymentId: null,
      invoiceId: invoice.id,
      createdAt: now,
    });
  const [renewed] = await deps.db.q
    .update(subscriptions)
    .set({
      status: 'active',
      // Paid ahead, a scheduled change still applies at the period's start (its own due item); a restart
      // begins on the period's plan at once.
      ...(context.restart ? { planCode: context.planCode, priceAmount: BigInt(context.price.amount) } : {}),
      currentPeriodFrom: context.period.from,
      currentPeriodTo: context.period.to,
      paidThrough: context.period.to,
      updatedAt: now,
    })
    .where(eq(subscriptions.id, subscription.id))
    .returning();
  const [contact] = await deps.accounts.contactsOf([accountId]);
  const cause = `payment:${payment.id}`;
  const announced = invoiceIssued(deps, {
    policy,
    invoice,
    frequency: subscription.frequency as Frequency,
    planCode: subscription.planCode,
    contact,
    actor: context.actor,
    cause,
  });
  await deps.eventLog.append([
    {
      chainId: accountId,
      type: 'payment.succeeded',
      clause,
      actor: context.actor,
      occurredAt: now,
      data: {
        payment: payment.id,
        purpose: 'renewal',
        invoice: invoice.id,
        amount,
        currency: payment.currency,
      },
    },
    announced.event,
    {
      chainId: accountId,
      type: context.restart ? 'subscription.restarted' : 'subscription.renewed',
      clause,
      actor: context.actor,
      cause,
      occurredAt: now,
      data: {
        subscription: subscription.id,
        plan: context.planCode,
        previousPlan: subscription.planCode,
        periodFrom: context.period.from,
        periodTo: context.period.to,
        paidThrough: context.period.to,
        previousPeriodTo: subscription.currentPeriodTo,
        by: 'redirect',
      },
    },
  ]);
  if (announced.mail) await deps.notifications.send([announced.mail]);
  await deps.dueWork.schedule([
    {
      accountId,
      kind: RENEW,
      ref: subscription.id,
      dueAt: renewalDueAt(policy, renewed!),
      clockId: life.clockId,
    },
    ...reminderSchedule(policy, renewed!),
  ]);
  // A restarted subscription lifts the non-payment restriction; then the period's plan is the account's.
  await deps.lifecycle.reviewStanding?.([{ accountId, at: now }], cause);
  if (context.restart && context.planCode !== life.planCode)
    await deps.lifecycle.activatePaidPlan({
      accountId,
      planCode: context.planCode,
      at: now,
      because: clause,
      cause,
      actor: context.actor,
    });
}
