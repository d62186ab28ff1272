import { sql } from 'drizzle-orm';
import { addDays, localDateOf, startOfDay } from '../../platform/calendar.ts';
import { textArray } from '../../platform/db/bulk.ts';
import type { DueItem } from '../../platform/due-work/due-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { NewEvent, StoredEvent } from '../../platform/evidence/event-log.ts';
import { formatMoney, money } from '../../platform/money.ts';
import type { Policy, RetentionData } from '../../policy/index.ts';
import type { RestrictionInForce } from '../lifecycle/index.ts';
import { appendLedger, changeConsent } from './consents.ts';
import {
  contextOf,
  ensureSubject,
  type PrivacyDeps,
  type Subject,
  type SubjectContext,
  subjectById,
} from './privacy-context.ts';
import { privacyErrors } from './privacy-errors.ts';
import {
  complaintAuthority,
  copyFeeRule,
  decideExtension,
  type RequestType,
  requestDeadline,
  restrictionEndsOn,
} from './privacy-rules.ts';
import { visitorRecordsOf } from './visitors.ts';

/** A request's deadline passed while it is open: the overdue alarm (ref = request id). */
export const REQUEST_DUE = 'privacy.request_due';
/** A restriction for contested accuracy reached its longest allowed length (ref = request id). */
export const RESTRICTION_CHECK = 'privacy.restriction_check';
/** After an erasure: the answer mail has gone, its copy in the outbox is erased too (ref = request id). */
export const ERASURE_FINISH = 'privacy.erasure_finish';

export const intakeChannels = [
  'contact_form',
  'email',
  'letter',
  'account_settings',
  'phone',
  'chat',
  'api',
] as const;
export type IntakeChannel = (typeof intakeChannels)[number];

export type RequestStatus = 'open' | 'awaiting_identity' | 'awaiting_fee' | 'completed' | 'refused';

export type DsrRequest = {
  id: string;
  subjectId: string;
  accountId: string | null;
  type: RequestType;
  channel: string;
  receivedAt: Date;
  receivedOn: string;
  dueOn: string;
  dueClause: string;
  extendedDueOn: string | null;
  extensionReason: string | null;
  status: RequestStatus;
  identity: 'not_needed' | 'requested' | 'verified' | 'failed';
  statement: string | null;
  details: Record<string, unknown>;
  requesterEmail: string | null;
  locale: 'pl' | 'en';
  fee: { amount: string; currency: string; basis: string; acceptedAt: Date | null } | null;
  outcome: string | null;
  overdueAt: Date | null;
  closedAt: Date | null;
  createdBy: string;
};

export type RequestInput = {
  type: RequestType;
  channel: IntakeChannel;
  /** When the mail or letter arrived (staff recording it); now when absent. */
  receivedAt?: Date;
  email: string;
  statement?: string;
  details: Record<string, unknown>;
  locale?: 'pl' | 'en';
  /** The requester is signed in as the account user of this e-mail (the portal): identity needs no check. */
  authenticated: boolean;
  actor: string;
};

const typeNames: Record<RequestType, { pl: string; en: string }> = {
  access: { pl: 'dostęp do danych', en: 'access to data' },
  copy: { pl: 'kopia danych', en: 'a copy of the data' },
  rectification: { pl: 'sprostowanie danych', en: 'rectification' },
  erasure: { pl: 'usunięcie danych', en: 'erasure' },
  restriction: { pl: 'ograniczenie przetwarzania', en: 'restriction of processing' },
  objection: { pl: 'sprzeciw', en: 'objection' },
  portability: { pl: 'przeniesienie danych', en: 'data portability' },
  withdrawal: { pl: 'wycofanie zgody', en: 'withdrawal of consent' },
};

/** The retention kinds an erasure reaches: the operator's own data as controller (entrusted data are the customer's, invoices the tax law's). */
const ERASED_KINDS: RetentionData[] = [
  'requests',
  'messages',
  'payment_cards',
  'access',
  'usage',
  'consents',
  'profile',
  'identity',
];

function requestOf(r: Record<string, unknown>): DsrRequest {
  const d = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    id: r.id as string,
    subjectId: r.subject_id as string,
    accountId: (r.account_id as string | null) ?? null,
    type: r.type as RequestType,
    channel: r.channel as string,
    receivedAt: d(r.received_at)!,
    receivedOn: r.received_on as string,
    dueOn: r.due_on as string,
    dueClause: r.due_clause as string,
    extendedDueOn: (r.extended_due_on as string | null) ?? null,
    extensionReason: (r.extension_reason as string | null) ?? null,
    status: r.status as RequestStatus,
    identity: r.identity as DsrRequest['identity'],
    statement: (r.statement as string | null) ?? null,
    details: r.details as Record<string, unknown>,
    requesterEmail: (r.requester_email as string | null) ?? null,
    locale: r.locale as 'pl' | 'en',
    fee:
      r.fee_amount === null || r.fee_amount === undefined
        ? null
        : {
            amount: String(r.fee_amount),
            currency: r.fee_currency as string,
            basis: r.fee_basis as string,
            acceptedAt: d(r.fee_accepted_at),
          },
    outcome: (r.outcome as string | null) ?? null,
    overdueAt: d(r.overdue_at),
    closedAt: d(r.closed_at),
    createdBy: r.created_by as string,
  };
}

/** The day the request is due now: the extended date where there is one. */
export function effectiveDueOn(r: Pick<DsrRequest, 'dueOn' | 'extendedDueOn'>): string {
  return r.extendedDueOn ?? r.dueOn;
}

