import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { money, parseMoney, toDecimalString } from '../../platform/money.ts';
import type { EntitlementExtras } from '../lifecycle/index.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import { billPurchase, type PurchasePaid, purchaseCard } from './bill-purchase.ts';
import type { BillingDeps } from './billing-context.ts';
import type { InvoiceRow, PaymentRow } from './billing-store.ts';
import { planChangeErrors } from './plan-changes-errors.ts';
import { type BalanceEntryRow, makePlanChangesStore } from './plan-changes-store.ts';

/** States in which an account may buy a pack: it uses the service (trial, free or paid), not closed or cut off. */
const BUYING_STATES = new Set(['trial', 'trial_ended', 'free', 'active', 'past_due']);

export type PackResult =
  | {
      outcome: 'bought';
      entry: BalanceEntryRow;
      balance: number;
      invoice: InvoiceRow;
      payment: PaymentRow | null;
    }
  | { outcome: 'payment_failed'; failureCode: string; payment: PaymentRow }
  /** Charged through a remote gateway after the commit; credited when the charge settles. */
  | { outcome: 'pending'; payment: PaymentRow };

/**
 * A customer buys a consumable pack (BK-BIL-03 SMS packs, CM-BIL-11 dial-in minutes), separately from its
 * plan: charged and invoiced like any purchase (`billPurchase`: the card at once with a paid invoice, or an
 * invoice with terms), and only then are the pack's units added to the balance, which never expires where
 * the pack says so (BK-BIL-03 A3: still usable in the next year). Packs marked non-refundable are refused by
 * the refund path (BK-BIL-03). Event `balance.topped_up` with the pack's clause; the entitlements caches are
 * told on commit (a balance turning positive switches a feature on, CM-BIL-11).
 */
export async function buyPack(
  deps: BillingDeps,
  input: { accountId: string; pack: string; paymentMethodId?: string | null | undefined; actor: string },
): Promise<PackResult> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId], true);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const policy = deps.policyOf(life.policyVersionId);
    const pack = policy.packs.find((p) => p.code === input.pack);
    if (!pack)
      throw new AppError(planChangeErrors['billing.pack_not_found'], { details: { code: input.pack } });
    if (!BUYING_STATES.has(life.state))
      throw new AppError(planChangeErrors['billing.purchase_not_allowed'], {
        details: { state: life.state },
      });
    const now = await deps.timeOf(life.clockId);
    const today = localDateOf(now, policy.locale.timeZone);
    const subscription = await deps.store.liveSubscription(input.accountId);
    const method =
      policy.billing.invoiceTiming === 'after_payment'
        ? await purchaseCard(deps, input.accountId, {
            paymentMethodId: input.paymentMethodId,
            subscriptionMethodId: subscription?.paymentMethodId,
          })
        : null;
    const [contact] = await deps.accounts.contactsOf([input.accountId]);
    const language = contact?.locale ?? 'pl';
    const price = parseMoney(pack.price.amount, pack.price.currency);
    const earlier = (await makePlanChangesStore(deps.db).balanceEntriesOf(input.accountId)).filter(
      (e) => e.kind === 'pack' && e.packCode === pack.code,
    ).length;
    const effect: PackEffect = {
      kind: 'pack',
      accountId: input.accountId,
      pack: pack.code,
      balance: pack.balance,
      units: pack.quantity,
      clause: pack.clause ?? null,
      price: { amount: price.amount.toString(), currency: price.currency },
      refundable: pack.refundable,
      expiresAfterDays: pack.expiresAfterDays,
      actor: input.actor,
    };
    const billed = await billPurchase(deps, {
      policy,
      accountId: input.accountId,
      clockId: life.clockId,
      subscriptionId: null,
      method,
      items: [{ description: pack.name[language], net: price }],
      period: { from: today, to: today },
      intent: `pack:${input.accountId}:${pack.code}:${earlier + 1}`,
      purpose: 'pack',
      clause: pack.clause ?? null,
      frequency: subscription?.frequency ?? 'monthly',
      planCode: subscription?.planCode ?? life.planCode,
      now,
      actor: input.actor,
      effect,
      apply: applyPackPurchase,
    });
    if (billed.outcome === 'payment_failed' || billed.outcome === 'pending') return billed;
    const payment = billed.outcome === 'paid' ? billed.payment : null;
    return { outcome: 'bought', ...billed.applied, invoice: billed.invoice, payment };
  });
}

/** What a pack purchase credits once paid (or invoiced), frozen with its charge. */
export type PackEffect = {
  kind: 'pack';
  accountId: string;
  pack: string;
  balance: string;
  units: number;
  clause: string | null;
  price: { amount: string; currency: string };
  refundable: boolean;
  expiresAfterDays: number | null;
  actor: string;
};

/**
 * The pack's units added to the balance, with `balance.topped_up` (the caches told on commit): applied by
 * the purchase's request, or by its charge's settle.
 */
