import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { type LocalDate, localDateOf } from '../../platform/calendar.ts';
import { textArray } from '../../platform/db/bulk.ts';
import { AppError } from '../../platform/errors.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import type { Policy } from '../../policy/index.ts';
import { isEeaCountry } from '../../policy/iso-codes.ts';
import { type CustomerFacts, type ProcessorsDeps, REGISTRY_CHAIN } from './processors-context.ts';
import { processorsErrors } from './processors-errors.ts';
import {
  type CustomerEntry,
  changeTiming,
  customerRegistry,
  decideObjectionOutcome,
  decideObjectionTiming,
  missingObjectionFields,
  type RegistryEntry,
} from './processors-rules.ts';
import { checkIntegrationTransfers } from './recipients.ts';

const code = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case code: letters, digits, _');

/** A new sub-processor the operator announces (a new one, or the replacement of a current one). */
export const NewSubProcessor = z.strictObject({
  id: code.max(60),
  name: z.string().trim().min(1).max(200),
  address: z.string().trim().min(1).max(500).nullable(),
  purpose: z.strictObject({ pl: z.string().trim().min(1).max(500), en: z.string().trim().min(1).max(500) }),
  location: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code'),
  safeguard: z.enum(['adequacy', 'scc', 'eea']),
  scope: z.string().regex(/^(all|integration:[a-z][a-z0-9_]*)$/, '"all" or "integration:<id>"'),
  effectiveOn: z.iso.date(),
  /** The sub-processing agreement imposing the DPA's duties is on file (BK-PRC-13). */
  agreementRecorded: z.boolean(),
  replacesId: code.max(60).optional(),
  /** Announce on this test clock, to the customers living by it (sandbox). */
  testClockId: z.string().max(60).optional(),
});
export type NewSubProcessor = z.infer<typeof NewSubProcessor>;

export type Objection = {
  id: string;
  accountId: string;
  subProcessorId: string;
  changeId: string | null;
  receivedAt: Date;
  justification: string | null;
  documentation: string | null;
  status: 'pending' | 'upheld' | 'rejected';
  decidedAt: Date | null;
  decisionReason: string | null;
  consequence: string | null;
};

function entryOf(r: Record<string, unknown>): RegistryEntry {
  return {
    id: r.id as string,
    name: r.name as string,
    address: (r.address as string | null) ?? null,
    purpose: { pl: r.purpose_pl as string, en: r.purpose_en as string },
    location: r.location as string,
    safeguard: r.safeguard as RegistryEntry['safeguard'],
    scope: r.scope as string,
    effectiveOn: (r.effective_on as string | null) ?? null,
    agreementRecordedAt: r.agreement_recorded_at ? new Date(r.agreement_recorded_at as string) : null,
    changeId: (r.change_id as string | null) ?? null,
    replacesId: (r.replaces_id as string | null) ?? null,
  };
}

function objectionOf(r: Record<string, unknown>): Objection {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    subProcessorId: r.sub_processor_id as string,
    changeId: (r.change_id as string | null) ?? null,
    receivedAt: new Date(r.received_at as string),
    justification: (r.justification as string | null) ?? null,
    documentation: (r.documentation as string | null) ?? null,
    status: r.status as Objection['status'],
    decidedAt: r.decided_at ? new Date(r.decided_at as string) : null,
    decisionReason: (r.decision_reason as string | null) ?? null,
    consequence: (r.consequence as string | null) ?? null,
  };
}

/**
 * Puts the policy's sub-processors into the registry, once: an entry already there (seeded before or managed
 * by the operator since) is left as it is. Runs at start-up; entries added are evidenced.
 */
export async function seedRegistry(deps: ProcessorsDeps): Promise<number> {
  const { policy } = deps.current();
  const now = deps.clock.now();
  let added = 0;
  await deps.db.transaction(async () => {
    for (const s of policy.processor.subProcessors) {
      const rows = await deps.db.rows<{ id: string }>(sql`
        insert into sub_processors (id, name, address, purpose_pl, purpose_en, location, safeguard, scope,
          effective_on, agreement_recorded_at, source, created_at)
        values (${s.id}, ${s.name}, ${s.address}, ${s.purpose.pl}, ${s.purpose.en}, ${s.location}, ${s.safeguard},
          ${s.scope}, null, ${s.agreementRecorded ? now.toISOString() : null}, 'policy', ${now.toISOString()})
        on conflict (id) do nothing returning id`);
      added += rows.length;
    }
    if (added > 0) {
      await deps.eventLog.appendOne({
        chainId: REGISTRY_CHAIN,
        type: 'processors.registry_seeded',
        clause: policy.processor.clauses.subProcessors ?? null,
        actor: 'system',
        occurredAt: now,
        data: { added, listed: policy.processor.subProcessors.length },
      });
    }
  });
  return added;
}