function detailsProblem(type: RequestType, details: Record<string, unknown>, policy: Policy): string | null {
  switch (type) {
    case 'withdrawal':
      return typeof details.purpose === 'string' && policy.consents.some((p) => p.id === details.purpose)
        ? null
        : 'a purpose of the policy to withdraw';
    case 'objection':
      return ['direct_marketing', 'profiling', 'legitimate_interest'].includes(details.scope as string)
        ? null
        : 'scope: direct_marketing, profiling or legitimate_interest';
    case 'restriction':
      return ['contested_accuracy', 'unlawful_processing', 'legal_claims', 'pending_objection'].includes(
        details.ground as string,
      )
        ? null
        : 'ground: contested_accuracy, unlawful_processing, legal_claims or pending_objection';
    case 'rectification': {
      const changes = details.changes as Record<string, unknown> | undefined;
      const ok =
        changes !== undefined &&
        Object.keys(changes).length > 0 &&
        Object.entries(changes).every(
          ([k, v]) => ['firstName', 'lastName'].includes(k) && typeof v === 'string',
        );
      return ok ? null : 'changes of firstName and/or lastName';
    }
    case 'portability':
      return details.format === undefined || details.format === 'csv' || details.format === 'json'
        ? null
        : 'format csv or json';
    default:
      return null;
  }
}

async function loadRequest(deps: PrivacyDeps, id: string, lock = false): Promise<DsrRequest> {
  const [row] = await deps.db.rows<Record<string, unknown>>(
    sql`select * from dsr_requests where id = ${id} ${lock ? sql`for update` : sql``}`,
  );
  if (!row) throw new AppError(privacyErrors['privacy.request_not_found'], { details: { id } });
  return requestOf(row);
}

async function openRequest(deps: PrivacyDeps, id: string) {
  const request = await loadRequest(deps, id, true);
  if (request.closedAt) throw new AppError(privacyErrors['privacy.request_closed'], { details: { id } });
  const subject = (await subjectById(deps, request.subjectId))!;
  const ctx = await contextOf(deps, request.accountId);
  return { request, subject, ctx };
}

function event(
  request: DsrRequest,
  ctx: SubjectContext,
  e: Omit<NewEvent, 'chainId' | 'occurredAt'>,
): NewEvent {
  return { chainId: `dsr:${request.id}`, occurredAt: ctx.now, ...e };
}

async function mailRequester(
  deps: PrivacyDeps,
  request: DsrRequest,
  ctx: SubjectContext,
  mail:
    | {
        template: 'privacy.request_received';
        clause: string | null;
        params: { receivedOn: string; dueOn: string };
      }
    | { template: 'privacy.identity_requested'; clause: string | null; params: { dueOn: string } }
    | {
        template: 'privacy.request_extended';
        clause: string | null;
        params: { dueOn: string; reasons: string };
      }
    | { template: 'privacy.fee_quoted'; clause: string | null; params: { amount: string; basis: string } }
    | {
        template: 'privacy.request_answered';
        clause: string | null;
        params: { outcome: string; recipients?: string };
      }
    | { template: 'privacy.restriction_ending'; clause: string | null; params: { liftsOn: string } },
): Promise<void> {
  if (!request.requesterEmail) return;
  const common = {
    reference: request.id,
    authority: complaintAuthority(ctx.policy, request.locale),
    requestType: typeNames[request.type][request.locale],
  };
  const base = {
    accountId: request.accountId,
    recipient: request.requesterEmail,
    locale: request.locale,
    clause: mail.clause,
    occurredAt: ctx.now,
  };
  switch (mail.template) {
    case 'privacy.fee_quoted':
    case 'privacy.restriction_ending': {
      const { requestType: _unused, ...rest } = common;
      await deps.notifications.send([
        { ...base, template: mail.template, params: { ...rest, ...mail.params } } as never,
      ]);
      return;
    }
    default:
      await deps.notifications.send([
        { ...base, template: mail.template, params: { ...common, ...mail.params } } as never,
      ]);
  }
}

/**
 * Opens a data-subject request from the portal, the API, or a mail or letter staff record (CM-PRV-01): the
 * channel and the time it arrived are kept, the deadline is computed from that day (CM-PRV-03: the earlier of
 * 30 days and one calendar month; HT-PRV-04: an erasure in 5 business days), an overdue alarm is scheduled
 * as a due item for the day after, and the requester gets an acknowledgement naming the deadline and the
 * supervisory authority. A withdrawal of consent and an objection to direct marketing or profiling take
 * effect at once (CM-PRV-08) and are answered at once; a restriction starts at once (CM-PRV-07) and lasts
 * until resolved, for contested accuracy at most `restrictionAccuracyCheckMaxDays`. Everything in one
 * transaction; the request's history is its event chain `dsr:<id>`.
 */
