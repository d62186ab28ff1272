import { buyAddOn } from './add-ons.ts';
import { addPaymentMethod, prepareCard } from './add-payment-method.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';
import { billingOverview, invoiceDetail, invoiceKsefXml } from './billing-overview.ts';
import { makeBillingStore } from './billing-store.ts';
import { applyScheduledPlanChanges, changePlan, PLAN_CHANGE } from './change-subscription.ts';
import { type ChargeSettlers, sendCharge, sendDueCharges, settledOrder } from './charge-payments.ts';
import { chargeResumedPeriod } from './charge-resumed-period.ts';
import { endSubscription } from './end-subscription.ts';
import { importExchangeRates, listExchangeRates } from './exchange-rates.ts';
import { invoicePdf, recordInvoiceDelivery } from './invoice-outputs.ts';
import { submitKsefInvoices } from './ksef/submit-invoices.ts';
import { liabilityCapOf } from './liability-cap.ts';
import { makeBillingControl } from './lifecycle-facts.ts';
import { packOrderLink, purchasePack } from './one-off-payments.ts';
import { applyOrderCharge, type OrderChargeContext, orderPlan } from './order-plan.ts';
import { buyPack, entitlementExtras, useBalance } from './packs.ts';
import { payInvoiceByLink } from './pay-invoice-by-link.ts';
import { makePlanChangesStore } from './plan-changes-store.ts';
import { announcePriceChange, objectToPriceChange } from './price-changes.ts';
import { endAfterProviderNotice, FINAL_PERIOD, invoiceFinalPeriods } from './provider-notice.ts';
import type { PaypalEvent } from './providers/paypal-gateway.ts';
import type { StripeEvent } from './providers/stripe-provider.ts';
import type { TpayNotification } from './providers/tpay-gateway.ts';
import { settledPurchase, settlePurchase } from './purchase-charges.ts';
import { recordPayment } from './record-payment.ts';
import {
  applyPaypalEvent,
  cancelRedirect,
  completeRedirect,
  decideSandboxRedirect,
  makeSandboxRedirectGateway,
} from './redirect-payments.ts';
import {
  applyRedirectRenewal,
  payNextPeriodByRedirect,
  type RedirectRenewalContext,
} from './redirect-renewals.ts';
import { confirmRefundTransfer, refundPayment, sendDueRefunds, sendRefund } from './refund-payment.ts';
import { REMINDER } from './reminder-rules.ts';
import { sendReminders } from './reminders.ts';
import { applyRenewalCharge, type RenewalChargeContext, renewSubscriptions } from './renew-subscriptions.ts';
import { applySwitchesToFree, SWITCH_TO_FREE } from './switch-to-free.ts';
import { offlineVies } from './vat/index.ts';
import { vatIdChecksOf, verifyVatId } from './vat-id-checks.ts';
import { applyStripeEvent } from './webhook-stripe.ts';
import { applyTpayNotification } from './webhook-tpay.ts';
import { withdrawRecurringConsent } from './withdraw-recurring-consent.ts';

export { INVOICE_SERIES, RENEW, type RefundSettlement } from './billing-context.ts';
export { billingErrors } from './billing-errors.ts';
export { paymentMethodJson } from './billing-overview.ts';
export type {
  InvoiceRow,
  PaymentMethodRow,
  PaymentRow,
  RefundRow,
  SubscriptionRow,
} from './billing-store.ts';
export { registerGatewayRoutes } from './gateway-routes.ts';
export type { InvoiceDocument } from './invoice-document.ts';
export { invoiceDocumentFromJson } from './invoice-json.ts';
export { type KsefClient, makeKsefClient } from './ksef/ksef-client.ts';
export type { BillingControl } from './lifecycle-facts.ts';
export type { OrderInput, OrderResult } from './order-plan.ts';
export {
  cardGatewayOf,
  gatewayConfigProblems,
  type PaymentProvider,
  sandboxPaymentProvider,
} from './payment-provider.ts';
export {
  makePaypalGateway,
  PAYPAL_CERT_URL_PREFIXES,
  type PaypalConfig,
  type PaypalGateway,
} from './providers/paypal-gateway.ts';
export { makeStripeProvider, type StripeConfig, type StripeGateway } from './providers/stripe-provider.ts';
export { makeTpayGateway, type TpayConfig, type TpayGateway } from './providers/tpay-gateway.ts';
export { decideRefund, refundCorrection } from './refund-rules.ts';
export { REMINDER } from './reminder-rules.ts';
export { makeViesHttpClient, offlineVies, type ViesClient } from './vat/index.ts';

