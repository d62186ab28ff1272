import { sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import { randomToken } from '../../platform/ids.ts';
import type { StoredMessage, Suppression } from '../../platform/outbox/outbox.ts';
import { changeConsent } from './consents.ts';
import {
  contextOf,
  ensureSubject,
  type PrivacyDeps,
  subjectById,
  subjectsByHash,
} from './privacy-context.ts';
import { privacyErrors } from './privacy-errors.ts';
import {
  type ConsentStatus,
  campaignProblem,
  decideDelivery,
  emailHashOf,
  isUnsubscribeSignature,
  marketingVerdict,
  purposeOf,
  unsubscribeSignature,
} from './privacy-rules.ts';

/** The installation's key for unsubscribe links, made on first use (the same in every process). */
export async function unsubscribeSecret(deps: PrivacyDeps): Promise<string> {
  const read = () =>
    deps.db.rows<{ secret: string }>(sql`select secret from privacy_keys where id = 'unsubscribe'`);
  const [found] = await read();
  if (found) return found.secret;
  await deps.db.q.execute(sql`
    insert into privacy_keys (id, secret, created_at) values ('unsubscribe', ${randomToken(32)}, ${deps.clock.now().toISOString()})
    on conflict (id) do nothing`);
  return (await read())[0]!.secret;
}

/** The one-click unsubscribe link of a subject and purpose (also the `List-Unsubscribe` target, RFC 8058). */
export function unsubscribeUrlOf(
  portalUrl: string,
  subjectId: string,
  purpose: string,
  secret: string,
): string {
  const query = new URLSearchParams({
    s: subjectId,
    p: purpose,
    t: unsubscribeSignature(secret, subjectId, purpose),
  });
  return `${portalUrl}/v1/privacy/unsubscribe?${query.toString()}`;
}

export type Campaign = {
  purpose: string;
  title: { pl: string; en: string };
  content: { pl: string; en: string };
  /** Does it promote someone else's products (CM-PRV-12)? */
  thirdParty: boolean;
  /** Is it about products similar to those the customer bought (soft opt-in, QU-CNS-01)? */
  similarProducts: boolean;
  recipients: readonly string[];
  actor: string;
};

/**
 * Queues a marketing campaign: each recipient whose consent (or soft opt-in) for the purpose holds now gets
 * a `marketing.message` mail with a signed one-click unsubscribe link and the `List-Unsubscribe` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` headers (RFC 8058); the others are left out and
 * counted. The policy's limits are checked first: no third-party products (CM-PRV-12), only similar products
 * where it says so or the purpose rests on soft opt-in (QU-CNS-01). Whatever is queued is checked again at
 * the moment of sending (CM-CKE-06). One `marketing.campaign_queued` event with counts only.
 */
export async function queueCampaign(
  deps: PrivacyDeps,
  campaign: Campaign,
): Promise<{ id: string; queued: number; leftOut: Record<string, number> }> {
  const { policy } = deps.current();
  const problem = campaignProblem(policy, campaign);
  if (problem) throw new AppError(privacyErrors['privacy.campaign_refused'], { details: { problem } });
  const purpose = purposeOf(policy, campaign.purpose)!;
  return deps.db.transaction(async () => {
    const id = deps.ids.next('cmp');
    const secret = await unsubscribeSecret(deps);
    const people = new Map((await deps.people(campaign.recipients)).map((p) => [p.email.toLowerCase(), p]));
    const leftOut: Record<string, number> = {};
    let queued = 0;
    const now = deps.clock.now();
    for (const email of new Set(campaign.recipients.map((r) => r.trim().toLowerCase()))) {
      const person = people.get(email);
      const ctx = await contextOf(deps, person?.accountId ?? null);
      const subject = await ensureSubject(deps, email, ctx.now);
      const [state] = await deps.db.rows<{ status: ConsentStatus }>(
        sql`select status from consent_states where subject_id = ${subject.id} and purpose = ${purpose.id}`,
      );
      const verdict = marketingVerdict({
        purpose,
        state: state?.status ?? null,
        isCustomer: subject.accountId !== null,
        marketingObjected: subject.marketingObjectedAt !== null,
      });
      const reason = subject.restrictedAt ? 'restricted' : verdict.ok ? null : verdict.reason;
      if (reason) {
        leftOut[reason] = (leftOut[reason] ?? 0) + 1;
        continue;
      }
      const locale = person?.locale ?? policy.locale.defaultLanguage;
      const url = unsubscribeUrlOf(deps.portalUrl, subject.id, purpose.id, secret);
      await deps.notifications.send([
        {
          accountId: subject.accountId,
          recipient: email,
          locale,
          template: 'marketing.message',
          clause: purpose.clause ?? null,
          dedupeKey: `campaign:${id}:${subject.id}`,
          occurredAt: ctx.now,
          purpose: purpose.id,
          headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
          params: { title: campaign.title[locale], content: campaign.content[locale], unsubscribeUrl: url },
        },
      ]);
      queued++;
    }
    await deps.eventLog.append([
      {
        chainId: 'privacy',
        type: 'marketing.campaign_queued',
        clause: purpose.clause ?? null,
        actor: campaign.actor,
        cause: `campaign:${id}`,
        occurredAt: now,
        data: {
          campaign: id,
          purpose: purpose.id,
          queued,
          leftOut: Object.entries(leftOut).map(([k, n]) => `${k}:${n}`),
        },
      },
    ]);
    return { id, queued, leftOut };
  });
}

/**
 * The outbox's send-time check (wired as its `suppress` hook): reads the recipient's live flags and consent
 * just before the message goes (CM-CKE-06) and says whether `decideDelivery` stops it. A suppressed message
 * gets a `message.suppressed` event naming the reason and clause (no address).
 */
export async function checkDelivery(deps: PrivacyDeps, message: StoredMessage): Promise<Suppression | null> {
  const hash = emailHashOf(message.recipient);
  const subject = (await subjectsByHash(deps, [hash])).get(hash) ?? null;
  const [person] = await deps.people([message.recipient]);
  // A message about an account the lifecycle no longer knows is judged under the current policy.
  const ctx = await contextOf(deps, message.accountId ?? person?.accountId ?? null).catch(() =>
    contextOf(deps, null),
  );
  let consent: ConsentStatus | null = null;
  if (subject && message.purpose) {
    const [row] = await deps.db.rows<{ status: ConsentStatus }>(
      sql`select status from consent_states where subject_id = ${subject.id} and purpose = ${message.purpose}`,
    );
    consent = row?.status ?? null;
  }
  const decision = decideDelivery(ctx.policy, {
    template: message.template,
    messageClass: message.messageClass,
    purpose: message.purpose ?? null,
    subject: {
      restricted: subject?.restrictedAt != null,
      marketingObjected: subject?.marketingObjectedAt != null,
      consent,
      isCustomer: (subject?.accountId ?? person?.accountId ?? null) !== null,
    },
    confirmed: person?.emailVerified ?? false,
    // CM-PRC-03: the account the message is about (or the recipient's), in a liquidated or expired hold.
    accountState: await accountStateOf(deps, message.accountId ?? person?.accountId ?? null),
  });
  if (decision.send) return null;
  return {
    reason: decision.reason,
    record: async () => {
      await deps.eventLog.append([
        {
          chainId: message.accountId ?? 'privacy',
          type: 'message.suppressed',
          clause: decision.clause,
          actor: 'system',
          cause: `message:${message.id}`,
          occurredAt: ctx.now,
          data: {
            message: message.id,
            template: message.template,
            reason: decision.reason,
            ...(subject ? { subject: subject.id } : {}),
          },
        },
      ]);
    },
  };
}

/**
 * The one-click unsubscribe (RFC 8058) and the unsubscribe page's button: checks the link's HMAC and
 * withdraws the purpose's consent through `unsubscribe_link` (which is also an objection to direct marketing,
 * CM-PRV-08). Doing it twice records the second click too and changes nothing else.
 */
export async function unsubscribe(
  deps: PrivacyDeps,
  input: {
    subjectId: string;
    purpose: string;
    signature: string;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<{ purpose: string }> {
  const secret = await unsubscribeSecret(deps);
  if (!isUnsubscribeSignature(secret, input.subjectId, input.purpose, input.signature))
    throw new AppError(privacyErrors['privacy.unsubscribe_link_invalid']);
  const subject = await subjectById(deps, input.subjectId);
  if (!subject?.email) throw new AppError(privacyErrors['privacy.unsubscribe_link_invalid']);
  const ctx = await contextOf(deps, subject.accountId);
  const [person] = await deps.people([subject.email]);
  await changeConsent(deps, {
    email: subject.email,
    purpose: input.purpose,
    action: 'withdrawn',
    channel: 'unsubscribe_link',
    language: person?.locale ?? ctx.policy.locale.defaultLanguage,
    ip: input.ip,
    userAgent: input.userAgent,
    actor: 'subject',
  });
  return { purpose: input.purpose };
}

async function accountStateOf(deps: PrivacyDeps, accountId: string | null): Promise<string | null> {
  if (!accountId) return null;
  return (await deps.accountOf(accountId).catch(() => null))?.state ?? null;
}
