import { sql } from 'drizzle-orm';
import { addDays, type LocalDate, localDateOf, startOfDay } from '../../platform/calendar.ts';
import { jsonRows, textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueItem, DueWork, ScheduleRequest } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog, NewEvent, StoredEvent } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Policy, RetentionCategory, RetentionData } from '../../policy/index.ts';
import type { AccountContact } from '../lifecycle/index.ts';
import type { RetentionLifeFacts } from '../lifecycle/retention-facts.ts';
import type { NotificationRequest, Notifications } from '../notifications/index.ts';
import { retentionErrors } from './retention-errors.ts';
import type { ErasureScope, RetentionHandler } from './retention-handlers.ts';
import {
  type AccountFacts,
  decideAccountRetention,
  isAccountLevel,
  itemCutoff,
  purgeTimeOf,
} from './retention-rules.ts';

/** Look again at an account's retention after something about it changed (scheduled from its events). */
export const RETENTION_REVIEW = 'retention.review';
/** A category's data of an account are due (ref = category id). */
export const RETENTION_PURGE = 'retention.purge';
/** A category's purge warning is due (ref = category id). */
export const RETENTION_WARN = 'retention.warn';
/** An item-level category's next pass over an account's items (ref = category id). */
export const RETENTION_ITEMS = 'retention.items';
/** A purge that had to leave rows for later (a mail not yet delivered) comes back for them (ref = category). */
export const RETENTION_FINISH = 'retention.finish';

/** The order kinds of data are erased in: what refers to users and accounts goes before them. */
const ERASE_ORDER = [
  'entrusted',
  'marketing',
  'requests',
  'messages',
  'payment_cards',
  'billing_records',
  'access',
  'usage',
  'consents',
  'profile',
  'identity',
];

/** Events that may change an account's retention facts (its state, use, payments). */
const RELEVANT_EVENTS = ['account.', 'user.', 'subscription.', 'payment.', 'invoice.', 'sessions.'];

export type RetentionFacts = {
  life(accountIds: readonly string[]): Promise<Map<string, RetentionLifeFacts>>;
  lastUse(accountIds: readonly string[]): Promise<Map<string, Date>>;
  /** Each account's last paid day (a local date in the policy's time zone). */
  lastPaidDay(accountIds: readonly string[]): Promise<Map<string, LocalDate>>;
};

type Loaded = { life: RetentionLifeFacts; policy: Policy; facts: AccountFacts };

type StatusRow = {
  accountId: string;
  category: string;
  triggerAt: Date | null;
  purgeAt: Date | null;
  warnAt: Date | null;
  warnedAt: Date | null;
  doneAt: Date | null;
  rows: number;
  note: string | null;
};

export type LegalHold = {
  id: string;
  accountId: string;
  subjectId: string | null;
  reason: string;
  setBy: string;
  setAt: Date;
  liftedBy: string | null;
  liftedAt: Date | null;
  liftReason: string | null;
};

export type Retention = ReturnType<typeof makeRetention>;

/**
 * The retention engine. The policy's categories say which data (`data`: kinds that modules' handlers
 * hold), from which trigger, after which period, go how (delete, anonymise keeping listed fields, or ask
 * the holder: 'review'). Nothing polls: every event of an account schedules a review (a due item), the
 * review schedules each category's purge and warning as due items, and the purge asks the rule again with
 * the facts of its firing time. Erasures are set-based per handler, recorded in the deletion journal (ids
 * only) and evidenced per account in the event log by category, clause, count and time, never by data.
 * Legal holds (per account, or per subject) stop them.
 */
