import { and, eq } from 'drizzle-orm';
import { daysBetween, type LocalDate } from '../../platform/calendar.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { type Money, money, sum, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { decideRefund, PaymentRow, RefundRow } from '../billing/index.ts';
import { operatorActionErrors } from './operator-actions-errors.ts';
import { refundObligations } from './operator-actions-schema.ts';

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
        status: byTransfer ? 'due' : 'refunded',
        refundId: refund.id,
        refundedAt: byTransfer ? null : refund.createdAt,
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
  if (row?.method !== 'transfer')
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
    .set({ status: 'refunded', reference: input.reference, refundedAt: input.at })
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
