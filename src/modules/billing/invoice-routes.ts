import { z } from 'zod';
import { isLocalDate } from '../../platform/calendar.ts';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { invoiceSummary } from './billing-overview.ts';
import type { Billing } from './index.ts';

const BILLING_ROLES = ['owner', 'billing'] as const;
const AccountParams = z.object({ accountId: z.string().max(60) });
const InvoiceParams = AccountParams.extend({ invoiceId: z.string().max(60) });
const LocalDate = z.string().refine(isLocalDate, { error: 'a date written YYYY-MM-DD' });

/**
 * HTTP for invoice outputs: the PDF, a proven delivery date (QU-BIL-07), NBP exchange rates as data, the
 * account's VIES checks, and a manual KSeF run. Validate, call one use case, reply.
 */
export function registerInvoiceRoutes(
  app: HttpServer,
  deps: { billing: Billing; idempotent: ReturnType<typeof makeIdempotency> },
): void {
  const { billing, idempotent } = deps;
  const tags = ['billing'];

  app.get(
    '/v1/accounts/:accountId/invoices/:invoiceId/pdf',
    {
      schema: {
        tags,
        summary: 'The invoice as a PDF in its language, from its frozen document (BK-BIL-07, CM-BIL-09)',
        params: InvoiceParams,
      },
    },
    async (request, reply) => {
      requireAccountAccess(request, request.params.accountId, BILLING_ROLES);
      const { pdf, fileName } = await billing.invoicePdf(request.params.accountId, request.params.invoiceId);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .send(pdf);
    },
  );

  app.post(
    '/v1/accounts/:accountId/invoices/:invoiceId/delivery',
    {
      schema: {
        tags: ['operator'],
        summary:
          'Record a proven later delivery of an invoice; the due date moves by as many days (QU-BIL-07)',
        params: InvoiceParams,
        body: z.strictObject({ deliveredOn: LocalDate }),
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      const invoice = await billing.recordInvoiceDelivery({
        accountId: request.params.accountId,
        invoiceId: request.params.invoiceId,
        deliveredOn: request.body.deliveredOn,
        actor: `api_key:${operator.keyId}`,
      });
      return {
        ...invoiceSummary(invoice),
        deemedDeliveredOn: invoice.deemedDeliveredOn,
        deliveredOn: invoice.deliveredOn,
      };
    },
  );

  app.post(
    '/v1/exchange-rates',
    {
      schema: {
        tags: ['operator'],
        summary: 'Import NBP average exchange rates (the JSON of api.nbp.pl, tables A or B)',
        body: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const imported = await billing.importExchangeRates({
          json: request.body,
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(201);
        return imported;
      }),
  );

  app.get(
    '/v1/exchange-rates',
    {
      schema: {
        tags: ['operator'],
        summary: 'The NBP rates on record, newest first',
        querystring: z.strictObject({
          currency: z
            .string()
            .regex(/^[A-Z]{3}$/)
            .optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (request) => {
      requireOperator(request);
      const rates = await billing.exchangeRates({
        currency: request.query.currency,
        limit: request.query.limit,
      });
      return { rates };
    },
  );

  app.get(
    '/v1/accounts/:accountId/vat-id-checks',
    {
      schema: {
        tags: ['operator'],
        summary: "VIES's answers about the account's EU VAT id (QU-BIL-08)",
        params: AccountParams,
      },
    },
    async (request) => {
      requireOperator(request);
      const checks = await billing.vatIdChecks(request.params.accountId);
      return {
        checks: checks.map((c) => ({
          vatId: c.vatId,
          status: c.status,
          checkedAt: c.checkedAt.toISOString(),
          requestId: c.requestId,
          error: c.error,
        })),
      };
    },
  );

  app.post(
    '/v1/accounts/:accountId/vat-id-checks',
    {
      schema: {
        tags: ['operator'],
        summary: 'Ask VIES again about the account’s EU VAT id (e.g. after an outage left it unverified)',
        params: AccountParams,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const check = await billing.recheckVatId({
          accountId: request.params.accountId,
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(check ? 201 : 200);
        return check
          ? {
              vatId: check.vatId,
              status: check.status,
              checkedAt: check.checkedAt.toISOString(),
              requestId: check.requestId,
              error: check.error,
            }
          : { status: 'not_checked' };
      }),
  );

  app.post(
    '/v1/ksef/submissions',
    {
      schema: {
        tags: ['operator'],
        summary:
          'Send the invoices waiting for KSeF now and record what KSeF decided (the worker does it too)',
      },
    },
    async (request) => {
      requireOperator(request);
      const result = await billing.submitKsef();
      return result ?? { enabled: false };
    },
  );
}
