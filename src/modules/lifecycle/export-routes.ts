import { Readable } from 'node:stream';
import { z } from 'zod';
import { requireAccountAccess, requireUser } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeAccountExport } from './export-account.ts';

/** Who may take the whole account's data away: the operator, or the account's owner or admin. */
const EXPORT_ROLES = ['owner', 'admin'] as const;

const AccountParams = z.object({ accountId: z.string().max(60) });

/**
 * HTTP for the customer's export of its own data: `GET /v1/accounts/:accountId/export` streams the ZIP;
 * `GET /export`, the link the notices carry (`${portalUrl}/export`), sends a signed-in user on to its own
 * account's export.
 */
export function registerExportRoutes(
  app: HttpServer,
  deps: { accountExport: ReturnType<typeof makeAccountExport> },
): void {
  const tags = ['lifecycle'];

  app.get(
    '/v1/accounts/:accountId/export',
    {
      schema: {
        tags,
        summary:
          'Export the account’s own data as a ZIP: profile and users, billing (invoices as PDF and FA(3) XML, payments), consents, entrusted contacts and activity (QU-LIF-10); open until the account is purged',
        params: AccountParams,
      },
    },
    async (request, reply) => {
      const actor = requireAccountAccess(request, request.params.accountId, EXPORT_ROLES);
      const exported = await deps.accountExport.exportAccount({ accountId: request.params.accountId, actor });
      reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="${exported.fileName}"`)
        .header('cache-control', 'no-store');
      return reply.send(Readable.from(exported.zip));
    },
  );

  app.get(
    '/export',
    {
      schema: {
        hide: true,
        tags,
        summary: 'The export link of the notices: a signed-in user’s own account export',
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      return reply.redirect(`/v1/accounts/${encodeURIComponent(user.accountId)}/export`, 303);
    },
  );
}
