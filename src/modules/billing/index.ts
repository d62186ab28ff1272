import { addPaymentMethod } from './add-payment-method.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';
import { billingOverview, invoiceDetail, invoiceKsefXml } from './billing-overview.ts';
import { makeBillingStore } from './billing-store.ts';
import { orderPlan } from './order-plan.ts';
import { recordPayment } from './record-payment.ts';
import { refundPayment } from './refund-payment.ts';
import { renewSubscriptions } from './renew-subscriptions.ts';
import { withdrawRecurringConsent } from './withdraw-recurring-consent.ts';

export { INVOICE_SERIES, RENEW } from './billing-context.ts';
export { billingErrors } from './billing-errors.ts';
export { paymentMethodJson } from './billing-overview.ts';
export type {
  InvoiceRow,
  PaymentMethodRow,
  PaymentRow,
  RefundRow,
  SubscriptionRow,
} from './billing-store.ts';
export type { InvoiceDocument } from './invoice-document.ts';
export { invoiceDocumentFromJson } from './invoice-json.ts';
export type { OrderInput, OrderResult } from './order-plan.ts';
export { type PaymentProvider, sandboxPaymentProvider } from './payment-provider.ts';
export { decideRefund, refundCorrection } from './refund-rules.ts';

export type Billing = ReturnType<typeof makeBilling>;

/**
 * The billing module: saved cards and consent to recurring charges, paid-plan orders, renewals on the due
 * work (`billing.renew`), payments received, invoices with their KSeF FA(3) XML, the billing tab.
 */
export function makeBilling(deps: Omit<BillingDeps, 'store'>) {
  const full: BillingDeps = { ...deps, store: makeBillingStore(deps.db) };
  deps.dueWork.register({ kind: RENEW, handle: renewSubscriptions(full) });
  return {
    addPaymentMethod: (input: Parameters<typeof addPaymentMethod>[1]) => addPaymentMethod(full, input),
    withdrawRecurringConsent: (input: Parameters<typeof withdrawRecurringConsent>[1]) =>
      withdrawRecurringConsent(full, input),
    orderPlan: (input: Parameters<typeof orderPlan>[1]) => orderPlan(full, input),
    recordPayment: (input: Parameters<typeof recordPayment>[1]) => recordPayment(full, input),
    overview: (accountId: string) => billingOverview(full, accountId),
    invoice: (accountId: string, invoiceId: string) => invoiceDetail(full, accountId, invoiceId),
    invoiceKsefXml: (accountId: string, invoiceId: string) => invoiceKsefXml(full, accountId, invoiceId),
    refundPayment: (input: Parameters<typeof refundPayment>[1]) => refundPayment(full, input),
    payments: (accountId: string) => full.store.paymentsOf(accountId),
    refunds: (accountId: string) => full.store.refundsOf(accountId),
  };
}
