import { sql } from 'drizzle-orm';
import { type LocalDate, localDateOf } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import { accountNow, type EntrustedDeps } from './entrusted-context.ts';
import { processableOn } from './entrusted-store.ts';
import {
  type DpaState,
  deletionDueOn,
  dpaState,
  formPublishProblem,
  type Instruction,
  instructionVerdict,
  integrationMayTransfer,
  type RegistrationField,
} from './processor-duties.ts';

/**
 * The provider's duties as processor, as records: the art. 28(3) processing agreement (QU-PRC-01), the
 * register of authorised persons and the instruction log (QU-PRC-04), compliance notices (QU-PRC-09),
 * registration forms with sensitive fields and the customer's declaration (CM-PRC-05), and data moved by
 * integrations (CM-PRC-08). The rules are in processor-duties.ts.
 */

export type Agreement = {
  accountId: string;
  state: DpaState;
  concludedAt: Date;
  concludedOn: LocalDate;
  contractEndsOn: LocalDate | null;
  /** The last day the deletion of all entrusted data may be certified (QU-PRC-12); null while the contract runs. */
  deletionDueOn: LocalDate | null;
  deletionCertifiedAt: Date | null;
  certificate: Record<string, unknown> | null;
  clause: string | null;
};

type AgreementRow = {
  concluded_at: Date | string;
  deletion_certified_at: Date | string | null;
  certificate: Record<string, unknown> | null;
};

/**
 * The account's processing agreement, concluded with the contract (QU-PRC-01, art. 10.4): the record is made,
 * with the conclusion's own time, the first time the agreement is needed after the contract was concluded
 * (reading it, a deletion certificate), and evidenced then. Refused while no contract is concluded.
 */
async function agreementRow(
  deps: EntrustedDeps,
  accountId: string,
  now: Date,
  clause: string | null,
): Promise<AgreementRow> {
  const [row] = await deps.db.rows<AgreementRow>(sql`
    select concluded_at, deletion_certified_at, certificate from entrusted_agreements
    where account_id = ${accountId} for update`);
  if (row) return row;
  const contract = await deps.contractOf(accountId);
  if (!contract.concludedAt) throw new AppError('entrusted.agreement_not_concluded');
  const concludedAt = contract.concludedAt;
  const [made] = await deps.db.rows<AgreementRow>(sql`
    insert into entrusted_agreements (account_id, concluded_at, created_at)
    values (${accountId}, ${concludedAt.toISOString()}, ${now.toISOString()})
    on conflict (account_id) do nothing
    returning concluded_at, deletion_certified_at, certificate`);
  if (!made) return agreementRow(deps, accountId, now, clause);
  await deps.eventLog.appendOne({
    chainId: accountId,
    type: 'entrusted.processing_agreement_concluded',
    clause,
    actor: 'system',
    cause: 'contract_concluded',
    occurredAt: concludedAt,
    data: { concludedAt: concludedAt.toISOString(), basis: 'GDPR art. 28(3)' },
  });
  return made;
}

export async function processingAgreement(deps: EntrustedDeps, accountId: string): Promise<Agreement> {
  const { policy, now } = await accountNow(deps, accountId);
  const clause = policy.processor.clauses.processingAgreement ?? null;
  const tz = policy.locale.timeZone;
  return deps.db.transaction(async () => {
    const row = await agreementRow(deps, accountId, now, clause);
    const contract = await deps.contractOf(accountId);
    const concludedAt = new Date(row.concluded_at);
    const certifiedAt = row.deletion_certified_at ? new Date(row.deletion_certified_at) : null;
    const facts = {
      concludedOn: localDateOf(concludedAt, tz),
      // The contract ends at the start of the day after its last day.
      contractEndsOn: contract.endedAt ? localDateOf(new Date(contract.endedAt.getTime() - 1), tz) : null,
      deletionCertifiedOn: certifiedAt ? localDateOf(certifiedAt, tz) : null,
    };
    const days = policy.processor.deletionAfterEndDays;
    return {
      accountId,
      state: dpaState(facts, localDateOf(now, tz)),
      concludedAt,
      concludedOn: facts.concludedOn,
      contractEndsOn: facts.contractEndsOn,
      deletionDueOn: days === null || days === undefined ? null : deletionDueOn(facts, days),
      deletionCertifiedAt: certifiedAt,
      certificate: row.certificate,
      clause,
    };
  });
}

