/**
 * Pure rules of the provider's duties as processor: the art. 28(3) agreement's life (QU-PRC-01), written
 * instructions from authorised persons (QU-PRC-04), the customer's declaration before it collects special
 * categories of data (CM-PRC-05) and integrations that move data only while switched on (CM-PRC-08).
 */
import { addDays, type LocalDate } from '../../platform/calendar.ts';

export type DpaFacts = {
  /** The contract's conclusion: the processing agreement is concluded with it (QU-PRC-01, art. 10.4). */
  concludedOn: LocalDate;
  /** The contract's last day; null while it runs. */
  contractEndsOn: LocalDate | null;
  /** When the deletion certificate (QU-PRC-12) was stored; null until then. */
  deletionCertifiedOn: LocalDate | null;
};

export type DpaState = 'none' | 'active' | 'deleting' | 'closed';

/**
 * Where the processing agreement stands on `today` (QU-PRC-01, art. 10.18): active from the conclusion to the
 * contract's last day, then `deleting` until the deletion certificate is stored — it lapses only then, however
 * late — and closed after that.
 */
export function dpaState(facts: DpaFacts, today: LocalDate): DpaState {
  if (today < facts.concludedOn) return 'none';
  if (facts.contractEndsOn === null || today <= facts.contractEndsOn) return 'active';
  if (facts.deletionCertifiedOn !== null && facts.deletionCertifiedOn <= today) return 'closed';
  return 'deleting';
}

/** The last day the deletion may be certified (QU-PRC-12: 30 days after the end), null while the contract runs. */
export function deletionDueOn(facts: DpaFacts, deletionMaxDays: number): LocalDate | null {
  return facts.contractEndsOn === null ? null : addDays(facts.contractEndsOn, deletionMaxDays);
}

export type Instruction = {
  channel: 'email' | 'letter' | 'phone' | 'chat' | 'form';
  /** The sender's e-mail address (for e-mail) or name (for a letter). */
  from: string;
  extendsPurpose: boolean;
};

/**
 * How an instruction about processing is taken (QU-PRC-04, art. 10.8): one that extends the purpose is accepted
 * only in writing — a letter, or an e-mail between authorised persons; from anyone not in the customer's
 * register of authorised persons it is logged as unverified and not executed; by phone or chat it is refused.
 */
export function instructionVerdict(
  instruction: Instruction,
  authorisedPersons: readonly string[],
): { verdict: 'accepted' | 'unverified' | 'not_written'; execute: boolean; clause: 'QU-PRC-04' } {
  const written = instruction.channel === 'email' || instruction.channel === 'letter';
  if (instruction.extendsPurpose && !written)
    return { verdict: 'not_written', execute: false, clause: 'QU-PRC-04' };
  const sender = instruction.from.trim().toLowerCase();
  const known = authorisedPersons.some((person) => person.trim().toLowerCase() === sender);
  return known
    ? { verdict: 'accepted', execute: true, clause: 'QU-PRC-04' }
    : { verdict: 'unverified', execute: false, clause: 'QU-PRC-04' };
}

export type RegistrationField = {
  label: string;
  /** What the customer marked the field as collecting (GDPR art. 9, art. 10, children's data); null: none. */
  sensitive: 'special_category' | 'criminal' | 'children' | null;
};

export type SensitiveDataDeclaration = {
  /** The customer declares it has the consents or legal basis required. */
  hasBasis: boolean;
  /** …and considers the provider's security measures sufficient. */
  measuresSufficient: boolean;
  recordedAt: Date;
};

/**
 * Why a registration form may not be published at `at` (CM-PRC-05): it has a field collecting special-category,
 * criminal or children's data and the customer's declaration (both statements) was not recorded by then.
 */
export function formPublishProblem(
  fields: readonly RegistrationField[],
  declaration: SensitiveDataDeclaration | null,
  at: Date,
): { problem: 'declaration_required'; fields: string[]; clause: 'CM-PRC-05' } | null {
  const sensitive = fields.filter((field) => field.sensitive !== null).map((field) => field.label);
  if (sensitive.length === 0) return null;
  const valid =
    declaration?.hasBasis === true &&
    declaration.measuresSufficient &&
    declaration.recordedAt.getTime() <= at.getTime();
  return valid ? null : { problem: 'declaration_required', fields: sensitive, clause: 'CM-PRC-05' };
}

/**
 * Whether an integration may move the customer's data at `at` (CM-PRC-08): only while the customer's latest
 * switch at or before `at` turned it on. Switching it off stops every transfer from that instant.
 */
export function integrationMayTransfer(switches: readonly { on: boolean; at: Date }[], at: Date): boolean {
  const latest = switches
    .filter((change) => change.at.getTime() <= at.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .at(-1);
  return latest?.on === true;
}
