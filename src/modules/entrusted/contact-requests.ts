import { sql } from 'drizzle-orm';
import { textArray } from '../../platform/db/bulk.ts';
import { AppError } from '../../platform/errors.ts';
import { accountNow, type EntrustedDeps } from './entrusted-context.ts';
import {
  type Activity,
  activityOf,
  type Contact,
  contactIdsByEmail,
  contactsByIds,
  deleteContactsByIds,
} from './entrusted-store.ts';
import { type ContactChange, changeContacts } from './manage-contacts.ts';

export type ContactRequestKind = 'access' | 'erasure' | 'rectification';

export type ContactRequestInput = {
  accountId: string;
  kind: ContactRequestKind;
  /** The person: one contact, or every contact with an e-mail address. */
  subject: { contactId: string } | { email: string };
  /** For rectification: the corrected fields. */
  change?: ContactChange;
  actor: string;
};

export type ContactRequestResult = {
  requestId: string;
  kind: ContactRequestKind;
  executedAt: Date;
  contacts: number;
  activities: number;
  /** access: the person's data with activity; rectification: the corrected contacts; erasure: none. */
  data: (Contact & { activity: Activity[] })[];
};

/**
 * Carries out, on the customer's instruction, a request it received from one of its own contacts: a copy of
 * the person's data with all activity (access), the person erased everywhere with all activity (erasure),
 * or corrected (rectification) — at once, so well within "without undue delay" and the policy's target
 * (QU-PRC-06, art. 10.13; BK-PRC-05: find, export, correct and erase a client across all bookings in one
 * action). The request is recorded and evidenced by its id, kind and counts only; the person is not named.
 */
export async function executeContactRequest(
  deps: EntrustedDeps,
  input: ContactRequestInput,
): Promise<ContactRequestResult> {
  const { policy, now } = await accountNow(deps, input.accountId);
  if (input.kind === 'rectification' && (!input.change || Object.keys(input.change).length === 0))
    throw new AppError('request.invalid', {
      details: { field: 'change', rule: 'required for rectification' },
    });
  const requestId = deps.ids.next('dsr');
  return deps.db.transaction(async () => {
    const ids =
      'contactId' in input.subject
        ? (await contactsByIds(deps.db, input.accountId, [input.subject.contactId])).map((c) => c.id)
        : await contactIdsByEmail(deps.db, input.accountId, input.subject.email);
    if (ids.length === 0) throw new AppError('entrusted.subject_not_found');

    let data: ContactRequestResult['data'] = [];
    let counts: { contacts: number; activities: number };
    if (input.kind === 'erasure') {
      counts = await deleteContactsByIds(deps.db, input.accountId, ids);
    } else {
      const contacts =
        input.kind === 'rectification'
          ? await changeContacts(deps, {
              accountId: input.accountId,
              contactIds: ids,
              change: input.change!,
              now,
              actor: input.actor,
            })
          : await contactsByIds(deps.db, input.accountId, ids);
      const activity = await activityOf(deps.db, input.accountId, ids);
      data = contacts.map((c) => ({ ...c, activity: activity.filter((a) => a.contactId === c.id) }));
      counts = { contacts: contacts.length, activities: activity.length };
    }
    await deps.db.q.execute(sql`
      insert into entrusted_requests (account_id, id, kind, received_at, executed_at, contacts, activities, actor)
      values (${input.accountId}, ${requestId}, ${input.kind}, ${now.toISOString()}, ${now.toISOString()},
              ${counts.contacts}, ${counts.activities}, ${input.actor})`);
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'entrusted.request_executed',
        clause: policy.processor.clauses.instructions,
        actor: input.actor,
        cause: requestId,
        occurredAt: now,
        data: {
          requestId,
          kind: input.kind,
          contactIds: ids,
          contacts: counts.contacts,
          activities: counts.activities,
          hoursTaken: 0,
          targetHours: policy.processor.instructionTargetHours,
        },
      },
    ]);
    return { requestId, kind: input.kind, executedAt: now, ...counts, data };
  });
}

export type ExecutedRequest = {
  id: string;
  kind: ContactRequestKind;
  receivedAt: Date;
  executedAt: Date;
  contacts: number;
  activities: number;
  actor: string;
};

/** The requests executed for an account, newest first (the evidence a customer shows its auditor). */
export async function listContactRequests(
  deps: EntrustedDeps,
  accountId: string,
  ids?: readonly string[],
): Promise<ExecutedRequest[]> {
  const rows = await deps.db.rows<{
    id: string;
    kind: ContactRequestKind;
    received_at: Date | string;
    executed_at: Date | string;
    contacts: number;
    activities: number;
    actor: string;
  }>(sql`
    select id, kind, received_at, executed_at, contacts, activities, actor from entrusted_requests
    where account_id = ${accountId} ${ids ? sql`and id = any(${textArray(ids)})` : sql``}
    order by id desc limit 1000`);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    receivedAt: new Date(r.received_at),
    executedAt: new Date(r.executed_at),
    contacts: r.contacts,
    activities: r.activities,
    actor: r.actor,
  }));
}
