import { sql } from 'drizzle-orm';
import { addDays, type LocalDate, localDateOf, startOfDay } from '../../platform/calendar.ts';
import { textArray } from '../../platform/db/bulk.ts';
import type { PaymentStanding } from '../lifecycle/index.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';

/**
 * What the account lifecycle reads from and asks of billing: the payment facts its non-payment rules
 * decide from, and the three things a cancellation, a suspension or a restoration does to renewals. Billing
 * keeps its tables; lifecycle gets these functions at wiring time (`app.ts`).
 */
export type BillingControl = ReturnType<typeof makeBillingControl>;

export function makeBillingControl(deps: BillingDeps) {
  const { db, store } = deps;

  /**
   * Each account's payment standing, read inside the caller's transaction: the oldest invoice not fully
   * paid (its due date), the subscription that is live (or the newest one), its period, how far it is paid,
   * and the card's last valid day. `unpaidPeriodEnd` is the last covered day of a subscription whose next
   * period was not paid: a declined renewal (`past_due`), or one that ended without the customer cancelling
   * (no consent to charge, CM-BIL-02).
   */
  async function paymentStandingOf(accountIds: readonly string[]): Promise<PaymentStanding[]> {
    if (accountIds.length === 0) return [];
    const rows = await db.rows<{
      account_id: string;
      oldest_due: string | Date | null;
      status: string | null;
      cancel_at_period_end: boolean | null;
      current_period_from: string | Date | null;
      current_period_to: string | Date | null;
      paid_through: string | Date | null;
      exp_month: number | null;
      exp_year: number | null;
    }>(sql`
      with ids as (select unnest(${textArray(accountIds)}) as account_id),
      due as (
        select account_id, min(due_date) as oldest_due from invoices
        where account_id in (select account_id from ids) and status <> 'paid' and due_date is not null
          and kind = 'VAT'
        group by account_id),
      sub as (
        select distinct on (account_id) * from subscriptions
        where account_id in (select account_id from ids)
        order by account_id, (status <> 'ended') desc, created_at desc, id desc)
      select ids.account_id, due.oldest_due, sub.status, sub.cancel_at_period_end, sub.current_period_from,
             sub.current_period_to, sub.paid_through, pm.exp_month, pm.exp_year
      from ids
      left join due on due.account_id = ids.account_id
      left join sub on sub.account_id = ids.account_id
      left join payment_methods pm on pm.id = sub.payment_method_id`);
    return rows.map((r) => {
      const periodTo = day(r.current_period_to);
      const unpaid = r.status === 'past_due' || (r.status === 'ended' && r.cancel_at_period_end === false);
      return {
        accountId: r.account_id,
        oldestOpenDueDate: day(r.oldest_due),
        unpaidPeriodEnd: unpaid ? periodTo : null,
        currentPeriodFrom: day(r.current_period_from),
        currentPeriodTo: periodTo,
        paidThrough: day(r.paid_through),
        hasLiveSubscription: r.status !== null && r.status !== 'ended',
        cardValidThrough:
          r.exp_month && r.exp_year ? addDays(firstOfMonth(r.exp_year, r.exp_month + 1), -1) : null,
      };
    });
  }

  /**
   * No renewal after the current period (a cancellation to the period's end, CM-LIF-09, QU-LIF-05,
   * BK-LIF-05): the renewal's due item then stops the subscription with its period. Invoices already issued
   * stay open and collectable (CM-BIL-12). Returns false when the account has no live subscription.
   */
  async function stopRenewal(accountId: string, at: Date): Promise<boolean> {
    const live = await store.liveSubscription(accountId, true);
    if (!live) return false;
    await store.updateSubscription(live.id, { cancelAtPeriodEnd: true, updatedAt: at });
    return true;
  }

  /** Undoes `stopRenewal` (a cancellation withdrawn before it took effect): the period renews again. */
  async function continueRenewal(accountId: string, at: Date): Promise<boolean> {
    const live = await store.liveSubscription(accountId, true);
    if (!live) return false;
    await store.updateSubscription(live.id, { cancelAtPeriodEnd: false, updatedAt: at });
    return true;
  }

  /**
   * Ends the live subscription at once (a contract that ends on delivery of the notice, or a deletion): no
   * renewal is ever attempted again. Invoices already issued stay open (CM-BIL-12).
   */
  async function endSubscription(accountId: string, at: Date): Promise<boolean> {
    const live = await store.liveSubscription(accountId, true);
    if (!live) return false;
    await store.updateSubscription(live.id, { status: 'ended', cancelAtPeriodEnd: true, updatedAt: at });
    await deps.dueWork.cancel(accountId, RENEW, live.id);
    return true;
  }

  /**
   * Resumes charging the account's subscription with a period starting on `from` (the reactivation day of a
   * suspension, CM-LIF-07; the day an expired or liquidated account is restored, CM-LIF-03/13): the current
   * period is closed the day before, the renewal is no longer cancelled, and its due item is set for `from`'s
   * local midnight (or `at`, if later), where the ordinary renewal charges the card under a key of its own
   * (`renew:<subscription>:<from>`). Returns false when the account has no subscription to resume.
   */
  async function resumeRenewal(accountId: string, from: LocalDate, at: Date): Promise<boolean> {
    const [sub] = await db.rows<{ id: string }>(sql`
      select id from subscriptions where account_id = ${accountId}
      order by (status <> 'ended') desc, created_at desc, id desc limit 1 for update`);
    if (!sub) return false;
    const [row] = await store.subscriptionsByIds([sub.id], true);
    const life = await deps.lifecycle.get(accountId);
    const tz = deps.policyOf(life.policyVersionId).locale.timeZone;
    const to = addDays(from, -1);
    await store.updateSubscription(sub.id, {
      status: 'active',
      cancelAtPeriodEnd: false,
      currentPeriodFrom: row!.currentPeriodFrom <= to ? row!.currentPeriodFrom : to,
      currentPeriodTo: to,
      updatedAt: at,
    });
    const dueAt = startOfDay(from, tz);
    await deps.dueWork.schedule([
      {
        accountId,
        kind: RENEW,
        ref: sub.id,
        dueAt: dueAt.getTime() > at.getTime() ? dueAt : at,
        clockId: row!.clockId,
      },
    ]);
    return true;
  }

  /** The local day of `at` in the account's policy time zone (a convenience for callers). */
  function todayOf(at: Date, timeZone: string): LocalDate {
    return localDateOf(at, timeZone);
  }

  return { paymentStandingOf, stopRenewal, continueRenewal, endSubscription, resumeRenewal, todayOf };
}

function day(v: string | Date | null): LocalDate | null {
  if (v === null) return null;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return v.slice(0, 10);
}

function firstOfMonth(year: number, month: number): LocalDate {
  const y = month > 12 ? year + 1 : year;
  const m = month > 12 ? 1 : month;
  return `${y}-${String(m).padStart(2, '0')}-01`;
}
