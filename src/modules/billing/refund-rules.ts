import type { LocalDate } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import {
  allocate,
  type Money,
  multiplyRatio,
  negate,
  parseMoney,
  subtract,
  sum,
  toDecimalString,
} from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import { billingErrors } from './billing-errors.ts';
import type { InvoiceDocument, InvoiceLine, VatSummaryRow } from './invoice-document.ts';
import { daysFrom, type Frequency, type Period, prorate } from './periods.ts';

/** Reasons whose refund is the unused part of the paid period, the termination day counted as unused. */
const PRO_RATA_REASONS = new Set([
  'termination_without_cause', // CM-LIF-17
  'eligible_user_important_reason', // CM-LIF-18
  'reputation_termination', // BK-LIF-04 (A6: from the day the termination takes effect)
  'provider_withdrawal', // QU-LIF-06 (A14: the provider withdraws for a breach other than art. 4.8 / 5)
  'provider_breach', // QU-LIF-06 (A14: the customer withdraws for the provider's breach)
]);

/** Reasons whose refund is the unused part of the period minus the terms-objection fee (QU-LEG-02). */
const PRO_RATA_MINUS_FEE_REASONS = new Set(['terms_objection']);

export type RefundDecision = {
  reason: string;
  /** What goes back to the customer, gross, in the payments' currency; never negative. */
  amount: Money;
  /** The handling fee kept from this refund, if any (never more than the refund before it). */
  fee: Money | null;
  /**
   * The part of the case's handling fee still to be kept from its other payments: the fee is taken once per
   * refund case (QU-LIF-08, QU-BIL-11), so a payment smaller than the fee leaves the rest for the next one.
   */
  feeLeft: Money | null;
  /** Unused days of the period counted, for the pro-rata reasons. */
  unusedDays: number | null;
};

/**
 * How much a refund for `reason` gives back (CM-BIL-04: payments are non-refundable unless the reason is on
 * the policy's closed list; a normal cancellation or expiry is not, so it never refunds anything).
 *
 * - `withdrawal`: every payment, less the policy's withdrawal handling fee where it has one, never below 0
 *   (CM-LIF-20: 123.00 + 24.60 → 147.60; QU-LIF-08: 12,000 − 100 = 11,900 CZK).
 * - `termination_without_cause`, `eligible_user_important_reason`: the payments × unused days of `period`
 *   from `on` (the termination day counted as unused) in the policy's day count, half up (CM-LIF-17: June
 *   paid 110.70, terminated 2026-06-19 → 12/30 → 44.28).
 * - `terms_objection`: the same pro-rata share less the terms-objection fee (QU-LEG-02).
 * - Any other listed reason has no amount set by the terms: refused as undetermined.
 */
/** Refuses (422) a refund whose reason is not on the policy's closed list (CM-BIL-04). */
export function checkRefundReason(policy: Policy, reason: string | null | undefined): string {
  const allowed = policy.billing.refundReasonCodes;
  if (!reason || !allowed.includes(reason))
    throw new AppError(billingErrors['billing.refund_reason_not_allowed'], {
      details: { reason: reason ?? '', allowed: allowed.join(', ') },
    });
  return reason;
}

export function decideRefund(
  policy: Policy,
  input: {
    reason: string;
    /** The gross amounts received that the refund is about (all of one currency). */
    payments: readonly Money[];
    /** The paid period the payments cover. */
    period: Period;
    /** The day the refund's cause takes effect (termination, withdrawal). */
    on: LocalDate;
    frequency: Frequency;
    /**
     * What is still to be kept of the case's handling fee when other payments of the same case were refunded
     * first (from their decisions' `feeLeft`); absent: the policy's whole fee.
     */
    feeLeft?: Money | null | undefined;
    /**
     * The amount the operator states for a reason whose amount the terms do not set (`mandatory_law`: what
     * the law requires, MOC's "refunds only where the law requires"); at most what was paid.
     */
    stated?: Money | null | undefined;
  },
): RefundDecision {
  checkRefundReason(policy, input.reason);
  const currency = input.payments[0]?.currency ?? policy.locale.currency;
  const paid = sum(input.payments, currency);
  const lessFee = (amount: Money, fee: Policy['billing']['handlingFees']['withdrawal']) => {
    if (fee === null) return { amount, fee: null, feeLeft: null };
    const due = input.feeLeft === undefined ? parseMoney(fee.amount, fee.currency) : input.feeLeft;
    if (due === null || due.amount <= 0n) return { amount, fee: null, feeLeft: due };
    if (due.currency !== amount.currency)
      throw new AppError(billingErrors['billing.refund_amount_undetermined'], {
        details: { reason: input.reason, problem: `fee in ${due.currency}, payments in ${currency}` },
      });
    const kept = due.amount > amount.amount ? amount : due;
    return { amount: subtract(amount, kept), fee: kept, feeLeft: subtract(due, kept) };
  };

  if (input.reason === 'withdrawal') {
    const net = lessFee(paid, policy.billing.handlingFees.withdrawal);
    return { reason: input.reason, ...net, unusedDays: null };
  }
  if (PRO_RATA_REASONS.has(input.reason) || PRO_RATA_MINUS_FEE_REASONS.has(input.reason)) {
    const unusedDays = daysFrom(input.period, input.on);
    const share = prorate(
      paid,
      unusedDays,
      input.period,
      input.frequency,
      policy.billing.dayCount,
      'half_up',
    );
    const net = PRO_RATA_MINUS_FEE_REASONS.has(input.reason)
      ? lessFee(share, policy.billing.handlingFees.termsObjectionRefund)
      : { amount: share, fee: null, feeLeft: null };
    return { reason: input.reason, ...net, unusedDays };
  }
  if (input.reason === 'mandatory_law' && input.stated) {
    if (input.stated.currency !== currency || input.stated.amount <= 0n || input.stated.amount > paid.amount)
      throw new AppError(billingErrors['billing.refund_amount_undetermined'], {
        details: {
          reason: input.reason,
          problem: `the stated amount must be above 0 and at most the ${toDecimalString(paid)} ${currency} paid`,
        },
      });
    return { reason: input.reason, amount: input.stated, fee: null, feeLeft: null, unusedDays: null };
  }
  throw new AppError(billingErrors['billing.refund_amount_undetermined'], {
    details: { reason: input.reason },
  });
}

