import { sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import {
  chainOf,
  contextOf,
  ensureSubject,
  type PrivacyDeps,
  type Subject,
  subjectById,
} from './privacy-context.ts';
import { privacyErrors } from './privacy-errors.ts';
import { type ConsentStatus, emailHashOf, purposeOf, wordingOf } from './privacy-rules.ts';

export const consentChannels = [
  'registration',
  'account_settings',
  'preference_centre',
  'unsubscribe_link',
  'email',
  'letter',
  'chat',
  'staff',
  'api',
  'request',
] as const;
export type ConsentChannel = (typeof consentChannels)[number];

export type ConsentChange = {
  email: string;
  purpose: string;
  action: 'given' | 'withdrawn';
  channel: ConsentChannel;
  language: 'pl' | 'en';
  ip: string | null;
  userAgent: string | null;
  actor: string;
  requestId?: string;
};

export type LedgerEntry = {
  id: string;
  subjectId: string;
  accountId: string | null;
  purpose: string;
  action: 'given' | 'withdrawn' | 'expired';
  basis: string;
  wordingVersion: string;
  wordingSha256: string;
  language: string;
  channel: string;
  ip: string | null;
  userAgent: string | null;
  recordedBy: string;
  requestId: string | null;
  occurredAt: Date;
};

/** Channels a withdrawal may come through besides the purpose's own list: staff recording it, a request. */
const ALWAYS_WITHDRAWABLE: readonly string[] = ['staff', 'request', 'api'];

/**
 * Records a consent given or withdrawn, with its proof (CM-CKE-05, CM-CKE-07): the wording version and the
 * SHA-256 of the exact text in the person's language, the time on the person's clock, the channel, IP and
 * user agent, in the append-only ledger; moves the purpose's current state; and writes a
 * `consent.given`/`consent.withdrawn` event citing the purpose's clause (ids only). Withdrawing the marketing
 * purpose's consent is also an objection to direct marketing and to marketing profiling, effective at once
 * (CM-PRV-08). A withdrawal through a channel the policy does not offer for the purpose is refused; nothing
 * changes then. Withdrawing what was never given still records the withdrawal (an opt-out at registration,
 * QU-CNS-01).
 */
export async function changeConsent(deps: PrivacyDeps, change: ConsentChange): Promise<LedgerEntry> {
  return deps.db.transaction(async () => {
    const people = await deps.people([change.email]);
    const ctx = await contextOf(deps, people[0]?.accountId ?? null);
    const purpose = purposeOf(ctx.policy, change.purpose);
    if (!purpose)
      throw new AppError(privacyErrors['privacy.purpose_unknown'], { details: { purpose: change.purpose } });
    if (
      change.action === 'withdrawn' &&
      !(purpose.withdrawChannels as readonly string[]).includes(change.channel) &&
      !ALWAYS_WITHDRAWABLE.includes(change.channel) &&
      !(change.channel === 'registration' && purpose.askedAtRegistration)
    )
      throw new AppError(privacyErrors['privacy.channel_not_offered'], {
        details: { purpose: purpose.id, channel: change.channel },
      });
    const subject = await ensureSubject(deps, change.email, ctx.now);
    const entry = await appendLedger(deps, subject, {
      purpose: purpose.id,
      action: change.action,
      basis: purpose.basis,
      ...wordingProof(wordingOf(ctx.policy, purpose, change.language)),
      language: change.language,
      channel: change.channel,
      ip: change.ip,
      userAgent: change.userAgent?.slice(0, 512) ?? null,
      recordedBy: change.actor,
      requestId: change.requestId ?? null,
      occurredAt: ctx.now,
    });
    const isMarketing = ctx.policy.marketing?.purpose === purpose.id;
    if (change.action === 'withdrawn' && isMarketing) {
      await deps.db.q.execute(sql`
        update privacy_subjects set marketing_objected_at = coalesce(marketing_objected_at, ${ctx.now.toISOString()}),
               profiling_objected_at = coalesce(profiling_objected_at, ${ctx.now.toISOString()})
        where id = ${subject.id}`);
    }
    if (change.action === 'given' && isMarketing) {
      // A new, freely given consent lifts the earlier objection to direct marketing.
      await deps.db.q.execute(sql`
        update privacy_subjects set marketing_objected_at = null, profiling_objected_at = null where id = ${subject.id}`);
    }
    await deps.eventLog.append([
      {
        chainId: chainOf(subject),
        type: change.action === 'given' ? 'consent.given' : 'consent.withdrawn',
        clause: purpose.clause ?? null,
        actor: change.actor,
        cause: change.requestId ? `dsr:${change.requestId}` : `consent:${entry.id}`,
        occurredAt: ctx.now,
        data: {
          subject: subject.id,
          purpose: purpose.id,
          channel: change.channel,
          wordingVersion: entry.wordingVersion,
          ledgerEntry: entry.id,
          ...(change.action === 'withdrawn' && isMarketing ? { marketingObjection: true } : {}),
        },
      },
    ]);
    return entry;
  });
}

function wordingProof(w: { version: string; sha256: string }) {
  return { wordingVersion: w.version, wordingSha256: w.sha256 };
}

/** Appends one ledger row and moves the purpose's state to it. Joins the caller's transaction. */
export async function appendLedger(
  deps: PrivacyDeps,
  subject: Pick<Subject, 'id' | 'accountId'>,
  e: Omit<LedgerEntry, 'id' | 'subjectId' | 'accountId'>,
): Promise<LedgerEntry> {
  const entry: LedgerEntry = {
    id: deps.ids.next('cns'),
    subjectId: subject.id,
    accountId: subject.accountId,
    ...e,
  };
  await deps.db.q.execute(sql`
    insert into consent_ledger (id, subject_id, account_id, purpose, action, basis, wording_version, wording_sha256,
      language, channel, ip, user_agent, recorded_by, request_id, occurred_at, recorded_at)
    values (${entry.id}, ${entry.subjectId}, ${entry.accountId}, ${entry.purpose}, ${entry.action}, ${entry.basis},
      ${entry.wordingVersion}, ${entry.wordingSha256}, ${entry.language}, ${entry.channel}, ${entry.ip},
      ${entry.userAgent}, ${entry.recordedBy}, ${entry.requestId}, ${entry.occurredAt.toISOString()},
      ${deps.clock.now().toISOString()})`);
  const status: ConsentStatus = entry.action === 'given' ? 'granted' : entry.action;
  await deps.db.q.execute(sql`
    insert into consent_states (subject_id, purpose, account_id, status, basis, changed_at, ledger_id)
    values (${entry.subjectId}, ${entry.purpose}, ${entry.accountId}, ${status}, ${entry.basis},
            ${entry.occurredAt.toISOString()}, ${entry.id})
    on conflict (subject_id, purpose) do update set status = excluded.status, basis = excluded.basis,
      changed_at = excluded.changed_at, ledger_id = excluded.ledger_id, account_id = excluded.account_id`);
  return entry;
}

function ledgerOf(r: Record<string, unknown>): LedgerEntry {
  return {
    id: r.id as string,
    subjectId: r.subject_id as string,
    accountId: (r.account_id as string | null) ?? null,
    purpose: r.purpose as string,
    action: r.action as LedgerEntry['action'],
    basis: r.basis as string,
    wordingVersion: r.wording_version as string,
    wordingSha256: r.wording_sha256 as string,
    language: r.language as string,
    channel: r.channel as string,
    ip: (r.ip as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
    recordedBy: r.recorded_by as string,
    requestId: (r.request_id as string | null) ?? null,
    occurredAt: new Date(r.occurred_at as string),
  };
}

export type ConsentOverview = {
  subject: Subject;
  purposes: { purpose: string; basis: string; status: ConsentStatus | null; changedAt: Date | null }[];
  ledger: LedgerEntry[];
};

/** A person's consents under their policy: each purpose's state, and the whole ledger, oldest first. */
export async function consentOverview(deps: PrivacyDeps, subjectId: string): Promise<ConsentOverview> {
  const subject = await subjectById(deps, subjectId);
  if (!subject) throw new AppError('request.not_found');
  const ctx = await contextOf(deps, subject.accountId);
  const states = await deps.db.rows<{ purpose: string; status: ConsentStatus; changed_at: string }>(
    sql`select purpose, status, changed_at from consent_states where subject_id = ${subject.id}`,
  );
  const ledger = await deps.db.rows<Record<string, unknown>>(
    sql`select * from consent_ledger where subject_id = ${subject.id} order by id`,
  );
  return {
    subject,
    purposes: ctx.policy.consents.map((p) => {
      const s = states.find((x) => x.purpose === p.id);
      return {
        purpose: p.id,
        basis: p.basis,
        status: s?.status ?? null,
        changedAt: s ? new Date(s.changed_at) : null,
      };
    }),
    ledger: ledger.map(ledgerOf),
  };
}

/**
 * The accounts whose people hold a granted consent to `purpose` right now (BK-CNS-02: the showcase shows a
 * company's logo exactly while this holds, so a withdrawal removes it at once).
 */
export async function accountsGranting(deps: PrivacyDeps, purpose: string): Promise<string[]> {
  const rows = await deps.db.rows<{ account_id: string }>(sql`
    select distinct account_id from consent_states
    where purpose = ${purpose} and status = 'granted' and account_id is not null order by account_id`);
  return rows.map((r) => r.account_id);
}

/** The subject of an e-mail address, if the privacy module knows it. */
export async function subjectIdOf(deps: PrivacyDeps, email: string): Promise<string | null> {
  const [row] = await deps.db.rows<{ id: string }>(
    sql`select id from privacy_subjects where email_hash = ${emailHashOf(email)}`,
  );
  return row?.id ?? null;
}
