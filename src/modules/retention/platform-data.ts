import { sql } from 'drizzle-orm';
import { textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { RetentionHandler } from './retention-handlers.ts';

/**
 * Personal data in the shared kernel's tables: mails in the outbox (recipient, subject and body). A mail
 * still waiting to be delivered is left alone (it may be the very notice the change owes the customer, e.g.
 * a cancellation's confirmation) and erased on the engine's next pass, once delivered or failed. Anonymising
 * keeps what proves a notice went out: the template, clause, times and the provider's message id.
 */
export function outboxRetentionHandler(deps: { db: Database }): RetentionHandler {
  const { db } = deps;
  return {
    id: 'outbox.messages',
    data: 'messages',
    itemTriggers: ['event_date'],
    async erase(s) {
      const before = s.before ? sql`and coalesce(sent_at, created_at) < ${s.before.toISOString()}` : sql``;
      const rows =
        s.action === 'delete'
          ? await db.rows<{ account_id: string }>(sql`
              delete from outbox where account_id = any(${textArray(s.accountIds)}) and status <> 'pending' ${before}
              returning account_id`)
          : await db.rows<{ account_id: string }>(sql`
              update outbox set recipient = '', subject = '', body = '{"text":""}'::jsonb, last_error = null
              where account_id = any(${textArray(s.accountIds)}) and status <> 'pending' and recipient <> '' ${before}
              returning account_id`);
      const out = new Map<string, number>();
      for (const r of rows) out.set(r.account_id, (out.get(r.account_id) ?? 0) + 1);
      return out;
    },
    async oldestItem(accountIds) {
      const rows = await db.rows<{ account_id: string; at: string | Date }>(sql`
        select account_id, min(coalesce(sent_at, created_at)) as at from outbox
        where account_id = any(${textArray(accountIds)}) and recipient <> '' group by account_id`);
      return new Map(rows.map((r) => [r.account_id, new Date(r.at)]));
    },
    async waiting(accountIds) {
      const rows = await db.rows<{ account_id: string }>(sql`
        select distinct account_id from outbox
        where account_id = any(${textArray(accountIds)}) and status = 'pending'`);
      return new Set(rows.map((r) => r.account_id));
    },
  };
}
