import { and, eq, inArray, sql } from 'drizzle-orm';
import { type LocalDate, localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { type Money, money, parseMoney, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import { type BillingDeps, invoiceSeriesFor, isSandboxSeries } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { payments, refunds } from './billing-schema.ts';
import type { InvoiceRow, PaymentRow, RefundRow } from './billing-store.ts';
import { invoiceDocumentFromJson, invoiceDocumentToJson } from './invoice-json.ts';
import { takeInvoiceNumber } from './invoice-numbering.ts';
import { issuesKsefInvoices } from './invoice-rules.ts';
import { renderFa3 } from './ksef/index.ts';
import { gatewayById } from './payment-provider.ts';
import type { Frequency } from './periods.ts';
import { makePlanChangesStore } from './plan-changes-store.ts';
import { checkRefundReason, decideRefund, refundCorrection } from './refund-rules.ts';

export type RefundInput = {
  accountId: string;
  paymentId: string;
  /** A code from the policy's `billing.refundReasonCodes` (CM-BIL-04). */
  reason: string | undefined;
  /** The day the refund's cause takes effect (the termination day); the account's today when absent. */
  on?: LocalDate | undefined;
  /**
   * The part of the refund case's handling fee still to be kept (`RefundDecision.feeLeft` of the case's
   * previous payment): a case with several payments keeps the fee once (QU-LIF-08, QU-BIL-11). Absent: the
   * policy's whole fee, for a case of one payment.
   */
  feeLeft?: Money | null | undefined;
  /**
   * For `mandatory_law` (the terms set no amount: MOC's refunds only where the law requires): the amount the
   * law requires, as a decimal in the payment's currency, at most what was paid.
   */
  amount?: string | undefined;
  actor: string;
};

/** Payments received by bank transfer (or a pay-by-link transfer): given back by the operator's transfer. */
const TRANSFER_PROVIDERS = new Set(['transfer', 'bank_transfer', 'tpay']);

export type RefundResult = {
  refund: RefundRow;
  payment: PaymentRow;
  correction: InvoiceRow;
  /** True when the payment had been refunded already: nothing was done again. */
  replayed: boolean;
};

/**
 * An operator refunds a payment for a reason from the terms' closed list (CM-BIL-04); any other reason,
 * or none, is refused and nothing is written. The amount is the rule's (`decideRefund`: withdrawal, the
 * unused days of a termination without cause, …) for this payment and the period its invoice covers.
 *
 * In one transaction: the refund row under the key `refund:<payment>` (the sandbox refunds its charge at once;
 * a remote gateway such as Stripe is never called inside the transaction: the refund is written `pending` and
 * sent after the commit by `sendRefund` or the refund runner under that key, then settled in a second
 * transaction by its answer or webhook (`settleRefund`); a re-send is answered with the same Refund, so money
 * goes back once, and no lock is held during the call), the refund row with that key (unique: a payment is
 * refunded at most once, and a retry returns the first refund), the correcting invoice (KOR) of the payment's
 * invoice, numbered in the original's series, with negative lines for the refunded amount and its FA(3) XML
 * for a Polish seller, and the events `payment.refunded` and `invoice.corrected`. No mail is sent yet (there
 * is no template for it).
 *
 * A payment received by transfer (Quanda's customers pay by transfer) is refunded the same way (reason, amount,
 * KOR, events), except that no gateway moves the money: the refund is recorded as `awaiting_transfer` and the
 * operator confirms the transfer with its bank reference (`confirmRefundTransfer`).
 */
export async function refundPayment(deps: BillingDeps, input: RefundInput): Promise<RefundResult> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId], true);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const payment = await deps.store.payment(input.accountId, input.paymentId, true);
    if (!payment)
      throw new AppError(billingErrors['billing.payment_not_found'], { details: { id: input.paymentId } });
    const key = `refund:${payment.id}`;
    const earlier = await deps.store.refundByKey(key);
    if (earlier) {
      const correction = earlier.invoiceId
        ? await deps.store.invoice(input.accountId, earlier.invoiceId)
        : null;
      return { refund: earlier, payment, correction: correction!, replayed: true };
    }

    const policy = deps.policyOf(life.policyVersionId);
    const notRefundable = (problem: string) =>
      new AppError(billingErrors['billing.payment_not_refundable'], {
        details: { id: payment.id, problem },
      });
    // The reason is checked before anything about the payment, so an unlisted reason is always a 422.
    const reason = checkRefundReason(policy, input.reason);
    if (payment.status !== 'succeeded') throw notRefundable('it did not succeed');
    // A consumable pack marked non-refundable is never refunded, used or not (BK-BIL-03).
    const pack = await makePlanChangesStore(deps.db).packOfPayment(payment.id);
    if (pack && policy.packs.find((p) => p.code === pack.packCode)?.refundable === false)
      throw notRefundable(`it paid for pack ${pack.packCode}, which is not refundable`);
    // Refunded through the gateway that took it (Stripe, or the sandbox for a test clock's account), or by the
    // operator's transfer for money received by transfer.
    const byTransfer = TRANSFER_PROVIDERS.has(payment.provider);
    const gateway = byTransfer ? null : gatewayById(deps, payment.provider);
    if (!byTransfer && (gateway === null || payment.providerRef === null))
      throw notRefundable(`it was not taken by card through ${deps.provider.id} nor received by transfer`);
    const invoice = payment.invoiceId ? await deps.store.invoice(input.accountId, payment.invoiceId) : null;
    if (!invoice || invoice.periodFrom === null || invoice.periodTo === null)
      throw notRefundable('it has no invoice for a period');
    const [subscription] = invoice.subscriptionId
      ? await deps.store.subscriptionsByIds([invoice.subscriptionId])
      : [];
    const frequency: Frequency = subscription?.frequency ?? 'monthly';

    const now = await deps.timeOf(life.clockId);
    const today = localDateOf(now, policy.locale.timeZone);
    const decision = decideRefund(policy, {
      reason: reason,
      payments: [money(payment.amount, payment.currency)],
      period: { from: invoice.periodFrom, to: invoice.periodTo },
      on: input.on ?? today,
      frequency,
      feeLeft: input.feeLeft,
      stated: input.amount === undefined ? null : parseMoney(input.amount, payment.currency),
    });
    if (decision.amount.amount <= 0n) throw notRefundable('nothing is due back');

    // A remote gateway (Stripe) is never called here, inside the transaction: the refund is written `pending`
    // and sent after the commit (`sendRefund`, or the runner), then settled in a second transaction.
    const remote = gateway?.remote === true;
    const answer =
      gateway && !remote
        ? await gateway.refund({
            providerRef: payment.providerRef!,
            amount: decision.amount,
            idempotencyKey: key,
          })
        : null;
    // An in-process gateway (the sandbox) answers at once; anything but a success is not a refund.
    if (answer && answer.status !== 'succeeded') throw notRefundable(`the gateway answered ${answer.status}`);
    const refunded = answer;

    // A transfer refund is paid once the operator confirms the transfer, a remote one once the gateway answers.
    const correction = await issueCorrection(deps, {
      invoice,
      policy,
      issueDate: today,
      at: now,
      amount: decision.amount,
      reason,
      method: gateway ? 'card' : 'transfer',
      status: refunded ? 'paid' : 'issued',
      amountPaid: refunded ? 'gross' : 0n,
    });
    const refund = await deps.store.insertRefund({
      id: deps.ids.next('ref'),
      accountId: input.accountId,
      paymentId: payment.id,
      invoiceId: correction.id,
      amount: decision.amount.amount,
      currency: decision.amount.currency,
      reason: reason,
      provider: gateway?.id ?? 'transfer',
      providerRef: refunded?.providerRef ?? null,
      status: refunded ? 'refunded' : remote ? 'pending' : 'awaiting_transfer',
      sentAt: refunded ? now : null,
      idempotencyKey: key,
      createdAt: now,
      nextAttemptAt: remote ? await deps.timeOf(null) : null,
    });

    const clause = policy.billing.clauses.refund;
    const amount = (minor: bigint) => toDecimalString(money(minor, correction.currency));
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'payment.refunded',
        clause,
        actor: input.actor,
        cause: `payment:${payment.id}`,
        occurredAt: now,
        data: {
          refund: refund.id,
          payment: payment.id,
          reason: reason,
          amount: toDecimalString(decision.amount),
          currency: decision.amount.currency,
          fee: decision.fee && toDecimalString(decision.fee),
          unusedDays: decision.unusedDays,
          on: input.on ?? today,
          method: gateway ? 'gateway' : 'transfer',
          status: refund.status,
        },
      },
      {
        chainId: input.accountId,
        type: 'invoice.corrected',
        clause,
        actor: input.actor,
        cause: `refund:${refund.id}`,
        occurredAt: now,
        data: {
          invoice: correction.id,
          number: correction.number,
          corrects: invoice.id,
          correctsNumber: invoice.number,
          correctsIssueDate: invoice.issueDate,
          issueDate: correction.issueDate,
          currency: correction.currency,
          net: amount(correction.net),
          vat: amount(correction.vat),
          gross: amount(correction.gross),
          ksef: correction.ksefXml !== null,
        },
      },
    ]);
    return { refund, payment, correction, replayed: false };
  });
}

