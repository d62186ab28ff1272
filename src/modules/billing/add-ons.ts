import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { money, parseMoney, toDecimalString } from '../../platform/money.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import { billPurchase, purchaseCard } from './bill-purchase.ts';
import type { BillingDeps } from './billing-context.ts';
import type { InvoiceRow, PaymentRow } from './billing-store.ts';
import { addOnFirstCharge, addOnLineText } from './plan-change-rules.ts';
import { planChangeErrors } from './plan-changes-errors.ts';
import { type AddOnRow, makePlanChangesStore } from './plan-changes-store.ts';

export type AddOnResult =
  | { outcome: 'bought'; addOn: AddOnRow; invoice: InvoiceRow; payment: PaymentRow | null }
  | { outcome: 'payment_failed'; failureCode: string; payment: PaymentRow };

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
    });
    if (billed.outcome === 'payment_failed') return billed;
    const renews = addOn.renewsWithSubscription && input.renews !== false;
    const row = await store.insertAddOn({
      id: deps.ids.next('addon'),
      accountId: input.accountId,
      subscriptionId: subscription.id,
      addOnCode: addOn.code,
      renews,
      priceAmount: price.amount,
      priceCurrency: price.currency,
      frequency: subscription.frequency,
      purchasedOn: today,
      endsOn: renews ? null : period.to,
      paymentId: billed.outcome === 'paid' ? (billed.payment?.id ?? null) : null,
      invoiceId: billed.invoice.id,
      createdAt: now,
    });
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'add_on.purchased',
        clause: addOn.clause ?? null,
        actor: input.actor,
        cause: `invoice:${billed.invoice.id}`,
        occurredAt: now,
        data: {
          addOn: addOn.code,
          subscription: subscription.id,
          renews,
          days: first.days,
          firstCharge: toDecimalString(first.amount),
          price: toDecimalString(price),
          currency: price.currency,
          endsOn: row.endsOn,
          invoice: billed.invoice.id,
        },
      },
    ]);
    await deps.lifecycle.announceChanged?.([input.accountId]);
    return {
      outcome: 'bought',
      addOn: row,
      invoice: billed.invoice,
      payment: billed.outcome === 'paid' ? billed.payment : null,
    };
  });
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