/**
 * The operator stores the certificate that all entrusted data of an ended contract are deleted (QU-PRC-12);
 * only then the processing agreement closes (QU-PRC-01, art. 10.18). Refused while the contract runs or
 * while any contact, activity or custom field of the account remains.
 */
export async function certifyDeletion(
  deps: EntrustedDeps,
  input: { accountId: string; actor: string },
): Promise<Agreement> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const clause = policy.processor.clauses.processingAgreement ?? null;
  await deps.db.transaction(async () => {
    const row = await agreementRow(deps, input.accountId, now, clause);
    if (row.deletion_certified_at) return;
    const contract = await deps.contractOf(input.accountId);
    if (!contract.endedAt || contract.endedAt.getTime() > now.getTime())
      throw new AppError('entrusted.certificate_refused', {
        details: { reason: 'the contract has not ended' },
      });
    const [left] = await deps.db.rows<{ contacts: number; activities: number; custom_fields: number }>(sql`
      select (select count(*) from entrusted_contacts where account_id = ${input.accountId})::int as contacts,
             (select count(*) from entrusted_activity where account_id = ${input.accountId})::int as activities,
             (select count(*) from entrusted_custom_fields where account_id = ${input.accountId})::int as custom_fields`);
    if (left && left.contacts + left.activities + left.custom_fields > 0)
      throw new AppError('entrusted.certificate_refused', {
        details: { reason: 'entrusted data remain', ...left },
      });
    const certificate = {
      contractEndedAt: contract.endedAt.toISOString(),
      verifiedAt: now.toISOString(),
      remaining: { contacts: 0, activities: 0, customFields: 0 },
      certifiedBy: input.actor,
    };
    await deps.db.q.execute(sql`
      update entrusted_agreements set deletion_certified_at = ${now.toISOString()},
        certified_by = ${input.actor}, certificate = ${JSON.stringify(certificate)}::jsonb
      where account_id = ${input.accountId}`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.deletion_certified',
      clause: policy.processor.clauses.deletionAfterEnd ?? null,
      actor: input.actor,
      occurredAt: now,
      data: { contractEndedAt: certificate.contractEndedAt },
    });
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.processing_agreement_closed',
      clause,
      actor: input.actor,
      occurredAt: now,
      data: {},
    });
  });
  return processingAgreement(deps, input.accountId);
}

/** The customer's register of persons authorised to give instructions (QU-PRC-04), replaced as a whole. */
export async function setAuthorisedPersons(
  deps: EntrustedDeps,
  input: { accountId: string; persons: readonly string[]; actor: string },
): Promise<{ persons: string[] }> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const persons = [
    ...new Set(input.persons.map((p) => p.trim().toLowerCase()).filter((p) => p !== '')),
  ].sort();
  return deps.db.transaction(async () => {
    await deps.db.q.execute(
      sql`delete from entrusted_authorised_persons where account_id = ${input.accountId}`,
    );
    for (const person of persons)
      await deps.db.q.execute(sql`
        insert into entrusted_authorised_persons (account_id, person, added_at, added_by)
        values (${input.accountId}, ${person}, ${now.toISOString()}, ${input.actor})`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.authorised_persons_set',
      clause: policy.processor.clauses.writtenInstructions ?? null,
      actor: input.actor,
      occurredAt: now,
      data: { count: persons.length },
    });
    return { persons };
  });
}

