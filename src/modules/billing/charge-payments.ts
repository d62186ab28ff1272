import { and, eq, sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import { type Money, money } from '../../platform/money.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import { paymentCharges, payments, providerEvents } from './billing-schema.ts';
import type { InvoiceRow, PaymentRow, SubscriptionRow } from './billing-store.ts';
import { type ChargeResult, gatewayById, type PaymentProvider } from './payment-provider.ts';

/** A charge's final answer, as a settle function applies it. */
export type ChargeOutcome =
  | { status: 'succeeded'; providerRef: string }
  | { status: 'failed'; providerRef: string | null; failureCode: string };

/** `redirect_renewal`: a period paid by redirect (MOC-BIL-01, `redirect-renewals.ts`). */
export type ChargePurpose = 'order' | 'renewal' | 'purchase' | 'redirect_renewal';

/**
 * Applies a charge's outcome to everything its purpose waits on (an order starts the subscription, a renewal
 * moves the period on, a decline records the failure). It gets the payment row locked and still `pending`,
 * and must begin with `markCharged`. The same function settles the sandbox's immediate answer and a remote
 * gateway's later answer or webhook.
 */
export type ChargeSettler = (
  deps: BillingDeps,
  payment: PaymentRow,
  context: unknown,
  outcome: ChargeOutcome,
) => Promise<void>;
export type ChargeSettlers = Record<ChargePurpose, ChargeSettler>;

/** What a remote gateway is sent, stored with the charge so a re-send is exactly the same request. */
type StoredRequest = {
  methodRef: string;
  amount: string;
  currency: string;
  offSession: boolean;
  on: { year: number; month: number };
  /** A redirect gateway's approval page, kept once the gateway gave it, so a repeated request finds it. */
  redirectUrl?: string;
  /** The redirect gateway's order (PayPal's order id), kept after the payment's reference became the capture's. */
  orderRef?: string;
};

type ChargeRow = typeof paymentCharges.$inferSelect;

const LEASE_MS = 5 * 60_000;
/**
 * How long an on-session charge may wait for the customer's 3-D Secure before it is cancelled at the
 * gateway and settled as declined (`authentication_abandoned`), so an abandoned order does not block the
 * next one forever. A default: the seeds say nothing about it.
 */
const ABANDONED_AFTER_MS = 60 * 60_000;

/** The outcome of an in-process gateway: it never leaves a charge open, so anything but success is a decline. */
export function outcomeInProcess(result: ChargeResult): ChargeOutcome {
  if (result.status === 'succeeded' || result.status === 'failed') return result;
  return { status: 'failed', providerRef: result.providerRef, failureCode: 'authentication_required' };
}

/**
 * Writes a charge's payment as `pending` under its idempotency key (unique: one intent, one charge) and,
 * for a remote gateway, the `payment_charges` row the runner sends it from. Joins the caller's transaction;
 * sends nothing.
 */
export async function openCharge(
  deps: BillingDeps,
  gateway: PaymentProvider,
  input: {
    accountId: string;
    purpose: ChargePurpose;
    subscriptionId: string | null;
    paymentMethodId: string | null;
    idempotencyKey: string;
    amount: Money;
    methodRef: string;
    offSession: boolean;
    on: { year: number; month: number };
    context: unknown;
    at: Date;
    /** False for an attempt already over (a card the gateway refused to take): recorded, never sent. */
    send?: boolean;
  },
): Promise<PaymentRow> {
  const payment = await deps.store.insertPayment({
    id: deps.ids.next('pay'),
    accountId: input.accountId,
    invoiceId: null,
    subscriptionId: input.subscriptionId,
    paymentMethodId: input.paymentMethodId,
    provider: gateway.id,
    providerRef: null,
    idempotencyKey: input.idempotencyKey,
    amount: input.amount.amount,
    currency: input.amount.currency,
    status: 'pending',
    failureCode: null,
    createdAt: input.at,
  });
  if (gateway.remote && input.send !== false) {
    const request: StoredRequest = {
      methodRef: input.methodRef,
      amount: input.amount.amount.toString(),
      currency: input.amount.currency,
      offSession: input.offSession,
      on: input.on,
    };
    await deps.db.q.insert(paymentCharges).values({
      paymentId: payment.id,
      accountId: input.accountId,
      provider: gateway.id,
      purpose: input.purpose,
      request,
      context: input.context,
      status: 'queued',
      nextAttemptAt: await deps.timeOf(null),
      createdAt: await deps.timeOf(null),
    });
  }
  return payment;
}

/** Records the outcome on a pending payment and returns it; null when it was settled before (nothing changes). */
export async function markCharged(
  deps: BillingDeps,
  payment: PaymentRow,
  outcome: ChargeOutcome,
): Promise<PaymentRow | null> {
  const [row] = await deps.db.q
    .update(payments)
    .set({
      status: outcome.status,
      providerRef: outcome.providerRef ?? payment.providerRef,
      failureCode: outcome.status === 'failed' ? outcome.failureCode : null,
    })
    .where(and(eq(payments.id, payment.id), eq(payments.status, 'pending')))
    .returning();
  return row ?? null;
}

async function lockedPayment(deps: BillingDeps, paymentId: string): Promise<PaymentRow | null> {
  const [row] = await deps.db.q.select().from(payments).where(eq(payments.id, paymentId)).for('update');
  return row ?? null;
}

async function chargeOf(deps: BillingDeps, paymentId: string): Promise<ChargeRow | null> {
  const [row] = await deps.db.q.select().from(paymentCharges).where(eq(paymentCharges.paymentId, paymentId));
  return row ?? null;
}

/**
 * Settles a remote charge with its outcome, in one transaction: the purpose's settle function and the charge
 * marked `settled`. Returns false, changing nothing, when the payment is no longer pending (the answer and
 * its webhook both arrive; a webhook is replayed; a late decline follows a success).
 */
export async function settleCharge(
  deps: BillingDeps,
  settlers: ChargeSettlers,
  paymentId: string,
  outcome: ChargeOutcome,
): Promise<boolean> {
  return deps.db.transaction(async () => {
    const payment = await lockedPayment(deps, paymentId);
    if (payment?.status !== 'pending') return false;
    const charge = await chargeOf(deps, paymentId);
    if (!charge) return false;
    await settlers[charge.purpose](deps, payment, charge.context, outcome);
    await deps.db.q
      .update(paymentCharges)
      .set({ status: 'settled', lastError: null })
      .where(eq(paymentCharges.paymentId, paymentId));
    return true;
  });
}

export type ChargeState =
  | { status: 'succeeded' | 'failed'; payment: PaymentRow }
  | {
      status: 'requires_action';
      payment: PaymentRow;
      clientSecret: string | null;
      /** A redirect gateway's page the buyer approves the payment on (MOC-BIL-01). */
      redirectUrl?: string | null;
    }
  | { status: 'pending'; payment: PaymentRow };

async function stateOf(
  deps: BillingDeps,
  paymentId: string,
  clientSecret?: string | null,
): Promise<ChargeState> {
  const [payment] = await deps.db.q.select().from(payments).where(eq(payments.id, paymentId));
  if (!payment)
    throw new AppError(billingErrors['billing.payment_not_found'], { details: { id: paymentId } });
  if (payment.status !== 'pending') return { status: payment.status, payment };
  const charge = await chargeOf(deps, paymentId);
  const redirectUrl = (charge?.request as StoredRequest | undefined)?.redirectUrl ?? null;
  return charge?.status === 'awaiting_customer'
    ? { status: 'requires_action', payment, clientSecret: clientSecret ?? null, redirectUrl }
    : { status: 'pending', payment };
}

/**
 * Sends one claimed charge to its gateway, outside any transaction, under the payment's idempotency key,
 * and settles the answer. A gateway that cannot be reached leaves the charge queued with a backoff; the
 * lease taken by the claim makes a crash anywhere here a re-send of the same request after 5 minutes.
 */
async function send(deps: BillingDeps, settlers: ChargeSettlers, charge: ChargeRow): Promise<ChargeState> {
  if (charge.status === 'awaiting_customer') return abandon(deps, settlers, charge);
  const [payment] = await deps.db.q.select().from(payments).where(eq(payments.id, charge.paymentId));
  if (!payment)
    throw new AppError(billingErrors['billing.payment_not_found'], { details: { id: charge.paymentId } });
  const gateway = gatewayById(deps, charge.provider);
  const request = charge.request as StoredRequest;
  let result: ChargeResult;
  try {
    if (!gateway) throw new Error(`payment gateway ${charge.provider} is not configured`);
    result = await gateway.charge({
      methodRef: request.methodRef,
      amount: money(BigInt(request.amount), request.currency),
      idempotencyKey: payment.idempotencyKey,
      offSession: request.offSession,
      on: request.on,
      reference: payment.id,
    });
  } catch (error) {
    const now = await deps.timeOf(null);
    await deps.db.q
      .update(paymentCharges)
      .set({
        nextAttemptAt: new Date(now.getTime() + 30_000 * 2 ** Math.min(charge.attempts, 10)),
        lastError: String((error as Error)?.message ?? error).slice(0, 2000),
      })
      .where(eq(paymentCharges.paymentId, charge.paymentId));
    return stateOf(deps, charge.paymentId);
  }
  switch (result.status) {
    case 'succeeded':
    case 'failed':
      await settleCharge(deps, settlers, charge.paymentId, result);
      return stateOf(deps, charge.paymentId);
    case 'requires_action':
      if (request.offSession) {
        await settleCharge(deps, settlers, charge.paymentId, outcomeInProcess(result));
        return stateOf(deps, charge.paymentId);
      }
      await deps.db.transaction(async () => {
        await deps.db.q
          .update(payments)
          .set({ providerRef: result.providerRef })
          .where(and(eq(payments.id, charge.paymentId), eq(payments.status, 'pending')));
        const now = await deps.timeOf(null);
        await deps.db.q
          .update(paymentCharges)
          .set({
            status: 'awaiting_customer',
            lastError: null,
            nextAttemptAt: new Date(now.getTime() + ABANDONED_AFTER_MS),
            ...(result.redirectUrl
              ? { request: { ...request, redirectUrl: result.redirectUrl, orderRef: result.providerRef } }
              : {}),
          })
          .where(and(eq(paymentCharges.paymentId, charge.paymentId), eq(paymentCharges.status, 'queued')));
      });
      return stateOf(deps, charge.paymentId, result.clientSecret ?? null);
    case 'processing':
      await deps.db.q
        .update(payments)
        .set({ providerRef: result.providerRef })
        .where(and(eq(payments.id, charge.paymentId), eq(payments.status, 'pending')));
      return stateOf(deps, charge.paymentId);
  }
}

/**
 * A charge the customer never authenticated: cancelled at the gateway (outside any transaction), then settled
 * as declined, or as succeeded if the customer finished just before. A gateway that cannot cancel, or does not
 * answer, is asked again later.
 */
async function abandon(deps: BillingDeps, settlers: ChargeSettlers, charge: ChargeRow): Promise<ChargeState> {
  const [payment] = await deps.db.q.select().from(payments).where(eq(payments.id, charge.paymentId));
  const gateway = gatewayById(deps, charge.provider);
  try {
    if (!payment?.providerRef || !gateway?.cancel)
      throw new Error(`${charge.provider} cannot cancel ${charge.paymentId}`);
    const result = await gateway.cancel(payment.providerRef);
    if (result.status === 'succeeded') await settleCharge(deps, settlers, charge.paymentId, result);
    else if (result.status === 'failed')
      await settleCharge(deps, settlers, charge.paymentId, {
        status: 'failed',
        providerRef: result.providerRef,
        failureCode: result.failureCode === 'canceled' ? 'authentication_abandoned' : result.failureCode,
      });
  } catch (error) {
    const now = await deps.timeOf(null);
    await deps.db.q
      .update(paymentCharges)
      .set({
        nextAttemptAt: new Date(now.getTime() + ABANDONED_AFTER_MS),
        lastError: String((error as Error)?.message ?? error).slice(0, 2000),
      })
      .where(eq(paymentCharges.paymentId, charge.paymentId));
  }
  return stateOf(deps, charge.paymentId);
}

/** Claims charges due at `now` (or the one given), leasing them for 5 minutes, skipping rows others hold. */
async function claim(deps: BillingDeps, now: Date, only: string | null, limit: number): Promise<ChargeRow[]> {
  return deps.db.transaction(async () => {
    const rows = await deps.db.rows<{ payment_id: string }>(sql`
      update payment_charges
      set next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}, attempts = attempts + 1
      where payment_id in (
        select payment_id from payment_charges
        where status in ('queued', 'awaiting_customer') and next_attempt_at <= ${now.toISOString()}
          and (${only}::text is null or payment_id = ${only})
        order by next_attempt_at limit ${limit} for update skip locked)
      returning payment_id`);
    if (rows.length === 0) return [];
    const claimed: ChargeRow[] = [];
    for (const r of rows) {
      const row = await chargeOf(deps, r.payment_id);
      if (row) claimed.push(row);
    }
    return claimed.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  });
}

/**
 * Sends the charge of one payment now, if it waits to be sent (an on-session order right after its
 * transaction committed), and returns the payment's state: settled, waiting for the customer's 3-D Secure
 * (with the client secret the browser needs), or still pending (the gateway did not answer; the runner
 * retries). Never inside a transaction.
 */
export async function sendCharge(
  deps: BillingDeps,
  settlers: ChargeSettlers,
  paymentId: string,
): Promise<ChargeState> {
  if (deps.db.inTransaction()) throw new Error('sendCharge must not run inside a transaction');
  const [charge] = await claim(deps, await deps.timeOf(null), paymentId, 1);
  return charge ? send(deps, settlers, charge) : stateOf(deps, paymentId);
}

/** The charge runner's step: sends every queued charge that is due; returns how many were sent. */
export async function sendDueCharges(
  deps: BillingDeps,
  settlers: ChargeSettlers,
  options: { batchSize?: number } = {},
): Promise<number> {
  if (deps.db.inTransaction()) throw new Error('sendDueCharges must not run inside a transaction');
  const charges = await claim(deps, await deps.timeOf(null), null, options.batchSize ?? 20);
  for (const charge of charges) await send(deps, settlers, charge);
  return charges.length;
}

/**
 * Records a gateway notification as seen; false when it was seen before (a replay), and then the caller
 * changes nothing. Joins the caller's transaction, so a notification that fails to apply is not recorded
 * and the gateway's re-delivery is applied.
 */
export async function firstDelivery(
  deps: BillingDeps,
  event: { provider: string; eventId: string; type: string; paymentId: string | null },
): Promise<boolean> {
  const inserted = await deps.db.q
    .insert(providerEvents)
    .values({ ...event, receivedAt: await deps.timeOf(null) })
    .onConflictDoNothing()
    .returning({ eventId: providerEvents.eventId });
  return inserted.length > 0;
}

/** The payment a remote charge is for, locked; null when there is none. */
export async function paymentForUpdate(deps: BillingDeps, paymentId: string): Promise<PaymentRow | null> {
  return lockedPayment(deps, paymentId);
}

/** The subscription and invoice a settled order payment started, for answering the order request. */
export async function settledOrder(
  deps: BillingDeps,
  accountId: string,
  paymentId: string,
): Promise<{ subscription: SubscriptionRow; invoice: InvoiceRow; payment: PaymentRow } | null> {
  const payment = await deps.store.payment(accountId, paymentId);
  if (!payment?.invoiceId) return null;
  const invoice = await deps.store.invoice(accountId, payment.invoiceId);
  if (!invoice?.subscriptionId) return null;
  const [subscription] = await deps.store.subscriptionsByIds([invoice.subscriptionId]);
  return subscription ? { subscription, invoice, payment } : null;
}