async function allEntries(deps: ProcessorsDeps): Promise<RegistryEntry[]> {
  const rows = await deps.db.rows<Record<string, unknown>>(sql`
    select s.*, c.id as change_id, c.replaces_id
    from sub_processors s left join sub_processor_changes c on c.sub_processor_id = s.id
    order by (s.source = 'policy') desc, s.created_at, s.id`);
  return rows.map(entryOf);
}

/** The whole registry, as the operator manages it. */
export async function listRegistry(deps: ProcessorsDeps): Promise<RegistryEntry[]> {
  return allEntries(deps);
}

/**
 * The public list: every sub-processor of the registry with the customers it applies to (all, or those
 * with an integration on) and the day it takes effect (CM-PRV-14's recipients; QU-PRC-10's full list).
 */
export async function publicRegistry(deps: ProcessorsDeps): Promise<RegistryEntry[]> {
  return (await allEntries(deps)).filter((e) => e.agreementRecordedAt !== null);
}

async function integrationsOf(deps: ProcessorsDeps, accountId: string): Promise<Set<string>> {
  const rows = await deps.db.rows<{ integration: string }>(sql`
    select integration from account_integrations where account_id = ${accountId} and enabled`);
  return new Set(rows.map((r) => r.integration));
}

/**
 * The sub-processors that process this customer's data today on its clock (QU-PRC-10, BK-PRC-10): for
 * every customer, plus those of the integrations it switched on; new ones as announced until its objection
 * window has run; blocked ones marked. Reading it is not evidenced (it changes nothing).
 */
export async function customerSubProcessors(
  deps: ProcessorsDeps,
  accountId: string,
): Promise<{ accountId: string; asOf: LocalDate; clause: string | null; subProcessors: CustomerEntry[] }> {
  const customer = await deps.customerOf(accountId);
  const policy = deps.policyOf(customer.policyVersionId);
  const now = await deps.timeOf(customer.clockId);
  const today = localDateOf(now, policy.locale.timeZone);
  const notices = await deps.db.rows<{
    change_id: string;
    objection_until: string | null;
    applies_from: string;
  }>(
    sql`select change_id, objection_until, applies_from from sub_processor_notices where account_id = ${accountId}`,
  );
  const objections = await deps.db.rows<{ sub_processor_id: string; status: Objection['status'] }>(sql`
    select sub_processor_id, status from sub_processor_objections
    where account_id = ${accountId} and status <> 'rejected' order by received_at`);
  const view = customerRegistry(await allEntries(deps), {
    today,
    integrations: await integrationsOf(deps, accountId),
    notices: new Map(
      notices.map((n) => [n.change_id, { objectionUntil: n.objection_until, appliesFrom: n.applies_from }]),
    ),
    objections: new Map(objections.map((o) => [o.sub_processor_id, o.status])),
  });
  return {
    accountId,
    asOf: today,
    clause: policy.processor.clauses.subProcessors ?? null,
    subProcessors: view.filter((e) => e.agreementRecordedAt !== null),
  };
}

/**
 * A customer switches an integration on or off; sub-processors scoped to it then apply to its data or stop
 * (QU-PRC-10: sending via Bird adds MessageBird; BK-PRC-10: Google Calendar adds Google). Evidenced.
 */
