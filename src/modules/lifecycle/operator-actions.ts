import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import { addDays, localDateOf, startOfDay } from '../../platform/calendar.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueItem, DueWork } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { formatMoney } from '../../platform/money.ts';
import type { OperatorGround, Policy } from '../../policy/index.ts';
import type { NotificationRequest, Notifications } from '../notifications/index.ts';
import type { AccountContact, Lifecycle, LifeRow } from './lifecycle.ts';
import { lifecycleErrors } from './lifecycle-errors.ts';
import { operatorActionErrors } from './operator-actions-errors.ts';
import {
  clarificationWindow,
  groundFor,
  isClosed,
  planTermination,
  type RestrictionInForce,
} from './operator-actions-rules.ts';
import { operatorActions, refusalList } from './operator-actions-schema.ts';
import {
  type BillingForLifecycle,
  type RefundObligationRow,
  refundPayments,
  totalOf,
} from './refund-obligations.ts';

/** Due item: a termination given with notice takes effect (ref: the action id). */
export const OPERATOR_TERMINATION = 'lifecycle.operator_termination';
/** Due item: a blocked customer's window to clarify runs out (ref: the action id). */
export const BLOCK_CLARIFICATION = 'lifecycle.block_clarification';

export type OperatorActionRow = typeof operatorActions.$inferSelect;

/** What the account module tells lifecycle about a customer, for these rules. */
export type CustomerFacts = {
  isSoleTrader: boolean;
  taxId: string | null;
  contractConcludedAt: Date | null;
};

export type OperatorActionsDeps = {
  db: Database;
  eventLog: EventLog;
  dueWork: DueWork;
  notifications: Notifications;
  ids: IdGenerator;
  policyOf: (versionId: string) => Policy;
  timeOf: (clockId: string | null) => Promise<Date>;
  lifecycle: Pick<Lifecycle, 'load' | 'announceChanged'>;
  customerOf: (accountId: string) => Promise<CustomerFacts>;
  contactsOf: (accountIds: readonly string[]) => Promise<AccountContact[]>;
  billing: BillingForLifecycle;
};

type Common = {
  accountId: string;
  ground: string | undefined;
  reason: string;
  evidence: string[];
  actor: string;
};

export type OperatorActions = ReturnType<typeof makeOperatorActions>;

/**
 * The operator's actions on an account, each on a ground from the terms' closed list with a reason text and
 * evidence references, recorded with its clause and actor and announced to the customer from a template:
 * restrict the account or one resource (CM-LIF-16, QU-LIF-04), block with a window to clarify (BK-LIF-03),
 * lift either, and terminate — at once, on delivery of the notice or after a notice period — with the
 * refund the ground gives and the refusal of future service where it says so (CM-LIF-15, 17, 18, QU-LIF-06,
 * BK-LIF-03, 04). Each use case is one transaction.
 */
