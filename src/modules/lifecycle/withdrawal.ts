import { eq, sql } from 'drizzle-orm';
import { addDays, localDateOf, startOfDay } from '../../platform/calendar.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueItem, DueWork } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { formatMoney, money, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { Notifications } from '../notifications/index.ts';
import type { AccountContact, Lifecycle } from './lifecycle.ts';
import { lifecycleErrors } from './lifecycle-errors.ts';
import type { CustomerFacts } from './operator-actions.ts';
import { operatorActionErrors } from './operator-actions-errors.ts';
import { functionOutages, refundObligations, withdrawals } from './operator-actions-schema.ts';
import {
  type BillingForLifecycle,
  type RefundObligationRow,
  recordTransfer,
  refundPayments,
  totalOf,
} from './refund-obligations.ts';
import { type DefectPeriod, decideWithdrawal, materialDefectPeriods } from './withdrawal-rules.ts';

/** Due item: the provider's deadline to refund a withdrawal has passed (ref: the withdrawal id). */
export const WITHDRAWAL_REFUND_DEADLINE = 'lifecycle.withdrawal_refund_deadline';

export type WithdrawalRow = typeof withdrawals.$inferSelect;

export type WithdrawalsDeps = {
  db: Database;
  eventLog: EventLog;
  dueWork: DueWork;
  notifications: Notifications;
  ids: IdGenerator;
  policyOf: (versionId: string) => Policy;
  timeOf: (clockId: string | null) => Promise<Date>;
  lifecycle: Pick<Lifecycle, 'load' | 'announceChanged'>;
  customerOf: (accountId: string) => Promise<CustomerFacts>;
  contactsOf: (accountIds: readonly string[]) => Promise<AccountContact[]>;
  billing: BillingForLifecycle;
};

export type Withdrawals = ReturnType<typeof makeWithdrawals>;

/**
 * The customer's right of withdrawal (CM-LIF-19/20, QU-LIF-08) and the log of material-defect periods that
 * such cases are judged with (CM-LIF-21).
 */