export async function setIntegration(
  deps: ProcessorsDeps,
  input: { accountId: string; integration: string; enabled: boolean; actor: string },
): Promise<{ integration: string; enabled: boolean; changedAt: Date }> {
  const customer = await deps.customerOf(input.accountId);
  const policy = deps.policyOf(customer.policyVersionId);
  const now = await deps.timeOf(customer.clockId);
  // CM-PRV-14: no data flow to a recipient outside the EEA before its transfer basis is recorded.
  if (input.enabled) await checkIntegrationTransfers(deps, input.integration);
  return deps.db.transaction(async () => {
    await deps.db.q.execute(sql`
      insert into account_integrations (account_id, integration, enabled, changed_at)
      values (${input.accountId}, ${input.integration}, ${input.enabled}, ${now.toISOString()})
      on conflict (account_id, integration) do update set enabled = excluded.enabled, changed_at = excluded.changed_at`);
    await deps.db.q.execute(sql`
      insert into account_integration_switches (account_id, integration, at, seq, enabled, actor)
      select ${input.accountId}::text, ${input.integration}::text, ${now.toISOString()}::timestamptz,
             coalesce(max(seq), 0) + 1, ${input.enabled}::boolean, ${input.actor}::text
      from account_integration_switches
      where account_id = ${input.accountId} and integration = ${input.integration}`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'processors.integration_switched',
      clause: policy.processor.clauses.subProcessors ?? null,
      actor: input.actor,
      occurredAt: now,
      data: { integration: input.integration, enabled: input.enabled },
    });
    return { integration: input.integration, enabled: input.enabled, changedAt: now };
  });
}

/**
 * The history of a customer's switches of one integration, oldest first (CM-PRC-08): the entrusted-data
 * module checks each data transfer against it.
 */
export async function integrationSwitches(
  deps: ProcessorsDeps,
  accountId: string,
  integration: string,
): Promise<{ on: boolean; at: Date }[]> {
  const rows = await deps.db.rows<{ enabled: boolean; at: Date | string }>(sql`
    select enabled, at from account_integration_switches
    where account_id = ${accountId} and integration = ${integration} order by seq`);
  return rows.map((r) => ({ on: r.enabled, at: new Date(r.at) }));
}

function checkSafeguard(input: { location: string; safeguard: string }): void {
  const inEea = isEeaCountry(input.location);
  if (inEea !== (input.safeguard === 'eea')) {
    throw new AppError(processorsErrors['processors.invalid_safeguard'], {
      details: { location: input.location, expected: inEea ? 'eea' : 'adequacy | scc' },
    });
  }
}

