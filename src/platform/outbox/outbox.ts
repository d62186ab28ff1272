import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import { jsonRows } from '../db/bulk.ts';
import type { Database } from '../db/database.ts';
import type { IdGenerator } from '../ids.ts';

export type OutboxMessage = {
  accountId: string | null;
  /** `sms`: a text for an SMS gateway (recipient = phone number, `body.data` = the gateway payload). */
  channel: 'email' | 'sms';
  template: string;
  clause: string | null;
  recipient: string;
  locale: 'pl' | 'en';
  subject: string;
  body: { text: string; html?: string; data?: Record<string, string> };
  /** At most one message per key, e.g. `trial_ended:<account>`: enqueuing it twice keeps the first. */
  dedupeKey?: string;
  /** Domain time of the cause (a test clock's time for sandbox accounts). */
  occurredAt: Date;
  /** `marketing` messages are checked against the recipient's consent at send time; default `transactional`. */
  messageClass?: 'transactional' | 'marketing';
  /** The consent purpose a marketing message is sent under. */
  purpose?: string;
  /** Extra mail headers, e.g. `List-Unsubscribe` (RFC 8058). */
  headers?: Record<string, string>;
};

export type StoredMessage = OutboxMessage & {
  id: string;
  status: 'pending' | 'sent' | 'failed' | 'suppressed';
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
  providerMessageId: string | null;
  lastError: string | null;
  messageClass: 'transactional' | 'marketing';
  /** Why a send-time check stopped the message (status `suppressed`). */
  suppressedReason: string | null;
  /** The local day the notice counts as delivered (QU-NOT-01), set when it is sent; null where no rule says. */
  deemedDeliveredOn: string | null;
  /** A proven earlier delivery (a reply), recorded by the operator. */
  provenDeliveredAt: Date | null;
};

/**
 * A send-time check's verdict: why the message must not go, and `record` (run in the transaction that marks
 * it suppressed) for the checker's own evidence.
 */
export type Suppression = { reason: string; record?: () => Promise<void> };

export type OutboxHooks = {
  /** Asked just before each message is handed to the sender; a verdict stops it for good (`suppressed`). */
  suppress?: (message: StoredMessage) => Promise<Suppression | null>;
  /** The local day a message sent at `sentAt` counts as delivered, or null. */
  deemedDeliveryOf?: (message: StoredMessage, sentAt: Date) => Promise<string | null> | string | null;
};

export type Sender = (message: StoredMessage) => Promise<{ providerMessageId: string }>;

const LEASE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 8;

export type Outbox = ReturnType<typeof makeOutbox>;

/**
 * The transactional outbox. `enqueue` joins the caller's transaction, so a message exists if and only if
 * the change that caused it committed. `deliver` hands due messages to a sender outside any transaction:
 * a claim leases the row for 5 minutes, so a crash between sending and recording re-sends after the lease
 * with the same Message-ID (`<id@klauzula.local>`), which receivers and tests use to recognise a duplicate.
 */