export type Billing = ReturnType<typeof makeBilling>;

/** The VAT clause of the account's policy (a registration calls after starting the account's life). */
async function vatClauseOf(deps: BillingDeps, accountId: string): Promise<string | null> {
  const [life] = await deps.lifecycle.load([accountId]);
  return life ? deps.policyOf(life.policyVersionId).billing.clauses.vat : null;
}

/**
 * The billing module: saved cards and consent to recurring charges, paid-plan orders, renewals on the due
 * work (`billing.renew`), payments received, invoices with their KSeF FA(3) XML, the billing tab.
 */
export function makeBilling(deps: Omit<BillingDeps, 'store'>) {
  const full: BillingDeps = {
    ...deps,
    // MOC-BIL-01: the configured redirect gateways (PayPal), then the sandbox's redirect mode.
    redirectGateways: [...(deps.redirectGateways ?? []), makeSandboxRedirectGateway(deps.portalUrl)],
    store: makeBillingStore(deps.db),
  };
  deps.dueWork.register({ kind: RENEW, handle: renewSubscriptions(full) });
  deps.dueWork.register({ kind: REMINDER, handle: sendReminders(full) });
  deps.dueWork.register({ kind: PLAN_CHANGE, handle: applyScheduledPlanChanges(full) });
  deps.dueWork.register({ kind: SWITCH_TO_FREE, handle: applySwitchesToFree(full) });
  deps.dueWork.register({ kind: FINAL_PERIOD, handle: invoiceFinalPeriods(full) });
  const planStore = makePlanChangesStore(deps.db);
  const vies = deps.vies ?? offlineVies;
  const ksef = deps.ksef ?? null;
  // What settles a charge, per purpose: the same functions for the sandbox's answer and a gateway's webhook.
  const settlers: ChargeSettlers = {
    order: async (d, payment, context, outcome) => {
      await applyOrderCharge(d, payment, context as OrderChargeContext, outcome);
    },
    renewal: (d, payment, context, outcome) =>
      applyRenewalCharge(d, payment, context as RenewalChargeContext, outcome),
    purchase: settlePurchase,
    redirect_renewal: (d, payment, context, outcome) =>
      applyRedirectRenewal(d, payment, context as RedirectRenewalContext, outcome),
  };
  return {
    addPaymentMethod: (input: Parameters<typeof addPaymentMethod>[1]) => addPaymentMethod(full, input),
    /** Registers a new card at the gateway before the request's transaction (see `prepareCard`). */
    prepareCard: (input: Parameters<typeof prepareCard>[1]) => prepareCard(full, input),
    /** Upgrades and downgrades (QU-BIL-09, QU-BIL-10). */
    changePlan: (input: Parameters<typeof changePlan>[1]) => changePlan(full, input),
    /** Add-ons (CM-BIL-06) and consumable packs and balances (BK-BIL-03, CM-BIL-11). */
    buyAddOn: (input: Parameters<typeof buyAddOn>[1]) => buyAddOn(full, input),
    buyPack: (input: Parameters<typeof buyPack>[1]) => buyPack(full, input),
    /** A pack bought the way the terms take one-off payments: by card, or on tpay's page (BK-BIL-04). */
    purchasePack: (input: Parameters<typeof purchasePack>[1]) => purchasePack(full, input),
    /** The gateway's payment page for a pack order's open invoice, after the order's commit (BK-BIL-04). */
    packOrderLink: (input: Parameters<typeof packOrderLink>[1]) => packOrderLink(full, input),
    useBalance: (input: Parameters<typeof useBalance>[1]) => useBalance(full, input),
    balances: (accountId: string) => planStore.balancesOf(accountId),
    balanceEntries: (accountId: string) => planStore.balanceEntriesOf(accountId),
    /** What billing adds to the account's entitlements: add-ons and balances. */
    entitlementExtras: (accountId: string) => entitlementExtras(full, accountId),
    /** Price-list changes for existing customers (CM-BIL-03, QU-BIL-11). */
    announcePriceChange: (input: Parameters<typeof announcePriceChange>[1]) =>
      announcePriceChange(full, input),
    objectToPriceChange: (input: Parameters<typeof objectToPriceChange>[1]) =>
      objectToPriceChange(full, input),
    priceChangeNotices: (accountId: string) => planStore.noticesOf(accountId),
    withdrawRecurringConsent: (input: Parameters<typeof withdrawRecurringConsent>[1]) =>
      withdrawRecurringConsent(full, input),
    orderPlan: (input: Parameters<typeof orderPlan>[1]) => orderPlan(full, input),
    recordPayment: (input: Parameters<typeof recordPayment>[1]) => recordPayment(full, input),
    overview: (accountId: string) => billingOverview(full, accountId),
    invoice: (accountId: string, invoiceId: string) => invoiceDetail(full, accountId, invoiceId),
    invoiceKsefXml: (accountId: string, invoiceId: string) => invoiceKsefXml(full, accountId, invoiceId),
    refundPayment: (input: Parameters<typeof refundPayment>[1]) => refundPayment(full, input),
    /** Sends a pending refund to its remote gateway after the commit that decided it; the refund as it stands. */
    sendRefund: (refundId: string) => sendRefund(full, refundId),
    /** The refund runner's step (worker): sends every due pending refund outside any transaction. */
    sendDueRefunds: () => sendDueRefunds(full),
    /** The operator sent a transfer refund: its bank reference (see `confirmRefundTransfer`). */
    confirmRefundTransfer: (input: Parameters<typeof confirmRefundTransfer>[1]) =>
      confirmRefundTransfer(full, input),
    payments: (accountId: string) => full.store.paymentsOf(accountId),
    refunds: (accountId: string) => full.store.refundsOf(accountId),
    /** What the account lifecycle reads (payment standing) and asks (stop, end, resume renewals). */
    lifecycleControl: {
      ...makeBillingControl(full),
      /** A customer's own restore or reactivation: the resumed period charged on-session (no consent needed). */
      chargeResumedPeriod: (input: { accountId: string; at: Date; cause: string }) =>
        chargeResumedPeriod(full, input),
      /** Sends a remote gateway's opened charge after the commit; its state (3-D Secure to do, or settled). */
      sendCharge: (paymentId: string) => sendCharge(full, settlers, paymentId),
    },
    /** Sends a remote gateway's charge now (an on-session order after its commit) and returns its state. */
    sendCharge: (paymentId: string) => sendCharge(full, settlers, paymentId),
    /** The charge runner's step (worker): sends every due queued charge outside any transaction. */
    sendDueCharges: () => sendDueCharges(full, settlers),
    orderOf: (accountId: string, paymentId: string) => settledOrder(full, accountId, paymentId),
    /** What a settled purchase charge (upgrade, add-on, pack) bought, for answering its request. */
    purchaseOf: (accountId: string, paymentId: string) => settledPurchase(full, accountId, paymentId),
    applyStripeEvent: (event: StripeEvent) => applyStripeEvent(full, settlers, event),
    /** MOC-BIL-01: a verified PayPal webhook event (order approved, capture completed or denied). */
    applyPaypalEvent: (event: PaypalEvent) => applyPaypalEvent(full, settlers, event),
    /** MOC-BIL-01: the next period paid by redirect (no stored card, nothing renews by itself). */
    payNextPeriodByRedirect: (input: Parameters<typeof payNextPeriodByRedirect>[1]) =>
      payNextPeriodByRedirect(full, input),
    /** MOC-BIL-01: the buyer came back from the redirect gateway: capture and settle. */
    completeRedirect: (input: { paymentId: string; orderRef: string }) =>
      completeRedirect(full, settlers, input),
    /** MOC-BIL-01: the buyer cancelled on the redirect gateway's page. */
    cancelRedirect: (input: { paymentId: string; orderRef: string }) => cancelRedirect(full, settlers, input),
    /** The sandbox's approval page: the buyer approves or declines a sandbox redirect payment. */
    decideSandboxRedirect: (input: { paymentId: string; token: string; approve: boolean }) =>
      decideSandboxRedirect(full, settlers, input),
    payInvoiceByLink: (input: Parameters<typeof payInvoiceByLink>[1]) => payInvoiceByLink(full, input),
    /** The operator's liability-cap calculator (CM-BIL-13, CM-BIL-14, CM-DOC-06); reads only. */
    liabilityCap: (input: Parameters<typeof liabilityCapOf>[1]) => liabilityCapOf(full, input),
    applyTpayNotification: (notification: TpayNotification) => applyTpayNotification(full, notification),
    endSubscription: (input: Parameters<typeof endSubscription>[1]) => endSubscription(full, input),
    /** The billing side of a provider's notice on a paid plan (QU-LIF-05): the last day, the last period pro rata. */
    endAfterProviderNotice: (input: Parameters<typeof endAfterProviderNotice>[1]) =>
      endAfterProviderNotice(full, input),
    invoicePdf: (accountId: string, invoiceId: string) => invoicePdf(full, accountId, invoiceId),
    recordInvoiceDelivery: (input: Parameters<typeof recordInvoiceDelivery>[1]) =>
      recordInvoiceDelivery(full, input),
    importExchangeRates: async (input: { json: unknown; actor: string }) =>
      importExchangeRates(full, { ...input, at: await full.timeOf(null) }),
    exchangeRates: (filter: { currency?: string | undefined; limit: number }) =>
      listExchangeRates(full.db, filter),
    /** Checks an account's EU VAT id with VIES and records the answer (wired into accounts). */
    verifyVatId: async (input: Omit<Parameters<typeof verifyVatId>[1], 'clause'>) =>
      verifyVatId({ ...full, vies }, { ...input, clause: await vatClauseOf(full, input.accountId) }),
    vatIdChecks: (accountId: string) => vatIdChecksOf(full.db, accountId),
    /** Asks VIES again about the account's VAT id (after an outage left it unverified). */
    recheckVatId: (input: { accountId: string; actor: string }) =>
      full.db.transaction(async () => {
        const [life] = await full.lifecycle.load([input.accountId]);
        const profile = await full.accounts.profile(input.accountId);
        return verifyVatId(
          { ...full, vies },
          {
            accountId: input.accountId,
            taxId: profile.taxId,
            country: profile.country,
            at: await full.timeOf(life?.clockId ?? null),
            actor: input.actor,
            cause: 'recheck',
            clause: await vatClauseOf(full, input.accountId),
          },
        );
      }),
    /** Whether invoices are sent to KSeF (KSEF_URL and KSEF_TOKEN configured). */
    ksefEnabled: ksef !== null,
    /** One KSeF step: send what is pending, record what KSeF decided (a worker step; no-op when off). */
    submitKsef: async (limit?: number) => {
      if (!ksef) return null;
      return submitKsefInvoices(
        {
          db: full.db,
          eventLog: full.eventLog,
          policyOf: full.policyOf,
          client: ksef.client,
          sellerNip: ksef.sellerNip,
        },
        { now: await full.timeOf(null), ...(limit ? { limit } : {}) },
      );
    },
  };
}