/**
 * Sends one claimed `pending` refund to its gateway, outside any transaction, under the refund's idempotency
 * key (`refund:<payment>`: a re-send is answered with the same Refund, so money goes back once), and settles
 * the answer in a second transaction. A gateway that fails or cannot be reached leaves the refund pending with
 * a backoff and the error; the lease taken by the claim makes a crash anywhere here a re-send after 5 minutes.
 */
async function sendOne(deps: BillingDeps, refund: RefundRow): Promise<void> {
  const [payment] = await deps.db.q.select().from(payments).where(eq(payments.id, refund.paymentId));
  const gateway = gatewayById(deps, refund.provider);
  let result: Awaited<ReturnType<NonNullable<typeof gateway>['refund']>>;
  try {
    if (!gateway || !payment?.providerRef)
      throw new Error(`refund ${refund.id}: ${refund.provider} cannot refund`);
    result = await gateway.refund({
      providerRef: payment.providerRef,
      amount: money(refund.amount, refund.currency),
      idempotencyKey: refund.idempotencyKey,
    });
  } catch (error) {
    const now = await deps.timeOf(null);
    await deps.db.q
      .update(refunds)
      .set({
        nextAttemptAt: new Date(now.getTime() + 30_000 * 2 ** Math.min(refund.attempts, 10)),
        lastError: String((error as Error)?.message ?? error).slice(0, 2000),
      })
      .where(and(eq(refunds.id, refund.id), eq(refunds.status, 'pending')));
    return;
  }
  const cause = `refund:${refund.id}`;
  if (result.status === 'succeeded')
    await settleRefund(deps, refund.id, { providerRef: result.providerRef, cause });
  else if (result.status === 'failed')
    await failRefund(deps, refund.id, { providerRef: result.providerRef, failure: result.failure, cause });
  // Accepted, not confirmed: its webhook settles it (`refund.updated`); the runner does not send it again.
  else
    await deps.db.q
      .update(refunds)
      .set({ providerRef: result.providerRef, nextAttemptAt: null, lastError: null })
      .where(and(eq(refunds.id, refund.id), eq(refunds.status, 'pending')));
}

