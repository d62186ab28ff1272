import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  addDays,
  addMonths,
  calendarMonthOrDays,
  epochDayOf,
  type LocalDate,
  localDateOf,
  makeBusinessCalendar,
} from '../../platform/calendar.ts';
import { sha256Hex } from '../../platform/ids.ts';
import type { ConsentPurpose, Policy } from '../../policy/index.ts';

/**
 * Pure rules of the controller side of privacy: consent wording and proof, whether a message may go to a
 * person right now, request deadlines, extensions, copy fees and restriction limits. Functions of the
 * policy, the facts and `now`; no I/O.
 */

export const requestTypes = [
  'access',
  'copy',
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'portability',
  'withdrawal',
] as const;
export type RequestType = (typeof requestTypes)[number];

export const messageClasses = ['transactional', 'marketing'] as const;
export type MessageClass = (typeof messageClasses)[number];

export type ConsentStatus = 'granted' | 'withdrawn' | 'expired';

/** The wording a person agreed to, as the ledger proves it: its version and the SHA-256 of the exact text. */
export type Wording = { purpose: string; version: string; text: string; sha256: string };

export function purposeOf(policy: Policy, purposeId: string): ConsentPurpose | null {
  return policy.consents.find((p) => p.id === purposeId) ?? null;
}

/** The text shown for `purpose` in `language` and its proof (the purpose's name when the policy gives no wording). */
export function wordingOf(policy: Policy, purpose: ConsentPurpose, language: 'pl' | 'en'): Wording {
  const text = purpose.wording ? purpose.wording.text[language] : purpose.name[language];
  return {
    purpose: purpose.id,
    version: purpose.wording?.version ?? policy.version,
    text,
    sha256: sha256Hex(text),
  };
}

/**
 * Whether marketing of `purpose` may reach a person now. Consent purposes need a recorded, unwithdrawn
 * consent (CM-CKE-05: no tick, no mail); soft opt-in purposes reach customers until they opt out or the
 * soft opt-in ends (QU-CNS-01/02), and never a person without an account. An objection to direct marketing
 * stops all of it (CM-PRV-08).
 */
export function marketingVerdict(input: {
  purpose: ConsentPurpose;
  state: ConsentStatus | null;
  isCustomer: boolean;
  marketingObjected: boolean;
}): { ok: true } | { ok: false; reason: SuppressionReason } {
  if (input.state === 'withdrawn') return { ok: false, reason: 'consent_withdrawn' };
  if (input.state === 'expired') return { ok: false, reason: 'soft_opt_in_ended' };
  if (input.marketingObjected) return { ok: false, reason: 'marketing_objection' };
  if (input.state === 'granted') return { ok: true };
  if (input.purpose.basis === 'soft_opt_in' && input.isCustomer) return { ok: true };
  if (input.purpose.basis === 'legitimate_interest') return { ok: true };
  return { ok: false, reason: 'no_consent' };
}

export type SuppressionReason =
  | 'no_consent'
  | 'consent_withdrawn'
  | 'soft_opt_in_ended'
  | 'marketing_objection'
  | 'restricted'
  | 'contact_unconfirmed'
  | 'unknown_purpose'
  | 'storage_only_hold';

/**
 * The mails an account in a liquidated or expired hold still gets (CM-PRC-03: the data are only stored): the
 * notices about its own state and restoration, the purge warning, answers the law requires (data-subject
 * requests, a breach notice) and the invoice for a restoration's payment. Everything else waits or is dropped.
 */
const HOLD_PREFIXES = ['lifecycle.', 'privacy.'];
const HOLD_TEMPLATES = new Set([
  'retention.purge_warning',
  'breaches.customer_notice',
  'billing.invoice_issued',
  'billing.invoice_awaiting_payment',
]);
const HOLD_STATES = new Set(['liquidated', 'expired']);

/** Mails that exist to confirm a contact, so they go to one not confirmed yet (HT-NOT-01). */
const CONFIRMING_TEMPLATES = new Set([
  'account.activation',
  'account.user_invited',
  'account.password_reset',
]);

