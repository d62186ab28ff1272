import {
  addDays,
  addMonths,
  addYears,
  type LocalDate,
  localDateOf,
  startOfDay,
} from '../../platform/calendar.ts';
import type { DueItem } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import {
  compare,
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
import { billPurchase, type PurchasePaid, purchaseCard } from './bill-purchase.ts';
import type { BillingDeps } from './billing-context.ts';
import type { InvoiceRow, PaymentRow, SubscriptionRow } from './billing-store.ts';
import { decideInvoiceVat, invoiceGross } from './invoice-rules.ts';
import { buyerOf, planName } from './issue-invoice.ts';
import type { Period } from './periods.ts';
import {
  type DowngradeDecision,
  decideDowngrade,
  planChangeLineText,
  planSince,
  quoteUpgrade,
  type UpgradeQuote,
} from './plan-change-rules.ts';
import { planChangeErrors } from './plan-changes-errors.ts';
import { makePlanChangesStore, type ScheduleRow, scheduleEntryOf } from './plan-changes-store.ts';
import { listPrice, termsAt } from './subscription-terms.ts';
import { type SwitchToFreeResult, switchToFree } from './switch-to-free.ts';

/** The due item that puts a scheduled plan change into force (ref: the schedule entry id). */
export const PLAN_CHANGE = 'billing.plan_change';

export type PlanChangeResult =
  | {
      outcome: 'changed';
      direction: 'upgrade' | 'downgrade';
      subscription: SubscriptionRow;
      effectiveFrom: LocalDate;
      /** Net billed (upgrade) or to be credited (downgrade) for the rest of the period. */
      difference: Money;
      invoice: InvoiceRow | null;
      payment: PaymentRow | null;
    }
  | {
      outcome: 'scheduled';
      direction: 'upgrade' | 'downgrade';
      subscription: SubscriptionRow;
      effectiveFrom: LocalDate;
      difference: Money;
      reason: DowngradeDecision['reason'] | 'next_period';
    }
  | { outcome: 'payment_failed'; failureCode: string; payment: PaymentRow }
  /** Charged through a remote gateway after the commit; the plan changes when the charge settles. */
  | { outcome: 'pending'; payment: PaymentRow }
  | SwitchToFreeResult;

/**
 * A customer moves its subscription to another paid plan of the same billing frequency; a dearer plan is an
 * upgrade, a cheaper one a downgrade (prices as the price list in force today gives them for new orders,
 * against this customer's own price from its schedule).
 *
 * Upgrade (QU-BIL-09: any time, several times a period): under `immediate_prorated` the new plan is on at
 * once, the difference for the rest of the period (policy day count; CM-BIL-07) is billed at once
 * (`billPurchase`: card charge and paid invoice, or an invoice with terms) or left for the next invoice,
 * and every later period is priced at the new plan's price (a schedule entry; CM-BIL-03 keeps the old ones).
 * A declined card changes nothing but the failed payment. Where a later period was already invoiced ahead
 * (QU-BIL-05), its whole difference is billed too.
 *
 * Downgrade (QU-BIL-10): effective per `decideDowngrade` (30 days after the last change, or the next period
 * after the request); scheduled as an entry and a `billing.plan_change` due item, which switches the plan
 * and books the mid-period difference as credit drawn on by the next invoice.
 *
 * Events: `subscription.plan_changed` / `subscription.plan_change_scheduled` with the policy's clause, the
 * lifecycle's `account.state_changed` for the plan, payments and invoices with theirs; a mail confirms it.
 */
export async function changePlan(
  deps: BillingDeps,
  input: { accountId: string; plan: string; paymentMethodId?: string | null | undefined; actor: string },
): Promise<PlanChangeResult> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId], true);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const subscription = await deps.store.liveSubscription(input.accountId, true);
    if (!subscription) throw new AppError(planChangeErrors['billing.no_subscription']);
    const policy = deps.policyOf(life.policyVersionId);
    const invalid = (problem: string) =>
      new AppError(planChangeErrors['billing.plan_change_invalid'], {
        details: { plan: input.plan, problem },
      });
    if (life.state !== 'active' || subscription.status !== 'active')
      throw invalid(`the account is ${life.state} and its subscription ${subscription.status}`);
    const plan = policy.plans.find((p) => p.code === input.plan);
    // HT-BIL-02: where the terms offer it, the free package is no plan change but the end of billing.
    if (plan?.kind === 'free' && policy.billing.planChanges.clauses?.toFree) return switchToFree(deps, input);
    if (plan?.kind !== 'paid') throw invalid('it is not a paid plan of the price list');

    const now = await deps.timeOf(life.clockId);
    const today = localDateOf(now, policy.locale.timeZone);
    const store = makePlanChangesStore(deps.db);
    const schedule = await store.scheduleOf([subscription.id]);
    const current = termsAt(subscription, schedule, today);
    if (current.planCode === input.plan) throw invalid('the account is on it already');
    const newPrice = await listPrice(deps, policy, input.plan, subscription.frequency, today);
    if (!newPrice) throw invalid(`it has no ${subscription.frequency} price`);

    const period = periodOn(subscription, today);
    const context: Context = { deps, policy, subscription, schedule, current, newPrice, today, now, period };
    return compare(newPrice, current.price) >= 0
      ? upgrade(context, input)
      : downgrade(context, input, subscription.createdAt);
  });
}

