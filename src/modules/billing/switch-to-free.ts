import { and, eq, inArray } from 'drizzle-orm';
import { addDays, type LocalDate, localDateOf, startOfDay } from '../../platform/calendar.ts';
import type { DueItem } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import { money } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import { lifecycleErrors } from '../lifecycle/index.ts';
import { type BillingDeps, RENEW } from './billing-context.ts';
import { paymentMethods } from './billing-schema.ts';
import type { SubscriptionRow } from './billing-store.ts';
import { endSubscription } from './end-subscription.ts';
import { planName } from './issue-invoice.ts';
import { planChangeErrors } from './plan-changes-errors.ts';
import { makePlanChangesStore } from './plan-changes-store.ts';

/** The due item that ends the paid subscription and puts the account on the free plan (ref: subscription). */
export const SWITCH_TO_FREE = 'billing.switch_to_free';

export type SwitchToFreeResult = {
  outcome: 'scheduled';
  direction: 'downgrade';
  subscription: SubscriptionRow;
  /** The first day on the free plan: the day after the paid period. */
  effectiveFrom: LocalDate;
  difference: ReturnType<typeof money>;
  reason: 'end_of_paid_period';
};

/**
 * The customer switches a paying account to the policy's free plan (HT-BIL-02: "przełączyć się na Pakiet
 * bezpłatny, aby zatrzymać przetwarzanie" of the billing data). On the request day, at the account's time:
 * auto-charge stops (the subscription no longer renews, its renewal due item is dropped, plan changes still
 * waiting are cancelled), the recurring consent of every stored card is withdrawn and every stored card of
 * the account is deleted (provider reference, brand, last4 and expiry gone from `payment_methods`; payments
 * keep their own columns). The period already paid runs to its end (the terms take a paid plan's end at the
 * end of the billing period, `termination.customerPaidEffective`); the `billing.switch_to_free` due item
 * then ends the subscription and moves the account to the free plan. Nothing is charged or refunded.
 *
 * Only where the terms offer it (`billing.planChanges.clauses.toFree` set; otherwise 422
 * `billing.plan_change_invalid`, as for any plan outside the price list), for an active account whose paid
 * subscription is active and not already ending with its period.
 *
 * Events (clause `billing.planChanges.clauses.toFree`): `payment_method.deleted` per card,
 * `subscription.free_switch_scheduled`; a mail tells the customer. All of it commits together.
 */
export async function switchToFree(
  deps: BillingDeps,
  input: { accountId: string; plan: string; actor: string },
): Promise<SwitchToFreeResult> {
  return deps.db.transaction(async () => {
    const [life] = await deps.lifecycle.load([input.accountId], true);
    if (!life) throw new AppError(lifecycleErrors.account_not_found, { details: { id: input.accountId } });
    const policy = deps.policyOf(life.policyVersionId);
    const invalid = (problem: string) =>
      new AppError(planChangeErrors['billing.plan_change_invalid'], {
        details: { plan: input.plan, problem },
      });
    const plan = policy.plans.find((p) => p.code === input.plan);
    if (plan?.kind !== 'free' || plan.freePeriodDays)
      throw invalid('it is not a permanent free plan of the price list');
    const clause = policy.billing.planChanges.clauses?.toFree;
    if (!clause) throw invalid('the terms give no switch to the free plan');
    const subscription = await deps.store.liveSubscription(input.accountId, true);
    if (!subscription) throw new AppError(planChangeErrors['billing.no_subscription']);
    if (life.state !== 'active' || subscription.status !== 'active')
      throw invalid(`the account is ${life.state} and its subscription ${subscription.status}`);
    if (subscription.cancelAtPeriodEnd) throw invalid('the subscription already ends with its period');

    const now = await deps.timeOf(life.clockId);
    const effectiveFrom = addDays(subscription.currentPeriodTo, 1);
    const cause = `switch_to_free:${subscription.id}`;

    const planStore = makePlanChangesStore(deps.db);
    const waiting = (await planStore.scheduleOf([subscription.id])).filter((e) => e.status === 'scheduled');
    await planStore.setScheduleStatus(
      waiting.map((e) => e.id),
      'cancelled',
    );
    await deps.dueWork.cancel(input.accountId, RENEW, subscription.id);
    const updated = await deps.store.updateSubscription(subscription.id, {
      cancelAtPeriodEnd: true,
      paymentMethodId: null,
      updatedAt: now,
    });
    await deps.dueWork.schedule([
      {
        accountId: input.accountId,
        kind: SWITCH_TO_FREE,
        ref: subscription.id,
        dueAt: startOfDay(effectiveFrom, policy.locale.timeZone),
        clockId: subscription.clockId,
      },
    ]);
    const deleted = await deleteStoredCards(deps, input.accountId, now, clause, input.actor, cause);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'subscription.free_switch_scheduled',
        clause,
        actor: input.actor,
        cause,
        occurredAt: now,
        data: {
          subscription: subscription.id,
          fromPlan: subscription.planCode,
          toPlan: input.plan,
          requestedOn: localDateOf(now, policy.locale.timeZone),
          paidThrough: subscription.currentPeriodTo,
          effectiveFrom,
          renewalCancelled: true,
          paymentMethodsDeleted: deleted,
          planChangesCancelled: waiting.length,
        },
      },
    ]);
    await tellCustomer(deps, policy, updated, input.plan, effectiveFrom, clause, now);
    return {
      outcome: 'scheduled',
      direction: 'downgrade',
      subscription: updated,
      effectiveFrom,
      difference: money(0n, subscription.priceCurrency),
      reason: 'end_of_paid_period',
    };
  });
}

