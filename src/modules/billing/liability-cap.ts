import { type LocalDate, localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { money } from '../../platform/money.ts';
import type { BillingDeps } from './billing-context.ts';
import { liabilityCapErrors } from './liability-cap-errors.ts';
import { type LiabilityCap, liabilityCapAt, type PaidTypePrice } from './liability-cap-rules.ts';
import { listPrice } from './subscription-terms.ts';

/**
 * The liability cap of an account for an event on `eventDate` (default: today on the account's clock),
 * from its payments and refunds, the price list in force on the day the account was created (the policy's
 * prices overridden by announced price changes, CM-BIL-03) and its eligibility (CM-ACC-10): see
 * `liabilityCapAt` (CM-BIL-13, CM-BIL-14, CM-DOC-06). Payments count on their day in the policy's time zone;
 * only new money counts (credit used is money already counted when it was paid). Reads only; changes nothing.
 */
export async function liabilityCapOf(
  deps: BillingDeps,
  input: { accountId: string; eventDate?: LocalDate | undefined; intentional?: boolean | undefined },
): Promise<LiabilityCap & { accountId: string }> {
  const [life] = await deps.lifecycle.load([input.accountId]);
  if (!life)
    throw new AppError(liabilityCapErrors['billing.liability_account_not_found'], {
      details: { id: input.accountId },
    });
  const policy = deps.policyOf(life.policyVersionId);
  if (!policy.liability)
    throw new AppError(liabilityCapErrors['billing.liability_no_cap'], {
      details: { policy: policy.id },
    });
  const tz = policy.locale.timeZone;
  const currency = policy.locale.currency;
  const eventDate = input.eventDate ?? localDateOf(await deps.timeOf(life.clockId), tz);
  const profile = await deps.accounts.profile(input.accountId);
  const accountCreatedOn = localDateOf(profile.createdAt, tz);
  const payments = (await deps.store.paymentsOf(input.accountId))
    .filter((p) => p.status === 'succeeded' && p.provider !== 'credit')
    .map((p) => ({
      id: p.id,
      paidOn: localDateOf(p.createdAt, tz),
      amount: money(p.amount, p.currency),
    }));
  const refunds = (await deps.store.refundsOf(input.accountId)).map((r) => ({
    paymentId: r.paymentId,
    refundedOn: localDateOf(r.createdAt, tz),
    amount: money(r.amount, r.currency),
  }));
  const priceList: PaidTypePrice[] = [];
  for (const plan of policy.plans.filter((p) => p.kind === 'paid')) {
    priceList.push({
      planCode: plan.code,
      monthly: await listPrice(deps, policy, plan.code, 'monthly', accountCreatedOn),
      annual: await listPrice(deps, policy, plan.code, 'annual', accountCreatedOn),
    });
  }
  const cap = liabilityCapAt(
    policy.liability,
    {
      accountCreatedOn,
      eligible: policy.registration.flagSoleTraders && profile.isSoleTrader,
      payments,
      refunds,
      priceListOnCreation: priceList,
      currency,
    },
    eventDate,
    input.intentional ?? false,
  );
  return { accountId: input.accountId, ...cap };
}