export function makeOutbox(deps: {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  hooks?: () => OutboxHooks;
}) {
  const { db, clock, ids } = deps;
  const hooks = (): OutboxHooks => deps.hooks?.() ?? {};

  async function enqueue(messages: readonly OutboxMessage[]): Promise<string[]> {
    if (messages.length === 0) return [];
    const now = clock.now();
    const rows = messages.map((m) => ({
      ...m,
      id: ids.next('msg'),
      createdAt: now,
      dedupeKey: m.dedupeKey ?? null,
      messageClass: m.messageClass ?? 'transactional',
      purpose: m.purpose ?? null,
      headers: m.headers ?? null,
    }));
    const stored = await db.rows<{ id: string }>(sql`
      insert into outbox (id, account_id, channel, template, clause, recipient, locale, subject, body, dedupe_key,
                          next_attempt_at, occurred_at, created_at, message_class, purpose, headers)
      select id, "accountId", channel, template, clause, recipient, locale, subject, body, "dedupeKey",
             "createdAt", "occurredAt", "createdAt", "messageClass", purpose, headers
      from jsonb_to_recordset(${jsonRows(rows)}) as x(id text, "accountId" text, channel text, template text,
        clause text, recipient text, locale text, subject text, body jsonb, "dedupeKey" text,
        "occurredAt" timestamptz, "createdAt" timestamptz, "messageClass" text, purpose text, headers jsonb)
      on conflict (dedupe_key) do nothing
      returning id`);
    // A message whose dedupe key was already taken is not stored: only the ids of stored ones come back.
    return stored.map((r) => r.id);
  }

  /** Delivers what is due now; returns counts. Failed sends retry with backoff, then stay `failed`. */
  async function deliver(
    send: Sender,
    options: { batchSize?: number; isPermanent?: (error: unknown) => boolean } = {},
  ): Promise<{ sent: number; failed: number }> {
    const now = clock.now();
    const claimed = await db.transaction(async () => {
      const rows = await db.rows<OutboxRow>(sql`
        update outbox set next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}, attempts = attempts + 1
        where id in (select id from outbox where status = 'pending' and channel = 'email'
                     and next_attempt_at <= ${now.toISOString()}
                     order by next_attempt_at limit ${options.batchSize ?? 50} for update skip locked)
        returning *`);
      // RETURNING comes in no particular order; a customer should get an earlier notice before a later one.
      return rows
        .map(fromRow)
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
    });
    let sent = 0;
    let failed = 0;
    for (const message of claimed) {
      try {
        // The check runs for each message just before it goes (CM-CKE-06: no propagation delay allowed).
        const verdict = (await hooks().suppress?.(message)) ?? null;
        if (verdict) {
          await db.transaction(async () => {
            await db.q.execute(sql`
              update outbox set status = 'suppressed', suppressed_reason = ${verdict.reason}, last_error = null
              where id = ${message.id}`);
            await verdict.record?.();
          });
          continue;
        }
        const { providerMessageId } = await send(message);
        const sentAt = clock.now();
        await db.q.execute(sql`
          update outbox set status = 'sent', sent_at = ${sentAt.toISOString()},
                 provider_message_id = ${providerMessageId}, last_error = null,
                 deemed_delivered_on = ${(await hooks().deemedDeliveryOf?.(message, sentAt)) ?? null}
          where id = ${message.id}`);
        sent++;
      } catch (error) {
        failed++;
        const giveUp = message.attempts >= MAX_ATTEMPTS || (options.isPermanent?.(error) ?? false);
        const retryAt = new Date(clock.now().getTime() + 30_000 * 2 ** message.attempts);
        await db.q.execute(sql`
          update outbox set status = ${giveUp ? 'failed' : 'pending'}, next_attempt_at = ${retryAt.toISOString()},
                 last_error = ${String((error as Error)?.message ?? error).slice(0, 2000)}
          where id = ${message.id}`);
      }
    }
    return { sent, failed };
  }

  async function list(
    filter: { accountId?: string; recipient?: string; limit?: number } = {},
  ): Promise<StoredMessage[]> {
    const rows = await db.rows<OutboxRow>(sql`
      select * from outbox
      where (${filter.accountId ?? null}::text is null or account_id = ${filter.accountId ?? null})
        and (${filter.recipient ?? null}::text is null or lower(recipient) = lower(${filter.recipient ?? null}))
      order by created_at, id limit ${filter.limit ?? 100}`);
    return rows.map(fromRow);
  }

  async function get(id: string): Promise<StoredMessage | null> {
    const [row] = await db.rows<OutboxRow>(sql`select * from outbox where id = ${id}`);
    return row ? fromRow(row) : null;
  }

  /**
   * Records a proven delivery of a sent message (the customer replied). Kept beside the deemed day, which it
   * never replaces (QU-NOT-01, A28). Returns null when there is no such sent message.
   */
  async function recordProvenDelivery(id: string, at: Date): Promise<StoredMessage | null> {
    const [row] = await db.rows<OutboxRow>(sql`
      update outbox set proven_delivered_at = ${at.toISOString()}
      where id = ${id} and status = 'sent' returning *`);
    return row ? fromRow(row) : null;
  }

  /**
   * Erases the content of the messages sent to the address whose SHA-256 (of the lower-cased address) is
   * `emailHash`, keeping what proves a notice went out (template, clause, times, provider id); messages
   * still waiting are left alone and counted, so the caller comes back for them.
   */
  async function forgetRecipient(emailHash: string): Promise<{ erased: number; pending: number }> {
    const matches = sql`recipient <> '' and encode(sha256(convert_to(lower(recipient), 'UTF8')), 'hex') = ${emailHash}`;
    const erased = await db.rows<{ id: string }>(sql`
      update outbox set recipient = '', subject = '', body = '{"text":""}'::jsonb, headers = null, last_error = null
      where ${matches} and status <> 'pending' returning id`);
    const [pending] = await db.rows<{ n: number }>(
      sql`select count(*)::int as n from outbox where ${matches} and status = 'pending'`,
    );
    return { erased: erased.length, pending: pending!.n };
  }

  return { enqueue, deliver, list, get, recordProvenDelivery, forgetRecipient };
}

type OutboxRow = {
  id: string;
  account_id: string | null;
  channel: 'email' | 'sms';
  template: string;
  clause: string | null;
  recipient: string;
  locale: 'pl' | 'en';
  subject: string;
  body: { text: string; html?: string; data?: Record<string, string> };
  dedupe_key: string | null;
  status: 'pending' | 'sent' | 'failed' | 'suppressed';
  attempts: number;
  occurred_at: Date;
  created_at: Date;
  sent_at: Date | null;
  provider_message_id: string | null;
  last_error: string | null;
  message_class: 'transactional' | 'marketing' | null;
  purpose: string | null;
  headers: Record<string, string> | null;
  suppressed_reason: string | null;
  deemed_delivered_on: string | null;
  proven_delivered_at: Date | null;
};

function fromRow(r: OutboxRow): StoredMessage {
  return {
    id: r.id,
    accountId: r.account_id,
    channel: r.channel,
    template: r.template,
    clause: r.clause,
    recipient: r.recipient,
    locale: r.locale,
    subject: r.subject,
    body: r.body,
    ...(r.dedupe_key ? { dedupeKey: r.dedupe_key } : {}),
    status: r.status,
    attempts: r.attempts,
    occurredAt: new Date(r.occurred_at),
    createdAt: new Date(r.created_at),
    sentAt: r.sent_at ? new Date(r.sent_at) : null,
    providerMessageId: r.provider_message_id,
    lastError: r.last_error,
    messageClass: r.message_class ?? 'transactional',
    ...(r.purpose ? { purpose: r.purpose } : {}),
    ...(r.headers ? { headers: r.headers } : {}),
    suppressedReason: r.suppressed_reason,
    deemedDeliveredOn: r.deemed_delivered_on,
    provenDeliveredAt: r.proven_delivered_at ? new Date(r.proven_delivered_at) : null,
  };
}