/** Claims pending refunds due at `now` (or the one given), leasing them for 5 minutes, skipping rows others hold. */
async function claimRefunds(
  deps: BillingDeps,
  now: Date,
  only: string | null,
  limit: number,
): Promise<RefundRow[]> {
  return deps.db.transaction(async () => {
    const rows = await deps.db.rows<{ id: string }>(sql`
      update refunds
      set next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}, attempts = attempts + 1
      where id in (
        select id from refunds
        where status = 'pending' and next_attempt_at <= ${now.toISOString()}
          and (${only}::text is null or id = ${only})
        order by next_attempt_at limit ${limit} for update skip locked)
      returning id`);
    if (rows.length === 0) return [];
    return deps.db.q
      .select()
      .from(refunds)
      .where(
        inArray(
          refunds.id,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(refunds.createdAt);
  });
}

const LEASE_MS = 5 * 60_000;

/**
 * Sends a pending refund now (after the transaction that decided it committed) and returns it as it stands:
 * `refunded`, or still `pending` (the gateway failed or did not answer: the runner retries under the same key).
 * Never inside a transaction.
 */
export async function sendRefund(
  deps: BillingDeps,
  refundId: string,
): Promise<{ refund: RefundRow; correction: InvoiceRow | null } | null> {
  if (deps.db.inTransaction()) throw new Error('sendRefund must not run inside a transaction');
  const [claimed] = await claimRefunds(deps, await deps.timeOf(null), refundId, 1);
  if (claimed) await sendOne(deps, claimed);
  const [refund] = await deps.db.q.select().from(refunds).where(eq(refunds.id, refundId));
  if (!refund) return null;
  const correction = refund.invoiceId ? await deps.store.invoice(refund.accountId, refund.invoiceId) : null;
  return { refund, correction };
}

/** The refund runner's step (worker): sends every due pending refund outside any transaction. */
export async function sendDueRefunds(
  deps: BillingDeps,
  options: { batchSize?: number } = {},
): Promise<number> {
  if (deps.db.inTransaction()) throw new Error('sendDueRefunds must not run inside a transaction');
  const claimed = await claimRefunds(deps, await deps.timeOf(null), null, options.batchSize ?? 20);
  for (const refund of claimed) await sendOne(deps, refund);
  return claimed.length;
}

/**
 * Settles a pending refund the gateway confirmed (its answer, or its webhook): the gateway's refund id and
 * the time (the gateway's, `at`, when it tells it: a webhook's event time; else now) on the refund, its
 * correcting invoice (KOR) paid, `payment.refund_sent` (the policy's refund clause), and lifecycle told
 * (`onRefundSettled`: the refund obligation is met). This is the one place a gateway refund becomes
 * `refunded`. In one transaction (the caller's, if any); false, changing nothing, when it is no longer pending
 * (the answer and the webhook both arrive; a webhook is replayed).
 */
export async function settleRefund(
  deps: BillingDeps,
  refundId: string,
  input: { providerRef: string; cause: string; at?: Date | undefined },
): Promise<boolean> {
  return deps.db.transaction(async () => {
    const refund = await lockRefund(deps, refundId);
    if (refund?.status !== 'pending') return false;
    const { life, now, policy } = await refundContext(deps, refund);
    const at = input.at ?? now;
    await deps.store.markRefundSent(refund.id, { providerRef: input.providerRef, sentAt: at });
    await deps.db.q
      .update(refunds)
      .set({ nextAttemptAt: null, lastError: null })
      .where(eq(refunds.id, refund.id));
    if (refund.invoiceId) {
      const correction = await deps.store.invoice(refund.accountId, refund.invoiceId);
      if (correction)
        await deps.store.updateInvoicePaid(correction.id, { status: 'paid', amountPaid: correction.gross });
    }
    await deps.eventLog.append([
      {
        chainId: refund.accountId,
        type: 'payment.refund_sent',
        clause: policy.billing.clauses.refund,
        actor: 'system',
        cause: input.cause,
        occurredAt: now,
        data: {
          refund: refund.id,
          payment: refund.paymentId,
          amount: toDecimalString(money(refund.amount, refund.currency)),
          currency: refund.currency,
          method: 'gateway',
          providerRef: input.providerRef,
          sentAt: at.toISOString(),
        },
      },
    ]);
    await deps.onRefundSettled?.({
      accountId: refund.accountId,
      clockId: life.clockId,
      refundId: refund.id,
      outcome: 'refunded',
      at,
      failure: null,
      policy,
      cause: input.cause,
    });
    return true;
  });
}

/**
 * A gateway refund failed (the gateway refused it, or its webhook reports it `failed`/`canceled`, even after it
 * had confirmed it): the refund becomes `failed` with the failure, its correcting invoice (KOR) unpaid again
 * (the money is still owed), `payment.refund_failed` for staff (the policy's refund clause), and lifecycle
 * told (`onRefundSettled`: the obligation is due again). In one transaction (the caller's, if any); false,
 * changing nothing, for a refund already failed, or not a gateway's (a replay).
 */
export async function failRefund(
  deps: BillingDeps,
  refundId: string,
  input: { providerRef: string; failure: string; cause: string; at?: Date | undefined },
): Promise<boolean> {
  return deps.db.transaction(async () => {
    const refund = await lockRefund(deps, refundId);
    if (
      !refund ||
      (refund.status !== 'pending' && refund.status !== 'refunded') ||
      refund.provider === 'transfer'
    )
      return false;
    const { life, now, policy } = await refundContext(deps, refund);
    const failure = input.failure.slice(0, 2000);
    await deps.db.q
      .update(refunds)
      .set({
        status: 'failed',
        providerRef: input.providerRef,
        sentAt: null,
        nextAttemptAt: null,
        lastError: failure,
      })
      .where(eq(refunds.id, refund.id));
    if (refund.invoiceId) {
      const correction = await deps.store.invoice(refund.accountId, refund.invoiceId);
      if (correction && correction.status === 'paid')
        await deps.store.updateInvoicePaid(correction.id, { status: 'issued', amountPaid: 0n });
    }
    await deps.eventLog.append([
      {
        chainId: refund.accountId,
        type: 'payment.refund_failed',
        clause: policy.billing.clauses.refund,
        actor: 'system',
        cause: input.cause,
        occurredAt: now,
        data: {
          refund: refund.id,
          payment: refund.paymentId,
          amount: toDecimalString(money(refund.amount, refund.currency)),
          currency: refund.currency,
          providerRef: input.providerRef,
          was: refund.status,
          failure,
        },
      },
    ]);
    await deps.onRefundSettled?.({
      accountId: refund.accountId,
      clockId: life.clockId,
      refundId: refund.id,
      outcome: 'failed',
      at: input.at ?? now,
      failure,
      policy,
      cause: input.cause,
    });
    return true;
  });
}

async function lockRefund(deps: BillingDeps, refundId: string): Promise<RefundRow | undefined> {
  const [refund] = await deps.db.q.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
  return refund;
}

/** The refund's account (locked), its time and its policy, for settling the refund. */
async function refundContext(deps: BillingDeps, refund: RefundRow) {
  const [life] = await deps.lifecycle.load([refund.accountId], true);
  if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: refund.accountId } });
  return { life, now: await deps.timeOf(life.clockId), policy: deps.policyOf(life.policyVersionId) };
}

