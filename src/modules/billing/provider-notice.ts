import { addDays, addMonths, addYears, type LocalDate, localDateOf } from '../../platform/calendar.ts';
import type { DueItem } from '../../platform/due-work/due-work.ts';
import { type Money, money, multiplyRatio, subtract, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import { billPurchase } from './bill-purchase.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';
import type { InvoiceRow, RefundRow, SubscriptionRow } from './billing-store.ts';
import { subscriptionLineText } from './invoice-rules.ts';
import { planName } from './issue-invoice.ts';
import { daysFrom, type Frequency, fullPeriod, type Period, periodDays, prorate } from './periods.ts';
import { makePlanChangesStore } from './plan-changes-store.ts';
import { issueCorrection, refundPaidExcess } from './refund-payment.ts';
import { renewalDueAt } from './renewal-rules.ts';
import { termsAt } from './subscription-terms.ts';

/** The refund reason (and correction reason) of the days after a provider notice's last day (QU-LIF-05). */
export const PROVIDER_NOTICE_REASON = 'provider_notice';

/**
 * Due item: just before the renewal that would start the period the contract's last day falls in (or the one
 * after it), that renewal is replaced: the last, shortened period invoiced pro rata, or nothing (ref:
 * `<subscription>|<last day>`).
 */
export const FINAL_PERIOD = 'billing.final_period';

const next = (p: Period, frequency: Frequency): Period => {
  const from = addDays(p.to, 1);
  return { from, to: addDays(frequency === 'annual' ? addYears(from, 1) : addMonths(from, 1), -1) };
};
const previous = (p: Period, frequency: Frequency): Period => {
  const from = frequency === 'annual' ? addYears(p.from, -1) : addMonths(p.from, -1);
  return { from, to: addDays(p.from, -1) };
};

/** The billing period of a subscription on `period`'s cycle that `day` falls in. Pure. */
export function periodContaining(period: Period, frequency: Frequency, day: LocalDate): Period {
  let p = period;
  while (p.to < day) p = next(p, frequency);
  while (p.from > day) p = previous(p, frequency);
  return p;
}

/**
 * The last day of a paid contract after the provider's notice delivered on `deliveredOn` (QU-LIF-05, art.
 * 12.1–12.2): the last day of the billing period the notice was delivered in, but never earlier than
 * `minDays` after delivery (delivered 2026-05-20 in May → not 05-31 but 2026-06-19). `period` is any period
 * of the subscription's cycle (its current one, possibly invoiced ahead). Pure.
 */
export function providerNoticeEnd(input: {
  period: Period;
  frequency: Frequency;
  deliveredOn: LocalDate;
  minDays: number;
}): LocalDate {
  const { to } = periodContaining(input.period, input.frequency, input.deliveredOn);
  const earliest = addDays(input.deliveredOn, input.minDays);
  return earliest > to ? earliest : to;
}

/**
 * The billing side of a provider's notice on a paid plan (QU-LIF-05), inside the caller's transaction: the
 * contract's last day (`providerNoticeEnd`) and what billing does about it. Periods wholly before it renew
 * and are invoiced as usual. Just before the renewal that would start the period the last day falls in, a
 * `billing.final_period` due item replaces it: that period is invoiced only up to the last day, pro rata
 * (Quanda invoices each month on its 1st, art. 8.4, so a notice delivered on 2026-05-20 is followed by a June
 * invoice for 06-01..06-19, 19/30); a last day that ends a period replaces the renewal after it with nothing.
 * A last day inside a period already invoiced in full (an annual period invoiced ahead 14 days before it
 * starts, QU-BIL-05: a notice delivered 2026-12-21 ends the contract on 2027-01-20, inside 2027) is corrected
 * here, at the notice (`correctOverInvoiced`): a KOR for the days after the last day, the paid excess given
 * back, the subscription's period ending on the last day. Event `subscription.ending` with the clause (and
 * `overInvoicedFrom`..`overInvoicedTo`, the corrections). Returns the last day; null without a live
 * subscription.
 */
export async function endAfterProviderNotice(
  deps: BillingDeps,
  input: {
    accountId: string;
    deliveredOn: LocalDate;
    minDays: number;
    clause: string | null;
    at: Date;
    actor: string;
    cause: string;
  },
): Promise<{
  lastDay: LocalDate;
  finalPeriod: Period | null;
  corrections: InvoiceRow[];
  refunds: RefundRow[];
} | null> {
  const subscription = await deps.store.liveSubscription(input.accountId, true);
  if (!subscription || subscription.status === 'ended') return null;
  const [life] = await deps.lifecycle.load([input.accountId]);
  const policy = deps.policyOf(life!.policyVersionId);
  const current = { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo };
  const lastDay = providerNoticeEnd({
    period: current,
    frequency: subscription.frequency,
    deliveredOn: input.deliveredOn,
    minDays: input.minDays,
  });
  const last = periodContaining(current, subscription.frequency, lastDay);
  const finalPeriod = lastDay > current.to && lastDay < last.to ? { from: last.from, to: lastDay } : null;
  let corrected: { corrections: InvoiceRow[]; refunds: RefundRow[] } = { corrections: [], refunds: [] };
  if (lastDay <= current.to) {
    // Nothing renews any more: the current period (invoiced) is the last.
    await deps.dueWork.cancel(input.accountId, RENEW, subscription.id);
    await deps.store.updateSubscription(subscription.id, { cancelAtPeriodEnd: true, updatedAt: input.at });
    if (lastDay < current.to)
      corrected = await correctOverInvoiced(deps, { ...input, policy, subscription, lastDay });
  } else {
    // The renewal replaced: the one starting the last, shortened period, or the one after a last day that
    // ends a period. One millisecond before it, so it runs first.
    const before = finalPeriod ? addDays(last.from, -1) : last.to;
    const renewalAt = renewalDueAt(policy, { currentPeriodTo: before, frequency: subscription.frequency });
    const dueAt = new Date(renewalAt.getTime() - 1);
    await deps.dueWork.schedule([
      {
        accountId: input.accountId,
        kind: FINAL_PERIOD,
        ref: `${subscription.id}|${lastDay}`,
        dueAt: dueAt.getTime() > input.at.getTime() ? dueAt : input.at,
        clockId: subscription.clockId,
      },
    ]);
  }
  await deps.eventLog.append([
    {
      chainId: input.accountId,
      type: 'subscription.ending',
      clause: input.clause,
      actor: input.actor,
      cause: input.cause,
      occurredAt: input.at,
      data: {
        subscription: subscription.id,
        deliveredOn: input.deliveredOn,
        lastDay,
        currentPeriodTo: current.to,
        finalPeriodFrom: finalPeriod?.from ?? null,
        finalPeriodTo: finalPeriod?.to ?? null,
        overInvoicedFrom: lastDay < current.to ? addDays(lastDay, 1) : null,
        overInvoicedTo: lastDay < current.to ? current.to : null,
        corrections: corrected.corrections.map((c) => c.id),
        refunds: corrected.refunds.map((r) => r.id),
      },
    },
  ]);
  return { lastDay, finalPeriod, ...corrected };
}

/**
 * The share of `invoice`'s gross for its days after `lastDay`: a whole billing period by the policy's day
 * count (the same share the last, shortened period would be invoiced by, QU-LIF-05: 2027-01-21..12-31 of
 * 2027 = 345/365), a shorter one (a first partial month, an upgrade's difference) by its own calendar days.
 * Half up. Pure.
 */
export function overInvoicedShare(
  invoice: { gross: Money; period: Period },
  frequency: Frequency,
  lastDay: LocalDate,
  dayCount: Policy['billing']['dayCount'],
): Money {
  const days = daysFrom(invoice.period, addDays(lastDay, 1));
  if (days === 0) return money(0n, invoice.gross.currency);
  const whole = fullPeriod(invoice.period.from, frequency);
  return whole.to === invoice.period.to
    ? prorate(invoice.gross, days, invoice.period, frequency, dayCount, 'half_up')
    : multiplyRatio(invoice.gross, BigInt(days), BigInt(periodDays(invoice.period)), 'half_up');
}

/**
 * A provider notice's last day falls inside a period already invoiced in full (QU-LIF-05 with QU-BIL-05's
 * invoice 14 days ahead). The seed ends the contract on that day (art. 12.1–12.2) and sets no fee for the
 * provider's notice (the 100 CZK of art. 4.6 and 12.5 are for the customer's objection and withdrawal), so
 * the days after it are not owed: for each of the subscription's invoices reaching past it,
 * - a correcting invoice (KOR, numbered in the policy's correction series, its FA(3) XML for a Polish seller)
 *   of the share for those days (`overInvoicedShare`), spread over the original's lines with their VAT rates;
 * - the part of it the customer still owed lowers what is owed: it is settled on the original invoice (its
 *   `amount_paid` counts corrections as well as payments), so dunning and overdue facts see only the
 *   corrected amount (unpaid 7,139.00 corrected by 6,747.82 → 391.18 open, due on the original's day);
 * - what was paid beyond the corrected amount is refunded in full (`refundPaidExcess`, reason
 *   `provider_notice`, no fee), on the KOR.
 * Issued at the notice, not on the last day: the notice fixes the last day, and the original's due date
 * (2027-01-01) comes before it; waiting would make the customer overdue (QU-LIF-01) for days never to be
 * served. The subscription's period then ends on the last day (paid through it once the rest is settled).
 * Inside the notice's transaction.
 */
async function correctOverInvoiced(
  deps: BillingDeps,
  input: {
    accountId: string;
    policy: Policy;
    subscription: SubscriptionRow;
    lastDay: LocalDate;
    clause: string | null;
    at: Date;
    actor: string;
    cause: string;
  },
): Promise<{ corrections: InvoiceRow[]; refunds: RefundRow[] }> {
  const { policy, subscription, lastDay } = input;
  const today = localDateOf(input.at, policy.locale.timeZone);
  const corrections: InvoiceRow[] = [];
  const refunds: RefundRow[] = [];
  const reaching = (await deps.store.invoicesOf(input.accountId)).filter(
    (i) =>
      i.kind === 'VAT' &&
      i.subscriptionId === subscription.id &&
      i.periodFrom !== null &&
      i.periodTo !== null &&
      i.periodTo > lastDay,
  );
  let settledAll = reaching.length > 0;
  for (const listed of reaching) {
    const invoice = (await deps.store.invoice(input.accountId, listed.id, true))!;
    const period = { from: invoice.periodFrom!, to: invoice.periodTo! };
    const gross = money(invoice.gross, invoice.currency);
    const share = overInvoicedShare(
      { gross, period },
      subscription.frequency,
      lastDay,
      policy.billing.dayCount,
    );
    if (share.amount <= 0n) continue;
    // What the customer paid beyond the corrected amount goes back; the rest of the share lowers what is owed.
    const correctedGross = invoice.gross - share.amount;
    const excess = invoice.amountPaid > correctedGross ? invoice.amountPaid - correctedGross : 0n;
    const offset = share.amount - excess;
    const settled = invoice.amountPaid + offset;
    const status = settled >= invoice.gross ? 'paid' : settled > 0n ? 'partially_paid' : 'issued';
    if (status !== 'paid') settledAll = false;
    await deps.store.updateInvoicePaid(invoice.id, { status, amountPaid: settled });
    const correction = await issueCorrection(deps, {
      invoice,
      policy,
      issueDate: today,
      at: input.at,
      amount: share,
      reason: PROVIDER_NOTICE_REASON,
      method: 'transfer',
      // Settled at once for the part that lowered the debt; the refunded part once the money went back.
      status: excess > 0n ? 'partially_paid' : 'paid',
      amountPaid: -offset,
    });
    corrections.push(correction);
    const amount = (minor: bigint) => toDecimalString(money(minor, invoice.currency));
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'invoice.corrected',
        clause: input.clause,
        actor: input.actor,
        cause: input.cause,
        occurredAt: input.at,
        data: {
          invoice: correction.id,
          number: correction.number,
          corrects: invoice.id,
          correctsNumber: invoice.number,
          correctsIssueDate: invoice.issueDate,
          issueDate: correction.issueDate,
          reason: PROVIDER_NOTICE_REASON,
          from: addDays(lastDay, 1),
          to: period.to,
          days: daysFrom(period, addDays(lastDay, 1)),
          periodDays: periodDays(period),
          currency: correction.currency,
          net: amount(correction.net),
          vat: amount(correction.vat),
          gross: amount(correction.gross),
          correctedGross: amount(correctedGross),
          lowersDebtBy: amount(offset),
          refund: amount(excess),
          ksef: correction.ksefXml !== null,
        },
      },
    ]);
    if (excess > 0n)
      refunds.push(
        ...(await refundPaidExcess(deps, {
          accountId: input.accountId,
          invoice,
          correction,
          amount: subtract(
            money(invoice.amountPaid, invoice.currency),
            money(correctedGross, invoice.currency),
          ),
          reason: PROVIDER_NOTICE_REASON,
          clause: input.clause,
          cause: input.cause,
          actor: input.actor,
          now: input.at,
        })),
      );
  }
  await deps.store.updateSubscription(subscription.id, {
    currentPeriodTo: lastDay,
    cancelAtPeriodEnd: true,
    ...(settledAll
      ? { paidThrough: lastDay }
      : subscription.paidThrough !== null && subscription.paidThrough > lastDay
        ? { paidThrough: lastDay }
        : {}),
    updatedAt: input.at,
  });
  return { corrections, refunds };
}

