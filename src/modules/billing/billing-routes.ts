import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import { billingErrors } from './billing-errors.ts';
import { invoiceSummary, paymentMethodJson } from './billing-overview.ts';
import type { InvoiceRow, RefundRow, SubscriptionRow } from './billing-store.ts';
import type { Billing } from './index.ts';
import { registerLiabilityCapRoutes } from './liability-cap-routes.ts';
import { registerPlanChangeRoutes } from './plan-changes-routes.ts';

/** Who may pay and see invoices for an account: the operator, or the account's owner or billing user. */
const BILLING_ROLES = ['owner', 'billing'] as const;

const AccountParams = z.object({ accountId: z.string().max(60) });
const InvoiceParams = AccountParams.extend({ invoiceId: z.string().max(60) });

/** A card as the sandbox gateway takes it; the number goes to the gateway and is never stored. */
const Card = z.strictObject({
  number: z.string().regex(/^[0-9 -]{12,23}$/, 'card number digits'),
  expMonth: z.number().int().min(1).max(12),
  expYear: z.number().int().min(2000).max(2100),
  cvc: z
    .string()
    .regex(/^\d{3,4}$/)
    .optional(),
});

const Address = z.strictObject({
  street: z.string().min(1).max(200),
  postalCode: z.string().min(1).max(20),
  city: z.string().min(1).max(100),
  country: z.string().regex(/^[A-Z]{2}$/),
});

const OrderBody = z.strictObject({
  plan: z.string().min(1).max(60),
  frequency: z.string().min(1).max(20),
  paymentMethodId: z.string().max(60).optional(),
  card: Card.optional(),
  recurringConsent: z.boolean().optional(),
  /** Where the terms take payments only by redirect (MOC-BIL-01): the gateway to pay on, e.g. `paypal`. */
  provider: z.string().min(1).max(40).optional(),
  identification: z
    .strictObject({
      company: z
        .strictObject({
          name: z.string().trim().min(1).max(300).optional(),
          taxId: z.string().max(30).optional(),
          country: z
            .string()
            .regex(/^[A-Z]{2}$/)
            .optional(),
          address: Address.optional(),
        })
        .optional(),
      orderingPerson: z.string().trim().min(1).max(200).optional(),
    })
    .optional(),
});

