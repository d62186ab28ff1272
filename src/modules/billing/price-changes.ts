import { type LocalDate, localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import { formatMoney, type Money, money, parseMoney, toDecimalString } from '../../platform/money.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import type { BillingDeps } from './billing-context.ts';
import { planName } from './issue-invoice.ts';
import type { Frequency } from './periods.ts';
import { decideObjection, priceChangeTiming } from './plan-change-rules.ts';
import { planChangeErrors } from './plan-changes-errors.ts';
import {
  makePlanChangesStore,
  type PriceChangeNoticeRow,
  type PriceChangeRow,
} from './plan-changes-store.ts';
import { termsAt } from './subscription-terms.ts';

export type PriceChangeInput = {
  effectiveDate: LocalDate;
  currency: string;
  prices: { plan: string; frequency: Frequency; amount: string }[];
  /** QU-LEG-02: the change is solely the provider's choice. */
  providerDriven: boolean;
  /** QU-LEG-02: the change materially limits the customer's rights. */
  material: boolean;
  actor: string;
};

/**
 * The operator announces a new price list (CM-BIL-03, QU-BIL-11; CM-DOC-03 for price-list changes).
 *
 * In one transaction: the price change (new orders on or after its effective date pay the new prices), and
 * for every running subscription whose plan and billing period it reprices, a notice: sent today on the
 * account's clock, deemed received and open to objection as the account's terms say (`priceChangeTiming`),
 * with the day from which that customer's periods are priced anew. The customer's price is never
 * overwritten: the new price is an entry of its price schedule from that day (a period starting earlier
 * renews at the old price), cancelled if the customer objects in time. Events: `price_change.announced` on
 * the operator's chain, `price_change.notified` per account with its clause; the notice mails via the outbox.
 * Leaves to the caller: that only the operator may announce.
 */
export async function announcePriceChange(
  deps: BillingDeps,
  input: PriceChangeInput,
): Promise<{ priceChange: PriceChangeRow; notices: PriceChangeNoticeRow[] }> {
  return deps.db.transaction(async () => {
    const invalid = (problem: string) =>
      new AppError(planChangeErrors['billing.price_change_invalid'], { details: { problem } });
    if (input.prices.length === 0) throw invalid('no prices');
    const prices: { plan: string; frequency: Frequency; currency: string; amount: string }[] = [];
    for (const p of input.prices) {
      let amount: Money;
      try {
        amount = parseMoney(p.amount, input.currency);
      } catch {
        throw invalid(`amount ${p.amount} in ${input.currency}`);
      }
      if (amount.amount <= 0n) throw invalid(`amount ${p.amount} must be positive`);
      if (prices.some((x) => x.plan === p.plan && x.frequency === p.frequency))
        throw invalid(`${p.plan} ${p.frequency} priced twice`);
      prices.push({
        plan: p.plan,
        frequency: p.frequency,
        currency: input.currency,
        amount: toDecimalString(amount),
      });
    }
    const announcedAt = await deps.timeOf(null);
    const store = makePlanChangesStore(deps.db);
    const priceChange = await store.insertPriceChange({
      id: deps.ids.next('prc'),
      effectiveDate: input.effectiveDate,
      prices,
      providerDriven: input.providerDriven,
      material: input.material,
      announcedBy: input.actor,
      createdAt: announcedAt,
    });

    const subscriptions = (await store.liveSubscriptionsOn([...new Set(prices.map((p) => p.plan))])).filter(
      (s) => s.priceCurrency === input.currency,
    );
    const schedules = groupBy(
      await store.scheduleOf(subscriptions.map((s) => s.id)),
      (e) => e.subscriptionId,
    );
    const contacts = new Map(
      (await deps.accounts.contactsOf([...new Set(subscriptions.map((s) => s.accountId))])).map((c) => [
        c.accountId,
        c,
      ]),
    );
    const clockTimes = new Map<string | null, Date>();
    const scheduleRows: Parameters<typeof store.insertScheduleEntries>[0] = [];
    const noticeRows: Parameters<typeof store.insertNotices>[0] = [];
    const events: NewEvent[] = [];
    const mails: NotificationRequest[] = [];
    for (const subscription of subscriptions) {
      const policy = deps.policyOf(subscription.policyVersionId);
      if (!clockTimes.has(subscription.clockId))
        clockTimes.set(subscription.clockId, await deps.timeOf(subscription.clockId));
      const now = clockTimes.get(subscription.clockId)!;
      const sentOn = localDateOf(now, policy.locale.timeZone);
      const timing = priceChangeTiming(policy, { effectiveDate: input.effectiveDate, sentOn });
      const schedule = schedules.get(subscription.id) ?? [];
      const before = termsAt(subscription, schedule, timing.appliesFrom);
      const listed = prices.find((p) => p.plan === before.planCode && p.frequency === subscription.frequency);
      if (!listed) continue;
      const newPrice = parseMoney(listed.amount, input.currency);
      if (newPrice.amount === before.price.amount) continue;
      let seq = schedule.reduce((max, e) => Math.max(max, e.seq), 0);
      if (schedule.length === 0)
        scheduleRows.push({
          id: deps.ids.next('sch'),
          accountId: subscription.accountId,
          subscriptionId: subscription.id,
          seq: ++seq,
          kind: 'base',
          status: 'applied',
          effectiveFrom: subscription.currentPeriodFrom,
          planCode: subscription.planCode,
          fromPlanCode: null,
          priceAmount: subscription.priceAmount,
          priceCurrency: subscription.priceCurrency,
          creditAmount: null,
          priceChangeId: null,
          createdAt: now,
        });
      const entryId = deps.ids.next('sch');
      scheduleRows.push({
        id: entryId,
        accountId: subscription.accountId,
        subscriptionId: subscription.id,
        seq: ++seq,
        kind: 'price_change',
        status: 'scheduled',
        effectiveFrom: timing.appliesFrom,
        planCode: before.planCode,
        fromPlanCode: before.planCode,
        priceAmount: newPrice.amount,
        priceCurrency: newPrice.currency,
        creditAmount: null,
        priceChangeId: priceChange.id,
        createdAt: now,
      });
      const noticeId = deps.ids.next('pcn');
      noticeRows.push({
        id: noticeId,
        priceChangeId: priceChange.id,
        accountId: subscription.accountId,
        subscriptionId: subscription.id,
        planCode: before.planCode,
        oldAmount: before.price.amount,
        newAmount: newPrice.amount,
        currency: newPrice.currency,
        sentOn,
        receivedOn: timing.receivedOn,
        objectionUntil: timing.objectionUntil,
        appliesFrom: timing.appliesFrom,
        scheduleId: entryId,
        status: 'notified',
        objectedAt: null,
        createdAt: now,
      });
      const clause = policy.changeNotices.prices.clause ?? null;
      events.push({
        chainId: subscription.accountId,
        type: 'price_change.notified',
        clause,
        actor: input.actor,
        cause: `price_change:${priceChange.id}`,
        occurredAt: now,
        data: {
          priceChange: priceChange.id,
          notice: noticeId,
          subscription: subscription.id,
          plan: before.planCode,
          frequency: subscription.frequency,
          oldPrice: toDecimalString(before.price),
          newPrice: toDecimalString(newPrice),
          currency: newPrice.currency,
          effectiveDate: input.effectiveDate,
          sentOn,
          receivedOn: timing.receivedOn,
          objectionUntil: timing.objectionUntil,
          appliesFrom: timing.appliesFrom,
        },
      });
      const contact = contacts.get(subscription.accountId);
      if (contact)
        mails.push({
          accountId: subscription.accountId,
          recipient: contact.email,
          locale: contact.locale,
          template: 'billing.price_change_notice',
          clause,
          dedupeKey: `billing.price_change:${noticeId}`,
          occurredAt: now,
          params: {
            planName: planName(policy, before.planCode, contact.locale),
            oldPrice: formatMoney(before.price, contact.locale),
            newPrice: formatMoney(newPrice, contact.locale),
            appliesFrom: timing.appliesFrom,
            ...(timing.objectionUntil ? { objectionUntil: timing.objectionUntil } : {}),
            billingUrl: `${deps.portalUrl}/billing`,
          },
        });
    }
    await store.insertScheduleEntries(scheduleRows);
    const notices = await store.insertNotices(noticeRows);
    events.unshift({
      chainId: 'operator',
      type: 'price_change.announced',
      clause: null,
      actor: input.actor,
      cause: `price_change:${priceChange.id}`,
      occurredAt: announcedAt,
      data: {
        priceChange: priceChange.id,
        effectiveDate: input.effectiveDate,
        currency: input.currency,
        prices: prices.map((p) => `${p.plan}/${p.frequency}=${p.amount}`),
        providerDriven: input.providerDriven,
        material: input.material,
        notices: notices.length,
      },
    });
    await deps.eventLog.append(events);
    await deps.notifications.send(mails);
    return { priceChange, notices };
  });
}

/**
 * A customer objects to a price change it was notified of (QU-BIL-11 with QU-LEG-01/02; CM-BIL-03).
 *
 * Accepted through the notice's last objection day on the account's clock (a customer deadline, moved off
 * weekends and holidays); later, or where the terms give no objection, refused and nothing changes. A timely
 * objection keeps the old price until the termination takes effect where the terms say so (the schedule's
 * price-change entry is cancelled: every later renewal is at the old price), and says what follows: the
 * consequence the terms give (the provider may close the account; the customer may terminate at no cost)
 * and the refund reason a refund of unused prepaid fees carries, if any (QU-LEG-02: only for a material,
 * provider-driven change, less the handling fee, through the refund path). Event `price_change.objected`.
 */
export async function objectToPriceChange(
  deps: BillingDeps,
  input: { accountId: string; noticeId: string; actor: string },
): Promise<{
  notice: PriceChangeNoticeRow;
  keepsOldPrice: boolean;
  consequence: string;
  refundReason: string | null;
  replayed: boolean;
}> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId], true);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const store = makePlanChangesStore(deps.db);
    const notice = await store.notice(input.accountId, input.noticeId, true);
    if (!notice)
      throw new AppError(planChangeErrors['billing.notice_not_found'], { details: { id: input.noticeId } });
    const [subscription] = await deps.store.subscriptionsByIds([notice.subscriptionId]);
    const policy = deps.policyOf(subscription?.policyVersionId ?? life.policyVersionId);
    const change = await store.priceChange(notice.priceChangeId);
    const decision = decideObjection(policy, {
      material: change?.material ?? false,
      providerDriven: change?.providerDriven ?? false,
    });
    if (notice.status === 'objected') return { notice, ...decision, replayed: true };
    if (!policy.changeNotices.prices.objection || notice.objectionUntil === null)
      throw new AppError(planChangeErrors['billing.objection_not_offered']);
    const now = await deps.timeOf(life.clockId);
    const today = localDateOf(now, policy.locale.timeZone);
    if (today > notice.objectionUntil)
      throw new AppError(planChangeErrors['billing.objection_late'], {
        details: { until: notice.objectionUntil },
      });
    if (decision.keepsOldPrice) await store.setScheduleStatus([notice.scheduleId], 'cancelled');
    await store.markObjected(notice.id, now);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'price_change.objected',
        clause: policy.changeNotices.prices.clause ?? null,
        actor: input.actor,
        cause: `notice:${notice.id}`,
        occurredAt: now,
        data: {
          notice: notice.id,
          priceChange: notice.priceChangeId,
          objectedOn: today,
          objectionUntil: notice.objectionUntil,
          keepsOldPrice: decision.keepsOldPrice,
          consequence: decision.consequence,
          refundReason: decision.refundReason,
        },
      },
    ]);
    return {
      notice: { ...notice, status: 'objected', objectedAt: now },
      ...decision,
      replayed: false,
    };
  });
}

export function noticeJson(n: PriceChangeNoticeRow) {
  const amount = (minor: bigint) => toDecimalString(money(minor, n.currency));
  return {
    id: n.id,
    priceChange: n.priceChangeId,
    plan: n.planCode,
    oldPrice: amount(n.oldAmount),
    newPrice: amount(n.newAmount),
    currency: n.currency,
    sentOn: n.sentOn,
    receivedOn: n.receivedOn,
    objectionUntil: n.objectionUntil,
    appliesFrom: n.appliesFrom,
    status: n.status,
  };
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    map.set(k, [...(map.get(k) ?? []), row]);
  }
  return map;
}