export async function authorisedPersons(deps: EntrustedDeps, accountId: string): Promise<string[]> {
  const rows = await deps.db.rows<{ person: string }>(sql`
    select person from entrusted_authorised_persons where account_id = ${accountId} order by person`);
  return rows.map((r) => r.person);
}

export type InstructionRecord = {
  id: string;
  channel: Instruction['channel'];
  sender: string;
  extendsPurpose: boolean;
  summary: string;
  receivedAt: Date;
  verdict: 'accepted' | 'unverified' | 'not_written' | 'infringing';
  executedAt: Date | null;
};

type InstructionRow = {
  id: string;
  channel: Instruction['channel'];
  sender: string;
  extends_purpose: boolean;
  summary: string;
  received_at: Date | string;
  verdict: InstructionRecord['verdict'];
  executed_at: Date | string | null;
};

function toInstruction(r: InstructionRow): InstructionRecord {
  return {
    id: r.id,
    channel: r.channel,
    sender: r.sender,
    extendsPurpose: r.extends_purpose,
    summary: r.summary,
    receivedAt: new Date(r.received_at),
    verdict: r.verdict,
    executedAt: r.executed_at ? new Date(r.executed_at) : null,
  };
}

/**
 * The operator logs an instruction received from the customer (QU-PRC-04, art. 10.8) with its verdict: from
 * a person in the register, in writing where it extends the purpose, it is accepted; otherwise it is logged
 * as unverified (or not in writing) and never executed.
 */
export async function logInstruction(
  deps: EntrustedDeps,
  input: {
    accountId: string;
    instruction: Instruction & { summary: string; receivedAt: Date };
    actor: string;
  },
): Promise<InstructionRecord> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const i = input.instruction;
  if (i.receivedAt.getTime() > now.getTime())
    throw new AppError('request.invalid', { details: { field: 'receivedAt', rule: 'not in the future' } });
  const id = deps.ids.next('ins');
  return deps.db.transaction(async () => {
    const verdict = instructionVerdict(i, await authorisedPersons(deps, input.accountId));
    await deps.db.q.execute(sql`
      insert into entrusted_instructions (account_id, id, channel, sender, extends_purpose, summary,
                                          received_at, verdict, recorded_by)
      values (${input.accountId}, ${id}, ${i.channel}, ${i.from.trim()}, ${i.extendsPurpose}, ${i.summary},
              ${i.receivedAt.toISOString()}, ${verdict.verdict}, ${input.actor})`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.instruction_logged',
      clause: policy.processor.clauses.writtenInstructions ?? null,
      actor: input.actor,
      occurredAt: now,
      data: {
        instructionId: id,
        channel: i.channel,
        extendsPurpose: i.extendsPurpose,
        verdict: verdict.verdict,
        receivedAt: i.receivedAt.toISOString(),
      },
    });
    return (await instructionsOf(deps, input.accountId, id))[0]!;
  });
}

export async function instructionsOf(
  deps: EntrustedDeps,
  accountId: string,
  id?: string,
): Promise<InstructionRecord[]> {
  const rows = await deps.db.rows<InstructionRow>(sql`
    select id, channel, sender, extends_purpose, summary, received_at, verdict, executed_at
    from entrusted_instructions where account_id = ${accountId} ${id ? sql`and id = ${id}` : sql``}
    order by received_at, id`);
  return rows.map(toInstruction);
}