/** A pending refund by its idempotency key (a webhook's `metadata.klauzula_intent`), locked. */
export async function pendingRefundByKey(deps: BillingDeps, key: string): Promise<RefundRow | null> {
  const [row] = await deps.db.q.select().from(refunds).where(eq(refunds.idempotencyKey, key)).for('update');
  return row ?? null;
}

/**
 * A gateway says a charge was refunded without naming the refund (`charge.refunded`): the pending refunds of
 * that payment are made due now, so the runner asks the gateway again under their keys and settles them with
 * the refunds it answers. Returns how many were made due.
 */
export async function hurryRefundsOf(deps: BillingDeps, paymentId: string): Promise<number> {
  const rows = await deps.db.q
    .update(refunds)
    .set({ nextAttemptAt: await deps.timeOf(null) })
    .where(and(eq(refunds.paymentId, paymentId), eq(refunds.status, 'pending')))
    .returning({ id: refunds.id });
  return rows.length;
}

/**
 * The operator has sent a transfer refund (`awaiting_transfer`, or a gateway refund that `failed`, sent by
 * transfer instead): records the bank reference and the time, marks
 * the correcting invoice paid and writes `refund.sent`. Idempotent: a refund already sent is returned as it is.
 * Joins the caller's transaction.
 */
export async function confirmRefundTransfer(
  deps: BillingDeps,
  input: { accountId: string; refundId: string; reference: string; actor: string; clause?: string | null },
): Promise<RefundRow> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId], true);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const refund = await deps.store.refundForUpdate(input.accountId, input.refundId);
    // A transfer refund, or a gateway refund that failed and is given back by transfer instead.
    if (refund?.provider !== 'transfer' && refund?.status !== 'failed')
      throw new AppError(billingErrors['billing.refund_not_found'], { details: { id: input.refundId } });
    if (refund.status === 'refunded') return refund;
    const reference = input.reference.trim();
    if (reference === '')
      throw new AppError(billingErrors['billing.payment_invalid'], {
        details: { problem: 'the bank reference is empty' },
      });
    const now = await deps.timeOf(life.clockId);
    const sent = await deps.store.markRefundSent(refund.id, { providerRef: reference, sentAt: now });
    if (refund.invoiceId) {
      const correction = await deps.store.invoice(input.accountId, refund.invoiceId);
      if (correction)
        await deps.store.updateInvoicePaid(correction.id, { status: 'paid', amountPaid: correction.gross });
    }
    const policy = deps.policyOf(life.policyVersionId);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'payment.refund_sent',
        clause: input.clause === undefined ? policy.billing.clauses.refund : input.clause,
        actor: input.actor,
        cause: `refund:${refund.id}`,
        occurredAt: now,
        data: {
          refund: refund.id,
          payment: refund.paymentId,
          amount: toDecimalString(money(refund.amount, refund.currency)),
          currency: refund.currency,
          method: 'transfer',
        },
      },
    ]);
    return sent;
  });
}