type Context = {
  deps: BillingDeps;
  policy: Policy;
  subscription: SubscriptionRow;
  schedule: ScheduleRow[];
  current: { planCode: string; price: Money };
  newPrice: Money;
  today: LocalDate;
  now: Date;
  /** The billing period `today` falls in. */
  period: Period;
};

/**
 * The billing period `day` falls in: the subscription's current one, or, where the next period was invoiced
 * ahead and the subscription has moved on to it (QU-BIL-05), the one before.
 */
function periodOn(subscription: SubscriptionRow, day: LocalDate): Period {
  const current = { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo };
  if (day >= current.from) return current;
  const back = subscription.frequency === 'annual' ? addYears(current.from, -1) : addMonths(current.from, -1);
  return { from: back > day ? day : back, to: addDays(current.from, -1) };
}

async function upgrade(
  c: Context,
  input: { accountId: string; plan: string; paymentMethodId?: string | null | undefined; actor: string },
): Promise<PlanChangeResult> {
  const { deps, policy, subscription, today, now } = c;
  const clause = policy.billing.planChanges.clauses?.upgrade ?? null;
  const quote = quoteUpgrade(policy, {
    period: c.period,
    frequency: subscription.frequency,
    oldPrice: c.current.price,
    newPrice: c.newPrice,
    on: today,
  });
  if (quote.effectiveFrom > today) {
    await scheduleChange(
      c,
      'upgrade',
      quote.effectiveFrom,
      null,
      input.actor,
      clause,
      'next_period',
      {},
      input.plan,
    );
    return {
      outcome: 'scheduled',
      direction: 'upgrade',
      subscription,
      effectiveFrom: quote.effectiveFrom,
      difference: quote.difference,
      reason: 'next_period',
    };
  }
  const [contact] = await deps.accounts.contactsOf([input.accountId]);
  const language = contact?.locale ?? 'pl';
  const fromName = planName(policy, c.current.planCode, language);
  const toName = planName(policy, input.plan, language);
  const items = upgradeItems(c, quote, language, fromName, toName);
  const difference = items.reduce(
    (total, item) => money(total.amount + item.net.amount, total.currency),
    money(0n, c.newPrice.currency),
  );

  const effect: UpgradeEffect = {
    kind: 'upgrade',
    accountId: input.accountId,
    subscriptionId: subscription.id,
    plan: input.plan,
    current: { planCode: c.current.planCode, price: storedMoney(c.current.price) },
    newPrice: storedMoney(c.newPrice),
    period: c.period,
    effectiveFrom: quote.effectiveFrom,
    days: quote.days,
    difference: storedMoney(difference),
    billing: quote.billing,
    clause,
    actor: input.actor,
  };
  if (difference.amount > 0n && quote.billing === 'at_once') {
    const method = await purchaseCard(deps, input.accountId, {
      paymentMethodId: input.paymentMethodId,
      subscriptionMethodId: subscription.paymentMethodId,
    });
    const billed = await billPurchase(deps, {
      policy,
      accountId: input.accountId,
      clockId: subscription.clockId,
      subscriptionId: subscription.id,
      method,
      items,
      period: { from: quote.effectiveFrom, to: subscription.currentPeriodTo },
      intent: `upgrade:${subscription.id}:${today}`,
      purpose: 'upgrade',
      clause,
      frequency: subscription.frequency,
      planCode: input.plan,
      now,
      actor: input.actor,
      effect,
      apply: applyUpgradePurchase,
    });
    if (billed.outcome === 'payment_failed' || billed.outcome === 'pending') return billed;
    return billed.applied;
  }
  if (difference.amount > 0n) {
    const store = makePlanChangesStore(deps.db);
    const other = language === 'pl' ? 'en' : 'pl';
    const otherItems = upgradeItems(
      c,
      quote,
      other,
      planName(policy, c.current.planCode, other),
      planName(policy, input.plan, other),
    );
    for (const [i, item] of items.entries())
      await store.insertPendingLine({
        id: deps.ids.next('pil'),
        accountId: input.accountId,
        subscriptionId: subscription.id,
        description:
          language === 'pl'
            ? { pl: item.description, en: otherItems[i]!.description }
            : { pl: otherItems[i]!.description, en: item.description },
        netAmount: item.net.amount,
        currency: item.net.currency,
        clause,
        billedFor: null,
        createdAt: now,
      });
  }
  return applyPlanUpgrade(c, effect, null);
}