export async function receiveRequest(deps: PrivacyDeps, input: RequestInput): Promise<DsrRequest> {
  return deps.db.transaction(async () => {
    const people = await deps.people([input.email]);
    const person = people[0] ?? null;
    const ctx = await contextOf(deps, person?.accountId ?? null);
    const { policy } = ctx;
    const receivedAt = input.receivedAt ?? ctx.now;
    if (receivedAt.getTime() > ctx.now.getTime())
      throw new AppError(privacyErrors['privacy.received_in_future']);
    const offered = policy.dataSubjectRequests.channels.map((c) => c.kind as string);
    if (input.channel !== 'api' && !offered.includes(input.channel))
      throw new AppError(privacyErrors['privacy.channel_unknown'], { details: { channel: input.channel } });
    const problem = detailsProblem(input.type, input.details, policy);
    if (problem)
      throw new AppError(privacyErrors['privacy.details_invalid'], { details: { reason: problem } });
    const subject = await ensureSubject(deps, input.email, ctx.now);
    const deadline = requestDeadline(policy, input.type, receivedAt);
    const id = deps.ids.next('dsr');
    const request: DsrRequest = {
      id,
      subjectId: subject.id,
      accountId: subject.accountId,
      type: input.type,
      channel: input.channel,
      receivedAt,
      receivedOn: deadline.receivedOn,
      dueOn: deadline.dueOn,
      dueClause: deadline.clause ?? '',
      extendedDueOn: null,
      extensionReason: null,
      status: 'open',
      identity: input.authenticated ? 'verified' : 'not_needed',
      statement: input.statement?.trim() || null,
      details: input.details,
      requesterEmail: input.email.trim().toLowerCase(),
      locale: input.locale ?? person?.locale ?? policy.locale.defaultLanguage,
      fee: null,
      outcome: null,
      overdueAt: null,
      closedAt: null,
      createdBy: input.actor,
    };
    await deps.db.q.execute(sql`
      insert into dsr_requests (id, subject_id, account_id, clock_id, policy_version_id, type, channel, received_at,
        received_on, due_on, due_clause, status, identity, statement, details, requester_email, locale, created_by)
      values (${id}, ${subject.id}, ${subject.accountId}, ${ctx.clockId}, ${ctx.policyVersionId}, ${request.type},
        ${request.channel}, ${receivedAt.toISOString()}, ${request.receivedOn}, ${request.dueOn}, ${request.dueClause},
        'open', ${request.identity}, ${request.statement}, ${JSON.stringify(request.details)}::jsonb,
        ${request.requesterEmail}, ${request.locale}, ${input.actor})`);
    await deps.dueWork.schedule([
      {
        accountId: subject.accountId ?? 'privacy',
        kind: REQUEST_DUE,
        ref: id,
        dueAt: startOfDay(addDays(request.dueOn, 1), policy.locale.timeZone),
        clockId: ctx.clockId,
      },
    ]);
    await deps.eventLog.append([
      event(request, ctx, {
        type: 'dsr.received',
        clause: deadline.clause,
        actor: input.actor,
        cause: `request:${id}`,
        data: {
          request: id,
          subject: subject.id,
          requestType: request.type,
          channel: request.channel,
          receivedOn: request.receivedOn,
          dueOn: request.dueOn,
        },
      }),
    ]);
    await mailRequester(deps, request, ctx, {
      template: 'privacy.request_received',
      clause: deadline.clause,
      params: { receivedOn: request.receivedOn, dueOn: request.dueOn },
    });
    if (input.type === 'restriction') await startRestriction(deps, request, subject, ctx);
    if (
      input.type === 'withdrawal' ||
      (input.type === 'objection' && input.details.scope !== 'legitimate_interest')
    )
      return completeNow(deps, request, subject, ctx, input.actor);
    return request;
  });
}

async function startRestriction(
  deps: PrivacyDeps,
  request: DsrRequest,
  subject: Subject,
  ctx: SubjectContext,
) {
  const endsOn = restrictionEndsOn(ctx.policy, request.receivedOn, request.details.ground as string);
  await deps.db.q.execute(sql`
    update privacy_subjects set restricted_at = ${ctx.now.toISOString()}, restricted_by = ${request.id},
           restriction_ends_on = ${endsOn}
    where id = ${subject.id}`);
  if (endsOn)
    await deps.dueWork.schedule([
      {
        accountId: subject.accountId ?? 'privacy',
        kind: RESTRICTION_CHECK,
        ref: request.id,
        dueAt: startOfDay(addDays(endsOn, 1), ctx.policy.locale.timeZone),
        clockId: ctx.clockId,
      },
    ]);
  // CM-PRV-07: the account's functions that would process the data stop with the messages (entitlements).
  if (subject.accountId) await deps.accountChanged([subject.accountId]);
  await deps.eventLog.append([
    event(request, ctx, {
      type: 'dsr.restriction_started',
      clause: ctx.policy.dataSubjectRequests.clauses?.restriction ?? null,
      actor: 'system',
      cause: `request:${request.id}`,
      data: { request: request.id, subject: subject.id, ground: request.details.ground as string, endsOn },
    }),
  ]);
}

/** Withdrawal and objections to direct marketing or profiling: applied and answered when received. */
async function completeNow(
  deps: PrivacyDeps,
  request: DsrRequest,
  subject: Subject,
  ctx: SubjectContext,
  actor: string,
): Promise<DsrRequest> {
  if (request.type === 'withdrawal') {
    await changeConsent(deps, {
      email: subject.email!,
      purpose: request.details.purpose as string,
      action: 'withdrawn',
      channel: 'request',
      language: request.locale,
      ip: null,
      userAgent: null,
      actor,
      requestId: request.id,
    });
  } else {
    const scope = request.details.scope as string;
    await deps.db.q.execute(sql`
      update privacy_subjects set
        marketing_objected_at = ${scope === 'direct_marketing' ? sql`coalesce(marketing_objected_at, ${ctx.now.toISOString()})` : sql`marketing_objected_at`},
        profiling_objected_at = coalesce(profiling_objected_at, ${ctx.now.toISOString()})
      where id = ${subject.id}`);
  }
  const outcome =
    request.locale === 'pl'
      ? request.type === 'withdrawal'
        ? 'Zgoda została wycofana ze skutkiem natychmiastowym.'
        : 'Sprzeciw został uwzględniony: zaprzestaliśmy marketingu bezpośredniego i profilowania w tym celu.'
      : request.type === 'withdrawal'
        ? 'Your consent has been withdrawn with immediate effect.'
        : 'Your objection has been upheld: direct marketing and profiling for it have stopped.';
  return close(
    deps,
    request,
    ctx,
    actor,
    'completed',
    outcome,
    ctx.policy.dataSubjectRequests.clauses?.objection ?? null,
  );
}

/**
 * Closes a request: its status and outcome, the identity documents deleted (CM-PRV-02, where the policy says
 * so), the answer mailed with the authority named, and `dsr.closed` with the count of documents deleted.
 */
async function close(
  deps: PrivacyDeps,
  request: DsrRequest,
  ctx: SubjectContext,
  actor: string,
  status: 'completed' | 'refused',
  outcome: string,
  clause: string | null,
  extra: { recipients?: string } = {},
): Promise<DsrRequest> {
  const deleted = ctx.policy.dataSubjectRequests.identityDocumentsDeletedOnClose
    ? await deps.db.rows<{ id: string }>(
        sql`delete from dsr_identity_documents where request_id = ${request.id} returning id`,
      )
    : [];
  await deps.db.q.execute(sql`
    update dsr_requests set status = ${status}, outcome = ${outcome}, closed_at = ${ctx.now.toISOString()}
    where id = ${request.id}`);
  await deps.dueWork.cancel(request.accountId ?? 'privacy', REQUEST_DUE, request.id);
  const closed = { ...request, status, outcome, closedAt: ctx.now };
  await deps.eventLog.append([
    event(request, ctx, {
      type: 'dsr.closed',
      clause,
      actor,
      cause: `request:${request.id}`,
      data: {
        request: request.id,
        status,
        requestType: request.type,
        identityDocumentsDeleted: deleted.length,
        dueOn: effectiveDueOn(request),
        onTime: localDateOf(ctx.now, ctx.policy.locale.timeZone) <= effectiveDueOn(request),
      },
    }),
  ]);
  await mailRequester(deps, closed, ctx, {
    template: 'privacy.request_answered',
    clause,
    params: { outcome, ...(extra.recipients ? { recipients: extra.recipients } : {}) },
  });
  return closed;
}