function phrase(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The operator adds a sub-processor (or replaces one) and announces it. Refused before its sub-processing
 * agreement is recorded (BK-PRC-13) and with a safeguard that does not fit its country. Each customer it
 * would reach (every customer in contract, or those with its integration on) gets a notice mail with its own
 * objection window from its policy and its clock (QU-PRC-11: 3 business days from deemed delivery; BK-PRC-11:
 * 14 days from sending); the registry change and every notice are evidenced. All or nothing.
 */
export async function announceSubProcessor(
  deps: ProcessorsDeps,
  input: NewSubProcessor & { actor: string },
): Promise<{ subProcessor: RegistryEntry; changeId: string; notified: number }> {
  const operatorPolicy = deps.current().policy;
  checkSafeguard(input);
  if (!input.agreementRecorded) {
    throw new AppError(processorsErrors['processors.agreement_missing'], { details: { id: input.id } });
  }
  const clockId = input.testClockId ?? null;
  const now = await deps.timeOf(clockId);
  const today = localDateOf(now, operatorPolicy.locale.timeZone);
  if (input.effectiveOn < today) {
    throw new AppError(processorsErrors['processors.effective_in_past'], { details: { today } });
  }
  const changeId = deps.ids.next('spc');
  return deps.db.transaction(async () => {
    if (input.replacesId) {
      const [old] = await deps.db.rows(sql`select id from sub_processors where id = ${input.replacesId}`);
      if (!old) {
        throw new AppError(processorsErrors['processors.sub_processor_not_found'], {
          details: { id: input.replacesId },
        });
      }
    }
    const inserted = await deps.db.rows<{ id: string }>(sql`
      insert into sub_processors (id, name, address, purpose_pl, purpose_en, location, safeguard, scope,
        effective_on, agreement_recorded_at, source, created_at)
      values (${input.id}, ${input.name}, ${input.address}, ${input.purpose.pl}, ${input.purpose.en},
        ${input.location}, ${input.safeguard}, ${input.scope}, ${input.effectiveOn}, ${now.toISOString()},
        ${input.actor}, ${now.toISOString()})
      on conflict (id) do nothing returning id`);
    if (inserted.length === 0) {
      throw new AppError(processorsErrors['processors.sub_processor_exists'], { details: { id: input.id } });
    }
    await deps.db.q.execute(sql`
      insert into sub_processor_changes (id, sub_processor_id, kind, replaces_id, effective_on, announced_at, announced_by)
      values (${changeId}, ${input.id}, ${input.replacesId ? 'replace' : 'add'}, ${input.replacesId ?? null},
        ${input.effectiveOn}, ${now.toISOString()}, ${input.actor})`);

    const customers = (await deps.customersInContract()).filter((c) => c.clockId === clockId);
    const reached = await customersInScope(deps, customers, input.scope);
    const contacts = new Map(
      (await deps.contactsOf(reached.map((c) => c.accountId))).map((c) => [c.accountId, c]),
    );
    const events: NewEvent[] = [];
    for (const customer of reached) {
      const policy = deps.policyOf(customer.policyVersionId);
      const sentAt = await deps.timeOf(customer.clockId);
      const timing = changeTiming(policy, { sentAt, effectiveOn: input.effectiveOn });
      const clause = policy.processor.clauses.subProcessorChanges ?? null;
      const contact = contacts.get(customer.accountId);
      let messageId: string | null = null;
      if (contact) {
        const locale = contact.locale;
        const [id] = await deps.notifications.send([
          {
            accountId: customer.accountId,
            recipient: contact.email,
            locale,
            template: 'processors.change_notice',
            clause,
            dedupeKey: `sub_processor_change:${changeId}:${customer.accountId}`,
            occurredAt: sentAt,
            params: {
              subProcessor: phrase(input.name),
              purpose: phrase(input.purpose[locale]),
              location: input.location,
              appliesFrom: timing.appliesFrom,
              objectionUntil:
                timing.objectionUntil ?? (locale === 'pl' ? 'brak prawa sprzeciwu' : 'no objection right'),
              registryUrl: `${deps.portalUrl}/accounts/${customer.accountId}/sub-processors`,
            },
          },
        ]);
        messageId = id ?? null;
      }
      await deps.db.q.execute(sql`
        insert into sub_processor_notices (change_id, account_id, clock_id, policy_version_id, sent_at, counts_from,
          objection_until, applies_from, message_id)
        values (${changeId}, ${customer.accountId}, ${customer.clockId}, ${customer.policyVersionId},
          ${sentAt.toISOString()}, ${timing.countsFrom}, ${timing.objectionUntil}, ${timing.appliesFrom}, ${messageId})`);
      events.push({
        chainId: customer.accountId,
        type: 'processors.change_notified',
        clause,
        actor: input.actor,
        cause: changeId,
        occurredAt: sentAt,
        data: {
          changeId,
          subProcessorId: input.id,
          countsFrom: timing.countsFrom,
          objectionUntil: timing.objectionUntil,
          appliesFrom: timing.appliesFrom,
        },
      });
    }
    events.unshift({
      chainId: REGISTRY_CHAIN,
      type: 'processors.sub_processor_added',
      clause:
        operatorPolicy.processor.clauses.subProcessorChanges ??
        operatorPolicy.processor.clauses.subProcessors ??
        null,
      actor: input.actor,
      cause: changeId,
      occurredAt: now,
      data: {
        changeId,
        subProcessorId: input.id,
        replacesId: input.replacesId ?? null,
        scope: input.scope,
        location: input.location,
        safeguard: input.safeguard,
        effectiveOn: input.effectiveOn,
        notified: reached.length,
      },
    });
    await deps.eventLog.append(events);
    const [entry] = (await allEntries(deps)).filter((e) => e.id === input.id);
    return { subProcessor: entry!, changeId, notified: reached.length };
  });
}

async function customersInScope(
  deps: ProcessorsDeps,
  customers: CustomerFacts[],
  scope: string,
): Promise<CustomerFacts[]> {
  if (scope === 'all' || customers.length === 0) return customers;
  const integration = scope.slice('integration:'.length);
  const rows = await deps.db.rows<{ account_id: string }>(sql`
    select account_id from account_integrations
    where integration = ${integration} and enabled and account_id = any(${textArray(customers.map((c) => c.accountId))})`);
  const on = new Set(rows.map((r) => r.account_id));
  return customers.filter((c) => on.has(c.accountId));
}

/**
 * A customer objects to a sub-processor, on its clock. Against a newly announced one the objection must
 * arrive by the last day of its window (the last day accepted, the next refused: QU-PRC-11, BK-PRC-11);
 * against a current one only where a justified objection ends the sub-entrustment (BK-PRC-12). Under
 * BK's terms it must be justified and documented. An accepted objection blocks at once. Evidenced.
 */
export async function objectToSubProcessor(
  deps: ProcessorsDeps,
  input: {
    accountId: string;
    subProcessorId: string;
    justification: string | null;
    documentation: string | null;
    actor: string;
  },
): Promise<Objection> {
  const customer = await deps.customerOf(input.accountId);
  const policy = deps.policyOf(customer.policyVersionId);
  const now = await deps.timeOf(customer.clockId);
  const receivedOn = localDateOf(now, policy.locale.timeZone);
  const view = await customerSubProcessors(deps, input.accountId);
  const entry = view.subProcessors.find((e) => e.id === input.subProcessorId);
  if (!entry) {
    throw new AppError(processorsErrors['processors.sub_processor_not_found'], {
      details: { id: input.subProcessorId },
    });
  }
  const [notice] = entry.changeId
    ? await deps.db.rows<{ objection_until: string | null }>(sql`
        select objection_until from sub_processor_notices
        where change_id = ${entry.changeId} and account_id = ${input.accountId}`)
    : [];
  const timing = decideObjectionTiming(policy, {
    receivedOn,
    objectionUntil: notice?.objection_until ?? null,
    hasNotice: notice !== undefined,
  });
  if (!timing.accepted) {
    if (timing.reason === 'not_offered')
      throw new AppError(processorsErrors['processors.objections_not_offered']);
    throw new AppError(processorsErrors['processors.objection_late'], {
      details: { lastDay: timing.lastDay ?? '—', receivedOn },
    });
  }
  const missing = missingObjectionFields(policy, input);
  if (missing.length > 0) {
    throw new AppError(processorsErrors['processors.objection_incomplete'], {
      details: { missing: missing.join(', '), fields: missing },
    });
  }
  const id = deps.ids.next('spo');
  return deps.db.transaction(async () => {
    const open = await deps.db.rows(sql`
      select id from sub_processor_objections
      where account_id = ${input.accountId} and sub_processor_id = ${input.subProcessorId} and status <> 'rejected'
      for update`);
    if (open.length > 0) {
      throw new AppError(processorsErrors['processors.objection_exists'], {
        details: { id: input.subProcessorId },
      });
    }
    const changeId = notice ? entry.changeId : null;
    const [row] = await deps.db.rows<Record<string, unknown>>(sql`
      insert into sub_processor_objections (id, account_id, sub_processor_id, change_id, received_at, justification,
        documentation, status, created_by)
      values (${id}, ${input.accountId}, ${input.subProcessorId}, ${changeId}, ${now.toISOString()},
        ${input.justification}, ${input.documentation}, 'pending', ${input.actor})
      returning *`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'processors.objection_received',
      clause: timing.clause,
      actor: input.actor,
      cause: id,
      occurredAt: now,
      data: {
        objectionId: id,
        subProcessorId: input.subProcessorId,
        changeId,
        receivedOn,
        objectionUntil: notice?.objection_until ?? null,
      },
    });
    return objectionOf(row!);
  });
}

