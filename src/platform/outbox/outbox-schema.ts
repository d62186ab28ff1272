import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { instant } from '../db/columns.ts';

/**
 * The transactional outbox: an effect on the outside world (a mail today; SMS and webhooks later) is
 * written here in the same transaction as the state change that causes it, and delivered by a worker.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id'),
    channel: text('channel').notNull(),
    template: text('template').notNull(),
    clause: text('clause'),
    recipient: text('recipient').notNull(),
    locale: text('locale').notNull(),
    subject: text('subject').notNull(),
    body: jsonb('body').$type<{ text: string; html?: string }>().notNull(),
    dedupeKey: text('dedupe_key'),
    status: text('status').$type<'pending' | 'sent' | 'failed' | 'suppressed'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: instant('next_attempt_at').notNull(),
    occurredAt: instant('occurred_at').notNull(),
    createdAt: instant('created_at').notNull(),
    sentAt: instant('sent_at'),
    providerMessageId: text('provider_message_id'),
    lastError: text('last_error'),
    /** transactional | marketing: marketing is checked against consent at send time (CM-CKE-06). */
    messageClass: text('message_class')
      .$type<'transactional' | 'marketing'>()
      .notNull()
      .default('transactional'),
    purpose: text('purpose'),
    headers: jsonb('headers').$type<Record<string, string>>(),
    suppressedReason: text('suppressed_reason'),
    /** The local day the notice counts as delivered (QU-NOT-01). */
    deemedDeliveredOn: text('deemed_delivered_on'),
    provenDeliveredAt: instant('proven_delivered_at'),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_idx').on(t.dedupeKey),
    index('outbox_pending_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('outbox_account_idx').on(t.accountId, t.createdAt),
  ],
);
