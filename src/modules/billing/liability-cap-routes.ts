import { z } from 'zod';
import { isLocalDate } from '../../platform/calendar.ts';
import { requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import { toDecimalString } from '../../platform/money.ts';
import type { Billing } from './index.ts';

const Params = z.object({ accountId: z.string().max(60) });
const Query = z.strictObject({
  /** The day of the event that caused the damage (the policy's time zone); default: today. */
  at: z.string().refine(isLocalDate, 'a date like 2026-06-15').optional(),
  /** The claim is for damage caused intentionally (CM-DOC-06). */
  intentional: z.enum(['true', 'false']).optional(),
});

const amount = (m: { amount: bigint; currency: string }) => ({
  amount: toDecimalString(m),
  currency: m.currency,
});

/** The operator's liability-cap calculator (CM-BIL-13, CM-BIL-14, CM-DOC-06). */
export function registerLiabilityCapRoutes(app: HttpServer, deps: { billing: Billing }): void {
  app.get(
    '/v1/accounts/:accountId/liability-cap',
    {
      schema: {
        tags: ['billing', 'operator'],
        summary:
          'The liability cap for an event on a day: paid in the 12 months before it, or 12 × the cheapest net monthly price for free-only users (CM-BIL-13, CM-BIL-14, CM-DOC-06)',
        params: Params,
        querystring: Query,
      },
    },
    async (request) => {
      requireOperator(request);
      const cap = await deps.billing.liabilityCap({
        accountId: request.params.accountId,
        eventDate: request.query.at,
        intentional: request.query.intentional === 'true',
      });
      return {
        ...cap,
        paid: cap.paid.map((p) => ({ ...p, amount: amount(p.amount) })),
        refunded: amount(cap.refunded),
        cheapest: cap.cheapest ? { ...cap.cheapest, monthlyNet: amount(cap.cheapest.monthlyNet) } : null,
        cap: cap.cap ? amount(cap.cap) : null,
      };
    },
  );
}
