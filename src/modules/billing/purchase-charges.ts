import { eq } from 'drizzle-orm';
import { type AddOnEffect, applyAddOnPurchase } from './add-ons.ts';
import type { PurchaseChargeContext, PurchaseEffect, PurchasePaid } from './bill-purchase.ts';
import { settlePurchaseCharge } from './bill-purchase.ts';
import type { BillingDeps } from './billing-context.ts';
import { paymentCharges } from './billing-schema.ts';
import type { InvoiceRow, PaymentRow, SubscriptionRow } from './billing-store.ts';
import { applyUpgradePurchase, type UpgradeEffect } from './change-subscription.ts';
import type { ChargeSettler } from './charge-payments.ts';
import { applyPackPurchase, type PackEffect } from './packs.ts';
import { type AddOnRow, type BalanceEntryRow, makePlanChangesStore } from './plan-changes-store.ts';

/** Applies what a purchase bought, by its kind (the settle of a remote gateway's charge). */
async function applyPurchaseEffect(deps: BillingDeps, effect: PurchaseEffect, paid: PurchasePaid) {
  switch (effect.kind) {
    case 'upgrade':
      return applyUpgradePurchase(deps, effect as UpgradeEffect, paid);
    case 'add_on':
      return applyAddOnPurchase(deps, effect as AddOnEffect, paid);
    case 'pack':
      return applyPackPurchase(deps, effect as PackEffect, paid);
  }
}

/**
 * The settle function of the charge purpose `purchase` (upgrades, add-ons, packs): the same for the
 * sandbox's answer, Stripe's answer and Stripe's webhook (`settlePurchaseCharge`).
 */
export const settlePurchase: ChargeSettler = async (deps, payment, context, outcome) => {
  await settlePurchaseCharge(deps, payment, context as PurchaseChargeContext, outcome, applyPurchaseEffect);
};

/** What a settled purchase charge bought, for answering its request (or a replay of it). */
export type SettledPurchase =
  | {
      kind: 'upgrade';
      effect: UpgradeEffect;
      payment: PaymentRow;
      invoice: InvoiceRow;
      subscription: SubscriptionRow;
    }
  | { kind: 'add_on'; payment: PaymentRow; invoice: InvoiceRow; addOn: AddOnRow }
  | { kind: 'pack'; payment: PaymentRow; invoice: InvoiceRow; entry: BalanceEntryRow; balance: number };

export async function settledPurchase(
  deps: BillingDeps,
  accountId: string,
  paymentId: string,
): Promise<SettledPurchase | null> {
  const payment = await deps.store.payment(accountId, paymentId);
  if (payment?.status !== 'succeeded' || !payment.invoiceId) return null;
  const invoice = await deps.store.invoice(accountId, payment.invoiceId);
  const [charge] = await deps.db.q
    .select()
    .from(paymentCharges)
    .where(eq(paymentCharges.paymentId, paymentId));
  if (!invoice || charge?.purpose !== 'purchase') return null;
  const effect = (charge.context as PurchaseChargeContext).effect;
  const store = makePlanChangesStore(deps.db);
  switch (effect?.kind) {
    case 'upgrade': {
      const [subscription] = await deps.store.subscriptionsByIds([(effect as UpgradeEffect).subscriptionId]);
      return subscription
        ? { kind: 'upgrade', effect: effect as UpgradeEffect, payment, invoice, subscription }
        : null;
    }
    case 'add_on': {
      const addOn = (await store.addOnsOf(accountId)).find((a) => a.paymentId === paymentId);
      return addOn ? { kind: 'add_on', payment, invoice, addOn } : null;
    }
    case 'pack': {
      const entry = (await store.balanceEntriesOf(accountId)).find((e) => e.paymentId === paymentId);
      if (!entry) return null;
      const balance = (await store.balancesOf(accountId))[entry.code] ?? 0;
      return { kind: 'pack', payment, invoice, entry, balance };
    }
    default:
      return null;
  }
}
