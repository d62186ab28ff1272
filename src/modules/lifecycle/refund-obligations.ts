import { and, eq, ne } from 'drizzle-orm';
import { addDays, daysBetween, type LocalDate, startOfDay } from '../../platform/calendar.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueWork } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { type Money, money, sum, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { decideRefund, PaymentRow, RefundRow, RefundSettlement } from '../billing/index.ts';
import { operatorActionErrors } from './operator-actions-errors.ts';
import { refundObligations } from './operator-actions-schema.ts';
import { WITHDRAWAL_REFUND_DEADLINE } from './withdrawal.ts';

export type RefundObligationRow = typeof refundObligations.$inferSelect;

/** What lifecycle needs from billing to give money back and stop charging. */
export type BillingForLifecycle = {
  /** The refund rule (CM-BIL-04): what each payment of a case gives back, the case's fee kept once. */
  decideRefund: typeof decideRefund;
  payments(accountId: string): Promise<PaymentRow[]>;
  invoice(
    accountId: string,
    invoiceId: string,
  ): Promise<{ id: string; kind: string; period: { from: LocalDate; to: LocalDate } | null }>;
  refundPayment(input: {
    accountId: string;
    paymentId: string;
    reason: string | undefined;
    on?: LocalDate | undefined;
    feeLeft?: Money | null | undefined;
    actor: string;
  }): Promise<{ refund: RefundRow }>;
  /** The operator sent a transfer refund: its bank reference, the KOR paid. */
  confirmRefundTransfer(input: {
    accountId: string;
    refundId: string;
    reference: string;
    actor: string;
    clause?: string | null;
  }): Promise<RefundRow>;
  endSubscription(input: {
    accountId: string;
    at: Date;
    because: string | null;
    cause: string;
    actor: string;
  }): Promise<unknown>;
  /**
   * A provider's notice on a paid plan (QU-LIF-05): the contract's last day from the billing period and the
   * notice's minimum, no renewal after it, the last period invoiced pro rata. Null without a live subscription.
   */
  endAfterProviderNotice?(input: {
    accountId: string;
    deliveredOn: LocalDate;
    minDays: number;
    clause: string | null;
    at: Date;
    actor: string;
    cause: string;
  }): Promise<{ lastDay: LocalDate } | null>;
};

/**
 * Gives back, for `reason` from the policy's closed list (CM-BIL-04), what each of `payments` is owed, all
 * through billing's refund path (the refund row with its reason, the correcting invoice, the events): a card
 * payment at once through its gateway, a transfer as an obligation due by `dueBy` that the operator settles by
 * transfer (`recordTransfer`). The payments are one refund case: a handling fee (QU-LIF-08's 100 CZK,
 * QU-BIL-11's objection fee) is kept once for the case, from the first payments until it is covered, not from
 * every payment. Payments the rule gives nothing back for are skipped. Joins the caller's transaction; returns
 * one row per payment refunded.
 */
