import { AppError } from '../../platform/errors.ts';
import type { BillingDeps } from './billing-context.ts';
import { billingErrors } from './billing-errors.ts';
import type { PaymentMethodRow } from './billing-store.ts';

/**
 * Withdraws the consent to automatic charges of a saved card, at the account's time, at once: every later
 * renewal finds no consent and charges nothing, while the period already paid runs to its end (CM-BIL-02;
 * BK-BIL-05: the next payment is then manual).
 *
 * Guarantees: the withdrawal and its `payment_method.consent_withdrawn` event commit together; withdrawing
 * a consent never given or already withdrawn changes nothing and records nothing. Leaves to the caller: who
 * may do this.
 */
export async function withdrawRecurringConsent(
  deps: BillingDeps,
  input: { accountId: string; paymentMethodId: string; actor: string },
): Promise<PaymentMethodRow> {
  return deps.db.transaction(async () => {
    const method = await deps.store.paymentMethod(input.accountId, input.paymentMethodId, true);
    if (!method)
      throw new AppError(billingErrors['billing.payment_method_not_found'], {
        details: { id: input.paymentMethodId },
      });
    if (method.recurringConsentAt === null || method.consentWithdrawnAt !== null) return method;
    const life = await deps.lifecycle.get(input.accountId);
    const now = await deps.timeOf(life.clockId);
    await deps.store.withdrawConsent(method.id, now);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'payment_method.consent_withdrawn',
        clause: deps.policyOf(life.policyVersionId).billing.clauses.recurringConsent,
        actor: input.actor,
        occurredAt: now,
        data: { paymentMethod: method.id },
      },
    ]);
    return { ...method, consentWithdrawnAt: now };
  });
}