/** Asks the requester to confirm their identity (CM-PRV-02); the deadline keeps counting from receipt. */
export async function requestIdentity(
  deps: PrivacyDeps,
  input: { id: string; actor: string },
): Promise<DsrRequest> {
  return deps.db.transaction(async () => {
    const { request, ctx } = await openRequest(deps, input.id);
    await deps.db.q.execute(
      sql`update dsr_requests set status = 'awaiting_identity', identity = 'requested' where id = ${request.id}`,
    );
    const updated = { ...request, status: 'awaiting_identity' as const, identity: 'requested' as const };
    const clause = ctx.policy.dataSubjectRequests.clauses?.identity ?? null;
    await deps.eventLog.append([
      event(request, ctx, {
        type: 'dsr.identity_requested',
        clause,
        actor: input.actor,
        cause: `request:${request.id}`,
        data: { request: request.id, dueOn: effectiveDueOn(request) },
      }),
    ]);
    await mailRequester(deps, updated, ctx, {
      template: 'privacy.identity_requested',
      clause,
      params: { dueOn: effectiveDueOn(request) },
    });
    return updated;
  });
}

/** Stores an identity document sent for the request, only for the check (CM-PRV-02). */
export async function addIdentityDocument(
  deps: PrivacyDeps,
  input: { id: string; fileName: string; contentType: string; contentBase64: string; actor: string },
): Promise<{ documentId: string; size: number }> {
  return deps.db.transaction(async () => {
    const { request, ctx } = await openRequest(deps, input.id);
    const size = Buffer.from(input.contentBase64, 'base64').length;
    const documentId = deps.ids.next('idd');
    await deps.db.q.execute(sql`
      insert into dsr_identity_documents (id, request_id, file_name, content_type, content, size, received_at)
      values (${documentId}, ${request.id}, ${input.fileName}, ${input.contentType}, ${input.contentBase64}, ${size},
              ${ctx.now.toISOString()})`);
    await deps.eventLog.append([
      event(request, ctx, {
        type: 'dsr.identity_document_received',
        clause: ctx.policy.dataSubjectRequests.clauses?.identity ?? null,
        actor: input.actor,
        cause: `request:${request.id}`,
        data: { request: request.id, document: documentId, size },
      }),
    ]);
    return { documentId, size };
  });
}

/** Records the outcome of the identity check. */
export async function decideIdentity(
  deps: PrivacyDeps,
  input: { id: string; verified: boolean; actor: string },
): Promise<DsrRequest> {
  return deps.db.transaction(async () => {
    const { request, ctx } = await openRequest(deps, input.id);
    const identity = input.verified ? 'verified' : 'failed';
    const status = input.verified
      ? request.fee && !request.fee.acceptedAt
        ? 'awaiting_fee'
        : 'open'
      : request.status;
    await deps.db.q.execute(
      sql`update dsr_requests set identity = ${identity}, status = ${status} where id = ${request.id}`,
    );
    await deps.eventLog.append([
      event(request, ctx, {
        type: input.verified ? 'dsr.identity_verified' : 'dsr.identity_failed',
        clause: ctx.policy.dataSubjectRequests.clauses?.identity ?? null,
        actor: input.actor,
        cause: `request:${request.id}`,
        data: { request: request.id },
      }),
    ]);
    return { ...request, identity, status };
  });
}

/**
 * Extends the deadline by up to `extensionMonths` months, only while the first deadline runs and with the
 * reasons told to the requester (GDPR art. 12(3), CM-PRV-03). The overdue alarm moves with it.
 */
export async function extendRequest(
  deps: PrivacyDeps,
  input: { id: string; months: number; reasons: string; actor: string },
): Promise<DsrRequest> {
  return deps.db.transaction(async () => {
    const { request, ctx } = await openRequest(deps, input.id);
    const today = localDateOf(ctx.now, ctx.policy.locale.timeZone);
    const decision = decideExtension(ctx.policy, request, input.months, today);
    if (!decision.ok)
      throw new AppError(privacyErrors['privacy.extension_refused'], {
        details: { problem: decision.problem },
      });
    await deps.db.q.execute(sql`
      update dsr_requests set extended_due_on = ${decision.extendedDueOn}, extension_reason = ${input.reasons}
      where id = ${request.id}`);
    await deps.dueWork.schedule([
      {
        accountId: request.accountId ?? 'privacy',
        kind: REQUEST_DUE,
        ref: request.id,
        dueAt: startOfDay(addDays(decision.extendedDueOn, 1), ctx.policy.locale.timeZone),
        clockId: ctx.clockId,
      },
    ]);
    const clause = ctx.policy.dataSubjectRequests.clauses?.response ?? null;
    const updated = { ...request, extendedDueOn: decision.extendedDueOn, extensionReason: input.reasons };
    await deps.eventLog.append([
      event(request, ctx, {
        type: 'dsr.extended',
        clause,
        actor: input.actor,
        cause: `request:${request.id}`,
        data: {
          request: request.id,
          months: input.months,
          dueOn: request.dueOn,
          extendedDueOn: decision.extendedDueOn,
        },
      }),
    ]);
    await mailRequester(deps, updated, ctx, {
      template: 'privacy.request_extended',
      clause,
      params: { dueOn: decision.extendedDueOn, reasons: input.reasons },
    });
    return updated;
  });
}