export function makeWithdrawals(deps: WithdrawalsDeps) {
  const { db, eventLog, dueWork, ids, policyOf } = deps;

  /**
   * Accepts a statement of withdrawal sent at `sentAt` and received at `receivedAt` (both now when the
   * customer withdraws in the portal; an operator recording an e-mail or letter gives them), or refuses it
   * with the reason and changes nothing (see `decideWithdrawal`).
   *
   * Accepted, in one transaction: the withdrawal with its window and refund deadline; the contract ends on
   * receipt (the account is `terminated`, its subscription ends); every payment is refunded in full (less
   * the policy's handling fee) — a card payment at once through billing (gateway, refund, correcting
   * invoice), a transfer as a refund due by the deadline with a due item that records it if it is late; the
   * material-defect periods logged for the account are attached to the case (CM-LIF-21); the customer is
   * told; all of it in the event log with the clauses.
   */
  async function withdraw(input: {
    accountId: string;
    channel: 'portal' | 'email' | 'letter' | 'form';
    statedGround: 'no_reason' | 'non_conformity';
    sentAt?: Date | undefined;
    receivedAt?: Date | undefined;
    actor: string;
  }): Promise<{ withdrawal: WithdrawalRow; refunds: RefundObligationRow[]; defects: DefectPeriod[] }> {
    return db.transaction(async () => {
      const [life] = await deps.lifecycle.load([input.accountId], true);
      if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
      const policy = policyOf(life.policyVersionId);
      const now = await deps.timeOf(life.clockId);
      const [earlier] = await db.q
        .select()
        .from(withdrawals)
        .where(eq(withdrawals.accountId, input.accountId));
      if (earlier)
        throw new AppError(operatorActionErrors.withdrawal_exists, { details: { id: earlier.id } });
      const receivedAt = input.receivedAt ?? now;
      const sentAt = input.sentAt ?? receivedAt;
      if (receivedAt.getTime() > now.getTime())
        throw new AppError(operatorActionErrors.statement_time_invalid, {
          details: { sentAt: sentAt.toISOString(), receivedAt: receivedAt.toISOString() },
        });
      const customer = await deps.customerOf(input.accountId);
      const payments = (await deps.billing.payments(input.accountId)).filter(
        (p) => p.status === 'succeeded' && p.provider !== 'credit',
      );
      const firstPaymentAt = payments.reduce<Date | null>(
        (first, p) => (first === null || p.createdAt < first ? p.createdAt : first),
        null,
      );
      const decision = decideWithdrawal(
        policy,
        {
          state: life.state,
          isSoleTrader: customer.isSoleTrader,
          concludedAt: customer.contractConcludedAt,
          firstPaymentAt,
        },
        { sentAt, receivedAt },
      );
      const terms = policy.billing.withdrawal!;
      const tz = policy.locale.timeZone;
      const [withdrawal] = await db.q
        .insert(withdrawals)
        .values({
          id: ids.next('wdr'),
          accountId: input.accountId,
          channel: input.channel,
          statedGround: input.statedGround,
          sentAt,
          receivedAt,
          countsFrom: decision.countsFrom,
          lastDay: decision.lastDay,
          nominalLastDay: decision.nominalLastDay,
          refundDueBy: decision.refundDueBy,
          actor: input.actor,
          createdAt: now,
        })
        .returning();
      const w = withdrawal!;
      const cause = `withdrawal:${w.id}`;
      const defects = await materialDefects(input.accountId, policy);
      await eventLog.append([
        {
          chainId: input.accountId,
          type: 'account.withdrawal_accepted',
          clause: terms.clauses.withdrawal,
          actor: input.actor,
          cause,
          occurredAt: now,
          data: {
            withdrawal: w.id,
            channel: w.channel,
            statedGround: w.statedGround,
            sentAt: sentAt.toISOString(),
            receivedAt: receivedAt.toISOString(),
            countsFrom: w.countsFrom,
            lastDay: w.lastDay,
            nominalLastDay: w.nominalLastDay,
            refundDueBy: w.refundDueBy,
            materialDefectPeriods: defects.length,
            materialDefectMinutes: defects.reduce((s, d) => s + d.minutes, 0),
          },
        },
        {
          chainId: input.accountId,
          type: 'account.state_changed',
          clause: terms.clauses.withdrawal,
          actor: input.actor,
          cause,
          occurredAt: now,
          data: { from: life.state, to: 'terminated', fromPlan: life.planCode, toPlan: life.planCode },
        },
      ]);
      await db.q.execute(sql`
        update account_states set state = 'terminated', state_since = ${receivedAt.toISOString()},
               changed_at = ${now.toISOString()}
        where account_id = ${input.accountId}`);
      await deps.billing.endSubscription({
        accountId: input.accountId,
        at: now,
        because: terms.clauses.withdrawal,
        cause,
        actor: input.actor,
      });
      const refunds = await refundPayments(deps, {
        policy,
        accountId: input.accountId,
        source: { kind: 'withdrawal', id: w.id },
        reason: 'withdrawal',
        clause: terms.clauses.refund,
        on: localDateOf(receivedAt, tz),
        dueBy: decision.refundDueBy,
        payments,
        actor: input.actor,
        at: now,
      });
      // Due by transfer, or sent to a gateway that has not confirmed yet: either is late if not met by then.
      if (refunds.some((r) => r.status !== 'refunded'))
        await dueWork.schedule([
          {
            accountId: input.accountId,
            kind: WITHDRAWAL_REFUND_DEADLINE,
            ref: w.id,
            dueAt: startOfDay(addDays(decision.refundDueBy, 1), tz),
            clockId: life.clockId,
          },
        ]);
      const [contact] = await deps.contactsOf([input.accountId]);
      if (contact) {
        const total = totalOf(refunds, policy.locale.currency);
        await deps.notifications.send([
          {
            accountId: input.accountId,
            recipient: contact.email,
            locale: contact.locale,
            template: 'lifecycle.withdrawal_accepted',
            clause: terms.clauses.refund,
            dedupeKey: `lifecycle.withdrawal_accepted:${w.id}`,
            occurredAt: now,
            params: {
              receivedOn: localDateOf(receivedAt, tz),
              refund: formatMoney(total, contact.locale),
              refundBy: decision.refundDueBy,
            },
          },
        ]);
      }
      await deps.lifecycle.announceChanged([input.accountId]);
      return { withdrawal: w, refunds, defects };
    });
  }

  /** The account's withdrawal and its refunds, if it has withdrawn. */
  async function withdrawalOf(
    accountId: string,
  ): Promise<{ withdrawal: WithdrawalRow; refunds: RefundObligationRow[] } | null> {
    const [w] = await db.q.select().from(withdrawals).where(eq(withdrawals.accountId, accountId));
    if (!w) return null;
    const refunds = await db.q.select().from(refundObligations).where(eq(refundObligations.sourceId, w.id));
    return { withdrawal: w, refunds };
  }

  /** The operator has sent a refund due by transfer (see `recordTransfer`). */
  async function refundSent(input: {
    accountId: string;
    obligationId: string;
    reference: string;
    actor: string;
  }): Promise<RefundObligationRow> {
    return db.transaction(async () => {
      const [life] = await deps.lifecycle.load([input.accountId], true);
      if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
      const policy = policyOf(life.policyVersionId);
      const at = await deps.timeOf(life.clockId);
      return recordTransfer(deps, {
        ...input,
        at,
        clause: policy.billing.withdrawal?.clauses.refund ?? policy.billing.clauses.refund,
      });
    });
  }

  /**
   * Records that `fn` was unavailable for the account from `from` to `to`, as the operator's monitoring saw
   * it, and logs the material-defect periods that follow (CM-LIF-21: only when every watched function was
   * down at once).
   */
  async function recordOutage(input: {
    accountId: string;
    function: string;
    from: Date;
    to: Date;
    actor: string;
  }): Promise<{ defects: DefectPeriod[] }> {
    return db.transaction(async () => {
      const [life] = await deps.lifecycle.load([input.accountId], true);
      if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
      const policy = policyOf(life.policyVersionId);
      const watched = policy.availability.materialDefectWhenAllDown;
      if (!watched.includes(input.function))
        throw new AppError(operatorActionErrors.unknown_function, {
          details: { function: input.function, allowed: watched.join(', ') || 'none' },
        });
      const now = await deps.timeOf(life.clockId);
      if (input.to.getTime() <= input.from.getTime() || input.to.getTime() > now.getTime())
        throw new AppError(operatorActionErrors.outage_invalid);
      const before = await materialDefects(input.accountId, policy);
      await db.q.insert(functionOutages).values({
        id: ids.next('out'),
        accountId: input.accountId,
        function: input.function,
        fromAt: input.from,
        toAt: input.to,
        reportedBy: input.actor,
        createdAt: now,
      });
      const defects = await materialDefects(input.accountId, policy);
      const minutes = (list: DefectPeriod[]) => list.reduce((s, d) => s + d.minutes, 0);
      await eventLog.append([
        {
          chainId: input.accountId,
          type: 'availability.outage_recorded',
          clause: minutes(defects) > minutes(before) ? 'CM-LIF-21' : null,
          actor: input.actor,
          occurredAt: now,
          data: {
            function: input.function,
            from: input.from.toISOString(),
            to: input.to.toISOString(),
            materialDefectPeriods: defects.length,
            materialDefectMinutes: minutes(defects),
            materialDefectMinutesAdded: minutes(defects) - minutes(before),
          },
        },
      ]);
      return { defects };
    });
  }

  async function materialDefects(accountId: string, given?: Policy): Promise<DefectPeriod[]> {
    let policy = given;
    if (!policy) {
      const [life] = await deps.lifecycle.load([accountId]);
      if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: accountId } });
      policy = policyOf(life.policyVersionId);
    }
    const outages = await db.q.select().from(functionOutages).where(eq(functionOutages.accountId, accountId));
    return materialDefectPeriods(
      policy.availability.materialDefectWhenAllDown,
      outages.map((o) => ({ function: o.function, from: o.fromAt, to: o.toAt })),
    );
  }

  dueWork.register({
    kind: WITHDRAWAL_REFUND_DEADLINE,
    // A provider deadline never moves; a refund not met after it (due, or a gateway's not confirmed) is
    // recorded as late (evidence), once per firing. Also set again when a gateway refund fails (a termination's
    // obligations too: `settleObligationsOfRefund`).
    handle: async (items: DueItem[]) => {
      for (const item of items) {
        const late = await db.q
          .select()
          .from(refundObligations)
          .where(
            sql`${refundObligations.sourceId} = ${item.ref} and ${refundObligations.status} <> 'refunded'`,
          );
        if (late.length === 0) continue;
        const [life] = await deps.lifecycle.load([item.accountId]);
        const billingTerms = life ? policyOf(life.policyVersionId).billing : null;
        await eventLog.append(
          late.map((r) => ({
            chainId: item.accountId,
            type: 'refund.overdue',
            clause:
              r.sourceKind === 'withdrawal'
                ? (billingTerms?.withdrawal?.clauses.refund ?? null)
                : (billingTerms?.clauses.refund ?? null),
            actor: 'system',
            cause: `due:${WITHDRAWAL_REFUND_DEADLINE}`,
            occurredAt: item.firedAt,
            data: {
              obligation: r.id,
              payment: r.paymentId,
              amount: toDecimalString(money(r.amount, r.currency)),
              currency: r.currency,
              dueBy: r.dueBy,
              status: r.status,
              failure: r.failure,
            },
          })),
        );
      }
    },
  });

  return { withdraw, withdrawalOf, refundSent, recordOutage, materialDefects };
}
