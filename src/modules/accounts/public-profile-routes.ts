import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess } from '../../platform/http/auth.ts';
import { type HttpServer, languageOf } from '../../platform/http/http-server.ts';
import type { Accounts } from './index.ts';
import { PROFILE_PARTS } from './public-profile.ts';

/** The public profile page (CM-PRV-16): the account's setting, and the public URL that honours it. */
export function registerPublicProfileRoutes(app: HttpServer, deps: { accounts: Accounts }): void {
  const { accounts } = deps;
  const params = z.object({ accountId: z.string().max(60) });

  app.get(
    '/v1/accounts/:accountId/public-profile',
    { schema: { tags: ['accounts'], summary: 'The public profile page setting (CM-PRV-16)', params } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      const setting = await accounts.publicProfileSetting(request.params.accountId);
      if (!setting) throw new AppError('request.not_found');
      return setting;
    },
  );

  app.put(
    '/v1/accounts/:accountId/public-profile',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Show or hide the public profile page, or parts of it, at any time (CM-PRV-16)',
        params,
        body: z.strictObject({
          visible: z.boolean(),
          hiddenParts: z.array(z.enum(PROFILE_PARTS)).max(PROFILE_PARTS.length).default([]),
        }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ['owner', 'admin']);
      return accounts.changePublicProfile({
        accountId: request.params.accountId,
        visible: request.body.visible,
        hiddenParts: request.body.hiddenParts,
        actor,
      });
    },
  );

  app.get(
    '/v1/accounts/:accountId/documents/dpa',
    {
      schema: {
        tags: ['accounts'],
        summary:
          'Download the data-processing agreement the account accepted with the ToS, as PDF (CM-PRC-01)',
        params,
        querystring: z.object({ lang: z.enum(['pl', 'en']).optional() }),
      },
    },
    async (request, reply) => {
      const actor = requireAccountAccess(request, request.params.accountId);
      const lang = request.query.lang ?? languageOf(request, 'pl');
      const doc = await accounts.dpaDocument({ accountId: request.params.accountId, lang, actor });
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="${doc.filename}"`)
        .send(doc.body);
    },
  );

  app.get(
    '/v1/public/profiles/:accountId',
    { schema: { tags: ['public'], summary: "An account's public profile page; 404 while hidden", params } },
    async (request) => {
      const page = await accounts.publicProfilePage(request.params.accountId);
      if (!page) throw new AppError('request.not_found');
      return page;
    },
  );
}
