import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import { billingErrors } from './billing-errors.ts';
import type { Billing } from './index.ts';
import type { PaymentLinkRow } from './pay-invoice-by-link.ts';
import type { StripeEvent, StripeGateway } from './providers/stripe-provider.ts';
import { type TpayGateway, TpayNotification } from './providers/tpay-gateway.ts';

const BILLING_ROLES = ['owner', 'billing'] as const;

/**
 * HTTP for the payment gateways: the signed webhooks of Stripe and tpay, and paying an invoice by link.
 *
 * The webhooks are verified over the exact bytes received, so their routes live in a scope of their own
 * whose content parsers keep the body as a string (JSON for Stripe, form-encoded for tpay); every other
 * route keeps Fastify's parsing. A notification that does not verify is refused with 400 and changes
 * nothing; a gateway that is not configured has no webhook (404).
 */
export function registerGatewayRoutes(
  app: HttpServer,
  deps: {
    billing: Billing;
    stripe: StripeGateway | null;
    tpay: TpayGateway | null;
    /** The process's clock: signatures are checked against the time they arrive. */
    now: () => Date;
  },
): void {
  const { billing } = deps;

  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'string' },
      (_request, body, done) => done(null, body),
    );

    scope.post(
      '/v1/webhooks/stripe',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Stripe events: PaymentIntent succeeded or failed settle the payment they are for',
          description:
            'Signed by Stripe: `Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.<raw body>" with the ' +
            'endpoint secret>`, accepted within 5 minutes. A replayed event (same id) changes nothing; a late ' +
            '`payment_intent.payment_failed` never undoes a success. 400 when the signature does not verify; ' +
            '409 when the payment is not known yet (Stripe delivers it again).',
          headers: z.object({ 'stripe-signature': z.string().optional() }),
          body: z.string().describe('The event as Stripe sent it (JSON), verified byte for byte'),
        },
      },
      async (request) => {
        if (!deps.stripe) throw new AppError('request.not_found');
        let event: StripeEvent;
        try {
          event = deps.stripe.verifyWebhook(
            String(request.body),
            String(request.headers['stripe-signature'] ?? ''),
            deps.now(),
          );
        } catch {
          throw new AppError(billingErrors['billing.webhook_signature_invalid'], {
            details: { provider: 'stripe' },
          });
        }
        return { received: true, result: await billing.applyStripeEvent(event) };
      },
    );

    scope.post(
      '/v1/webhooks/tpay',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'tpay transaction notifications: a paid transaction books the money on its invoice',
          description:
            'Form-encoded (`id`, `tr_id`, `tr_crc`, `tr_amount`, `tr_paid`, `tr_status`, …), signed by tpay ' +
            "with a detached JWS in `X-JWS-Signature` (RS256, certificate from `x5u` issued by tpay's root " +
            'CA). Answered `TRUE` once applied; a re-sent notification changes nothing. 400 when the ' +
            'signature does not verify.',
          headers: z.object({ 'x-jws-signature': z.string().optional() }),
          body: z
            .string()
            .describe('The notification as tpay sent it (form-encoded), verified byte for byte'),
        },
      },
      async (request, reply) => {
        if (!deps.tpay) throw new AppError('request.not_found');
        const raw = String(request.body);
        if (!(await deps.tpay.verifyNotification(raw, headerOf(request.headers['x-jws-signature']))))
          throw new AppError(billingErrors['billing.webhook_signature_invalid'], {
            details: { provider: 'tpay' },
          });
        const parsed = TpayNotification.safeParse(Object.fromEntries(new URLSearchParams(raw)));
        if (!parsed.success)
          throw new AppError('request.invalid', {
            details: {
              issues: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
            },
          });
        await billing.applyTpayNotification(parsed.data);
        // tpay reads exactly "TRUE" as delivered; anything else is sent again later.
        return reply.type('text/plain; charset=utf-8').send('TRUE');
      },
    );
  });

  app.post(
    '/v1/accounts/:accountId/invoices/:invoiceId/payment-links',
    {
      schema: {
        tags: ['billing'],
        summary: 'Pay the open amount of an invoice by bank transfer online (tpay pay-by-link)',
        description:
          'Returns the payment page URL of a tpay transaction for what is still open on the invoice. Asking ' +
          'again for the same amount returns the same link (200), so a retry never makes a second one. The ' +
          'payment is booked when tpay notifies it; partial payments and overpayments are booked as transfers ' +
          'are (CM-BIL-08, CM-BIL-05).',
        params: z.object({ accountId: z.string().max(60), invoiceId: z.string().max(60) }),
      },
    },
    async (request, reply) => {
      const actor = requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
      const { link, reused } = await billing.payInvoiceByLink({
        accountId: request.params.accountId,
        invoiceId: request.params.invoiceId,
        actor,
      });
      reply.code(reused ? 200 : 201);
      return paymentLinkJson(link);
    },
  );
}

export function paymentLinkJson(link: PaymentLinkRow) {
  return {
    id: link.id,
    invoice: link.invoiceId,
    provider: link.provider,
    status: link.status,
    amount: toDecimalString(money(link.amount, link.currency)),
    currency: link.currency,
    transaction: link.providerRef,
    paymentUrl: link.paymentUrl,
  };
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
