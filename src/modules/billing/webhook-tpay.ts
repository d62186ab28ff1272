import { eq } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { paymentLinks } from './billing-schema.ts';
import { firstDelivery } from './charge-payments.ts';
import { creditPaidPackOrder } from './one-off-payments.ts';
import { linkById } from './pay-invoice-by-link.ts';
import type { TpayNotification } from './providers/tpay-gateway.ts';
import { recordPayment } from './record-payment.ts';
import type { WebhookResult } from './webhook-stripe.ts';

/**
 * Applies a verified tpay transaction notification (`POST /v1/webhooks/tpay`).
 *
 * A paid transaction (`tr_status` TRUE) books `tr_paid` against the link's invoice through `recordPayment`
 * (provider `tpay`, reference `tpay:<tr_id>`), so a partial payment leaves the invoice open (CM-BIL-08) and
 * an overpayment is credited (CM-BIL-05) exactly as for a transfer booked by staff; the link becomes `paid`.
 * tpay re-sends a notification until it is answered `TRUE`: `(tr_id, tr_status)` is recorded in
 * `provider_events` in the same transaction, and the booking's own key (`transfer:<invoice>:tpay:<tr_id>`)
 * is unique, so a replay changes nothing; a notification that is not a payment (`FALSE`, `CHARGEBACK`)
 * never undoes one. A notification naming a link this database does not know, or a transaction other than
 * the link's, is refused (nothing recorded) so that tpay delivers it again rather than it being lost.
 */
export async function applyTpayNotification(
  deps: BillingDeps,
  notification: TpayNotification,
): Promise<WebhookResult> {
  const gateway = deps.payByLink ?? null;
  const refuse = (problem: string) =>
    new AppError(billingErrors['billing.webhook_not_applicable'], {
      details: { event: notification.tr_id, problem },
    });
  return deps.db.transaction(async () => {
    if (gateway?.config.merchantId && notification.id !== gateway.config.merchantId)
      throw refuse(`it is for merchant ${notification.id}`);
    const seen = !(await firstDelivery(deps, {
      provider: 'tpay',
      eventId: `${notification.tr_id}:${notification.tr_status}`,
      type: `transaction.${notification.tr_status.toLowerCase()}`,
      paymentId: null,
    }));
    if (seen) return 'duplicate';
    const link = await linkById(deps, notification.tr_crc, true);
    if (!link) throw refuse(`no payment link ${notification.tr_crc}`);
    if (link.providerRef !== null && link.providerRef !== notification.tr_id)
      throw refuse(`link ${link.id} belongs to transaction ${link.providerRef}`);
    if (notification.tr_status !== 'TRUE' && notification.tr_status !== 'PAID') return 'ignored';
    if (link.status === 'paid') return 'no_change';
    const { payment } = await recordPayment(deps, {
      accountId: link.accountId,
      invoiceId: link.invoiceId,
      amount: notification.tr_paid,
      currency: link.currency,
      reference: `tpay:${notification.tr_id}`,
      actor: 'system',
      provider: 'tpay',
    });
    await deps.db.q
      .update(paymentLinks)
      .set({
        status: 'paid',
        paidAt: payment.createdAt,
        paymentId: payment.id,
        providerRef: notification.tr_id,
      })
      .where(eq(paymentLinks.id, link.id));
    // BK-BIL-04: a pack bought by link is credited once its invoice is paid (a no-op for other invoices).
    await creditPaidPackOrder(deps, link.invoiceId, 'system');
    return 'applied';
  });
}
