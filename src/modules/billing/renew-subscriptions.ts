import { addDays, localDateOf } from '../../platform/calendar.ts';
import type { DueItem, ScheduleRequest } from '../../platform/due-work/due-work.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import {
  formatMoney,
  fromStoredMoney,
  type Money,
  money,
  type StoredMoney,
  storedMoney,
  toDecimalString,
} from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountContact } from '../lifecycle/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';
import { paymentCharges } from './billing-schema.ts';
import type { InvoiceRow, PaymentMethodRow, PaymentRow, SubscriptionRow } from './billing-store.ts';
import { type ChargeOutcome, markCharged, outcomeInProcess } from './charge-payments.ts';
import { type Buyer, decideInvoiceVat, invoiceGross } from './invoice-rules.ts';
import { buyerOf, invoiceIssued, issueInvoices, planName } from './issue-invoice.ts';
import { gatewayFor } from './payment-provider.ts';
import { drawCredit } from './payment-rules.ts';
import type { Period } from './periods.ts';
import { reminderSchedule } from './reminders.ts';
import { decideRenewal, type RenewalDecision, renewalDueAt, renewalKey, retryAt } from './renewal-rules.ts';
import { renewalLinesOfBatch } from './subscription-terms.ts';
import type { VatDecision } from './vat/index.ts';
import { vatIdStatusesOf } from './vat-id-checks.ts';

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
 * Set-based: the batch's facts are read in one query each (attempts, cards, contacts, buyers, VIES answers,
 * price schedules, add-ons, left amounts, credit), each renewal is decided and (on the sandbox) charged in
 * memory, and the writes are made once per batch by `flush`: the invoice numbers of each series in one
 * counter update (consecutive in the batch's order, gapless), then invoices, payments, credit, periods,
 * events, mails and due items, a statement each. A remote gateway's charges are written pending, with their
 * `payment_charges` rows, and sent after the commit by the charge runner.
 *
 * Runs inside the sweep's transaction: payments, invoices, periods, events, mails and the next due items of
 * the whole batch commit together (a failing batch is retried item by item by the sweep). Running it twice for the same facts changes nothing the second time: the
 * first run moved the period on (the renewal is no longer due) or recorded the attempt (the next try has its
 * own key and time).
 */
export function renewSubscriptions(deps: BillingDeps): (items: DueItem[]) => Promise<void> {
  return async (items) => {
    const accountIds = [...new Set(items.map((i) => i.accountId))];
    // Lock order (ARCHITECTURE.md, Storage): the accounts' states first, then their subscriptions.
    await deps.lifecycle.load(accountIds, true);
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
    const contacts = new Map((await deps.accounts.contactsOf(accountIds)).map((c) => [c.accountId, c]));
    // A suspended account is charged nothing of any kind (CM-LIF-06): its reactivation resumes the renewal.
    const paused = (await deps.lifecycle.renewalsPaused?.(items)) ?? new Set<string>();
    const steps: Step[] = [];
    for (const item of items) {
      const subscription = subscriptions.get(item.ref);
      if (!subscription || paused.has(subscription.accountId)) continue;
      steps.push({
        item,
        policy: deps.policyOf(subscription.policyVersionId),
        subscription,
        method: subscription.paymentMethodId ? (methods.get(subscription.paymentMethodId) ?? null) : null,
        contact: contacts.get(subscription.accountId),
        cause: `due:${RENEW}`,
      });
    }
    // Each renewal's earlier attempts (declined tries, a charge under way), all in one query.
    const baseOf = (s: Step) => renewalKey(s.subscription.id, addDays(s.subscription.currentPeriodTo, 1), 1);
    const triesOf = await deps.store.paymentsForIntents(
      steps.map((s) => ({ accountId: s.subscription.accountId, base: baseOf(s) })),
    );
    const decided = steps.map((step) => {
      const tries = triesOf.get(baseOf(step)) ?? [];
      const failedAttempts = tries.filter((p) => p.status === 'failed').length;
      const { subscription, method, item, policy } = step;
      const decision = decideRenewal(policy, { subscription, method, failedAttempts }, item.firedAt);
      return { step, decision, tries };
    });
    // What is priced: the period of every renewal that invoices or charges now (an attempt declined or
    // still under way at a remote gateway is left alone; its retry has its own key and due time).
    const priced = decided.filter(({ decision, tries }) => {
      if (decision.action === 'invoice') return true;
      if (decision.action !== 'charge') return false;
      const recorded = tries.find((p) => p.idempotencyKey === decision.idempotencyKey);
      return recorded?.status !== 'failed' && recorded?.status !== 'pending';
    });
    const pricings = await priceRenewals(
      deps,
      priced.map(({ step, decision }) => ({ step, period: (decision as { period: Period }).period })),
    );
    const pricingOf = new Map(priced.map(({ step }, i) => [step, pricings[i]!]));
    const batch = newBatch();
    for (const { step, decision, tries } of decided)
      await act(deps, step, decision, tries, pricingOf.get(step), batch);
    const out = await flush(deps, batch);
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

type SubscriptionChange = Parameters<BillingDeps['store']['updateSubscriptions']>[0][number];

/**
 * A batch's writes, gathered while each renewal is decided and written together by `flush`: the payments
 * (the sandbox's answers, and remote charges to send), the invoices to issue (numbered in this order), the
 * credit drawn, the subscriptions' new state, and per renewal, in its order, the events, mails and due items
 * that announce it (made once the invoices exist).
 */
type Batch = {
  payments: PaymentRow[];
  charges: (typeof paymentCharges.$inferInsert)[];
  renewals: Renewal[];
  changes: SubscriptionChange[];
  effects: ((out: Outcome) => void)[];
};

type Renewal = {
  step: Step;
  period: Period;
  because: string | null;
  pricing: Pricing;
  received: { amount: Money; method: 'card' | 'other' } | null;
  /** The payment it documents: new in this batch (`fresh`, inserted by `flush`) or already stored. */
  payment: PaymentRow | null;
  fresh: boolean;
  invoice?: InvoiceRow;
  renewed?: SubscriptionRow;
};

const newBatch = (): Batch => ({ payments: [], charges: [], renewals: [], changes: [], effects: [] });

async function act(
  deps: BillingDeps,
  step: Step,
  decision: RenewalDecision,
  tries: PaymentRow[],
  pricing: Pricing | undefined,
  batch: Batch,
): Promise<void> {
  const { subscription, policy } = step;
  switch (decision.action) {
    case 'wait':
      // Not due (yet): keep the renewal's own due item alive at the time it is due.
      if (decision.reason === 'not_due') {
        const due = renewalDue(policy, subscription);
        batch.effects.push((out) => out.schedules.push(due));
      }
      return;
    case 'stop':
      return stop(deps, step, decision, batch);
    case 'invoice': {
      const fromCredit = pricing!.fromCredit.amount > 0n ? pricing!.fromCredit : null;
      const received = fromCredit ? { amount: fromCredit, method: 'other' as const } : null;
      renew(deps, step, decision.period, decision.because, pricing!, { received, payment: null }, batch);
      return;
    }
    case 'charge': {
      const recorded = tries.find((p) => p.idempotencyKey === decision.idempotencyKey) ?? null;
      // An attempt recorded as declined is over; its retry has its own key and due time. One still pending
      // is a remote gateway's charge under way: its answer or webhook settles it (`applyRenewalCharge`).
      if (recorded?.status === 'failed' || recorded?.status === 'pending') return;
      return charge(deps, step, decision, recorded, pricing!, batch);
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

/**
 * Each renewal's next-period invoice as it would be issued at its item's firing time, and how credit covers
 * it, for the whole batch: the buyers' company data, their VIES answers, the price schedules, add-ons and
 * left amounts (marked billed for the period) and the credit balances, each read in one query.
 */
async function priceRenewals(
  deps: BillingDeps,
  entries: readonly { step: Step; period: Period }[],
): Promise<Pricing[]> {
  if (entries.length === 0) return [];
  const accountIds = [...new Set(entries.map((e) => e.step.subscription.accountId))];
  const profiles = new Map(
    (deps.accounts.profiles ? await deps.accounts.profiles(accountIds) : []).map((p) => [p.id, p]),
  );
  // Without the batch read (or for an account it did not find) the single read, which names what is wrong.
  for (const id of accountIds) if (!profiles.has(id)) profiles.set(id, await deps.accounts.profile(id));
  const vatIds = await vatIdStatusesOf(
    deps.db,
    accountIds.map((id) => {
      const p = profiles.get(id)!;
      return { accountId: id, taxId: p.taxId, country: p.country };
    }),
  );
  const buyers = entries.map(({ step }) => {
    const { subscription, policy, item } = step;
    const issueDate = localDateOf(item.firedAt, policy.locale.timeZone);
    const profile = profiles.get(subscription.accountId)!;
    const { buyer, language } = buyerOf(profile, step.contact, vatIds.get(subscription.accountId) ?? null);
    const vat = decideInvoiceVat(policy, buyer, issueDate, deps.vatRates, language);
    return { issueDate, buyer, language, vat };
  });
  // The customer's own plan and price from its price schedule, never today's price list (CM-BIL-03,
  // QU-BIL-09/10/11), with the add-ons that renew with it on the same invoice (CM-BIL-06).
  const lines = await renewalLinesOfBatch(
    deps,
    entries.map(({ step, period }, i) => ({
      policy: step.policy,
      subscription: step.subscription,
      period,
      language: buyers[i]!.language,
    })),
  );
  const balance = await deps.store.creditBalances(
    entries.map(({ step }) => ({
      accountId: step.subscription.accountId,
      currency: step.subscription.priceCurrency,
    })),
  );
  return entries.map(({ step }, i) => {
    const { subscription } = step;
    const items = lines[i]!;
    const gross = invoiceGross(items, buyers[i]!.vat, subscription.priceCurrency);
    const credit = balance(subscription.accountId, subscription.priceCurrency);
    return { ...buyers[i]!, items, gross, ...drawCredit(gross, credit) };
  });
}

async function charge(
  deps: BillingDeps,
  step: Step,
  decision: Extract<RenewalDecision, { action: 'charge' }>,
  recorded: PaymentRow | null,
  pricing: Pricing,
  batch: Batch,
): Promise<void> {
  const { subscription, item, method } = step;
  const { toCharge } = pricing;
  const [year, month] = pricing.issueDate.split('-').map(Number) as [number, number];

  if (!recorded && toCharge.amount > 0n) {
    const gateway = gatewayFor(deps, subscription.clockId);
    // The payment as `openCharge` writes it: pending under the intent's key (unique: one intent, one charge).
    const payment: PaymentRow = {
      id: deps.ids.next('pay'),
      accountId: subscription.accountId,
      invoiceId: null,
      subscriptionId: subscription.id,
      paymentMethodId: method!.id,
      provider: gateway.id,
      providerRef: null,
      idempotencyKey: decision.idempotencyKey,
      amount: toCharge.amount,
      currency: toCharge.currency,
      status: 'pending',
      failureCode: null,
      createdAt: item.firedAt,
    };
    if (gateway.remote) {
      // A remote gateway is charged by the charge runner after the sweep's transaction commits: the batch
      // writes the pending payments and their `payment_charges` rows together, and sends nothing.
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
          items: pricing.items.map((i) => ({ description: i.description, net: storedMoney(i.net) })),
          gross: storedMoney(pricing.gross),
          fromCredit: storedMoney(pricing.fromCredit),
          toCharge: storedMoney(pricing.toCharge),
        },
      };
      batch.payments.push(payment);
      batch.charges.push({
        paymentId: payment.id,
        accountId: subscription.accountId,
        provider: gateway.id,
        purpose: 'renewal',
        // What the gateway is sent, as `openCharge` stores it (charge-payments.ts, StoredRequest).
        request: {
          methodRef: method!.providerRef,
          amount: toCharge.amount.toString(),
          currency: toCharge.currency,
          offSession: true,
          on: { year, month },
        },
        context,
        status: 'queued',
        // Filled in by `flush` with the real clock's time (the runner's queue runs on it).
        nextAttemptAt: new Date(0),
        createdAt: new Date(0),
      });
      return;
    }
    // An in-process gateway (the sandbox) answers at once, inside this transaction: the payment is written
    // with its outcome by `flush`, as `openCharge` + `markCharged` would leave it. A redirect gateway
    // (`gateway.redirect`, for presets without stored cards) cannot be charged off-session: its
    // `requires_action` is a decline here (`outcomeInProcess`); a renewal by redirect belongs in its own branch.
    const result = await gateway.charge({
      methodRef: method!.providerRef,
      amount: toCharge,
      idempotencyKey: decision.idempotencyKey,
      offSession: true,
      on: { year, month },
      reference: payment.id,
    });
    const outcome = outcomeInProcess(result);
    const settled: PaymentRow = {
      ...payment,
      status: outcome.status,
      providerRef: outcome.providerRef ?? payment.providerRef,
      failureCode: outcome.status === 'failed' ? outcome.failureCode : null,
    };
    batch.payments.push(settled);
    return settled.status === 'failed'
      ? declined(deps, step, decision, settled, batch)
      : paidRenewal(deps, step, decision, pricing, settled, true, batch);
  }
  if (recorded) {
    const event = paymentEvent(step, recorded, decision.because);
    batch.effects.push((out) => out.events.push(event));
  }
  const received = { amount: pricing.gross, method: recorded ? ('card' as const) : ('other' as const) };
  renew(deps, step, decision.period, decision.because, pricing, { received, payment: recorded }, batch);
}

/** A succeeded renewal charge: its event, then the period renewed with its paid invoice (CM-BIL-09). */
function paidRenewal(
  deps: BillingDeps,
  step: Step,
  decision: Pick<Extract<RenewalDecision, { action: 'charge' }>, 'period' | 'because'>,
  pricing: Pricing,
  payment: PaymentRow,
  fresh: boolean,
  batch: Batch,
): void {
  const event = paymentEvent(step, payment, decision.because);
  batch.effects.push((out) => out.events.push(event));
  const received = { amount: pricing.gross, method: 'card' as const };
  renew(deps, step, decision.period, decision.because, pricing, { received, payment }, batch, fresh);
}

/** A renewal charge's outcome: the period renewed with its paid invoice, or the decline and its retry. */
async function settleRenewal(
  deps: BillingDeps,
  step: Step,
  decision: Pick<Extract<RenewalDecision, { action: 'charge' }>, 'period' | 'because' | 'attempt'>,
  pricing: Pricing,
  pending: PaymentRow,
  outcome: ChargeOutcome,
  batch: Batch,
): Promise<void> {
  const payment = await markCharged(deps, pending, outcome);
  if (!payment) return;
  if (payment.status === 'failed') return declined(deps, step, decision, payment, batch);
  paidRenewal(deps, step, decision, pricing, payment, false, batch);
}

/**
 * Writes what a batch gathered, a statement per kind: the remote charges to send, the invoices (numbers of
 * each series taken at once, consecutive in the batch's order; FA(3) XML per invoice), the new payments with
 * the invoices they paid, the credit drawn and the subscriptions' new state. Then it makes each renewal's
 * events, mails and due items, in the batch's order.
 */
async function flush(deps: BillingDeps, batch: Batch): Promise<Outcome> {
  if (batch.charges.length > 0) {
    const now = await deps.timeOf(null);
    for (const c of batch.charges) {
      c.nextAttemptAt = now;
      c.createdAt = now;
    }
  }
  const invoices = await issueInvoices(
    deps,
    batch.renewals.map(({ step, period, pricing, received }) => ({
      clockId: step.subscription.clockId,
      policy: step.policy,
      accountId: step.subscription.accountId,
      subscriptionId: step.subscription.id,
      issueDate: pricing.issueDate,
      period,
      items: pricing.items,
      vat: pricing.vat,
      buyer: pricing.buyer,
      language: pricing.language,
      received,
      at: step.item.firedAt,
    })),
  );
  const credits: Parameters<BillingDeps['store']['insertCredits']>[0] = [];
  batch.renewals.forEach((r, i) => {
    const invoice = invoices[i]!;
    const { subscription, item } = r.step;
    r.invoice = invoice;
    if (r.payment) r.payment.invoiceId = invoice.id;
    if (r.pricing.fromCredit.amount > 0n)
      credits.push({
        id: deps.ids.next('cred'),
        accountId: subscription.accountId,
        currency: r.pricing.fromCredit.currency,
        amount: -r.pricing.fromCredit.amount,
        paymentId: null,
        invoiceId: invoice.id,
        createdAt: item.firedAt,
      });
    const change = {
      id: subscription.id,
      status: 'active' as const,
      currentPeriodFrom: r.period.from,
      currentPeriodTo: r.period.to,
      paidThrough: invoice.status === 'paid' ? r.period.to : subscription.paidThrough,
      updatedAt: item.firedAt,
    };
    batch.changes.push(change);
    r.renewed = { ...subscription, ...change };
  });
  await deps.store.insertPayments(batch.payments);
  if (batch.charges.length > 0) await deps.db.q.insert(paymentCharges).values(batch.charges);
  for (const r of batch.renewals)
    if (r.payment && !r.fresh) await deps.store.setPaymentInvoice(r.payment.id, r.invoice!.id);
  await deps.store.insertCredits(credits);
  await deps.store.updateSubscriptions(batch.changes);
  const out: Outcome = { events: [], mails: [], schedules: [] };
  for (const effect of batch.effects) effect(out);
  return out;
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
    items: { description: string; net: StoredMoney }[];
    gross: StoredMoney;
    fromCredit: StoredMoney;
    toCharge: StoredMoney;
  };
};

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
    items: p.items.map((i) => ({ description: i.description, net: fromStoredMoney(i.net) })),
    gross: fromStoredMoney(p.gross),
    fromCredit: fromStoredMoney(p.fromCredit),
    toCharge: fromStoredMoney(p.toCharge),
  };
  const batch = newBatch();
  // The period may have moved on meanwhile (it never should: the renewal waits for this charge); then the
  // payment is recorded and nothing is renewed twice.
  const expected = addDays(subscription.currentPeriodTo, 1) === context.period.from;
  if (expected || outcome.status === 'failed')
    await settleRenewal(deps, step, context, pricing, pending, outcome, batch);
  else await markCharged(deps, pending, outcome);
  const out = await flush(deps, batch);
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
 * Gathered into the batch: `flush` issues the invoice and writes the period; the announcement follows it.
 */
function renew(
  deps: BillingDeps,
  step: Step,
  period: Period,
  because: string | null,
  pricing: Pricing,
  paid: { received: { amount: Money; method: 'card' | 'other' } | null; payment: PaymentRow | null },
  batch: Batch,
  fresh = false,
): void {
  const r: Renewal = {
    step,
    period,
    because,
    pricing,
    received: paid.received,
    payment: paid.payment,
    fresh,
  };
  batch.renewals.push(r);
  batch.effects.push((out) => announceRenewal(deps, step, r, out));
}

/** The invoice's event and mail, `subscription.renewed`, and the next renewal and reminder. */
function announceRenewal(deps: BillingDeps, step: Step, r: Renewal, out: Outcome): void {
  const { subscription, policy, item } = step;
  const invoice = r.invoice!;
  const renewed = r.renewed!;
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
    clause: r.because,
    actor: 'system',
    cause: step.cause,
    occurredAt: item.firedAt,
    data: {
      subscription: subscription.id,
      plan: subscription.planCode,
      periodFrom: r.period.from,
      periodTo: r.period.to,
      paidThrough: renewed.paidThrough,
      invoice: invoice.id,
    },
  });
  if (announced.mail) out.mails.push(announced.mail);
  out.schedules.push(renewalDue(policy, renewed), ...reminderSchedule(policy, renewed));
}

