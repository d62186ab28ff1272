import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import { billingErrors } from './billing-errors.ts';
import type { Billing } from './index.ts';
import type { PaymentLinkRow } from './pay-invoice-by-link.ts';
import type { PaypalGateway } from './providers/paypal-gateway.ts';
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
    /** PayPal (MOC-BIL-01), when configured: its webhook and the buyer's return and cancel URLs. */
    paypal?: PaypalGateway | null | undefined;
    /** The portal the buyer is sent back to after a redirect payment (`/billing?payment=…&status=…`). */
    portalUrl?: string | undefined;
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

    scope.post(
      '/v1/webhooks/paypal',
      {
        schema: {
          tags: ['webhooks'],
          summary:
            'PayPal events: an approved order is captured, a completed or denied capture settles its payment',
          description:
            'Signed by PayPal (MOC-BIL-01): `PAYPAL-TRANSMISSION-SIG` is RSA-SHA256 (`PAYPAL-AUTH-ALGO` ' +
            'SHA256withRSA) over `<PAYPAL-TRANSMISSION-ID>|<PAYPAL-TRANSMISSION-TIME>|<webhook id>|<CRC32 of ' +
            'the raw body>`, verified with the certificate at `PAYPAL-CERT-URL` (PayPal hosts only). A ' +
            'replayed event changes nothing. 400 when the signature does not verify; 409 when the payment is ' +
            'not known yet (PayPal delivers it again).',
          body: z.string().describe('The event as PayPal sent it (JSON), verified byte for byte'),
        },
      },
      async (request) => {
        if (!deps.paypal) throw new AppError('request.not_found');
        const h = request.headers;
        const event = await deps.paypal.verifyWebhook(String(request.body), {
          'paypal-transmission-id': headerOf(h['paypal-transmission-id']),
          'paypal-transmission-time': headerOf(h['paypal-transmission-time']),
          'paypal-transmission-sig': headerOf(h['paypal-transmission-sig']),
          'paypal-cert-url': headerOf(h['paypal-cert-url']),
          'paypal-auth-algo': headerOf(h['paypal-auth-algo']),
        });
        if (!event)
          throw new AppError(billingErrors['billing.webhook_signature_invalid'], {
            details: { provider: 'paypal' },
          });
        return { received: true, result: await billing.applyPaypalEvent(event) };
      },
    );

    // The sandbox's approval page posts here (form or JSON): approve or decline a sandbox redirect payment.
    for (const decision of ['approve', 'decline'] as const)
      scope.post(
        `/v1/sandbox/redirect-payments/:paymentId/${decision}`,
        {
          schema: {
            tags: ['billing'],
            summary: `Sandbox redirect payments: the buyer ${decision}s on the sandbox's approval page`,
            description:
              "The sandbox's stand-in for PayPal's page (accounts on a test clock, KLAUZULA_PAYMENTS=sandbox): " +
              'with the page token, approving settles the payment as paid, declining as failed. No money moves.',
            params: z.object({ paymentId: z.string().max(60) }),
            body: z.string().describe('`token=…` (form) or `{"token": "…"}` (JSON)'),
          },
        },
        async (request) => {
          const raw = String(request.body ?? '');
          let token = '';
          try {
            token = raw.trim().startsWith('{')
              ? String((JSON.parse(raw) as { token?: unknown }).token ?? '')
              : (new URLSearchParams(raw).get('token') ?? '');
          } catch {
            token = '';
          }
          const state = await billing.decideSandboxRedirect({
            paymentId: (request.params as { paymentId: string }).paymentId,
            token,
            approve: decision === 'approve',
          });
          return { payment: { id: state.payment.id, status: state.status } };
        },
      );
  });

  app.get(
    '/v1/sandbox/redirect-payments/:paymentId',
    {
      schema: {
        tags: ['billing'],
        summary: "Sandbox redirect payments: the approval page (the sandbox's stand-in for PayPal's page)",
        params: z.object({ paymentId: z.string().max(60) }),
        querystring: z.object({ token: z.string().max(200) }),
      },
    },
    async (request, reply) => {
      const id = escapeHtml(request.params.paymentId);
      const token = escapeHtml(request.query.token);
      const form = (decision: string, label: string) =>
        `<form method="post" action="/v1/sandbox/redirect-payments/${id}/${decision}">` +
        `<input type="hidden" name="token" value="${token}"><button>${label}</button></form>`;
      return reply
        .type('text/html; charset=utf-8')
        .send(
          `<!doctype html><html><head><meta charset="utf-8"><title>Sandbox payment</title></head><body>` +
            `<h1>Sandbox payment ${id}</h1><p>No money moves: choose the buyer's answer.</p>` +
            `${form('approve', 'Approve')}${form('decline', 'Decline')}</body></html>`,
        );
    },
  );

  // PayPal sends the buyer back here (`?payment=<id>&token=<order id>&PayerID=…`): capture and settle.
  for (const way of ['return', 'cancel'] as const)
    app.get(
      `/v1/payments/paypal/${way}`,
      {
        schema: {
          tags: ['billing'],
          summary:
            way === 'return'
              ? 'PayPal return URL: the approved order is captured and the payment settled (MOC-BIL-01)'
              : 'PayPal cancel URL: an order the buyer did not approve fails its payment',
          querystring: z.object({
            payment: z.string().max(60),
            token: z.string().max(60),
            PayerID: z.string().max(60).optional(),
          }),
        },
      },
      async (request, reply) => {
        const input = { paymentId: request.query.payment, orderRef: request.query.token };
        const state =
          way === 'return' ? await billing.completeRedirect(input) : await billing.cancelRedirect(input);
        const answer = { payment: { id: state.payment.id, status: state.status } };
        if (!deps.portalUrl || request.headers.accept?.includes('application/json')) return answer;
        const portal = deps.portalUrl.replace(/\/+$/, '');
        return reply.redirect(
          `${portal}/billing?payment=${encodeURIComponent(state.payment.id)}&status=${state.status}`,
          303,
        );
      },
    );

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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