/**
 * The operator decides an objection (BK-PRC-12; QU-PRC-11 with A21): upheld, the sub-processor is kept away
 * from that customer's data, and where the service cannot run without it the terms' consequence is recorded
 * (the customer may terminate, or the provider may stop the service); rejected, with its reason, only where
 * the objection had to be justified. Evidenced on the customer's chain.
 */
export async function decideObjection(
  deps: ProcessorsDeps,
  input: {
    objectionId: string;
    outcome: 'upheld' | 'rejected';
    reason: string | null;
    serviceImpossible: boolean;
    actor: string;
  },
): Promise<Objection> {
  return deps.db.transaction(async () => {
    const [row] = await deps.db.rows<Record<string, unknown>>(
      sql`select * from sub_processor_objections where id = ${input.objectionId} for update`,
    );
    if (!row) {
      throw new AppError(processorsErrors['processors.objection_not_found'], {
        details: { id: input.objectionId },
      });
    }
    const objection = objectionOf(row);
    if (objection.status !== 'pending') {
      throw new AppError(processorsErrors['processors.objection_decided'], { details: { id: objection.id } });
    }
    const customer = await deps.customerOf(objection.accountId);
    const policy: Policy = deps.policyOf(customer.policyVersionId);
    const now = await deps.timeOf(customer.clockId);
    const decision = decideObjectionOutcome(policy, input);
    if (!decision.ok) {
      throw new AppError(
        decision.reason === 'binding'
          ? processorsErrors['processors.objection_binding']
          : processorsErrors['processors.reason_required'],
      );
    }
    const [updated] = await deps.db.rows<Record<string, unknown>>(sql`
      update sub_processor_objections
      set status = ${decision.status}, decided_at = ${now.toISOString()}, decision_reason = ${input.reason},
          consequence = ${decision.consequence}
      where id = ${objection.id} returning *`);
    const [entry] = await deps.db.rows<{ name: string }>(
      sql`select name from sub_processors where id = ${objection.subProcessorId}`,
    );
    const clause =
      policy.processor.clauses.subProcessorObjection ?? policy.processor.clauses.subProcessorChanges ?? null;
    const [contact] = await deps.contactsOf([objection.accountId]);
    if (contact) {
      const outcome = outcomeWords[contact.locale];
      await deps.notifications.send([
        {
          accountId: objection.accountId,
          recipient: contact.email,
          locale: contact.locale,
          template: 'processors.objection_decided',
          clause,
          dedupeKey: `sub_processor_objection:${objection.id}`,
          occurredAt: now,
          params: {
            subProcessor: phrase(entry?.name ?? objection.subProcessorId),
            outcome: outcome[decision.consequence ?? 'rejected'],
            reason: phrase(input.reason ?? outcome.noReason),
          },
        },
      ]);
    }
    await deps.eventLog.appendOne({
      chainId: objection.accountId,
      type: 'processors.objection_decided',
      clause:
        policy.processor.clauses.subProcessorObjection ??
        policy.processor.clauses.subProcessorChanges ??
        null,
      actor: input.actor,
      cause: objection.id,
      occurredAt: now,
      data: {
        objectionId: objection.id,
        subProcessorId: objection.subProcessorId,
        status: decision.status,
        consequence: decision.consequence,
      },
    });
    return objectionOf(updated!);
  });
}