export async function refundPayments(
  deps: { db: Database; eventLog: EventLog; ids: IdGenerator; billing: BillingForLifecycle },
  input: {
    policy: Policy;
    accountId: string;
    source: { kind: 'withdrawal' | 'termination'; id: string };
    reason: string;
    clause: string;
    /** The day the cause takes effect: the first unused day for a pro-rata reason. */
    on: LocalDate;
    dueBy: LocalDate;
    payments: readonly PaymentRow[];
    actor: string;
    at: Date;
  },
): Promise<RefundObligationRow[]> {
  const rows: RefundObligationRow[] = [];
  // What is still to be kept of the case's fee (undefined: all of it, nothing kept yet).
  let feeLeft: Money | null | undefined;
  for (const payment of input.payments) {
    if (payment.status !== 'succeeded' || payment.provider === 'credit' || payment.invoiceId === null)
      continue;
    const invoice = await deps.billing.invoice(input.accountId, payment.invoiceId);
    if (invoice.kind !== 'VAT' || invoice.period === null) continue;
    // The rule, asked here for the case's fee; billing asks it again with the same fee left for the amount.
    const decision = deps.billing.decideRefund(input.policy, {
      reason: input.reason,
      payments: [money(payment.amount, payment.currency)],
      period: invoice.period,
      on: input.on,
      // The period's own length tells a year from a month (30/360 counts differ; calendar days do not).
      frequency: daysBetween(invoice.period.from, invoice.period.to) >= 300 ? 'annual' : 'monthly',
      feeLeft,
    });
    const feeBefore = feeLeft;
    feeLeft = decision.feeLeft;
    if (decision.amount.amount <= 0n) continue;
    let refund: RefundRow;
    try {
      ({ refund } = await deps.billing.refundPayment({
        accountId: input.accountId,
        paymentId: payment.id,
        reason: input.reason,
        on: input.on,
        feeLeft: feeBefore,
        actor: input.actor,
      }));
    } catch (error) {
      // "Nothing is due back" (the period is used up) is not a failure of the termination.
      if (
        error instanceof AppError &&
        error.code === 'billing.payment_not_refundable' &&
        /nothing is due/.test(String(error.details?.problem))
      )
        continue;
      throw error;
    }
    const byTransfer = refund.status === 'awaiting_transfer';
    // A gateway refund counts as met only once the gateway confirmed it (the sandbox at once; Stripe, PayPal
    // later: `settleObligationsOfRefund`, told by billing's `settleRefund` / `failRefund`).
    const met = refund.status === 'refunded';
    const [row] = await deps.db.q
      .insert(refundObligations)
      .values({
        id: deps.ids.next('rfo'),
        accountId: input.accountId,
        sourceKind: input.source.kind,
        sourceId: input.source.id,
        paymentId: payment.id,
        reason: input.reason,
        dueBy: input.dueBy,
        createdAt: input.at,
        amount: refund.amount,
        currency: refund.currency,
        method: byTransfer ? 'transfer' : 'gateway',
        status: byTransfer ? 'due' : met ? 'refunded' : 'pending',
        refundId: refund.id,
        refundedAt: met ? (refund.sentAt ?? refund.createdAt) : null,
      })
      .returning();
    if (byTransfer)
      await deps.eventLog.append([
        {
          chainId: input.accountId,
          type: 'refund.due',
          clause: input.clause,
          actor: input.actor,
          cause: `${input.source.kind}:${input.source.id}`,
          occurredAt: input.at,
          data: {
            obligation: row!.id,
            refund: refund.id,
            payment: payment.id,
            reason: input.reason,
            amount: toDecimalString(money(refund.amount, refund.currency)),
            currency: refund.currency,
            fee: decision.fee && toDecimalString(decision.fee),
            unusedDays: decision.unusedDays,
            method: 'transfer',
            dueBy: input.dueBy,
          },
        },
      ]);
    rows.push(row!);
  }
  return rows;
}

/** The total of some obligations (all of one currency), or null when there are none. */
export function totalOf(rows: readonly RefundObligationRow[], currency: string): Money {
  return sum(
    rows.map((r) => money(r.amount, r.currency)),
    rows[0]?.currency ?? currency,
  );
}

/**
 * Records that the operator has sent a refund due by transfer: its bank reference and the day (on the
 * obligation and on billing's refund, whose correcting invoice becomes paid), so when the money went back is
 * evidenced (CM-LIF-20: by the provider's deadline; QU-LIF-08: 14 days). Idempotent: a
 * second call for a refunded obligation returns it unchanged.
 */