/** What an upgrade puts in force once its difference is paid (or invoiced), frozen with its charge. */
export type UpgradeEffect = {
  kind: 'upgrade';
  accountId: string;
  subscriptionId: string;
  plan: string;
  current: { planCode: string; price: StoredMoney };
  newPrice: StoredMoney;
  period: Period;
  effectiveFrom: LocalDate;
  days: number;
  difference: StoredMoney;
  billing: UpgradeQuote['billing'];
  clause: string | null;
  actor: string;
};

/**
 * An upgrade's difference paid by card (at once from the sandbox, or when a remote gateway's charge settles):
 * the new plan in force from then, with its schedule entry, event and mail.
 */
export async function applyUpgradePurchase(
  deps: BillingDeps,
  effect: UpgradeEffect,
  paid: PurchasePaid,
): Promise<PlanChangeResult> {
  const [life] = await deps.lifecycle.load([effect.accountId], true);
  if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: effect.accountId } });
  const [subscription] = await deps.store.subscriptionsByIds([effect.subscriptionId]);
  if (!subscription) throw new AppError(planChangeErrors['billing.no_subscription']);
  const policy = deps.policyOf(life.policyVersionId);
  const c: Context = {
    deps,
    policy,
    subscription,
    schedule: await makePlanChangesStore(deps.db).scheduleOf([subscription.id]),
    current: { planCode: effect.current.planCode, price: fromStoredMoney(effect.current.price) },
    newPrice: fromStoredMoney(effect.newPrice),
    today: localDateOf(paid.now, policy.locale.timeZone),
    now: paid.now,
    period: effect.period,
  };
  return applyPlanUpgrade(c, effect, paid);
}

async function applyPlanUpgrade(
  c: Context,
  effect: UpgradeEffect,
  paid: PurchasePaid | null,
): Promise<PlanChangeResult> {
  const invoice = paid?.invoice ?? null;
  const payment = paid?.payment ?? null;
  const entry = await insertEntry(c, {
    kind: 'upgrade',
    status: 'applied',
    effectiveFrom: effect.effectiveFrom,
    planCode: effect.plan,
    creditAmount: null,
  });
  const changed = await switchPlan(c, entry, {
    actor: effect.actor,
    clause: effect.clause,
    cause: payment ? `payment:${payment.id}` : `plan_change:${entry.id}`,
    data: {
      direction: 'upgrade',
      days: effect.days,
      difference: toDecimalString(fromStoredMoney(effect.difference)),
      billing: effect.billing,
      invoice: invoice?.id ?? null,
    },
  });
  return {
    outcome: 'changed',
    direction: 'upgrade',
    subscription: changed,
    effectiveFrom: effect.effectiveFrom,
    difference: fromStoredMoney(effect.difference),
    invoice,
    payment,
  };
}

