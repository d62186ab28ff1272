import { sql } from 'drizzle-orm';
import { textArray } from '../../platform/db/bulk.ts';
import type { RetentionHandler } from '../retention/index.ts';
import { appendLedger } from './consents.ts';
import type { PrivacyDeps } from './privacy-context.ts';
import { pseudonymise } from './requests.ts';
import { visitorRetentionHandler } from './visitors.ts';

/**
 * The privacy module's data as the retention engine erases it (src/modules/retention).
 *
 * `marketing` (QU-CNS-02: the address leaves the marketing list 3 years after the customer's last use): every
 * granted or soft opt-in state of the accounts' people for the policy's marketing purpose ends as `expired`,
 * with a ledger row (channel `retention`) that proves when and why; a state already withdrawn or expired is
 * left alone, so running it twice changes nothing.
 *
 * `consents` and `identity`: the ledger keeps its rows without IP address and user agent (CM-CKE-07: the
 * proof survives anonymisation); the address goes unless the category keeps `email`. Subjects under a legal
 * hold (their user id) are skipped.
 */
export function privacyRetentionHandlers(deps: PrivacyDeps): RetentionHandler[] {
  const { db } = deps;
  const subjectsOf = async (accountIds: readonly string[], held: readonly string[]) =>
    db.rows<{ id: string; account_id: string }>(sql`
      select id, account_id from privacy_subjects
      where account_id = any(${textArray(accountIds)}) and (user_id is null or user_id <> all(${textArray(held)}))`);

  const marketing: RetentionHandler = {
    id: 'privacy.marketing',
    data: 'marketing',
    async erase(s) {
      const out = new Map<string, number>();
      const subjects = await subjectsOf(s.accountIds, s.heldSubjects);
      if (subjects.length === 0) return out;
      // Each account under its own policy: its marketing purpose, and the time of its clock.
      for (const accountId of new Set(subjects.map((x) => x.account_id))) {
        const account = await deps.accountOf(accountId);
        const policy = deps.policyOf(account.policyVersionId);
        const purpose = policy.consents.find((p) => p.id === policy.marketing?.purpose);
        if (!purpose) continue;
        const now = s.at ?? (await deps.timeOf(account.clockId));
        for (const subject of subjects.filter((x) => x.account_id === accountId)) {
          const [state] = await db.rows<{ status: string }>(
            sql`select status from consent_states where subject_id = ${subject.id} and purpose = ${purpose.id}`,
          );
          if (state && state.status !== 'granted') continue;
          if (!state && purpose.basis !== 'soft_opt_in') continue;
          await appendLedger(
            deps,
            { id: subject.id, accountId },
            {
              purpose: purpose.id,
              action: 'expired',
              basis: purpose.basis,
              wordingVersion: purpose.wording?.version ?? policy.version,
              wordingSha256: '',
              language: policy.locale.defaultLanguage,
              channel: 'retention',
              ip: null,
              userAgent: null,
              recordedBy: 'system',
              requestId: null,
              occurredAt: now,
            },
          );
          out.set(accountId, (out.get(accountId) ?? 0) + 1);
        }
      }
      return out;
    },
  };

  const ledger: RetentionHandler = {
    id: 'privacy.consent_ledger',
    data: 'consents',
    async erase(s) {
      const subjects = await subjectsOf(s.accountIds, s.heldSubjects);
      const out = new Map<string, number>();
      if (subjects.length === 0) return out;
      if (s.action === 'delete' && !s.keep.includes('consent_log')) {
        const ids = textArray(subjects.map((x) => x.id));
        const rows = await db.rows<{ account_id: string }>(sql`
          delete from consent_ledger where subject_id = any(${ids}) returning account_id`);
        await db.q.execute(sql`delete from consent_states where subject_id = any(${ids})`);
        for (const r of rows) out.set(r.account_id, (out.get(r.account_id) ?? 0) + 1);
        return out;
      }
      for (const accountId of new Set(subjects.map((x) => x.account_id))) {
        const ids = subjects.filter((x) => x.account_id === accountId).map((x) => x.id);
        const n = await pseudonymise(deps, ids, [...s.keep, 'email']);
        if (n > 0) out.set(accountId, n);
      }
      return out;
    },
  };

  const addresses: RetentionHandler = {
    id: 'privacy.subjects',
    data: 'identity',
    async erase(s) {
      if (s.keep.includes('email')) return new Map();
      const rows = await db.rows<{ account_id: string }>(sql`
        update privacy_subjects set email = null
        where account_id = any(${textArray(s.accountIds)}) and email is not null
          and (user_id is null or user_id <> all(${textArray(s.heldSubjects)}))
        returning account_id`);
      await db.q.execute(sql`
        update dsr_requests set requester_email = null, statement = null
        where account_id = any(${textArray(s.accountIds)}) and closed_at is not null and requester_email is not null`);
      const out = new Map<string, number>();
      for (const r of rows) out.set(r.account_id, (out.get(r.account_id) ?? 0) + 1);
      return out;
    },
  };

  return [marketing, ledger, addresses, visitorRetentionHandler(deps)];
}