async function earlierCopies(deps: PrivacyDeps, request: DsrRequest): Promise<number> {
  const [row] = await deps.db.rows<{ n: number }>(sql`
    select count(*)::int as n from dsr_requests
    where subject_id = ${request.subjectId} and type = 'copy' and status = 'completed' and id <> ${request.id}`);
  return row!.n;
}

/**
 * Quotes the administrative fee for a further copy (CM-PRV-04): only for a copy that is not the first; the
 * copy is prepared only after the requester accepts it.
 */
export async function quoteFee(
  deps: PrivacyDeps,
  input: { id: string; amount: bigint; currency: string; basis: string; actor: string },
): Promise<DsrRequest> {
  return deps.db.transaction(async () => {
    const { request, ctx } = await openRequest(deps, input.id);
    if (request.type !== 'copy' || copyFeeRule(ctx.policy, await earlierCopies(deps, request)) === 'free')
      throw new AppError(privacyErrors['privacy.fee_not_applicable']);
    const fee = money(input.amount, input.currency);
    await deps.db.q.execute(sql`
      update dsr_requests set fee_amount = ${fee.amount.toString()}, fee_currency = ${fee.currency}, fee_basis = ${input.basis},
             fee_accepted_at = null, status = 'awaiting_fee'
      where id = ${request.id}`);
    const updated: DsrRequest = {
      ...request,
      status: 'awaiting_fee',
      fee: { amount: fee.amount.toString(), currency: fee.currency, basis: input.basis, acceptedAt: null },
    };
    const clause = ctx.policy.dataSubjectRequests.clauses?.access ?? null;
    await deps.eventLog.append([
      event(request, ctx, {
        type: 'dsr.fee_quoted',
        clause,
        actor: input.actor,
        cause: `request:${request.id}`,
        data: { request: request.id, amount: fee.amount.toString(), currency: fee.currency },
      }),
    ]);
    await mailRequester(deps, updated, ctx, {
      template: 'privacy.fee_quoted',
      clause,
      params: { amount: formatMoney(fee, request.locale), basis: input.basis },
    });
    return updated;
  });
}

export async function acceptFee(
  deps: PrivacyDeps,
  input: { id: string; actor: string },
): Promise<DsrRequest> {
  return deps.db.transaction(async () => {
    const { request, ctx } = await openRequest(deps, input.id);
    if (!request.fee) throw new AppError(privacyErrors['privacy.fee_not_applicable']);
    await deps.db.q.execute(
      sql`update dsr_requests set fee_accepted_at = ${ctx.now.toISOString()}, status = 'open' where id = ${request.id}`,
    );
    await deps.eventLog.append([
      event(request, ctx, {
        type: 'dsr.fee_accepted',
        clause: ctx.policy.dataSubjectRequests.clauses?.access ?? null,
        actor: input.actor,
        cause: `request:${request.id}`,
        data: { request: request.id },
      }),
    ]);
    return { ...request, status: 'open', fee: { ...request.fee, acceptedAt: ctx.now } };
  });
}

/**
 * Carries out and answers a request: access, copy and portability make the export available (a further copy
 * only after its fee was accepted, CM-PRV-04); rectification corrects the names (CM-PRV-05); erasure
 * anonymises everything the operator holds as controller except the policy's legal-hold fields (CM-PRV-06),
 * through the retention engine's own handlers, and pseudonymises the consent ledger; a restriction is lifted
 * after the requester was told (GDPR art. 18(3)). Recipients are told of a rectification, erasure or
 * restriction (GDPR art. 19) and listed in the answer. Refused while the identity check is pending.
 */
export async function completeRequest(
  deps: PrivacyDeps,
  input: { id: string; actor: string; outcome?: string },
): Promise<DsrRequest> {
  return deps.db.transaction(async () => {
    const { request, subject, ctx } = await openRequest(deps, input.id);
    if (request.identity === 'requested' || request.identity === 'failed')
      throw new AppError(privacyErrors['privacy.identity_not_verified']);
    const clauses = ctx.policy.dataSubjectRequests.clauses ?? {};
    const pl = request.locale === 'pl';
    let outcome = input.outcome ?? '';
    let clause: string | null = request.dueClause || null;
    let recipients: string | undefined;
    switch (request.type) {
      case 'copy': {
        const rule = copyFeeRule(ctx.policy, await earlierCopies(deps, request));
        if (rule === 'quote_required' && !request.fee?.acceptedAt)
          throw new AppError(privacyErrors['privacy.fee_quote_required']);
        clause = clauses.access ?? clause;
        outcome ||= pl
          ? 'Kopia danych jest gotowa do pobrania w panelu.'
          : 'Your copy is ready to download in your account.';
        break;
      }
      case 'access':
        clause = clauses.access ?? clause;
        outcome ||= pl
          ? 'Informacje o przetwarzaniu i dane są dostępne w panelu.'
          : 'The information and your data are available in your account.';
        break;
      case 'portability':
        clause = clauses.portability ?? clause;
        outcome ||= pl
          ? 'Plik z danymi jest gotowy do pobrania.'
          : 'The file with your data is ready to download.';
        break;
      case 'rectification': {
        if (!subject.accountId || !subject.userId)
          throw new AppError(privacyErrors['privacy.details_invalid'], {
            details: { reason: 'no account data to rectify' },
          });
        await deps.rectify({
          accountId: subject.accountId,
          userId: subject.userId,
          change: request.details.changes as { firstName?: string; lastName?: string },
          actor: input.actor,
        });
        recipients = await tellRecipients(deps, request, ctx, 'rectification');
        outcome ||= pl ? 'Dane zostały sprostowane.' : 'Your data have been corrected.';
        break;
      }
      case 'erasure': {
        clause = clauses.erasure ?? clause;
        await eraseSubject(deps, request, subject, ctx, input.actor);
        recipients = await tellRecipients(deps, request, ctx, 'erasure');
        const held = ctx.policy.dataSubjectRequests.legalHoldFields;
        outcome ||= pl
          ? `Dane zostały usunięte.${held.length ? ` Zachowaliśmy wyłącznie: ${held.join(', ')} (${ctx.policy.dataSubjectRequests.legalHoldReason}).` : ''}`
          : `Your data have been erased.${held.length ? ` We kept only: ${held.join(', ')} (${ctx.policy.dataSubjectRequests.legalHoldReason}).` : ''}`;
        break;
      }
      case 'restriction': {
        clause = clauses.restriction ?? clause;
        if (subject.restrictedBy !== request.id) throw new AppError(privacyErrors['privacy.not_restricted']);
        const today = localDateOf(ctx.now, ctx.policy.locale.timeZone);
        await mailRequester(deps, request, ctx, {
          template: 'privacy.restriction_ending',
          clause,
          params: { liftsOn: today },
        });
        await deps.db.q.execute(sql`
          update privacy_subjects set restricted_at = null, restricted_by = null, restriction_ends_on = null
          where id = ${subject.id}`);
        await deps.dueWork.cancel(subject.accountId ?? 'privacy', RESTRICTION_CHECK, request.id);
        if (subject.accountId) await deps.accountChanged([subject.accountId]);
        recipients = await tellRecipients(deps, request, ctx, 'restriction');
        outcome ||= pl
          ? 'Sprawa została wyjaśniona, ograniczenie zniesione.'
          : 'The matter is resolved and the restriction lifted.';
        break;
      }
      case 'objection':
        clause = clauses.objection ?? clause;
        outcome ||= pl ? 'Sprzeciw został rozpatrzony.' : 'Your objection has been considered.';
        break;
      case 'withdrawal':
        break;
    }
    return close(
      deps,
      request,
      ctx,
      input.actor,
      'completed',
      outcome,
      clause,
      recipients ? { recipients } : {},
    );
  });
}