/** Withdraws the recurring consent of, then deletes, every stored card of the account; returns how many. */
async function deleteStoredCards(
  deps: BillingDeps,
  accountId: string,
  now: Date,
  clause: string | null,
  actor: string,
  cause: string,
): Promise<number> {
  const cards = await deps.store.paymentMethodsOf(accountId);
  if (cards.length === 0) return 0;
  const ids = cards.map((c) => c.id);
  await deps.db.q
    .delete(paymentMethods)
    .where(and(eq(paymentMethods.accountId, accountId), inArray(paymentMethods.id, ids)));
  await deps.eventLog.append(
    cards.map((card) => ({
      chainId: accountId,
      type: 'payment_method.deleted',
      clause,
      actor,
      cause,
      occurredAt: now,
      data: {
        paymentMethod: card.id,
        consentWithdrawn: card.recurringConsentAt !== null && card.consentWithdrawnAt === null,
      },
    })),
  );
  return cards.length;
}

async function tellCustomer(
  deps: BillingDeps,
  policy: Policy,
  subscription: SubscriptionRow,
  freePlan: string,
  effectiveFrom: LocalDate,
  clause: string | null,
  now: Date,
): Promise<void> {
  const [contact] = await deps.accounts.contactsOf([subscription.accountId]);
  if (!contact) return;
  await deps.notifications.send([
    {
      accountId: subscription.accountId,
      recipient: contact.email,
      locale: contact.locale,
      template: 'billing.switched_to_free',
      clause,
      dedupeKey: `billing.switched_to_free:${subscription.id}`,
      occurredAt: now,
      params: {
        planName: planName(policy, freePlan, contact.locale),
        previousPlanName: planName(policy, subscription.planCode, contact.locale),
        paidThrough: subscription.currentPeriodTo,
        effectiveOn: effectiveFrom,
        billingUrl: `${deps.portalUrl}/billing`,
      },
    },
  ]);
}

/**
 * The `billing.switch_to_free` due handler: at the start of the day after the paid period, ends the
 * subscription (no renewal, no charge) and puts the account on the free plan, asked again under lock. An
 * item fired early is moved to its day; a subscription already ended, or an account no longer active (an
 * operator's termination in the meantime), is left alone, so running it twice changes nothing.
 */
export function applySwitchesToFree(deps: BillingDeps): (items: DueItem[]) => Promise<void> {
  return async (items) => {
    for (const item of items) {
      const [life] = await deps.lifecycle.load([item.accountId], true);
      const [subscription] = await deps.store.subscriptionsByIds([item.ref], true);
      if (!life || !subscription || subscription.status === 'ended' || !subscription.cancelAtPeriodEnd)
        continue;
      const policy = deps.policyOf(life.policyVersionId);
      const effectiveFrom = addDays(subscription.currentPeriodTo, 1);
      const dueAt = startOfDay(effectiveFrom, policy.locale.timeZone);
      if (item.firedAt.getTime() < dueAt.getTime()) {
        await deps.dueWork.schedule([
          {
            accountId: item.accountId,
            kind: SWITCH_TO_FREE,
            ref: subscription.id,
            dueAt,
            clockId: item.clockId,
          },
        ]);
        continue;
      }
      const free = policy.plans.find((p) => p.kind === 'free' && !p.freePeriodDays);
      if (!free || life.state !== 'active') continue;
      const clause = policy.billing.planChanges.clauses?.toFree ?? null;
      const cause = `due:${SWITCH_TO_FREE}`;
      await endSubscription(deps, {
        accountId: item.accountId,
        at: item.firedAt,
        because: clause,
        cause,
        actor: 'system',
      });
      await deps.lifecycle.moveToFreePlan({
        accountId: item.accountId,
        planCode: free.code,
        at: item.firedAt,
        because: clause,
        cause,
        actor: 'system',
      });
    }
  };
}
