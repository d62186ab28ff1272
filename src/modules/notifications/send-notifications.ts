import type { Outbox } from '../../platform/outbox/outbox.ts';
import { type Locale, messageClassOf, renderTemplate, type TemplateId, TemplateParams } from './templates.ts';

/**
 * Parameters a caller gives; the operator's name and the clause are filled in here, and a Date is written
 * out in the recipient's language and the policy's time zone.
 */
type CallerParams<Id extends TemplateId> = {
  [K in keyof Omit<TemplateParams[Id], 'operatorName' | 'clause'>]: string | Date;
};

/** `15 marca 2026, 14:00` / `15 March 2026, 14:00` in `timeZone`. */
export function formatInstant(at: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'pl' ? 'pl-PL' : 'en-GB', {
    timeZone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

export type NotificationRequest = {
  [Id in TemplateId]: {
    accountId: string | null;
    recipient: string;
    locale: Locale;
    template: Id;
    /** The clause that caused the message; lifecycle templates print it in their footer. */
    clause: string | null;
    dedupeKey?: string;
    occurredAt: Date;
    params: CallerParams<Id>;
    /** The consent purpose of a marketing message (checked at send time). */
    purpose?: string;
    /** Extra headers, e.g. List-Unsubscribe (RFC 8058). */
    headers?: Record<string, string>;
  };
}[TemplateId];

export type Notifications = ReturnType<typeof makeNotifications>;

/**
 * Renders messages from their templates and puts them in the outbox, inside the caller's transaction:
 * a notice exists exactly when the change it announces was committed. A template given wrong parameters
 * throws, which rolls that change back rather than sending a broken mail.
 */
export function makeNotifications(deps: {
  outbox: Outbox;
  operatorName: string;
  from: string;
  timeZone: string;
}) {
  async function send(requests: readonly NotificationRequest[]): Promise<string[]> {
    return deps.outbox.enqueue(
      requests.map((r) => {
        const given = Object.entries(r.params as Record<string, string | Date>).map(([key, value]) => [
          key,
          value instanceof Date ? formatInstant(value, r.locale, deps.timeZone) : value,
        ]);
        const citesClause = 'clause' in TemplateParams[r.template].shape;
        const params = {
          ...Object.fromEntries(given),
          operatorName: deps.operatorName,
          ...(citesClause && r.clause ? { clause: r.clause } : {}),
        };
        const rendered = renderTemplate(r.template, r.locale, params as TemplateParams[typeof r.template]);
        return {
          accountId: r.accountId,
          channel: 'email' as const,
          template: r.template,
          clause: r.clause,
          recipient: r.recipient,
          locale: r.locale,
          subject: rendered.subject,
          body: { text: rendered.text, html: rendered.html },
          ...(r.dedupeKey ? { dedupeKey: r.dedupeKey } : {}),
          occurredAt: r.occurredAt,
          messageClass: messageClassOf(r.template),
          ...(r.purpose ? { purpose: r.purpose } : {}),
          ...(r.headers ? { headers: r.headers } : {}),
        };
      }),
    );
  }
  /**
   * Texts for an SMS gateway, into the outbox (channel `sms`): the caller has already cut the gateway
   * payload to what the policy allows (HT-PRC-01). They wait there until an SMS gateway delivers them.
   */
  async function sendSms(
    messages: readonly {
      accountId: string | null;
      recipient: string;
      template: string;
      clause: string | null;
      locale: Locale;
      text: string;
      data: Record<string, string>;
      occurredAt: Date;
    }[],
  ): Promise<string[]> {
    return deps.outbox.enqueue(
      messages.map((m) => ({
        accountId: m.accountId,
        channel: 'sms' as const,
        template: m.template,
        clause: m.clause,
        recipient: m.recipient,
        locale: m.locale,
        subject: m.template,
        body: { text: m.text, data: m.data },
        occurredAt: m.occurredAt,
      })),
    );
  }
  return { send, sendSms, from: deps.from };
}