/**
 * Gives back `amount` of what was paid for `invoice` after a correcting invoice (`correction`, a KOR of it)
 * lowered it below what was paid (QU-LIF-05: the days after a provider notice's last day in a period invoiced
 * and paid ahead). The invoice's succeeded payments give it back newest first, each at most its own amount
 * and only if not refunded before (a payment is refunded at most once: `refund:<payment>`), each the way it
 * came in: by the operator's transfer (`awaiting_transfer`, confirmed with `confirmRefundTransfer`), the
 * sandbox at once, a remote gateway `pending` and sent by the refund runner after the commit, then settled
 * by `settleRefund`. The refunds document themselves on `correction` (no KOR of their own) and are logged
 * `payment.refunded` with `reason`. Inside the caller's transaction; returns the refunds written.
 */
export async function refundPaidExcess(
  deps: BillingDeps,
  input: {
    accountId: string;
    invoice: InvoiceRow;
    correction: InvoiceRow;
    amount: Money;
    reason: string;
    clause: string | null;
    cause: string;
    actor: string;
    now: Date;
  },
): Promise<RefundRow[]> {
  const paid = (await deps.store.paymentsOf(input.accountId))
    .filter((p) => p.invoiceId === input.invoice.id && p.status === 'succeeded' && p.provider !== 'credit')
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  const written: RefundRow[] = [];
  let left = input.amount.amount;
  for (const payment of paid) {
    if (left <= 0n) break;
    const key = `refund:${payment.id}`;
    if (await deps.store.refundByKey(key)) continue;
    const byTransfer = TRANSFER_PROVIDERS.has(payment.provider);
    const gateway = byTransfer ? null : gatewayById(deps, payment.provider);
    if (!byTransfer && (gateway === null || payment.providerRef === null)) continue;
    const amount = money(left < payment.amount ? left : payment.amount, payment.currency);
    left -= amount.amount;
    const remote = gateway?.remote === true;
    const answer =
      gateway && !remote
        ? await gateway.refund({ providerRef: payment.providerRef!, amount, idempotencyKey: key })
        : null;
    if (answer && answer.status !== 'succeeded')
      throw new AppError(billingErrors['billing.payment_not_refundable'], {
        details: { id: payment.id, problem: `the gateway answered ${answer.status}` },
      });
    const refund = await deps.store.insertRefund({
      id: deps.ids.next('ref'),
      accountId: input.accountId,
      paymentId: payment.id,
      invoiceId: input.correction.id,
      amount: amount.amount,
      currency: amount.currency,
      reason: input.reason,
      provider: gateway?.id ?? 'transfer',
      providerRef: answer?.providerRef ?? null,
      status: answer ? 'refunded' : remote ? 'pending' : 'awaiting_transfer',
      sentAt: answer ? input.now : null,
      idempotencyKey: key,
      createdAt: input.now,
      nextAttemptAt: remote ? await deps.timeOf(null) : null,
    });
    written.push(refund);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'payment.refunded',
        clause: input.clause,
        actor: input.actor,
        cause: input.cause,
        occurredAt: input.now,
        data: {
          refund: refund.id,
          payment: payment.id,
          reason: input.reason,
          amount: toDecimalString(amount),
          currency: amount.currency,
          fee: null,
          unusedDays: null,
          correction: input.correction.id,
          method: gateway ? 'gateway' : 'transfer',
          status: refund.status,
        },
      },
    ]);
  }
  if (left > 0n)
    throw new AppError(billingErrors['billing.payment_not_refundable'], {
      details: {
        id: input.invoice.id,
        problem: `${toDecimalString(money(left, input.amount.currency))} of the excess has no payment to go back to`,
      },
    });
  // Given back at once (the sandbox): the correction is settled.
  if (written.length > 0 && written.every((r) => r.status === 'refunded'))
    await deps.store.updateInvoicePaid(input.correction.id, {
      status: 'paid',
      amountPaid: input.correction.gross,
    });
  return written;
}

