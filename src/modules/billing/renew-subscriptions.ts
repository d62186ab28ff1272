import { addDays, localDateOf } from '../../platform/calendar.ts';
import type { DueItem, ScheduleRequest } from '../../platform/due-work/due-work.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import { formatMoney, type Money, money, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountContact } from '../lifecycle/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';
import type { PaymentMethodRow, PaymentRow, SubscriptionRow } from './billing-store.ts';
import { type ChargeOutcome, markCharged, openCharge, outcomeInProcess } from './charge-payments.ts';
import { type Buyer, decideInvoiceVat, invoiceGross } from './invoice-rules.ts';
import { buyerOf, invoiceIssued, issueInvoice, planName } from './issue-invoice.ts';
import { gatewayFor } from './payment-provider.ts';
import { drawCredit } from './payment-rules.ts';
import type { Period } from './periods.ts';
import { reminderSchedule } from './reminders.ts';
import { decideRenewal, type RenewalDecision, renewalDueAt, renewalKey, retryAt } from './renewal-rules.ts';
import { renewalLines } from './subscription-terms.ts';
import type { VatDecision } from './vat/index.ts';
import { vatIdStatusOf } from './vat-id-checks.ts';

/**
 * The `billing.renew` due handler: renews each subscription of the batch whose renewal is still due,
 * asking `decideRenewal` again at the item's firing time with the facts read under lock (the customer may
 * have withdrawn consent, or the period may already be renewed).
 *
 * - Card subscriptions are charged without the customer under `renew:<subscription>:<period from>` (`:<n>`
 *   for the n-th try). The key is looked up before charging and the attempt recorded with it, and the
 *   `payments.idempotency_key` unique constraint guards the rest: a re-run item, a second advance of a test
 *   clock or a retried batch never charges a period twice. On success (CM-BIL-01: charged on the new period's
 *   first day) the invoice is issued that day, only now that it is paid (CM-BIL-09), the period moves on and
 *   the next renewal is scheduled. A decline records `payment.failed` with its code and
 *   `subscription.renewal_failed`, marks the subscription `past_due` and schedules the next try per
 *   `renewalRetryDays` (presets: 1, 3 and 5 days later, a documented default); what the account may do
 *   meanwhile and after the last try is the lifecycle's (dunning) business.
 * - Without consent to automatic charges (CM-BIL-02, BK-BIL-05) nothing is charged: `subscription.not_renewed`
 *   ends the subscription with its paid period.
 * - Subscriptions invoiced with terms get the next period's invoice, due after the terms (QU-BIL-04/05/06).
 *
 * Runs inside the sweep's transaction: payments, invoices, periods, events, mails and the next due items of
 * the whole batch commit together. Running it twice for the same facts changes nothing the second time: the
 * first run moved the period on (the renewal is no longer due) or recorded the attempt (the next try has its
 * own key and time).
 */
export function renewSubscriptions(deps: BillingDeps): (items: DueItem[]) => Promise<void> {
  return async (items) => {
    // Lock order (ARCHITECTURE.md, Storage): the accounts' states first, then their subscriptions.
    await deps.lifecycle.load([...new Set(items.map((i) => i.accountId))], true);
    const subscriptions = new Map(
      (
        await deps.store.subscriptionsByIds(
          items.map((i) => i.ref),
          true,
        )
      ).map((s) => [s.id, s]),
    );
    const methods = new Map(
      (
        await deps.store.paymentMethodsByIds(
          [...subscriptions.values()].flatMap((s) => (s.paymentMethodId ? [s.paymentMethodId] : [])),
        )
      ).map((m) => [m.id, m]),
    );
    const contacts = new Map(
      (await deps.accounts.contactsOf([...new Set(items.map((i) => i.accountId))])).map((c) => [
        c.accountId,
        c,
      ]),
    );
    const out: Outcome = { events: [], mails: [], schedules: [] };
    // A suspended account is charged nothing of any kind (CM-LIF-06): its reactivation resumes the renewal.
    const paused = (await deps.lifecycle.renewalsPaused?.(items)) ?? new Set<string>();
    for (const item of items) {
      const subscription = subscriptions.get(item.ref);
      if (!subscription || paused.has(subscription.accountId)) continue;
      const policy = deps.policyOf(subscription.policyVersionId);
      const method = subscription.paymentMethodId
        ? (methods.get(subscription.paymentMethodId) ?? null)
        : null;
      const nextFrom = addDays(subscription.currentPeriodTo, 1);
      const tries = await deps.store.paymentsForIntent(
        subscription.accountId,
        renewalKey(subscription.id, nextFrom, 1),
      );
      const failedAttempts = tries.filter((p) => p.status === 'failed').length;
      const decision = decideRenewal(policy, { subscription, method, failedAttempts }, item.firedAt);
      const step: Step = {
        item,
        policy,
        subscription,
        method,
        contact: contacts.get(subscription.accountId),
        cause: `due:${RENEW}`,
      };
      await act(deps, step, decision, tries, out);
    }
    await deps.eventLog.append(out.events);
    await deps.notifications.send(out.mails);
    await deps.dueWork.schedule(out.schedules);
    await deps.lifecycle.reviewStanding?.(
      items.map((i) => ({ accountId: i.accountId, at: i.firedAt })),
      `due:${RENEW}`,
    );
  };
}

