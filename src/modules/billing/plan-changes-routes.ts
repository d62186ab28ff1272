import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import { addOnJson } from './add-ons.ts';
import { billingErrors } from './billing-errors.ts';
import { invoiceSummary } from './billing-overview.ts';
import type { SubscriptionRow } from './billing-store.ts';
import { paymentLinkJson } from './gateway-routes.ts';
import type { Billing } from './index.ts';
import { planChangeErrors } from './plan-changes-errors.ts';
import { noticeJson } from './price-changes.ts';
import type { SettledPurchase } from './purchase-charges.ts';

const moneyOf = (m: { amount: string; currency: string }) => money(BigInt(m.amount), m.currency);

const BILLING_ROLES = ['owner', 'billing'] as const;
const AccountParams = z.object({ accountId: z.string().max(60) });
const Code = z.string().regex(/^[a-z][a-z0-9_]{0,59}$/);
const Declined = z.object({ failureCode: z.string(), payment: z.string() });

function subscriptionJson(s: SubscriptionRow) {
  return {
    id: s.id,
    plan: s.planCode,
    frequency: s.frequency,
    status: s.status,
    currentPeriod: { from: s.currentPeriodFrom, to: s.currentPeriodTo },
    paidThrough: s.paidThrough,
  };
}

/**
 * HTTP for plan changes, add-ons, consumable packs and balances, and price-list changes: validate, call one
 * use case, reply. Purchases that charge a card answer a decline with 402 after storing it as the key's
 * answer (the failed attempt was recorded, and a retry of the same request must not charge again).
 */
