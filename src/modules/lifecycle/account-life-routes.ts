import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import type {
  AccountLife,
  CancellationRow,
  PresentCharge,
  RestoreRequestRow,
  SuspensionRow,
} from './account-life.ts';
import type { LifeRow } from './lifecycle.ts';

/** Who may end, suspend or restore an account's contract: the operator, or the account's owner. */
const OWNER = ['owner'] as const;

const AccountParams = z.object({ accountId: z.string().max(60) });
const Reason = z.string().trim().min(1).max(2000);

function lifeJson(row: LifeRow) {
  return {
    accountId: row.accountId,
    state: row.state,
    plan: row.planCode,
    stateSince: row.stateSince.toISOString(),
    contractEndedAt: row.contractEndedAt?.toISOString() ?? null,
    restorableUntil: row.restorableUntil?.toISOString() ?? null,
  };
}

function cancellationJson(c: CancellationRow) {
  return {
    id: c.id,
    channel: c.channel,
    requestedAt: c.requestedAt.toISOString(),
    effectiveAt: c.effectiveAt.toISOString(),
    status: c.status,
    confirmationMessageId: c.confirmationMessageId,
  };
}

function suspensionJson(s: SuspensionRow) {
  return {
    id: s.id,
    startsOn: s.startsOn,
    reactivateOn: s.reactivateOn,
    status: s.status,
    requestedAt: s.requestedAt.toISOString(),
    endedAt: s.endedAt?.toISOString() ?? null,
  };
}

function chargeJson(c: PresentCharge | null | undefined) {
  if (!c || c.outcome === 'not_charged') return null;
  return {
    outcome: c.outcome,
    payment: c.payment?.id ?? null,
    ...(c.outcome === 'declined' ? { failureCode: c.failureCode } : {}),
  };
}

/**
 * The answer to a customer's restore or reactivation charged on-session, like an order's: a decline is
 * 402 (`billing.payment_declined`; the attempt stays recorded, a retry with the same key answers the same);
 * a remote gateway's charge is sent now, after the commit, and answers 202 with the 3-D Secure to do, or
 * the settled outcome.
 */
async function presentChargeReply<T extends { charge: ReturnType<typeof chargeJson> }>(
  accountLife: AccountLife,
  reply: FastifyReply,
  result: T,
): Promise<T | Record<string, unknown>> {
  const charge = result.charge;
  if (charge?.outcome === 'declined')
    throw new AppError('billing.payment_declined', {
      details: { failureCode: charge.failureCode ?? 'card_declined', payment: charge.payment },
    });
  if (charge?.outcome !== 'pending' || !charge.payment) return result;
  const state = await accountLife.sendCharge(charge.payment);
  if (state.status === 'failed')
    throw new AppError('billing.payment_declined', {
      details: { failureCode: state.payment.failureCode ?? 'card_declined', payment: state.payment.id },
    });
  if (state.status === 'succeeded') {
    reply.code(201);
    return { ...result, charge: { outcome: 'paid', payment: state.payment.id } };
  }
  reply.code(202);
  return {
    ...result,
    charge: { outcome: 'pending', payment: state.payment.id, status: state.status },
    ...(state.status === 'requires_action'
      ? { nextAction: { type: 'authenticate', clientSecret: state.clientSecret ?? null } }
      : {}),
  };
}

function restoreJson(r: RestoreRequestRow) {
  return {
    id: r.id,
    accountId: r.accountId,
    fromState: r.fromState,
    requestedAt: r.requestedAt.toISOString(),
    status: r.status,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    decidedBy: r.decidedBy,
    reason: r.reason,
    agreementRef: r.agreementRef,
  };
}

/**
 * HTTP for the account's life after its start: the customer cancels, suspends, reactivates, asks for a
 * restoration or deletes the account; the operator records a support request's cancellation, decides
 * restorations, restores under a written agreement and terminates for non-payment. Creating POSTs honour
 * Idempotency-Key.
 */