export function makeOperatorActions(deps: OperatorActionsDeps) {
  const { db, eventLog, dueWork, notifications, ids, policyOf } = deps;

  async function lockedLife(accountId: string): Promise<LifeRow> {
    const [row] = await deps.lifecycle.load([accountId], true);
    if (!row) throw new AppError(lifecycleErrors.account_not_found, { details: { id: accountId } });
    return row;
  }

  async function inForce(accountIds: readonly string[]): Promise<OperatorActionRow[]> {
    if (accountIds.length === 0) return [];
    return db.q
      .select()
      .from(operatorActions)
      .where(
        and(
          inArray(operatorActions.accountId, [...accountIds]),
          or(eq(operatorActions.status, 'in_force'), eq(operatorActions.status, 'pending')),
        ),
      )
      .orderBy(operatorActions.createdAt, operatorActions.id);
  }

  async function notify(
    row: LifeRow,
    at: Date,
    clause: string,
    build: (c: AccountContact, tz: string) => Pick<NotificationRequest, 'template' | 'params'>,
    dedupeKey: string,
  ): Promise<void> {
    const [contact] = await deps.contactsOf([row.accountId]);
    if (!contact) return;
    const { template, params } = build(contact, policyOf(row.policyVersionId).locale.timeZone);
    await notifications.send([
      {
        accountId: row.accountId,
        recipient: contact.email,
        locale: contact.locale,
        template,
        clause,
        dedupeKey,
        occurredAt: at,
        params,
      } as NotificationRequest,
    ]);
  }

  async function insertAction(values: typeof operatorActions.$inferInsert): Promise<OperatorActionRow> {
    const [row] = await db.q.insert(operatorActions).values(values).returning();
    return row!;
  }

  function actionEvent(a: OperatorActionRow, type: string, at: Date, extra: Record<string, unknown> = {}) {
    return {
      chainId: a.accountId,
      type,
      clause: a.clause,
      actor: a.actor,
      cause: `operator_action:${a.id}`,
      occurredAt: at,
      data: {
        action: a.id,
        kind: a.action,
        ground: a.ground,
        scope: a.scope,
        resource: a.resourceId,
        evidenceCount: a.evidence.length,
        ...extra,
      },
    } as const;
  }

  /**
   * Restricts the whole account (`restricted`: login, reading and export stay; `suspended`: no access) or
   * one resource by id (a live conference, a piece of content) at once and without notice, until the
   * operator lifts it (CM-LIF-16, QU-LIF-04: "until remedied", no credit for the time). The product sees it in
   * the entitlements (`access`, `restrictions`).
   */
  async function restrict(
    input: Common & { scope: string; resourceId?: string | undefined; level?: 'restricted' | 'suspended' },
  ): Promise<OperatorActionRow> {
    return db.transaction(async () => {
      const life = await lockedLife(input.accountId);
      if (isClosed(life.state))
        throw new AppError(operatorActionErrors.account_closed, { details: { state: life.state } });
      const policy = policyOf(life.policyVersionId);
      const ground = groundFor(policy, 'restrict', input.ground);
      const resources = policy.operatorActions.restrictableResources;
      if (input.scope !== 'account' && (!resources.includes(input.scope) || !input.resourceId))
        throw new AppError(operatorActionErrors.resource_not_restrictable, {
          details: { scope: input.scope, allowed: ['account', ...resources].join(', ') },
        });
      const now = await deps.timeOf(life.clockId);
      const action = await insertAction({
        id: ids.next('opa'),
        accountId: input.accountId,
        action: 'restrict',
        ground: ground.code,
        clause: ground.clause,
        reason: input.reason,
        evidence: input.evidence,
        actor: input.actor,
        scope: input.scope,
        resourceId: input.scope === 'account' ? null : input.resourceId!,
        access: input.scope === 'account' ? (input.level === 'suspended' ? 'none' : 'restricted') : null,
        status: 'in_force',
        createdAt: now,
      });
      await eventLog.append([actionEvent(action, 'operator.restricted', now, { access: action.access })]);
      await notify(
        life,
        now,
        ground.clause,
        (c, tz) => ({
          template: 'lifecycle.account_restricted',
          params: {
            target: targetText(action, c.locale),
            ground: ground.code,
            reason: input.reason,
            since: formatLocal(now, c.locale, tz),
          },
        }),
        `lifecycle.account_restricted:${action.id}`,
      );
      await deps.lifecycle.announceChanged([input.accountId]);
      return action;
    });
  }

  /**
   * Blocks the account for use against the law, the terms or good practice and tells the account's e-mail
   * (BK-LIF-03, § 3 ust. 8). The customer has `termination.blockedClarificationDays` from the notice to
   * clarify; a due item marks the day the provider may terminate (the `unclarified_block` ground), and a
   * clarification (`lift`) before that ends the block.
   */
  async function block(input: Common): Promise<OperatorActionRow> {
    return db.transaction(async () => {
      const life = await lockedLife(input.accountId);
      if (isClosed(life.state))
        throw new AppError(operatorActionErrors.account_closed, { details: { state: life.state } });
      const policy = policyOf(life.policyVersionId);
      const ground = groundFor(policy, 'block', input.ground);
      const now = await deps.timeOf(life.clockId);
      const window = clarificationWindow(policy, now)!;
      const action = await insertAction({
        id: ids.next('opa'),
        accountId: input.accountId,
        action: 'block',
        ground: ground.code,
        clause: ground.clause,
        reason: input.reason,
        evidence: input.evidence,
        actor: input.actor,
        scope: 'account',
        access: 'none',
        status: 'in_force',
        terminableFrom: window.terminableFrom,
        createdAt: now,
      });
      await eventLog.append([
        actionEvent(action, 'operator.blocked', now, {
          clarifyBy: window.lastDay,
          terminableFrom: window.terminableFrom.toISOString(),
        }),
      ]);
      await dueWork.schedule([
        {
          accountId: input.accountId,
          kind: BLOCK_CLARIFICATION,
          ref: action.id,
          dueAt: window.terminableFrom,
          clockId: life.clockId,
        },
      ]);
      await notify(
        life,
        now,
        ground.clause,
        (_c, tz) => ({
          template: 'lifecycle.account_blocked',
          params: {
            ground: ground.code,
            reason: input.reason,
            clarifyBy: window.lastDay,
            terminableFrom: localDateOf(window.terminableFrom, tz),
          },
        }),
        `lifecycle.account_blocked:${action.id}`,
      );
      await deps.lifecycle.announceChanged([input.accountId]);
      return action;
    });
  }

  /**
   * Lifts a restriction or a block once the breach is remedied or the matter clarified (CM-LIF-16,
   * QU-LIF-04: access returns when the ticket is marked remedied; BK-LIF-03: clarified → unblocked), with
   * the operator's reason; lifting one already lifted changes nothing.
   */
  async function lift(input: {
    accountId: string;
    actionId: string;
    reason: string;
    actor: string;
  }): Promise<OperatorActionRow> {
    return db.transaction(async () => {
      const life = await lockedLife(input.accountId);
      const [action] = await db.q
        .select()
        .from(operatorActions)
        .where(and(eq(operatorActions.accountId, input.accountId), eq(operatorActions.id, input.actionId)))
        .for('update');
      if (!action)
        throw new AppError(operatorActionErrors.action_not_found, { details: { id: input.actionId } });
      if (action.action !== 'terminate' && action.status === 'lifted') return action;
      if (action.action === 'terminate' || action.status !== 'in_force')
        throw new AppError(operatorActionErrors.action_not_liftable, { details: { id: input.actionId } });
      const now = await deps.timeOf(life.clockId);
      const [lifted] = await db.q
        .update(operatorActions)
        .set({ status: 'lifted', liftedAt: now, liftedBy: input.actor, liftReason: input.reason })
        .where(eq(operatorActions.id, action.id))
        .returning();
      if (action.action === 'block') await dueWork.cancel(input.accountId, BLOCK_CLARIFICATION, action.id);
      await eventLog.append([
        {
          ...actionEvent(
            lifted!,
            action.action === 'block' ? 'operator.unblocked' : 'operator.restriction_lifted',
            now,
          ),
          actor: input.actor,
        },
      ]);
      if (!isClosed(life.state))
        await notify(
          life,
          now,
          action.clause,
          (c, tz) => ({
            template: 'lifecycle.restriction_lifted',
            params: { target: targetText(action, c.locale), liftedOn: localDateOf(now, tz) },
          }),
          `lifecycle.restriction_lifted:${action.id}`,
        );
      await deps.lifecycle.announceChanged([input.accountId]);
      return lifted!;
    });
  }

  /**
   * Terminates the contract on a ground from the closed list (see `planTermination` for who may be
   * terminated on which ground and when it takes effect). Taking effect now, it is applied at once;
   * otherwise the customer gets the notice and a due item applies it at its time.
   */
  async function terminate(
    input: Common & { deliveredAt?: Date | undefined },
  ): Promise<{ action: OperatorActionRow; refunds: RefundObligationRow[] }> {
    return db.transaction(async () => {
      const life = await lockedLife(input.accountId);
      const policy = policyOf(life.policyVersionId);
      const now = await deps.timeOf(life.clockId);
      const customer = await deps.customerOf(input.accountId);
      const actions = await inForce([input.accountId]);
      const blockInForce = actions.find((a) => a.action === 'block' && a.status === 'in_force');
      const pending = actions.find((a) => a.action === 'terminate' && a.status === 'pending');
      const plan = planTermination(
        policy,
        input.ground,
        {
          state: life.state,
          eligible: policy.registration.flagSoleTraders && customer.isSoleTrader,
          block: blockInForce ? { blockedAt: blockInForce.createdAt } : null,
          pendingTerminationAt: pending?.effectiveAt ?? null,
        },
        now,
        input.deliveredAt ?? null,
      );
      const action = await insertAction({
        id: ids.next('opa'),
        accountId: input.accountId,
        action: 'terminate',
        ground: plan.ground.code,
        clause: plan.clause,
        reason: input.reason,
        evidence: input.evidence,
        actor: input.actor,
        status: 'pending',
        effectiveAt: plan.effectiveAt,
        effectiveBasis: plan.basis,
        createdAt: now,
      });
      await eventLog.append([
        actionEvent(action, 'operator.termination_given', now, {
          effectiveAt: plan.effectiveAt.toISOString(),
          basis: plan.basis,
          refundReason: plan.refundReason,
        }),
      ]);
      if (plan.effectiveAt.getTime() <= now.getTime()) {
        const refunds = await applyTermination(action, now, input.actor);
        return { action: { ...action, status: 'effective' as const }, refunds };
      }
      await dueWork.schedule([
        {
          accountId: input.accountId,
          kind: OPERATOR_TERMINATION,
          ref: action.id,
          dueAt: plan.effectiveAt,
          clockId: life.clockId,
        },
      ]);
      await notify(
        life,
        now,
        plan.clause,
        () => ({
          template: 'lifecycle.termination_notice',
          params: { ground: plan.ground.code, reason: input.reason, effectiveOn: plan.effectiveOn },
        }),
        `lifecycle.termination_notice:${action.id}`,
      );
      return { action, refunds: [] };
    });
  }

  /**
   * The provider terminates a paid contract by notice without cause where the terms allow it
   * (`termination.providerWithoutCause: with_notice`; QU-LIF-05, art. 12.1–12.2). The notice is delivered on
   * the proven day `deliveredAt` (not after now), else on the day the terms deem it delivered
   * (`notifications.deemedDeliveryDays` after sending, art. 11.1: emailed 2026-05-17 → 2026-05-20). The
   * contract's last day is the last day of the billing period it was delivered in, but at least
   * `providerNoticeMinDays` after delivery (→ 2026-06-19); billing stops the renewal and invoices the started
   * last period pro rata (June 19/30, `endAfterProviderNotice`). A trial or free contract ends on delivery
   * (QU-LIF-07). The action (`terminate`, ground `provider_notice`, the policy's `providerNotice` clause) is
   * recorded with `operator.termination_given`, the customer gets the notice, and the termination applies at
   * the start of the day after the last day. One transaction.
   */
  async function giveNotice(input: {
    accountId: string;
    reason: string;
    evidence: string[];
    actor: string;
    deliveredAt?: Date | undefined;
  }): Promise<{ action: OperatorActionRow; lastDay: string }> {
    return db.transaction(async () => {
      const life = await lockedLife(input.accountId);
      const policy = policyOf(life.policyVersionId);
      const now = await deps.timeOf(life.clockId);
      const tz = policy.locale.timeZone;
      if (policy.termination.providerWithoutCause !== 'with_notice')
        throw new AppError(operatorActionErrors.provider_notice_not_allowed);
      if (isClosed(life.state))
        throw new AppError(operatorActionErrors.account_closed, { details: { state: life.state } });
      const pending = (await inForce([input.accountId])).find(
        (a) => a.action === 'terminate' && a.status === 'pending',
      );
      if (pending)
        throw new AppError(operatorActionErrors.termination_pending, {
          details: { effectiveAt: pending.effectiveAt?.toISOString() ?? '' },
        });
      if (input.deliveredAt && input.deliveredAt.getTime() > now.getTime())
        throw new AppError(operatorActionErrors.delivery_invalid, {
          details: { deliveredAt: input.deliveredAt.toISOString() },
        });
      const today = localDateOf(now, tz);
      const deliveredOn = input.deliveredAt
        ? localDateOf(input.deliveredAt, tz)
        : addDays(today, policy.notifications.deemedDeliveryDays ?? 0);
      const clause = policy.termination.clauses.providerNotice ?? policy.termination.clauses.customerPaid;
      const actionId = ids.next('opa');
      const ended = await deps.billing.endAfterProviderNotice?.({
        accountId: input.accountId,
        deliveredOn,
        minDays: policy.termination.providerNoticeMinDays ?? 0,
        clause,
        at: now,
        actor: input.actor,
        cause: `operator_action:${actionId}`,
      });
      // Without a paid subscription (trial, free: QU-LIF-07) the contract ends on delivery.
      const lastDay = ended?.lastDay ?? addDays(deliveredOn, -1);
      const effectiveAt = startOfDay(addDays(lastDay, 1), tz);
      const action = await insertAction({
        id: actionId,
        accountId: input.accountId,
        action: 'terminate',
        ground: 'provider_notice',
        clause: clause ?? 'provider_notice',
        reason: input.reason,
        evidence: input.evidence,
        actor: input.actor,
        status: 'pending',
        effectiveAt,
        effectiveBasis: 'notice_period',
        createdAt: now,
      });
      await eventLog.append([
        actionEvent(action, 'operator.termination_given', now, {
          effectiveAt: effectiveAt.toISOString(),
          basis: input.deliveredAt ? 'proven_delivery' : 'deemed_delivery',
          deliveredOn,
          lastDay,
          refundReason: null,
        }),
      ]);
      await dueWork.schedule([
        {
          accountId: input.accountId,
          kind: OPERATOR_TERMINATION,
          ref: action.id,
          dueAt: effectiveAt.getTime() > now.getTime() ? effectiveAt : now,
          clockId: life.clockId,
        },
      ]);
      await notify(
        life,
        now,
        action.clause,
        () => ({
          template: 'lifecycle.termination_notice',
          // The contract's last day (2026-06-19): the customer may use the account through it.
          params: { ground: action.ground, reason: input.reason, effectiveOn: ended ? lastDay : deliveredOn },
        }),
        `lifecycle.termination_notice:${action.id}`,
      );
      return { action, lastDay };
    });
  }

  /**
   * The contract ends at `at` because of `action`: the account becomes `terminated` (no access), its
   * subscription ends (nothing renews or is charged again), the unused prepaid period is refunded where the
   * ground gives a refund (from the effective day, that day counted as unused: CM-LIF-17, BK-LIF-04), the
   * customer is put on the refusal list where the ground says so (CM-LIF-15), and told. Runs in the caller's
   * transaction; an account already closed changes nothing.
   */
  async function applyTermination(
    action: OperatorActionRow,
    at: Date,
    actor: string,
  ): Promise<RefundObligationRow[]> {
    const life = await lockedLife(action.accountId);
    if (isClosed(life.state)) return [];
    const policy = policyOf(life.policyVersionId);
    const tz = policy.locale.timeZone;
    const ground = policy.operatorActions.grounds.find(
      (g) => g.action === 'terminate' && g.code === action.ground,
    ) as OperatorGround | undefined;
    // The provider's notice without cause (QU-LIF-05) is no ground of the list: its last period was billed
    // pro rata, so nothing is refunded and nobody is refused service.
    const terms = ground?.termination ?? { refundReason: null, refuseFutureService: false };
    const effectiveOn = localDateOf(at, tz);
    const cause = `operator_action:${action.id}`;
    await db.q.execute(sql`
      update account_states set state = 'terminated', state_since = ${at.toISOString()},
             changed_at = ${at.toISOString()}
      where account_id = ${action.accountId}`);
    await db.q
      .update(operatorActions)
      .set({ status: 'effective', effectiveAt: at })
      .where(eq(operatorActions.id, action.id));
    await eventLog.append([
      {
        chainId: action.accountId,
        type: 'account.state_changed',
        clause: action.clause,
        actor,
        cause,
        occurredAt: at,
        data: { from: life.state, to: 'terminated', fromPlan: life.planCode, toPlan: life.planCode },
      },
    ]);
    await deps.billing.endSubscription({
      accountId: action.accountId,
      at,
      because: action.clause,
      cause,
      actor,
    });
    const refunds = terms.refundReason
      ? await refundPayments(deps, {
          policy,
          accountId: action.accountId,
          source: { kind: 'termination', id: action.id },
          reason: terms.refundReason,
          clause: action.clause,
          on: effectiveOn,
          // "Automatic" refunds (CM-LIF-17) have no deadline of their own; the withdrawal's is the nearest.
          dueBy: effectiveOn,
          payments: await paymentsCovering(action.accountId, effectiveOn),
          actor,
          at,
        })
      : [];
    if (terms.refuseFutureService) {
      const customer = await deps.customerOf(action.accountId);
      const [contact] = await deps.contactsOf([action.accountId]);
      await db.q.insert(refusalList).values({
        id: ids.next('rfl'),
        accountId: action.accountId,
        taxId: customer.taxId,
        email: contact?.email.toLowerCase() ?? null,
        actionId: action.id,
        ground: action.ground,
        listedAt: at,
      });
      await eventLog.append([
        {
          chainId: action.accountId,
          type: 'account.refused_future_service',
          clause: action.clause,
          actor,
          cause,
          occurredAt: at,
          data: { action: action.id, ground: action.ground },
        },
      ]);
    }
    await notify(
      life,
      at,
      action.clause,
      (c) => ({
        template: 'lifecycle.account_terminated',
        params: {
          ground: action.ground,
          reason: action.reason,
          effectiveOn,
          refund: formatMoney(totalOf(refunds, policy.locale.currency), c.locale),
        },
      }),
      `lifecycle.account_terminated:${action.id}`,
    );
    await deps.lifecycle.announceChanged([action.accountId]);
    return refunds;
  }

  /** Succeeded payments whose invoice's period runs on or after `day` (the part a pro-rata refund is about). */
  async function paymentsCovering(accountId: string, day: string) {
    const covering = [];
    for (const p of await deps.billing.payments(accountId)) {
      if (p.status !== 'succeeded' || p.invoiceId === null) continue;
      const invoice = await deps.billing.invoice(accountId, p.invoiceId);
      if (invoice.period && invoice.period.to >= day) covering.push(p);
    }
    return covering;
  }

  dueWork.register({
    kind: OPERATOR_TERMINATION,
    handle: async (items: DueItem[]) => {
      const rows = await db.q
        .select()
        .from(operatorActions)
        .where(
          inArray(
            operatorActions.id,
            items.map((i) => i.ref),
          ),
        )
        .for('update');
      for (const item of items) {
        const action = rows.find((r) => r.id === item.ref);
        if (action?.status !== 'pending') continue;
        await applyTermination(action, item.firedAt, 'system');
      }
    },
  });

  dueWork.register({
    kind: BLOCK_CLARIFICATION,
    // The clause gives the provider a right, not an automatic step: the lapse is recorded (from now on the
    // `unclarified_block` ground may be used), nothing else changes.
    handle: async (items: DueItem[]) => {
      const rows = await db.q
        .select()
        .from(operatorActions)
        .where(
          inArray(
            operatorActions.id,
            items.map((i) => i.ref),
          ),
        );
      const lapsed = rows.filter((r) => r.action === 'block' && r.status === 'in_force');
      await eventLog.append(
        lapsed.map((a) => ({
          ...actionEvent(
            a,
            'operator.clarification_window_lapsed',
            items.find((i) => i.ref === a.id)!.firedAt,
          ),
          actor: 'system',
          cause: `due:${BLOCK_CLARIFICATION}`,
        })),
      );
    },
  });

  /** Restrictions and blocks in force on the accounts, for their entitlements. */
  async function restrictionsInForce(accountId: string): Promise<RestrictionInForce[]> {
    return (await inForce([accountId]))
      .filter((a) => a.status === 'in_force' && a.scope !== null)
      .map((a) => ({
        actionId: a.id,
        scope: a.scope!,
        resourceId: a.resourceId,
        access: a.access ?? 'restricted',
        ground: a.ground,
        clause: a.clause,
        since: a.createdAt,
      }));
  }

  /** The account's operator actions, newest first. */
  async function list(accountId: string): Promise<OperatorActionRow[]> {
    return db.q
      .select()
      .from(operatorActions)
      .where(eq(operatorActions.accountId, accountId))
      .orderBy(desc(operatorActions.createdAt), desc(operatorActions.id));
  }

  /**
   * Whether a sign-up with this tax id or e-mail matches a customer refused future service (CM-LIF-15,
   * CM-ACC-05); returns the matching entries' grounds.
   */
  async function refusalsMatching(who: { taxId: string | null; email: string | null }): Promise<string[]> {
    if (!who.taxId && !who.email) return [];
    const rows = await db.q
      .select({ ground: refusalList.ground })
      .from(refusalList)
      .where(
        or(
          // A tax id matches with or without its country prefix (PL5260250274 = 5260250274).
          who.taxId
            ? sql`regexp_replace(upper(${refusalList.taxId}), '^[A-Z]{2}', '') = regexp_replace(upper(${who.taxId.replace(/[\s-]/g, '')}), '^[A-Z]{2}', '')`
            : sql`false`,
          who.email ? eq(refusalList.email, who.email.toLowerCase()) : sql`false`,
        ),
      );
    return rows.map((r) => r.ground);
  }

  return { restrict, block, lift, terminate, giveNotice, list, restrictionsInForce, refusalsMatching };
}

function targetText(
  a: { scope: string | null; resourceId: string | null; access: string | null },
  locale: 'pl' | 'en',
) {
  if (a.scope === 'account' || a.scope === null)
    return locale === 'pl'
      ? a.access === 'none'
        ? 'dostęp do konta (zawieszony)'
        : 'dostęp do funkcji konta (logowanie, podgląd i eksport pozostają)'
      : a.access === 'none'
        ? 'access to the account (suspended)'
        : 'the account’s functions (login, reading and export stay)';
  return `${a.scope} ${a.resourceId}`;
}

function formatLocal(at: Date, locale: 'pl' | 'en', timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'pl' ? 'pl-PL' : 'en-GB', {
    timeZone,
    dateStyle: 'long',
    timeStyle: 'short',
  }).format(at);
}