/** Refuses a request with the reasons (an unverifiable identity, a manifestly unfounded request). */
export async function refuseRequest(
  deps: PrivacyDeps,
  input: { id: string; reason: string; actor: string },
): Promise<DsrRequest> {
  return deps.db.transaction(async () => {
    const { request, ctx } = await openRequest(deps, input.id);
    return close(deps, request, ctx, input.actor, 'refused', input.reason, request.dueClause || null);
  });
}

/**
 * GDPR art. 19: the recipients the data were disclosed to are told of a rectification, erasure or
 * restriction. The policy's recipients are its sub-processors serving every customer; the event names
 * them by id, and the answer lists them for the requester.
 */
async function tellRecipients(
  deps: PrivacyDeps,
  request: DsrRequest,
  ctx: SubjectContext,
  what: 'rectification' | 'erasure' | 'restriction',
): Promise<string | undefined> {
  const recipients = ctx.policy.processor.subProcessors.filter((s) => s.scope === 'all');
  if (recipients.length === 0) return undefined;
  await deps.eventLog.append([
    event(request, ctx, {
      type: 'dsr.recipients_notified',
      clause: null,
      actor: 'system',
      cause: `request:${request.id}`,
      data: { request: request.id, about: what, recipients: recipients.map((r) => r.id) },
    }),
  ]);
  return recipients.map((r) => r.name).join(', ');
}

/**
 * Erasure of an account holder's data (CM-PRV-06: handled as the account's deletion request): the retention
 * engine's handlers for the operator's controller data run on the account, anonymising and keeping only the
 * policy's legal-hold fields; the privacy module's own rows follow: the subject loses its address, the
 * consent ledger its IP addresses and user agents (its rows are the proof the operator keeps, CM-CKE-07),
 * the subject's requests their requester address once answered. A person without an account has only the
 * privacy module's rows. Every handler is idempotent, so a retried erasure changes nothing more.
 */
async function eraseSubject(
  deps: PrivacyDeps,
  request: DsrRequest,
  subject: Subject,
  ctx: SubjectContext,
  actor: string,
): Promise<void> {
  const keep = ctx.policy.dataSubjectRequests.legalHoldFields;
  let rows = 0;
  // Consents end with the erasure (recorded in the ledger, which stays as proof), and no marketing or
  // profiling follows, even where the address itself is kept under a legal hold.
  const granted = await deps.db.rows<{ purpose: string; basis: string }>(
    sql`select purpose, basis from consent_states where subject_id = ${subject.id} and status = 'granted'`,
  );
  for (const g of granted) {
    const purpose = ctx.policy.consents.find((p) => p.id === g.purpose);
    await appendLedger(deps, subject, {
      purpose: g.purpose,
      action: 'withdrawn',
      basis: g.basis,
      wordingVersion: purpose?.wording?.version ?? ctx.policy.version,
      wordingSha256: '',
      language: request.locale,
      channel: 'request',
      ip: null,
      userAgent: null,
      recordedBy: actor,
      requestId: request.id,
      occurredAt: ctx.now,
    });
  }
  await deps.db.q.execute(sql`
    update privacy_subjects set marketing_objected_at = coalesce(marketing_objected_at, ${ctx.now.toISOString()}),
           profiling_objected_at = coalesce(profiling_objected_at, ${ctx.now.toISOString()})
    where id = ${subject.id}`);
  if (subject.accountId) {
    const [person] = await deps.people([subject.email ?? '']);
    if (person && person.role !== 'owner') throw new AppError(privacyErrors['privacy.erasure_needs_owner']);
    const erasureClause = ctx.policy.dataSubjectRequests.clauses?.erasure ?? null;
    // CM-PRV-06: the owner's full erasure is the account's deletion: the contract ends, renewals stop, the
    // account is purged (sessions revoked, no restore); then the data go through retention's erasure, which
    // journals it, so a restored backup erases it again.
    await deps.deleteAccount({
      accountId: subject.accountId,
      actor,
      cause: `request:${request.id}`,
      clause: erasureClause,
    });
    const erased = await deps.eraseNow({
      accountIds: [subject.accountId],
      kinds: ERASED_KINDS,
      label: `dsr:${request.id}`,
      action: 'anonymise',
      keep,
      at: ctx.now,
      clause: erasureClause,
      cause: `request:${request.id}`,
    });
    for (const n of erased.rows.values()) rows += n;
  }
  rows += await pseudonymise(deps, [subject.id], keep);
  await deps.db.q.execute(
    sql`update privacy_subjects set erased_at = ${ctx.now.toISOString()} where id = ${subject.id}`,
  );
  await deps.dueWork.schedule([
    {
      accountId: subject.accountId ?? 'privacy',
      kind: ERASURE_FINISH,
      ref: request.id,
      dueAt: startOfDay(
        addDays(localDateOf(ctx.now, ctx.policy.locale.timeZone), 1),
        ctx.policy.locale.timeZone,
      ),
      clockId: ctx.clockId,
    },
  ]);
  await deps.eventLog.append([
    event(request, ctx, {
      type: 'dsr.erased',
      clause: ctx.policy.dataSubjectRequests.clauses?.erasure ?? null,
      actor,
      cause: `request:${request.id}`,
      data: { request: request.id, subject: subject.id, rows, kept: [...keep] },
    }),
  ]);
}

