import { localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import type { Money } from '../../platform/money.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import type { PaymentRow } from './billing-store.ts';
import { openCharge, outcomeInProcess } from './charge-payments.ts';
import { decideInvoiceVat, invoiceGross } from './invoice-rules.ts';
import { buyerOf } from './issue-invoice.ts';
import { gatewayFor } from './payment-provider.ts';
import { drawCredit } from './payment-rules.ts';
import { nextPeriod } from './periods.ts';
import { applyRenewalCharge, type RenewalChargeContext } from './renew-subscriptions.ts';
import { renewalKey } from './renewal-rules.ts';
import { renewalLines } from './subscription-terms.ts';
import { vatIdStatusOf } from './vat-id-checks.ts';

/** What charging a resumed period with the customer present came to. */
export type ResumedCharge =
  /** Paid (or covered by credit): the period is renewed, its invoice paid, the account's standing reviewed. */
  | { outcome: 'paid'; payment: PaymentRow | null }
  /** Declined: recorded as the renewal's failed try (its retries and the lifecycle's consequences follow). */
  | { outcome: 'declined'; payment: PaymentRow; failureCode: string }
  /** A remote gateway's charge, opened: send it after the commit (`sendCharge`); 3-D Secure may follow. */
  | { outcome: 'pending'; payment: PaymentRow }
  /** Nothing to charge now: the policy invoices with terms, or credit covers the period (the due renewal settles it). */
  | { outcome: 'not_charged' };

/**
 * Charges the period that a customer's own restore or reactivation resumed (CM-LIF-03, CM-LIF-07,
 * CM-LIF-13), with the customer present: on-session, so it needs no consent to automatic charges and a
 * card asking for 3-D Secure can be authenticated (a remote gateway's charge is opened here and sent after
 * the commit, like an order's: the caller answers 202 with the authentication to do). Call it in the
 * transaction that resumed the renewal (`resumeRenewal`), with the account's state locked.
 *
 * The charge is the renewal's own: the key `renew:<subscription>:<period from>` (`:<n>` after declined
 * tries), the price the renewal would charge (the customer's price schedule, add-ons, VAT, credit first),
 * and its outcome settled by `applyRenewalCharge`, exactly as the sweep settles a renewal: so the due
 * renewal the resume scheduled finds the period renewed (or its attempt recorded) and charges nothing again.
 * The automatic reactivation at the end of a suspension is not this: it stays off-session and needs consent
 * (CM-LIF-07/08). The card is the account's newest (the one the customer just added to pay, typically),
 * else the subscription's. Refused, changing nothing, when there is no card to charge.
 */
export async function chargeResumedPeriod(
  deps: BillingDeps,
  input: { accountId: string; at: Date; cause: string },
): Promise<ResumedCharge> {
  const subscription = await deps.store.liveSubscription(input.accountId, true);
  if (!subscription) return { outcome: 'not_charged' };
  const policy = deps.policyOf(subscription.policyVersionId);
  if (policy.billing.invoiceTiming !== 'after_payment') return { outcome: 'not_charged' };
  // The card the customer saved last (the one just added to pay the restore, typically), else the
  // subscription's.
  const method =
    (await deps.store.paymentMethodsOf(input.accountId))[0] ??
    (subscription.paymentMethodId
      ? await deps.store.paymentMethod(input.accountId, subscription.paymentMethodId)
      : null);
  if (!method) throw new AppError(billingErrors['billing.payment_method_required']);

  const period = nextPeriod(
    { from: subscription.currentPeriodFrom, to: subscription.currentPeriodTo },
    subscription.frequency,
  );
  const tries = await deps.store.paymentsForIntent(
    input.accountId,
    renewalKey(subscription.id, period.from, 1),
  );
  const open = tries.find((p) => p.status === 'pending');
  if (open) throw new AppError(billingErrors['billing.payment_pending'], { details: { payment: open.id } });
  const attempt = tries.filter((p) => p.status === 'failed').length + 1;
  const idempotencyKey = renewalKey(subscription.id, period.from, attempt);

  // The price as the renewal computes it at this moment (see `priceRenewal` in renew-subscriptions.ts).
  const issueDate = localDateOf(input.at, policy.locale.timeZone);
  const profile = await deps.accounts.profile(input.accountId);
  const [contact] = await deps.accounts.contactsOf([input.accountId]);
  const vatIdValid = await vatIdStatusOf(deps.db, input.accountId, profile.taxId, profile.country);
  const { buyer, language } = buyerOf(profile, contact, vatIdValid);
  const vat = decideInvoiceVat(policy, buyer, issueDate, deps.vatRates, language);
  const items = await renewalLines(deps, { policy, subscription, period, language });
  const gross = invoiceGross(items, vat, subscription.priceCurrency);
  const balance = await deps.store.creditBalance(input.accountId, subscription.priceCurrency);
  const { fromCredit, toCharge } = drawCredit(gross, balance);
  // Credit covering the whole period needs no card: the due renewal the resume scheduled settles it.
  if (toCharge.amount === 0n) return { outcome: 'not_charged' };
  const json = (m: Money) => ({ amount: m.amount.toString(), currency: m.currency });
  const context: RenewalChargeContext = {
    subscriptionId: subscription.id,
    period,
    because: policy.billing.clauses.renewal,
    attempt,
    firedAt: input.at.toISOString(),
    dueAt: input.at.toISOString(),
    cause: input.cause,
    pricing: {
      issueDate,
      buyer,
      language,
      vat,
      items: items.map((i) => ({ description: i.description, net: json(i.net) })),
      gross: json(gross),
      fromCredit: json(fromCredit),
      toCharge: json(toCharge),
    },
  };
  const gateway = gatewayFor(deps, subscription.clockId);
  const [year, month] = issueDate.split('-').map(Number) as [number, number];
  const payment = await openCharge(deps, gateway, {
    accountId: input.accountId,
    purpose: 'renewal',
    subscriptionId: subscription.id,
    paymentMethodId: method.id,
    idempotencyKey,
    amount: toCharge,
    methodRef: method.providerRef,
    offSession: false,
    on: { year, month },
    context,
    at: input.at,
  });
  if (gateway.remote) return { outcome: 'pending', payment };
  const outcome = outcomeInProcess(
    await gateway.charge({
      methodRef: method.providerRef,
      amount: toCharge,
      idempotencyKey,
      offSession: false,
      on: { year, month },
      reference: payment.id,
    }),
  );
  await applyRenewalCharge(deps, payment, context, outcome);
  const settled = (await deps.store.paymentsForIntent(input.accountId, idempotencyKey)).find(
    (p) => p.id === payment.id,
  );
  if (outcome.status === 'failed')
    return { outcome: 'declined', payment: settled ?? payment, failureCode: outcome.failureCode };
  return { outcome: 'paid', payment: settled ?? payment };
}