/** The difference for the rest of today's period, and the whole difference of a period invoiced ahead. */
function upgradeItems(
  c: Context,
  quote: UpgradeQuote,
  language: 'pl' | 'en',
  fromName: string,
  toName: string,
): { description: string; net: Money }[] {
  const items: { description: string; net: Money }[] = [];
  if (quote.difference.amount > 0n)
    items.push({
      description: planChangeLineText(
        fromName,
        toName,
        { from: quote.effectiveFrom, to: c.period.to },
        language,
      ),
      net: quote.difference,
    });
  const ahead = { from: c.subscription.currentPeriodFrom, to: c.subscription.currentPeriodTo };
  if (ahead.from > c.period.to) {
    const whole = quoteUpgrade(c.policy, {
      period: ahead,
      frequency: c.subscription.frequency,
      oldPrice: c.current.price,
      newPrice: c.newPrice,
      on: ahead.from,
    });
    if (whole.difference.amount > 0n)
      items.push({
        description: planChangeLineText(fromName, toName, ahead, language),
        net: whole.difference,
      });
  }
  return items;
}

async function downgrade(
  c: Context,
  input: { accountId: string; plan: string; actor: string },
  orderedAt: Date,
): Promise<PlanChangeResult> {
  const { deps, policy, subscription, today } = c;
  const clause = policy.billing.planChanges.clauses?.downgrade ?? null;
  const since = planSince(
    c.schedule.map(scheduleEntryOf),
    today,
    localDateOf(orderedAt, policy.locale.timeZone),
  );
  const decision = decideDowngrade(policy, {
    period: c.period,
    frequency: subscription.frequency,
    planSince: since,
    on: today,
    oldPrice: c.current.price,
    newPrice: c.newPrice,
  });
  const entry = await scheduleChange(
    c,
    'downgrade',
    decision.effectiveFrom,
    decision.credit.amount,
    input.actor,
    clause,
    decision.reason,
    { planSince: since, creditPeriodFrom: decision.period.from, days: decision.days },
    input.plan,
  );
  if (decision.effectiveFrom <= today) {
    const changed = await applyEntry(deps, entry, c.now, input.actor);
    return {
      outcome: 'changed',
      direction: 'downgrade',
      subscription: changed ?? subscription,
      effectiveFrom: decision.effectiveFrom,
      difference: decision.credit,
      invoice: null,
      payment: null,
    };
  }
  return {
    outcome: 'scheduled',
    direction: 'downgrade',
    subscription,
    effectiveFrom: decision.effectiveFrom,
    difference: decision.credit,
    reason: decision.reason,
  };
}

/** Writes the order's plan and price as the schedule's base entry, once, before the first change. */
async function insertEntry(
  c: Context,
  entry: {
    kind: 'upgrade' | 'downgrade';
    status: 'scheduled' | 'applied';
    effectiveFrom: LocalDate;
    planCode: string;
    creditAmount: bigint | null;
  },
): Promise<ScheduleRow> {
  const { deps, subscription, now } = c;
  const store = makePlanChangesStore(deps.db);
  const rows: Parameters<typeof store.insertScheduleEntries>[0] = [];
  let seq = c.schedule.reduce((max, e) => Math.max(max, e.seq), 0);
  if (c.schedule.length === 0)
    rows.push({
      id: deps.ids.next('sch'),
      accountId: subscription.accountId,
      subscriptionId: subscription.id,
      seq: ++seq,
      kind: 'base',
      status: 'applied',
      effectiveFrom:
        subscription.currentPeriodFrom < c.period.from ? subscription.currentPeriodFrom : c.period.from,
      planCode: subscription.planCode,
      fromPlanCode: null,
      priceAmount: subscription.priceAmount,
      priceCurrency: subscription.priceCurrency,
      creditAmount: null,
      priceChangeId: null,
      createdAt: now,
    });
  rows.push({
    id: deps.ids.next('sch'),
    accountId: subscription.accountId,
    subscriptionId: subscription.id,
    seq: ++seq,
    kind: entry.kind,
    status: entry.status,
    effectiveFrom: entry.effectiveFrom,
    planCode: entry.planCode,
    fromPlanCode: c.current.planCode,
    priceAmount: c.newPrice.amount,
    priceCurrency: c.newPrice.currency,
    creditAmount: entry.creditAmount,
    priceChangeId: null,
    createdAt: now,
  });
  const inserted = await store.insertScheduleEntries(rows);
  c.schedule.push(...inserted);
  return inserted.at(-1)!;
}

