import { sql } from 'drizzle-orm';
import { addDays, type LocalDate, localDateOf, startOfDay } from '../../platform/calendar.ts';
import { jsonRows, textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueWork } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog, NewEvent } from '../../platform/evidence/event-log.ts';
import type { Policy } from '../../policy/index.ts';
import type { NotificationRequest, Notifications } from '../notifications/index.ts';
import { lifecycleErrors } from './lifecycle-errors.ts';
import {
  decideFreeEnd,
  decideTrialEnd,
  type Entitlements,
  entitlementsOf,
  startOfLife,
  windowEndsAt,
} from './lifecycle-rules.ts';
import type { AccountState } from './lifecycle-schema.ts';

export const TRIAL_END = 'lifecycle.trial_end';
export const FREE_END = 'lifecycle.free_end';
/** The notice that a trial is ending, `trial.endingNoticeDays` before its end. */
export const TRIAL_ENDING = 'lifecycle.trial_ending';
export const ACCOUNT_CHANGED = 'account_changed';
/** The end of a liquidated or terminated account's restore window: it is purged (CM-LIF-13). */
export const RESTORE_WINDOW_END = 'lifecycle.restore_window_end';
/**
 * The event recorded when an account's contract ends, with `{ state, endedAt }`: the fact retention periods
 * count from (QU-LIF-09 30 days, MOC-LIF-02 180 days). Listeners given to `onLifeFacts` hear it in the same
 * transaction.
 */
export const CONTRACT_ENDED_EVENT = 'account.contract_ended';
/**
 * The event recorded when an account is purged (QU-LIF-03, CM-LIF-03/13, BK-LIF-06, MOC-LIF-01): from then
 * on it can never be restored, and every data category of it is due for deletion. Lifecycle deletes no data
 * itself: the retention engine, listening through `onLifeFacts`, does.
 */
export const ACCOUNT_PURGED_EVENT = 'account.purged';

/** What an account's life tells listeners (the retention engine), inside the transaction that made it so. */
export type LifeFacts = {
  contractEnded: {
    accountId: string;
    at: Date;
    state: AccountState;
    clockId: string | null;
    policyVersionId: string;
  }[];
  purged: {
    accountId: string;
    at: Date;
    because: string | null;
    clockId: string | null;
    policyVersionId: string;
  }[];
};

/** The item a transition is decided for: a due item, or a request acted on at `firedAt`. */
export type TransitionItem = { accountId: string; kind: string; firedAt: Date };

/** A rule's answer for one account: the state to move to, and optionally the dates it changes. */
export type TransitionDecision = {
  to: AccountState;
  planCode: string;
  because: string | null;
  /** What caused it; `due:<kind>` when not given. */
  cause?: string;
  /** Who did it; `system` when not given. */
  actor?: string;
  /** The unpaid day the state is owed to (non-payment states); kept when not given, cleared on `active`. */
  unpaidAnchor?: LocalDate | null;
  /** The end of its restore window; for `liquidated`/`terminated` the policy's window when not given. */
  restorableUntil?: Date | null;
  /** More facts for the event (ids, dates; never personal data). */
  data?: Record<string, string | number | boolean | null>;
};

const contractEndingStates: ReadonlySet<AccountState> = new Set(['liquidated', 'terminated', 'purged']);

export type AccountContact = { accountId: string; email: string; locale: 'pl' | 'en'; companyName: string };

export type LifeRow = {
  accountId: string;
  policyVersionId: string;
  clockId: string | null;
  state: AccountState;
  planCode: string;
  stateSince: Date;
  trialEndsAt: Date | null;
  freeEndsAt: Date | null;
  changedAt: Date;
  contractEndedAt: Date | null;
  restorableUntil: Date | null;
  waivedUnpaidAnchor: LocalDate | null;
  unpaidAnchor: LocalDate | null;
};

export type Lifecycle = ReturnType<typeof makeLifecycle>;

/** An account's lifecycle row as journalled (see `account_state_journal`). */
export type StateJournalEntry = { accountId: string; seq: number; row: Record<string, unknown> };