export function makeRetention(deps: {
  db: Database;
  dueWork: DueWork;
  eventLog: EventLog;
  notifications: Notifications;
  ids: IdGenerator;
  clock: { now(): Date };
  policyOf: (versionId: string) => Policy;
  facts: RetentionFacts;
  contactsOf: (accountIds: readonly string[]) => Promise<AccountContact[]>;
  timeOf: (clockId: string | null) => Promise<Date>;
  portalUrl: string;
}) {
  const { db, dueWork, eventLog, policyOf } = deps;
  const handlers: RetentionHandler[] = [];

  /**
   * Adds a module's data handler. Call at wiring time (src/app.ts), before the worker runs. A category of
   * the policy reaches every handler whose `data` it lists.
   */
  function registerHandler(handler: RetentionHandler): void {
    if (handlers.some((h) => h.id === handler.id))
      throw new Error(`retention handler ${handler.id} registered twice`);
    handlers.push(handler);
    handlers.sort((a, b) => ERASE_ORDER.indexOf(a.data) - ERASE_ORDER.indexOf(b.data));
  }

  function handlersOf(category: RetentionCategory): RetentionHandler[] {
    const kinds = category.data ?? [];
    return handlers.filter(
      (h) =>
        kinds.includes(h.data) &&
        (isAccountLevel(category) || (h.itemTriggers ?? []).includes(category.trigger)),
    );
  }

  /** The categories the engine acts on: those with data some handler holds (and 'review' ones). */
  function activeCategories(policy: Policy): RetentionCategory[] {
    return policy.retention.categories.filter(
      (c) => (c.action === 'review' && isAccountLevel(c)) || handlersOf(c).length > 0,
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // Facts

  async function load(accountIds: readonly string[]): Promise<Map<string, Loaded>> {
    const ids = [...new Set(accountIds)];
    // One after another: inside a batch's transaction they share one connection (pg refuses overlap in v9).
    const life = await deps.facts.life(ids);
    const lastUse = await deps.facts.lastUse(ids);
    const lastPaid = await deps.facts.lastPaidDay(ids);
    const out = new Map<string, Loaded>();
    for (const [id, l] of life) {
      const policy = policyOf(l.policyVersionId);
      const paid = lastPaid.get(id);
      out.set(id, {
        life: l,
        policy,
        facts: {
          state: l.state,
          stateSince: l.stateSince,
          contractEndedAt: l.contractEndedAt,
          lastUseAt: lastUse.get(id) ?? null,
          paidPeriodEndedAt: paid ? startOfDay(addDays(paid, 1), policy.locale.timeZone) : null,
        },
      });
    }
    return out;
  }

  async function statuses(accountIds: readonly string[]): Promise<Map<string, StatusRow>> {
    const rows = await db.rows<Record<string, unknown>>(sql`
      select * from retention_status where account_id = any(${textArray([...new Set(accountIds)])})`);
    return new Map(rows.map((r) => [`${r.account_id}|${r.category}`, statusOf(r)]));
  }

  async function saveStatuses(rows: StatusRow[]): Promise<void> {
    if (rows.length === 0) return;
    await db.q.execute(sql`
      insert into retention_status (account_id, category, trigger_at, purge_at, warn_at, warned_at, done_at, rows, note)
      select "accountId", category, "triggerAt", "purgeAt", "warnAt", "warnedAt", "doneAt", rows, note
      from jsonb_to_recordset(${jsonRows(rows)}) as x("accountId" text, category text, "triggerAt" timestamptz,
        "purgeAt" timestamptz, "warnAt" timestamptz, "warnedAt" timestamptz, "doneAt" timestamptz, rows int, note text)
      on conflict (account_id, category) do update set trigger_at = excluded.trigger_at,
        purge_at = excluded.purge_at, warn_at = excluded.warn_at, warned_at = excluded.warned_at,
        done_at = excluded.done_at, rows = excluded.rows, note = excluded.note`);
  }

  async function activeHolds(accountIds: readonly string[]): Promise<Map<string, LegalHold[]>> {
    const rows = await db.rows<Record<string, unknown>>(sql`
      select * from legal_holds where account_id = any(${textArray([...new Set(accountIds)])})
        and lifted_at is null order by set_at`);
    const out = new Map<string, LegalHold[]>();
    for (const r of rows.map(holdOf)) out.set(r.accountId, [...(out.get(r.accountId) ?? []), r]);
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // Scheduling

  /**
   * Schedules a review of the accounts these events belong to, at the time they happened, in the caller's
   * transaction. Wired as an observer of the event log, so every module's changes reach retention without
   * any of them knowing about it.
   */
  async function noticeEvents(events: readonly StoredEvent[]): Promise<void> {
    const at = new Map<string, Date>();
    for (const e of events) {
      if (!RELEVANT_EVENTS.some((prefix) => e.type.startsWith(prefix))) continue;
      const prev = at.get(e.chainId);
      if (!prev || prev < e.occurredAt) at.set(e.chainId, e.occurredAt);
    }
    if (at.size === 0) return;
    const life = await deps.facts.life([...at.keys()]);
    await dueWork.schedule(
      [...life.values()].map((l) => ({
        accountId: l.accountId,
        kind: RETENTION_REVIEW,
        dueAt: at.get(l.accountId)!,
        clockId: l.clockId,
      })),
    );
  }

  /** Schedules a review of these accounts now (e.g. after a legal hold is lifted). */
  async function scheduleReview(accountIds: readonly string[]): Promise<void> {
    const life = await deps.facts.life(accountIds);
    const requests: ScheduleRequest[] = [];
    for (const l of life.values())
      requests.push({
        accountId: l.accountId,
        kind: RETENTION_REVIEW,
        dueAt: await deps.timeOf(l.clockId),
        clockId: l.clockId,
      });
    await dueWork.schedule(requests);
  }

  /** The purge time of a due decision, pushed so that a category's warning always precedes it enough. */
  function withWarning(
    c: RetentionCategory,
    decision: { purgeAt: Date; warnAt: Date | null },
    warnedAt: Date | null,
    now: Date,
    timeZone: string,
  ): { purgeAt: Date; warnAt: Date | null } {
    if (c.warnBeforeDays === null || decision.warnAt === null) return decision;
    const warnAt = warnedAt ?? new Date(Math.max(decision.warnAt.getTime(), now.getTime()));
    const earliest = startOfDay(addDays(localDateOf(warnAt, timeZone), c.warnBeforeDays), timeZone);
    return {
      purgeAt: new Date(Math.max(decision.purgeAt.getTime(), earliest.getTime())),
      warnAt,
    };
  }

  async function review(items: DueItem[]): Promise<void> {
    const loaded = await load(items.map((i) => i.accountId));
    const status = await statuses(items.map((i) => i.accountId));
    const schedule: ScheduleRequest[] = [];
    const cancel: { accountId: string; kind: string; ref: string }[] = [];
    const save: StatusRow[] = [];
    for (const item of items) {
      const l = loaded.get(item.accountId);
      if (!l) continue;
      const tz = l.policy.locale.timeZone;
      for (const c of activeCategories(l.policy)) {
        const key = `${item.accountId}|${c.id}`;
        const prev = status.get(key);
        const base: StatusRow = prev ?? {
          accountId: item.accountId,
          category: c.id,
          triggerAt: null,
          purgeAt: null,
          warnAt: null,
          warnedAt: null,
          doneAt: null,
          rows: 0,
          note: null,
        };
        const clockId = l.life.clockId;
        if (!isAccountLevel(c)) {
          if (!prev) {
            schedule.push({
              accountId: item.accountId,
              kind: RETENTION_ITEMS,
              ref: c.id,
              dueAt: item.firedAt,
              clockId,
            });
            save.push({ ...base, purgeAt: item.firedAt, note: 'items' });
          }
          continue;
        }
        const d = decideAccountRetention(
          l.policy,
          c,
          l.facts,
          prev?.doneAt ? null : (prev?.triggerAt ?? null),
        );
        if (!d.due) {
          if (prev && !prev.doneAt && prev.purgeAt) {
            cancel.push({ accountId: item.accountId, kind: RETENTION_PURGE, ref: c.id });
            cancel.push({ accountId: item.accountId, kind: RETENTION_WARN, ref: c.id });
          }
          if (!prev || prev.note !== d.because || (prev.purgeAt && !prev.doneAt))
            save.push({
              ...base,
              purgeAt: prev?.doneAt ? base.purgeAt : null,
              warnAt: null,
              note: d.because,
            });
          continue;
        }
        const sameTrigger = prev?.triggerAt?.getTime() === d.triggerAt.getTime();
        if (sameTrigger && prev?.doneAt) continue;
        const warnedAt = sameTrigger ? (prev?.warnedAt ?? null) : null;
        const when = withWarning(c, d, warnedAt, item.firedAt, tz);
        schedule.push({
          accountId: item.accountId,
          kind: RETENTION_PURGE,
          ref: c.id,
          dueAt: when.purgeAt,
          clockId,
        });
        if (when.warnAt && !warnedAt)
          schedule.push({
            accountId: item.accountId,
            kind: RETENTION_WARN,
            ref: c.id,
            dueAt: when.warnAt,
            clockId,
          });
        save.push({
          ...base,
          triggerAt: d.triggerAt,
          purgeAt: when.purgeAt,
          warnAt: when.warnAt,
          warnedAt,
          doneAt: null,
          rows: sameTrigger ? base.rows : 0,
          note: null,
        });
      }
    }
    await dueWork.cancelMany(cancel);
    await dueWork.schedule(schedule);
    await saveStatuses(save);
  }

  // ---------------------------------------------------------------------------------------------------
  // Erasure

  /**
   * Runs the category's handlers over the accounts (set-based, one statement per table and handler),
   * records each (account, handler) in the deletion journal and returns the rows touched per account.
   * Accounts with subjects under a legal hold are run on their own, with those subjects kept.
   */
  async function erase(
    c: RetentionCategory,
    accounts: readonly string[],
    holds: Map<string, LegalHold[]>,
    at: Date,
    before?: { at: Date; day: LocalDate },
    only?: (h: RetentionHandler) => boolean,
    /** Journal only the accounts a handler touched (a pass that comes back for rows left earlier). */
    journalTouchedOnly = false,
  ): Promise<Map<string, number>> {
    const total = new Map<string, number>();
    const groups: { accountIds: string[]; held: string[] }[] = [];
    const plain = accounts.filter((a) => !(holds.get(a) ?? []).some((h) => h.subjectId));
    if (plain.length > 0) groups.push({ accountIds: plain, held: [] });
    for (const a of accounts)
      if (!plain.includes(a))
        groups.push({
          accountIds: [a],
          held: (holds.get(a) ?? []).flatMap((h) => (h.subjectId ? [h.subjectId] : [])),
        });
    const action = c.action === 'anonymise' ? 'anonymise' : 'delete';
    const journal: Record<string, unknown>[] = [];
    const recordedAt = deps.clock.now();
    for (const group of groups) {
      for (const h of handlersOf(c).filter(only ?? (() => true))) {
        const scope: ErasureScope = {
          accountIds: group.accountIds,
          category: c.id,
          action,
          keep: c.keepFields,
          heldSubjects: group.held,
          ...(before ? { before: before.at, beforeDay: before.day } : {}),
          at,
        };
        const counts = await h.erase(scope);
        for (const [a, n] of counts) total.set(a, (total.get(a) ?? 0) + n);
        for (const a of group.accountIds) {
          if (journalTouchedOnly && !counts.get(a)) continue;
          journal.push({
            accountId: a,
            category: c.id,
            handler: h.id,
            action,
            keep: c.keepFields,
            heldSubjects: group.held,
            before: before?.at ?? null,
            at,
            recordedAt,
          });
        }
      }
    }
    if (journal.length === 0) return total;
    await db.q.execute(sql`
      insert into retention_journal (account_id, category, handler, action, keep, held_subjects, before, at, recorded_at)
      select "accountId", category, handler, action, keep, "heldSubjects", before, at, "recordedAt"
      from jsonb_to_recordset(${jsonRows(journal)}) as x("accountId" text, category text, handler text, action text,
        keep jsonb, "heldSubjects" jsonb, before timestamptz, at timestamptz, "recordedAt" timestamptz)`);
    return total;
  }

  /**
   * An erasure outside the policy's retention calendar (a data-subject's erasure request, CM-PRV-06): the
   * handlers of the given kinds run on the accounts, in the engine's order, and each (account, handler) is
   * recorded in the deletion journal under `label` (e.g. `dsr:<request id>`), so restoring an older backup
   * erases it again; one `retention.purged` event per account names the clause and cause (counts, never
   * data). Runs in the caller's transaction; idempotent like the handlers. Returns the rows touched per account and the accounts with rows a handler had to leave for
   * now (a mail not yet delivered): the caller comes back for them.
   */
  async function eraseNow(input: {
    accountIds: readonly string[];
    kinds: readonly RetentionData[];
    label: string;
    action: 'delete' | 'anonymise';
    keep: readonly string[];
    at: Date;
    clause: string | null;
    cause: string;
  }): Promise<{ rows: Map<string, number>; waiting: string[] }> {
    const total = new Map<string, number>();
    if (input.accountIds.length === 0) return { rows: total, waiting: [] };
    const waiting = new Set<string>();
    const recordedAt = deps.clock.now();
    const journal: Record<string, unknown>[] = [];
    for (const h of handlers.filter((x) => input.kinds.includes(x.data))) {
      const counts = await h.erase({
        accountIds: input.accountIds,
        category: input.label,
        action: input.action,
        keep: input.keep,
        heldSubjects: [],
        at: input.at,
      });
      for (const [a, n] of counts) total.set(a, (total.get(a) ?? 0) + n);
      if (h.waiting) for (const a of await h.waiting(input.accountIds)) waiting.add(a);
      for (const a of input.accountIds)
        journal.push({
          accountId: a,
          category: input.label,
          handler: h.id,
          action: input.action,
          keep: [...input.keep],
          heldSubjects: [],
          before: null,
          at: input.at,
          recordedAt,
        });
    }
    if (journal.length > 0)
      await db.q.execute(sql`
        insert into retention_journal (account_id, category, handler, action, keep, held_subjects, before, at, recorded_at)
        select "accountId", category, handler, action, keep, "heldSubjects", before, at, "recordedAt"
        from jsonb_to_recordset(${jsonRows(journal)}) as x("accountId" text, category text, handler text, action text,
          keep jsonb, "heldSubjects" jsonb, before timestamptz, at timestamptz, "recordedAt" timestamptz)`);
    await eventLog.append(
      input.accountIds.map((a) => ({
        chainId: a,
        type: 'retention.purged',
        clause: input.clause,
        actor: 'system',
        cause: input.cause,
        occurredAt: input.at,
        data: {
          category: input.label,
          action: input.action,
          rows: total.get(a) ?? 0,
          data: [...new Set(handlers.filter((h) => input.kinds.includes(h.data)).map((h) => h.data))],
        },
      })),
    );
    return { rows: total, waiting: [...waiting] };
  }

  async function waitingAccounts(c: RetentionCategory, accountIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const h of handlersOf(c)) if (h.waiting) for (const a of await h.waiting(accountIds)) out.add(a);
    return out;
  }

  function purgedEvent(
    accountId: string,
    c: RetentionCategory,
    rows: number,
    at: Date,
    cause: string,
    extra: Record<string, string | number | boolean | null> = {},
  ): NewEvent {
    return {
      chainId: accountId,
      type: 'retention.purged',
      clause: c.clause,
      actor: 'system',
      cause,
      occurredAt: at,
      data: { category: c.id, action: c.action, rows, data: [...(c.data ?? [])], ...extra },
    };
  }

  async function purge(items: DueItem[]): Promise<void> {
    const loaded = await load(items.map((i) => i.accountId));
    const status = await statuses(items.map((i) => i.accountId));
    const holds = await activeHolds(items.map((i) => i.accountId));
    const events: NewEvent[] = [];
    const save: StatusRow[] = [];
    const schedule: ScheduleRequest[] = [];
    const reviews: { item: DueItem; l: Loaded; c: RetentionCategory }[] = [];
    const toErase = new Map<string, { c: RetentionCategory; items: DueItem[] }>();
    for (const item of items) {
      const l = loaded.get(item.accountId);
      const c = l?.policy.retention.categories.find((x) => x.id === item.ref);
      if (!l || !c || !isAccountLevel(c)) continue;
      const prev = status.get(`${item.accountId}|${c.id}`);
      const d = decideAccountRetention(l.policy, c, l.facts, prev?.doneAt ? null : (prev?.triggerAt ?? null));
      if (!d.due) continue; // The facts moved (a renewal, a restore); the review that followed them decided.
      const sameTrigger = prev?.triggerAt?.getTime() === d.triggerAt.getTime();
      if (sameTrigger && prev?.doneAt) continue;
      const warnedAt = sameTrigger ? (prev?.warnedAt ?? null) : null;
      const when = withWarning(c, d, warnedAt, item.firedAt, l.policy.locale.timeZone);
      const base: StatusRow = {
        accountId: item.accountId,
        category: c.id,
        triggerAt: d.triggerAt,
        purgeAt: when.purgeAt,
        warnAt: when.warnAt,
        warnedAt,
        doneAt: null,
        rows: 0,
        note: null,
      };
      if (when.purgeAt.getTime() > item.firedAt.getTime() || (when.warnAt && !warnedAt)) {
        // Not yet (the trigger moved later, or the warning has not gone out): look again when it is time.
        schedule.push({ ...item, kind: RETENTION_PURGE, dueAt: when.purgeAt });
        if (when.warnAt && !warnedAt)
          schedule.push({
            ...item,
            kind: RETENTION_WARN,
            dueAt: new Date(Math.max(when.warnAt.getTime(), item.firedAt.getTime())),
          });
        save.push(base);
        continue;
      }
      const accountHold = (holds.get(item.accountId) ?? []).find((h) => h.subjectId === null);
      if (accountHold) {
        if (prev?.note !== 'legal_hold')
          events.push({
            chainId: item.accountId,
            type: 'retention.purge_held',
            clause: c.clause,
            actor: 'system',
            cause: `due:${RETENTION_PURGE}`,
            occurredAt: item.firedAt,
            data: { category: c.id, hold: accountHold.id },
          });
        save.push({ ...base, note: 'legal_hold' });
        continue;
      }
      if (c.action === 'review') {
        reviews.push({ item, l, c });
        save.push({ ...base, doneAt: item.firedAt, note: 'review_requested' });
        continue;
      }
      const key = `${l.life.policyVersionId}|${c.id}`;
      const group = toErase.get(key) ?? { c, items: [] };
      group.items.push(item);
      toErase.set(key, group);
      save.push({ ...base, doneAt: item.firedAt });
    }
    for (const { c, items: group } of toErase.values()) {
      const accounts = group.map((i) => i.accountId);
      const firedAt = new Map(group.map((i) => [i.accountId, i.firedAt]));
      const counts = await erase(c, accounts, holds, group[0]!.firedAt);
      for (const a of accounts) {
        const rows = counts.get(a) ?? 0;
        events.push(purgedEvent(a, c, rows, firedAt.get(a)!, `due:${RETENTION_PURGE}`));
        const s = save.find((x) => x.accountId === a && x.category === c.id);
        if (s) s.rows = rows;
      }
      for (const a of await waitingAccounts(c, accounts)) {
        const i = group.find((x) => x.accountId === a)!;
        schedule.push({ ...i, kind: RETENTION_FINISH, dueAt: new Date(i.firedAt.getTime() + 86_400_000) });
      }
    }
    if (reviews.length > 0) await askToConfirmUse(reviews, events);
    await saveStatuses(save);
    await dueWork.schedule(schedule);
    await eventLog.append(events);
  }

  /** 'review' categories (HT-PRV-03): the holder is asked to confirm continued use; nothing is deleted. */
  async function askToConfirmUse(
    list: { item: DueItem; l: Loaded; c: RetentionCategory }[],
    events: NewEvent[],
  ): Promise<void> {
    const contacts = new Map(
      (await deps.contactsOf(list.map((r) => r.item.accountId))).map((c) => [c.accountId, c]),
    );
    const mails: NotificationRequest[] = [];
    for (const { item, l, c } of list) {
      events.push({
        chainId: item.accountId,
        type: 'retention.use_check_requested',
        clause: c.clause,
        actor: 'system',
        cause: `due:${RETENTION_PURGE}`,
        occurredAt: item.firedAt,
        data: { category: c.id },
      });
      const contact = contacts.get(item.accountId);
      if (!contact) continue;
      mails.push({
        accountId: item.accountId,
        recipient: contact.email,
        locale: contact.locale,
        template: 'retention.use_check',
        clause: c.clause,
        dedupeKey: `retention.use_check:${item.accountId}:${c.id}:${item.firedAt.toISOString()}`,
        occurredAt: item.firedAt,
        params: {
          lastUsedOn: l.facts.lastUseAt ? localDateOf(l.facts.lastUseAt, l.policy.locale.timeZone) : '—',
          confirmUrl: `${deps.portalUrl}/account`,
        },
      } as NotificationRequest);
    }
    await deps.notifications.send(mails);
  }

  /**
   * Comes back for rows a purge had to leave (mails then waiting for delivery), set-based per category. A
   * mail that stays undelivered (no SMTP server) is looked at again after twice as long each time (1, 2, 4
   * … days since the purge), so waiting costs a handful of passes, not one a day.
   */
  async function finish(items: DueItem[]): Promise<void> {
    // Only the policy version matters here: not the last use or paid period (two costly queries a pass).
    const life = await deps.facts.life([...new Set(items.map((i) => i.accountId))]);
    const holds = await activeHolds(items.map((i) => i.accountId));
    const status = await statuses(items.map((i) => i.accountId));
    const events: NewEvent[] = [];
    const schedule: ScheduleRequest[] = [];
    const groups = new Map<string, { c: RetentionCategory; items: DueItem[] }>();
    for (const item of items) {
      const l = life.get(item.accountId);
      const c = l && policyOf(l.policyVersionId).retention.categories.find((x) => x.id === item.ref);
      if (!l || !c || (holds.get(item.accountId) ?? []).some((h) => h.subjectId === null)) continue;
      const key = `${l.policyVersionId}|${c.id}`;
      const group = groups.get(key) ?? { c, items: [] };
      group.items.push(item);
      groups.set(key, group);
    }
    for (const { c, items: group } of groups.values()) {
      const accounts = group.map((i) => i.accountId);
      // Only the handlers that had to leave rows run again.
      const counts = await erase(
        c,
        accounts,
        holds,
        group[0]!.firedAt,
        undefined,
        (h) => h.waiting !== undefined,
        true,
      );
      for (const i of group) {
        const rows = counts.get(i.accountId) ?? 0;
        if (rows > 0) events.push(purgedEvent(i.accountId, c, rows, i.firedAt, `due:${RETENTION_FINISH}`));
      }
      for (const a of await waitingAccounts(c, accounts)) {
        const i = group.find((x) => x.accountId === a)!;
        const since = status.get(`${a}|${c.id}`)?.doneAt ?? i.firedAt;
        const wait = Math.max(86_400_000, i.firedAt.getTime() - since.getTime());
        schedule.push({ ...i, kind: RETENTION_FINISH, dueAt: new Date(i.firedAt.getTime() + wait) });
      }
    }
    await dueWork.schedule(schedule);
    await eventLog.append(events);
  }

  /**
   * Item-level categories: erases the items past their period and schedules the next pass. Where the
   * policy warns first (QU A22: 30 days, with the export link), items go in rounds: a pass announces the
   * items that will be due within the warning's days (mail, event, the account's retention page), and the
   * pass that many days later erases exactly those announced and now due, then announces the next round.
   */
  async function items(list: DueItem[]): Promise<void> {
    const loaded = await load(list.map((i) => i.accountId));
    const holds = await activeHolds(list.map((i) => i.accountId));
    const status = await statuses(list.map((i) => i.accountId));
    const events: NewEvent[] = [];
    const schedule: ScheduleRequest[] = [];
    const save: StatusRow[] = [];
    const warnings: { item: DueItem; c: RetentionCategory; purgeOn: LocalDate }[] = [];
    for (const item of list) {
      const l = loaded.get(item.accountId);
      const c = l?.policy.retention.categories.find((x) => x.id === item.ref);
      if (!l || !c || isAccountLevel(c)) continue;
      const tz = l.policy.locale.timeZone;
      const today = localDateOf(item.firedAt, tz);
      const prev = status.get(`${item.accountId}|${c.id}`);
      const held = (holds.get(item.accountId) ?? []).some((h) => h.subjectId === null);
      const warnDays = c.warnBeforeDays;
      // A warning given at least `warnDays` ago covers items triggered before its announced cut-off.
      let announced = warnDays === null ? null : (prev?.warnAt ?? null);
      let warnedAt = warnDays === null ? null : (prev?.warnedAt ?? null);
      const warningRipe =
        warnedAt !== null &&
        startOfDay(addDays(localDateOf(warnedAt, tz), warnDays ?? 0), tz).getTime() <= item.firedAt.getTime();
      let rows = 0;
      if (!held && (warnDays === null || (warningRipe && announced))) {
        const due = itemCutoff(c, item.firedAt, tz);
        const cutoff = announced && announced < due ? announced : due;
        const counts = await erase(c, [item.accountId], holds, item.firedAt, {
          at: cutoff,
          day: localDateOf(cutoff, tz),
        });
        rows = counts.get(item.accountId) ?? 0;
        if (rows > 0)
          events.push(
            purgedEvent(item.accountId, c, rows, item.firedAt, `due:${RETENTION_ITEMS}`, {
              before: localDateOf(cutoff, tz),
            }),
          );
        if (warnDays !== null) {
          announced = null;
          warnedAt = null;
        }
      }
      let oldest: Date | null = null;
      for (const h of handlersOf(c)) {
        const at = (await h.oldestItem?.([item.accountId], c.id))?.get(item.accountId);
        if (at && (!oldest || at < oldest)) oldest = at;
      }
      const tomorrow = startOfDay(addDays(today, 1), tz);
      let next: Date;
      if (warnDays === null) {
        // When the oldest remaining item is due, or when an item made now would be.
        next = purgeTimeOf(c, oldest && oldest < item.firedAt ? oldest : item.firedAt, tz).purgeAt;
      } else if (warnedAt) {
        next = startOfDay(addDays(localDateOf(warnedAt, tz), warnDays), tz);
      } else {
        const horizon = startOfDay(addDays(today, warnDays), tz);
        const upcoming = itemCutoff(c, horizon, tz);
        if (!held && oldest && oldest < upcoming) {
          announced = upcoming;
          warnedAt = item.firedAt;
          warnings.push({ item, c, purgeOn: localDateOf(horizon, tz) });
          next = horizon;
        } else {
          // The day the oldest remaining item (or one made now) enters the warning window.
          const due = purgeTimeOf(c, oldest ?? item.firedAt, tz).purgeAt;
          next = startOfDay(addDays(localDateOf(due, tz), -warnDays), tz);
        }
      }
      if (next < tomorrow) next = tomorrow;
      schedule.push({ ...item, kind: RETENTION_ITEMS, dueAt: next });
      save.push({
        accountId: item.accountId,
        category: c.id,
        triggerAt: null,
        purgeAt: next,
        warnAt: announced,
        warnedAt,
        doneAt: rows > 0 ? item.firedAt : (prev?.doneAt ?? null),
        rows: rows > 0 ? rows : (prev?.rows ?? 0),
        note: held ? 'legal_hold' : 'items',
      });
    }
    if (warnings.length > 0) {
      const contacts = new Map(
        (await deps.contactsOf(warnings.map((w) => w.item.accountId))).map((c) => [c.accountId, c]),
      );
      const mails: NotificationRequest[] = [];
      for (const { item, c, purgeOn } of warnings) {
        events.push({
          chainId: item.accountId,
          type: 'retention.warning_sent',
          clause: c.clause,
          actor: 'system',
          cause: `due:${RETENTION_ITEMS}`,
          occurredAt: item.firedAt,
          data: { category: c.id, purgeOn },
        });
        const contact = contacts.get(item.accountId);
        if (contact)
          mails.push({
            accountId: item.accountId,
            recipient: contact.email,
            locale: contact.locale,
            template: 'retention.purge_warning',
            clause: c.clause,
            dedupeKey: `retention.purge_warning:${item.accountId}:${c.id}:${purgeOn}`,
            occurredAt: item.firedAt,
            params: { categoryName: c.name[contact.locale], purgeOn, exportUrl: `${deps.portalUrl}/export` },
          } as NotificationRequest);
      }
      await deps.notifications.send(mails);
    }
    await dueWork.schedule(schedule);
    await saveStatuses(save);
    await eventLog.append(events);
  }

  /** The purge warning (QU A22: 30 days ahead, in the app and by mail, with the export link). */
  async function warn(list: DueItem[]): Promise<void> {
    const loaded = await load(list.map((i) => i.accountId));
    const status = await statuses(list.map((i) => i.accountId));
    const events: NewEvent[] = [];
    const save: StatusRow[] = [];
    const due: { item: DueItem; l: Loaded; c: RetentionCategory; purgeAt: Date }[] = [];
    for (const item of list) {
      const l = loaded.get(item.accountId);
      const c = l?.policy.retention.categories.find((x) => x.id === item.ref);
      if (!l || !c || c.warnBeforeDays === null) continue;
      const prev = status.get(`${item.accountId}|${c.id}`);
      const d = decideAccountRetention(l.policy, c, l.facts, prev?.doneAt ? null : (prev?.triggerAt ?? null));
      if (!d.due) continue;
      const sameTrigger = prev?.triggerAt?.getTime() === d.triggerAt.getTime();
      if (sameTrigger && (prev?.warnedAt || prev?.doneAt)) continue;
      const when = withWarning(c, d, item.firedAt, item.firedAt, l.policy.locale.timeZone);
      due.push({ item, l, c, purgeAt: when.purgeAt });
      save.push({
        accountId: item.accountId,
        category: c.id,
        triggerAt: d.triggerAt,
        purgeAt: when.purgeAt,
        warnAt: item.firedAt,
        warnedAt: item.firedAt,
        doneAt: null,
        rows: 0,
        note: null,
      });
    }
    const contacts = new Map(
      (await deps.contactsOf(due.map((d) => d.item.accountId))).map((c) => [c.accountId, c]),
    );
    const mails: NotificationRequest[] = [];
    const schedule: ScheduleRequest[] = [];
    for (const { item, l, c, purgeAt } of due) {
      const tz = l.policy.locale.timeZone;
      const purgeOn = localDateOf(purgeAt, tz);
      events.push({
        chainId: item.accountId,
        type: 'retention.warning_sent',
        clause: c.clause,
        actor: 'system',
        cause: `due:${RETENTION_WARN}`,
        occurredAt: item.firedAt,
        data: { category: c.id, purgeOn },
      });
      schedule.push({ ...item, kind: RETENTION_PURGE, dueAt: purgeAt });
      const contact = contacts.get(item.accountId);
      if (!contact) continue;
      mails.push({
        accountId: item.accountId,
        recipient: contact.email,
        locale: contact.locale,
        template: 'retention.purge_warning',
        clause: c.clause,
        dedupeKey: `retention.purge_warning:${item.accountId}:${c.id}:${purgeOn}`,
        occurredAt: item.firedAt,
        params: { categoryName: c.name[contact.locale], purgeOn, exportUrl: `${deps.portalUrl}/export` },
      } as NotificationRequest);
    }
    await deps.notifications.send(mails);
    await saveStatuses(save);
    await dueWork.schedule(schedule);
    await eventLog.append(events);
  }

  dueWork.register({ kind: RETENTION_REVIEW, handle: review });
  dueWork.register({ kind: RETENTION_PURGE, handle: purge });
  dueWork.register({ kind: RETENTION_WARN, handle: warn });
  dueWork.register({ kind: RETENTION_ITEMS, handle: items });
  dueWork.register({ kind: RETENTION_FINISH, handle: finish });

  // ---------------------------------------------------------------------------------------------------
  // Legal holds

  async function lifeOf(accountId: string): Promise<RetentionLifeFacts> {
    const life = (await deps.facts.life([accountId])).get(accountId);
    if (!life) throw new AppError(retentionErrors.account_not_found, { details: { id: accountId } });
    return life;
  }

  /**
   * Puts an account (or one subject of it) under a legal hold: from now on nothing of it (of that
   * subject) is purged until the hold is lifted. Records the hold and an event naming it (not the reason,
   * which may name people).
   */
  async function setHold(input: {
    accountId: string;
    subjectId: string | null;
    reason: string;
    actor: string;
  }): Promise<LegalHold> {
    return db.transaction(async () => {
      const life = await lifeOf(input.accountId);
      const now = await deps.timeOf(life.clockId);
      const hold: LegalHold = {
        id: deps.ids.next('hold'),
        accountId: input.accountId,
        subjectId: input.subjectId,
        reason: input.reason,
        setBy: input.actor,
        setAt: now,
        liftedBy: null,
        liftedAt: null,
        liftReason: null,
      };
      await db.q.execute(sql`
        insert into legal_holds (id, account_id, subject_id, reason, set_by, set_at)
        values (${hold.id}, ${hold.accountId}, ${hold.subjectId}, ${hold.reason}, ${hold.setBy}, ${now.toISOString()})`);
      await eventLog.append([
        {
          chainId: input.accountId,
          type: 'retention.hold_set',
          actor: input.actor,
          occurredAt: now,
          data: { hold: hold.id, subject: hold.subjectId },
        },
      ]);
      return hold;
    });
  }

  /** Lifts a legal hold; the account's retention is reviewed at once, so what was held goes when due. */
  async function liftHold(input: {
    holdId: string;
    reason: string | null;
    actor: string;
  }): Promise<LegalHold> {
    return db.transaction(async () => {
      const [row] = await db.rows<Record<string, unknown>>(
        sql`select * from legal_holds where id = ${input.holdId} for update`,
      );
      if (!row) throw new AppError(retentionErrors.hold_not_found, { details: { id: input.holdId } });
      const hold = holdOf(row);
      if (hold.liftedAt)
        throw new AppError(retentionErrors.hold_already_lifted, { details: { id: hold.id } });
      const life = await lifeOf(hold.accountId);
      const now = await deps.timeOf(life.clockId);
      await db.q.execute(sql`
        update legal_holds set lifted_at = ${now.toISOString()}, lifted_by = ${input.actor}, lift_reason = ${input.reason}
        where id = ${hold.id}`);
      // Held purges were not rescheduled: the review puts them back on the calendar.
      await db.q.execute(sql`
        update retention_status set note = null where account_id = ${hold.accountId} and note = 'legal_hold'`);
      await eventLog.append([
        {
          chainId: hold.accountId,
          type: 'retention.hold_lifted',
          actor: input.actor,
          occurredAt: now,
          data: { hold: hold.id, subject: hold.subjectId },
        },
      ]);
      await dueWork.schedule([
        { accountId: hold.accountId, kind: RETENTION_REVIEW, dueAt: now, clockId: life.clockId },
      ]);
      await dueWork.schedule(
        (
          await db.rows<{ category: string }>(sql`
            select category from retention_status
            where account_id = ${hold.accountId} and done_at is null and purge_at is not null`)
        ).map((r) => ({
          accountId: hold.accountId,
          kind: RETENTION_PURGE,
          ref: r.category,
          dueAt: now,
          clockId: life.clockId,
        })),
      );
      return { ...hold, liftedAt: now, liftedBy: input.actor, liftReason: input.reason };
    });
  }

  async function holdsOf(accountId: string): Promise<LegalHold[]> {
    await lifeOf(accountId);
    const rows = await db.rows<Record<string, unknown>>(
      sql`select * from legal_holds where account_id = ${accountId} order by set_at, id`,
    );
    return rows.map(holdOf);
  }

  /** Where each category stands for the account: what goes when, warnings, holds (the in-app notice). */
  async function scheduleOf(accountId: string): Promise<{
    holds: LegalHold[];
    categories: (StatusRow & { clause: string; name: { pl: string; en: string }; action: string })[];
  }> {
    const life = await lifeOf(accountId);
    const policy = policyOf(life.policyVersionId);
    const rows = await statuses([accountId]);
    const categories = activeCategories(policy).flatMap((c) => {
      const s = rows.get(`${accountId}|${c.id}`);
      return s ? [{ ...s, clause: c.clause, name: c.name, action: c.action }] : [];
    });
    return { holds: (await holdsOf(accountId)).filter((h) => !h.liftedAt), categories };
  }

  // ---------------------------------------------------------------------------------------------------
  // The deletion journal

  /** The journal's last sequence number (0 when empty): a backup records it as its high-water mark. */
  async function journalHead(): Promise<number> {
    const [row] = await db.rows<{ seq: string | null }>(
      sql`select max(seq)::text as seq from retention_journal`,
    );
    return row?.seq ? Number(row.seq) : 0;
  }

  /** Journal entries recorded after `afterSeq`, oldest first (ids, codes and instants only). */
  async function journalSince(afterSeq: number): Promise<JournalEntry[]> {
    const rows = await db.rows<Record<string, unknown>>(sql`
      select seq::text as seq, account_id, category, handler, action, keep, held_subjects, before, at, recorded_at
      from retention_journal where seq > ${afterSeq} order by seq`);
    return rows.map((r) => ({
      seq: Number(r.seq),
      accountId: r.account_id as string,
      category: r.category as string,
      handler: r.handler as string,
      action: r.action as 'delete' | 'anonymise',
      keep: r.keep as string[],
      heldSubjects: r.held_subjects as string[],
      before: r.before ? new Date(r.before as string) : null,
      at: new Date(r.at as string),
      recordedAt: new Date(r.recorded_at as string),
    }));
  }

  /**
   * Re-applies journal entries (after a backup restore): each handler runs again with the scope it ran
   * with, and the entries are recorded again, so the restored database knows them too. Idempotent.
   */
  async function replayJournal(
    entries: readonly JournalEntry[],
    timeZoneOf: (accountId: string) => string,
  ): Promise<number> {
    let rows = 0;
    for (const e of entries) {
      const h = handlers.find((x) => x.id === e.handler);
      if (!h) throw new AppError(retentionErrors.unknown_handler, { details: { handler: e.handler } });
      const counts = await h.erase({
        accountIds: [e.accountId],
        category: e.category,
        action: e.action,
        keep: e.keep,
        heldSubjects: e.heldSubjects,
        ...(e.before ? { before: e.before, beforeDay: localDateOf(e.before, timeZoneOf(e.accountId)) } : {}),
      });
      rows += counts.get(e.accountId) ?? 0;
    }
    if (entries.length > 0)
      await db.q.execute(sql`
        insert into retention_journal (seq, account_id, category, handler, action, keep, held_subjects, before, at, recorded_at)
        select seq, "accountId", category, handler, action, keep, "heldSubjects", before, at, "recordedAt"
        from jsonb_to_recordset(${jsonRows(entries)}) as x(seq bigint, "accountId" text, category text, handler text,
          action text, keep jsonb, "heldSubjects" jsonb, before timestamptz, at timestamptz, "recordedAt" timestamptz)
        on conflict (seq) do nothing`);
    await db.q.execute(
      sql`select setval(pg_get_serial_sequence('retention_journal', 'seq'), greatest((select max(seq) from retention_journal), 1))`,
    );
    return rows;
  }

  return {
    registerHandler,
    handlers: () => [...handlers],
    noticeEvents,
    scheduleReview,
    eraseNow,
    setHold,
    liftHold,
    holdsOf,
    scheduleOf,
    journalHead,
    journalSince,
    replayJournal,
  };
}

export type JournalEntry = {
  seq: number;
  accountId: string;
  category: string;
  handler: string;
  action: 'delete' | 'anonymise';
  keep: string[];
  heldSubjects: string[];
  before: Date | null;
  at: Date;
  recordedAt: Date;
};

/**
 * An event log whose appends are also told to `observer`, inside the same transaction (the retention
 * engine schedules its reviews this way). Everything else is the log itself.
 */
export function observeEventLog(
  log: EventLog,
  db: Database,
  observer: (events: readonly StoredEvent[]) => Promise<void>,
): EventLog {
  const append: EventLog['append'] = async (list) => {
    const stored = await log.append(list);
    if (stored.length > 0) await observer(stored);
    return stored;
  };
  return {
    ...log,
    append,
    appendOne: (event) => db.transaction(async () => (await append([event]))[0]!),
  };
}

function d(v: unknown): Date | null {
  return v === null || v === undefined ? null : new Date(v as string);
}

function statusOf(r: Record<string, unknown>): StatusRow {
  return {
    accountId: r.account_id as string,
    category: r.category as string,
    triggerAt: d(r.trigger_at),
    purgeAt: d(r.purge_at),
    warnAt: d(r.warn_at),
    warnedAt: d(r.warned_at),
    doneAt: d(r.done_at),
    rows: Number(r.rows ?? 0),
    note: (r.note as string | null) ?? null,
  };
}

function holdOf(r: Record<string, unknown>): LegalHold {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    subjectId: (r.subject_id as string | null) ?? null,
    reason: r.reason as string,
    setBy: r.set_by as string,
    setAt: d(r.set_at)!,
    liftedBy: (r.lifted_by as string | null) ?? null,
    liftedAt: d(r.lifted_at),
    liftReason: (r.lift_reason as string | null) ?? null,
  };
}
