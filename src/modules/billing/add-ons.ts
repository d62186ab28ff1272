import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { money, parseMoney, toDecimalString } from '../../platform/money.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import { billPurchase, type PurchasePaid, purchaseCard } from './bill-purchase.ts';
import type { BillingDeps } from './billing-context.ts';
import type { InvoiceRow, PaymentRow } from './billing-store.ts';
import { addOnFirstCharge, addOnLineText } from './plan-change-rules.ts';
import { planChangeErrors } from './plan-changes-errors.ts';
import { type AddOnRow, makePlanChangesStore } from './plan-changes-store.ts';

export type AddOnResult =
  | { outcome: 'bought'; addOn: AddOnRow; invoice: InvoiceRow; payment: PaymentRow | null }
  | { outcome: 'payment_failed'; failureCode: string; payment: PaymentRow }
  /** Charged through a remote gateway after the commit; bought when the charge settles. */
  | { outcome: 'pending'; payment: PaymentRow };

/**
 * A customer buys an add-on for its subscription (CM-BIL-06).
 *
 * Sold only to card payers where the add-on says so: the subscription must be paid by a saved card. The
 * first charge covers the purchase day through the period's end (`addOnFirstCharge`: ÷ 30 or ÷ 360, capped,
 * rounded down), charged to the card at once with a paid invoice; a decline writes only the failed payment.
 * From the next period the add-on is on the subscription's renewal invoice at its full price, unless it was
 * bought as non-renewing, in which case it ends with the period. Its features and limit increments are in
 * the account's entitlements from now on (the caches are told on commit). Event `add_on.purchased` with the
 * add-on's clause.
 */
export async function buyAddOn(
  deps: BillingDeps,
  input: {
    accountId: string;
    addOn: string;
    renews?: boolean | undefined;
    paymentMethodId?: string | null | undefined;
    actor: string;
  },
): Promise<AddOnResult> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId], true);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const policy = deps.policyOf(life.policyVersionId);
    const addOn = policy.addOns.find((a) => a.code === input.addOn);
    if (!addOn)
      throw new AppError(planChangeErrors['billing.add_on_not_found'], { details: { code: input.addOn } });
    const subscription = await deps.store.liveSubscription(input.accountId, true);
    if (subscription?.status !== 'active' || life.state !== 'active')
      throw new AppError(planChangeErrors['billing.no_subscription']);
    if (
      addOn.cardPaymentOnly &&
      (subscription.paymentMethodId === null || policy.billing.invoiceTiming !== 'after_payment')
    )
      throw new AppError(planChangeErrors['billing.add_on_needs_card'], { details: { code: addOn.code } });
    const store = makePlanChangesStore(deps.db);
    const now = await deps.timeOf(life.clockId);
    const today = localDateOf(now, policy.locale.timeZone);
    const owned = (await store.addOnsOf(input.accountId)).some(
      (a) =>
        a.subscriptionId === subscription.id &&
        a.addOnCode === addOn.code &&
        (a.endsOn === null || a.endsOn >= today),
    );
    if (owned)
      throw new AppError(planChangeErrors['billing.add_on_owned'], { details: { code: addOn.code } });
    const listed = addOn.prices[subscription.frequency]?.[policy.locale.currency];
    const price = listed === undefined ? null : parseMoney(listed, policy.locale.currency);
    if (!price)
      throw new AppError(planChangeErrors['billing.add_on_not_found'], {
        details: { code: `${addOn.code} (${subscription.frequency})` },
      });
    const period = { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo };
    const first = addOnFirstCharge(policy, addOn, {
      price,
      period,
      frequency: subscription.frequency,
      on: today,
    });
    const method = await purchaseCard(deps, input.accountId, {
      paymentMethodId: input.paymentMethodId,
      subscriptionMethodId: subscription.paymentMethodId,
    });
    const [contact] = await deps.accounts.contactsOf([input.accountId]);
    const language = contact?.locale ?? 'pl';
    const billedPeriod = { from: today < period.from ? period.from : today, to: period.to };
    const renews = addOn.renewsWithSubscription && input.renews !== false;
    const effect: AddOnEffect = {
      kind: 'add_on',
      accountId: input.accountId,
      subscriptionId: subscription.id,
      addOn: addOn.code,
      clause: addOn.clause ?? null,
      renews,
      price: { amount: price.amount.toString(), currency: price.currency },
      frequency: subscription.frequency,
      purchasedOn: today,
      endsOn: renews ? null : period.to,
      days: first.days,
      firstCharge: toDecimalString(first.amount),
      actor: input.actor,
    };
    const billed = await billPurchase(deps, {
      policy,
      accountId: input.accountId,
      clockId: life.clockId,
      subscriptionId: subscription.id,
      method,
      items: [{ description: addOnLineText(addOn.name[language], billedPeriod), net: first.amount }],
      period: billedPeriod,
      intent: `addon:${subscription.id}:${addOn.code}:${today}`,
      purpose: 'add_on',
      clause: addOn.clause ?? null,
      frequency: subscription.frequency,
      planCode: subscription.planCode,
      now,
      actor: input.actor,
      effect,
      apply: applyAddOnPurchase,
    });
    if (billed.outcome === 'payment_failed' || billed.outcome === 'pending') return billed;
    return {
      outcome: 'bought',
      addOn: billed.applied,
      invoice: billed.invoice,
      payment: billed.outcome === 'paid' ? billed.payment : null,
    };
  });
}