/** The operator carries out an accepted instruction; any other verdict is refused (QU-PRC-04, QU-PRC-09). */
export async function executeInstruction(
  deps: EntrustedDeps,
  input: { accountId: string; instructionId: string; actor: string },
): Promise<InstructionRecord> {
  const { policy, now } = await accountNow(deps, input.accountId);
  return deps.db.transaction(async () => {
    const [row] = await deps.db.rows<InstructionRow>(sql`
      select id, channel, sender, extends_purpose, summary, received_at, verdict, executed_at
      from entrusted_instructions where account_id = ${input.accountId} and id = ${input.instructionId}
      for update`);
    if (!row) throw new AppError('entrusted.instruction_not_found', { details: { id: input.instructionId } });
    if (row.verdict !== 'accepted')
      throw new AppError('entrusted.instruction_not_executable', {
        details: {
          id: input.instructionId,
          verdict: row.verdict,
          clause:
            row.verdict === 'infringing'
              ? (policy.processor.clauses.infringementNotice ?? null)
              : (policy.processor.clauses.writtenInstructions ?? null),
        },
      });
    if (row.executed_at) return toInstruction(row);
    await deps.db.q.execute(sql`
      update entrusted_instructions set executed_at = ${now.toISOString()}
      where account_id = ${input.accountId} and id = ${input.instructionId}`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.instruction_executed',
      clause: policy.processor.clauses.writtenInstructions ?? null,
      actor: input.actor,
      occurredAt: now,
      data: { instructionId: input.instructionId },
    });
    return (await instructionsOf(deps, input.accountId, input.instructionId))[0]!;
  });
}

export type ComplianceNotice = {
  id: string;
  finding: string;
  instructionId: string | null;
  foundAt: Date;
  notifiedAt: Date;
  recipients: number;
};

/**
 * The provider found that the customer, or one of its instructions, infringes the GDPR (QU-PRC-09, art. 10.16:
 * "niezwłocznie", art. 28(3)(h)): the finding is recorded and the customer is mailed at once, in the same
 * transaction (the outbox), so the notice is logged when the finding is; an instruction named is marked
 * infringing and is not executed.
 */
export async function recordComplianceFinding(
  deps: EntrustedDeps,
  input: { accountId: string; finding: string; instructionId?: string; actor: string },
): Promise<ComplianceNotice> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const clause = policy.processor.clauses.infringementNotice ?? null;
  const id = deps.ids.next('cmp');
  const tz = policy.locale.timeZone;
  return deps.db.transaction(async () => {
    if (input.instructionId) {
      const [row] = await deps.db.rows<{ id: string }>(sql`
        update entrusted_instructions set verdict = 'infringing'
        where account_id = ${input.accountId} and id = ${input.instructionId} and executed_at is null
        returning id`);
      if (!row) {
        const exists = await instructionsOf(deps, input.accountId, input.instructionId);
        if (exists.length === 0)
          throw new AppError('entrusted.instruction_not_found', { details: { id: input.instructionId } });
      }
    }
    const recipients = await deps.contactsOf([input.accountId]);
    await deps.notifications.send(
      recipients.map((r) => ({
        accountId: input.accountId,
        recipient: r.email,
        locale: r.locale,
        template: 'entrusted.compliance_notice' as const,
        clause,
        dedupeKey: `entrusted_compliance:${id}:${r.email}`,
        occurredAt: now,
        params: {
          reference: id,
          foundAt: new Intl.DateTimeFormat(r.locale === 'pl' ? 'pl-PL' : 'en-GB', {
            dateStyle: 'long',
            timeZone: tz,
          }).format(now),
          finding: input.finding.replace(/\s+/g, ' ').trim(),
          instruction: input.instructionId ?? (r.locale === 'pl' ? 'brak' : 'none'),
        },
      })),
    );
    await deps.db.q.execute(sql`
      insert into entrusted_compliance_notices (account_id, id, finding, instruction_id, found_at,
                                                notified_at, recipients, recorded_by)
      values (${input.accountId}, ${id}, ${input.finding}, ${input.instructionId ?? null}, ${now.toISOString()},
              ${now.toISOString()}, ${recipients.length}, ${input.actor})`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.compliance_notice_sent',
      clause,
      actor: input.actor,
      occurredAt: now,
      data: { noticeId: id, instructionId: input.instructionId ?? null, recipients: recipients.length },
    });
    return {
      id,
      finding: input.finding,
      instructionId: input.instructionId ?? null,
      foundAt: now,
      notifiedAt: now,
      recipients: recipients.length,
    };
  });
}