const outcomeWords = {
  pl: {
    blocked: 'uwzględniony – podmiot nie przetwarza Twoich danych',
    customer_may_terminate:
      'uwzględniony – bez tego podmiotu nie możemy świadczyć usługi, możesz wypowiedzieć umowę ze zwrotem proporcjonalnej części opłaty',
    provider_may_stop_service:
      'uwzględniony – bez tego podmiotu nie możemy świadczyć usługi i możemy ją zakończyć, zwracając niewykorzystaną opłatę',
    rejected: 'odrzucony',
    noReason: 'sprzeciw wpłynął w terminie',
  },
  en: {
    blocked: 'upheld: it does not process your data',
    customer_may_terminate:
      'upheld: we cannot provide the service without it, so you may terminate with a pro-rata refund',
    provider_may_stop_service:
      'upheld: we cannot provide the service without it and may end it, refunding unused prepaid fees',
    rejected: 'rejected',
    noReason: 'the objection arrived in time',
  },
} as const;

/** Objections, newest first: of one customer, or all (the operator's queue), optionally only pending ones. */
export async function listObjections(
  deps: ProcessorsDeps,
  filter: { accountId?: string; pendingOnly?: boolean },
): Promise<Objection[]> {
  const byAccount = filter.accountId ? sql`and account_id = ${filter.accountId}` : sql``;
  const pending = filter.pendingOnly ? sql`and status = 'pending'` : sql``;
  const rows = await deps.db.rows<Record<string, unknown>>(sql`
    select * from sub_processor_objections where true ${byAccount} ${pending} order by received_at desc, id desc`);
  return rows.map(objectionOf);
}