export async function recordTransfer(
  deps: { db: Database; eventLog: EventLog; billing: Pick<BillingForLifecycle, 'confirmRefundTransfer'> },
  input: {
    accountId: string;
    obligationId: string;
    reference: string;
    at: Date;
    actor: string;
    clause: string | null;
  },
): Promise<RefundObligationRow> {
  const [row] = await deps.db.q
    .select()
    .from(refundObligations)
    .where(
      and(eq(refundObligations.accountId, input.accountId), eq(refundObligations.id, input.obligationId)),
    )
    .for('update');
  // By transfer: a transfer obligation, or a gateway one whose refund failed (due again, `failure`).
  if (row?.method !== 'transfer' && !(row?.status === 'due' && row.failure !== null))
    throw new AppError(operatorActionErrors.refund_obligation_not_found, {
      details: { id: input.obligationId },
    });
  if (row.status === 'refunded') return row;
  // The billing refund (its KOR) records the bank reference too, and its correcting invoice becomes paid.
  if (row.refundId)
    await deps.billing.confirmRefundTransfer({
      accountId: input.accountId,
      refundId: row.refundId,
      reference: input.reference,
      actor: input.actor,
      clause: input.clause,
    });
  const [updated] = await deps.db.q
    .update(refundObligations)
    .set({ status: 'refunded', reference: input.reference, refundedAt: input.at, failure: null })
    .where(eq(refundObligations.id, row.id))
    .returning();
  await deps.eventLog.append([
    {
      chainId: input.accountId,
      type: 'refund.sent',
      clause: input.clause,
      actor: input.actor,
      cause: `${row.sourceKind}:${row.sourceId}`,
      occurredAt: input.at,
      data: {
        obligation: row.id,
        payment: row.paymentId,
        amount: toDecimalString(money(row.amount, row.currency)),
        currency: row.currency,
        dueBy: row.dueBy,
        method: 'transfer',
      },
    },
  ]);
  return updated!;
}

/**
 * A gateway refund was confirmed or failed (billing's `settleRefund` / `failRefund`, the one place gateway
 * refunds are settled: the runner's answer, Stripe's `refund.*` webhooks, PayPal's answer), inside that
 * transaction. Its obligations (CM-LIF-20, QU-LIF-08: money back within the deadline) follow it:
 * - confirmed: `refunded`, at the gateway's time (`refundedAt`), any earlier failure cleared;
 * - failed: due again (`due`, `failure` for staff, `refund.failed` with the obligation's clause), and the
 *   deadline's alarm set for the day after `dueBy` (at once if that has passed): still due then → `refund.overdue`.
 * A replay (the state is already that) changes nothing.
 */
export async function settleObligationsOfRefund(
  deps: { db: Database; eventLog: EventLog; dueWork: Pick<DueWork, 'schedule'> },
  settlement: RefundSettlement,
): Promise<void> {
  const rows = await deps.db.q
    .select()
    .from(refundObligations)
    .where(
      and(
        eq(refundObligations.accountId, settlement.accountId),
        eq(refundObligations.refundId, settlement.refundId),
      ),
    )
    .for('update');
  if (settlement.outcome === 'refunded') {
    await deps.db.q
      .update(refundObligations)
      .set({ status: 'refunded', refundedAt: settlement.at, failure: null })
      .where(
        and(eq(refundObligations.refundId, settlement.refundId), ne(refundObligations.status, 'refunded')),
      );
    return;
  }
  const failed = rows.filter((r) => !(r.status === 'due' && r.failure === settlement.failure));
  if (failed.length === 0) return;
  await deps.db.q
    .update(refundObligations)
    .set({ status: 'due', refundedAt: null, failure: settlement.failure })
    .where(eq(refundObligations.refundId, settlement.refundId));
  const { policy } = settlement;
  const clauseOf = (r: RefundObligationRow) =>
    r.sourceKind === 'withdrawal'
      ? (policy.billing.withdrawal?.clauses.refund ?? policy.billing.clauses.refund)
      : policy.billing.clauses.refund;
  await deps.eventLog.append(
    failed.map((r) => ({
      chainId: r.accountId,
      type: 'refund.failed',
      clause: clauseOf(r),
      actor: 'system',
      cause: settlement.cause,
      occurredAt: settlement.at,
      data: {
        obligation: r.id,
        refund: settlement.refundId,
        payment: r.paymentId,
        amount: toDecimalString(money(r.amount, r.currency)),
        currency: r.currency,
        dueBy: r.dueBy,
        failure: settlement.failure,
      },
    })),
  );
  const tz = policy.locale.timeZone;
  await deps.dueWork.schedule(
    failed.map((r) => {
      const deadline = startOfDay(addDays(r.dueBy, 1), tz);
      return {
        accountId: r.accountId,
        kind: WITHDRAWAL_REFUND_DEADLINE,
        ref: r.sourceId,
        dueAt: deadline.getTime() > settlement.at.getTime() ? deadline : settlement.at,
        clockId: settlement.clockId,
      };
    }),
  );
}