export async function complianceNotices(deps: EntrustedDeps, accountId: string): Promise<ComplianceNotice[]> {
  const rows = await deps.db.rows<{
    id: string;
    finding: string;
    instruction_id: string | null;
    found_at: Date | string;
    notified_at: Date | string;
    recipients: number;
  }>(sql`
    select id, finding, instruction_id, found_at, notified_at, recipients from entrusted_compliance_notices
    where account_id = ${accountId} order by found_at, id`);
  return rows.map((r) => ({
    id: r.id,
    finding: r.finding,
    instructionId: r.instruction_id,
    foundAt: new Date(r.found_at),
    notifiedAt: new Date(r.notified_at),
    recipients: r.recipients,
  }));
}

export type Form = {
  id: string;
  name: string;
  fields: RegistrationField[];
  createdAt: Date;
  publishedAt: Date | null;
};

type FormRow = {
  id: string;
  name: string;
  fields: RegistrationField[];
  created_at: Date | string;
  published_at: Date | string | null;
};

const toForm = (r: FormRow): Form => ({
  id: r.id,
  name: r.name,
  fields: r.fields,
  createdAt: new Date(r.created_at),
  publishedAt: r.published_at ? new Date(r.published_at) : null,
});

/** The customer drafts a registration form (its fields, some perhaps marked as collecting sensitive data). */
export async function createForm(
  deps: EntrustedDeps,
  input: { accountId: string; name: string; fields: RegistrationField[]; actor: string },
): Promise<Form> {
  const { now } = await accountNow(deps, input.accountId);
  const id = deps.ids.next('frm');
  return deps.db.transaction(async () => {
    await deps.db.q.execute(sql`
      insert into entrusted_forms (account_id, id, name, fields, created_at)
      values (${input.accountId}, ${id}, ${input.name}, ${JSON.stringify(input.fields)}::jsonb, ${now.toISOString()})`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.form_created',
      actor: input.actor,
      occurredAt: now,
      data: { formId: id, sensitiveFields: input.fields.filter((f) => f.sensitive !== null).length },
    });
    return toForm({ id, name: input.name, fields: input.fields, created_at: now, published_at: null });
  });
}

/** The customer declares it has the basis for sensitive data and finds the measures sufficient (CM-PRC-05). */
export async function recordSensitiveDeclaration(
  deps: EntrustedDeps,
  input: { accountId: string; hasBasis: boolean; measuresSufficient: boolean; actor: string },
): Promise<{ id: string; hasBasis: boolean; measuresSufficient: boolean; recordedAt: Date }> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const id = deps.ids.next('dcl');
  return deps.db.transaction(async () => {
    await deps.db.q.execute(sql`
      insert into entrusted_sensitive_declarations (account_id, id, has_basis, measures_sufficient,
                                                    recorded_at, recorded_by)
      values (${input.accountId}, ${id}, ${input.hasBasis}, ${input.measuresSufficient}, ${now.toISOString()},
              ${input.actor})`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.sensitive_data_declared',
      clause: policy.processor.clauses.sensitiveDeclaration ?? null,
      actor: input.actor,
      occurredAt: now,
      data: { declarationId: id, hasBasis: input.hasBasis, measuresSufficient: input.measuresSufficient },
    });
    return { id, hasBasis: input.hasBasis, measuresSufficient: input.measuresSufficient, recordedAt: now };
  });
}

/**
 * The customer publishes a form. One with a field collecting special-category, criminal or children's data
 * publishes only once the customer's latest declaration, with both statements, is stored (CM-PRC-05).
 */
