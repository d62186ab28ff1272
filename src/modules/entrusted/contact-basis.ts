/**
 * Pure rules of a contact's legal basis as the customer declares it (QU-PRC-15), of an art. 18 restriction
 * (QU-PRC-08) and of the basis a customer must record before profiling (QU-PRC-14). Functions of facts and
 * the day they are asked about; the use cases that store the facts apply them.
 */
import { addDays, type LocalDate } from '../../platform/calendar.ts';

export const contactBases = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interests',
  'public_task',
  'legitimate_interest',
] as const;

export type ContactBasis = {
  basis:
    | 'consent'
    | 'contract'
    | 'legal_obligation'
    | 'vital_interests'
    | 'public_task'
    | 'legitimate_interest'
    /** None declared for the contact itself: the customer's general declaration (QU art. 10.2) covers it. */
    | null;
  /** The last day a consent covers; null: it does not expire (or the basis is not consent). */
  consentExpiresOn: LocalDate | null;
  /** The day the person withdrew consent or objected; from that day the basis is gone. */
  objectedOn: LocalDate | null;
  /** The day an art. 18 restriction was found justified; from that day only storage is allowed. */
  restrictedOn: LocalDate | null;
};

export type Processing = 'storage' | 'send' | 'profiling' | 'export' | 'edit';

export type ContactStanding =
  | { standing: 'active' }
  | { standing: 'restricted'; since: LocalDate; clause: 'QU-PRC-08' }
  | {
      standing: 'basis_lapsed';
      since: LocalDate;
      reason: 'consent_expired' | 'objection';
      clause: 'QU-PRC-15';
    };

/**
 * Where the contact stands on `today`: its basis lapsed the day after the consent's last day or on the day of
 * an objection (the earlier wins); restricted from the day a restriction was found justified. A lapsed
 * basis outranks a restriction: such a contact is to be deleted, not just kept.
 */
export function contactStanding(contact: ContactBasis, today: LocalDate): ContactStanding {
  const lapses: { since: LocalDate; reason: 'consent_expired' | 'objection' }[] = [];
  if (contact.basis === 'consent' && contact.consentExpiresOn !== null) {
    lapses.push({ since: addDays(contact.consentExpiresOn, 1), reason: 'consent_expired' });
  }
  if (contact.objectedOn !== null) lapses.push({ since: contact.objectedOn, reason: 'objection' });
  const lapsed = lapses
    .filter((lapse) => lapse.since <= today)
    .sort((a, b) => (a.since < b.since ? -1 : 1))[0];
  if (lapsed) return { standing: 'basis_lapsed', ...lapsed, clause: 'QU-PRC-15' };
  if (contact.restrictedOn !== null && contact.restrictedOn <= today) {
    return { standing: 'restricted', since: contact.restrictedOn, clause: 'QU-PRC-08' };
  }
  return { standing: 'active' };
}

/**
 * Whether `processing` of the contact is allowed on `today`: a restricted contact only stays stored; a contact
 * whose basis lapsed is only stored until the customer deletes it from its queue.
 */
export function mayProcess(contact: ContactBasis, processing: Processing, today: LocalDate): boolean {
  return processing === 'storage' || contactStanding(contact, today).standing === 'active';
}

/** The customer's "basis lapsed – delete" queue on `today`: the contacts whose basis is gone, oldest first. */
export function lapsedQueue<T extends ContactBasis & { id: string }>(
  contacts: T[],
  today: LocalDate,
): { id: string; since: LocalDate; reason: 'consent_expired' | 'objection' }[] {
  return contacts
    .flatMap((contact) => {
      const standing = contactStanding(contact, today);
      return standing.standing === 'basis_lapsed'
        ? [{ id: contact.id, since: standing.since, reason: standing.reason }]
        : [];
    })
    .sort((a, b) => (a.since === b.since ? a.id.localeCompare(b.id) : a.since < b.since ? -1 : 1));
}

export type ProfilingBasis = { basis: 'consent' | 'legitimate_interest'; recordedOn: LocalDate } | null;

/**
 * Whether a customer may enable a profiling feature (segmentation or scoring on personal data) on `today`
 * (QU-PRC-14): only once it recorded a basis of consent or an overriding legitimate interest, on or before then.
 */
export function profilingRefusal(
  basis: ProfilingBasis,
  today: LocalDate,
): { reason: 'no_profiling_basis'; clause: 'QU-PRC-14' } | null {
  if (basis !== null && basis.recordedOn <= today) return null;
  return { reason: 'no_profiling_basis', clause: 'QU-PRC-14' };
}