export function registerPlanChangeRoutes(
  app: HttpServer,
  deps: { billing: Billing; idempotent: ReturnType<typeof makeIdempotency> },
): void {
  const { billing, idempotent } = deps;
  const tags = ['billing'];

  /**
   * A purchase charged through a remote gateway (Stripe): its charge is sent now, after the request's
   * transaction committed (a replay of the request looks at the same charge again). Settled at once: the
   * purchase's answer (or 402 for a decline); 3-D Secure to do: 202 with the client secret the browser needs;
   * no final answer yet: 202, and the runner or the webhook settles it.
   */
  async function remoteCharge(
    accountId: string,
    paymentId: string,
    reply: FastifyReply,
    answer: (settled: SettledPurchase) => object | null,
    code = 201,
  ): Promise<object> {
    const state = await billing.sendCharge(paymentId);
    if (state.status === 'failed')
      throw new AppError(billingErrors['billing.payment_declined'], {
        details: { failureCode: state.payment.failureCode ?? 'card_declined', payment: state.payment.id },
      });
    if (state.status === 'succeeded') {
      const settled = await billing.purchaseOf(accountId, state.payment.id);
      const body = settled && answer(settled);
      if (body) {
        reply.code(code);
        return body;
      }
    }
    reply.code(202);
    return {
      payment: { id: state.payment.id, status: state.status, provider: state.payment.provider },
      ...(state.status === 'requires_action'
        ? state.redirectUrl
          ? // MOC-BIL-01: paid on the redirect gateway's page; the change applies when it settles.
            { nextAction: { type: 'redirect', url: state.redirectUrl } }
          : { nextAction: { type: 'authenticate', clientSecret: state.clientSecret } }
        : {}),
    };
  }

  app.post(
    '/v1/accounts/:accountId/subscription/plan-change',
    {
      schema: {
        tags,
        summary:
          'Move to another plan: an upgrade billed pro rata, a downgrade from its allowed day (QU-BIL-09/10)',
        params: AccountParams,
        body: z.strictObject({ plan: Code, paymentMethodId: z.string().max(60).optional() }),
      },
    },
    async (request, reply) => {
      const result = await idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
        const changed = await billing.changePlan({
          accountId: request.params.accountId,
          plan: request.body.plan,
          paymentMethodId: request.body.paymentMethodId ?? null,
          actor,
        });
        if (changed.outcome === 'payment_failed') {
          reply.code(402);
          return { declined: { failureCode: changed.failureCode, payment: changed.payment.id } };
        }
        if (changed.outcome === 'pending') {
          reply.code(202);
          return { pending: { payment: changed.payment.id } };
        }
        reply.code(200);
        return {
          outcome: changed.outcome,
          direction: changed.direction,
          effectiveFrom: changed.effectiveFrom,
          difference: { net: toDecimalString(changed.difference), currency: changed.difference.currency },
          ...(changed.outcome === 'scheduled' ? { reason: changed.reason } : {}),
          subscription: subscriptionJson(changed.subscription),
          invoice: changed.outcome === 'changed' && changed.invoice ? invoiceSummary(changed.invoice) : null,
          payment:
            changed.outcome === 'changed' && changed.payment
              ? { id: changed.payment.id, status: changed.payment.status }
              : null,
        };
      });
      if ('declined' in result)
        throw new AppError(billingErrors['billing.payment_declined'], {
          details: Declined.parse(result.declined),
        });
      if ('pending' in result && result.pending)
        return remoteCharge(
          request.params.accountId,
          result.pending.payment,
          reply,
          (s) =>
            s.kind === 'upgrade'
              ? {
                  outcome: 'changed',
                  direction: 'upgrade',
                  effectiveFrom: s.effect.effectiveFrom,
                  difference: {
                    net: toDecimalString(moneyOf(s.effect.difference)),
                    currency: s.effect.difference.currency,
                  },
                  subscription: subscriptionJson(s.subscription),
                  invoice: invoiceSummary(s.invoice),
                  payment: { id: s.payment.id, status: s.payment.status },
                }
              : null,
          200,
        );
      return result;
    },
  );

  app.post(
    '/v1/accounts/:accountId/add-ons',
    {
      schema: {
        tags,
        summary: 'Buy an add-on: the rest of the period now, then renewed with the subscription (CM-BIL-06)',
        params: AccountParams,
        body: z.strictObject({
          addOn: Code,
          renews: z.boolean().optional(),
          paymentMethodId: z.string().max(60).optional(),
        }),
      },
    },
    async (request, reply) => {
      const result = await idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
        const bought = await billing.buyAddOn({
          accountId: request.params.accountId,
          addOn: request.body.addOn,
          renews: request.body.renews,
          paymentMethodId: request.body.paymentMethodId ?? null,
          actor,
        });
        if (bought.outcome === 'payment_failed') {
          reply.code(402);
          return { declined: { failureCode: bought.failureCode, payment: bought.payment.id } };
        }
        if (bought.outcome === 'pending') {
          reply.code(202);
          return { pending: { payment: bought.payment.id } };
        }
        reply.code(201);
        return {
          addOn: addOnJson(bought.addOn),
          invoice: invoiceSummary(bought.invoice),
          payment: bought.payment && { id: bought.payment.id, status: bought.payment.status },
        };
      });
      if ('declined' in result)
        throw new AppError(billingErrors['billing.payment_declined'], {
          details: Declined.parse(result.declined),
        });
      if ('pending' in result && result.pending)
        return remoteCharge(request.params.accountId, result.pending.payment, reply, (s) =>
          s.kind === 'add_on'
            ? {
                addOn: addOnJson(s.addOn),
                invoice: invoiceSummary(s.invoice),
                payment: { id: s.payment.id, status: s.payment.status },
              }
            : null,
        );
      return result;
    },
  );

  app.post(
    '/v1/accounts/:accountId/packs',
    {
      schema: {
        tags,
        summary: 'Buy a consumable pack (SMS, dial-in minutes): charged, invoiced, then added to the balance',
        params: AccountParams,
        body: z.strictObject({
          pack: Code,
          paymentMethodId: z.string().max(60).optional(),
          /** Accepted only to be refused with a clear error: no card data is taken for a purchase (BK-BIL-04). */
          card: z.unknown().optional(),
        }),
      },
    },
    async (request, reply) => {
      const result = await idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
        const bought = await billing.purchasePack({
          accountId: request.params.accountId,
          pack: request.body.pack,
          paymentMethodId: request.body.paymentMethodId ?? null,
          cardDataGiven: request.body.card !== undefined,
          actor,
        });
        // BK-BIL-04: paid on the gateway's page; the units come when its notification pays the invoice.
        if (bought.via === 'payment_link') {
          reply.code(201);
          return {
            pack: bought.order.packCode,
            order: { id: bought.order.id, status: bought.order.status },
            invoice: invoiceSummary(bought.invoice),
          };
        }
        if (bought.outcome === 'payment_failed') {
          reply.code(402);
          return { declined: { failureCode: bought.failureCode, payment: bought.payment.id } };
        }
        if (bought.outcome === 'pending') {
          reply.code(202);
          return { pending: { payment: bought.payment.id } };
        }
        reply.code(201);
        return {
          pack: bought.entry.packCode,
          balance: { code: bought.entry.code, units: bought.balance },
          invoice: invoiceSummary(bought.invoice),
          payment: bought.payment && { id: bought.payment.id, status: bought.payment.status },
        };
      });
      if ('declined' in result)
        throw new AppError(billingErrors['billing.payment_declined'], {
          details: Declined.parse(result.declined),
        });
      if ('order' in result && result.invoice) {
        // BK-BIL-04: tpay's payment page, asked after the order's commit (a retry gets the same open link).
        const link = await billing.packOrderLink({
          accountId: request.params.accountId,
          invoiceId: result.invoice.id,
          actor: requireAccountAccess(request, request.params.accountId, BILLING_ROLES),
        });
        return { ...result, paymentLink: link && paymentLinkJson(link) };
      }
      if ('pending' in result && result.pending)
        return remoteCharge(request.params.accountId, result.pending.payment, reply, (s) =>
          s.kind === 'pack'
            ? {
                pack: s.entry.packCode,
                balance: { code: s.entry.code, units: s.balance },
                invoice: invoiceSummary(s.invoice),
                payment: { id: s.payment.id, status: s.payment.status },
              }
            : null,
        );
      return result;
    },
  );

  app.get(
    '/v1/accounts/:accountId/balances',
    {
      schema: {
        tags,
        summary: 'Consumable balances and their history (BK-BIL-03, CM-BIL-11)',
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      const [balances, entries] = await Promise.all([
        billing.balances(request.params.accountId),
        billing.balanceEntries(request.params.accountId),
      ]);
      return {
        balances,
        entries: entries.map((e) => ({
          id: e.id,
          balance: e.code,
          kind: e.kind,
          units: e.delta,
          balanceAfter: e.balanceAfter,
          pack: e.packCode,
          invoice: e.invoiceId,
          at: e.createdAt.toISOString(),
        })),
      };
    },
  );

  app.post(
    '/v1/accounts/:accountId/balances/:code/consume',
    {
      schema: {
        tags: ['operator'],
        summary:
          'The product uses units of a balance; never below zero; needs an Idempotency-Key (CM-BIL-11, BK-BIL-03)',
        params: AccountParams.extend({ code: Code }),
        body: z.strictObject({ units: z.number().int().min(1).max(1_000_000_000) }),
      },
    },
    async (request, reply) => {
      const operator = requireOperator(request);
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || key === '')
        throw new AppError(planChangeErrors['billing.idempotency_key_required']);
      return idempotent(request, reply, async () => {
        const used = await billing.useBalance({
          accountId: request.params.accountId,
          code: request.params.code,
          units: request.body.units,
          idempotencyKey: key,
          actor: `api_key:${operator.keyId}`,
        });
        return {
          balance: { code: request.params.code, units: used.balance },
          used: -used.entry.delta,
          entry: used.entry.id,
          replayed: used.replayed,
        };
      });
    },
  );

  app.post(
    '/v1/price-changes',
    {
      schema: {
        tags: ['operator'],
        summary:
          'Announce a new price list: existing customers are notified and repriced after notice (CM-BIL-03)',
        body: z.strictObject({
          effectiveDate: z.iso.date(),
          currency: z.string().regex(/^[A-Z]{3}$/),
          prices: z
            .array(
              z.strictObject({
                plan: Code,
                frequency: z.enum(['monthly', 'annual']),
                net: z.string().regex(/^\d+(\.\d+)?$/),
              }),
            )
            .min(1)
            .max(100),
          providerDriven: z.boolean().optional(),
          material: z.boolean().optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const { priceChange, notices } = await billing.announcePriceChange({
          effectiveDate: request.body.effectiveDate,
          currency: request.body.currency,
          prices: request.body.prices.map((p) => ({ plan: p.plan, frequency: p.frequency, amount: p.net })),
          providerDriven: request.body.providerDriven ?? true,
          material: request.body.material ?? true,
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(201);
        return {
          priceChange: {
            id: priceChange.id,
            effectiveDate: priceChange.effectiveDate,
            prices: priceChange.prices,
            providerDriven: priceChange.providerDriven,
            material: priceChange.material,
          },
          notices: notices.map((n) => ({ account: n.accountId, ...noticeJson(n) })),
        };
      }),
  );

  app.get(
    '/v1/accounts/:accountId/price-change-notices',
    {
      schema: {
        tags,
        summary: 'Price change notices this account received (CM-BIL-03, QU-BIL-11)',
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
      return { notices: (await billing.priceChangeNotices(request.params.accountId)).map(noticeJson) };
    },
  );

  app.post(
    '/v1/accounts/:accountId/price-change-notices/:noticeId/objection',
    {
      schema: {
        tags,
        summary:
          'Object to a price change within the window: the old price stays until termination (QU-BIL-11)',
        params: AccountParams.extend({ noticeId: z.string().max(60) }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
        const objected = await billing.objectToPriceChange({
          accountId: request.params.accountId,
          noticeId: request.params.noticeId,
          actor,
        });
        reply.code(objected.replayed ? 200 : 201);
        return {
          notice: noticeJson(objected.notice),
          keepsOldPrice: objected.keepsOldPrice,
          consequence: objected.consequence,
          refund: objected.refundReason ? { reason: objected.refundReason } : null,
        };
      }),
  );
}