export async function publishForm(
  deps: EntrustedDeps,
  input: { accountId: string; formId: string; actor: string },
): Promise<Form> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const clause = policy.processor.clauses.sensitiveDeclaration ?? null;
  return deps.db.transaction(async () => {
    const [row] = await deps.db.rows<FormRow>(sql`
      select id, name, fields, created_at, published_at from entrusted_forms
      where account_id = ${input.accountId} and id = ${input.formId} for update`);
    if (!row) throw new AppError('entrusted.form_not_found', { details: { id: input.formId } });
    if (row.published_at) return toForm(row);
    const [declared] = await deps.db.rows<{
      has_basis: boolean;
      measures_sufficient: boolean;
      recorded_at: Date | string;
    }>(sql`
      select has_basis, measures_sufficient, recorded_at from entrusted_sensitive_declarations
      where account_id = ${input.accountId} order by recorded_at desc, id desc limit 1`);
    const problem = formPublishProblem(
      row.fields,
      declared
        ? {
            hasBasis: declared.has_basis,
            measuresSufficient: declared.measures_sufficient,
            recordedAt: new Date(declared.recorded_at),
          }
        : null,
      now,
    );
    if (problem)
      throw new AppError('entrusted.declaration_required', {
        details: { fields: problem.fields.join(', '), sensitiveFields: problem.fields, clause },
      });
    await deps.db.q.execute(sql`
      update entrusted_forms set published_at = ${now.toISOString()}
      where account_id = ${input.accountId} and id = ${input.formId}`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: 'entrusted.form_published',
      clause: row.fields.some((f) => f.sensitive !== null) ? clause : null,
      actor: input.actor,
      occurredAt: now,
      data: { formId: input.formId },
    });
    return toForm({ ...row, published_at: now });
  });
}

export type Transfer = {
  id: string;
  integration: string;
  direction: 'export' | 'import';
  outcome: 'ran' | 'refused';
  contacts: number;
  requestedAt: Date;
};

/**
 * An integration moves the customer's data now: its contacts out to a CRM (those that may be processed), or
 * an address book in (`contacts` counted by the caller). Only while the customer's latest switch of that
 * integration turned it on (CM-PRC-08); otherwise the transfer is refused, and the refusal is recorded and
 * evidenced before the error is returned.
 */
export async function runTransfer(
  deps: EntrustedDeps,
  input: {
    accountId: string;
    integration: string;
    direction: 'export' | 'import';
    contacts?: number;
    actor: string;
  },
): Promise<Transfer> {
  const { policy, now } = await accountNow(deps, input.accountId);
  const clause = policy.processor.clauses.integrations ?? null;
  const id = deps.ids.next('trf');
  const switches = await deps.integrationSwitches(input.accountId, input.integration);
  const allowed = integrationMayTransfer(switches, now);
  const transfer = await deps.db.transaction(async () => {
    let contacts = 0;
    if (allowed) {
      if (input.direction === 'export') {
        const today = localDateOf(now, policy.locale.timeZone);
        const [row] = await deps.db.rows<{ n: number }>(sql`
          select count(*)::int as n from entrusted_contacts c
          where c.account_id = ${input.accountId} and ${processableOn(today)}`);
        contacts = row?.n ?? 0;
      } else contacts = input.contacts ?? 0;
    }
    const outcome = allowed ? 'ran' : 'refused';
    await deps.db.q.execute(sql`
      insert into entrusted_transfers (account_id, id, integration, direction, requested_at, outcome,
                                       contacts, requested_by)
      values (${input.accountId}, ${id}, ${input.integration}, ${input.direction}, ${now.toISOString()},
              ${outcome}, ${contacts}, ${input.actor})`);
    await deps.eventLog.appendOne({
      chainId: input.accountId,
      type: allowed ? 'entrusted.transfer_ran' : 'entrusted.transfer_refused',
      clause,
      actor: input.actor,
      occurredAt: now,
      data: { transferId: id, integration: input.integration, direction: input.direction, contacts },
    });
    return {
      id,
      integration: input.integration,
      direction: input.direction,
      outcome,
      contacts,
      requestedAt: now,
    } satisfies Transfer;
  });
  if (!allowed)
    throw new AppError('entrusted.integration_off', {
      details: { integration: input.integration, transferId: id, clause },
    });
  return transfer;
}