export async function applyPackPurchase(
  deps: BillingDeps,
  effect: PackEffect,
  paid: PurchasePaid,
): Promise<{ entry: BalanceEntryRow; balance: number }> {
  const store = makePlanChangesStore(deps.db);
  const balance = await store.topUp(effect.accountId, effect.balance, effect.units, paid.now);
  const entry = await store.insertBalanceEntry({
    id: deps.ids.next('bal'),
    accountId: effect.accountId,
    code: effect.balance,
    kind: 'pack',
    delta: effect.units,
    balanceAfter: balance,
    packCode: effect.pack,
    paymentId: paid.payment?.id ?? null,
    invoiceId: paid.invoice.id,
    idempotencyKey: null,
    createdAt: paid.now,
  });
  await deps.eventLog.append([
    {
      chainId: effect.accountId,
      type: 'balance.topped_up',
      clause: effect.clause,
      actor: effect.actor,
      cause: `invoice:${paid.invoice.id}`,
      occurredAt: paid.now,
      data: {
        pack: effect.pack,
        balance: effect.balance,
        units: effect.units,
        balanceAfter: balance,
        price: toDecimalString(money(BigInt(effect.price.amount), effect.price.currency)),
        currency: effect.price.currency,
        refundable: effect.refundable,
        expiresAfterDays: effect.expiresAfterDays,
        invoice: paid.invoice.id,
      },
    },
  ]);
  await deps.lifecycle.announceChanged?.([effect.accountId]);
  return { entry, balance };
}

/**
 * The operator's product uses `units` of a balance (an SMS sent, CM-BIL-11: minutes of a toll-free call).
 *
 * Needs an idempotency key: the first call with it takes the units in one conditional statement (never below
 * zero: when fewer are left, `billing.balance_insufficient` and nothing changes), records the entry under
 * the key and the event `balance.used`; a repeat of the key returns the first answer and uses nothing.
 * When the balance reaches 0, a feature granted only while it is positive is gone from the entitlements
 * (CM-BIL-11: the toll-free numbers disappear); the caches are told on commit.
 */
export async function useBalance(
  deps: BillingDeps,
  input: { accountId: string; code: string; units: number; idempotencyKey: string; actor: string },
): Promise<{ entry: BalanceEntryRow; balance: number; replayed: boolean }> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId]);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const policy = deps.policyOf(life.policyVersionId);
    const declared = policy.entitlements.balances.find((b) => b.code === input.code);
    if (!declared)
      throw new AppError(planChangeErrors['billing.balance_not_found'], { details: { code: input.code } });
    const store = makePlanChangesStore(deps.db);
    const earlier = await store.balanceEntryByKey(input.accountId, input.idempotencyKey);
    if (earlier) return { entry: earlier, balance: earlier.balanceAfter, replayed: true };
    const now = await deps.timeOf(life.clockId);
    const left = await store.use(input.accountId, input.code, input.units, now);
    if (left === null) {
      const current = (await store.balancesOf(input.accountId))[input.code] ?? 0;
      throw new AppError(planChangeErrors['billing.balance_insufficient'], {
        details: { code: input.code, balance: current, requested: input.units },
      });
    }
    const entry = await store.insertBalanceEntry({
      id: deps.ids.next('bal'),
      accountId: input.accountId,
      code: input.code,
      kind: 'consumption',
      delta: -input.units,
      balanceAfter: left,
      packCode: null,
      paymentId: null,
      invoiceId: null,
      idempotencyKey: input.idempotencyKey,
      createdAt: now,
    });
    const clause = policy.packs.find((p) => p.balance === input.code)?.clause ?? null;
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'balance.used',
        clause,
        actor: input.actor,
        cause: `request:${input.idempotencyKey}`,
        occurredAt: now,
        data: { balance: input.code, units: input.units, balanceAfter: left, entry: entry.id },
      },
    ]);
    // The balance is part of the entitlements (and at 0 a feature may go): caches drop the entry on commit.
    await deps.lifecycle.announceChanged?.([input.accountId]);
    return { entry, balance: left, replayed: false };
  });
}

/**
 * What billing adds to an account's entitlements (CM-BIL-06, CM-BIL-11): the add-ons of its live
 * subscription (a renewing one while the subscription lives, a non-renewing one through its last day) and
 * its balances.
 */
export async function entitlementExtras(
  deps: Pick<BillingDeps, 'db' | 'store'>,
  accountId: string,
): Promise<EntitlementExtras> {
  const store = makePlanChangesStore(deps.db);
  const [subscription, addOns, balances] = await Promise.all([
    deps.store.liveSubscription(accountId),
    store.addOnsOf(accountId),
    store.balancesOf(accountId),
  ]);
  return {
    addOns: subscription
      ? addOns
          .filter((a) => a.subscriptionId === subscription.id)
          .map((a) => ({ code: a.addOnCode, endsOn: a.endsOn }))
      : [],
    balances,
  };
}