/**
 * `billing.final_period`: the shortened last period invoiced like any other, with the policy's terms, for its
 * days only: the price in force that day × days ÷ the whole period's days (the policy's day count; QU-LIF-05:
 * 2026-06-01..06-19 of June → 19/30). The subscription's period becomes that one; nothing renews after it.
 */
export function invoiceFinalPeriods(deps: BillingDeps) {
  return async (items: DueItem[]): Promise<void> => {
    for (const item of items) {
      const [subscriptionId, lastDay] = item.ref.split('|') as [string, LocalDate];
      const [subscription] = await deps.store.subscriptionsByIds([subscriptionId], true);
      if (!subscription || subscription.status === 'ended') continue;
      // The renewal this replaces is not attempted; nothing renews after the last day.
      await deps.dueWork.cancel(subscription.accountId, RENEW, subscription.id);
      await deps.store.updateSubscription(subscription.id, {
        cancelAtPeriodEnd: true,
        updatedAt: item.firedAt,
      });
      if (subscription.currentPeriodTo >= lastDay) continue;
      const [life] = await deps.lifecycle.load([subscription.accountId], true);
      if (!life) continue;
      const policy = deps.policyOf(life.policyVersionId);
      const from = addDays(subscription.currentPeriodTo, 1);
      const period = { from, to: lastDay };
      const whole = next(
        { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo },
        subscription.frequency,
      );
      // Invoiced when the replaced renewal would have been (it was due a millisecond later).
      const now = new Date(Math.max(item.firedAt.getTime(), item.dueAt.getTime() + 1));
      const schedule = await makePlanChangesStore(deps.db).scheduleOf([subscription.id]);
      const terms = termsAt(subscription, schedule, from);
      const days = periodDays(period);
      const net = prorate(
        terms.price,
        days,
        whole,
        subscription.frequency,
        policy.billing.dayCount,
        'half_up',
      );
      const [contact] = await deps.accounts.contactsOf([subscription.accountId]);
      const language = contact?.locale ?? 'pl';
      const clause = policy.termination.clauses.providerNotice;
      const billed = await billPurchase(deps, {
        // Invoiced, never charged here: a card policy's charge is the ordinary renewal's, not this one's.
        policy: { ...policy, billing: { ...policy.billing, invoiceTiming: 'ahead_with_terms' } },
        accountId: subscription.accountId,
        clockId: subscription.clockId,
        subscriptionId: subscription.id,
        method: null,
        items: [
          {
            description: subscriptionLineText(
              planName(policy, terms.planCode, language),
              subscription.frequency,
              period,
              language,
            ),
            net,
          },
        ],
        period,
        intent: `final_period:${subscription.id}:${from}`,
        purpose: 'final_period',
        clause,
        frequency: subscription.frequency,
        planCode: terms.planCode,
        now,
        actor: 'system',
      });
      if (billed.outcome !== 'invoiced' && billed.outcome !== 'paid') continue;
      await deps.store.updateSubscription(subscription.id, {
        currentPeriodFrom: from,
        currentPeriodTo: lastDay,
        cancelAtPeriodEnd: true,
        updatedAt: now,
      });
      await deps.eventLog.append([
        {
          chainId: subscription.accountId,
          type: 'subscription.final_period',
          clause,
          actor: 'system',
          cause: `due:${FINAL_PERIOD}`,
          occurredAt: now,
          data: {
            subscription: subscription.id,
            periodFrom: from,
            periodTo: lastDay,
            days,
            periodDays: periodDays(whole),
            price: toDecimalString(terms.price),
            net: toDecimalString(net),
            currency: net.currency,
            invoice: billed.invoice.id,
          },
        },
      ]);
    }
  };
}
