import { AppError } from '../../platform/errors.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import type { InvoiceRow, PaymentMethodRow } from './billing-store.ts';
import { mayChargeAutomatically } from './card-rules.ts';
import { planChangesOverview } from './plan-changes-overview.ts';
import { renewalDueAt } from './renewal-rules.ts';

/**
 * The account's billing tab (BK-BIL-06): the current plan and the date it is paid through, whether and when
 * it renews, the saved cards (only what was kept of them) and every invoice, newest first, each downloadable
 * (BK-BIL-07, CM-BIL-09). Amounts are decimal strings in their currency.
 */
export async function billingOverview(deps: BillingDeps, accountId: string) {
  const life = await deps.lifecycle.get(accountId);
  const policy = deps.policyOf(life.policyVersionId);
  const now = await deps.timeOf(life.clockId);
  const [subscription, methods, invoices, credit] = await Promise.all([
    deps.store.latestSubscription(accountId),
    deps.store.paymentMethodsOf(accountId),
    deps.store.invoicesOf(accountId),
    deps.store.creditBalance(accountId, policy.locale.currency),
  ]);
  const method = subscription?.paymentMethodId
    ? methods.find((m) => m.id === subscription.paymentMethodId)
    : undefined;
  const renewsAutomatically =
    subscription !== null &&
    subscription.status !== 'ended' &&
    !subscription.cancelAtPeriodEnd &&
    (policy.billing.invoiceTiming === 'ahead_with_terms'
      ? policy.billing.autoRenew
      : method !== undefined && mayChargeAutomatically(method, now));
  const changes = await planChangesOverview(deps, policy, accountId, subscription, now);
  return {
    state: life.state,
    plan: { code: life.planCode, name: policy.plans.find((p) => p.code === life.planCode)?.name ?? null },
    subscription: subscription && {
      id: subscription.id,
      plan: subscription.planCode,
      frequency: subscription.frequency,
      status: subscription.status,
      currentPeriod: { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo },
      paidThrough: subscription.paidThrough,
      // The price in force from the customer's price schedule (CM-BIL-03, QU-BIL-09/10).
      price: changes.price ?? {
        net: toDecimalString(money(subscription.priceAmount, subscription.priceCurrency)),
        currency: subscription.priceCurrency,
      },
      nextPeriod: changes.nextPeriod,
      scheduledChanges: changes.scheduledChanges,
      paymentMethodId: subscription.paymentMethodId,
      renewsAutomatically,
      nextRenewalAt:
        subscription.status === 'ended' ? null : renewalDueAt(policy, subscription).toISOString(),
    },
    paymentMethods: methods.map(paymentMethodJson),
    credit: { amount: toDecimalString(credit), currency: credit.currency },
    invoices: invoices.map(invoiceSummary),
    // BK-BIL-06: add-ons, pack balances, price-change notices, and where to change the plan or buy more.
    addOns: changes.addOns,
    balances: changes.balances,
    priceChangeNotices: changes.priceChangeNotices,
    actions: changes.actions,
  };
}

export function paymentMethodJson(m: PaymentMethodRow) {
  return {
    id: m.id,
    provider: m.provider,
    brand: m.brand,
    last4: m.last4,
    expMonth: m.expMonth,
    expYear: m.expYear,
    recurringConsentAt: m.recurringConsentAt?.toISOString() ?? null,
    consentWithdrawnAt: m.consentWithdrawnAt?.toISOString() ?? null,
  };
}

export function invoiceSummary(i: InvoiceRow) {
  const amount = (minor: bigint) => toDecimalString(money(minor, i.currency));
  return {
    id: i.id,
    number: i.number,
    kind: i.kind,
    status: i.status,
    issueDate: i.issueDate,
    dueDate: i.dueDate,
    period: i.periodFrom && i.periodTo ? { from: i.periodFrom, to: i.periodTo } : null,
    currency: i.currency,
    net: amount(i.net),
    vat: amount(i.vat),
    gross: amount(i.gross),
    amountPaid: amount(i.amountPaid),
    hasKsefXml: i.ksefXml !== null,
    ksef: { status: i.ksefStatus, number: i.ksefNumber },
    deemedDeliveredOn: i.deemedDeliveredOn,
    deliveredOn: i.deliveredOn,
  };
}

/** One invoice with its frozen document (Money amounts as strings of minor units). */
export async function invoiceDetail(deps: BillingDeps, accountId: string, invoiceId: string) {
  const invoice = await deps.store.invoice(accountId, invoiceId);
  if (!invoice)
    throw new AppError(billingErrors['billing.invoice_not_found'], { details: { id: invoiceId } });
  return { ...invoiceSummary(invoice), document: invoice.document };
}

/** The invoice's KSeF FA(3) XML, as issued. */
export async function invoiceKsefXml(
  deps: BillingDeps,
  accountId: string,
  invoiceId: string,
): Promise<string> {
  const invoice = await deps.store.invoice(accountId, invoiceId);
  if (!invoice)
    throw new AppError(billingErrors['billing.invoice_not_found'], { details: { id: invoiceId } });
  if (invoice.ksefXml === null)
    throw new AppError(billingErrors['billing.no_ksef_document'], { details: { id: invoiceId } });
  return invoice.ksefXml;
}
