import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { textArray } from '../../platform/db/bulk.ts';
import type { DueItem } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import type { Policy } from '../../policy/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import type { ProcessorsDeps } from './processors-context.ts';
import { processorsErrors } from './processors-errors.ts';
import {
  type BreachRecipient,
  breachDeadlines,
  isNoticeOverdue,
  missingNoticeFields,
  requiredNoticeFields,
} from './processors-rules.ts';

/** A breach notice's deadline (ref = the recipient kind; account id = `breach:<id>`). */
export const BREACH_NOTICE_DUE = 'processors.breach_notice_due';

const longText = z.string().trim().min(1).max(5000);

/** What the register holds about a breach; each field may come later as the investigation goes on. */
export const BreachDetails = z.strictObject({
  circumstances: longText.optional(),
  likelyCauses: longText.optional(),
  measures: longText.optional(),
  documentation: longText.optional(),
  dataCategories: z.array(z.string().trim().min(1).max(200)).min(1).max(50).optional(),
  approxSubjects: z.number().int().min(0).optional(),
  approxRecords: z.number().int().min(0).optional(),
  likelyConsequences: longText.optional(),
  /** Data were encrypted and the key not compromised (HT-SEC-01 speaks of unencrypted data). */
  encrypted: z.boolean().optional(),
});
export type BreachDetails = z.infer<typeof BreachDetails>;

export const NewBreach = z.strictObject({
  /** When the operator learned of it or first suspected it; the hour deadlines run from here. Default: now. */
  awareAt: z.iso.datetime({ offset: true }).optional(),
  status: z.enum(['suspected', 'confirmed']),
  /** The customers whose data it affects. */
  accountIds: z.array(z.string().min(1).max(60)).max(100_000),
  highRisk: z.boolean(),
  details: BreachDetails,
  /** Record on this test clock (sandbox). */
  testClockId: z.string().max(60).optional(),
});
export type NewBreach = z.infer<typeof NewBreach>;

export type BreachNotice = {
  recipient: BreachRecipient;
  dueAt: Date | null;
  clause: string | null;
  notifiedAt: Date | null;
  overdueAt: Date | null;
  recipients: number | null;
  content: Record<string, unknown> | null;
};

export type Breach = {
  id: string;
  clockId: string | null;
  awareAt: Date;
  status: 'suspected' | 'confirmed';
  highRisk: boolean;
  details: BreachDetails;
  accountIds: string[];
  notices: BreachNotice[];
  recordedAt: Date;
};

const chainOf = (id: string) => `breach:${id}`;

async function loadBreach(
  deps: ProcessorsDeps,
  id: string,
  forUpdate = false,
): Promise<Breach & { policy: Policy }> {
  const [row] = await deps.db.rows<Record<string, unknown>>(
    sql`select * from breaches where id = ${id} ${forUpdate ? sql`for update` : sql``}`,
  );
  if (!row) throw new AppError(processorsErrors['processors.breach_not_found'], { details: { id } });
  const accounts = await deps.db.rows<{ account_id: string }>(
    sql`select account_id from breach_accounts where breach_id = ${id} order by account_id`,
  );
  const notices = await deps.db.rows<Record<string, unknown>>(
    sql`select * from breach_notices where breach_id = ${id}`,
  );
  const order: BreachRecipient[] = ['customers', 'authority', 'data_subjects'];
  const d = (v: unknown) => (v ? new Date(v as string) : null);
  return {
    id,
    clockId: (row.clock_id as string | null) ?? null,
    awareAt: new Date(row.aware_at as string),
    status: row.status as Breach['status'],
    highRisk: row.high_risk as boolean,
    details: row.details as BreachDetails,
    accountIds: accounts.map((a) => a.account_id),
    notices: notices
      .map((n) => ({
        recipient: n.recipient as BreachRecipient,
        dueAt: d(n.due_at),
        clause: (n.clause as string | null) ?? null,
        notifiedAt: d(n.notified_at),
        overdueAt: d(n.overdue_at),
        recipients: (n.recipients as number | null) ?? null,
        content: (n.content as Record<string, unknown> | null) ?? null,
      }))
      .sort((a, b) => order.indexOf(a.recipient) - order.indexOf(b.recipient)),
    recordedAt: new Date(row.recorded_at as string),
    policy: deps.policyOf(row.policy_version_id as string),
  };
}

/** One breach of the register, with its customers and notices. */
export async function getBreach(deps: ProcessorsDeps, id: string): Promise<Breach> {
  const { policy: _policy, ...breach } = await loadBreach(deps, id);
  return breach;
}