/** What an add-on purchase records once paid (or invoiced), frozen with its charge. */
export type AddOnEffect = {
  kind: 'add_on';
  accountId: string;
  subscriptionId: string;
  addOn: string;
  clause: string | null;
  renews: boolean;
  price: { amount: string; currency: string };
  frequency: 'monthly' | 'annual';
  purchasedOn: string;
  endsOn: string | null;
  days: number;
  firstCharge: string;
  actor: string;
};

/**
 * The add-on on the subscription from now on (its features and limits in the entitlements; the caches told
 * on commit), with `add_on.purchased`: applied by the purchase's request, or by its charge's settle.
 */
export async function applyAddOnPurchase(
  deps: BillingDeps,
  effect: AddOnEffect,
  paid: PurchasePaid,
): Promise<AddOnRow> {
  const store = makePlanChangesStore(deps.db);
  const price = money(BigInt(effect.price.amount), effect.price.currency);
  const row = await store.insertAddOn({
    id: deps.ids.next('addon'),
    accountId: effect.accountId,
    subscriptionId: effect.subscriptionId,
    addOnCode: effect.addOn,
    renews: effect.renews,
    priceAmount: price.amount,
    priceCurrency: price.currency,
    frequency: effect.frequency,
    purchasedOn: effect.purchasedOn,
    endsOn: effect.endsOn,
    paymentId: paid.payment?.id ?? null,
    invoiceId: paid.invoice.id,
    createdAt: paid.now,
  });
  await deps.eventLog.append([
    {
      chainId: effect.accountId,
      type: 'add_on.purchased',
      clause: effect.clause,
      actor: effect.actor,
      cause: `invoice:${paid.invoice.id}`,
      occurredAt: paid.now,
      data: {
        addOn: effect.addOn,
        subscription: effect.subscriptionId,
        renews: effect.renews,
        days: effect.days,
        firstCharge: effect.firstCharge,
        price: toDecimalString(price),
        currency: price.currency,
        endsOn: row.endsOn,
        invoice: paid.invoice.id,
      },
    },
  ]);
  await deps.lifecycle.announceChanged?.([effect.accountId]);
  return row;
}

export function addOnJson(a: AddOnRow) {
  return {
    id: a.id,
    addOn: a.addOnCode,
    renews: a.renews,
    price: { net: toDecimalString(money(a.priceAmount, a.priceCurrency)), currency: a.priceCurrency },
    frequency: a.frequency,
    purchasedOn: a.purchasedOn,
    endsOn: a.endsOn,
  };
}