export function makeLifecycle(deps: {
  db: Database;
  eventLog: EventLog;
  dueWork: DueWork;
  notifications: Notifications;
  policyOf: (versionId: string) => Policy;
  contactsOf: (accountIds: readonly string[]) => Promise<AccountContact[]>;
  portalUrl: string;
  /** Told in this process as soon as a change commits (other processes learn it from the NOTIFY). */
  onChanged?: (accountIds: readonly string[]) => void;
}) {
  const { db, eventLog, dueWork, notifications, policyOf, contactsOf } = deps;

  /**
   * Starts an account's life under `policyVersionId` at `now`: its first state and plan, the event that
   * records them, and the deadline of its trial or free period. Joins the caller's transaction (registration).
   */
  async function start(input: {
    accountId: string;
    policyVersionId: string;
    clockId: string | null;
    now: Date;
    requestedPlan: string | null;
    /** The registration of this customer's earlier account that its trial is tied to (QU-BIL-02), if any. */
    trialTiedTo: Date | null;
    actor: string;
  }): Promise<LifeRow> {
    const policy = policyOf(input.policyVersionId);
    if (input.requestedPlan && !policy.plans.some((p) => p.code === input.requestedPlan))
      throw new AppError(lifecycleErrors.unknown_plan, { details: { plan: input.requestedPlan } });
    const life = startOfLife(policy, {
      registeredAt: input.now,
      requestedPlan: input.requestedPlan,
      tiedTo: input.trialTiedTo,
    });
    const row: LifeRow = {
      accountId: input.accountId,
      policyVersionId: input.policyVersionId,
      clockId: input.clockId,
      state: life.state,
      planCode: life.planCode,
      stateSince: input.now,
      trialEndsAt: life.trialEndsAt,
      freeEndsAt: life.freeEndsAt,
      changedAt: input.now,
      contractEndedAt: null,
      restorableUntil: null,
      waivedUnpaidAnchor: null,
      unpaidAnchor: null,
    };
    await db.q.execute(sql`
      insert into account_states (account_id, policy_version_id, clock_id, state, plan_code, state_since,
                                  trial_ends_at, free_ends_at, changed_at)
      values (${row.accountId}, ${row.policyVersionId}, ${row.clockId}, ${row.state}, ${row.planCode},
              ${iso(row.stateSince)}, ${iso(row.trialEndsAt)}, ${iso(row.freeEndsAt)}, ${iso(row.changedAt)})`);
    await journalStates([row.accountId]);
    await eventLog.append([
      {
        chainId: row.accountId,
        type: 'account.life_started',
        clause: life.because,
        actor: input.actor,
        occurredAt: input.now,
        data: {
          state: row.state,
          plan: row.planCode,
          policyVersion: row.policyVersionId,
          trialEndsAt: row.trialEndsAt?.toISOString() ?? null,
          freeEndsAt: row.freeEndsAt?.toISOString() ?? null,
        },
      },
    ]);
    if (row.state === 'trial' && row.trialEndsAt) {
      await dueWork.schedule([
        { accountId: row.accountId, kind: TRIAL_END, dueAt: row.trialEndsAt, clockId: row.clockId },
      ]);
      const notice = policy.trial?.endingNoticeDays;
      const tz = policy.locale.timeZone;
      const noticeAt =
        notice === null || notice === undefined
          ? null
          : startOfDay(addDays(localDateOf(row.trialEndsAt, tz), -notice), tz);
      if (noticeAt && noticeAt.getTime() > input.now.getTime())
        await dueWork.schedule([
          { accountId: row.accountId, kind: TRIAL_ENDING, dueAt: noticeAt, clockId: row.clockId },
        ]);
    }
    if (row.state === 'free' && row.freeEndsAt)
      await dueWork.schedule([
        { accountId: row.accountId, kind: FREE_END, dueAt: row.freeEndsAt, clockId: row.clockId },
      ]);
    return row;
  }

  async function load(accountIds: readonly string[], forUpdate = false): Promise<LifeRow[]> {
    const rows = await db.rows<Record<string, unknown>>(sql`
      select * from account_states where account_id = any(${textArray(accountIds)})
      ${forUpdate ? sql`order by account_id for update` : sql``}`);
    return rows.map(fromRow);
  }

  async function get(accountId: string): Promise<LifeRow> {
    const [row] = await load([accountId]);
    if (!row) throw new AppError(lifecycleErrors.account_not_found, { details: { id: accountId } });
    return row;
  }

  const lifeListeners: ((facts: LifeFacts) => Promise<void>)[] = [];

  /**
   * Registers a listener told, inside the transaction, which accounts' contracts ended and which were purged
   * (the retention engine schedules and runs its deletions from these facts).
   */
  function onLifeFacts(listener: (facts: LifeFacts) => Promise<void>): void {
    lifeListeners.push(listener);
  }

  /**
   * Applies the state changes that a batch of due items (or requests) still justifies, with events and
   * notices, set-based. Rows are locked and re-read; `decide` answers from them at each item's firing time.
   *
   * Besides state and plan it keeps the dates the rules count from: entering `liquidated`, `terminated` or
   * `purged` ends the contract (`contract_ended_at`, once) and, where the policy restores such accounts, opens
   * the restore window whose end purges them (CM-LIF-13); `active` closes them again. An ended contract and a
   * purge are recorded as their own events (`account.contract_ended`, `account.purged`) and told to the
   * `onLifeFacts` listeners. A notice of null sends no mail. Returns the rows as changed.
   */
  async function applyTransitions(
    items: readonly TransitionItem[],
    decide: (policy: Policy, row: LifeRow, now: Date) => TransitionDecision | null,
    /** The template and parameters of the notice; who gets it, when and why is the same for every transition. */
    notice: (c: {
      policy: Policy;
      row: LifeRow;
      at: Date;
      locale: 'pl' | 'en';
      to: AccountState;
      next: LifeRow;
    }) => (Pick<NotificationRequest, 'template' | 'params'> & { dedupeKey?: string }) | null,
  ): Promise<LifeRow[]> {
    const rows = new Map(
      (
        await load(
          items.map((i) => i.accountId),
          true,
        )
      ).map((r) => [r.accountId, r]),
    );
    const changes: { row: LifeRow; next: LifeRow; d: TransitionDecision; at: Date; cause: string }[] = [];
    for (const item of items) {
      const row = rows.get(item.accountId);
      if (!row) continue;
      const policy = policyOf(row.policyVersionId);
      const d = decide(policy, row, item.firedAt);
      if (!d) continue;
      const at = item.firedAt;
      const ends = contractEndingStates.has(d.to);
      const window = policy.restore.liquidatedDays;
      const restorableUntil =
        d.restorableUntil !== undefined
          ? d.restorableUntil
          : d.to === 'liquidated' || d.to === 'terminated'
            ? window !== null
              ? windowEndsAt(at, window, policy.locale.timeZone)
              : null
            : d.to === 'active' || d.to === 'purged'
              ? null
              : row.restorableUntil;
      const next: LifeRow = {
        ...row,
        state: d.to,
        planCode: d.planCode,
        stateSince: at,
        changedAt: at,
        contractEndedAt: d.to === 'active' ? null : ends ? (row.contractEndedAt ?? at) : row.contractEndedAt,
        restorableUntil,
        unpaidAnchor:
          d.unpaidAnchor !== undefined ? d.unpaidAnchor : d.to === 'active' ? null : row.unpaidAnchor,
        waivedUnpaidAnchor: d.to === 'purged' ? null : row.waivedUnpaidAnchor,
      };
      rows.set(row.accountId, next);
      changes.push({ row, next, d, at, cause: d.cause ?? `due:${item.kind}` });
    }
    if (changes.length === 0) return [];
    await db.q.execute(sql`
      update account_states s set state = x.state, plan_code = x."planCode", state_since = x.at, changed_at = x.at,
             contract_ended_at = x."contractEndedAt", restorable_until = x."restorableUntil",
             unpaid_anchor = x."unpaidAnchor", waived_unpaid_anchor = x."waivedUnpaidAnchor"
      from jsonb_to_recordset(${jsonRows(
        changes.map(({ next: n }) => ({
          id: n.accountId,
          state: n.state,
          planCode: n.planCode,
          at: n.stateSince,
          contractEndedAt: n.contractEndedAt,
          restorableUntil: n.restorableUntil,
          unpaidAnchor: n.unpaidAnchor,
          waivedUnpaidAnchor: n.waivedUnpaidAnchor,
        })),
      )})
        as x(id text, state text, "planCode" text, at timestamptz, "contractEndedAt" timestamptz,
             "restorableUntil" timestamptz, "unpaidAnchor" date, "waivedUnpaidAnchor" date)
      where s.account_id = x.id`);
    const events: NewEvent[] = [];
    const facts: LifeFacts = { contractEnded: [], purged: [] };
    for (const c of changes) {
      const actor = c.d.actor ?? 'system';
      events.push({
        chainId: c.row.accountId,
        type: 'account.state_changed',
        clause: c.d.because,
        actor,
        cause: c.cause,
        occurredAt: c.at,
        data: {
          from: c.row.state,
          to: c.d.to,
          fromPlan: c.row.planCode,
          toPlan: c.d.planCode,
          ...(c.next.unpaidAnchor !== c.row.unpaidAnchor ? { unpaidSince: c.next.unpaidAnchor } : {}),
          ...(c.next.restorableUntil && c.next.restorableUntil !== c.row.restorableUntil
            ? { restorableUntil: c.next.restorableUntil.toISOString() }
            : {}),
          ...(c.d.data ?? {}),
        },
      });
      const base = {
        accountId: c.row.accountId,
        clockId: c.row.clockId,
        policyVersionId: c.row.policyVersionId,
      };
      if (c.next.contractEndedAt && !c.row.contractEndedAt) {
        events.push({
          chainId: c.row.accountId,
          type: CONTRACT_ENDED_EVENT,
          clause: c.d.because,
          actor,
          cause: c.cause,
          occurredAt: c.at,
          data: { state: c.d.to, endedAt: c.next.contractEndedAt.toISOString() },
        });
        facts.contractEnded.push({ ...base, at: c.next.contractEndedAt, state: c.d.to });
      }
      if (c.d.to === 'purged') {
        events.push({
          chainId: c.row.accountId,
          type: ACCOUNT_PURGED_EVENT,
          clause: c.d.because,
          actor,
          cause: c.cause,
          occurredAt: c.at,
          data: { from: c.row.state },
        });
        facts.purged.push({ ...base, at: c.at, because: c.d.because });
      }
    }
    await eventLog.append(events);
    const windows = changes.filter(
      (c) => c.next.restorableUntil && (c.d.to === 'liquidated' || c.d.to === 'terminated'),
    );
    await dueWork.schedule(
      windows.map((c) => ({
        accountId: c.row.accountId,
        kind: RESTORE_WINDOW_END,
        dueAt: c.next.restorableUntil!,
        clockId: c.row.clockId,
      })),
    );
    const contacts = new Map(
      (await contactsOf(changes.map((c) => c.row.accountId))).map((c) => [c.accountId, c]),
    );
    await notifications.send(
      changes.flatMap((c) => {
        const contact = contacts.get(c.row.accountId);
        if (!contact) return [];
        const policy = policyOf(c.row.policyVersionId);
        const mail = notice({
          policy,
          row: c.row,
          at: c.at,
          locale: contact.locale,
          to: c.d.to,
          next: c.next,
        });
        if (!mail) return [];
        return [
          {
            accountId: c.row.accountId,
            recipient: contact.email,
            locale: contact.locale,
            template: mail.template,
            clause: c.d.because,
            dedupeKey: mail.dedupeKey ?? `${mail.template}:${c.row.accountId}`,
            occurredAt: c.at,
            params: mail.params,
          } as NotificationRequest,
        ];
      }),
    );
    for (const listener of lifeListeners)
      if (facts.contractEnded.length > 0 || facts.purged.length > 0) await listener(facts);
    await announceChanged(changes.map((c) => c.row.accountId));
    return changes.map((c) => c.next);
  }

  /**
   * Tells every process's entitlement cache that these accounts changed: this process as soon as the change
   * commits (a NOTIFY reaches even its own listener only a moment later, and a read in between would be
   * answered from the stale entry), the others by NOTIFY, which is delivered on commit.
   */
  async function announceChanged(accountIds: readonly string[]): Promise<void> {
    // Whatever changed the account, its lifecycle row as it now is goes to the state journal (restores).
    await journalStates(accountIds);
    if (deps.onChanged) {
      const ids = [...accountIds];
      db.afterCommit(() => deps.onChanged?.(ids));
    }
    // One notice per 200 accounts (a payload stays under NOTIFY's 8000 bytes), all in one statement.
    const payloads: string[] = [];
    for (let i = 0; i < accountIds.length; i += 200) payloads.push(accountIds.slice(i, i + 200).join(','));
    if (payloads.length === 0) return;
    await db.q.execute(sql`select pg_notify(${ACCOUNT_CHANGED}, p) from unnest(${textArray(payloads)}) as p`);
  }

  dueWork.register({
    kind: TRIAL_END,
    handle: async (items) => {
      await applyTransitions(
        items,
        (policy, row, now) => {
          const d = decideTrialEnd(policy, row, now);
          return d.next === 'trial_ended'
            ? { to: 'trial_ended', planCode: d.planCode, because: d.because }
            : null;
        },
        ({ policy, row, at, locale }) => ({
          template: 'lifecycle.trial_ended',
          params: {
            planName: planName(policy, row.planCode, locale),
            trialEndedOn: lastDayBefore(at, policy.locale.timeZone),
            orderUrl: `${deps.portalUrl}/billing`,
          },
        }),
      );
    },
  });
  dueWork.register({
    kind: FREE_END,
    handle: async (items) => {
      await applyTransitions(
        items,
        (policy, row, now) => {
          const d = decideFreeEnd(policy, row, now);
          return d.next === 'free_ended'
            ? { to: 'free_ended', planCode: row.planCode, because: d.because }
            : null;
        },
        ({ policy, at }) => ({
          template: 'lifecycle.free_period_ended',
          params: {
            endedOn: lastDayBefore(at, policy.locale.timeZone),
            upgradeUrl: `${deps.portalUrl}/billing`,
          },
        }),
      );
    },
  });

  dueWork.register({
    kind: TRIAL_ENDING,
    handle: async (items) => {
      // A notice, not a change: accounts still on their trial are told when it ends.
      const rows = (await load(items.map((i) => i.accountId))).filter(
        (r) => r.state === 'trial' && r.trialEndsAt,
      );
      const contacts = new Map((await contactsOf(rows.map((r) => r.accountId))).map((c) => [c.accountId, c]));
      const at = new Map(items.map((i) => [i.accountId, i.firedAt]));
      const events: NewEvent[] = [];
      const mails: NotificationRequest[] = [];
      for (const row of rows) {
        const policy = policyOf(row.policyVersionId);
        const firedAt = at.get(row.accountId)!;
        if (!policy.trial || row.trialEndsAt!.getTime() <= firedAt.getTime()) continue;
        const trialEndsOn = lastDayBefore(row.trialEndsAt!, policy.locale.timeZone);
        events.push({
          chainId: row.accountId,
          type: 'account.trial_ending_notified',
          clause: policy.trial.clauses.length,
          actor: 'system',
          cause: `due:${TRIAL_ENDING}`,
          occurredAt: firedAt,
          data: { trialEndsAt: row.trialEndsAt!.toISOString() },
        });
        const contact = contacts.get(row.accountId);
        if (contact)
          mails.push({
            accountId: row.accountId,
            recipient: contact.email,
            locale: contact.locale,
            template: 'lifecycle.trial_ending',
            clause: policy.trial.clauses.length,
            dedupeKey: `lifecycle.trial_ending:${row.accountId}`,
            occurredAt: firedAt,
            params: { planName: planName(policy, row.planCode, contact.locale), trialEndsOn },
          });
      }
      await eventLog.append(events);
      await notifications.send(mails);
    },
  });

  dueWork.register({
    kind: RESTORE_WINDOW_END,
    handle: async (items) => {
      await applyTransitions(
        items,
        (policy, row, now) =>
          (row.state === 'liquidated' || row.state === 'terminated') &&
          row.restorableUntil &&
          now.getTime() >= row.restorableUntil.getTime()
            ? { to: 'purged', planCode: row.planCode, because: policy.restore.clauses.liquidated }
            : null,
        ({ policy, at, row }) => ({
          template: 'lifecycle.account_purged',
          params: { purgedOn: localDateOf(at, policy.locale.timeZone) },
          dedupeKey: `lifecycle.account_purged:${row.accountId}`,
        }),
      );
    },
  });

  /**
   * Copies the accounts' `account_states` rows, as they are in this transaction, into the state journal
   * with a fresh number each (one statement). Every writer of `account_states` ends with `announceChanged`
   * (or `start`), which calls this, so the journal always holds each account's latest row.
   */
  async function journalStates(accountIds: readonly string[]): Promise<void> {
    if (accountIds.length === 0) return;
    await db.q.execute(sql`
      insert into account_state_journal (account_id, seq, row)
      select s.account_id, nextval('account_state_journal_seq'), to_jsonb(s)
      from account_states s where s.account_id = any(${textArray([...new Set(accountIds)])})
      order by s.account_id
      on conflict (account_id) do update set seq = excluded.seq, row = excluded.row`);
  }

  /** The highest number in the state journal (a restored backup's mark), 0 when empty. */
  async function stateJournalHead(): Promise<number> {
    const [r] = await db.rows<{ seq: string | number | null }>(
      sql`select max(seq) as seq from account_state_journal`,
    );
    return r?.seq === null || r?.seq === undefined ? 0 : Number(r.seq);
  }

  /** The state journal's entries numbered after `afterSeq`. */
  async function stateJournalSince(afterSeq: number): Promise<StateJournalEntry[]> {
    const rows = await db.rows<{ account_id: string; seq: string | number; row: Record<string, unknown> }>(
      sql`select account_id, seq, row from account_state_journal where seq > ${afterSeq} order by seq`,
    );
    return rows.map((r) => ({ accountId: r.account_id, seq: Number(r.seq), row: r.row }));
  }

  /**
   * After a backup was loaded (inside the restore's transaction): puts back the lifecycle row of each account
   * that changed after the backup was taken, as the journal last recorded it (the newest entry per account
   * wins), so no account comes back alive, un-ended or un-purged. Accounts the backup does not hold (made
   * after it) stay absent. Each re-applied account gets an `account.state_reapplied` event (which also puts
   * it on the retention engine's review), its restore window's end back on the calendar, and its caches
   * dropped. Returns the accounts re-applied.
   */
  async function reapplyStates(
    entries: readonly StateJournalEntry[],
    at: Date,
    cause: string,
  ): Promise<string[]> {
    const newest = new Map<string, StateJournalEntry>();
    for (const e of entries) {
      const seen = newest.get(e.accountId);
      if (!seen || e.seq > seen.seq) newest.set(e.accountId, e);
    }
    if (newest.size === 0) return [];
    const before = new Map((await load([...newest.keys()], true)).map((r) => [r.accountId, r]));
    const apply = [...newest.values()].filter((e) => before.has(e.accountId));
    if (apply.length > 0) {
      const ids = apply.map((e) => e.accountId);
      await db.q.execute(sql`delete from account_states where account_id = any(${textArray(ids)})`);
      await db.q.execute(sql`
        insert into account_states
        select * from jsonb_populate_recordset(null::account_states, ${jsonRows(apply.map((e) => e.row))})`);
    }
    // The journal itself as it was, numbered as it was, so a later restore of this state reads it back.
    await db.q.execute(sql`
      insert into account_state_journal (account_id, seq, row)
      select "accountId", seq, row from jsonb_to_recordset(${jsonRows([...newest.values()])})
        as x("accountId" text, seq bigint, row jsonb)
      on conflict (account_id) do update set seq = excluded.seq, row = excluded.row
      where account_state_journal.seq < excluded.seq`);
    await db.q.execute(sql`
      select setval('account_state_journal_seq', greatest(
        (select coalesce(max(seq), 1) from account_state_journal),
        (select last_value from account_state_journal_seq)))`);
    const after = await load(
      apply.map((e) => e.accountId),
      false,
    );
    await eventLog.append(
      after.map((r) => ({
        chainId: r.accountId,
        type: 'account.state_reapplied',
        clause: null,
        actor: 'system',
        cause,
        occurredAt: at,
        data: {
          from: before.get(r.accountId)!.state,
          to: r.state,
          contractEndedAt: r.contractEndedAt?.toISOString() ?? null,
        },
      })),
    );
    await dueWork.schedule(
      after
        .filter((r) => (r.state === 'liquidated' || r.state === 'terminated') && r.restorableUntil)
        .map((r) => ({
          accountId: r.accountId,
          kind: RESTORE_WINDOW_END,
          dueAt: r.restorableUntil!,
          clockId: r.clockId,
        })),
    );
    const ids = after.map((r) => r.accountId);
    if (deps.onChanged) db.afterCommit(() => deps.onChanged?.(ids));
    const payloads: string[] = [];
    for (let i = 0; i < ids.length; i += 200) payloads.push(ids.slice(i, i + 200).join(','));
    if (payloads.length > 0)
      await db.q.execute(
        sql`select pg_notify(${ACCOUNT_CHANGED}, p) from unnest(${textArray(payloads)}) as p`,
      );
    return ids;
  }

  async function entitlements(accountId: string): Promise<{ row: LifeRow; entitlements: Entitlements }> {
    const row = await get(accountId);
    return { row, entitlements: entitlementsOf(policyOf(row.policyVersionId), row) };
  }

  return {
    start,
    get,
    load,
    entitlements,
    announceChanged,
    applyTransitions,
    onLifeFacts,
    stateJournalHead,
    stateJournalSince,
    reapplyStates,
  };
}