/** The register (GDPR art. 33(5)), newest awareness first. */
export async function listBreaches(deps: ProcessorsDeps): Promise<Breach[]> {
  const rows = await deps.db.rows<{ id: string }>(
    sql`select id from breaches order by aware_at desc, id desc`,
  );
  return Promise.all(rows.map((r) => getBreach(deps, r.id)));
}

/**
 * The breaches that affected one customer, with what it needs for its own notice to the authority
 * (BK-PRC-07: the art. 33(3) fields, the measures, the documentation) and when it was told.
 */
export async function customerBreaches(deps: ProcessorsDeps, accountId: string): Promise<Breach[]> {
  await deps.customerOf(accountId);
  const rows = await deps.db.rows<{ breach_id: string }>(sql`
    select ba.breach_id from breach_accounts ba join breaches b on b.id = ba.breach_id
    where ba.account_id = ${accountId} order by b.aware_at desc`);
  const list = await Promise.all(rows.map((r) => getBreach(deps, r.breach_id)));
  return list.map((b) => ({ ...b, accountIds: [accountId] }));
}

/**
 * Records a suspected or confirmed breach in the register (GDPR art. 33(5)) on the operator's clock (or a
 * test clock), the clock starting at the awareness given (never later than now). Its notice duties are set
 * from the policy, in elapsed hours: to the affected customers (BK-PRC-06 and QU-PRC-07: 24 h; HT-SEC-01:
 * 72 h) and to the authority (72 h, art. 33(1)), each a due item that raises the overdue alarm if the
 * deadline passes unmet; to data subjects when the risk is high (art. 34, no hours). Evidenced, all or nothing.
 */
export async function recordBreach(
  deps: ProcessorsDeps,
  input: NewBreach & { actor: string },
): Promise<Breach> {
  const { policy, versionId } = deps.current();
  const clockId = input.testClockId ?? null;
  const now = await deps.timeOf(clockId);
  const awareAt = input.awareAt ? new Date(input.awareAt) : now;
  if (awareAt.getTime() > now.getTime()) {
    throw new AppError(processorsErrors['processors.awareness_in_future'], {
      details: { awareAt: awareAt.toISOString(), now: now.toISOString() },
    });
  }
  const accountIds = [...new Set(input.accountIds)].sort();
  for (const accountId of accountIds) {
    try {
      await deps.customerOf(accountId);
    } catch {
      throw new AppError(processorsErrors['processors.account_not_found'], { details: { id: accountId } });
    }
  }
  const id = deps.ids.next('brc');
  const deadlines = breachDeadlines(policy, awareAt);
  await deps.db.transaction(async () => {
    await deps.db.q.execute(sql`
      insert into breaches (id, clock_id, policy_version_id, aware_at, status, details, high_risk, recorded_at, recorded_by)
      values (${id}, ${clockId}, ${versionId}, ${awareAt.toISOString()}, ${input.status},
        ${JSON.stringify(input.details)}::jsonb, ${input.highRisk}, ${now.toISOString()}, ${input.actor})`);
    if (accountIds.length > 0) {
      await deps.db.q.execute(sql`
        insert into breach_accounts (breach_id, account_id)
        select ${id}, unnest(${textArray(accountIds)})`);
    }
    for (const d of deadlines) {
      await deps.db.q.execute(sql`
        insert into breach_notices (breach_id, recipient, due_at, clause)
        values (${id}, ${d.recipient}, ${d.dueAt?.toISOString() ?? null}, ${d.clause})`);
    }
    await deps.dueWork.schedule(
      deadlines
        .filter((d) => d.dueAt !== null && (d.recipient !== 'customers' || accountIds.length > 0))
        .map((d) => ({
          accountId: chainOf(id),
          kind: BREACH_NOTICE_DUE,
          ref: d.recipient,
          dueAt: d.dueAt!,
          clockId,
        })),
    );
    await deps.eventLog.appendOne({
      chainId: chainOf(id),
      type: 'breach.recorded',
      clause:
        policy.notifications.clauses?.breachRecord ?? policy.notifications.clauses?.breachCustomers ?? null,
      actor: input.actor,
      cause: id,
      occurredAt: now,
      data: {
        breachId: id,
        status: input.status,
        awareAt: awareAt.toISOString(),
        highRisk: input.highRisk,
        accounts: accountIds.length,
        customersDueAt: deadlines[0]!.dueAt?.toISOString() ?? null,
        authorityDueAt: deadlines[1]!.dueAt?.toISOString() ?? null,
      },
    });
  });
  return getBreach(deps, id);
}

/**
 * Adds what the investigation found (fields of the record, the status, the risk, more affected customers).
 * The deadlines stay where awareness put them. Evidenced with the names of the fields changed.
 */
