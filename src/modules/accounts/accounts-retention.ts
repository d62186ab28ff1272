import { sql } from 'drizzle-orm';
import { textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { ErasureScope, RetentionHandler } from '../retention/index.ts';

/**
 * The accounts module's personal data as the retention engine erases it (src/modules/retention), one
 * handler per kind of data. Every statement is set-based over the batch's accounts, skips users under a
 * legal hold, and is idempotent. Field codes kept when anonymising: `first_name`, `last_name`, `email`
 * (identity), `usage_history` (usage), `consent_log` (consents).
 */
export function accountsRetentionHandlers(deps: { db: Database }): RetentionHandler[] {
  const { db } = deps;
  const ids = (s: ErasureScope) => textArray(s.accountIds);
  const held = (s: ErasureScope) => textArray(s.heldSubjects);
  const count = (rows: { account_id: string }[]) => {
    const out = new Map<string, number>();
    for (const r of rows) out.set(r.account_id, (out.get(r.account_id) ?? 0) + 1);
    return out;
  };
  const merge = (...maps: Map<string, number>[]) => {
    const out = new Map<string, number>();
    for (const m of maps) for (const [k, v] of m) out.set(k, (out.get(k) ?? 0) + v);
    return out;
  };

  const identity: RetentionHandler = {
    id: 'accounts.identity',
    data: 'identity',
    async erase(s) {
      const keep = new Set(s.keep);
      const company = await db.rows<{ account_id: string }>(sql`
        update accounts set company_name = null, tax_id = null, registering_person = null
        where id = any(${ids(s)})
          and (company_name is not null or tax_id is not null or registering_person is not null)
        returning id as account_id`);
      if (s.action === 'delete') {
        const users = await db.rows<{ account_id: string }>(sql`
          delete from users where account_id = any(${ids(s)}) and id <> all(${held(s)}) returning account_id`);
        return merge(count(company), count(users));
      }
      const users = await db.rows<{ account_id: string }>(sql`
        update users set
          first_name = ${keep.has('first_name') ? sql`first_name` : sql`null`},
          last_name = ${keep.has('last_name') ? sql`last_name` : sql`null`},
          email = ${keep.has('email') ? sql`email` : sql`'erased-' || id || '@invalid.invalid'`},
          status = 'disabled'
        where account_id = any(${ids(s)}) and id <> all(${held(s)})
          and (status <> 'disabled'
               ${keep.has('first_name') ? sql`` : sql`or first_name is not null`}
               ${keep.has('last_name') ? sql`` : sql`or last_name is not null`}
               ${keep.has('email') ? sql`` : sql`or email not like 'erased-%@invalid.invalid'`})
        returning account_id`);
      return merge(count(company), count(users));
    },
  };

  const profile: RetentionHandler = {
    id: 'accounts.profile',
    data: 'profile',
    async erase(s) {
      const account = await db.rows<{ account_id: string }>(sql`
        update accounts set address = null, phone = null, subdomain = null
        where id = any(${ids(s)}) and (address is not null or phone is not null or subdomain is not null)
        returning id as account_id`);
      const history = await db.rows<{ account_id: string }>(sql`
        delete from account_profile_changes where account_id = any(${ids(s)})
          and actor not in (select 'user:' || v from unnest(${held(s)}) as v)
        returning account_id`);
      return merge(count(account), count(history));
    },
  };

  const access: RetentionHandler = {
    id: 'accounts.access',
    data: 'access',
    async erase(s) {
      const sessions = await db.rows<{ account_id: string }>(sql`
        delete from sessions where account_id = any(${ids(s)}) and user_id <> all(${held(s)}) returning account_id`);
      const tokens = await db.rows<{ account_id: string }>(sql`
        delete from user_tokens where account_id = any(${ids(s)}) and user_id <> all(${held(s)}) returning account_id`);
      const passwords = await db.rows<{ account_id: string }>(sql`
        update users set password_hash = null, failed_logins = 0, locked_until = null
        where account_id = any(${ids(s)}) and id <> all(${held(s)})
          and (password_hash is not null or locked_until is not null)
        returning account_id`);
      return merge(count(sessions), count(tokens), count(passwords));
    },
  };

  const usage: RetentionHandler = {
    id: 'accounts.usage',
    data: 'usage',
    async erase(s) {
      if (s.action === 'anonymise' && s.keep.includes('usage_history')) return new Map();
      const rows = await db.rows<{ account_id: string }>(sql`
        update users set first_login_at = null, last_login_at = null, password_changed_at = null
        where account_id = any(${ids(s)}) and id <> all(${held(s)})
          and (first_login_at is not null or last_login_at is not null or password_changed_at is not null)
        returning account_id`);
      return count(rows);
    },
  };

  const consents: RetentionHandler = {
    id: 'accounts.consents',
    data: 'consents',
    async erase(s) {
      if (s.action === 'anonymise' && s.keep.includes('consent_log')) return new Map();
      const rows =
        s.action === 'delete'
          ? await db.rows<{ account_id: string }>(sql`
              delete from acceptances where account_id = any(${ids(s)}) and user_id <> all(${held(s)})
              returning account_id`)
          : await db.rows<{ account_id: string }>(sql`
              update acceptances set ip = null, user_agent = null
              where account_id = any(${ids(s)}) and user_id <> all(${held(s)})
                and (ip is not null or user_agent is not null)
              returning account_id`);
      return count(rows);
    },
  };

  /**
   * Stored responses of requests (an Idempotency-Key's answer may hold personal data): those the account's
   * users made, and those the operator made about the account (their answers name its id).
   */
  const requests: RetentionHandler = {
    id: 'accounts.requests',
    data: 'requests',
    async erase(s) {
      const own = await db.rows<{ account_id: string }>(sql`
        delete from idempotency_keys k using users u
        where k.principal = 'user:' || u.id and u.account_id = any(${ids(s)}) and u.id <> all(${held(s)})
        returning u.account_id`);
      const operators = await db.rows<{ account_id: string }>(sql`
        delete from idempotency_keys k using unnest(${ids(s)}) as a(id)
        where k.principal like 'api_key:%' and position('"' || a.id || '"' in k.response::text) > 0
        returning a.id as account_id`);
      return merge(count(own), count(operators));
    },
  };

  return [requests, access, usage, consents, profile, identity];
}

/**
 * The last time each account was used: its users' latest login or session activity; an account never
 * used counts from its creation (HT-PRV-03: "unused since").
 */
export async function lastUseOf(db: Database, accountIds: readonly string[]): Promise<Map<string, Date>> {
  const rows = await db.rows<{ account_id: string; at: string | Date | null }>(sql`
    select a.id as account_id, coalesce(greatest(
      (select max(last_login_at) from users where account_id = a.id),
      (select max(last_seen_at) from sessions where account_id = a.id)), a.created_at) as at
    from accounts a where a.id = any(${textArray(accountIds)})`);
  const out = new Map<string, Date>();
  for (const r of rows) if (r.at) out.set(r.account_id, new Date(r.at));
  return out;
}