/** A plan change for a later day: its entry (replacing any other plan change still waiting) and due item. */
async function scheduleChange(
  c: Context,
  kind: 'upgrade' | 'downgrade',
  effectiveFrom: LocalDate,
  creditAmount: bigint | null,
  actor: string,
  clause: string | null,
  reason: string,
  extra: Record<string, string | number>,
  planCode: string,
): Promise<ScheduleRow> {
  const { deps, policy, subscription, now } = c;
  const store = makePlanChangesStore(deps.db);
  const waiting = c.schedule.filter(
    (e) => e.status === 'scheduled' && (e.kind === 'upgrade' || e.kind === 'downgrade'),
  );
  await store.setScheduleStatus(
    waiting.map((e) => e.id),
    'cancelled',
  );
  for (const e of waiting) e.status = 'cancelled';
  const entry = await insertEntry(c, { kind, status: 'scheduled', effectiveFrom, planCode, creditAmount });
  await deps.dueWork.schedule([
    {
      accountId: subscription.accountId,
      kind: PLAN_CHANGE,
      ref: entry.id,
      dueAt: startOfDay(effectiveFrom, policy.locale.timeZone),
      clockId: subscription.clockId,
    },
  ]);
  await deps.eventLog.append([
    {
      chainId: subscription.accountId,
      type: 'subscription.plan_change_scheduled',
      clause,
      actor,
      cause: `plan_change:${entry.id}`,
      occurredAt: now,
      data: {
        subscription: subscription.id,
        direction: kind,
        fromPlan: c.current.planCode,
        toPlan: entry.planCode,
        effectiveFrom,
        reason,
        replaced: waiting.map((e) => e.id),
        price: toDecimalString(c.newPrice),
        credit: toDecimalString(money(creditAmount ?? 0n, c.newPrice.currency)),
        currency: c.newPrice.currency,
        ...extra,
      },
    },
  ]);
  return entry;
}

/**
 * Puts an entry's plan on: the subscription and the account's plan (lifecycle), the entry applied, the event
 * and the confirmation mail. Returns the updated subscription.
 */
async function switchPlan(
  c: Pick<Context, 'deps' | 'policy' | 'subscription' | 'now'>,
  entry: ScheduleRow,
  input: {
    actor: string;
    clause: string | null;
    cause: string;
    data: Record<string, string | number | null>;
  },
): Promise<SubscriptionRow> {
  const { deps, policy, subscription, now } = c;
  const updated = await deps.store.updateSubscription(subscription.id, {
    planCode: entry.planCode,
    updatedAt: now,
  });
  const [life] = await deps.lifecycle.load([subscription.accountId], true);
  if (life?.state === 'active')
    await deps.lifecycle.activatePaidPlan({
      accountId: subscription.accountId,
      planCode: entry.planCode,
      at: now,
      because: input.clause,
      cause: input.cause,
      actor: input.actor,
    });
  await deps.eventLog.append([
    {
      chainId: subscription.accountId,
      type: 'subscription.plan_changed',
      clause: input.clause,
      actor: input.actor,
      cause: input.cause,
      occurredAt: now,
      data: {
        subscription: subscription.id,
        entry: entry.id,
        fromPlan: entry.fromPlanCode,
        toPlan: entry.planCode,
        effectiveFrom: entry.effectiveFrom,
        price: toDecimalString(money(entry.priceAmount, entry.priceCurrency)),
        currency: entry.priceCurrency,
        ...input.data,
      },
    },
  ]);
  const [contact] = await deps.accounts.contactsOf([subscription.accountId]);
  if (contact) {
    const mail: NotificationRequest = {
      accountId: subscription.accountId,
      recipient: contact.email,
      locale: contact.locale,
      template: 'billing.plan_changed',
      clause: input.clause,
      dedupeKey: `billing.plan_changed:${entry.id}`,
      occurredAt: now,
      params: {
        planName: planName(policy, entry.planCode, contact.locale),
        previousPlanName: planName(policy, entry.fromPlanCode ?? subscription.planCode, contact.locale),
        effectiveOn: entry.effectiveFrom,
        price: `${toDecimalString(money(entry.priceAmount, entry.priceCurrency))} ${entry.priceCurrency}`,
        billingUrl: `${deps.portalUrl}/billing`,
      },
    };
    await deps.notifications.send([mail]);
  }
  return updated;
}

