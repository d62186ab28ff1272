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
  /** The refund rule (CM-BIL-04), for payments refunded by transfer. */
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
    actor: string;
  }): Promise<{ refund: RefundRow }>;
  endSubscription(input: {
    accountId: string;
    at: Date;
    because: string | null;
    cause: string;
    actor: string;
  }): Promise<unknown>;
};

/** Payments taken outside a card gateway: refunded by the operator's own bank transfer. */
const TRANSFER_PROVIDERS = new Set(['transfer', 'bank_transfer']);

/**
 * Gives back, for `reason` from the policy's closed list (CM-BIL-04), what each of `payments` is owed: a card
 * payment at once through billing's refund path (the gateway, the refund row, the correcting invoice), a
 * transfer as an obligation due by `dueBy` that the operator settles by transfer (`recordTransfer`). Payments
 * the rule gives nothing back for are skipped. Joins the caller's transaction; returns one row per payment.
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
  for (const payment of input.payments) {
    if (payment.status !== 'succeeded' || payment.provider === 'credit' || payment.invoiceId === null)
      continue;
    const invoice = await deps.billing.invoice(input.accountId, payment.invoiceId);
    if (invoice.kind !== 'VAT' || invoice.period === null) continue;
    const base = {
      id: deps.ids.next('rfo'),
      accountId: input.accountId,
      sourceKind: input.source.kind,
      sourceId: input.source.id,
      paymentId: payment.id,
      reason: input.reason,
      dueBy: input.dueBy,
      createdAt: input.at,
    };
    if (TRANSFER_PROVIDERS.has(payment.provider)) {
      const decision = deps.billing.decideRefund(input.policy, {
        reason: input.reason,
        payments: [money(payment.amount, payment.currency)],
        period: invoice.period,
        on: input.on,
        // The period's own length tells a year from a month (30/360 counts differ; calendar days do not).
        frequency: daysBetween(invoice.period.from, invoice.period.to) >= 300 ? 'annual' : 'monthly',
      });
      if (decision.amount.amount <= 0n) continue;
      const [row] = await deps.db.q
        .insert(refundObligations)
        .values({
          ...base,
          amount: decision.amount.amount,
          currency: decision.amount.currency,
          method: 'transfer',
          status: 'due',
        })
        .returning();
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
            payment: payment.id,
            reason: input.reason,
            amount: toDecimalString(decision.amount),
            currency: decision.amount.currency,
            fee: decision.fee && toDecimalString(decision.fee),
            unusedDays: decision.unusedDays,
            method: 'transfer',
            dueBy: input.dueBy,
          },
        },
      ]);
      rows.push(row!);
      continue;
    }
    let refund: RefundRow;
    try {
      ({ refund } = await deps.billing.refundPayment({
        accountId: input.accountId,
        paymentId: payment.id,
        reason: input.reason,
        on: input.on,
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
    const [row] = await deps.db.q
      .insert(refundObligations)
      .values({
        ...base,
        amount: refund.amount,
        currency: refund.currency,
        method: 'gateway',
        status: 'refunded',
        refundId: refund.id,
        refundedAt: refund.createdAt,
      })
      .returning();
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
 * Records that the operator has sent a refund due by transfer: its bank reference and the day, so when the
 * money went back is evidenced (CM-LIF-20: by the provider's deadline; QU-LIF-08: 14 days). Idempotent: a
 * second call for a refunded obligation returns it unchanged.
 */
export async function recordTransfer(
  deps: { db: Database; eventLog: EventLog },
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