type Outcome = { events: NewEvent[]; mails: NotificationRequest[]; schedules: ScheduleRequest[] };

type Step = {
  item: DueItem;
  policy: Policy;
  subscription: SubscriptionRow;
  method: PaymentMethodRow | null;
  contact: AccountContact | undefined;
  cause: string;
};

async function act(
  deps: BillingDeps,
  step: Step,
  decision: RenewalDecision,
  tries: PaymentRow[],
  out: Outcome,
): Promise<void> {
  const { subscription, policy } = step;
  switch (decision.action) {
    case 'wait':
      // Not due (yet): keep the renewal's own due item alive at the time it is due.
      if (decision.reason === 'not_due') out.schedules.push(renewalDue(policy, subscription));
      return;
    case 'stop':
      return stop(deps, step, decision, out);
    case 'invoice': {
      const pricing = await priceRenewal(deps, step, decision.period);
      const fromCredit = pricing.fromCredit.amount > 0n ? pricing.fromCredit : null;
      const received = fromCredit ? { amount: fromCredit, method: 'other' as const } : null;
      return renew(deps, step, decision.period, decision.because, pricing, { received, payment: null }, out);
    }
    case 'charge': {
      const recorded = tries.find((p) => p.idempotencyKey === decision.idempotencyKey) ?? null;
      // An attempt recorded as declined is over; its retry has its own key and due time. One still pending
      // is a remote gateway's charge under way: its answer or webhook settles it (`applyRenewalCharge`).
      if (recorded?.status === 'failed' || recorded?.status === 'pending') return;
      return charge(deps, step, decision, recorded, out);
    }
  }
}

type Pricing = {
  issueDate: string;
  buyer: Buyer;
  language: 'pl' | 'en';
  vat: VatDecision | null;
  items: { description: string; net: Money }[];
  gross: Money;
  fromCredit: Money;
  toCharge: Money;
};

/** The next period's invoice as it would be issued at the item's firing time, and how credit covers it. */
async function priceRenewal(deps: BillingDeps, step: Step, period: Period): Promise<Pricing> {
  const { subscription, policy, item } = step;
  const issueDate = localDateOf(item.firedAt, policy.locale.timeZone);
  const profile = await deps.accounts.profile(subscription.accountId);
  const vatIdValid = await vatIdStatusOf(deps.db, subscription.accountId, profile.taxId, profile.country);
  const { buyer, language } = buyerOf(profile, step.contact, vatIdValid);
  const vat = decideInvoiceVat(policy, buyer, issueDate, deps.vatRates, language);
  // The customer's own plan and price from its price schedule, never today's price list (CM-BIL-03,
  // QU-BIL-09/10/11), with the add-ons that renew with it on the same invoice (CM-BIL-06).
  const items = await renewalLines(deps, { policy, subscription, period, language });
  const gross = invoiceGross(items, vat, subscription.priceCurrency);
  const balance = await deps.store.creditBalance(subscription.accountId, subscription.priceCurrency);
  return { issueDate, buyer, language, vat, items, gross, ...drawCredit(gross, balance) };
}