export type DeliveryFacts = {
  template: string;
  messageClass: MessageClass;
  /** The consent purpose of a marketing message. */
  purpose: string | null;
  subject: {
    restricted: boolean;
    marketingObjected: boolean;
    consent: ConsentStatus | null;
    isCustomer: boolean;
  } | null;
  /** The recipient is a contact its holder confirmed (a verified e-mail). */
  confirmed: boolean;
  /** The state of the account the message is about, when it is about one. */
  accountState?: string | null;
};

/**
 * Whether a message may be sent at this moment (CM-CKE-06: the live flags, no propagation delay). A
 * restricted person gets nothing but the answers about their own requests (CM-PRV-07); marketing needs
 * its purpose's consent (or soft opt-in) and no objection; transactional notices go despite a marketing
 * opt-out (MOC-NOT-01, HT-CNS-02); where the policy says so, only to confirmed contacts (HT-NOT-01).
 */
export function decideDelivery(
  policy: Policy,
  facts: DeliveryFacts,
): { send: true } | { send: false; reason: SuppressionReason; clause: string | null } {
  const subject = facts.subject;
  const isPrivacyAnswer = facts.template.startsWith('privacy.');
  if (
    facts.accountState &&
    HOLD_STATES.has(facts.accountState) &&
    !HOLD_TEMPLATES.has(facts.template) &&
    !HOLD_PREFIXES.some((p) => facts.template.startsWith(p))
  )
    return {
      send: false,
      reason: 'storage_only_hold',
      clause: policy.retention.storageOnlyClause ?? null,
    };
  if (subject?.restricted && !isPrivacyAnswer)
    return {
      send: false,
      reason: 'restricted',
      clause: policy.dataSubjectRequests.clauses?.restriction ?? null,
    };
  if (
    policy.notifications.confirmedContactsOnly &&
    !facts.confirmed &&
    !CONFIRMING_TEMPLATES.has(facts.template) &&
    !isPrivacyAnswer
  )
    return {
      send: false,
      reason: 'contact_unconfirmed',
      clause: policy.notifications.clauses?.confirmedContactsOnly ?? null,
    };
  if (facts.messageClass !== 'marketing') return { send: true };
  const purpose = facts.purpose ? purposeOf(policy, facts.purpose) : null;
  if (!purpose) return { send: false, reason: 'unknown_purpose', clause: null };
  const verdict = marketingVerdict({
    purpose,
    state: subject?.consent ?? null,
    isCustomer: subject?.isCustomer ?? false,
    marketingObjected: subject?.marketingObjected ?? false,
  });
  if (verdict.ok) return { send: true };
  return { send: false, reason: verdict.reason, clause: purpose.clause ?? null };
}

