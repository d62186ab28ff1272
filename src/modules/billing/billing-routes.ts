import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import { billingErrors } from './billing-errors.ts';
import { invoiceSummary, paymentMethodJson } from './billing-overview.ts';
import type { Billing } from './index.ts';

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
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
        const method = await billing.addPaymentMethod({
          accountId: request.params.accountId,
          card: request.body.card,
          recurringConsent: request.body.recurringConsent,
          actor,
        });
        reply.code(201);
        return paymentMethodJson(method);
      }),
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
      // A declined card is stored as the key's answer too: the failed attempt was recorded, and a retry of
      // the same request must not charge again. The customer retries with a new key (and another card).
      const result = await idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
        const { card, paymentMethodId, recurringConsent, identification, ...order } = request.body;
        const outcome = await billing.orderPlan({
          accountId: request.params.accountId,
          ...order,
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
        reply.code(201);
        const s = outcome.subscription;
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
          invoice: invoiceSummary(outcome.invoice),
          payment: outcome.payment && { id: outcome.payment.id, status: outcome.payment.status },
        };
      });
      if ('declined' in result)
        throw new AppError(billingErrors['billing.payment_declined'], { details: result.declined });
      return result;
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
          "Refund a card payment for a reason from the terms' closed list, with a correcting invoice (CM-BIL-04)",
        params: AccountParams,
        body: z.strictObject({
          paymentId: z.string().min(1).max(60),
          /** Optional in the schema so that a refund without a reason is refused by the rule (422, CM-BIL-04). */
          reason: z.string().max(60).optional(),
          on: z.iso.date().optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const { refund, correction, replayed } = await billing.refundPayment({
          accountId: request.params.accountId,
          paymentId: request.body.paymentId,
          reason: request.body.reason,
          on: request.body.on,
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(replayed ? 200 : 201);
        return {
          refund: {
            id: refund.id,
            payment: refund.paymentId,
            reason: refund.reason,
            amount: toDecimalString(money(refund.amount, refund.currency)),
            currency: refund.currency,
            providerRef: refund.providerRef,
            createdAt: refund.createdAt.toISOString(),
          },
          correction: invoiceSummary(correction),
        };
      }),
  );
}
