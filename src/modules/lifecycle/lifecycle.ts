import { sql } from 'drizzle-orm';
import { localDateOf } from '../../platform/calendar.ts';
import { jsonRows, textArray } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import type { DueItem, DueWork } from '../../platform/due-work/due-work.ts';
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
} from './lifecycle-rules.ts';
import type { AccountState } from './lifecycle-schema.ts';

export const TRIAL_END = 'lifecycle.trial_end';
export const FREE_END = 'lifecycle.free_end';
export const ACCOUNT_CHANGED = 'account_changed';

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
};

export type Lifecycle = ReturnType<typeof makeLifecycle>;

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
    };
    await db.q.execute(sql`
      insert into account_states (account_id, policy_version_id, clock_id, state, plan_code, state_since,
                                  trial_ends_at, free_ends_at, changed_at)
      values (${row.accountId}, ${row.policyVersionId}, ${row.clockId}, ${row.state}, ${row.planCode},
              ${iso(row.stateSince)}, ${iso(row.trialEndsAt)}, ${iso(row.freeEndsAt)}, ${iso(row.changedAt)})`);
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
    if (row.state === 'trial' && row.trialEndsAt)
      await dueWork.schedule([
        { accountId: row.accountId, kind: TRIAL_END, dueAt: row.trialEndsAt, clockId: row.clockId },
      ]);
    if (row.state === 'free' && row.freeEndsAt)
      await dueWork.schedule([
        { accountId: row.accountId, kind: FREE_END, dueAt: row.freeEndsAt, clockId: row.clockId },
      ]);
    return row;
  }

  async function load(accountIds: readonly string[], forUpdate = false): Promise<LifeRow[]> {
    const rows = await db.rows<Record<string, unknown>>(sql`
      select * from account_states where account_id = any(${textArray(accountIds)})
      ${forUpdate ? sql`for update` : sql``}`);
    return rows.map(fromRow);
  }

  async function get(accountId: string): Promise<LifeRow> {
    const [row] = await load([accountId]);
    if (!row) throw new AppError(lifecycleErrors.account_not_found, { details: { id: accountId } });
    return row;
  }

  /** Applies the state changes that a batch of due items still justifies, with events and notices. */
  async function applyTransitions(
    items: DueItem[],
    decide: (
      policy: Policy,
      row: LifeRow,
      now: Date,
    ) => { to: AccountState; planCode: string; because: string } | null,
    /** The template and parameters of the notice; who gets it, when and why is the same for every transition. */
    notice: (c: {
      policy: Policy;
      row: LifeRow;
      at: Date;
      locale: 'pl' | 'en';
    }) => Pick<NotificationRequest, 'template' | 'params'>,
  ): Promise<void> {
    const rows = new Map(
      (
        await load(
          items.map((i) => i.accountId),
          true,
        )
      ).map((r) => [r.accountId, r]),
    );
    const changes: {
      row: LifeRow;
      to: AccountState;
      planCode: string;
      because: string;
      at: Date;
      cause: string;
    }[] = [];
    for (const item of items) {
      const row = rows.get(item.accountId);
      if (!row) continue;
      const decision = decide(policyOf(row.policyVersionId), row, item.firedAt);
      if (decision) changes.push({ row, ...decision, at: item.firedAt, cause: `due:${item.kind}` });
    }
    if (changes.length === 0) return;
    await db.q.execute(sql`
      update account_states s set state = x.state, plan_code = x."planCode", state_since = x.at, changed_at = x.at
      from jsonb_to_recordset(${jsonRows(changes.map((c) => ({ id: c.row.accountId, state: c.to, planCode: c.planCode, at: c.at })))})
        as x(id text, state text, "planCode" text, at timestamptz)
      where s.account_id = x.id`);
    const events: NewEvent[] = changes.map((c) => ({
      chainId: c.row.accountId,
      type: 'account.state_changed',
      clause: c.because,
      actor: 'system',
      cause: c.cause,
      occurredAt: c.at,
      data: { from: c.row.state, to: c.to, fromPlan: c.row.planCode, toPlan: c.planCode },
    }));
    await eventLog.append(events);
    const contacts = new Map(
      (await contactsOf(changes.map((c) => c.row.accountId))).map((c) => [c.accountId, c]),
    );
    await notifications.send(
      changes.flatMap((c) => {
        const contact = contacts.get(c.row.accountId);
        if (!contact) return [];
        const policy = policyOf(c.row.policyVersionId);
        const { template, params } = notice({ policy, row: c.row, at: c.at, locale: contact.locale });
        return [
          {
            accountId: c.row.accountId,
            recipient: contact.email,
            locale: contact.locale,
            template,
            clause: c.because,
            dedupeKey: `${template}:${c.row.accountId}`,
            occurredAt: c.at,
            params,
          } as NotificationRequest,
        ];
      }),
    );
    await announceChanged(changes.map((c) => c.row.accountId));
  }

  /**
   * Tells every process's entitlement cache that these accounts changed: this process as soon as the change
   * commits (a NOTIFY reaches even its own listener only a moment later, and a read in between would be
   * answered from the stale entry), the others by NOTIFY, which is delivered on commit.
   */
  async function announceChanged(accountIds: readonly string[]): Promise<void> {
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
    handle: (items) =>
      applyTransitions(
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
      ),
  });
  dueWork.register({
    kind: FREE_END,
    handle: (items) =>
      applyTransitions(
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
      ),
  });

  async function entitlements(accountId: string): Promise<{ row: LifeRow; entitlements: Entitlements }> {
    const row = await get(accountId);
    return { row, entitlements: entitlementsOf(policyOf(row.policyVersionId), row) };
  }

  return { start, get, load, entitlements, announceChanged };
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
  };
}