async function charge(
  deps: BillingDeps,
  step: Step,
  decision: Extract<RenewalDecision, { action: 'charge' }>,
  recorded: PaymentRow | null,
  out: Outcome,
): Promise<void> {
  const { subscription, item, method } = step;
  const pricing = await priceRenewal(deps, step, decision.period);
  const { toCharge } = pricing;
  const [year, month] = pricing.issueDate.split('-').map(Number) as [number, number];

  if (!recorded && toCharge.amount > 0n) {
    const gateway = gatewayFor(deps, subscription.clockId);
    const context: RenewalChargeContext = {
      subscriptionId: subscription.id,
      period: decision.period,
      because: decision.because,
      attempt: decision.attempt,
      firedAt: item.firedAt.toISOString(),
      dueAt: item.dueAt.toISOString(),
      cause: step.cause,
      pricing: {
        issueDate: pricing.issueDate,
        buyer: pricing.buyer,
        language: pricing.language,
        vat: pricing.vat,
        items: pricing.items.map((i) => ({ description: i.description, net: jsonMoney(i.net) })),
        gross: jsonMoney(pricing.gross),
        fromCredit: jsonMoney(pricing.fromCredit),
        toCharge: jsonMoney(pricing.toCharge),
      },
    };
    const payment = await openCharge(deps, gateway, {
      accountId: subscription.accountId,
      purpose: 'renewal',
      subscriptionId: subscription.id,
      paymentMethodId: method!.id,
      idempotencyKey: decision.idempotencyKey,
      amount: toCharge,
      methodRef: method!.providerRef,
      offSession: true,
      on: { year, month },
      context,
      at: item.firedAt,
    });
    // A remote gateway is charged by the charge runner after the sweep's transaction commits.
    if (gateway.remote) return;
    const result = await gateway.charge({
      methodRef: method!.providerRef,
      amount: toCharge,
      idempotencyKey: decision.idempotencyKey,
      offSession: true,
      on: { year, month },
      reference: payment.id,
    });
    return settleRenewal(deps, step, decision, pricing, payment, outcomeInProcess(result), out);
  }
  if (recorded) out.events.push(paymentEvent(step, recorded, decision.because));
  const received = { amount: pricing.gross, method: recorded ? ('card' as const) : ('other' as const) };
  return renew(deps, step, decision.period, decision.because, pricing, { received, payment: recorded }, out);
}

/** A renewal charge's outcome: the period renewed with its paid invoice, or the decline and its retry. */
async function settleRenewal(
  deps: BillingDeps,
  step: Step,
  decision: Pick<Extract<RenewalDecision, { action: 'charge' }>, 'period' | 'because' | 'attempt'>,
  pricing: Pricing,
  pending: PaymentRow,
  outcome: ChargeOutcome,
  out: Outcome,
): Promise<void> {
  const payment = await markCharged(deps, pending, outcome);
  if (!payment) return;
  if (payment.status === 'failed') return declined(deps, step, decision, payment, out);
  out.events.push(paymentEvent(step, payment, decision.because));
  const received = { amount: pricing.gross, method: 'card' as const };
  return renew(deps, step, decision.period, decision.because, pricing, { received, payment }, out);
}

/** What settling a renewal's charge needs, frozen when the charge was opened (Money as minor-unit strings). */
export type RenewalChargeContext = {
  subscriptionId: string;
  period: Period;
  because: string | null;
  attempt: number;
  firedAt: string;
  dueAt: string;
  cause: string;
  pricing: {
    issueDate: string;
    buyer: Buyer;
    language: 'pl' | 'en';
    vat: VatDecision | null;
    items: { description: string; net: JsonMoney }[];
    gross: JsonMoney;
    fromCredit: JsonMoney;
    toCharge: JsonMoney;
  };
};

type JsonMoney = { amount: string; currency: string };
const jsonMoney = (m: Money): JsonMoney => ({ amount: m.amount.toString(), currency: m.currency });
const moneyOf = (m: JsonMoney): Money => money(BigInt(m.amount), m.currency);

/**
 * Settles a renewal charge a remote gateway answered later (its answer or webhook): exactly what the sweep
 * does with the sandbox's immediate answer (`settleRenewal`), at the renewal's firing time and with the
 * price frozen then: on success the invoice (CM-BIL-09), the period moved on and the next renewal (CM-BIL-01);
 * on a decline `payment.failed`, `subscription.renewal_failed`, past due and the next try. Events, mails and
 * due items commit with the caller's transaction. A payment settled before changes nothing.
 */
