import { and, eq } from 'drizzle-orm';
import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { parseMoney, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import { billPurchase } from './bill-purchase.ts';
import type { BillingDeps } from './billing-context.ts';
import { packOrders } from './billing-schema.ts';
import type { InvoiceRow } from './billing-store.ts';
import { oneOffErrors } from './one-off-payments-errors.ts';
import { buyPack, type PackResult } from './packs.ts';
import { type PaymentLinkRow, payInvoiceByLink } from './pay-invoice-by-link.ts';
import { planChangeErrors } from './plan-changes-errors.ts';
import { makePlanChangesStore } from './plan-changes-store.ts';

const BK_BIL_04 = 'BK-BIL-04';
/** States in which an account may buy a pack (as `buyPack`). */
const BUYING_STATES = new Set(['trial', 'trial_ended', 'free', 'active', 'past_due']);

export type PackOrderRow = typeof packOrders.$inferSelect;

/** The gateway the terms name for one-off payments (BK-BIL-04: tpay), if any. */
export function oneOffProviderOf(policy: Policy): string | null {
  return policy.billing.paymentProviders.find((p) => p.usage.includes('one_off'))?.id ?? null;
}

export type PurchasePackResult =
  | ({ via: 'card' } & PackResult)
  | { via: 'payment_link'; order: PackOrderRow; invoice: InvoiceRow };

/**
 * A customer buys a pack. Where the terms send one-off payments to a gateway's own page (BK-BIL-04: tpay,
 * "payment data are entered only on tpay's transaction page") and that gateway is configured, a purchase
 * without a saved card chosen (`paymentMethodId`) is `buyPackByLink`; otherwise `buyPack` charges the card
 * (BK-BIL-05: the customer's recurring card, where enabled; and an account on a test clock, which uses the
 * sandbox). Card data in the request is refused before anything happens: Klauzula never takes card data
 * for a purchase.
 */
export async function purchasePack(
  deps: BillingDeps,
  input: {
    accountId: string;
    pack: string;
    paymentMethodId?: string | null | undefined;
    cardDataGiven?: boolean | undefined;
    actor: string;
  },
): Promise<PurchasePackResult> {
  const [life] = await deps.lifecycle.load([input.accountId]);
  if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
  const provider = oneOffProviderOf(deps.policyOf(life.policyVersionId));
  if (input.cardDataGiven)
    throw new AppError(oneOffErrors['billing.card_data_not_accepted'], {
      details: { provider: provider ?? 'the card gateway', clause: provider ? BK_BIL_04 : null },
    });
  // An account on a test clock pays through the sandbox only (the gateway's time is not the clock's).
  const byLink =
    provider !== null && deps.payByLink?.id === provider && !input.paymentMethodId && life.clockId === null;
  if (!byLink) return { via: 'card', ...(await buyPack(deps, input)) };
  return { via: 'payment_link', ...(await buyPackByLink(deps, input)) };
}

/**
 * BK-BIL-04: a pack paid on the gateway's page. In one transaction (the caller's, if any) the pack's
 * invoice is issued, open (the account's credit drawn on first, CM-BIL-05), and a pack order
 * `awaiting_payment` records what it buys; after the commit, `packOrderLink` gives the gateway's payment
 * page for the open amount. No card data is taken. The units are credited by `creditPaidPackOrder` when the gateway's notification pays the
 * invoice (at once if credit paid it all). Event `pack_order.created` (BK-BIL-04).
 * Refused, changing nothing: an unknown pack, an account that cannot buy. An invoice paid wholly from
 * credit needs no link (the pack is credited at once).
 */
export async function buyPackByLink(
  deps: BillingDeps,
  input: { accountId: string; pack: string; actor: string },
): Promise<{ order: PackOrderRow; invoice: InvoiceRow }> {
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
    const [contact] = await deps.accounts.contactsOf([input.accountId]);
    const language = contact?.locale ?? 'pl';
    const price = parseMoney(pack.price.amount, pack.price.currency);
    const orderId = deps.ids.next('pko');
    // The invoice is issued open and paid on the gateway's page: billed as with terms, whatever the
    // policy's timing for card purchases (no card is charged here).
    const billed = await billPurchase(deps, {
      policy: { ...policy, billing: { ...policy.billing, invoiceTiming: 'ahead_with_terms' } },
      accountId: input.accountId,
      clockId: life.clockId,
      subscriptionId: null,
      method: null,
      items: [{ description: pack.name[language], net: price }],
      period: { from: today, to: today },
      intent: `pack_order:${orderId}`,
      purpose: 'pack',
      clause: BK_BIL_04,
      frequency: subscription?.frequency ?? 'monthly',
      planCode: subscription?.planCode ?? life.planCode,
      now,
      actor: input.actor,
    });
    if (billed.outcome === 'payment_failed' || billed.outcome === 'pending')
      throw new Error('no card is charged for a pack paid by link');
    const [order] = await deps.db.q
      .insert(packOrders)
      .values({
        id: orderId,
        accountId: input.accountId,
        packCode: pack.code,
        invoiceId: billed.invoice.id,
        provider: oneOffProviderOf(policy) ?? 'tpay',
        status: 'awaiting_payment',
        createdAt: now,
      })
      .returning();
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'pack_order.created',
        clause: BK_BIL_04,
        actor: input.actor,
        cause: `invoice:${billed.invoice.id}`,
        occurredAt: now,
        data: {
          order: orderId,
          pack: pack.code,
          invoice: billed.invoice.id,
          price: toDecimalString(price),
          currency: price.currency,
          provider: order!.provider,
        },
      },
    ]);
    if (billed.invoice.status === 'paid') await creditPaidPackOrder(deps, billed.invoice.id, input.actor);
    return { order: order!, invoice: billed.invoice };
  });
}

