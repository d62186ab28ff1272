import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { type HttpServer, languageOf } from '../../platform/http/http-server.ts';
import type { Policy } from '../../policy/index.ts';

/**
 * Notices Klauzula publishes, with the policy's values, for pages of the operator's product it does not
 * render itself (public, no authentication): the bot's first message (HT-PRC-02) and the participant notice
 * for event registration and room pages (CM-PRC-06). 404 where the policy has none.
 */
export function registerNoticeRoutes(app: HttpServer, deps: { current: () => { policy: Policy } }): void {
  const tags = ['public'];
  const Query = z.object({ lang: z.enum(['pl', 'en']).optional() });

  app.get(
    '/v1/public/notices/bot-first-message',
    {
      schema: {
        tags,
        summary:
          "The bot's first message: who receives what users send it, Microsoft's privacy statement and the Report abuse route (HT-PRC-02)",
        querystring: Query,
      },
    },
    async (request) => {
      const { policy } = deps.current();
      const bot = policy.notices?.bot;
      if (!bot) throw new AppError('request.not_found');
      const lang = request.query.lang ?? languageOf(request, policy.locale.defaultLanguage);
      const recipient = policy.processor.subProcessors.find((s) => s.id === bot.subProcessor)!;
      const privacyLabel =
        lang === 'pl' ? 'Oświadczenie o ochronie prywatności Microsoft' : 'Microsoft privacy statement';
      const abuseLabel = lang === 'pl' ? 'Zgłoś nadużycie' : 'Report abuse';
      return {
        text: `${bot.greeting[lang]}\n${privacyLabel}: ${bot.privacyUrl}\n${abuseLabel}: ${bot.reportAbuseUrl}`,
        links: [
          { rel: 'privacy', label: privacyLabel, url: bot.privacyUrl },
          { rel: 'report_abuse', label: abuseLabel, url: bot.reportAbuseUrl },
        ],
        recipient: { name: recipient.name, location: recipient.location, safeguard: recipient.safeguard },
        clause: bot.clause,
        policyVersion: policy.version,
      };
    },
  );

  app.get(
    '/v1/public/notices/participants',
    {
      schema: {
        tags,
        summary:
          'The participant notice for event registration and room pages: what others see, what may be recorded, the ToS and privacy policy (CM-PRC-06)',
        querystring: Query,
      },
    },
    async (request) => {
      const { policy } = deps.current();
      const notice = policy.notices?.participants;
      if (!notice) throw new AppError('request.not_found');
      const lang = request.query.lang ?? languageOf(request, policy.locale.defaultLanguage);
      const doc = (kind: 'terms' | 'privacy') => policy.documents.find((d) => d.kind === kind)!;
      return {
        text: notice.text[lang],
        links: (['terms', 'privacy'] as const).map((kind) => ({
          rel: kind,
          label: doc(kind).title[lang],
          version: doc(kind).version,
          url: doc(kind).url,
        })),
        clause: notice.clause,
        policyVersion: policy.version,
      };
    },
  );
}