export async function updateBreach(
  deps: ProcessorsDeps,
  input: {
    breachId: string;
    status?: 'suspected' | 'confirmed';
    highRisk?: boolean;
    details?: BreachDetails;
    addAccountIds?: string[];
    actor: string;
  },
): Promise<Breach> {
  await deps.db.transaction(async () => {
    const breach = await loadBreach(deps, input.breachId, true);
    const now = await deps.timeOf(breach.clockId);
    const added = [...new Set(input.addAccountIds ?? [])].filter((a) => !breach.accountIds.includes(a));
    for (const accountId of added) {
      try {
        await deps.customerOf(accountId);
      } catch {
        throw new AppError(processorsErrors['processors.account_not_found'], { details: { id: accountId } });
      }
    }
    const details = { ...breach.details, ...(input.details ?? {}) };
    await deps.db.q.execute(sql`
      update breaches set status = ${input.status ?? breach.status}, high_risk = ${input.highRisk ?? breach.highRisk},
        details = ${JSON.stringify(details)}::jsonb
      where id = ${breach.id}`);
    if (added.length > 0) {
      await deps.db.q.execute(sql`
        insert into breach_accounts (breach_id, account_id) select ${breach.id}, unnest(${textArray(added)})`);
      const customers = breach.notices.find((n) => n.recipient === 'customers');
      if (customers?.dueAt && !customers.notifiedAt && !customers.overdueAt) {
        await deps.dueWork.schedule([
          {
            accountId: chainOf(breach.id),
            kind: BREACH_NOTICE_DUE,
            ref: 'customers',
            dueAt: customers.dueAt,
            clockId: breach.clockId,
          },
        ]);
      }
    }
    await deps.eventLog.appendOne({
      chainId: chainOf(breach.id),
      type: 'breach.updated',
      clause: breach.policy.notifications.clauses?.breachRecord ?? null,
      actor: input.actor,
      cause: breach.id,
      occurredAt: now,
      data: {
        breachId: breach.id,
        status: input.status ?? breach.status,
        highRisk: input.highRisk ?? breach.highRisk,
        fields: Object.keys(input.details ?? {}).sort(),
        accountsAdded: added.length,
      },
    });
  });
  return getBreach(deps, input.breachId);
}

function oneLine(value: unknown): string {
  return String(value).replace(/\s+/g, ' ').trim();
}

/**
 * Makes one notice of a breach, refused (changing nothing) while the record lacks a field the notice must
 * state. To customers: a mail to each affected customer with the circumstances, likely causes, measures,
 * documentation, data categories and approximate numbers (BK-PRC-06, QU-PRC-07, HT-SEC-01), evidenced on
 * each customer's chain. To the authority (art. 33(3)) and to data subjects (art. 34): the notification the
 * operator made, with its reference or the number of people told, recorded with the content it stated.
 * A notice after its deadline is recorded as late.
 */