/**
 * The privacy module's own rows of these subjects, erased: the ledger keeps its rows without IP and user
 * agent; the address goes unless `email` is a legal-hold field; answered requests lose the requester's
 * address. Idempotent.
 */
export async function pseudonymise(
  deps: PrivacyDeps,
  subjectIds: readonly string[],
  keep: readonly string[],
): Promise<number> {
  const ids = textArray(subjectIds);
  const ledger = await deps.db.rows<{ id: string }>(sql`
    update consent_ledger set ip = null, user_agent = null
    where subject_id = any(${ids}) and (ip is not null or user_agent is not null) returning id`);
  const subjects = keep.includes('email')
    ? []
    : await deps.db.rows<{ id: string }>(sql`
        update privacy_subjects set email = null where id = any(${ids}) and email is not null returning id`);
  const requests = keep.includes('email')
    ? []
    : await deps.db.rows<{ id: string }>(sql`
        update dsr_requests set requester_email = null, statement = null
        where subject_id = any(${ids}) and closed_at is not null and requester_email is not null returning id`);
  return ledger.length + subjects.length + requests.length;
}

/** The request queue: open ones by their due day (overdue first), or all, newest first. */
export async function listRequests(
  deps: PrivacyDeps,
  filter: { status: 'open' | 'closed' | 'all'; overdueOnly?: boolean; limit: number },
): Promise<DsrRequest[]> {
  const where =
    filter.status === 'open'
      ? sql`closed_at is null`
      : filter.status === 'closed'
        ? sql`closed_at is not null`
        : sql`true`;
  const overdue = filter.overdueOnly ? sql`and overdue_at is not null and closed_at is null` : sql``;
  const rows = await deps.db.rows<Record<string, unknown>>(sql`
    select * from dsr_requests where ${where} ${overdue}
    order by coalesce(extended_due_on, due_on), received_at, id limit ${filter.limit}`);
  return rows.map(requestOf);
}

export async function requestWithHistory(
  deps: PrivacyDeps,
  id: string,
): Promise<{ request: DsrRequest; history: StoredEvent[]; identityDocuments: number }> {
  const request = await loadRequest(deps, id);
  const [docs] = await deps.db.rows<{ n: number }>(
    sql`select count(*)::int as n from dsr_identity_documents where request_id = ${id}`,
  );
  return { request, history: await deps.eventLog.list(`dsr:${id}`), identityDocuments: docs!.n };
}

export async function getRequest(deps: PrivacyDeps, id: string): Promise<DsrRequest> {
  return loadRequest(deps, id);
}

/**
 * What the operator holds about the requester (access, copy, portability: CM-PRV-04, CM-PRV-09, HT-PRV-05):
 * the account's data from its modules, the consents and their ledger, the flags and earlier requests.
 */
export async function exportOf(deps: PrivacyDeps, id: string): Promise<Record<string, unknown>> {
  const request = await loadRequest(deps, id);
  const subject = (await subjectById(deps, request.subjectId))!;
  const ledger = await deps.db.rows<Record<string, unknown>>(sql`
    select purpose, action, basis, wording_version, wording_sha256, language, channel, ip, user_agent, occurred_at
    from consent_ledger where subject_id = ${subject.id} order by id`);
  const requests = await deps.db.rows<Record<string, unknown>>(sql`
    select id, type, channel, received_at, due_on, status, closed_at from dsr_requests
    where subject_id = ${subject.id} order by received_at, id`);
  return {
    person: {
      email: subject.email,
      marketingObjectedAt: subject.marketingObjectedAt?.toISOString() ?? null,
      profilingObjectedAt: subject.profilingObjectedAt?.toISOString() ?? null,
      restricted: subject.restrictedAt !== null,
    },
    account: subject.accountId ? await deps.accountData(subject.accountId) : null,
    // CM-PRV-15: visitor data linked to the account are its personal data.
    visits: subject.accountId ? await visitorRecordsOf(deps, subject.accountId) : [],
    consents: ledger.map((r) => ({ ...r, occurred_at: new Date(r.occurred_at as string).toISOString() })),
    requests: requests.map((r) => ({
      ...r,
      received_at: new Date(r.received_at as string).toISOString(),
      closed_at: r.closed_at ? new Date(r.closed_at as string).toISOString() : null,
    })),
  };
}

/** The export as CSV: one row per value, `section,path,value`, with RFC 4180 quoting. */
export function exportCsv(data: Record<string, unknown>): string {
  const rows: string[][] = [['section', 'path', 'value']];
  const walk = (section: string, path: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        walk(section, path ? `${path}.${k}` : k, v);
      return;
    }
    rows.push([
      section,
      path,
      value === null || value === undefined
        ? ''
        : String(value instanceof Date ? value.toISOString() : value),
    ]);
  };
  for (const [section, value] of Object.entries(data)) walk(section, '', value);
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  return rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------------------------------------------
// Due work

