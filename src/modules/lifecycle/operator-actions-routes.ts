import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import type { OperatorActionRow, OperatorActions } from './operator-actions.ts';
import { operatorActionErrors } from './operator-actions-errors.ts';
import type { RefundObligationRow } from './refund-obligations.ts';
import type { WithdrawalRow, Withdrawals } from './withdrawal.ts';
import type { DefectPeriod } from './withdrawal-rules.ts';

const AccountParams = z.object({ accountId: z.string().max(60) });
/** One line: it is quoted in the customer's mail. */
const Reason = z
  .string()
  .trim()
  .min(3)
  .max(500)
  .regex(/^[^\r\n]+$/, 'one line of text');
const Evidence = z.array(z.string().trim().min(1).max(300)).max(20);
const Instant = z.iso.datetime({ offset: true });
/** A staff member acting through the operator's key; recorded as the actor (`staff:<id>`). */
const StaffId = z
  .string()
  .regex(/^[\w.@-]{1,80}$/)
  .optional();

const Common = {
  ground: z.string().min(1).max(60),
  reason: Reason,
  evidence: Evidence,
  staffId: StaffId,
};

const ActionBody = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('restrict'),
    ...Common,
    /** `account`, or a resource kind the terms let the operator restrict (`conference`, `content`). */
    scope: z.string().min(1).max(40),
    resourceId: z.string().min(1).max(120).optional(),
    /** For the account: `restricted` (login, reading, export stay) or `suspended` (no access). */
    level: z.enum(['restricted', 'suspended']).optional(),
  }),
  z.strictObject({ action: z.literal('block'), ...Common }),
  z.strictObject({
    action: z.literal('terminate'),
    ...Common,
    /** A proven delivery of the notice, where the ground takes effect on delivery (QU-LIF-06). */
    deliveredAt: Instant.optional(),
  }),
  /** The provider's notice without cause on a paid plan, where the terms allow it (QU-LIF-05). */
  z.strictObject({
    action: z.literal('notice'),
    reason: Reason,
    evidence: Evidence,
    staffId: StaffId,
    /** A proven delivery of the notice; else the day the terms deem it delivered. */
    deliveredAt: Instant.optional(),
  }),
]);

function actionJson(a: OperatorActionRow) {
  return {
    id: a.id,
    action: a.action,
    ground: a.ground,
    clause: a.clause,
    reason: a.reason,
    evidence: a.evidence,
    actor: a.actor,
    scope: a.scope,
    resourceId: a.resourceId,
    access: a.access,
    status: a.status,
    effectiveAt: a.effectiveAt?.toISOString() ?? null,
    effectiveBasis: a.effectiveBasis,
    terminableFrom: a.terminableFrom?.toISOString() ?? null,
    liftedAt: a.liftedAt?.toISOString() ?? null,
    liftReason: a.liftReason,
    createdAt: a.createdAt.toISOString(),
  };
}

function refundJson(r: RefundObligationRow) {
  return {
    id: r.id,
    payment: r.paymentId,
    reason: r.reason,
    amount: toDecimalString(money(r.amount, r.currency)),
    currency: r.currency,
    method: r.method,
    status: r.status,
    dueBy: r.dueBy,
    refundId: r.refundId,
    reference: r.reference,
    refundedAt: r.refundedAt?.toISOString() ?? null,
    /** Why the gateway's refund failed (the obligation is due again); null otherwise. */
    failure: r.failure,
  };
}

function withdrawalJson(w: WithdrawalRow) {
  return {
    id: w.id,
    channel: w.channel,
    statedGround: w.statedGround,
    sentAt: w.sentAt.toISOString(),
    receivedAt: w.receivedAt.toISOString(),
    countsFrom: w.countsFrom,
    lastDay: w.lastDay,
    nominalLastDay: w.nominalLastDay,
    refundDueBy: w.refundDueBy,
  };
}

function defectJson(d: DefectPeriod) {
  return { from: d.from.toISOString(), to: d.to.toISOString(), minutes: d.minutes };
}

/**
 * HTTP for operator actions (operator key only), the customer's withdrawal (the account's owner, or the
 * operator recording a statement received by e-mail or letter), refunds sent by transfer, and the
 * material-defect log.
 */