export function registerAccountLifeRoutes(
  app: HttpServer,
  deps: { accountLife: AccountLife; idempotent: ReturnType<typeof makeIdempotency> },
): void {
  const { accountLife, idempotent } = deps;
  const tags = ['lifecycle'];

  app.post(
    '/v1/accounts/:accountId/cancellation',
    {
      schema: {
        tags,
        summary:
          'Cancel the contract: no renewal afterwards, access to the end of the period, then closed (CM-LIF-09, QU-LIF-05, QU-LIF-07, BK-LIF-05)',
        params: AccountParams,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, OWNER);
        const c = await accountLife.cancel({
          accountId: request.params.accountId,
          actor,
          channel: 'self_service',
        });
        reply.code(201);
        return cancellationJson(c);
      }),
  );

  app.delete(
    '/v1/accounts/:accountId/cancellation',
    {
      schema: {
        tags,
        summary: 'Withdraw a cancellation that has not taken effect yet: the contract runs on and renews',
        params: AccountParams,
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, OWNER);
      const c = await accountLife.withdrawCancellation({ accountId: request.params.accountId, actor });
      return cancellationJson(c);
    },
  );

  app.post(
    '/v1/accounts/:accountId/support-cancellations',
    {
      schema: {
        tags,
        summary:
          'Operator: record a cancellation asked for in a support request, as of its first message (CM-LIF-10)',
        params: AccountParams,
        body: z.strictObject({ firstMessageAt: z.iso.datetime({ offset: true }) }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const principal = requireOperator(request);
        const c = await accountLife.cancel({
          accountId: request.params.accountId,
          actor: `api_key:${principal.keyId}`,
          channel: 'support_request',
          requestedAt: new Date(request.body.firstMessageAt),
        });
        reply.code(201);
        return cancellationJson(c);
      }),
  );

  app.get(
    '/v1/accounts/:accountId/cancellation',
    {
      schema: {
        tags,
        summary:
          'The latest cancellation; complete only once its confirmation mail has been sent (CM-LIF-11)',
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      const c = await accountLife.cancellationOf(request.params.accountId);
      return {
        cancellation: c
          ? {
              ...cancellationJson(c),
              closure: c.closure,
              confirmation: c.confirmation
                ? { ...c.confirmation, sentAt: c.confirmation.sentAt?.toISOString() ?? null }
                : null,
            }
          : null,
      };
    },
  );

  app.post(
    '/v1/accounts/:accountId/suspension',
    {
      schema: {
        tags,
        summary:
          'Suspend the account from the first unpaid day, for at most the policy’s days and not past the card’s expiry (CM-LIF-04, CM-LIF-05)',
        params: AccountParams,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, OWNER);
        const s = await accountLife.suspend({ accountId: request.params.accountId, actor });
        reply.code(201);
        return suspensionJson(s);
      }),
  );

  app.get(
    '/v1/accounts/:accountId/suspension',
    { schema: { tags, summary: 'The latest suspension', params: AccountParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      const s = await accountLife.suspensionOf(request.params.accountId);
      return { suspension: s ? suspensionJson(s) : null };
    },
  );

  app.post(
    '/v1/accounts/:accountId/reactivation',
    {
      schema: {
        tags,
        summary: 'Reactivate a suspended account: billing resumes today and is charged at once (CM-LIF-07)',
        params: AccountParams,
      },
    },
    async (request, reply) => {
      const result = await idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, OWNER);
        const s = await accountLife.reactivate({ accountId: request.params.accountId, actor });
        reply.code(201);
        return { ...suspensionJson(s), charge: chargeJson(s.charge) };
      });
      return presentChargeReply(accountLife, reply, result);
    },
  );

  app.post(
    '/v1/accounts/:accountId/restore-requests',
    {
      schema: {
        tags,
        summary:
          'Ask to restore an expired, liquidated or terminated account inside its window, paying the next period (CM-LIF-03, CM-LIF-13, CM-LIF-14)',
        params: AccountParams,
      },
    },
    async (request, reply) => {
      const result = await idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, OWNER);
        const r = await accountLife.requestRestore({ accountId: request.params.accountId, actor });
        reply.code(201);
        return { ...restoreJson(r), charge: chargeJson(r.charge) };
      });
      return presentChargeReply(accountLife, reply, result);
    },
  );

  app.get(
    '/v1/restore-requests',
    {
      schema: {
        tags,
        summary: 'Operator: restore requests, e.g. those waiting for a decision (CM-LIF-14)',
        querystring: z.object({
          status: z.enum(['pending_review', 'awaiting_payment', 'restored', 'refused', 'lapsed']).optional(),
        }),
      },
    },
    async (request) => {
      requireOperator(request);
      const list = await accountLife.restoreRequests(
        request.query.status ? { status: request.query.status } : {},
      );
      return { restoreRequests: list.map(restoreJson) };
    },
  );

  app.post(
    '/v1/restore-requests/:requestId/decision',
    {
      schema: {
        tags,
        summary: 'Operator: approve or refuse a restore request, with the reason recorded (CM-LIF-14)',
        params: z.object({ requestId: z.string().max(60) }),
        body: z.strictObject({ decision: z.enum(['approve', 'refuse']), reason: Reason }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const principal = requireOperator(request);
        const r = await accountLife.decideRestoreRequest({
          requestId: request.params.requestId,
          decision: request.body.decision,
          reason: request.body.reason,
          actor: `api_key:${principal.keyId}`,
        });
        return restoreJson(r);
      }),
  );

  app.post(
    '/v1/accounts/:accountId/written-agreement-restorations',
    {
      schema: {
        tags,
        summary: 'Operator: restore a soft-deleted account under a recorded written agreement (QU-LIF-02)',
        params: AccountParams,
        body: z.strictObject({ agreementRef: z.string().trim().min(1).max(200) }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const principal = requireOperator(request);
        const row = await accountLife.restoreWithAgreement({
          accountId: request.params.accountId,
          agreementRef: request.body.agreementRef,
          actor: `api_key:${principal.keyId}`,
        });
        reply.code(201);
        return lifeJson(row);
      }),
  );

  app.post(
    '/v1/accounts/:accountId/non-payment-termination',
    {
      schema: {
        tags,
        summary:
          'Operator: terminate and delete an account unpaid for longer than the terms allow, after the warning (BK-LIF-02)',
        params: AccountParams,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const principal = requireOperator(request);
        const row = await accountLife.terminateForNonPayment({
          accountId: request.params.accountId,
          actor: `api_key:${principal.keyId}`,
        });
        return lifeJson(row);
      }),
  );

  app.post(
    '/v1/discontinuations',
    {
      schema: {
        tags,
        summary:
          'Operator: announce that the service or a feature is discontinued, at least the policy’s notice days ahead, with an export offer (QU-LIF-10)',
        body: z.strictObject({
          feature: z.string().max(60).nullable(),
          effectiveOn: z.iso.date(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const principal = requireOperator(request);
        const result = await accountLife.announceDiscontinuation({
          feature: request.body.feature,
          effectiveOn: request.body.effectiveOn,
          actor: `api_key:${principal.keyId}`,
        });
        reply.code(201);
        return result;
      }),
  );

  app.get(
    '/v1/discontinuations',
    {
      schema: {
        tags,
        summary:
          'Operator: the announced discontinuations, each leaving the entitlements at local midnight of its day (QU-LIF-10)',
      },
    },
    async (request) => {
      requireOperator(request);
      return { discontinuations: await accountLife.discontinuations() };
    },
  );

  app.post(
    '/v1/accounts/:accountId/deletion-requests',
    {
      schema: {
        tags,
        summary:
          'Ask to delete the account: returns the irreversibility warning, the export link and a confirmation token (BK-LIF-06, MOC-LIF-01)',
        params: AccountParams,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, OWNER);
        const d = await accountLife.requestDeletion({ accountId: request.params.accountId, actor });
        reply.code(201);
        return { ...d, expiresAt: d.expiresAt.toISOString() };
      }),
  );

  app.post(
    '/v1/accounts/:accountId/deletion-requests/:requestId/confirmation',
    {
      schema: {
        tags,
        summary:
          'Confirm the deletion: the account and its data go at once and for good (BK-LIF-06, MOC-LIF-01)',
        params: AccountParams.extend({ requestId: z.string().max(60) }),
        body: z.strictObject({ token: z.string().min(16).max(200) }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, OWNER);
        const row = await accountLife.confirmDeletion({
          accountId: request.params.accountId,
          requestId: request.params.requestId,
          token: request.body.token,
          actor,
        });
        return lifeJson(row);
      }),
  );
}