/**
 * Applies a scheduled entry (a downgrade, or an upgrade deferred to the next period) at `at`: the plan
 * switch, and the credit of a mid-period downgrade (QU-BIL-10: the difference for the rest of the period,
 * with its VAT, booked as credit that the next invoice or charge draws on, CM-BIL-05). Nothing happens to an
 * entry no longer scheduled or a subscription that has ended.
 */
async function applyEntry(
  deps: BillingDeps,
  entry: ScheduleRow,
  at: Date,
  actor: string,
): Promise<SubscriptionRow | null> {
  const store = makePlanChangesStore(deps.db);
  // Lock order: the account's state first, then the schedule entry and the subscription.
  await deps.lifecycle.load([entry.accountId], true);
  const locked = await store.scheduleEntry(entry.id, true);
  if (locked?.status !== 'scheduled') return null;
  const [subscription] = await deps.store.subscriptionsByIds([locked.subscriptionId], true);
  if (!subscription || subscription.status === 'ended') {
    await store.setScheduleStatus([locked.id], 'cancelled');
    return null;
  }
  const policy = deps.policyOf(subscription.policyVersionId);
  const clause =
    (locked.kind === 'downgrade'
      ? policy.billing.planChanges.clauses?.downgrade
      : policy.billing.planChanges.clauses?.upgrade) ?? null;
  await store.setScheduleStatus([locked.id], 'applied');
  const cause = `due:${PLAN_CHANGE}`;
  const data: Record<string, string | number | null> = { direction: locked.kind };
  if (locked.creditAmount && locked.creditAmount > 0n) {
    const day = localDateOf(at, policy.locale.timeZone);
    const [contact] = await deps.accounts.contactsOf([subscription.accountId]);
    const { buyer, language } = buyerOf(await deps.accounts.profile(subscription.accountId), contact);
    const net = money(locked.creditAmount, locked.priceCurrency);
    const gross = invoiceGross(
      [{ net }],
      decideInvoiceVat(policy, buyer, day, deps.vatRates, language),
      net.currency,
    );
    await deps.store.insertCredit({
      id: deps.ids.next('cred'),
      accountId: subscription.accountId,
      currency: gross.currency,
      amount: gross.amount,
      paymentId: null,
      invoiceId: null,
      createdAt: at,
    });
    const event: NewEvent = {
      chainId: subscription.accountId,
      type: 'credit.added',
      clause,
      actor,
      cause: `plan_change:${locked.id}`,
      occurredAt: at,
      data: {
        reason: 'downgrade',
        subscription: subscription.id,
        net: toDecimalString(net),
        amount: toDecimalString(gross),
        currency: gross.currency,
      },
    };
    await deps.eventLog.append([event]);
    data.credit = toDecimalString(gross);
  }
  return switchPlan({ deps, policy, subscription, now: at }, locked, { actor, clause, cause, data });
}

/**
 * The `billing.plan_change` due handler: applies each scheduled entry whose day has come, asked again under
 * lock; an entry replaced, objected to or already applied is left alone, so running it twice changes nothing.
 * The renewal's own due item is kept where it was: the next period is priced from the schedule anyway.
 */
export function applyScheduledPlanChanges(deps: BillingDeps): (items: DueItem[]) => Promise<void> {
  return async (items) => {
    const store = makePlanChangesStore(deps.db);
    for (const item of items) {
      const entry = await store.scheduleEntry(item.ref);
      if (!entry) continue;
      const [subscription] = await deps.store.subscriptionsByIds([entry.subscriptionId]);
      if (!subscription) continue;
      const policy = deps.policyOf(subscription.policyVersionId);
      if (item.firedAt.getTime() < startOfDay(entry.effectiveFrom, policy.locale.timeZone).getTime()) {
        await deps.dueWork.schedule([
          {
            accountId: item.accountId,
            kind: PLAN_CHANGE,
            ref: entry.id,
            dueAt: startOfDay(entry.effectiveFrom, policy.locale.timeZone),
            clockId: item.clockId,
          },
        ]);
        continue;
      }
      await applyEntry(deps, entry, item.firedAt, 'system');
    }
  };
}
