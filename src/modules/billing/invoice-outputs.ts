import { and, eq, sql } from 'drizzle-orm';
import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { money } from '../../platform/money.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { invoices } from './billing-schema.ts';
import type { InvoiceRow } from './billing-store.ts';
import { invoiceDocumentFromJson } from './invoice-json.ts';
import { dueDateAfterDelivery } from './invoice-rules.ts';
import { renderInvoicePdf } from './pdf/invoice-pdf.ts';

async function invoiceOf(
  deps: Pick<BillingDeps, 'store'>,
  accountId: string,
  invoiceId: string,
  forUpdate = false,
) {
  const invoice = await deps.store.invoice(accountId, invoiceId, forUpdate);
  if (!invoice)
    throw new AppError(billingErrors['billing.invoice_not_found'], { details: { id: invoiceId } });
  return invoice;
}

/**
 * The invoice as a PDF in its language (BK-BIL-07, CM-BIL-09: downloadable from the billing tab as soon as
 * it is issued), rendered from its frozen document, with what happened since: the amount paid, the KSeF
 * number, the due date as it stands, and for a correction the corrected invoice's amounts (before/after).
 */
export async function invoicePdf(deps: BillingDeps, accountId: string, invoiceId: string) {
  const invoice = await invoiceOf(deps, accountId, invoiceId);
  const document = invoiceDocumentFromJson(invoice.document);
  let original: InvoiceRow | undefined;
  if (invoice.kind === 'KOR' && document.correction)
    [original] = await deps.db.q
      .select()
      .from(invoices)
      .where(
        and(
          eq(invoices.accountId, accountId),
          eq(invoices.number, document.correction.original.number),
          sql`${invoices.kind} <> 'KOR'`,
        ),
      );
  const pdf = await renderInvoicePdf(document, {
    amountPaid: money(invoice.amountPaid, invoice.currency),
    ksefNumber: invoice.ksefNumber,
    dueDate: invoice.dueDate,
    original: original ? invoiceDocumentFromJson(original.document) : null,
  });
  return { pdf, fileName: `${invoice.number.replace(/[^A-Za-z0-9_-]+/g, '-')}.pdf` };
}

/**
 * Records that an invoice reached the customer later than it was deemed delivered, as the customer proved
 * (QU-BIL-07: mailed on the issue date, deemed delivered on the next business day; a proven later delivery
 * moves the due date later by the same number of days). Refused (`billing.delivery_invalid`, nothing
 * changes) when the terms deem no delivery, the date is before the issue date or after today, or another
 * date was recorded already; the same date again changes nothing. In one transaction: the delivery date,
 * the new due date and an `invoice.delivery_recorded` event with both due dates. Leaves to the caller: who
 * may record it (the operator).
 */
export async function recordInvoiceDelivery(
  deps: BillingDeps,
  input: { accountId: string; invoiceId: string; deliveredOn: string; actor: string },
): Promise<InvoiceRow> {
  return deps.db.transaction(async () => {
    const life = await deps.lifecycle.get(input.accountId);
    const policy = deps.policyOf(life.policyVersionId);
    const invoice = await invoiceOf(deps, input.accountId, input.invoiceId, true);
    const refuse = (problem: string) =>
      new AppError(billingErrors['billing.delivery_invalid'], { details: { id: invoice.id, problem } });
    if (invoice.deemedDeliveredOn === null) throw refuse('the terms do not deem invoices delivered');
    const today = localDateOf(await deps.timeOf(life.clockId), policy.locale.timeZone);
    if (input.deliveredOn < invoice.issueDate)
      throw refuse(`it is before the issue date ${invoice.issueDate}`);
    if (input.deliveredOn > today) throw refuse(`it is after today (${today})`);
    if (invoice.deliveredOn !== null) {
      if (invoice.deliveredOn === input.deliveredOn) return invoice;
      throw refuse(`delivery on ${invoice.deliveredOn} was recorded already`);
    }
    const dueDate = dueDateAfterDelivery(policy, invoice, input.deliveredOn);
    const [updated] = await deps.db.q
      .update(invoices)
      .set({ deliveredOn: input.deliveredOn, dueDate })
      .where(eq(invoices.id, invoice.id))
      .returning();
    await deps.eventLog.append([
      {
        chainId: invoice.accountId,
        type: 'invoice.delivery_recorded',
        clause: policy.billing.clauses.delivery,
        actor: input.actor,
        occurredAt: await deps.timeOf(life.clockId),
        data: {
          invoice: invoice.id,
          number: invoice.number,
          deemedDeliveredOn: invoice.deemedDeliveredOn,
          deliveredOn: input.deliveredOn,
          dueDateBefore: invoice.dueDate,
          dueDate,
        },
      },
    ]);
    return updated!;
  });
}