/** A campaign's content against the policy: never third-party products (CM-PRV-12), soft opt-in only for similar ones. */
export function campaignProblem(
  policy: Policy,
  campaign: { purpose: string; thirdParty: boolean; similarProducts: boolean },
): 'no_marketing' | 'not_marketing_purpose' | 'third_party' | 'not_similar' | null {
  const marketing = policy.marketing;
  if (!marketing) return 'no_marketing';
  const purpose = purposeOf(policy, campaign.purpose);
  if (!purpose || purpose.id !== marketing.purpose) return 'not_marketing_purpose';
  if (campaign.thirdParty && !marketing.thirdPartyProducts) return 'third_party';
  if (!campaign.similarProducts && (marketing.similarProductsOnly || purpose.basis === 'soft_opt_in'))
    return 'not_similar';
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Requests

export type Deadline = { dueOn: LocalDate; clause: string | null };

/**
 * When a request must be answered (or its extension announced): the earlier of `responseDays` and one
 * calendar month from the day of receipt where the policy caps it (CM-PRV-03: received 2026-01-31 → due
 * 2026-02-28); an erasure by its own shorter deadline where there is one (HT-PRV-04: 5 business days from
 * sending, Mon 2026-06-08 → Mon 2026-06-15). Provider deadlines never move to a business day.
 */
export function requestDeadline(
  policy: Policy,
  type: RequestType,
  receivedAt: Date,
): Deadline & { receivedOn: LocalDate } {
  const dsr = policy.dataSubjectRequests;
  const receivedOn = localDateOf(receivedAt, policy.locale.timeZone);
  const general = dsr.capAtOneCalendarMonth
    ? calendarMonthOrDays(receivedOn, dsr.responseDays, 1)
    : addDays(receivedOn, dsr.responseDays);
  const response = { receivedOn, dueOn: general, clause: dsr.clauses?.response ?? null };
  if (type !== 'erasure' || !dsr.erasureDeadline) return response;
  const erasureDue =
    dsr.erasureDeadline.businessDays !== undefined
      ? makeBusinessCalendar(policy.locale.businessCalendar).addBusinessDays(
          receivedOn,
          dsr.erasureDeadline.businessDays,
        )
      : addDays(receivedOn, dsr.erasureDeadline.days ?? 0);
  if (epochDayOf(erasureDue) >= epochDayOf(general)) return response;
  return { receivedOn, dueOn: erasureDue, clause: dsr.clauses?.erasure ?? response.clause };
}

/**
 * An extension of up to `extensionMonths` more months, only announced within the first deadline and with
 * reasons (GDPR art. 12(3), CM-PRV-03): the new date counts from the original deadline.
 */
export function decideExtension(
  policy: Policy,
  request: { dueOn: LocalDate; extendedDueOn: LocalDate | null },
  months: number,
  today: LocalDate,
):
  | { ok: true; extendedDueOn: LocalDate }
  | { ok: false; problem: 'not_allowed' | 'too_late' | 'already_extended' } {
  const allowed = policy.dataSubjectRequests.extensionMonths;
  if (allowed === 0 || months < 1 || months > allowed) return { ok: false, problem: 'not_allowed' };
  if (request.extendedDueOn) return { ok: false, problem: 'already_extended' };
  if (epochDayOf(today) > epochDayOf(request.dueOn)) return { ok: false, problem: 'too_late' };
  return { ok: true, extendedDueOn: addMonths(request.dueOn, months) };
}

/** A copy is free when it is the first (CM-PRV-04); a later one needs a fee quote accepted before it is made. */
export function copyFeeRule(policy: Policy, earlierCopies: number): 'free' | 'quote_required' {
  return policy.dataSubjectRequests.firstCopyFree && earlierCopies === 0 ? 'free' : 'quote_required';
}

/** The last day a restriction for contested accuracy may last (CM-PRV-07: at most 30 days); null: no limit. */
export function restrictionEndsOn(policy: Policy, receivedOn: LocalDate, ground: string): LocalDate | null {
  const max = policy.dataSubjectRequests.restrictionAccuracyCheckMaxDays;
  return ground === 'contested_accuracy' && max !== null ? addDays(receivedOn, max) : null;
}

/** The authority a person may complain to, named in every answer (CM-PRV-03: the President of UODO). */
export function complaintAuthority(policy: Policy, language: 'pl' | 'en'): string {
  const authority = policy.operator.supervisoryAuthority;
  if (authority) return `${authority.name[language]}, ${authority.address}`;
  return language === 'pl'
    ? 'Prezes Urzędu Ochrony Danych Osobowych, ul. Stawki 2, 00-193 Warszawa'
    : 'President of the Personal Data Protection Office (UODO), ul. Stawki 2, 00-193 Warszawa';
}

/** The day a notice is deemed delivered (QU-NOT-01: the 3rd day after sending); null where the policy has no such rule. */
export function deemedDeliveryDay(policy: Policy, sentAt: Date): LocalDate | null {
  const days = policy.notifications.deemedDeliveryDays;
  return days === null ? null : addDays(localDateOf(sentAt, policy.locale.timeZone), days);
}

// ---------------------------------------------------------------------------------------------------
// One-click unsubscribe links (RFC 8058)

/** The signature of an unsubscribe link for one subject and purpose: HMAC-SHA256, base64url. */
export function unsubscribeSignature(secret: string, subjectId: string, purpose: string): string {
  return createHmac('sha256', secret).update(`unsubscribe\n${subjectId}\n${purpose}`).digest('base64url');
}

export function isUnsubscribeSignature(
  secret: string,
  subjectId: string,
  purpose: string,
  given: string,
): boolean {
  const expected = Buffer.from(unsubscribeSignature(secret, subjectId, purpose));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The e-mail address's key: SHA-256 of the trimmed, lower-cased address. */
export function emailHashOf(email: string): string {
  return sha256Hex(email.trim().toLowerCase());
}