/**
 * The overdue alarm: a request still open the day after its (possibly extended) deadline gets `overdue_at`,
 * a `dsr.overdue` event citing the deadline's clause, and a mail to the operator's privacy contact. A request
 * closed meanwhile, or extended to a later day, is left alone (the extension scheduled its own alarm).
 * Running it twice changes nothing the second time.
 */
export async function handleRequestsDue(deps: PrivacyDeps, items: DueItem[]): Promise<void> {
  for (const item of items) {
    const [row] = await deps.db.rows<Record<string, unknown>>(
      sql`select * from dsr_requests where id = ${item.ref} for update`,
    );
    if (!row) continue;
    const request = requestOf(row);
    if (request.closedAt || request.overdueAt) continue;
    const policy = deps.policyOf(row.policy_version_id as string);
    const tz = policy.locale.timeZone;
    if (localDateOf(item.firedAt, tz) <= effectiveDueOn(request)) continue;
    await deps.db.q.execute(
      sql`update dsr_requests set overdue_at = ${item.firedAt.toISOString()} where id = ${request.id}`,
    );
    const ctx: SubjectContext = {
      policy,
      policyVersionId: row.policy_version_id as string,
      clockId: item.clockId,
      now: item.firedAt,
    };
    await deps.eventLog.append([
      event(request, ctx, {
        type: 'dsr.overdue',
        clause: request.dueClause || null,
        actor: 'system',
        cause: `due:${REQUEST_DUE}`,
        data: { request: request.id, requestType: request.type, dueOn: effectiveDueOn(request) },
      }),
    ]);
    const to = policy.operator.contact.privacy ?? policy.operator.dpo?.email ?? null;
    if (to)
      await deps.notifications.send([
        {
          accountId: null,
          recipient: to,
          locale: policy.locale.defaultLanguage,
          template: 'privacy.request_overdue',
          clause: request.dueClause || null,
          dedupeKey: `dsr_overdue:${request.id}`,
          occurredAt: item.firedAt,
          params: {
            requestType: typeNames[request.type][policy.locale.defaultLanguage],
            reference: request.id,
            dueOn: effectiveDueOn(request),
          },
        },
      ]);
  }
}

/** A contested-accuracy restriction past its longest length (CM-PRV-07): still in force → an alarm. */
export async function handleRestrictionChecks(deps: PrivacyDeps, items: DueItem[]): Promise<void> {
  for (const item of items) {
    const [row] = await deps.db.rows<Record<string, unknown>>(
      sql`select * from dsr_requests where id = ${item.ref}`,
    );
    if (!row) continue;
    const request = requestOf(row);
    const subject = await subjectById(deps, request.subjectId);
    if (!subject || subject.restrictedBy !== request.id) continue;
    const policy = deps.policyOf(row.policy_version_id as string);
    await deps.eventLog.append([
      {
        chainId: `dsr:${request.id}`,
        type: 'dsr.restriction_overdue',
        clause: policy.dataSubjectRequests.clauses?.restriction ?? null,
        actor: 'system',
        cause: `due:${RESTRICTION_CHECK}`,
        occurredAt: item.firedAt,
        data: { request: request.id, endsOn: subject.restrictionEndsOn },
      },
    ]);
  }
}

/**
 * After an erasure: the answer to the requester has been delivered, so its copy in the outbox goes too (the
 * outbox handler leaves undelivered mails alone and is run again here); comes back a day later while one
 * is still waiting.
 */
export async function handleErasureFinish(deps: PrivacyDeps, items: DueItem[]): Promise<void> {
  for (const item of items) {
    const [row] = await deps.db.rows<Record<string, unknown>>(
      sql`select * from dsr_requests where id = ${item.ref}`,
    );
    if (!row) continue;
    const policy = deps.policyOf(row.policy_version_id as string);
    let waiting = false;
    if (row.account_id === null) {
      // A person without an account: their mails carry no account, so they are found by address.
      const [subject] = await deps.db.rows<{ email_hash: string }>(
        sql`select email_hash from privacy_subjects where id = ${row.subject_id as string}`,
      );
      waiting = (await deps.forgetRecipient(subject!.email_hash)).pending > 0;
    } else
      waiting =
        (
          await deps.eraseNow({
            accountIds: [item.accountId],
            kinds: ['messages'],
            label: `dsr:${item.ref}`,
            action: 'anonymise',
            keep: policy.dataSubjectRequests.legalHoldFields,
            at: item.firedAt,
            clause: policy.dataSubjectRequests.clauses?.erasure ?? null,
            cause: `due:${ERASURE_FINISH}`,
          })
        ).waiting.length > 0;
    await pseudonymise(deps, [row.subject_id as string], policy.dataSubjectRequests.legalHoldFields);
    if (waiting)
      await deps.dueWork.schedule([
        {
          accountId: item.accountId,
          kind: ERASURE_FINISH,
          ref: item.ref,
          dueAt: new Date(item.firedAt.getTime() + 86_400_000),
          clockId: item.clockId,
        },
      ]);
  }
}

/**
 * CM-PRV-07: while processing of a person of the account is restricted, the account's functions that would
 * process the data are off: a restriction of the whole account in its entitlements (login, reading and
 * export stay; features and limits go), the same mechanism as an operator's restriction, until lifted.
 */
export async function restrictionsInForce(
  deps: PrivacyDeps,
  accountId: string,
): Promise<RestrictionInForce[]> {
  const rows = await deps.db.rows<{ restricted_by: string; restricted_at: Date | string }>(sql`
    select restricted_by, restricted_at from privacy_subjects
    where account_id = ${accountId} and restricted_at is not null and restricted_by is not null
    order by restricted_at, id`);
  if (rows.length === 0) return [];
  const policy = deps.policyOf((await deps.accountOf(accountId)).policyVersionId);
  return rows.map((r) => ({
    actionId: r.restricted_by,
    scope: 'account',
    resourceId: null,
    access: 'restricted',
    ground: 'processing_restricted',
    clause: policy.dataSubjectRequests.clauses?.restriction ?? 'GDPR art. 18',
    since: new Date(r.restricted_at),
  }));
}

export { typeNames as requestTypeNames };