export function registerOperatorActionRoutes(
  app: HttpServer,
  deps: {
    operatorActions: OperatorActions;
    withdrawals: Withdrawals;
    idempotent: ReturnType<typeof makeIdempotency>;
  },
): void {
  const { operatorActions, withdrawals, idempotent } = deps;
  const tags = ['operator actions'];

  const actorOf = (request: Parameters<typeof requireOperator>[0], staffId: string | undefined) => {
    const key = requireOperator(request);
    return staffId ? `staff:${staffId}` : `api_key:${key.keyId}`;
  };

  app.post(
    '/v1/accounts/:accountId/operator-actions',
    {
      schema: {
        tags,
        summary:
          'Restrict, block or terminate an account on a ground from the terms (CM-LIF-15..18, QU-LIF-04/06, BK-LIF-03/04), or give the provider’s notice (QU-LIF-05)',
        params: AccountParams,
        body: ActionBody,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const body = request.body;
        const actor = actorOf(request, body.staffId);
        if (body.action === 'notice') {
          const { action, lastDay } = await operatorActions.giveNotice({
            accountId: request.params.accountId,
            reason: body.reason,
            evidence: body.evidence,
            actor,
            deliveredAt: body.deliveredAt ? new Date(body.deliveredAt) : undefined,
          });
          reply.code(201);
          return { action: actionJson(action), lastDay, refunds: [] };
        }
        const common = {
          accountId: request.params.accountId,
          ground: body.ground,
          reason: body.reason,
          evidence: body.evidence,
          actor,
        };
        reply.code(201);
        if (body.action === 'restrict') {
          const action = await operatorActions.restrict({
            ...common,
            scope: body.scope,
            resourceId: body.resourceId,
            ...(body.level ? { level: body.level } : {}),
          });
          return { action: actionJson(action), refunds: [] };
        }
        if (body.action === 'block') {
          const action = await operatorActions.block(common);
          return { action: actionJson(action), refunds: [] };
        }
        const { action, refunds } = await operatorActions.terminate({
          ...common,
          deliveredAt: body.deliveredAt ? new Date(body.deliveredAt) : undefined,
        });
        return { action: actionJson(action), refunds: refunds.map(refundJson) };
      }),
  );

  app.get(
    '/v1/accounts/:accountId/operator-actions',
    { schema: { tags, summary: 'The operator actions on an account, newest first', params: AccountParams } },
    async (request) => {
      requireOperator(request);
      return { actions: (await operatorActions.list(request.params.accountId)).map(actionJson) };
    },
  );

  app.post(
    '/v1/accounts/:accountId/operator-actions/:actionId/lift',
    {
      schema: {
        tags,
        summary: 'Lift a restriction or block: remedied or clarified (CM-LIF-16, QU-LIF-04, BK-LIF-03)',
        params: AccountParams.extend({ actionId: z.string().max(60) }),
        body: z.strictObject({ reason: Reason, staffId: StaffId }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = actorOf(request, request.body.staffId);
        const action = await operatorActions.lift({
          accountId: request.params.accountId,
          actionId: request.params.actionId,
          reason: request.body.reason,
          actor,
        });
        return { action: actionJson(action) };
      }),
  );

  app.post(
    '/v1/accounts/:accountId/withdrawal',
    {
      schema: {
        tags: ['withdrawal'],
        summary:
          'Withdraw from the contract (CM-LIF-19/20, QU-LIF-08): the customer, or the operator recording a statement',
        params: AccountParams,
        body: z.strictObject({
          statedGround: z.enum(['no_reason', 'non_conformity']).optional(),
          /** Operator only: a statement received by e-mail or letter, with when it was sent and received. */
          channel: z.enum(['email', 'letter', 'form']).optional(),
          sentAt: Instant.optional(),
          receivedAt: Instant.optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, ['owner']);
        const body = request.body;
        const byOperator = request.principal?.kind === 'api_key';
        if (!byOperator && (body.channel || body.sentAt || body.receivedAt))
          throw new AppError('request.forbidden');
        const { withdrawal, refunds, defects } = await withdrawals.withdraw({
          accountId: request.params.accountId,
          channel: byOperator ? (body.channel ?? 'email') : 'portal',
          statedGround: body.statedGround ?? 'no_reason',
          sentAt: body.sentAt ? new Date(body.sentAt) : undefined,
          receivedAt: body.receivedAt ? new Date(body.receivedAt) : undefined,
          actor,
        });
        reply.code(201);
        return {
          withdrawal: withdrawalJson(withdrawal),
          refunds: refunds.map(refundJson),
          materialDefects: defects.map(defectJson),
        };
      }),
  );

  app.get(
    '/v1/accounts/:accountId/withdrawal',
    {
      schema: {
        tags: ['withdrawal'],
        summary: 'The account’s withdrawal and its refunds',
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, ['owner', 'billing']);
      const found = await withdrawals.withdrawalOf(request.params.accountId);
      if (!found) throw new AppError(operatorActionErrors.withdrawal_not_found);
      return { withdrawal: withdrawalJson(found.withdrawal), refunds: found.refunds.map(refundJson) };
    },
  );

  app.post(
    '/v1/accounts/:accountId/refund-obligations/:obligationId/transfer',
    {
      schema: {
        tags: ['withdrawal'],
        summary: 'Record a refund sent by bank transfer, with its reference (CM-LIF-20, QU-LIF-08)',
        params: AccountParams.extend({ obligationId: z.string().max(60) }),
        body: z.strictObject({ reference: z.string().trim().min(1).max(120), staffId: StaffId }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = actorOf(request, request.body.staffId);
        const row = await withdrawals.refundSent({
          accountId: request.params.accountId,
          obligationId: request.params.obligationId,
          reference: request.body.reference,
          actor,
        });
        return { refund: refundJson(row) };
      }),
  );

  app.post(
    '/v1/accounts/:accountId/function-outages',
    {
      schema: {
        tags: ['withdrawal'],
        summary:
          'Report a function’s unavailability for the account; material-defect periods follow (CM-LIF-21)',
        params: AccountParams,
        body: z.strictObject({ function: z.string().min(1).max(60), from: Instant, to: Instant }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const key = requireOperator(request);
        const { defects } = await withdrawals.recordOutage({
          accountId: request.params.accountId,
          function: request.body.function,
          from: new Date(request.body.from),
          to: new Date(request.body.to),
          actor: `api_key:${key.keyId}`,
        });
        reply.code(201);
        return { materialDefects: defects.map(defectJson) };
      }),
  );

  app.get(
    '/v1/accounts/:accountId/material-defects',
    {
      schema: {
        tags: ['withdrawal'],
        summary: 'Periods when every watched function was down at once (CM-LIF-21)',
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      const defects = await withdrawals.materialDefects(request.params.accountId);
      return {
        materialDefects: defects.map(defectJson),
        totalMinutes: defects.reduce((s, d) => s + d.minutes, 0),
      };
    },
  );
}
