/**
 * Alerts by SMS (HT-PRC-01): only the policy's fields (name, country, e-mail, phone) may go to SMS gateways
 * and mobile operators, and only to deliver the predefined messages (site-problem alerts, uptime
 * statistics, billing notices, service updates). The gateway payload is cut to that allow-list here, where
 * the message leaves for the SMS channel; the text comes from a fixed template whose parameters are the
 * monitor's data, never the person's. Queued in the outbox (channel `sms`) with its evidence.
 */
import { AppError, defineErrors } from '../../platform/errors.ts';
import type { Policy } from '../../policy/index.ts';
import { contextOf, type PrivacyDeps } from './privacy-context.ts';

export const smsErrors = defineErrors({
  'privacy.sms_not_offered': {
    status: 409,
    en: 'The policy sends no SMS messages of this kind ({kind}).',
    pl: 'Polityka nie przewiduje wiadomości SMS tego rodzaju ({kind}).',
  },
  'privacy.sms_no_phone': {
    status: 400,
    en: 'An SMS needs the recipient’s phone number.',
    pl: 'Do wysłania SMS potrzebny jest numer telefonu odbiorcy.',
  },
});

export type SmsKind = NonNullable<Policy['notifications']['smsMessageKinds']>[number];

/** The fixed texts; `{name}` placeholders take the alert's parameters (monitor, status, period, amount). */
const texts: Record<SmsKind, { pl: string; en: string }> = {
  site_problem_alert: {
    pl: 'Problem z {monitor}: {status} od {since}.',
    en: '{monitor} problem: {status} since {since}.',
  },
  uptime_statistics: {
    pl: '{monitor}: dostępność {uptime} w okresie {period}.',
    en: '{monitor}: {uptime} uptime over {period}.',
  },
  billing_notice: { pl: 'Rozliczenie: {notice}.', en: 'Billing: {notice}.' },
  service_update: { pl: 'Aktualizacja usługi: {notice}.', en: 'Service update: {notice}.' },
};

/** The gateway payload: the person's fields cut to the policy's allow-list (pure). */
export function smsGatewayPayload(
  policy: Policy,
  person: Record<string, string | null | undefined>,
): Record<string, string> {
  const allowed = new Set(policy.notifications.smsGatewayFields);
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(person))
    if (allowed.has(field) && typeof value === 'string' && value.trim()) out[field] = value.trim();
  return out;
}

function fill(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, key: string) =>
    (params[key] ?? '').replace(/\s+/g, ' ').slice(0, 80),
  );
}

export async function queueSmsAlert(
  deps: PrivacyDeps,
  input: {
    accountId: string;
    kind: string;
    person: Record<string, string | null | undefined>;
    params: Record<string, string>;
    locale?: 'pl' | 'en';
    actor: string;
  },
): Promise<{ id: string; fields: string[]; text: string }> {
  const ctx = await contextOf(deps, input.accountId);
  const n = ctx.policy.notifications;
  const kinds: readonly string[] = n.smsMessageKinds ?? [];
  if (!n.channels.includes('sms') || !kinds.includes(input.kind))
    throw new AppError(smsErrors['privacy.sms_not_offered'], { details: { kind: input.kind } });
  const payload = smsGatewayPayload(ctx.policy, input.person);
  if (!payload.phone) throw new AppError(smsErrors['privacy.sms_no_phone']);
  const locale = input.locale ?? ctx.policy.locale.defaultLanguage;
  const text = fill(texts[input.kind as SmsKind][locale], input.params);
  const clause = n.clauses?.smsGateway ?? null;
  return deps.db.transaction(async () => {
    const [id] = await deps.notifications.sendSms([
      {
        accountId: input.accountId,
        recipient: payload.phone!,
        template: `sms.${input.kind}`,
        clause,
        locale,
        text,
        data: payload,
        occurredAt: ctx.now,
      },
    ]);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'notification.sms_queued',
        clause,
        actor: input.actor,
        cause: id ?? null,
        occurredAt: ctx.now,
        data: { kind: input.kind, fields: Object.keys(payload).sort() },
      },
    ]);
    return { id: id!, fields: Object.keys(payload).sort(), text };
  });
}