/**
 * The gateway's payment page for a pack order's open invoice (BK-BIL-04), asked after the order's commit
 * (`payInvoiceByLink` talks to the gateway outside any transaction and reuses an open link for the same
 * amount, so a retried request makes no second transaction); null when the invoice is already paid.
 */
export async function packOrderLink(
  deps: BillingDeps,
  input: { accountId: string; invoiceId: string; actor: string },
): Promise<PaymentLinkRow | null> {
  const invoice = await deps.store.invoice(input.accountId, input.invoiceId);
  if (!invoice || invoice.status === 'paid') return null;
  const { link } = await payInvoiceByLink(deps, {
    accountId: input.accountId,
    invoiceId: invoice.id,
    actor: input.actor,
  });
  return link;
}

/**
 * Credits the pack of the order whose invoice `invoiceId` is, once that invoice is paid (BK-BIL-04, the
 * pack's clause for the balance): the order moves `awaiting_payment` → `credited` in one conditional
 * statement, so a second call (a replayed notification, a second partial payment) credits nothing. Runs in
 * the caller's transaction. Event `balance.topped_up`. Returns whether it credited.
 */
export async function creditPaidPackOrder(
  deps: BillingDeps,
  invoiceId: string,
  actor: string,
): Promise<boolean> {
  const [pending] = await deps.db.q
    .select()
    .from(packOrders)
    .where(and(eq(packOrders.invoiceId, invoiceId), eq(packOrders.status, 'awaiting_payment')));
  if (!pending) return false;
  const invoice = await deps.store.invoice(pending.accountId, invoiceId, true);
  if (invoice?.status !== 'paid') return false;
  const [life] = await deps.lifecycle.load([pending.accountId]);
  const policy = deps.policyOf(life!.policyVersionId);
  const pack = policy.packs.find((p) => p.code === pending.packCode);
  if (!pack) throw new Error(`pack ${pending.packCode} of order ${pending.id} is not in the policy`);
  const now = await deps.timeOf(life!.clockId);
  const [claimed] = await deps.db.q
    .update(packOrders)
    .set({ status: 'credited', creditedAt: now })
    .where(and(eq(packOrders.id, pending.id), eq(packOrders.status, 'awaiting_payment')))
    .returning();
  if (!claimed) return false;
  const store = makePlanChangesStore(deps.db);
  const balance = await store.topUp(pending.accountId, pack.balance, pack.quantity, now);
  const entry = await store.insertBalanceEntry({
    id: deps.ids.next('bal'),
    accountId: pending.accountId,
    code: pack.balance,
    kind: 'pack',
    delta: pack.quantity,
    balanceAfter: balance,
    packCode: pack.code,
    paymentId: null,
    invoiceId,
    idempotencyKey: null,
    createdAt: now,
  });
  await deps.db.q.update(packOrders).set({ balanceEntryId: entry.id }).where(eq(packOrders.id, pending.id));
  await deps.eventLog.append([
    {
      chainId: pending.accountId,
      type: 'balance.topped_up',
      clause: pack.clause ?? BK_BIL_04,
      actor,
      cause: `invoice:${invoiceId}`,
      occurredAt: now,
      data: {
        pack: pack.code,
        balance: pack.balance,
        units: pack.quantity,
        balanceAfter: balance,
        order: pending.id,
        paidVia: pending.provider,
        refundable: pack.refundable,
        expiresAfterDays: pack.expiresAfterDays,
        invoice: invoiceId,
      },
    },
  ]);
  await deps.lifecycle.announceChanged?.([pending.accountId]);
  return true;
}
