import { and, desc, eq, inArray } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { paymentLinks } from './billing-schema.ts';
import { TpayError } from './providers/tpay-gateway.ts';

export type PaymentLinkRow = typeof paymentLinks.$inferSelect;

/**
 * A customer pays an open invoice online by bank transfer (pay-by-link, BK-BIL-04: tpay.com): the amount
 * still open on the invoice becomes a tpay transaction and the customer gets its payment page's URL. The
 * money is booked when tpay's signed notification arrives (`applyTpayNotification`), through the same
 * path as a transfer booked by staff, so partial payments leave the invoice open (CM-BIL-08) and an
 * overpayment becomes credit (CM-BIL-05).
 *
 * The gateway is asked outside any transaction: first the link is written (`creating`, its id is the
 * transaction's `hiddenDescription`, which tpay returns as `tr_crc`), then tpay is asked, then the link gets
 * its transaction and URL. Asking again for the same invoice and amount returns the open link, or finishes
 * one whose creation was interrupted, so a retried request makes no second link. Refused, changing nothing:
 * no pay-by-link gateway configured or offered by the terms, an invoice with nothing left to pay, a currency
 * other than PLN. Leaves to the caller: who may pay (the owner, a billing user, the operator).
 */
export async function payInvoiceByLink(
  deps: BillingDeps,
  input: { accountId: string; invoiceId: string; actor: string },
): Promise<{ link: PaymentLinkRow; reused: boolean }> {
  const gateway = deps.payByLink ?? null;
  const unavailable = (problem: string) =>
    new AppError(billingErrors['billing.pay_by_link_unavailable'], { details: { problem } });
  if (!gateway) throw unavailable('no pay-by-link gateway is configured');
  if (deps.db.inTransaction()) throw new Error('payInvoiceByLink must not run inside a transaction');

  const prepared = await deps.db.transaction(async () => {
    const life = await deps.lifecycle.get(input.accountId);
    // Sandbox time is not the gateway's: a test clock's account pays through the sandbox only.
    if (life.clockId !== null) throw unavailable('an account on a test clock uses the sandbox');
    const policy = deps.policyOf(life.policyVersionId);
    if (!policy.billing.paymentProviders.some((p) => p.id === gateway.id))
      throw unavailable(`the terms do not offer ${gateway.id}`);
    const invoice = await deps.store.invoice(input.accountId, input.invoiceId, true);
    if (!invoice)
      throw new AppError(billingErrors['billing.invoice_not_found'], { details: { id: input.invoiceId } });
    const open = invoice.gross - invoice.amountPaid;
    if (invoice.kind !== 'VAT' || open <= 0n)
      throw new AppError(billingErrors['billing.invoice_not_open'], { details: { id: invoice.id } });
    if (invoice.currency !== 'PLN')
      throw unavailable(`${gateway.id} takes PLN, the invoice is in ${invoice.currency}`);
    const now = await deps.timeOf(life.clockId);
    const [existing] = await deps.db.q
      .select()
      .from(paymentLinks)
      .where(
        and(
          eq(paymentLinks.invoiceId, invoice.id),
          eq(paymentLinks.amount, open),
          inArray(paymentLinks.status, ['creating', 'open']),
        ),
      )
      .orderBy(desc(paymentLinks.createdAt))
      .limit(1);
    if (existing) return { link: existing, invoice, now };
    const [link] = await deps.db.q
      .insert(paymentLinks)
      .values({
        id: deps.ids.next('plink'),
        accountId: input.accountId,
        invoiceId: invoice.id,
        provider: gateway.id,
        amount: open,
        currency: invoice.currency,
        status: 'creating',
        createdAt: now,
      })
      .returning();
    return { link: link!, invoice, now };
  });
  if (prepared.link.status === 'open') return { link: prepared.link, reused: true };

  const { link, invoice } = prepared;
  const [profile, [contact]] = await Promise.all([
    deps.accounts.profile(input.accountId),
    deps.accounts.contactsOf([input.accountId]),
  ]);
  let created: Awaited<ReturnType<typeof gateway.createTransaction>>;
  try {
    created = await gateway.createTransaction({
      amount: money(link.amount, link.currency),
      description: `Faktura ${invoice.number}`,
      hiddenDescription: link.id,
      payer: { email: contact?.email ?? '', name: profile.companyName ?? '' },
      notificationUrl: `${deps.portalUrl}/v1/webhooks/tpay`,
      successUrl: `${deps.portalUrl}/billing?invoice=${invoice.id}&paid=1`,
      errorUrl: `${deps.portalUrl}/billing?invoice=${invoice.id}&paid=0`,
    });
  } catch (error) {
    if (error instanceof TpayError || error instanceof TypeError)
      throw new AppError(billingErrors['billing.gateway_unavailable'], { details: { provider: gateway.id } });
    throw error;
  }

  return deps.db.transaction(async () => {
    const [updated] = await deps.db.q
      .update(paymentLinks)
      .set({
        status: 'open',
        transactionId: created.transactionId,
        providerRef: created.title,
        paymentUrl: created.paymentUrl,
      })
      .where(and(eq(paymentLinks.id, link.id), eq(paymentLinks.status, 'creating')))
      .returning();
    // A notification may have settled the link meanwhile: then it stays as the notification left it.
    const current = updated ?? (await linkById(deps, link.id))!;
    if (updated)
      await deps.eventLog.append([
        {
          chainId: input.accountId,
          type: 'payment_link.created',
          clause: null,
          actor: input.actor,
          occurredAt: prepared.now,
          data: {
            link: link.id,
            invoice: invoice.id,
            provider: gateway.id,
            transaction: created.title,
            amount: toDecimalString(money(link.amount, link.currency)),
            currency: link.currency,
          },
        },
      ]);
    return { link: current, reused: false };
  });
}

export async function linkById(
  deps: BillingDeps,
  id: string,
  forUpdate = false,
): Promise<PaymentLinkRow | null> {
  const query = deps.db.q.select().from(paymentLinks).where(eq(paymentLinks.id, id));
  const [row] = forUpdate ? await query.for('update') : await query;
  return row ?? null;
}