/**
 * A correcting invoice (KOR) of `amount` of `invoice`'s gross, spread over its lines with their VAT rates
 * (`refundCorrection`), numbered in the policy's correction series (the sandbox's for sandbox invoices), naming
 * the original by its KSeF number once KSeF accepted it (NrKSeF, else NrKSeFN), with its FA(3) XML for a
 * Polish seller. Its status and amount paid are the caller's: a refund's KOR is paid when the money went back.
 */
export async function issueCorrection(
  deps: BillingDeps,
  input: {
    invoice: InvoiceRow;
    policy: Policy;
    issueDate: LocalDate;
    at: Date;
    amount: Money;
    reason: string;
    method: 'card' | 'transfer';
    status: InvoiceRow['status'];
    /** What is settled of the KOR: `gross` for all of it (its gross is negative), or an amount. */
    amountPaid: bigint | 'gross';
  },
): Promise<InvoiceRow> {
  const { invoice, policy } = input;
  const series = invoiceSeriesFor(isSandboxSeries(invoice.series) ? 'sandbox' : null, policy, 'KOR');
  const { number } = await takeInvoiceNumber(deps.db, { ...series, issueDate: input.issueDate });
  const document = refundCorrection(invoiceDocumentFromJson(invoice.document), {
    number,
    issueDate: input.issueDate,
    refund: input.amount,
    reason: input.reason,
    method: input.method,
  });
  if (document.correction && invoice.ksefNumber) document.correction.original.ksefNumber = invoice.ksefNumber;
  return deps.store.insertInvoice({
    id: deps.ids.next('inv'),
    accountId: invoice.accountId,
    subscriptionId: invoice.subscriptionId,
    series: series.series,
    number,
    kind: 'KOR',
    status: input.status,
    issueDate: input.issueDate,
    dueDate: null,
    periodFrom: invoice.periodFrom,
    periodTo: invoice.periodTo,
    currency: document.currency,
    net: document.totals.net.amount,
    vat: document.totals.vat.amount,
    gross: document.totals.gross.amount,
    amountPaid: input.amountPaid === 'gross' ? document.totals.gross.amount : input.amountPaid,
    document: invoiceDocumentToJson(document),
    ksefXml: issuesKsefInvoices(policy) ? renderFa3(document, { createdAt: input.at }) : null,
    createdAt: input.at,
  });
}
