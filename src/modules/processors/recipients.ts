/**
 * The register of recipients (CM-PRV-14): who receives personal data from the operator — processors,
 * independent controllers such as payment institutions and ad platforms, authorities, affiliates — with
 * where they are and on what transfer basis. A recipient outside the EEA gets no data until its basis is
 * recorded (an adequacy decision or standard contractual clauses, with the document's date): until then
 * the integration that would send it data cannot be switched on. The public list joins the register and
 * the policy's sub-processors. Every change is evidenced on the registry chain.
 */
import { eq, sql } from 'drizzle-orm';
import { AppError, defineErrors } from '../../platform/errors.ts';
import { isEeaCountry } from '../../policy/iso-codes.ts';
import { type ProcessorsDeps, REGISTRY_CHAIN } from './processors-context.ts';
import { recipients } from './processors-schema.ts';

export const recipientErrors = defineErrors({
  'processors.transfer_basis_missing': {
    status: 409,
    en: 'Data cannot flow to {names} outside the EEA until an adequacy decision or standard contractual clauses are recorded.',
    pl: 'Dane nie mogą trafić do {names} spoza EOG, dopóki nie zostanie zapisana decyzja stwierdzająca odpowiedni stopień ochrony albo standardowe klauzule umowne.',
  },
  'processors.recipient_not_found': { status: 404, en: 'No such recipient.', pl: 'Nie ma takiego odbiorcy.' },
  'processors.basis_not_for_eea': {
    status: 400,
    en: 'A recipient in the EEA needs no transfer basis; one outside it needs "adequacy" or "scc".',
    pl: 'Odbiorca w EOG nie wymaga podstawy przekazania; spoza EOG wymaga „adequacy” albo „scc”.',
  },
});

export type RecipientKind = 'processor' | 'independent_controller' | 'authority' | 'affiliate';
export type Recipient = {
  id: string;
  name: string;
  kind: RecipientKind;
  purpose: { pl: string; en: string };
  location: string;
  integration: string | null;
  transferBasis: 'eea' | 'adequacy' | 'scc' | null;
  basisReference: string | null;
  basisDate: string | null;
  /** Data may flow: in the EEA, or its basis recorded. */
  transfersAllowed: boolean;
  addedAt: Date;
};

function recipientOf(r: typeof recipients.$inferSelect): Recipient {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    purpose: { pl: r.purposePl, en: r.purposeEn },
    location: r.location,
    integration: r.integration,
    transferBasis: r.transferBasis,
    basisReference: r.basisReference,
    basisDate: r.basisDate,
    transfersAllowed: r.transferBasis !== null,
    addedAt: r.addedAt,
  };
}

function clauseOf(deps: ProcessorsDeps): string | null {
  return deps.current().policy.processor.clauses.subProcessors ?? null;
}

export async function addRecipient(
  deps: ProcessorsDeps,
  input: {
    name: string;
    kind: RecipientKind;
    purpose: { pl: string; en: string };
    location: string;
    integration: string | null;
    basis: { kind: 'adequacy' | 'scc'; reference: string; date: string } | null;
    actor: string;
  },
): Promise<Recipient> {
  const location = input.location.toUpperCase();
  const inEea = isEeaCountry(location);
  if (inEea && input.basis) throw new AppError(recipientErrors['processors.basis_not_for_eea']);
  const now = deps.clock.now();
  const id = deps.ids.next('rcp');
  const basis = inEea ? 'eea' : (input.basis?.kind ?? null);
  return deps.db.transaction(async () => {
    const [row] = await deps.db.q
      .insert(recipients)
      .values({
        id,
        name: input.name.trim(),
        kind: input.kind,
        purposePl: input.purpose.pl,
        purposeEn: input.purpose.en,
        location,
        integration: input.integration,
        transferBasis: basis,
        basisReference: input.basis?.reference ?? null,
        basisDate: input.basis?.date ?? null,
        addedAt: now,
        addedBy: input.actor,
      })
      .returning();
    await deps.eventLog.appendOne({
      chainId: REGISTRY_CHAIN,
      type: 'processors.recipient_added',
      clause: clauseOf(deps),
      actor: input.actor,
      cause: id,
      occurredAt: now,
      data: {
        recipient: id,
        kind: input.kind,
        location,
        integration: input.integration,
        transferBasis: basis,
      },
    });
    return recipientOf(row!);
  });
}

/** Records the transfer basis of a recipient outside the EEA (an adequacy decision, or SCCs with their date). */
export async function recordTransferBasis(
  deps: ProcessorsDeps,
  input: { id: string; basis: 'adequacy' | 'scc'; reference: string; date: string; actor: string },
): Promise<Recipient> {
  const [current] = await deps.db.q.select().from(recipients).where(eq(recipients.id, input.id));
  if (!current) throw new AppError(recipientErrors['processors.recipient_not_found']);
  if (isEeaCountry(current.location)) throw new AppError(recipientErrors['processors.basis_not_for_eea']);
  const now = deps.clock.now();
  return deps.db.transaction(async () => {
    const [row] = await deps.db.q
      .update(recipients)
      .set({ transferBasis: input.basis, basisReference: input.reference, basisDate: input.date })
      .where(eq(recipients.id, input.id))
      .returning();
    await deps.eventLog.appendOne({
      chainId: REGISTRY_CHAIN,
      type: 'processors.transfer_basis_recorded',
      clause: clauseOf(deps),
      actor: input.actor,
      cause: input.id,
      occurredAt: now,
      data: { recipient: input.id, transferBasis: input.basis, basisDate: input.date },
    });
    return recipientOf(row!);
  });
}

export async function listRecipients(deps: ProcessorsDeps): Promise<Recipient[]> {
  const rows = await deps.db.q
    .select()
    .from(recipients)
    .orderBy(sql`${recipients.addedAt}, ${recipients.id}`);
  return rows.map(recipientOf);
}

/** Refuses when data would flow to a recipient of this integration that has no transfer basis (CM-PRV-14). */
export async function checkIntegrationTransfers(deps: ProcessorsDeps, integration: string): Promise<void> {
  const blocked = (await deps.db.q.select().from(recipients).where(eq(recipients.integration, integration)))
    .filter((r) => r.transferBasis === null)
    .map((r) => r.name);
  if (blocked.length > 0)
    throw new AppError(recipientErrors['processors.transfer_basis_missing'], {
      details: { names: blocked.join(', '), integration },
    });
}