export async function applyRenewalCharge(
  deps: BillingDeps,
  pending: PaymentRow,
  context: RenewalChargeContext,
  outcome: ChargeOutcome,
): Promise<void> {
  // Lock order: the account's state first, then its subscription.
  await deps.lifecycle.load([pending.accountId], true);
  const [subscription] = await deps.store.subscriptionsByIds([context.subscriptionId], true);
  if (!subscription)
    throw new Error(`renewal charge ${pending.id}: no subscription ${context.subscriptionId}`);
  const policy = deps.policyOf(subscription.policyVersionId);
  const [method] = subscription.paymentMethodId
    ? await deps.store.paymentMethodsByIds([subscription.paymentMethodId])
    : [];
  const [contact] = await deps.accounts.contactsOf([subscription.accountId]);
  const item: DueItem = {
    accountId: subscription.accountId,
    kind: RENEW,
    ref: subscription.id,
    dueAt: new Date(context.dueAt),
    clockId: subscription.clockId,
    attempts: 0,
    firedAt: new Date(context.firedAt),
  };
  const step: Step = { item, policy, subscription, method: method ?? null, contact, cause: context.cause };
  const p = context.pricing;
  const pricing: Pricing = {
    issueDate: p.issueDate,
    buyer: p.buyer,
    language: p.language,
    vat: p.vat,
    items: p.items.map((i) => ({ description: i.description, net: moneyOf(i.net) })),
    gross: moneyOf(p.gross),
    fromCredit: moneyOf(p.fromCredit),
    toCharge: moneyOf(p.toCharge),
  };
  const out: Outcome = { events: [], mails: [], schedules: [] };
  // The period may have moved on meanwhile (it never should: the renewal waits for this charge); then the
  // payment is recorded and nothing is renewed twice.
  const expected = addDays(subscription.currentPeriodTo, 1) === context.period.from;
  if (expected || outcome.status === 'failed')
    await settleRenewal(deps, step, context, pricing, pending, outcome, out);
  else await markCharged(deps, pending, outcome);
  await deps.eventLog.append(out.events);
  await deps.notifications.send(out.mails);
  await deps.dueWork.schedule(out.schedules);
  // As after the sweep: payment facts changed, so the lifecycle's non-payment rules decide again.
  await deps.lifecycle.reviewStanding?.(
    [{ accountId: subscription.accountId, at: item.firedAt }],
    `payment:${pending.id}`,
  );
}

/**
 * Moves the subscription into `period` with its invoice, issued on the firing day: paid (a card renewal,
 * CM-BIL-09) or due after the terms (QU-BIL-05/06); records the credit it used and schedules the next renewal.
 */
async function renew(
  deps: BillingDeps,
  step: Step,
  period: Period,
  because: string | null,
  pricing: Pricing,
  paid: { received: { amount: Money; method: 'card' | 'other' } | null; payment: PaymentRow | null },
  out: Outcome,
): Promise<void> {
  const { subscription, policy, item } = step;
  const at = item.firedAt;
  const invoice = await issueInvoice(deps, {
    clockId: subscription.clockId,
    policy,
    accountId: subscription.accountId,
    subscriptionId: subscription.id,
    issueDate: pricing.issueDate,
    period,
    items: pricing.items,
    vat: pricing.vat,
    buyer: pricing.buyer,
    language: pricing.language,
    received: paid.received,
    at,
  });
  if (paid.payment) await deps.store.setPaymentInvoice(paid.payment.id, invoice.id);
  if (pricing.fromCredit.amount > 0n)
    await deps.store.insertCredit({
      id: deps.ids.next('cred'),
      accountId: subscription.accountId,
      currency: pricing.fromCredit.currency,
      amount: -pricing.fromCredit.amount,
      paymentId: null,
      invoiceId: invoice.id,
      createdAt: at,
    });
  const renewed = await deps.store.updateSubscription(subscription.id, {
    status: 'active',
    currentPeriodFrom: period.from,
    currentPeriodTo: period.to,
    paidThrough: invoice.status === 'paid' ? period.to : subscription.paidThrough,
    updatedAt: at,
  });
  const announced = invoiceIssued(deps, {
    policy,
    invoice,
    frequency: subscription.frequency,
    planCode: subscription.planCode,
    contact: step.contact,
    actor: 'system',
    cause: step.cause,
  });
  out.events.push(announced.event, {
    chainId: subscription.accountId,
    type: 'subscription.renewed',
    clause: because,
    actor: 'system',
    cause: step.cause,
    occurredAt: at,
    data: {
      subscription: subscription.id,
      plan: subscription.planCode,
      periodFrom: period.from,
      periodTo: period.to,
      paidThrough: renewed.paidThrough,
      invoice: invoice.id,
    },
  });
  if (announced.mail) out.mails.push(announced.mail);
  out.schedules.push(renewalDue(policy, renewed), ...reminderSchedule(policy, renewed));
}