/** HTTP for the billing module: validate, call one use case, reply. */
export function registerBillingRoutes(
  app: HttpServer,
  deps: { billing: Billing; idempotent: ReturnType<typeof makeIdempotency> },
): void {
  const { billing, idempotent } = deps;
  const tags = ['billing'];
  // Plan changes, add-ons, packs and balances, price-list changes (QU-BIL-09/10/11, CM-BIL-03/06/11, BK-BIL-03).
  registerPlanChangeRoutes(app, deps);
  // The liability-cap calculator for the operator (CM-BIL-13, CM-BIL-14, CM-DOC-06).
  registerLiabilityCapRoutes(app, deps);

  app.post(
    '/v1/accounts/:accountId/payment-methods',
    {
      schema: {
        tags,
        summary: 'Save a card, with or without consent to recurring charges (CM-BIL-02, BK-BIL-05)',
        params: AccountParams,
        body: z.strictObject({ card: Card, recurringConsent: z.boolean() }),
      },
    },
    async (request, reply) => {
      requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
      // The gateway registers the card before the request's transaction opens (no network call under locks).
      const prepared = await billing.prepareCard({
        accountId: request.params.accountId,
        card: request.body.card,
        recurringConsent: request.body.recurringConsent,
        idempotencyKey: cardKey(request.params.accountId, request.headers['idempotency-key']),
      });
      return idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
        const method = await billing.addPaymentMethod({
          accountId: request.params.accountId,
          card: request.body.card,
          recurringConsent: request.body.recurringConsent,
          prepared,
          actor,
        });
        reply.code(201);
        return paymentMethodJson(method);
      });
    },
  );

  app.delete(
    '/v1/accounts/:accountId/payment-methods/:paymentMethodId/consent',
    {
      schema: {
        tags,
        summary: 'Withdraw the consent to recurring charges: no automatic charge from now on (CM-BIL-02)',
        params: AccountParams.extend({ paymentMethodId: z.string().max(60) }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
      const method = await billing.withdrawRecurringConsent({
        accountId: request.params.accountId,
        paymentMethodId: request.params.paymentMethodId,
        actor,
      });
      return paymentMethodJson(method);
    },
  );

  app.post(
    '/v1/accounts/:accountId/subscriptions',
    {
      schema: {
        tags,
        summary: 'Order a paid plan: pay by card and get the invoice, or get the invoice with payment terms',
        params: AccountParams,
        body: OrderBody,
      },
    },
    async (request, reply) => {
      // A new card is registered at the gateway before the order's transaction opens (no network call under
      // locks), under a key derived from the request's, so a retried request registers it once.
      requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
      const prepared = request.body.card
        ? await billing.prepareCard({
            accountId: request.params.accountId,
            card: request.body.card,
            recurringConsent: request.body.recurringConsent ?? false,
            idempotencyKey: cardKey(request.params.accountId, request.headers['idempotency-key']),
            forOrder: true,
          })
        : null;
      // A declined card is stored as the key's answer too: the failed attempt was recorded, and a retry of
      // the same request must not charge again. The customer retries with a new key (and another card).
      const result = await idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
        const { card, paymentMethodId, recurringConsent, identification, ...order } = request.body;
        const outcome = await billing.orderPlan({
          accountId: request.params.accountId,
          ...order,
          prepared,
          card: card ?? null,
          paymentMethodId: paymentMethodId ?? null,
          recurringConsent: recurringConsent ?? false,
          identification,
          actor,
        });
        if (outcome.outcome === 'payment_failed') {
          reply.code(402);
          return { declined: { failureCode: outcome.failureCode, payment: outcome.payment.id } };
        }
        if (outcome.outcome === 'pending') {
          reply.code(202);
          return { pending: { payment: outcome.payment.id } };
        }
        reply.code(201);
        return orderJson(outcome);
      });
      if ('declined' in result)
        throw new AppError(billingErrors['billing.payment_declined'], { details: result.declined });
      if (!('pending' in result)) return result;
      // A remote gateway (Stripe) is charged now, after the order's transaction committed (a replay of the
      // request looks at the same charge again and answers with its outcome so far).
      const state = await billing.sendCharge(result.pending.payment);
      if (state.status === 'failed')
        throw new AppError(billingErrors['billing.payment_declined'], {
          details: { failureCode: state.payment.failureCode ?? 'card_declined', payment: state.payment.id },
        });
      if (state.status === 'succeeded') {
        const settled = await billing.orderOf(request.params.accountId, state.payment.id);
        if (settled) {
          reply.code(201);
          return orderJson(settled);
        }
      }
      reply.code(202);
      return {
        payment: {
          id: state.payment.id,
          status: state.status,
          // A redirect payment names its gateway (MOC-BIL-01: PayPal, or the sandbox's redirect mode).
          ...(state.status === 'requires_action' && state.redirectUrl
            ? { provider: state.payment.provider }
            : {}),
        },
        ...(state.status === 'requires_action'
          ? state.redirectUrl
            ? // MOC-BIL-01: the buyer pays on the gateway's page; the subscription starts when it settles.
              { nextAction: { type: 'redirect', url: state.redirectUrl } }
            : { nextAction: { type: 'authenticate', clientSecret: state.clientSecret } }
          : {}),
      };
    },
  );

  app.post(
    '/v1/accounts/:accountId/subscription/renewal-payments',
    {
      schema: {
        tags,
        summary: 'Pay the next period by redirect (MOC-BIL-01: no stored card, nothing renews by itself)',
        description:
          "Answers 202 with the redirect gateway's page (`nextAction.url`); the period starts being paid when " +
          'the gateway settles the payment. A subscription that ended unpaid restarts with a full period from ' +
          'the day of payment. Asking again while the payment waits answers the same page.',
        params: AccountParams,
        body: z.strictObject({ provider: z.string().min(1).max(40).optional() }).optional(),
      },
    },
    async (request, reply) => {
      const result = await idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
        const { payment, period } = await billing.payNextPeriodByRedirect({
          accountId: request.params.accountId,
          provider: request.body?.provider ?? null,
          actor,
        });
        reply.code(202);
        return { pending: { payment: payment.id, period } };
      });
      const state = await billing.sendCharge(result.pending.payment);
      if (state.status === 'failed')
        throw new AppError(billingErrors['billing.payment_declined'], {
          details: {
            failureCode: state.payment.failureCode ?? 'payment_declined',
            payment: state.payment.id,
          },
        });
      reply.code(state.status === 'succeeded' ? 200 : 202);
      return {
        payment: { id: state.payment.id, status: state.status, provider: state.payment.provider },
        period: result.pending.period,
        ...(state.status === 'requires_action' && state.redirectUrl
          ? { nextAction: { type: 'redirect', url: state.redirectUrl } }
          : {}),
      };
    },
  );

  app.get(
    '/v1/accounts/:accountId/billing',
    {
      schema: {
        tags,
        summary: 'The billing tab: current plan, paid-through date, saved cards and invoices (BK-BIL-06)',
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
      return billing.overview(request.params.accountId);
    },
  );

  app.get(
    '/v1/accounts/:accountId/invoices/:invoiceId',
    { schema: { tags, summary: 'An invoice with its frozen document', params: InvoiceParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
      return billing.invoice(request.params.accountId, request.params.invoiceId);
    },
  );

  app.get(
    '/v1/accounts/:accountId/invoices/:invoiceId/fa3.xml',
    {
      schema: {
        tags,
        summary: 'The invoice as a KSeF FA(3) XML document (Polish seller)',
        params: InvoiceParams,
      },
    },
    async (request, reply) => {
      requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
      const xml = await billing.invoiceKsefXml(request.params.accountId, request.params.invoiceId);
      return reply.type('application/xml; charset=utf-8').send(xml);
    },
  );

  app.post(
    '/v1/accounts/:accountId/invoices/:invoiceId/payments',
    {
      schema: {
        tags: ['operator'],
        summary: 'Book money received for an invoice (a bank transfer); partial payments and overpayments',
        params: InvoiceParams,
        body: z.strictObject({
          amount: z.string().regex(/^\d+(\.\d+)?$/),
          currency: z.string().regex(/^[A-Z]{3}$/),
          reference: z.string().min(1).max(100),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const { payment, invoice, credit } = await billing.recordPayment({
          accountId: request.params.accountId,
          invoiceId: request.params.invoiceId,
          ...request.body,
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(201);
        return {
          payment: {
            id: payment.id,
            amount: toDecimalString(money(payment.amount, payment.currency)),
            currency: payment.currency,
          },
          invoice: invoiceSummary(invoice),
          credit: { amount: toDecimalString(credit), currency: credit.currency },
        };
      }),
  );

  app.post(
    '/v1/accounts/:accountId/refunds',
    {
      schema: {
        tags: ['operator'],
        summary:
          "Refund a payment (card: at once; transfer: awaiting the operator's transfer) for a reason from the terms' closed list, with a correcting invoice (CM-BIL-04)",
        params: AccountParams,
        body: z.strictObject({
          paymentId: z.string().min(1).max(60),
          /** Optional in the schema so that a refund without a reason is refused by the rule (422, CM-BIL-04). */
          reason: z.string().max(60).optional(),
          on: z.iso.date().optional(),
          /** For `mandatory_law` only (the terms set no amount): what the law requires, e.g. "47.19". */
          amount: z
            .string()
            .regex(/^\d{1,9}(\.\d{1,2})?$/)
            .optional(),
        }),
      },
    },
    async (request, reply) => {
      const result = await idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const { refund, correction, replayed } = await billing.refundPayment({
          accountId: request.params.accountId,
          paymentId: request.body.paymentId,
          reason: request.body.reason,
          on: request.body.on,
          amount: request.body.amount,
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(replayed ? 200 : 201);
        return { refund: refundJson(refund), correction: invoiceSummary(correction) };
      });
      if (result.refund?.status !== 'pending') return result;
      // A remote gateway (Stripe) is asked after the refund's transaction committed; if it fails or does not
      // answer, the refund stays pending (202) and the runner re-sends it under the same key.
      const sent = await billing.sendRefund(result.refund.id);
      if (!sent) return result;
      if (sent.refund.status === 'pending') reply.code(202);
      return {
        refund: refundJson(sent.refund),
        correction: sent.correction ? invoiceSummary(sent.correction) : result.correction,
      };
    },
  );

  app.post(
    '/v1/accounts/:accountId/refunds/:refundId/transfer',
    {
      schema: {
        tags: ['operator'],
        summary: 'Confirm that a refund of a transfer payment was sent, with its bank reference (CM-BIL-04)',
        params: AccountParams.extend({ refundId: z.string().max(60) }),
        body: z.strictObject({ reference: z.string().trim().min(1).max(140) }),
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      const refund = await billing.confirmRefundTransfer({
        accountId: request.params.accountId,
        refundId: request.params.refundId,
        reference: request.body.reference,
        actor: `api_key:${operator.keyId}`,
      });
      return {
        refund: {
          id: refund.id,
          payment: refund.paymentId,
          reason: refund.reason,
          amount: toDecimalString(money(refund.amount, refund.currency)),
          currency: refund.currency,
          providerRef: refund.providerRef,
          status: refund.status,
          sentAt: refund.sentAt?.toISOString() ?? null,
        },
      };
    },
  );
}

/** The gateway key a card registration is sent under: the request's Idempotency-Key, per account. */
function cardKey(accountId: string, header: string | string[] | undefined): string | undefined {
  const key = Array.isArray(header) ? header[0] : header;
  return key ? `card:${accountId}:${key}` : undefined;
}

/** An order that started: its subscription, first invoice and payment. */
function orderJson(order: {
  subscription: SubscriptionRow;
  invoice: InvoiceRow;
  payment: { id: string; status: string } | null;
}) {
  const s = order.subscription;
  return {
    subscription: {
      id: s.id,
      plan: s.planCode,
      frequency: s.frequency,
      status: s.status,
      currentPeriod: { from: s.currentPeriodFrom, to: s.currentPeriodTo },
      paidThrough: s.paidThrough,
      price: { net: toDecimalString(money(s.priceAmount, s.priceCurrency)), currency: s.priceCurrency },
      paymentMethodId: s.paymentMethodId,
    },
    invoice: invoiceSummary(order.invoice),
    payment: order.payment && { id: order.payment.id, status: order.payment.status },
  };
}

function refundJson(refund: RefundRow) {
  return {
    id: refund.id,
    payment: refund.paymentId,
    reason: refund.reason,
    amount: toDecimalString(money(refund.amount, refund.currency)),
    currency: refund.currency,
    providerRef: refund.providerRef,
    status: refund.status,
    createdAt: refund.createdAt.toISOString(),
  };
}
