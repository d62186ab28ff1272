import { sql } from 'drizzle-orm';
import { addDays, type LocalDate, localDateOf, startOfDay } from '../../platform/calendar.ts';
import { textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueItem, DueWork } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import { type IdGenerator, randomToken, sha256Hex } from '../../platform/ids.ts';
import type { Policy } from '../../policy/index.ts';
import type { NotificationRequest, Notifications } from '../notifications/index.ts';
import { decideCancellation, decideRestore, decideSuspension, endedStates } from './contract-rules.ts';
import type { Discontinuation } from './discontinuation-rules.ts';
import type { AccountContact, Lifecycle, LifeRow, TransitionDecision } from './lifecycle.ts';
import { lifecycleErrors } from './lifecycle-errors.ts';
import type { AccountState } from './lifecycle-schema.ts';
import {
  decideStanding,
  type LadderStep,
  mayTerminateForNonPayment,
  type PaymentStanding,
  unpaidAnchorOf,
} from './standing-rules.ts';

/** The non-payment rules' next look at an account (the ladder's next step, an expiry window's end). */
export const STANDING_CHECK = 'lifecycle.standing';
/** A scheduled suspension starts (CM-LIF-05). */
export const SUSPENSION_START = 'lifecycle.suspension_start';
/** A suspension's last allowed day: reactivated with a charge (CM-LIF-07). */
export const SUSPENSION_END = 'lifecycle.suspension_end';
/** A cancellation takes effect at the end of its period (CM-LIF-09, QU-LIF-05, BK-LIF-05). */
export const CONTRACT_END = 'lifecycle.contract_end';
/** The day a discontinued feature leaves an account's entitlements (QU-LIF-10); `ref` is the discontinuation. */
export const FEATURE_DISCONTINUED = 'lifecycle.feature_discontinued';

/** What lifecycle reads from and asks of billing (billing's `makeBillingControl`, given at wiring time). */
export type RenewalControl = {
  paymentStandingOf(accountIds: readonly string[]): Promise<PaymentStanding[]>;
  stopRenewal(accountId: string, at: Date): Promise<boolean>;
  continueRenewal(accountId: string, at: Date): Promise<boolean>;
  endSubscription(accountId: string, at: Date): Promise<boolean>;
  resumeRenewal(accountId: string, from: LocalDate, at: Date): Promise<boolean>;
  /**
   * Charges the resumed period with the customer present (on-session: no recurring consent needed, 3-D
   * Secure possible). Given by billing; without it a customer's restore waits for the due renewal.
   */
  chargeResumedPeriod?(input: { accountId: string; at: Date; cause: string }): Promise<PresentCharge>;
  /** Sends a remote gateway's charge opened by `chargeResumedPeriod`, after the commit. */
  sendCharge?(paymentId: string): Promise<{
    status: 'succeeded' | 'failed' | 'requires_action' | 'pending';
    payment: { id: string; failureCode: string | null };
    clientSecret?: string | null;
  }>;
};

/** The outcome of charging a resumed period with the customer present (see `RenewalControl`). */
export type PresentCharge =
  | { outcome: 'paid'; payment: { id: string } | null }
  | { outcome: 'declined'; payment: { id: string }; failureCode: string }
  | { outcome: 'pending'; payment: { id: string } }
  | { outcome: 'not_charged' };

/** Whether the request was made by the customer signed in (a user session), who is there to pay. */
function isCustomerPresent(actor: string): boolean {
  return actor.startsWith('user:');
}

export type CancellationRow = {
  id: string;
  accountId: string;
  channel: 'self_service' | 'support_request';
  requestedAt: Date;
  effectiveAt: Date;
  confirmationMessageId: string | null;
  status: 'scheduled' | 'effective' | 'revoked';
  actor: string;
  createdAt: Date;
};

export type SuspensionRow = {
  id: string;
  accountId: string;
  requestedAt: Date;
  startsOn: LocalDate;
  reactivateOn: LocalDate;
  status: 'scheduled' | 'active' | 'reactivating' | 'reactivated' | 'expired' | 'cancelled';
  endedAt: Date | null;
  actor: string;
};

export type RestoreRequestRow = {
  id: string;
  accountId: string;
  fromState: string;
  requestedAt: Date;
  status: 'pending_review' | 'awaiting_payment' | 'restored' | 'refused' | 'lapsed';
  decidedAt: Date | null;
  decidedBy: string | null;
  reason: string | null;
  agreementRef: string | null;
  actor: string;
};

export type AccountLife = ReturnType<typeof makeAccountLife>;

/**
 * The customer- and billing-driven life of an account after its start: non-payment (restriction, block,
 * expiry, soft and hard delete), suspension, cancellation and the contract's end, restoration and deletion.
 * Every change goes through lifecycle's `applyTransitions` (one event with its clause, one notice from its
 * template); every deadline is a due item handled set-based.
 */