function planName(policy: Policy, code: string, locale: 'pl' | 'en'): string {
  return policy.plans.find((p) => p.code === code)?.name[locale] ?? code;
}

/** The local date of the last day a window covered, for a window that ended at `end` (a local midnight). */
function lastDayBefore(end: Date, timeZone: string): string {
  return localDateOf(new Date(end.getTime() - 1), timeZone);
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function date(v: unknown): Date | null {
  return v === null || v === undefined ? null : new Date(v as string);
}

function fromRow(r: Record<string, unknown>): LifeRow {
  return {
    accountId: r.account_id as string,
    policyVersionId: r.policy_version_id as string,
    clockId: (r.clock_id as string | null) ?? null,
    state: r.state as AccountState,
    planCode: r.plan_code as string,
    stateSince: date(r.state_since)!,
    trialEndsAt: date(r.trial_ends_at),
    freeEndsAt: date(r.free_ends_at),
    changedAt: date(r.changed_at)!,
    contractEndedAt: date(r.contract_ended_at),
    restorableUntil: date(r.restorable_until),
    waivedUnpaidAnchor: localDay(r.waived_unpaid_anchor),
    unpaidAnchor: localDay(r.unpaid_anchor),
  };
}

/** A `date` column as a LocalDate: drivers hand it back as a string or as a Date at UTC midnight. */
function localDay(v: unknown): LocalDate | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v).slice(0, 10);
}
