import { type LocalDate, localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import { type BillingDeps, INVOICE_SERIES, SANDBOX_INVOICE_SERIES } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import type { InvoiceRow, PaymentRow, RefundRow } from './billing-store.ts';
import { invoiceDocumentFromJson, invoiceDocumentToJson } from './invoice-json.ts';
import { takeInvoiceNumber } from './invoice-numbering.ts';
import { issuesKsefInvoices } from './invoice-rules.ts';
import { renderFa3 } from './ksef/index.ts';
import type { Frequency } from './periods.ts';
import { checkRefundReason, decideRefund, refundCorrection } from './refund-rules.ts';

export type RefundInput = {
  accountId: string;
  paymentId: string;
  /** A code from the policy's `billing.refundReasonCodes` (CM-BIL-04). */
  reason: string | undefined;
  /** The day the refund's cause takes effect (the termination day); the account's today when absent. */
  on?: LocalDate | undefined;
  actor: string;
};

export type RefundResult = {
  refund: RefundRow;
  payment: PaymentRow;
  correction: InvoiceRow;
  /** True when the payment had been refunded already: nothing was done again. */
  replayed: boolean;
};

/**
 * An operator refunds a card payment for a reason from the terms' closed list (CM-BIL-04); any other reason,
 * or none, is refused and nothing is written. The amount is the rule's (`decideRefund`: withdrawal, the
 * unused days of a termination without cause, …) for this payment and the period its invoice covers.
 *
 * In one transaction: the gateway refunds the payment's charge under the key `refund:<payment>` (a
 * sandbox refund is synchronous, like its charges), the refund row with that key (unique: a payment is
 * refunded at most once, and a retry returns the first refund), the correcting invoice (KOR) of the payment's
 * invoice, numbered in the original's series, with negative lines for the refunded amount and its FA(3) XML
 * for a Polish seller, and the events `payment.refunded` and `invoice.corrected`. No mail is sent yet (there
 * is no template for it).
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
    if (payment.provider !== deps.provider.id || payment.providerRef === null)
      throw notRefundable(`it was not taken by card through ${deps.provider.id}`);
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
    });
    if (decision.amount.amount <= 0n) throw notRefundable('nothing is due back');

    const refunded = await deps.provider.refund({
      providerRef: payment.providerRef,
      amount: decision.amount,
      idempotencyKey: key,
    });

    const series = invoice.series === SANDBOX_INVOICE_SERIES.series ? SANDBOX_INVOICE_SERIES : INVOICE_SERIES;
    const { number } = await takeInvoiceNumber(deps.db, { ...series, issueDate: today });
    const document = refundCorrection(invoiceDocumentFromJson(invoice.document), {
      number,
      issueDate: today,
      refund: decision.amount,
      reason: reason,
    });
    const correction = await deps.store.insertInvoice({
      id: deps.ids.next('inv'),
      accountId: input.accountId,
      subscriptionId: invoice.subscriptionId,
      series: series.series,
      number,
      kind: 'KOR',
      status: 'paid',
      issueDate: today,
      dueDate: null,
      periodFrom: invoice.periodFrom,
      periodTo: invoice.periodTo,
      currency: document.currency,
      net: document.totals.net.amount,
      vat: document.totals.vat.amount,
      gross: document.totals.gross.amount,
      amountPaid: document.totals.gross.amount,
      document: invoiceDocumentToJson(document),
      ksefXml: issuesKsefInvoices(policy) ? renderFa3(document, { createdAt: now }) : null,
      createdAt: now,
    });
    const refund = await deps.store.insertRefund({
      id: deps.ids.next('ref'),
      accountId: input.accountId,
      paymentId: payment.id,
      invoiceId: correction.id,
      amount: decision.amount.amount,
      currency: decision.amount.currency,
      reason: reason,
      provider: deps.provider.id,
      providerRef: refunded.providerRef,
      idempotencyKey: key,
      createdAt: now,
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