export function makeAccountLife(deps: {
  db: Database;
  eventLog: EventLog;
  dueWork: DueWork;
  notifications: Notifications;
  ids: IdGenerator;
  policyOf: (versionId: string) => Policy;
  contactsOf: (accountIds: readonly string[]) => Promise<AccountContact[]>;
  timeOf: (clockId: string | null) => Promise<Date>;
  lifecycle: Pick<Lifecycle, 'load' | 'get' | 'applyTransitions' | 'onLifeFacts' | 'announceChanged'>;
  /** Billing's side, bound after billing is built. */
  billing: () => RenewalControl;
  /** The outbox row of a message: a cancellation is complete only once its confirmation is sent (CM-LIF-11). */
  messageStatus: (
    id: string,
  ) => Promise<{ status: string; sentAt: Date | null; providerMessageId: string | null } | null>;
  portalUrl: string;
  /** The policy new contracts are made under: its notice period and features for a discontinuation. */
  current?: () => { policy: Policy; versionId: string };
  /**
   * Ends every way into the account (its users' sessions; CM-SEC-06) once its contract has ended; bound to
   * the accounts module at wiring time. Runs in the transaction that ended the contract.
   */
  revokeAccess?: (list: { accountId: string; clause: string | null; cause: string }[]) => Promise<void>;
}) {
  const { db, eventLog, dueWork, notifications, ids, policyOf, lifecycle } = deps;
  const billingUrl = `${deps.portalUrl}/billing`;
  const restoreUrl = `${deps.portalUrl}/restore`;
  const exportUrl = `${deps.portalUrl}/export`;

  async function lockedLife(accountId: string): Promise<{ row: LifeRow; policy: Policy; now: Date }> {
    const [row] = await lifecycle.load([accountId], true);
    if (!row) throw new AppError(lifecycleErrors.account_not_found, { details: { id: accountId } });
    return { row, policy: policyOf(row.policyVersionId), now: await deps.timeOf(row.clockId) };
  }

  async function standingOf(accountIds: readonly string[]): Promise<Map<string, PaymentStanding>> {
    return new Map((await deps.billing().paymentStandingOf(accountIds)).map((s) => [s.accountId, s]));
  }

  // ---------------------------------------------------------------------------------------------------
  // Non-payment

  /**
   * Re-decides the non-payment rules for these accounts at their times, from billing's facts read now: a
   * payment lifts what non-payment caused (QU-LIF-01, BK-LIF-01, CM-LIF-03), a declined or missing renewal
   * starts the ladder (CM-LIF-02, BK-LIF-01), a reactivation or restoration charge that went through makes the
   * account active (CM-LIF-07, CM-LIF-13) and one that failed expires it (CM-LIF-08). The next look is
   * scheduled at the ladder's next step. Billing calls this after a renewal batch and a payment; it joins
   * the caller's transaction. Running it twice for the same facts changes nothing the second time.
   */
  async function reviewStanding(
    list: readonly { accountId: string; at: Date; dueAt?: Date }[],
    cause: string,
  ): Promise<void> {
    if (list.length === 0) return;
    const accountIds = [...new Set(list.map((l) => l.accountId))];
    const standings = await standingOf(accountIds);
    const reactivating = new Map(
      (await suspensionsOf(accountIds, ['reactivating'])).map((s) => [s.accountId, s]),
    );
    const awaiting = new Map(
      (await restoreRequestsOf(accountIds, ['awaiting_payment'])).map((r) => [r.accountId, r]),
    );
    const rechecks = new Map<string, Date | null>();
    const markers = new Map<string, { steps: LadderStep[]; anchor: LocalDate; dueAt: Date | undefined }>();
    const dueAtOf = new Map(list.map((l) => [l.accountId, l.dueAt]));
    const changed = await lifecycle.applyTransitions(
      list.map((l) => ({ accountId: l.accountId, kind: 'standing', firedAt: l.at })),
      (policy, row, now) => {
        const s = standings.get(row.accountId);
        const anchor = unpaidAnchorOf(policy, s);
        const today = localDateOf(now, policy.locale.timeZone);
        const paidUp =
          anchor === null && !!s?.hasLiveSubscription && !!s.paidThrough && s.paidThrough >= today;
        if (row.state === 'suspended' && reactivating.has(row.accountId) && paidUp && policy.suspension)
          return active(row, policy.suspension.clauses.reactivation, cause);
        const restoring = awaiting.get(row.accountId);
        if (restoring && paidUp && ['expired', 'liquidated', 'terminated'].includes(row.state))
          return {
            ...active(
              row,
              row.state === 'expired' ? policy.restore.clauses.expired : policy.restore.clauses.liquidated,
              cause,
            ),
            data: { restoreRequest: restoring.id },
          };
        if (row.state === 'suspended' && !reactivating.has(row.accountId)) return null;
        const d = decideStanding(policy, row, anchor, now);
        rechecks.set(row.accountId, d.recheckAt);
        if (anchor && d.markers.length > 0)
          markers.set(row.accountId, { steps: d.markers, anchor, dueAt: dueAtOf.get(row.accountId) });
        if (!d.to) return null;
        return {
          to: d.to,
          planCode: row.planCode,
          because: d.because,
          cause,
          unpaidAnchor: d.unpaidAnchor,
          restorableUntil: d.restorableUntil,
        };
      },
      ({ policy, row, next, at, to }) => standingNotice(policy, row, next, at, to),
    );
    const byId = new Map(changed.map((r) => [r.accountId, r]));
    // Suspensions and restorations that the payment (or its failure) settled.
    for (const [accountId, s] of reactivating) {
      const now = byId.get(accountId);
      if (!now) continue;
      const status = now.state === 'active' ? 'reactivated' : 'expired';
      await db.q.execute(sql`
        update account_suspensions set status = ${status}, ended_at = ${now.stateSince.toISOString()}
        where id = ${s.id}`);
    }
    for (const [accountId, r] of awaiting) {
      const now = byId.get(accountId);
      if (now?.state !== 'active') continue;
      await db.q.execute(sql`update restore_requests set status = 'restored', decided_at = ${now.stateSince.toISOString()}
        where id = ${r.id}`);
    }
    // The next look: the ladder's next step, or the end of an expired account's window.
    const rows = new Map((await lifecycle.load(accountIds)).map((r) => [r.accountId, r]));
    for (const accountId of accountIds) {
      const row = rows.get(accountId);
      if (!row) continue;
      let recheck = rechecks.get(accountId) ?? null;
      const changedRow = byId.get(accountId);
      if (changedRow) {
        const policy = policyOf(row.policyVersionId);
        const d = decideStanding(
          policy,
          row,
          unpaidAnchorOf(policy, standings.get(accountId)),
          changedRow.stateSince,
        );
        recheck = d.recheckAt;
      }
      if (recheck)
        await dueWork.schedule([{ accountId, kind: STANDING_CHECK, dueAt: recheck, clockId: row.clockId }]);
      else await dueWork.cancel(accountId, STANDING_CHECK);
    }
    await applyMarkers(rows, markers, cause);
  }

  function active(row: LifeRow, because: string | null, cause: string): TransitionDecision {
    return {
      to: 'active',
      planCode: row.planCode,
      because,
      cause,
      unpaidAnchor: null,
      restorableUntil: null,
    };
  }

  function standingNotice(
    policy: Policy,
    row: LifeRow,
    next: LifeRow,
    at: Date,
    to: AccountState,
  ): (Pick<NotificationRequest, 'template' | 'params'> & { dedupeKey?: string }) | null {
    const tz = policy.locale.timeZone;
    const key = (template: string) => `${template}:${row.accountId}:${at.toISOString()}`;
    const unpaidSince = next.unpaidAnchor ?? row.unpaidAnchor ?? localDateOf(at, tz);
    switch (to) {
      case 'restricted':
        return {
          template: 'lifecycle.unpaid_restricted',
          params: { unpaidSince, billingUrl },
          dedupeKey: key('r'),
        };
      case 'blocked':
        return {
          template: 'lifecycle.unpaid_blocked',
          params: { unpaidSince, billingUrl },
          dedupeKey: key('b'),
        };
      case 'expired':
        return {
          template: 'lifecycle.unpaid_expired',
          params: {
            paidThrough: unpaidSince,
            restoreBy: lastDayBefore(next.restorableUntil ?? at, tz),
            restoreUrl,
          },
          dedupeKey: key('e'),
        };
      case 'deleted': {
        const hard = policy.dunning.hardDeleteAfterOverdueDays;
        return {
          template: 'lifecycle.unpaid_soft_deleted',
          params: {
            unpaidSince,
            purgeOn: hard === null ? '—' : addDays(unpaidSince, hard + 1),
          },
          dedupeKey: key('d'),
        };
      }
      case 'purged':
        return {
          template: 'lifecycle.account_purged',
          params: { purgedOn: localDateOf(at, tz) },
          dedupeKey: `lifecycle.account_purged:${row.accountId}`,
        };
      case 'active':
        return row.state === 'suspended'
          ? {
              template: 'lifecycle.reactivated',
              params: { reactivatedOn: localDateOf(at, tz) },
              dedupeKey: key('a'),
            }
          : {
              template: 'lifecycle.access_restored',
              params: { restoredOn: localDateOf(at, tz) },
              dedupeKey: key('a'),
            };
      default:
        return null;
    }
  }

  /**
   * BK-LIF-02 (A5): the warning at least 7 days before the provider may delete, and the record that it now
   * may. Each is acted on by the due item that falls exactly on its time, so a later review never repeats it.
   */
  async function applyMarkers(
    rows: Map<string, LifeRow>,
    markers: Map<string, { steps: LadderStep[]; anchor: LocalDate; dueAt: Date | undefined }>,
    cause: string,
  ): Promise<void> {
    const contacts = new Map((await deps.contactsOf([...markers.keys()])).map((c) => [c.accountId, c]));
    for (const [accountId, m] of markers) {
      const row = rows.get(accountId);
      if (!row || !m.dueAt) continue;
      const policy = policyOf(row.policyVersionId);
      for (const step of m.steps) {
        if (step.at.getTime() !== m.dueAt.getTime()) continue;
        if (step.kind === 'unpaid_warning') {
          const may = m.steps.find((s) => s.kind === 'may_terminate')?.at ?? mayAt(policy, m.anchor);
          const contact = contacts.get(accountId);
          const ids = contact
            ? await notifications.send([
                {
                  accountId,
                  recipient: contact.email,
                  locale: contact.locale,
                  template: 'lifecycle.unpaid_deletion_warning',
                  clause: step.because,
                  dedupeKey: `lifecycle.unpaid_deletion_warning:${accountId}:${m.anchor}`,
                  occurredAt: step.at,
                  params: {
                    deletableFrom: localDateOf(may, policy.locale.timeZone),
                    exportUrl,
                    billingUrl,
                  },
                },
              ])
            : [];
          await eventLog.append([
            {
              chainId: accountId,
              type: 'account.deletion_warning_sent',
              clause: step.because,
              actor: 'system',
              cause,
              occurredAt: step.at,
              data: { unpaidSince: m.anchor, deletableFrom: may.toISOString(), message: ids[0] ?? null },
            },
          ]);
        } else if (step.kind === 'may_terminate') {
          await eventLog.append([
            {
              chainId: accountId,
              type: 'account.termination_allowed',
              clause: step.because,
              actor: 'system',
              cause,
              occurredAt: step.at,
              data: { unpaidSince: m.anchor, automatic: policy.dunning.unpaidDeleteAutomatic },
            },
          ]);
          if (policy.dunning.unpaidDeleteAutomatic)
            await endNow(accountId, 'system', cause, step.because, step.at, 'purged');
        }
      }
    }
  }

  function mayAt(policy: Policy, anchor: LocalDate): Date {
    return startOfDay(
      addDays(anchor, (policy.dunning.unpaidDeleteAfterDays ?? 0) + 1),
      policy.locale.timeZone,
    );
  }

  dueWork.register({
    kind: STANDING_CHECK,
    handle: (items: DueItem[]) =>
      reviewStanding(
        items.map((i) => ({ accountId: i.accountId, at: i.firedAt, dueAt: i.dueAt })),
        `due:${STANDING_CHECK}`,
      ),
  });

  /**
   * BK-LIF-02: the operator terminates and deletes an account unpaid for more than 30 days after its paid
   * period, only from that day and only if the warning went out at least 7 days before (A5). Refused
   * otherwise, with the reason and the first day it would be allowed.
   */
  async function terminateForNonPayment(input: { accountId: string; actor: string }): Promise<LifeRow> {
    return db.transaction(async () => {
      const { row, policy, now } = await lockedLife(input.accountId);
      if (endedStates.has(row.state))
        throw new AppError(lifecycleErrors.already_ended, { details: { state: row.state } });
      const anchor = unpaidAnchorOf(policy, (await standingOf([input.accountId])).get(input.accountId));
      const [warning] = anchor
        ? await db.rows<{ occurred_at: Date | string }>(sql`
            select occurred_at from outbox
            where dedupe_key = ${`lifecycle.unpaid_deletion_warning:${input.accountId}:${anchor}`}`)
        : [];
      const d = mayTerminateForNonPayment(
        policy,
        anchor,
        warning ? new Date(warning.occurred_at) : null,
        now,
      );
      if (!d.allowed)
        throw new AppError(lifecycleErrors.termination_not_allowed, {
          details: { reason: d.reason, from: d.from?.toISOString() ?? null },
        });
      const to = policy.termination.customerEndDeletesAccount ? 'purged' : 'terminated';
      return endNow(input.accountId, input.actor, `request:${input.actor}`, d.because, now, to);
    });
  }

  /** Ends the contract at once: no more renewals, the state `to`, its event and notice. */
  async function endNow(
    accountId: string,
    actor: string,
    cause: string,
    because: string | null,
    at: Date,
    to: AccountState,
    data?: Record<string, string | number | boolean | null>,
  ): Promise<LifeRow> {
    await deps.billing().endSubscription(accountId, at);
    await cancelSuspensions([accountId], at);
    await dueWork.cancel(accountId, STANDING_CHECK);
    const [changed] = await lifecycle.applyTransitions(
      [{ accountId, kind: 'request', firedAt: at }],
      (_policy, row) =>
        endedStates.has(row.state) && row.state !== 'liquidated' && row.state !== 'terminated'
          ? null
          : { to, planCode: row.planCode, because, cause, actor, ...(data ? { data } : {}) },
      ({ policy, next, at: when, row }) => endNotice(policy, row, next, when),
    );
    return changed ?? (await lifecycle.get(accountId));
  }

  function endNotice(
    policy: Policy,
    row: LifeRow,
    next: LifeRow,
    at: Date,
  ): Pick<NotificationRequest, 'template' | 'params'> & { dedupeKey?: string } {
    const tz = policy.locale.timeZone;
    const endedOn = lastDayBefore(at, tz);
    switch (next.state) {
      case 'purged':
        return {
          template: 'lifecycle.account_deleted',
          params: { deletedOn: localDateOf(at, tz) },
          dedupeKey: `lifecycle.account_deleted:${row.accountId}`,
        };
      case 'liquidated':
        return {
          template: 'lifecycle.liquidated',
          params: { endedOn, restoreBy: lastDayBefore(next.restorableUntil ?? at, tz), restoreUrl },
          dedupeKey: `lifecycle.liquidated:${row.accountId}:${at.toISOString()}`,
        };
      default:
        return {
          template: 'lifecycle.contract_ended',
          params: { endedOn },
          dedupeKey: `lifecycle.contract_ended:${row.accountId}`,
        };
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Cancellation

  /**
   * A customer's cancellation (termination by notice), delivered now through the product's flow or, by
   * support (CM-LIF-10), as of the first message of the request (`requestedAt`, not later than now).
   *
   * Guarantees, in one transaction: no renewal is charged after it (the subscription stops with its period,
   * or ends now when the contract ends on delivery); a scheduled suspension is cancelled (no reactivation
   * charge); the contract's end is the one `decideCancellation` gives (CM-LIF-09, QU-LIF-05, QU-LIF-07,
   * BK-LIF-05) — at once, or by the `lifecycle.contract_end` due item; the event
   * `account.cancellation_requested` with its clause; the confirmation mail in the outbox, whose message id
   * is kept: the cancellation is complete only once that mail is sent (CM-LIF-11, `cancellationOf`).
   * Invoices already issued stay open and their dunning goes on (CM-BIL-12). A second cancellation while
   * one is scheduled returns the first.
   */
  async function cancel(input: {
    accountId: string;
    actor: string;
    channel: 'self_service' | 'support_request';
    requestedAt?: Date;
  }): Promise<CancellationRow> {
    return db.transaction(async () => {
      const { row, policy, now } = await lockedLife(input.accountId);
      const [pending] = await cancellationsOf(input.accountId, ['scheduled']);
      if (pending) return pending;
      if (input.requestedAt && input.requestedAt.getTime() > now.getTime())
        throw new AppError(lifecycleErrors.invalid_request_time, { details: { now: now.toISOString() } });
      const deliveredAt = input.requestedAt ?? now;
      const standing = (await standingOf([input.accountId])).get(input.accountId);
      const d = decideCancellation(policy, { state: row.state, standing }, deliveredAt);
      if (!d.ok) throw new AppError(lifecycleErrors.already_ended, { details: { state: row.state } });
      const because =
        input.channel === 'support_request'
          ? (policy.termination.clauses.supportRequest ?? d.because)
          : d.because;
      const id = ids.next('canc');
      await cancelSuspensions([input.accountId], now);
      if (d.immediate) await deps.billing().endSubscription(input.accountId, now);
      else {
        await deps.billing().stopRenewal(input.accountId, now);
        await dueWork.schedule([
          { accountId: input.accountId, kind: CONTRACT_END, dueAt: d.effectiveAt, clockId: row.clockId },
        ]);
      }
      const [contact] = await deps.contactsOf([input.accountId]);
      const tz = policy.locale.timeZone;
      const confirmation = contact
        ? await notifications.send([
            {
              accountId: input.accountId,
              recipient: contact.email,
              locale: contact.locale,
              template: 'lifecycle.cancellation_confirmed',
              clause: policy.termination.clauses.confirmation ?? because,
              dedupeKey: `lifecycle.cancellation_confirmed:${id}`,
              occurredAt: now,
              params: { requestedOn: localDateOf(deliveredAt, tz), lastDay: d.lastDay },
            },
          ])
        : [];
      const cancellation: CancellationRow = {
        id,
        accountId: input.accountId,
        channel: input.channel,
        requestedAt: deliveredAt,
        effectiveAt: d.effectiveAt,
        confirmationMessageId: confirmation[0] ?? null,
        status: d.immediate ? 'effective' : 'scheduled',
        actor: input.actor,
        createdAt: now,
      };
      await db.q.execute(sql`
        insert into account_cancellations (id, account_id, channel, requested_at, effective_at,
          confirmation_message_id, status, actor, created_at)
        values (${id}, ${input.accountId}, ${input.channel}, ${deliveredAt.toISOString()},
          ${d.effectiveAt.toISOString()}, ${cancellation.confirmationMessageId}, ${cancellation.status},
          ${input.actor}, ${now.toISOString()})`);
      await eventLog.append([
        {
          chainId: input.accountId,
          type: 'account.cancellation_requested',
          clause: because,
          actor: input.actor,
          cause: `request:${id}`,
          occurredAt: now,
          data: {
            cancellation: id,
            channel: input.channel,
            requestedAt: deliveredAt.toISOString(),
            effectiveAt: d.effectiveAt.toISOString(),
            lastDay: d.lastDay,
            immediate: d.immediate,
            confirmationMessage: cancellation.confirmationMessageId,
          },
        },
      ]);
      if (d.immediate)
        await endNow(
          input.accountId,
          input.actor,
          `request:${id}`,
          because,
          now,
          endStateOf(policy, d.deletes),
        );
      return cancellation;
    });
  }

  /**
   * The customer withdraws a cancellation that has not taken effect yet: the contract runs on and renews as
   * before; the withdrawal is recorded. One that already took effect can only be restored (CM-LIF-13).
   */
  async function withdrawCancellation(input: { accountId: string; actor: string }): Promise<CancellationRow> {
    return db.transaction(async () => {
      const { policy, now } = await lockedLife(input.accountId);
      const [pending] = await cancellationsOf(input.accountId, ['scheduled']);
      if (!pending) throw new AppError(lifecycleErrors.no_cancellation);
      await db.q.execute(sql`update account_cancellations set status = 'revoked' where id = ${pending.id}`);
      await dueWork.cancel(input.accountId, CONTRACT_END);
      await deps.billing().continueRenewal(input.accountId, now);
      await eventLog.append([
        {
          chainId: input.accountId,
          type: 'account.cancellation_withdrawn',
          clause: policy.termination.clauses.customerPaid,
          actor: input.actor,
          cause: `request:${pending.id}`,
          occurredAt: now,
          data: { cancellation: pending.id },
        },
      ]);
      return { ...pending, status: 'revoked' };
    });
  }

  // CM-SEC-06: once the contract ends (termination, expiry, liquidation, deletion), no session of the
  // account stays open.
  lifecycle.onLifeFacts(async (facts) => {
    if (!deps.revokeAccess) return;
    const ended = new Map([...facts.contractEnded, ...facts.purged].map((f) => [f.accountId, f]));
    // One call for the whole batch (a sweep ends many contracts at once): set-based, not per account.
    await deps.revokeAccess(
      [...ended.values()].map((f) => ({
        accountId: f.accountId,
        clause: policyOf(f.policyVersionId).security.clauses?.accessEnded ?? null,
        cause: `state:${'state' in f ? f.state : 'purged'}`,
      })),
    );
  });

  // Once an account is purged nothing about it is pending any more: open requests lapse.
  lifecycle.onLifeFacts(async (facts) => {
    const purged = facts.purged.map((p) => p.accountId);
    if (purged.length === 0) return;
    await db.q.execute(sql`update restore_requests set status = 'lapsed'
      where account_id = any(${textArray(purged)}) and status in ('pending_review', 'awaiting_payment')`);
    await db.q.execute(sql`update account_suspensions set status = 'cancelled'
      where account_id = any(${textArray(purged)}) and status in ('scheduled', 'active', 'reactivating')`);
    await db.q.execute(sql`update account_cancellations set status = 'effective'
      where account_id = any(${textArray(purged)}) and status = 'scheduled'`);
  });

  dueWork.register({
    kind: CONTRACT_END,
    handle: async (items) => {
      const accountIds = items.map((i) => i.accountId);
      const scheduled = new Map(
        (
          await db.rows<Record<string, unknown>>(sql`
            select * from account_cancellations where account_id = any(${textArray(accountIds)})
              and status = 'scheduled'`)
        ).map((r) => [r.account_id as string, cancellationFromRow(r)]),
      );
      const changed = await lifecycle.applyTransitions(
        items,
        (policy, row, now) => {
          const c = scheduled.get(row.accountId);
          if (!c || now.getTime() < c.effectiveAt.getTime() || endedStates.has(row.state)) return null;
          return {
            to: endStateOf(policy, policy.termination.customerEndDeletesAccount),
            planCode: row.planCode,
            because: policy.termination.clauses.customerPaid,
            cause: `request:${c.id}`,
            data: { cancellation: c.id },
          };
        },
        ({ policy, row, next, at }) => endNotice(policy, row, next, at),
      );
      const effective = changed.flatMap((r) => {
        const c = scheduled.get(r.accountId);
        return c ? [c.id] : [];
      });
      if (effective.length > 0)
        await db.q.execute(
          sql`update account_cancellations set status = 'effective' where id = any(${textArray(effective)})`,
        );
      await dueWork.cancelMany(changed.map((r) => ({ accountId: r.accountId, kind: STANDING_CHECK })));
    },
  });

  /**
   * The account's latest cancellation with its closure: `pending_confirmation` until the confirmation mail's
   * outbox row says `sent`, then `complete` with that message's id and send time (CM-LIF-11). Where the
   * policy needs no confirmation, it is complete as soon as it is recorded.
   */
  async function cancellationOf(accountId: string) {
    const [latest] = await cancellationsOf(accountId);
    if (!latest) return null;
    const life = await lifecycle.get(accountId);
    const required = policyOf(life.policyVersionId).termination.confirmationEmailRequired;
    const mail = latest.confirmationMessageId ? await deps.messageStatus(latest.confirmationMessageId) : null;
    const sent = mail?.status === 'sent';
    return {
      ...latest,
      closure: sent || !required ? ('complete' as const) : ('pending_confirmation' as const),
      confirmation: mail
        ? {
            messageId: latest.confirmationMessageId,
            status: mail.status,
            sentAt: mail.sentAt,
            providerMessageId: mail.providerMessageId,
          }
        : null,
    };
  }

  // ---------------------------------------------------------------------------------------------------
  // Suspension

  /**
   * A customer suspends the account (CM-LIF-04, CM-LIF-05): from the first unpaid day, for at most the
   * policy's days, reactivated (with its charge) on the last allowed day or the card's last valid day.
   * Records the suspension, its two due items, the event and the notice; the account stays active until it
   * starts. A second request while one is scheduled or running returns it.
   */
  async function suspend(input: { accountId: string; actor: string }): Promise<SuspensionRow> {
    return db.transaction(async () => {
      const { row, policy, now } = await lockedLife(input.accountId);
      const [current] = await suspensionsOf([input.accountId], ['scheduled', 'active', 'reactivating']);
      if (current) return current;
      const standing = (await standingOf([input.accountId])).get(input.accountId);
      const d = decideSuspension(policy, { state: row.state, standing }, now);
      if (!d.ok) throw new AppError(lifecycleErrors.suspension_refused, { details: { reason: d.reason } });
      const tz = policy.locale.timeZone;
      const s: SuspensionRow = {
        id: ids.next('susp'),
        accountId: input.accountId,
        requestedAt: now,
        startsOn: d.startsOn,
        reactivateOn: d.reactivateOn,
        status: 'scheduled',
        endedAt: null,
        actor: input.actor,
      };
      await db.q.execute(sql`
        insert into account_suspensions (id, account_id, requested_at, starts_on, reactivate_on, status, actor)
        values (${s.id}, ${s.accountId}, ${now.toISOString()}, ${s.startsOn}, ${s.reactivateOn}, 'scheduled',
                ${input.actor})`);
      await dueWork.schedule([
        {
          accountId: s.accountId,
          kind: SUSPENSION_START,
          dueAt: startOfDay(s.startsOn, tz),
          clockId: row.clockId,
        },
        {
          accountId: s.accountId,
          kind: SUSPENSION_END,
          dueAt: startOfDay(s.reactivateOn, tz),
          clockId: row.clockId,
        },
      ]);
      await eventLog.append([
        {
          chainId: s.accountId,
          type: 'account.suspension_scheduled',
          clause: d.because,
          actor: input.actor,
          cause: `request:${s.id}`,
          occurredAt: now,
          data: {
            suspension: s.id,
            startsOn: s.startsOn,
            reactivateOn: s.reactivateOn,
            limitedByCard: d.limitedByCard,
          },
        },
      ]);
      const [contact] = await deps.contactsOf([s.accountId]);
      if (contact)
        await notifications.send([
          {
            accountId: s.accountId,
            recipient: contact.email,
            locale: contact.locale,
            template: 'lifecycle.suspension_scheduled',
            clause: d.because,
            dedupeKey: `lifecycle.suspension_scheduled:${s.id}`,
            occurredAt: now,
            params: { startsOn: s.startsOn, reactivateOn: s.reactivateOn },
          },
        ]);
      return s;
    });
  }

  dueWork.register({
    kind: SUSPENSION_START,
    handle: async (items) => {
      const scheduled = new Map(
        (
          await suspensionsOf(
            items.map((i) => i.accountId),
            ['scheduled'],
          )
        ).map((s) => [s.accountId, s]),
      );
      const changed = await lifecycle.applyTransitions(
        items,
        (policy, row, now) => {
          const s = scheduled.get(row.accountId);
          if (!s || !policy.suspension || row.state !== 'active') return null;
          if (now.getTime() < startOfDay(s.startsOn, policy.locale.timeZone).getTime()) return null;
          return {
            to: 'suspended',
            planCode: row.planCode,
            because: policy.suspension.clauses.start,
            cause: `request:${s.id}`,
            data: { suspension: s.id, reactivateOn: s.reactivateOn },
          };
        },
        ({ row }) => ({
          template: 'lifecycle.suspended',
          params: {
            reactivateOn: scheduled.get(row.accountId)!.reactivateOn,
            reactivateUrl: `${deps.portalUrl}/reactivate`,
          },
          dedupeKey: `lifecycle.suspended:${scheduled.get(row.accountId)!.id}`,
        }),
      );
      for (const r of changed)
        await db.q.execute(
          sql`update account_suspensions set status = 'active' where id = ${scheduled.get(r.accountId)!.id}`,
        );
      // A suspension whose account was no longer active when it should start (cancelled, expired) lapses.
      for (const [accountId, s] of scheduled)
        if (!changed.some((r) => r.accountId === accountId))
          await db.q.execute(sql`update account_suspensions set status = 'cancelled',
            ended_at = ${items.find((i) => i.accountId === accountId)!.firedAt.toISOString()} where id = ${s.id}`);
    },
  });

  dueWork.register({
    kind: SUSPENSION_END,
    handle: async (items) => {
      const running = await suspensionsOf(
        items.map((i) => i.accountId),
        ['active'],
      );
      for (const s of running) {
        const item = items.find((i) => i.accountId === s.accountId)!;
        await startReactivation(s, item.firedAt, 'system', `due:${SUSPENSION_END}`, s.reactivateOn);
      }
    },
  });

  /** Reactivation: billing resumes with a period from `from` and charges it; its outcome is reviewed. */
  async function startReactivation(
    s: SuspensionRow,
    at: Date,
    actor: string,
    cause: string,
    from: LocalDate,
  ): Promise<PresentCharge | null> {
    const life = await lifecycle.get(s.accountId);
    const policy = policyOf(life.policyVersionId);
    await db.q.execute(sql`update account_suspensions set status = 'reactivating' where id = ${s.id}`);
    await dueWork.cancel(s.accountId, SUSPENSION_END);
    await deps.billing().resumeRenewal(s.accountId, from, at);
    await eventLog.append([
      {
        chainId: s.accountId,
        type: 'account.reactivation_started',
        clause: policy.suspension?.clauses.reactivation ?? null,
        actor,
        cause,
        occurredAt: at,
        data: { suspension: s.id, chargedFrom: from, automatic: actor === 'system' },
      },
    ]);
    // The customer reactivating from the panel is there to pay: charged at once, on-session. The automatic
    // reactivation stays the due renewal's off-session charge, which needs consent (CM-LIF-07/08).
    const control = deps.billing();
    if (!isCustomerPresent(actor) || !control.chargeResumedPeriod) return null;
    return control.chargeResumedPeriod({ accountId: s.accountId, at, cause });
  }

  /**
   * The customer reactivates from the panel (CM-LIF-07): a suspension not started yet is called off; a
   * running one resumes billing today, charged at once (the account turns active when the charge succeeds,
   * and expires if it fails, CM-LIF-08).
   */
  async function reactivate(input: {
    accountId: string;
    actor: string;
  }): Promise<SuspensionRow & { charge?: PresentCharge | null }> {
    return db.transaction(async () => {
      const { policy, now } = await lockedLife(input.accountId);
      const [s] = await suspensionsOf([input.accountId], ['scheduled', 'active', 'reactivating']);
      if (!s) throw new AppError(lifecycleErrors.not_suspended);
      if (s.status === 'reactivating') return s;
      if (s.status === 'scheduled') {
        await cancelSuspensions([input.accountId], now);
        await eventLog.append([
          {
            chainId: input.accountId,
            type: 'account.suspension_cancelled',
            clause: policy.suspension?.clauses.reactivation ?? null,
            actor: input.actor,
            cause: `request:${s.id}`,
            occurredAt: now,
            data: { suspension: s.id },
          },
        ]);
        return { ...s, status: 'cancelled', endedAt: now };
      }
      const charge = await startReactivation(
        s,
        now,
        input.actor,
        `request:${s.id}`,
        localDateOf(now, policy.locale.timeZone),
      );
      const [after] = await db.rows<Record<string, unknown>>(
        sql`select * from account_suspensions where id = ${s.id}`,
      );
      return { ...(after ? suspensionFromRow(after) : { ...s, status: 'reactivating' as const }), charge };
    });
  }

  async function cancelSuspensions(accountIds: readonly string[], at: Date): Promise<void> {
    const open = await suspensionsOf(accountIds, ['scheduled', 'active']);
    for (const s of open) {
      await db.q.execute(sql`update account_suspensions set status = 'cancelled', ended_at = ${at.toISOString()}
        where id = ${s.id}`);
      await dueWork.cancel(s.accountId, SUSPENSION_START);
      await dueWork.cancel(s.accountId, SUSPENSION_END);
    }
  }

  /**
   * Which of these renewals must charge or invoice nothing: the account's suspension has started, or starts
   * at the renewal's time (CM-LIF-06: no fee of any kind during a suspension); the account is soft-deleted
   * (QU A11: no new period invoices after the day-61 delete) or its contract has ended. Billing asks first.
   */
  async function renewalsPaused(
    items: readonly { accountId: string; firedAt: Date }[],
  ): Promise<Set<string>> {
    const accountIds = items.map((i) => i.accountId);
    const open = await suspensionsOf(accountIds, ['scheduled', 'active']);
    const lives = new Map((await lifecycle.load(accountIds)).map((r) => [r.accountId, r]));
    // A soft-deleted account gets no new period invoices (QU A11), an ended contract no renewal at all,
    // unless the renewal is the payment of its restoration.
    const restoring = new Set(
      (await restoreRequestsOf(accountIds, ['awaiting_payment'])).map((r) => r.accountId),
    );
    const paused = new Set<string>(
      [...lives.values()]
        .filter((r) => (r.state === 'deleted' || endedStates.has(r.state)) && !restoring.has(r.accountId))
        .map((r) => r.accountId),
    );
    for (const s of open) {
      const life = lives.get(s.accountId);
      const item = items.find((i) => i.accountId === s.accountId);
      if (!life || !item) continue;
      const tz = policyOf(life.policyVersionId).locale.timeZone;
      if (item.firedAt.getTime() >= startOfDay(s.startsOn, tz).getTime()) paused.add(s.accountId);
    }
    return paused;
  }

  async function suspensionOf(accountId: string): Promise<SuspensionRow | null> {
    const rows = await db.rows<Record<string, unknown>>(sql`
      select * from account_suspensions where account_id = ${accountId} order by requested_at desc, id desc limit 1`);
    return rows[0] ? suspensionFromRow(rows[0]) : null;
  }

  /** Sends the on-session charge of a customer's restore or reactivation (a remote gateway's), after its commit. */
  async function sendCharge(paymentId: string) {
    const send = deps.billing().sendCharge;
    if (!send) throw new Error('billing gives no sendCharge');
    return send(paymentId);
  }

  // ---------------------------------------------------------------------------------------------------
  // Restoration

  /**
   * The customer asks to restore an expired, liquidated or terminated account (CM-LIF-03, CM-LIF-13): inside
   * the window, billing resumes with a period from today and charges it; the account is active again once
   * the charge succeeds. An account the operator terminated waits for the operator's review (CM-LIF-14),
   * and nothing is charged unless it is approved. A soft-deleted account needs staff and a written agreement
   * (QU-LIF-02); a purged one, or a closed window, can never come back.
   */
  async function requestRestore(input: {
    accountId: string;
    actor: string;
  }): Promise<RestoreRequestRow & { charge?: PresentCharge | null }> {
    return db.transaction(async () => {
      const { row, policy, now } = await lockedLife(input.accountId);
      const [open] = await restoreRequestsOf([input.accountId], ['pending_review', 'awaiting_payment']);
      // The customer asking again after a declined charge (with another card, say) is charged again.
      const retry = deps.billing().chargeResumedPeriod;
      if (open?.status === 'awaiting_payment' && isCustomerPresent(input.actor) && retry) {
        const charge = await retry({ accountId: open.accountId, at: now, cause: `request:${open.id}` });
        const [after] = await db.rows<Record<string, unknown>>(
          sql`select * from restore_requests where id = ${open.id}`,
        );
        return { ...(after ? restoreFromRow(after) : open), charge };
      }
      if (open) return open;
      const d = decideRestore(
        policy,
        {
          state: row.state,
          restorableUntil: row.restorableUntil,
          terminatedByOperator: row.state === 'terminated',
        },
        now,
      );
      if (!d.ok || d.route === 'written_agreement')
        throw new AppError(lifecycleErrors.restore_refused, {
          details: { reason: d.ok ? 'written_agreement_required' : d.reason },
        });
      const r: RestoreRequestRow = {
        id: ids.next('rest'),
        accountId: input.accountId,
        fromState: row.state,
        requestedAt: now,
        status: d.route === 'review' ? 'pending_review' : 'awaiting_payment',
        decidedAt: null,
        decidedBy: null,
        reason: null,
        agreementRef: null,
        actor: input.actor,
      };
      await insertRestoreRequest(r);
      await eventLog.append([
        {
          chainId: r.accountId,
          type: 'account.restore_requested',
          clause: d.because,
          actor: input.actor,
          cause: `request:${r.id}`,
          occurredAt: now,
          data: { restoreRequest: r.id, fromState: row.state, route: d.route },
        },
      ]);
      if (d.route !== 'pay') return r;
      const control = deps.billing();
      await control.resumeRenewal(r.accountId, localDateOf(now, policy.locale.timeZone), now);
      // A customer restoring its own account is there to pay: the period is charged at once, on-session
      // (no recurring consent needed, 3-D Secure possible); the operator's request waits for the renewal.
      if (!isCustomerPresent(input.actor) || !control.chargeResumedPeriod) return r;
      const charge = await control.chargeResumedPeriod({
        accountId: r.accountId,
        at: now,
        cause: `request:${r.id}`,
      });
      const [after] = await db.rows<Record<string, unknown>>(
        sql`select * from restore_requests where id = ${r.id}`,
      );
      return { ...(after ? restoreFromRow(after) : r), charge };
    });
  }

  /**
   * The operator decides a restore request under review (CM-LIF-14): approving resumes billing (the account
   * comes back when the charge succeeds, inside the window); refusing records the reason and tells the
   * customer. Nothing was charged before the decision, so a refusal has nothing to refund.
   */
  async function decideRestoreRequest(input: {
    requestId: string;
    decision: 'approve' | 'refuse';
    reason: string;
    actor: string;
  }): Promise<RestoreRequestRow> {
    return db.transaction(async () => {
      const [found] = await db.rows<Record<string, unknown>>(sql`
        select * from restore_requests where id = ${input.requestId} and status = 'pending_review' for update`);
      if (!found)
        throw new AppError(lifecycleErrors.restore_request_not_found, { details: { id: input.requestId } });
      const r = restoreFromRow(found);
      const { row, policy, now } = await lockedLife(r.accountId);
      const approve = input.decision === 'approve';
      if (approve && (!row.restorableUntil || now.getTime() >= row.restorableUntil.getTime()))
        throw new AppError(lifecycleErrors.restore_refused, { details: { reason: 'window_closed' } });
      const status = approve ? 'awaiting_payment' : 'refused';
      await db.q.execute(sql`
        update restore_requests set status = ${status}, decided_at = ${now.toISOString()},
          decided_by = ${input.actor}, reason = ${input.reason} where id = ${r.id}`);
      await eventLog.append([
        {
          chainId: r.accountId,
          type: approve ? 'account.restore_approved' : 'account.restore_refused',
          clause: policy.restore.clauses.refusal,
          actor: input.actor,
          cause: `request:${r.id}`,
          occurredAt: now,
          data: { restoreRequest: r.id },
        },
      ]);
      if (approve)
        await deps.billing().resumeRenewal(r.accountId, localDateOf(now, policy.locale.timeZone), now);
      else {
        const [contact] = await deps.contactsOf([r.accountId]);
        if (contact)
          await notifications.send([
            {
              accountId: r.accountId,
              recipient: contact.email,
              locale: contact.locale,
              template: 'lifecycle.restore_refused',
              clause: policy.restore.clauses.refusal,
              dedupeKey: `lifecycle.restore_refused:${r.id}`,
              occurredAt: now,
              params: { requestedOn: localDateOf(r.requestedAt, policy.locale.timeZone) },
            },
          ]);
      }
      return { ...r, status, decidedAt: now, decidedBy: input.actor, reason: input.reason };
    });
  }

  /**
   * Staff restore a soft-deleted account under a written agreement (QU-LIF-02), recorded with its reference:
   * access comes back as far as the debt allows (blocked until it is paid, QU-LIF-01), and the deletes no
   * longer count from the waived unpaid day.
   */
  async function restoreWithAgreement(input: {
    accountId: string;
    agreementRef: string;
    actor: string;
  }): Promise<LifeRow> {
    return db.transaction(async () => {
      const { row, policy, now } = await lockedLife(input.accountId);
      const d = decideRestore(
        policy,
        { state: row.state, restorableUntil: row.restorableUntil, terminatedByOperator: false },
        now,
      );
      if (!d.ok || d.route !== 'written_agreement')
        throw new AppError(lifecycleErrors.restore_refused, {
          details: { reason: d.ok ? 'not_soft_deleted' : d.reason },
        });
      const r: RestoreRequestRow = {
        id: ids.next('rest'),
        accountId: input.accountId,
        fromState: row.state,
        requestedAt: now,
        status: 'restored',
        decidedAt: now,
        decidedBy: input.actor,
        reason: null,
        agreementRef: input.agreementRef,
        actor: input.actor,
      };
      await insertRestoreRequest(r);
      await db.q.execute(
        sql`update account_states set waived_unpaid_anchor = unpaid_anchor where account_id = ${input.accountId}`,
      );
      const anchor = unpaidAnchorOf(policy, (await standingOf([input.accountId])).get(input.accountId));
      const [changed] = await lifecycle.applyTransitions(
        [{ accountId: input.accountId, kind: 'request', firedAt: now }],
        (_p, current) =>
          anchor
            ? {
                to: 'blocked',
                planCode: current.planCode,
                because: d.because,
                cause: `request:${r.id}`,
                actor: input.actor,
                data: { restoreRequest: r.id },
              }
            : {
                ...active(current, d.because, `request:${r.id}`),
                actor: input.actor,
                data: { restoreRequest: r.id },
              },
        ({ policy: p, at, to }) =>
          to === 'active'
            ? {
                template: 'lifecycle.access_restored',
                params: { restoredOn: localDateOf(at, p.locale.timeZone) },
                dedupeKey: `lifecycle.access_restored:${r.id}`,
              }
            : null,
      );
      await reviewStanding([{ accountId: input.accountId, at: now }], `request:${r.id}`);
      return changed!;
    });
  }

  async function restoreRequests(
    filter: { status?: RestoreRequestRow['status'] } = {},
  ): Promise<RestoreRequestRow[]> {
    const rows = await db.rows<Record<string, unknown>>(sql`
      select * from restore_requests where (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
      order by requested_at, id limit 500`);
    return rows.map(restoreFromRow);
  }

  // ---------------------------------------------------------------------------------------------------
  // Deletion

  /**
   * The first step of a self-service account deletion (BK-LIF-06, MOC-LIF-01): nothing is deleted yet; the
   * customer gets the irreversibility warning, the export link and a confirmation token valid for an hour.
   * Refused where the terms offer no such deletion, and while a prepaid period runs where the terms defer
   * termination to its end (BK-LIF-05: the customer cancels instead, and the account is deleted then).
   */
  async function requestDeletion(input: { accountId: string; actor: string }) {
    return db.transaction(async () => {
      const { row, policy, now } = await lockedLife(input.accountId);
      if (!policy.termination.clauses.deletion || !policy.termination.customerEndDeletesAccount)
        throw new AppError(lifecycleErrors.deletion_not_offered);
      if (endedStates.has(row.state) && row.state !== 'liquidated')
        throw new AppError(lifecycleErrors.already_ended, { details: { state: row.state } });
      const standing = (await standingOf([input.accountId])).get(input.accountId);
      const d = decideCancellation(policy, { state: row.state, standing }, now);
      if (d.ok && !d.immediate)
        throw new AppError(lifecycleErrors.prepaid_period_running, { details: { paidThrough: d.lastDay } });
      const token = randomToken();
      const id = ids.next('del');
      const expiresAt = new Date(now.getTime() + 60 * 60_000);
      await db.q.execute(sql`
        insert into deletion_requests (id, account_id, token_hash, requested_at, expires_at, actor)
        values (${id}, ${input.accountId}, ${sha256Hex(token)}, ${now.toISOString()}, ${expiresAt.toISOString()},
                ${input.actor})`);
      await eventLog.append([
        {
          chainId: input.accountId,
          type: 'account.deletion_requested',
          clause: policy.termination.clauses.deletion,
          actor: input.actor,
          cause: `request:${id}`,
          occurredAt: now,
          data: { deletionRequest: id, expiresAt: expiresAt.toISOString() },
        },
      ]);
      return {
        id,
        confirmationToken: token,
        expiresAt,
        exportUrl,
        irreversible: true as const,
        warning: {
          pl: 'Usunięcie konta jest nieodwracalne: konto i wszystkie zebrane w nim dane zostaną usunięte i nie będzie można ich przywrócić. Zachowamy tylko faktury, których wymaga prawo. Zanim potwierdzisz, wyeksportuj dane.',
          en: 'Deleting the account is irreversible: the account and all data gathered in it are deleted and cannot be restored. Only the invoices the law requires are kept. Export your data before you confirm.',
        },
      };
    });
  }

  /**
   * The confirmed deletion: at once and for good (MOC-LIF-01, BK-LIF-06) — no renewal, the contract ends,
   * the account is `purged` (no login, no restore) and the retention engine is told to delete its data;
   * invoices the law requires stay. A wrong or expired token changes nothing.
   */
  async function confirmDeletion(input: {
    accountId: string;
    requestId: string;
    token: string;
    actor: string;
  }): Promise<LifeRow> {
    return db.transaction(async () => {
      const { policy, now } = await lockedLife(input.accountId);
      const [found] = await db.rows<{
        token_hash: string;
        expires_at: Date | string;
        confirmed_at: unknown;
      }>(sql`
        select token_hash, expires_at, confirmed_at from deletion_requests
        where id = ${input.requestId} and account_id = ${input.accountId} for update`);
      if (
        !found ||
        found.confirmed_at !== null ||
        found.token_hash !== sha256Hex(input.token) ||
        new Date(found.expires_at).getTime() <= now.getTime()
      )
        throw new AppError(lifecycleErrors.deletion_confirmation_invalid);
      await db.q.execute(
        sql`update deletion_requests set confirmed_at = ${now.toISOString()} where id = ${input.requestId}`,
      );
      return endNow(
        input.accountId,
        input.actor,
        `request:${input.requestId}`,
        policy.termination.clauses.deletion,
        now,
        'purged',
        {
          deletionRequest: input.requestId,
        },
      );
    });
  }

  /**
   * A full erasure of the account owner's data (CM-PRV-06) handled as the account's deletion: at once, no
   * renewal, the contract ends and the account is `purged` (no sign-in, no restore, its sessions revoked);
   * the caller erases the data through retention. An account already purged is left as it is.
   */
  async function deleteOnErasure(input: {
    accountId: string;
    actor: string;
    cause: string;
    clause: string | null;
  }): Promise<LifeRow> {
    return db.transaction(async () => {
      const { row, now } = await lockedLife(input.accountId);
      if (row.state === 'purged') return row;
      return endNow(input.accountId, input.actor, input.cause, input.clause, now, 'purged', {
        erasureRequest: input.cause,
      });
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Discontinuation

  /**
   * The operator announces that the service, or one feature of it, is discontinued from `effectiveOn`
   * (QU-LIF-10): refused unless that day is at least `termination.discontinuationNoticeDays` after today
   * (real time), otherwise every account whose contract runs and whose plan has the feature (every running
   * account, for the whole service) is told at once, with the day it ends and the export link, and the notice
   * is recorded in each account's log and in the operator's. The discontinuation is kept
   * (`discontinuations`): the feature leaves every account's entitlements at local midnight of `effectiveOn`
   * (`withoutDiscontinued`), not a day earlier, and each notified account gets a due item that records it
   * in its log that day; export stays open through the last day and after. What it does not do: judge
   * whether the removal reduces the price-list scope (A16, the operator's).
   */
  async function announceDiscontinuation(input: {
    feature: string | null;
    effectiveOn: LocalDate;
    actor: string;
  }): Promise<{ id: string; effectiveOn: LocalDate; lastDay: LocalDate; notified: number }> {
    return db.transaction(async () => {
      if (!deps.current) throw new Error('announceDiscontinuation needs the current policy');
      const { policy } = deps.current();
      const tz = policy.locale.timeZone;
      const now = await deps.timeOf(null);
      const noticeDays = policy.termination.discontinuationNoticeDays ?? 0;
      const earliest = addDays(localDateOf(now, tz), noticeDays);
      if (input.effectiveOn < earliest)
        throw new AppError(lifecycleErrors.discontinuation_too_soon, { details: { earliest } });
      const feature = input.feature
        ? policy.entitlements.features.find((f) => f.code === input.feature)
        : undefined;
      if (input.feature && !feature)
        throw new AppError(lifecycleErrors.unknown_feature, { details: { feature: input.feature } });
      const plans = policy.plans
        .filter((p) => !feature || p.features.includes(feature.code))
        .map((p) => p.code);
      const ended = [...endedStates, 'pending_activation'];
      const accounts = await db.rows<{ account_id: string; clock_id: string | null }>(sql`
        select account_id, clock_id from account_states
        where plan_code = any(${textArray(plans)}) and not (state = any(${textArray(ended)}))
        order by account_id`);
      const id = ids.next('disc');
      const lastDay = addDays(input.effectiveOn, -1);
      const because = policy.termination.clauses.discontinuation;
      const accountIds = accounts.map((a) => a.account_id);
      const contacts = await deps.contactsOf(accountIds);
      await notifications.send(
        contacts.map((c) => ({
          accountId: c.accountId,
          recipient: c.email,
          locale: c.locale,
          template: 'lifecycle.discontinuation_notice' as const,
          clause: because,
          dedupeKey: `lifecycle.discontinuation_notice:${id}:${c.accountId}`,
          occurredAt: now,
          params: {
            part: feature ? feature.name[c.locale] : c.locale === 'pl' ? 'cała usługa' : 'the whole service',
            effectiveOn: input.effectiveOn,
            lastDay,
            exportUrl,
          },
        })),
      );
      const data = { discontinuation: id, feature: input.feature, effectiveOn: input.effectiveOn, lastDay };
      await db.q.execute(sql`
        insert into discontinuations (id, feature, effective_on, time_zone, announced_at, clause, notified, actor)
        values (${id}, ${input.feature}, ${input.effectiveOn}, ${tz}, ${now.toISOString()}, ${because},
                ${accountIds.length}, ${input.actor})`);
      const effectiveAt = startOfDay(input.effectiveOn, tz);
      await dueWork.schedule(
        accounts.map((a) => ({
          accountId: a.account_id,
          kind: FEATURE_DISCONTINUED,
          ref: id,
          dueAt: effectiveAt,
          clockId: a.clock_id,
        })),
      );
      // Entitlements cached before the announcement learn the day the feature leaves.
      await lifecycle.announceChanged(accountIds);
      await eventLog.append([
        {
          chainId: 'operator',
          type: 'service.discontinuation_announced',
          clause: because,
          actor: input.actor,
          occurredAt: now,
          data: { ...data, accounts: accountIds.length },
        },
        ...accountIds.map((accountId) => ({
          chainId: accountId,
          type: 'account.discontinuation_notified',
          clause: because,
          actor: input.actor,
          cause: `request:${id}`,
          occurredAt: now,
          data,
        })),
      ]);
      return { id, effectiveOn: input.effectiveOn, lastDay, notified: accountIds.length };
    });
  }

  /** Every announced discontinuation, by day (a small table, read when entitlements are computed). */
  async function discontinuations(): Promise<Discontinuation[]> {
    const rows = await db.rows<Record<string, unknown>>(sql`
      select id, feature, effective_on, time_zone from discontinuations order by effective_on, id`);
    return rows.map((r) => ({
      id: r.id as string,
      feature: (r.feature as string | null) ?? null,
      effectiveOn: localDay(r.effective_on),
      timeZone: r.time_zone as string,
    }));
  }

  // The day a discontinuation takes effect: each account it was announced to records that the feature left
  // its entitlements (which stop carrying it from that instant on their own) and caches drop it.
  dueWork.register({
    kind: FEATURE_DISCONTINUED,
    handle: async (items) => {
      const byId = new Map((await discontinuations()).map((d) => [d.id, d]));
      const lives = new Map(
        (await lifecycle.load(items.map((i) => i.accountId))).map((r) => [r.accountId, r]),
      );
      const events = items.flatMap((item) => {
        const d = item.ref ? byId.get(item.ref) : undefined;
        const life = lives.get(item.accountId);
        if (!d || !life) return [];
        return [
          {
            chainId: item.accountId,
            type: 'account.feature_discontinued',
            clause: policyOf(life.policyVersionId).termination.clauses.discontinuation,
            actor: 'system',
            cause: `due:${FEATURE_DISCONTINUED}`,
            occurredAt: item.firedAt,
            data: { discontinuation: d.id, feature: d.feature, effectiveOn: d.effectiveOn },
          },
        ];
      });
      await eventLog.append(events);
      await lifecycle.announceChanged(items.map((i) => i.accountId));
    },
  });

  // ---------------------------------------------------------------------------------------------------
  // Rows

  async function cancellationsOf(
    accountId: string,
    statuses?: CancellationRow['status'][],
  ): Promise<CancellationRow[]> {
    const rows = await db.rows<Record<string, unknown>>(sql`
      select * from account_cancellations where account_id = ${accountId}
        ${statuses ? sql`and status = any(${textArray(statuses)})` : sql``}
      order by created_at desc, id desc`);
    return rows.map(cancellationFromRow);
  }

  async function suspensionsOf(
    accountIds: readonly string[],
    statuses: SuspensionRow['status'][],
  ): Promise<SuspensionRow[]> {
    if (accountIds.length === 0) return [];
    const rows = await db.rows<Record<string, unknown>>(sql`
      select * from account_suspensions where account_id = any(${textArray(accountIds)})
        and status = any(${textArray(statuses)}) order by requested_at`);
    return rows.map(suspensionFromRow);
  }

  async function restoreRequestsOf(
    accountIds: readonly string[],
    statuses: RestoreRequestRow['status'][],
  ): Promise<RestoreRequestRow[]> {
    if (accountIds.length === 0) return [];
    const rows = await db.rows<Record<string, unknown>>(sql`
      select * from restore_requests where account_id = any(${textArray(accountIds)})
        and status = any(${textArray(statuses)}) order by requested_at`);
    return rows.map(restoreFromRow);
  }

  async function insertRestoreRequest(r: RestoreRequestRow): Promise<void> {
    await db.q.execute(sql`
      insert into restore_requests (id, account_id, from_state, requested_at, status, decided_at, decided_by,
        reason, agreement_ref, actor)
      values (${r.id}, ${r.accountId}, ${r.fromState}, ${r.requestedAt.toISOString()}, ${r.status},
        ${r.decidedAt?.toISOString() ?? null}, ${r.decidedBy}, ${r.reason}, ${r.agreementRef}, ${r.actor})`);
  }

  return {
    reviewStanding,
    renewalsPaused,
    terminateForNonPayment,
    cancel,
    withdrawCancellation,
    cancellationOf,
    suspend,
    reactivate,
    suspensionOf,
    requestRestore,
    decideRestoreRequest,
    restoreWithAgreement,
    restoreRequests,
    requestDeletion,
    confirmDeletion,
    deleteOnErasure,
    announceDiscontinuation,
    discontinuations,
    sendCharge,
  };
}

/** Where a customer's termination leaves the account: deleted, restorable for a while, or just ended. */
function endStateOf(policy: Policy, deletes: boolean): AccountState {
  if (deletes) return 'purged';
  return policy.restore.liquidatedDays !== null ? 'liquidated' : 'terminated';
}

/** The local date of the last day a window covered, for a window that ended at `end` (a local midnight). */
function lastDayBefore(end: Date, timeZone: string): LocalDate {
  return localDateOf(new Date(end.getTime() - 1), timeZone);
}

function instant(v: unknown): Date {
  return new Date(v as string);
}

function maybeInstant(v: unknown): Date | null {
  return v === null || v === undefined ? null : new Date(v as string);
}

function localDay(v: unknown): LocalDate {
  return v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);
}

function cancellationFromRow(r: Record<string, unknown>): CancellationRow {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    channel: r.channel as CancellationRow['channel'],
    requestedAt: instant(r.requested_at),
    effectiveAt: instant(r.effective_at),
    confirmationMessageId: (r.confirmation_message_id as string | null) ?? null,
    status: r.status as CancellationRow['status'],
    actor: r.actor as string,
    createdAt: instant(r.created_at),
  };
}

function suspensionFromRow(r: Record<string, unknown>): SuspensionRow {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    requestedAt: instant(r.requested_at),
    startsOn: localDay(r.starts_on),
    reactivateOn: localDay(r.reactivate_on),
    status: r.status as SuspensionRow['status'],
    endedAt: maybeInstant(r.ended_at),
    actor: r.actor as string,
  };
}

function restoreFromRow(r: Record<string, unknown>): RestoreRequestRow {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    fromState: r.from_state as string,
    requestedAt: instant(r.requested_at),
    status: r.status as RestoreRequestRow['status'],
    decidedAt: maybeInstant(r.decided_at),
    decidedBy: (r.decided_by as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    agreementRef: (r.agreement_ref as string | null) ?? null,
    actor: r.actor as string,
  };
}
