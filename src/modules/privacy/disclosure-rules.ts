/**
 * Pure rules of disclosing personal data to third parties: personal data are never sold (MOC-PRV-03,
 * HT-PRV-06); a public authority gets data only on a written, reasoned request about an individual case
 * (CM-PRV-13); an acquirer only when bound to the same protection standard (MOC-PRV-03); a partner only
 * non-identifying data for marketing unless the people consented (HT-PRV-06). A permitted disclosure
 * yields the record to log before any data leave: requester, legal ground, data scope, date.
 */
import type { LocalDate } from '../../platform/calendar.ts';

export type DisclosureRecipient =
  | 'authority'
  | 'acquirer'
  | 'processor'
  | 'service_delivery'
  | 'partner'
  | 'buyer';

/** The fields that identify a person: none of them may go to a partner for marketing without consent. */
export const identifyingFields = [
  'name',
  'email',
  'phone',
  'address',
  'ip_address',
  'account_id',
  'company_tax_id',
] as const;

export type DisclosureRequest = {
  recipient: DisclosureRecipient;
  requester: string;
  /** The law or contract the disclosure rests on (e.g. "art. 20c ustawy o Policji"). */
  legalGround: string | null;
  /** The requester's reference (case number, letter id). */
  reference: string | null;
  written: boolean;
  reasoned: boolean;
  /** The people concerned, by account or contact id; empty: the request names nobody (a query). */
  subjects: string[];
  /** The fields to disclose. */
  fields: string[];
  /** For an acquirer: the signed commitment to the same standard of protection. */
  boundToSameStandard: boolean;
  /** For a partner: every person concerned consented to the transfer. */
  subjectsConsented: boolean;
  receivedOn: LocalDate;
};

export type DisclosureRefusal =
  | { reason: 'sale_forbidden'; clause: 'MOC-PRV-03' | 'HT-PRV-06' }
  | { reason: 'not_written_or_reasoned'; clause: 'CM-PRV-13' }
  | { reason: 'not_individual_case'; clause: 'CM-PRV-13' }
  | { reason: 'missing_legal_ground'; clause: 'CM-PRV-13' | 'MOC-PRV-03' }
  | { reason: 'acquirer_not_bound'; clause: 'MOC-PRV-03' }
  | { reason: 'identifying_data_to_partner'; fields: string[]; clause: 'HT-PRV-06' }
  | { reason: 'nothing_to_disclose'; clause: 'MOC-PRV-03' };

export type DisclosureRecord = {
  recipient: DisclosureRecipient;
  requester: string;
  legalGround: string | null;
  reference: string | null;
  subjects: string[];
  fields: string[];
  disclosedOn: LocalDate;
  clause: 'CM-PRV-13' | 'MOC-PRV-03' | 'HT-PRV-06';
};

/**
 * The decision on a disclosure request: a refusal, or the record that must be logged before the data leave.
 * `clauseOf` names the seed's clause for a permitted disclosure (the operator's policy decides which applies).
 */
export function decideDisclosure(
  request: DisclosureRequest,
  clause: DisclosureRecord['clause'],
): { refused: DisclosureRefusal } | { record: DisclosureRecord } {
  const saleClause = clause === 'HT-PRV-06' ? 'HT-PRV-06' : 'MOC-PRV-03';
  if (request.recipient === 'buyer') return { refused: { reason: 'sale_forbidden', clause: saleClause } };
  if (request.fields.length === 0)
    return { refused: { reason: 'nothing_to_disclose', clause: 'MOC-PRV-03' } };
  if (request.recipient === 'authority') {
    if (!request.written || !request.reasoned) {
      return { refused: { reason: 'not_written_or_reasoned', clause: 'CM-PRV-13' } };
    }
    if (request.subjects.length === 0)
      return { refused: { reason: 'not_individual_case', clause: 'CM-PRV-13' } };
    if (!request.legalGround) return { refused: { reason: 'missing_legal_ground', clause: 'CM-PRV-13' } };
  }
  if (request.recipient === 'acquirer' && !request.boundToSameStandard) {
    return { refused: { reason: 'acquirer_not_bound', clause: 'MOC-PRV-03' } };
  }
  if (request.recipient === 'partner' && !request.subjectsConsented) {
    const identifying = request.fields.filter((field) =>
      (identifyingFields as readonly string[]).includes(field),
    );
    if (identifying.length > 0) {
      return { refused: { reason: 'identifying_data_to_partner', fields: identifying, clause: 'HT-PRV-06' } };
    }
  }
  if (!request.legalGround && request.recipient !== 'partner') {
    return { refused: { reason: 'missing_legal_ground', clause: 'MOC-PRV-03' } };
  }
  return {
    record: {
      recipient: request.recipient,
      requester: request.requester,
      legalGround: request.legalGround,
      reference: request.reference,
      subjects: [...request.subjects],
      fields: [...request.fields],
      disclosedOn: request.receivedOn,
      clause,
    },
  };
}