export async function notifyBreach(
  deps: ProcessorsDeps,
  input: { breachId: string; recipient: BreachRecipient; reference?: string; count?: number; actor: string },
): Promise<Breach> {
  await deps.db.transaction(async () => {
    const breach = await loadBreach(deps, input.breachId, true);
    const now = await deps.timeOf(breach.clockId);
    const notice = breach.notices.find((n) => n.recipient === input.recipient)!;
    if (notice.notifiedAt) {
      throw new AppError(processorsErrors['processors.breach_notice_done'], {
        details: { recipient: input.recipient },
      });
    }
    const details = breach.details as Record<string, unknown>;
    const missing = missingNoticeFields(input.recipient, details);
    if (missing.length > 0) {
      throw new AppError(processorsErrors['processors.breach_notice_incomplete'], {
        details: { missing: missing.join(', '), fields: missing },
      });
    }
    const policy = breach.policy;
    const content: Record<string, unknown> = Object.fromEntries(
      requiredNoticeFields[input.recipient].map((f) => [f, details[f]]),
    );
    if (input.recipient === 'authority') {
      content.dpoContact = policy.operator.dpo?.email ?? policy.operator.contact.privacy ?? null;
      content.reference = input.reference ?? null;
    }
    const events: NewEvent[] = [];
    let recipients = input.count ?? null;
    if (input.recipient === 'customers') {
      if (breach.accountIds.length === 0)
        throw new AppError(processorsErrors['processors.breach_no_customers']);
      const contacts = await deps.contactsOf(breach.accountIds);
      const mails: NotificationRequest[] = contacts.map((c) => ({
        accountId: c.accountId,
        recipient: c.email,
        locale: c.locale,
        template: 'breaches.customer_notice',
        clause: notice.clause,
        dedupeKey: `breach_notice:${breach.id}:${c.accountId}`,
        occurredAt: now,
        params: {
          reference: breach.id,
          awareAt: breach.awareAt,
          status: breach.status,
          circumstances: oneLine(details.circumstances),
          likelyCauses: oneLine(details.likelyCauses),
          measures: oneLine(details.measures),
          documentation: oneLine(details.documentation),
          dataCategories: (details.dataCategories as string[]).map(oneLine).join(', '),
          approxSubjects: String(details.approxSubjects),
          contact:
            policy.operator.contact.privacy ?? policy.operator.contact.general ?? policy.operator.website,
        },
      }));
      await deps.notifications.send(mails);
      recipients = contacts.length;
      for (const c of contacts) {
        events.push({
          chainId: c.accountId,
          type: 'breach.customer_notified',
          clause: notice.clause,
          actor: input.actor,
          cause: breach.id,
          occurredAt: now,
          data: {
            breachId: breach.id,
            awareAt: breach.awareAt.toISOString(),
            dueAt: notice.dueAt?.toISOString() ?? null,
          },
        });
      }
    }
    // At the deadline itself the alarm has fired: a notice made then is late, as the alarm says.
    const onTime = !isNoticeOverdue({ dueAt: notice.dueAt, notifiedAt: null }, now);
    await deps.db.q.execute(sql`
      update breach_notices set notified_at = ${now.toISOString()}, content = ${JSON.stringify(content)}::jsonb,
        recipients = ${recipients}
      where breach_id = ${breach.id} and recipient = ${input.recipient}`);
    await deps.dueWork.cancel(chainOf(breach.id), BREACH_NOTICE_DUE, input.recipient);
    events.unshift({
      chainId: chainOf(breach.id),
      type: 'breach.notified',
      clause: notice.clause,
      actor: input.actor,
      cause: breach.id,
      occurredAt: now,
      data: {
        breachId: breach.id,
        recipient: input.recipient,
        recipients,
        onTime,
        dueAt: notice.dueAt?.toISOString() ?? null,
        highRisk: breach.highRisk,
      },
    });
    await deps.eventLog.append(events);
  });
  return getBreach(deps, input.breachId);
}

const recipientNames = {
  pl: { customers: 'klienci', authority: 'organ nadzorczy', data_subjects: 'osoby, których dane dotyczą' },
  en: { customers: 'customers', authority: 'supervisory authority', data_subjects: 'data subjects' },
} as const;

/**
 * The overdue alarm: a notice still not made when its deadline comes gets `overdue_at`, a
 * `breach.notice_overdue` event citing its clause, and a mail to the operator's privacy contact. A notice
 * made meanwhile is left alone; running it twice changes nothing the second time.
 */
export async function handleBreachNoticesDue(deps: ProcessorsDeps, items: DueItem[]): Promise<void> {
  for (const item of items) {
    const breachId = item.accountId.slice('breach:'.length);
    const [row] = await deps.db.rows<Record<string, unknown>>(sql`
      select n.*, b.policy_version_id from breach_notices n join breaches b on b.id = n.breach_id
      where n.breach_id = ${breachId} and n.recipient = ${item.ref} for update of n`);
    if (!row || row.overdue_at) continue;
    const notice = {
      dueAt: row.due_at ? new Date(row.due_at as string) : null,
      notifiedAt: row.notified_at ? new Date(row.notified_at as string) : null,
    };
    if (!isNoticeOverdue(notice, item.firedAt)) continue;
    const policy = deps.policyOf(row.policy_version_id as string);
    const clause = (row.clause as string | null) ?? null;
    await deps.db.q.execute(sql`
      update breach_notices set overdue_at = ${item.firedAt.toISOString()}
      where breach_id = ${breachId} and recipient = ${item.ref}`);
    await deps.eventLog.appendOne({
      chainId: item.accountId,
      type: 'breach.notice_overdue',
      clause,
      actor: 'system',
      cause: `due:${BREACH_NOTICE_DUE}`,
      occurredAt: item.firedAt,
      data: { breachId, recipient: item.ref, dueAt: notice.dueAt!.toISOString() },
    });
    const to =
      policy.operator.contact.privacy ?? policy.operator.dpo?.email ?? policy.operator.contact.general;
    if (to) {
      const locale = policy.locale.defaultLanguage;
      await deps.notifications.send([
        {
          accountId: null,
          recipient: to,
          locale,
          template: 'breaches.notice_overdue',
          clause,
          dedupeKey: `breach_overdue:${breachId}:${item.ref}`,
          occurredAt: item.firedAt,
          params: {
            reference: breachId,
            recipient: recipientNames[locale][item.ref as BreachRecipient] ?? item.ref,
            dueAt: notice.dueAt!,
          },
        },
      ]);
    }
  }
}