/** A declined renewal charge: the subscription is past due and the next try is scheduled, if any is left. */
function declined(
  deps: BillingDeps,
  step: Step,
  decision: Pick<Extract<RenewalDecision, { action: 'charge' }>, 'period' | 'because' | 'attempt'>,
  payment: PaymentRow,
  batch: Batch,
): void {
  const { subscription, item } = step;
  const at = item.firedAt;
  batch.changes.push({
    id: subscription.id,
    status: 'past_due',
    currentPeriodFrom: null,
    currentPeriodTo: null,
    paidThrough: null,
    updatedAt: at,
  });
  batch.effects.push((out) => announceDecline(deps, step, decision, payment, out));
}

function announceDecline(
  deps: BillingDeps,
  step: Step,
  decision: Pick<Extract<RenewalDecision, { action: 'charge' }>, 'period' | 'because' | 'attempt'>,
  payment: PaymentRow,
  out: Outcome,
): void {
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
}

/** Not renewed (CM-BIL-02: no consent to charge; cancelled): the subscription ends with its paid period. */
function stop(
  deps: BillingDeps,
  step: Step,
  decision: Extract<RenewalDecision, { action: 'stop' }>,
  batch: Batch,
): void {
  const { subscription, item } = step;
  batch.changes.push({
    id: subscription.id,
    status: 'ended',
    currentPeriodFrom: null,
    currentPeriodTo: null,
    paidThrough: null,
    updatedAt: item.firedAt,
  });
  batch.effects.push((out) => announceStop(deps, step, decision, out));
}

function announceStop(
  deps: BillingDeps,
  step: Step,
  decision: Extract<RenewalDecision, { action: 'stop' }>,
  out: Outcome,
): void {
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