const REASON_TEXT: Record<string, { pl: string; en: string }> = {
  withdrawal: { pl: 'Odstąpienie od umowy – zwrot płatności', en: 'Withdrawal from the contract – refund' },
  termination_without_cause: {
    pl: 'Rozwiązanie umowy bez przyczyny – zwrot za niewykorzystany okres',
    en: 'Termination without cause – refund of the unused period',
  },
  eligible_user_important_reason: {
    pl: 'Rozwiązanie umowy z ważnej przyczyny – zwrot za niewykorzystany okres',
    en: 'Termination for an important reason – refund of the unused period',
  },
  provider_notice: {
    pl: 'Wypowiedzenie umowy przez usługodawcę – korekta za okres po rozwiązaniu umowy',
    en: 'Notice given by the provider – correction for the period after the contract ends',
  },
  terms_objection: {
    pl: 'Sprzeciw wobec zmiany regulaminu – zwrot za niewykorzystany okres',
    en: 'Objection to a change of terms – refund of the unused period',
  },
};

/** The correction's reason as printed (FA(3) PrzyczynaKorekty). */
export function refundReasonText(reason: string, language: 'pl' | 'en'): string {
  return REASON_TEXT[reason]?.[language] ?? (language === 'pl' ? `Zwrot (${reason})` : `Refund (${reason})`);
}

/**
 * The correcting invoice (KOR) of `original` for a refund of `refund` gross: the refund is spread over the
 * original's lines in proportion to their gross, and each line's share is split into net and VAT in the
 * proportion of that line (net half up, VAT the rest), so the correction's gross is exactly the refund; all
 * amounts negative. Seller, buyer, period and rates are the original's; the correction names the original by
 * number, issue date and KSeF number (none yet: NrKSeFN).
 */
export function refundCorrection(
  original: InvoiceDocument,
  input: {
    number: string;
    issueDate: LocalDate;
    refund: Money;
    reason: string;
    /** How the money goes back: the card's gateway at once, or the operator's transfer (paid when sent). */
    method?: 'card' | 'transfer';
  },
): InvoiceDocument {
  const gross = original.totals.gross;
  if (input.refund.currency !== original.currency || input.refund.amount <= 0n || gross.amount <= 0n)
    throw new RangeError('refundCorrection: the refund must be positive, in the invoice currency');
  if (input.refund.amount > gross.amount)
    throw new RangeError('refundCorrection: the refund exceeds the invoice');
  const shares = allocate(
    input.refund,
    original.lines.map((line) => (line.gross.amount > 0n ? line.gross.amount : 0n)),
  );
  const lines: InvoiceLine[] = original.lines.flatMap((line, i) => {
    const share = shares[i]!;
    if (share.amount === 0n) return [];
    const net = multiplyRatio(line.net, share.amount, line.gross.amount, 'half_up');
    const vat = subtract(share, net);
    return [
      {
        ...line,
        quantity: '1',
        unitNet: negate(net),
        net: negate(net),
        vatAmount: negate(vat),
        gross: negate(share),
      },
    ];
  });
  const vatSummary: VatSummaryRow[] = original.vatSummary.flatMap((row) => {
    const key = JSON.stringify(row.vat);
    const mine = lines.filter((line) => JSON.stringify(line.vat) === key);
    if (mine.length === 0) return [];
    const net = sum(
      mine.map((l) => l.net),
      original.currency,
    );
    const vatAmount = sum(
      mine.map((l) => l.vatAmount),
      original.currency,
    );
    return [
      {
        vat: row.vat,
        net,
        vatAmount,
        vatAmountPln:
          row.vatAmountPln && row.vatAmount.amount !== 0n
            ? multiplyRatio(row.vatAmountPln, vatAmount.amount, row.vatAmount.amount, 'half_up')
            : null,
        gross: sum([net, vatAmount], original.currency),
      },
    ];
  });
  const totals = {
    net: sum(
      vatSummary.map((r) => r.net),
      original.currency,
    ),
    vat: sum(
      vatSummary.map((r) => r.vatAmount),
      original.currency,
    ),
    gross: negate(input.refund),
  };
  return {
    ...original,
    kind: 'KOR',
    number: input.number,
    issueDate: input.issueDate,
    lines,
    vatSummary,
    totals,
    payment: {
      dueDate: null,
      paid:
        input.method === 'transfer' ? null : { at: input.issueDate, amount: totals.gross, method: 'card' },
      bankAccount: null,
    },
    correction: {
      reason: refundReasonText(input.reason, original.language),
      original: { number: original.number, issueDate: original.issueDate, ksefNumber: null },
    },
  };
}
