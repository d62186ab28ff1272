import { addDays, localDateOf } from '../../platform/calendar.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import { addOnJson } from './add-ons.ts';
import type { BillingDeps } from './billing-context.ts';
import type { SubscriptionRow } from './billing-store.ts';
import { makePlanChangesStore } from './plan-changes-store.ts';
import { noticeJson } from './price-changes.ts';
import { termsAt } from './subscription-terms.ts';

/**
 * What the billing tab ("Rozliczenia", BK-BIL-06) shows beyond the plan and invoices: the price in force
 * today and for the next period (from the customer's price schedule), plan changes waiting for their day,
 * add-ons, balances of consumable packs, price-change notices, and where to upgrade, downgrade, buy an
 * add-on or a pack.
 */
export async function planChangesOverview(
  deps: Pick<BillingDeps, 'db'>,
  policy: Policy,
  accountId: string,
  subscription: SubscriptionRow | null,
  now: Date,
) {
  const store = makePlanChangesStore(deps.db);
  const today = localDateOf(now, policy.locale.timeZone);
  const live = subscription && subscription.status !== 'ended' ? subscription : null;
  const [schedule, addOns, balances, notices] = await Promise.all([
    live ? store.scheduleOf([live.id]) : Promise.resolve([]),
    store.addOnsOf(accountId),
    store.balancesOf(accountId),
    store.noticesOf(accountId),
  ]);
  const priceJson = (t: { planCode: string; price: ReturnType<typeof money> }) => ({
    plan: t.planCode,
    net: toDecimalString(t.price),
    currency: t.price.currency,
  });
  const current = live ? termsAt(live, schedule, today) : null;
  const next = live ? termsAt(live, schedule, addDays(live.currentPeriodTo, 1)) : null;
  return {
    price: current && { net: toDecimalString(current.price), currency: current.price.currency },
    nextPeriod: live && next && { from: addDays(live.currentPeriodTo, 1), ...priceJson(next) },
    scheduledChanges: schedule
      .filter((e) => e.status === 'scheduled')
      .map((e) => ({
        kind: e.kind,
        effectiveFrom: e.effectiveFrom,
        plan: e.planCode,
        net: toDecimalString(money(e.priceAmount, e.priceCurrency)),
        currency: e.priceCurrency,
      })),
    addOns: live
      ? addOns
          .filter((a) => a.subscriptionId === live.id && (a.endsOn === null || a.endsOn >= today))
          .map(addOnJson)
      : [],
    balances: Object.fromEntries(policy.entitlements.balances.map((b) => [b.code, balances[b.code] ?? 0])),
    priceChangeNotices: notices.map(noticeJson),
    actions: {
      changePlan: live ? `/v1/accounts/${accountId}/subscription/plan-change` : null,
      buyAddOn: live && policy.addOns.length > 0 ? `/v1/accounts/${accountId}/add-ons` : null,
      buyPack: policy.packs.length > 0 ? `/v1/accounts/${accountId}/packs` : null,
      plans: policy.plans
        .filter((p) => p.kind === 'paid' && p.code !== (current?.planCode ?? subscription?.planCode))
        .map((p) => p.code),
      addOnCodes: policy.addOns.map((a) => a.code),
      packCodes: policy.packs.map((p) => p.code),
    },
  };
}