/** A declined renewal charge: the subscription is past due and the next try is scheduled, if any is left. */
async function declined(
  deps: BillingDeps,
  step: Step,
  decision: Pick<Extract<RenewalDecision, { action: 'charge' }>, 'period' | 'because' | 'attempt'>,
  payment: PaymentRow,
  out: Outcome,
): Promise<void> {
  const { subscription, policy, item, contact } = step;
  const at = item.firedAt;
  const next = retryAt(policy, decision.period.from, decision.attempt);
  out.events.push(paymentEvent(step, payment, decision.because), {
    chainId: subscription.accountId,
    type: 'subscription.renewal_failed',
    clause: decision.because,
    actor: 'system',
    cause: `payment:${payment.id}`,
    occurredAt: at,
    data: {
      subscription: subscription.id,
      periodFrom: decision.period.from,
      attempt: decision.attempt,
      nextAttemptAt: next?.toISOString() ?? null,
      final: next === null,
    },
  });
  if (next)
    out.schedules.push({
      accountId: subscription.accountId,
      kind: RENEW,
      ref: subscription.id,
      dueAt: next,
      clockId: subscription.clockId,
    });
  if (contact) {
    const locale = contact.locale;
    const common = {
      accountId: subscription.accountId,
      recipient: contact.email,
      locale,
      clause: decision.because,
      dedupeKey: `billing.renewal_failed:${payment.id}`,
      occurredAt: at,
    };
    const billingUrl = `${deps.portalUrl}/billing`;
    const plan = planName(policy, subscription.planCode, locale);
    const paidThrough = subscription.paidThrough ?? subscription.currentPeriodTo;
    out.mails.push(
      next
        ? {
            ...common,
            template: 'billing.renewal_failed',
            params: {
              planName: plan,
              amount: formatMoney(money(payment.amount, payment.currency), locale),
              paidThrough,
              nextAttemptOn: localDateOf(next, policy.locale.timeZone),
              billingUrl,
            },
          }
        : { ...common, template: 'billing.not_renewed', params: { planName: plan, paidThrough, billingUrl } },
    );
  }
  await deps.store.updateSubscription(subscription.id, { status: 'past_due', updatedAt: at });
}

/** Not renewed (CM-BIL-02: no consent to charge; cancelled): the subscription ends with its paid period. */
async function stop(
  deps: BillingDeps,
  step: Step,
  decision: Extract<RenewalDecision, { action: 'stop' }>,
  out: Outcome,
): Promise<void> {
  const { subscription, policy, item, contact } = step;
  const at = item.firedAt;
  out.events.push({
    chainId: subscription.accountId,
    type: 'subscription.not_renewed',
    clause: decision.because,
    actor: 'system',
    cause: step.cause,
    occurredAt: at,
    data: {
      subscription: subscription.id,
      reason: decision.reason,
      periodFrom: decision.period.from,
      paidThrough: subscription.paidThrough,
    },
  });
  if (contact)
    out.mails.push({
      accountId: subscription.accountId,
      recipient: contact.email,
      locale: contact.locale,
      template: 'billing.not_renewed',
      clause: decision.because,
      dedupeKey: `billing.not_renewed:${subscription.id}:${decision.period.from}`,
      occurredAt: at,
      params: {
        planName: planName(policy, subscription.planCode, contact.locale),
        paidThrough: subscription.paidThrough ?? subscription.currentPeriodTo,
        billingUrl: `${deps.portalUrl}/billing`,
      },
    });
  await deps.store.updateSubscription(subscription.id, { status: 'ended', updatedAt: at });
}

function renewalDue(policy: Policy, subscription: SubscriptionRow): ScheduleRequest {
  return {
    accountId: subscription.accountId,
    kind: RENEW,
    ref: subscription.id,
    dueAt: renewalDueAt(policy, subscription),
    clockId: subscription.clockId,
  };
}

/** `payment.succeeded` or `payment.failed` (with its code) for a renewal charge. */
function paymentEvent(step: Step, payment: PaymentRow, because: string | null): NewEvent {
  return {
    chainId: payment.accountId,
    type: payment.status === 'succeeded' ? 'payment.succeeded' : 'payment.failed',
    clause: because,
    actor: 'system',
    cause: step.cause,
    occurredAt: payment.createdAt,
    data: {
      payment: payment.id,
      purpose: 'renewal',
      subscription: step.subscription.id,
      amount: toDecimalString(money(payment.amount, payment.currency)),
      currency: payment.currency,
      ...(payment.failureCode ? { failureCode: payment.failureCode } : {}),
    },
  };
}
