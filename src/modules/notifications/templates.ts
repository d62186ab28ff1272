import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { notificationErrors } from './notifications-errors.ts';

export type Locale = 'pl' | 'en';

/** A value printed inside a sentence: one non-empty line, already formatted (dates, names). */
const phrase = z.string().regex(/^[^\r\n]+$/, 'Expected one non-empty line of text');
/** Links are only ever http(s): a parameter must not smuggle a `javascript:` link into a mail. */
const link = z.url({ protocol: /^https?$/, error: 'Expected an http(s) URL' });
const clauseId = z
  .string()
  .regex(/^[A-Z]{2,}-[A-Z]{2,}-\d{2,}$/, 'Expected a catalog clause id like QU-BIL-01');

/** Every mail is signed by the operator. */
const accountMail = { operatorName: phrase };
/**
 * A mail a rule caused (lifecycle, billing) also names the clause of the terms behind it, in its footer,
 * where the policy names one: a rule the seed is silent about (a preset's `null` clause) still notifies.
 */
const lifecycleMail = { operatorName: phrase, clause: clauseId.optional() };
const billingMail = lifecycleMail;

/**
 * The parameters of each template. The schemas check values that arrive as JSON at run time;
 * the type derived from them makes a missing or misspelled parameter a compile error.
 */
export const TemplateParams = {
  'account.activation': z.strictObject({
    ...accountMail,
    companyName: phrase,
    activationUrl: link,
    validUntil: phrase,
  }),
  'account.password_reset': z.strictObject({ ...accountMail, resetUrl: link, validUntil: phrase }),
  'account.password_changed': z.strictObject({ ...accountMail }),
  'account.locked': z.strictObject({ ...accountMail, until: phrase }),
  'account.user_invited': z.strictObject({ ...accountMail, companyName: phrase, inviteUrl: link }),
  'lifecycle.trial_ending': z.strictObject({ ...lifecycleMail, planName: phrase, trialEndsOn: phrase }),
  'lifecycle.trial_ended': z.strictObject({
    ...lifecycleMail,
    planName: phrase,
    trialEndedOn: phrase,
    orderUrl: link,
  }),
  'lifecycle.free_period_ended': z.strictObject({ ...lifecycleMail, endedOn: phrase, upgradeUrl: link }),
  'lifecycle.account_restricted': z.strictObject({
    ...lifecycleMail,
    target: phrase,
    ground: phrase,
    reason: phrase,
    since: phrase,
  }),
  'lifecycle.restriction_lifted': z.strictObject({ ...lifecycleMail, target: phrase, liftedOn: phrase }),
  'lifecycle.account_blocked': z.strictObject({
    ...lifecycleMail,
    ground: phrase,
    reason: phrase,
    clarifyBy: phrase,
    terminableFrom: phrase,
  }),
  'lifecycle.termination_notice': z.strictObject({
    ...lifecycleMail,
    ground: phrase,
    reason: phrase,
    effectiveOn: phrase,
  }),
  'lifecycle.account_terminated': z.strictObject({
    ...lifecycleMail,
    ground: phrase,
    reason: phrase,
    effectiveOn: phrase,
    refund: phrase,
  }),
  'lifecycle.withdrawal_accepted': z.strictObject({
    ...lifecycleMail,
    receivedOn: phrase,
    refund: phrase,
    refundBy: phrase,
  }),
  'billing.invoice_issued': z.strictObject({
    ...billingMail,
    planName: phrase,
    invoiceNumber: phrase,
    issueDate: phrase,
    amount: phrase,
    invoiceUrl: link,
  }),
  'billing.invoice_awaiting_payment': z.strictObject({
    ...billingMail,
    planName: phrase,
    invoiceNumber: phrase,
    issueDate: phrase,
    amount: phrase,
    dueDate: phrase,
    invoiceUrl: link,
  }),
  'billing.renewal_failed': z.strictObject({
    ...billingMail,
    planName: phrase,
    amount: phrase,
    paidThrough: phrase,
    nextAttemptOn: phrase,
    billingUrl: link,
  }),
  'billing.not_renewed': z.strictObject({
    ...billingMail,
    planName: phrase,
    paidThrough: phrase,
    billingUrl: link,
  }),
  'billing.switched_to_free': z.strictObject({
    ...billingMail,
    planName: phrase,
    previousPlanName: phrase,
    paidThrough: phrase,
    effectiveOn: phrase,
    billingUrl: link,
  }),
  'billing.plan_changed': z.strictObject({
    ...billingMail,
    planName: phrase,
    previousPlanName: phrase,
    effectiveOn: phrase,
    price: phrase,
    billingUrl: link,
  }),
  'billing.price_change_notice': z.strictObject({
    ...billingMail,
    planName: phrase,
    oldPrice: phrase,
    newPrice: phrase,
    appliesFrom: phrase,
    objectionUntil: phrase.optional(),
    billingUrl: link,
  }),
  'billing.renewal_reminder': z.strictObject({
    ...billingMail,
    planName: phrase,
    periodEnd: phrase,
    amount: phrase,
    deadline: phrase,
    billingUrl: link,
  }),
  // Account lifecycle: non-payment, cancellation, suspension, contract end, restoration (H4).
  'lifecycle.unpaid_restricted': z.strictObject({ ...lifecycleMail, unpaidSince: phrase, billingUrl: link }),
  'lifecycle.unpaid_blocked': z.strictObject({ ...lifecycleMail, unpaidSince: phrase, billingUrl: link }),
  'lifecycle.unpaid_expired': z.strictObject({
    ...lifecycleMail,
    paidThrough: phrase,
    restoreBy: phrase,
    restoreUrl: link,
  }),
  'lifecycle.unpaid_soft_deleted': z.strictObject({ ...lifecycleMail, unpaidSince: phrase, purgeOn: phrase }),
  'lifecycle.unpaid_deletion_warning': z.strictObject({
    ...lifecycleMail,
    deletableFrom: phrase,
    exportUrl: link,
    billingUrl: link,
  }),
  'lifecycle.access_restored': z.strictObject({ ...lifecycleMail, restoredOn: phrase }),
  'lifecycle.account_purged': z.strictObject({ ...lifecycleMail, purgedOn: phrase }),
  'lifecycle.cancellation_confirmed': z.strictObject({
    ...lifecycleMail,
    requestedOn: phrase,
    lastDay: phrase,
  }),
  'lifecycle.liquidated': z.strictObject({
    ...lifecycleMail,
    endedOn: phrase,
    restoreBy: phrase,
    restoreUrl: link,
  }),
  'lifecycle.contract_ended': z.strictObject({ ...lifecycleMail, endedOn: phrase }),
  'lifecycle.suspension_scheduled': z.strictObject({
    ...lifecycleMail,
    startsOn: phrase,
    reactivateOn: phrase,
  }),
  'lifecycle.suspended': z.strictObject({ ...lifecycleMail, reactivateOn: phrase, reactivateUrl: link }),
  'lifecycle.reactivated': z.strictObject({ ...lifecycleMail, reactivatedOn: phrase }),
  'lifecycle.account_deleted': z.strictObject({ ...lifecycleMail, deletedOn: phrase }),
  'lifecycle.restore_refused': z.strictObject({ ...lifecycleMail, requestedOn: phrase }),
  'lifecycle.discontinuation_notice': z.strictObject({
    ...billingMail,
    part: phrase,
    effectiveOn: phrase,
    lastDay: phrase,
    exportUrl: link,
  }),
  // Retention (H6): the purge warning with the export link (QU A22), the continued-use check (HT-PRV-03).
  'retention.purge_warning': z.strictObject({
    ...lifecycleMail,
    categoryName: phrase,
    purgeOn: phrase,
    exportUrl: link,
  }),
  'retention.use_check': z.strictObject({ ...lifecycleMail, lastUsedOn: phrase, confirmUrl: link }),
  // Privacy, controller side (H9): marketing with its one-click unsubscribe link, and the answers to
  // data-subject requests, each naming the supervisory authority (CM-PRV-03).
  'marketing.message': z.strictObject({
    ...accountMail,
    title: phrase,
    content: z.string().trim().min(1).max(20_000),
    unsubscribeUrl: link,
  }),
  // BK-PRV-01, MOC-PRV-02: a request about entrusted data, routed to the customer who is its controller.
  'privacy.request_routed': z.strictObject({
    ...billingMail,
    reference: phrase,
    requestType: phrase,
    requester: phrase,
    receivedOn: phrase,
    dueOn: phrase,
    statement: phrase,
  }),
  'privacy.request_routed_requester': z.strictObject({
    ...billingMail,
    reference: phrase,
    requestType: phrase,
    controller: phrase,
    authority: phrase,
  }),
  'privacy.request_received': z.strictObject({
    ...billingMail,
    requestType: phrase,
    reference: phrase,
    receivedOn: phrase,
    dueOn: phrase,
    authority: phrase,
  }),
  'privacy.identity_requested': z.strictObject({
    ...billingMail,
    requestType: phrase,
    reference: phrase,
    dueOn: phrase,
    authority: phrase,
  }),
  'privacy.request_extended': z.strictObject({
    ...billingMail,
    requestType: phrase,
    reference: phrase,
    dueOn: phrase,
    reasons: phrase,
    authority: phrase,
  }),
  'privacy.fee_quoted': z.strictObject({
    ...billingMail,
    reference: phrase,
    amount: phrase,
    basis: phrase,
    authority: phrase,
  }),
  'privacy.request_answered': z.strictObject({
    ...billingMail,
    requestType: phrase,
    reference: phrase,
    outcome: phrase,
    recipients: phrase.optional(),
    authority: phrase,
  }),
  'privacy.restriction_ending': z.strictObject({
    ...billingMail,
    reference: phrase,
    liftsOn: phrase,
    authority: phrase,
  }),
  'backup.day_missed': z.strictObject({
    ...billingMail,
    day: phrase,
  }),
  'privacy.request_overdue': z.strictObject({
    ...billingMail,
    requestType: phrase,
    reference: phrase,
    dueOn: phrase,
  }),
  'processors.change_notice': z.strictObject({
    ...billingMail,
    subProcessor: phrase,
    purpose: phrase,
    location: phrase,
    appliesFrom: phrase,
    objectionUntil: phrase,
    registryUrl: link,
  }),
  'processors.objection_decided': z.strictObject({
    ...billingMail,
    subProcessor: phrase,
    outcome: phrase,
    reason: phrase,
  }),
  'breaches.customer_notice': z.strictObject({
    ...billingMail,
    reference: phrase,
    awareAt: phrase,
    status: phrase,
    circumstances: phrase,
    likelyCauses: phrase,
    measures: phrase,
    documentation: phrase,
    dataCategories: phrase,
    approxSubjects: phrase,
    contact: phrase,
  }),
  'breaches.notice_overdue': z.strictObject({
    ...billingMail,
    reference: phrase,
    recipient: phrase,
    dueAt: phrase,
  }),
  'entrusted.compliance_notice': z.strictObject({
    ...billingMail,
    reference: phrase,
    foundAt: phrase,
    finding: phrase,
    instruction: phrase,
  }),
  'entrusted.contact_restricted': z.strictObject({
    ...billingMail,
    contactId: phrase,
    receivedOn: phrase,
    restrictedOn: phrase,
  }),
};
export type TemplateId = keyof typeof TemplateParams;
export type TemplateParams = { [Id in TemplateId]: z.infer<(typeof TemplateParams)[Id]> };

export const templateIds = Object.keys(TemplateParams) as TemplateId[];

export function isTemplateId(value: string): value is TemplateId {
  return Object.hasOwn(TemplateParams, value);
}

/**
 * Marketing templates: their messages are sent only while the recipient's consent (or soft opt-in) for the
 * message's purpose holds at the moment of sending, and carry a one-click unsubscribe link. Every other
 * template is transactional and reaches people who opted out of marketing (MOC-NOT-01).
 */
export const marketingTemplates: ReadonlySet<TemplateId> = new Set<TemplateId>(['marketing.message']);

export function messageClassOf(id: TemplateId): 'transactional' | 'marketing' {
  return marketingTemplates.has(id) ? 'marketing' : 'transactional';
}

export type RenderedMail = { subject: string; text: string; html: string };

/** In the text part a link is its URL; in the HTML part, an anchor with the label. */
type Link = { href: string; label: string };
type Paragraph = readonly (string | Link)[];
type Draft = { subject: string; paragraphs: readonly Paragraph[]; footer?: string };
type Wording<P> = Record<Locale, (p: P) => Draft>;

const frame = {
  pl: { greeting: 'Dzień dobry,', signature: (operator: string) => `Pozdrawiamy\nZespół ${operator}` },
  en: { greeting: 'Hello,', signature: (operator: string) => `Kind regards,\nThe ${operator} team` },
} satisfies Record<Locale, unknown>;

const basis = {
  pl: (clause: string) => `Podstawa: ${clause}`,
  en: (clause: string) => `Basis: ${clause}`,
} satisfies Record<Locale, unknown>;

function footerOf(clause: string | undefined, locale: Locale): { footer?: string } {
  return clause ? { footer: basis[locale](clause) } : {};
}

// Polish: after the salutation "Dzień dobry," the letter goes on in lower case; operator names stay
// in the nominative ("w serwisie ClickMeeting"), so no name ever needs declining.
const wordings: { [Id in TemplateId]: Wording<TemplateParams[Id]> } = {
  'account.activation': {
    pl: (p) => ({
      subject: `Aktywuj konto w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          `dziękujemy za założenie konta firmy ${p.companyName} w serwisie ${p.operatorName}. ` +
            'Aby je aktywować, kliknij poniższy link:',
        ],
        [{ href: p.activationUrl, label: 'Aktywuj konto' }],
        [
          `Link jest ważny do ${p.validUntil}. Jeśli ta wiadomość trafiła do Ciebie przez pomyłkę, ` +
            'zignoruj ją – bez aktywacji konto pozostanie nieaktywne.',
        ],
      ],
    }),
    en: (p) => ({
      subject: `Activate your ${p.operatorName} account`,
      paragraphs: [
        [
          `Thank you for creating an account for ${p.companyName} on ${p.operatorName}. ` +
            'To activate it, open the link below:',
        ],
        [{ href: p.activationUrl, label: 'Activate account' }],
        [
          `The link is valid until ${p.validUntil}. If you received this message by mistake, ` +
            'please ignore it – the account will stay inactive.',
        ],
      ],
    }),
  },
  'account.password_reset': {
    pl: (p) => ({
      subject: `Ustaw nowe hasło do konta w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          'otrzymaliśmy prośbę o zmianę hasła do Twojego konta. Aby ustawić nowe hasło, kliknij poniższy link:',
        ],
        [{ href: p.resetUrl, label: 'Ustaw nowe hasło' }],
        [
          `Link jest ważny do ${p.validUntil}. Jeśli prośba nie pochodzi od Ciebie, zignoruj tę wiadomość – ` +
            'dotychczasowe hasło pozostanie bez zmian.',
        ],
      ],
    }),
    en: (p) => ({
      subject: `Set a new password for your ${p.operatorName} account`,
      paragraphs: [
        [
          'We received a request to change the password of your account. ' +
            'To set a new password, open the link below:',
        ],
        [{ href: p.resetUrl, label: 'Set a new password' }],
        [
          `The link is valid until ${p.validUntil}. If you did not ask for this, please ignore this message – ` +
            'your current password will stay unchanged.',
        ],
      ],
    }),
  },
  'account.password_changed': {
    pl: (p) => ({
      subject: `Hasło do konta w serwisie ${p.operatorName} zostało zmienione`,
      paragraphs: [
        [`informujemy, że hasło do Twojego konta w serwisie ${p.operatorName} zostało właśnie zmienione.`],
        [
          'Jeśli zmiana była zamierzona, nie musisz nic robić. Jeśli hasło zmienił ktoś inny, ' +
            'natychmiast zresetuj je na stronie logowania i skontaktuj się z nami.',
        ],
      ],
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} password has been changed`,
      paragraphs: [
        [`The password of your ${p.operatorName} account has just been changed.`],
        [
          'If you made this change, no action is needed. If someone else did, ' +
            'reset your password on the sign-in page right away and contact us.',
        ],
      ],
    }),
  },
  'account.locked': {
    pl: (p) => ({
      subject: `Konto w serwisie ${p.operatorName} zostało tymczasowo zablokowane`,
      paragraphs: [
        [
          'z powodu zbyt wielu nieudanych prób logowania dostęp do Twojego konta ' +
            `w serwisie ${p.operatorName} został zablokowany do ${p.until}.`,
        ],
        [
          'Po tym czasie możesz zalogować się ponownie. Jeśli te próby nie pochodziły od Ciebie, ' +
            'po odblokowaniu konta zmień hasło.',
        ],
      ],
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account is temporarily locked`,
      paragraphs: [
        [
          'Because of too many unsuccessful sign-in attempts, access to your ' +
            `${p.operatorName} account is locked until ${p.until}.`,
        ],
        [
          'You can sign in again after that time. If these attempts were not yours, ' +
            'change your password once the account is unlocked.',
        ],
      ],
    }),
  },
  'account.user_invited': {
    pl: (p) => ({
      subject: `Zaproszenie do konta firmy ${p.companyName} w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          `otrzymujesz zaproszenie do konta firmy ${p.companyName} w serwisie ${p.operatorName}. ` +
            'Aby przyjąć zaproszenie, kliknij poniższy link:',
        ],
        [{ href: p.inviteUrl, label: 'Przyjmij zaproszenie' }],
        ['Jeśli nie spodziewasz się tego zaproszenia, zignoruj tę wiadomość.'],
      ],
    }),
    en: (p) => ({
      subject: `You are invited to join ${p.companyName} on ${p.operatorName}`,
      paragraphs: [
        [
          `You have been invited to join the ${p.companyName} account on ${p.operatorName}. ` +
            'To accept the invitation, open the link below:',
        ],
        [{ href: p.inviteUrl, label: 'Accept the invitation' }],
        ['If you were not expecting this invitation, please ignore this message.'],
      ],
    }),
  },
  'lifecycle.trial_ending': {
    pl: (p) => ({
      subject: `Okres próbny w serwisie ${p.operatorName} kończy się ${p.trialEndsOn}`,
      paragraphs: [
        [`okres próbny planu ${p.planName} w serwisie ${p.operatorName} kończy się ${p.trialEndsOn}.`],
        ['Aby korzystać z usługi bez przerwy, złóż zamówienie przed końcem okresu próbnego.'],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} trial ends on ${p.trialEndsOn}`,
      paragraphs: [
        [`Your trial of the ${p.planName} plan on ${p.operatorName} ends on ${p.trialEndsOn}.`],
        ['To keep using the service without a break, place an order before the trial ends.'],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.trial_ended': {
    pl: (p) => ({
      subject: `Okres próbny w serwisie ${p.operatorName} dobiegł końca`,
      paragraphs: [
        [`okres próbny planu ${p.planName} w serwisie ${p.operatorName} zakończył się ${p.trialEndedOn}.`],
        ['Aby dalej korzystać z usługi, złóż zamówienie:'],
        [{ href: p.orderUrl, label: 'Złóż zamówienie' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} trial has ended`,
      paragraphs: [
        [`Your trial of the ${p.planName} plan on ${p.operatorName} ended on ${p.trialEndedOn}.`],
        ['To continue using the service, place an order:'],
        [{ href: p.orderUrl, label: 'Place an order' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.free_period_ended': {
    pl: (p) => ({
      subject: `Bezpłatny okres korzystania z serwisu ${p.operatorName} dobiegł końca`,
      paragraphs: [
        [`bezpłatny okres korzystania z serwisu ${p.operatorName} zakończył się ${p.endedOn}.`],
        ['Aby dalej korzystać z usługi, wybierz płatny plan:'],
        [{ href: p.upgradeUrl, label: 'Wybierz plan' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your free period on ${p.operatorName} has ended`,
      paragraphs: [
        [`The free period of your ${p.operatorName} account ended on ${p.endedOn}.`],
        ['To keep using the service, choose a paid plan:'],
        [{ href: p.upgradeUrl, label: 'Choose a plan' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.account_restricted': {
    pl: (p) => ({
      subject: `Ograniczyliśmy dostęp w serwisie ${p.operatorName}`,
      paragraphs: [
        [`od ${p.since} ograniczyliśmy: ${p.target}.`],
        [`Podstawa z regulaminu: ${p.ground}. Powód: ${p.reason}`],
        ['Przywrócimy dostęp, gdy naruszenie zostanie usunięte. Odpowiedz na tę wiadomość, aby to wyjaśnić.'],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Access restricted on ${p.operatorName}`,
      paragraphs: [
        [`Since ${p.since} we have restricted: ${p.target}.`],
        [`Ground in the terms: ${p.ground}. Reason: ${p.reason}`],
        ['Access returns once the breach is remedied. Reply to this message to clarify it.'],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.restriction_lifted': {
    pl: (p) => ({
      subject: `Przywróciliśmy dostęp w serwisie ${p.operatorName}`,
      paragraphs: [[`${p.liftedOn} zdjęliśmy ograniczenie: ${p.target}.`]],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Access restored on ${p.operatorName}`,
      paragraphs: [[`On ${p.liftedOn} we lifted the restriction: ${p.target}.`]],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.account_blocked': {
    pl: (p) => ({
      subject: `Twoje konto w serwisie ${p.operatorName} zostało zablokowane`,
      paragraphs: [
        [`zablokowaliśmy Twoje konto. Podstawa z regulaminu: ${p.ground}. Powód: ${p.reason}`],
        [
          `Masz czas do ${p.clarifyBy} włącznie, aby wyjaśnić sprawę – odpowiedz na tę wiadomość. ` +
            `Jeśli sprawa nie zostanie wyjaśniona, od ${p.terminableFrom} możemy rozwiązać umowę ze skutkiem ` +
            'natychmiastowym i usunąć konto, bez zwrotu opłat za opłacony okres.',
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account has been blocked`,
      paragraphs: [
        [`We have blocked your account. Ground in the terms: ${p.ground}. Reason: ${p.reason}`],
        [
          `You have until the end of ${p.clarifyBy} to clarify the matter – reply to this message. ` +
            `If it is not clarified, from ${p.terminableFrom} we may terminate the contract with immediate ` +
            'effect and delete the account, with no refund for the paid period.',
        ],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.termination_notice': {
    pl: (p) => ({
      subject: `Wypowiedzenie umowy z serwisem ${p.operatorName}`,
      paragraphs: [
        [`wypowiadamy umowę. Podstawa z regulaminu: ${p.ground}. Powód: ${p.reason}`],
        [
          `Umowa zostanie rozwiązana ${p.effectiveOn}; do tego dnia możesz korzystać z konta i wyeksportować dane.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Notice of termination from ${p.operatorName}`,
      paragraphs: [
        [`We are terminating the contract. Ground in the terms: ${p.ground}. Reason: ${p.reason}`],
        [`The contract ends on ${p.effectiveOn}; until then you can use the account and export your data.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.account_terminated': {
    pl: (p) => ({
      subject: `Umowa z serwisem ${p.operatorName} została rozwiązana`,
      paragraphs: [
        [`umowa została rozwiązana ${p.effectiveOn}. Podstawa z regulaminu: ${p.ground}. Powód: ${p.reason}`],
        [`Zwrot: ${p.refund}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your contract with ${p.operatorName} has ended`,
      paragraphs: [
        [`The contract ended on ${p.effectiveOn}. Ground in the terms: ${p.ground}. Reason: ${p.reason}`],
        [`Refund: ${p.refund}.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.withdrawal_accepted': {
    pl: (p) => ({
      subject: `Potwierdzamy odstąpienie od umowy z serwisem ${p.operatorName}`,
      paragraphs: [
        [
          `otrzymaliśmy Twoje oświadczenie o odstąpieniu od umowy ${p.receivedOn}; umowa przestała obowiązywać.`,
        ],
        [`Zwrócimy ${p.refund} tą samą metodą płatności najpóźniej ${p.refundBy}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `We confirm your withdrawal from the ${p.operatorName} contract`,
      paragraphs: [
        [`We received your statement of withdrawal on ${p.receivedOn}; the contract has ended.`],
        [`We will refund ${p.refund} by the same payment method by ${p.refundBy} at the latest.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'billing.invoice_issued': {
    pl: (p) => ({
      subject: `Faktura ${p.invoiceNumber} za plan ${p.planName} w serwisie ${p.operatorName}`,
      paragraphs: [
        [`dziękujemy za płatność ${p.amount} za plan ${p.planName} w serwisie ${p.operatorName}.`],
        [`Faktura ${p.invoiceNumber} z dnia ${p.issueDate} czeka na Ciebie w zakładce Płatności:`],
        [{ href: p.invoiceUrl, label: 'Pobierz fakturę' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Invoice ${p.invoiceNumber} for your ${p.operatorName} ${p.planName} plan`,
      paragraphs: [
        [`Thank you for your payment of ${p.amount} for the ${p.planName} plan on ${p.operatorName}.`],
        [`Invoice ${p.invoiceNumber} of ${p.issueDate} is waiting for you under Billing:`],
        [{ href: p.invoiceUrl, label: 'Download the invoice' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'billing.invoice_awaiting_payment': {
    pl: (p) => ({
      subject: `Faktura ${p.invoiceNumber} za plan ${p.planName} w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          `wystawiliśmy fakturę ${p.invoiceNumber} z dnia ${p.issueDate} za plan ${p.planName} w serwisie ${p.operatorName}.`,
        ],
        [`Prosimy o zapłatę ${p.amount} do ${p.dueDate}. Fakturę pobierzesz tutaj:`],
        [{ href: p.invoiceUrl, label: 'Pobierz fakturę' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Invoice ${p.invoiceNumber} for your ${p.operatorName} ${p.planName} plan`,
      paragraphs: [
        [
          `We have issued invoice ${p.invoiceNumber} of ${p.issueDate} for the ${p.planName} plan on ${p.operatorName}.`,
        ],
        [`Please pay ${p.amount} by ${p.dueDate}. You can download the invoice here:`],
        [{ href: p.invoiceUrl, label: 'Download the invoice' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'billing.renewal_failed': {
    pl: (p) => ({
      subject: `Nie udało się odnowić planu ${p.planName} w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          `nie udało się pobrać płatności ${p.amount} za kolejny okres planu ${p.planName} w serwisie ${p.operatorName}: karta została odrzucona.`,
        ],
        [
          `Opłacony okres trwa do ${p.paidThrough}. Spróbujemy ponownie ${p.nextAttemptOn}; możesz też zmienić kartę:`,
        ],
        [{ href: p.billingUrl, label: 'Przejdź do płatności' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `We could not renew your ${p.operatorName} ${p.planName} plan`,
      paragraphs: [
        [
          `We could not collect ${p.amount} for the next period of the ${p.planName} plan on ${p.operatorName}: the card was declined.`,
        ],
        [
          `Your paid period runs until ${p.paidThrough}. We will try again on ${p.nextAttemptOn}, or you can change the card:`,
        ],
        [{ href: p.billingUrl, label: 'Go to billing' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'billing.not_renewed': {
    pl: (p) => ({
      subject: `Plan ${p.planName} w serwisie ${p.operatorName} nie został odnowiony`,
      paragraphs: [
        [
          `plan ${p.planName} w serwisie ${p.operatorName} nie został odnowiony automatycznie; opłacony okres trwał do ${p.paidThrough}.`,
        ],
        ['Aby dalej korzystać z usługi, opłać kolejny okres:'],
        [{ href: p.billingUrl, label: 'Opłać kolejny okres' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} ${p.planName} plan was not renewed`,
      paragraphs: [
        [
          `The ${p.planName} plan on ${p.operatorName} was not renewed automatically; the paid period ran until ${p.paidThrough}.`,
        ],
        ['To keep using the service, pay for the next period:'],
        [{ href: p.billingUrl, label: 'Pay for the next period' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'billing.switched_to_free': {
    pl: (p) => ({
      subject: `Przejście na ${p.planName} w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          `przełączyłeś konto w serwisie ${p.operatorName} na ${p.planName}. Automatyczne obciążenia zostały wyłączone, a zapisane dane Twoich kart płatniczych usunięte; nie pobierzemy już żadnej płatności.`,
        ],
        [
          `Opłacony plan ${p.previousPlanName} działa do ${p.paidThrough}; od ${p.effectiveOn} konto korzysta z ${p.planName}.`,
        ],
        ['Szczegóły znajdziesz w zakładce Płatności:'],
        [{ href: p.billingUrl, label: 'Przejdź do płatności' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account switches to ${p.planName}`,
      paragraphs: [
        [
          `You switched your ${p.operatorName} account to ${p.planName}. Automatic charges are off and your stored card details have been deleted; nothing more will be charged.`,
        ],
        [
          `Your paid ${p.previousPlanName} plan runs through ${p.paidThrough}; from ${p.effectiveOn} the account is on ${p.planName}.`,
        ],
        ['Details are in the Payments tab:'],
        [{ href: p.billingUrl, label: 'Go to payments' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'billing.plan_changed': {
    pl: (p) => ({
      subject: `Zmiana planu na ${p.planName} w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          `plan ${p.previousPlanName} w serwisie ${p.operatorName} zmienia się na ${p.planName} od ${p.effectiveOn}; cena netto za okres rozliczeniowy: ${p.price}.`,
        ],
        ['Szczegóły i faktury znajdziesz w zakładce Rozliczenia:'],
        [{ href: p.billingUrl, label: 'Przejdź do rozliczeń' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} plan changes to ${p.planName}`,
      paragraphs: [
        [
          `Your ${p.operatorName} plan changes from ${p.previousPlanName} to ${p.planName} on ${p.effectiveOn}; net price per billing period: ${p.price}.`,
        ],
        ['Details and invoices are in the Billing tab:'],
        [{ href: p.billingUrl, label: 'Go to billing' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'billing.price_change_notice': {
    pl: (p) => ({
      subject: `Zmiana cennika w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          `cena netto planu ${p.planName} w serwisie ${p.operatorName} zmienia się z ${p.oldPrice} na ${p.newPrice}. Nowa cena obowiązuje Cię za okresy rozliczeniowe rozpoczynające się od ${p.appliesFrom}; wcześniejsze okresy rozliczamy po dotychczasowej cenie.`,
        ],
        p.objectionUntil
          ? [
              `Jeśli nie akceptujesz zmiany, możesz zgłosić sprzeciw do ${p.objectionUntil} włącznie; do czasu rozwiązania umowy zachowasz dotychczasową cenę.`,
            ]
          : ['Jeśli nie akceptujesz zmiany, możesz wypowiedzieć umowę.'],
        [{ href: p.billingUrl, label: 'Przejdź do rozliczeń' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `${p.operatorName} price list change`,
      paragraphs: [
        [
          `The net price of the ${p.planName} plan on ${p.operatorName} changes from ${p.oldPrice} to ${p.newPrice}. The new price applies to your billing periods starting on or after ${p.appliesFrom}; earlier periods are billed at the current price.`,
        ],
        p.objectionUntil
          ? [
              `If you do not accept the change, you may object until ${p.objectionUntil} inclusive; you keep the current price until the contract ends.`,
            ]
          : ['If you do not accept the change, you may terminate the contract.'],
        [{ href: p.billingUrl, label: 'Go to billing' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'billing.renewal_reminder': {
    pl: (p) => ({
      subject: `Przypomnienie: plan ${p.planName} w serwisie ${p.operatorName} kończy się ${p.periodEnd}`,
      paragraphs: [
        [`bieżący okres planu ${p.planName} w serwisie ${p.operatorName} kończy się ${p.periodEnd}.`],
        [`Kwota do zapłaty za odnowienie (brutto): ${p.amount}. Termin odnowienia: ${p.deadline}.`],
        [{ href: p.billingUrl, label: 'Zobacz płatności' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Reminder: your ${p.operatorName} ${p.planName} plan ends on ${p.periodEnd}`,
      paragraphs: [
        [`The current period of the ${p.planName} plan on ${p.operatorName} ends on ${p.periodEnd}.`],
        [`Gross amount due to renew: ${p.amount}. Renewal deadline: ${p.deadline}.`],
        [{ href: p.billingUrl, label: 'See billing' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.unpaid_restricted': {
    pl: (p) => ({
      subject: `Płatne funkcje w serwisie ${p.operatorName} są ograniczone`,
      paragraphs: [
        [
          `kolejny okres nie został opłacony (zaległość od ${p.unpaidSince}), więc płatne funkcje są ograniczone.`,
        ],
        ['Nadal możesz się zalogować i wyeksportować dane. Po opłaceniu dostęp wróci od razu:'],
        [{ href: p.billingUrl, label: 'Opłać kolejny okres' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Paid features on ${p.operatorName} are restricted`,
      paragraphs: [
        [
          `The next period has not been paid (unpaid since ${p.unpaidSince}), so paid features are restricted.`,
        ],
        ['You can still log in and export your data. Access returns as soon as you pay:'],
        [{ href: p.billingUrl, label: 'Pay for the next period' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.unpaid_blocked': {
    pl: (p) => ({
      subject: `Dostęp do konta w serwisie ${p.operatorName} został zablokowany`,
      paragraphs: [
        [
          `faktura z terminem płatności ${p.unpaidSince} jest nieopłacona dłużej, niż pozwalają warunki, więc dostęp do konta został zablokowany. Dane są zachowane.`,
        ],
        ['Dostęp wróci, gdy tylko cała zaległość zostanie zapłacona:'],
        [{ href: p.billingUrl, label: 'Przejdź do płatności' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Access to your ${p.operatorName} account is blocked`,
      paragraphs: [
        [
          `The invoice due on ${p.unpaidSince} has been unpaid for longer than the terms allow, so access to the account is blocked. Your data are kept.`,
        ],
        ['Access returns as soon as the full arrears are paid:'],
        [{ href: p.billingUrl, label: 'Go to billing' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.unpaid_expired': {
    pl: (p) => ({
      subject: `Konto w serwisie ${p.operatorName} wygasło`,
      paragraphs: [
        [
          `opłacony okres skończył się ${p.paidThrough}, a kolejny nie został opłacony, więc konto wygasło: funkcje są zablokowane, a treści zachowane.`,
        ],
        [
          `Konto ze wszystkimi danymi przywrócisz, opłacając kolejny okres do ${p.restoreBy}. Później umowa wygaśnie, a konto i dane zostaną trwale usunięte.`,
        ],
        [{ href: p.restoreUrl, label: 'Przywróć konto' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account has expired`,
      paragraphs: [
        [
          `The paid period ended on ${p.paidThrough} and the next one was not paid, so the account has expired: its functions are blocked and its content is kept.`,
        ],
        [
          `Pay for the next period by ${p.restoreBy} to restore the account with all its data. After that the contract ends and the account and its data are deleted for good.`,
        ],
        [{ href: p.restoreUrl, label: 'Restore the account' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.unpaid_soft_deleted': {
    pl: (p) => ({
      subject: `Konto w serwisie ${p.operatorName} zostało usunięte`,
      paragraphs: [
        [
          `z powodu zaległości od ${p.unpaidSince} konto zostało usunięte: nie ma do niego dostępu, ale dane są jeszcze przechowywane.`,
        ],
        [
          `Przywrócenie jest możliwe tylko na podstawie pisemnego porozumienia. Jeśli zaległość nie zostanie uregulowana, konto i wszystkie dane zostaną trwale usunięte ${p.purgeOn}.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account has been deleted`,
      paragraphs: [
        [
          `Because of arrears since ${p.unpaidSince} the account has been deleted: there is no access to it, but its data are still kept.`,
        ],
        [
          `It can be restored only under a written agreement. Unless the arrears are settled, the account and all its data will be permanently deleted on ${p.purgeOn}.`,
        ],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.unpaid_deletion_warning': {
    pl: (p) => ({
      subject: `Konto w serwisie ${p.operatorName} może zostać usunięte`,
      paragraphs: [
        [
          `kolejny okres wciąż nie jest opłacony. Od ${p.deletableFrom} możemy rozwiązać umowę i usunąć konto wraz ze wszystkimi danymi.`,
        ],
        ['Zanim to nastąpi, możesz wyeksportować dane:'],
        [{ href: p.exportUrl, label: 'Eksportuj dane' }],
        ['albo opłacić kolejny okres:'],
        [{ href: p.billingUrl, label: 'Opłać kolejny okres' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account may be deleted`,
      paragraphs: [
        [
          `The next period is still unpaid. From ${p.deletableFrom} we may terminate the contract and delete the account with all its data.`,
        ],
        ['Before that, you can export your data:'],
        [{ href: p.exportUrl, label: 'Export your data' }],
        ['or pay for the next period:'],
        [{ href: p.billingUrl, label: 'Pay for the next period' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.access_restored': {
    pl: (p) => ({
      subject: `Dostęp do konta w serwisie ${p.operatorName} przywrócony`,
      paragraphs: [[`dziękujemy za płatność. Od ${p.restoredOn} konto działa znowu w pełnym zakresie.`]],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Access to your ${p.operatorName} account is restored`,
      paragraphs: [[`Thank you for your payment. From ${p.restoredOn} the account works in full again.`]],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.account_purged': {
    pl: (p) => ({
      subject: `Konto w serwisie ${p.operatorName} zostało trwale usunięte`,
      paragraphs: [
        [`${p.purgedOn} konto i wszystkie jego dane zostały trwale usunięte. Nie można ich już przywrócić.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account has been permanently deleted`,
      paragraphs: [
        [
          `On ${p.purgedOn} the account and all its data were permanently deleted. They can no longer be restored.`,
        ],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.cancellation_confirmed': {
    pl: (p) => ({
      subject: `Potwierdzenie rezygnacji z serwisu ${p.operatorName}`,
      paragraphs: [
        [
          `potwierdzamy rezygnację złożoną ${p.requestedOn}. Nic więcej nie zostanie pobrane; umowa trwa do ${p.lastDay} włącznie.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} cancellation is confirmed`,
      paragraphs: [
        [
          `We confirm the cancellation you made on ${p.requestedOn}. Nothing more will be charged; the contract runs through ${p.lastDay}.`,
        ],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.liquidated': {
    pl: (p) => ({
      subject: `Konto w serwisie ${p.operatorName} zostało zlikwidowane`,
      paragraphs: [
        [
          `umowa zakończyła się ${p.endedOn}, a konto zostało zlikwidowane. Dostępny jest tylko ekran przywracania.`,
        ],
        [
          `Konto ze wszystkimi danymi możesz przywrócić do ${p.restoreBy}, opłacając kolejny okres. Później konto i dane zostaną trwale usunięte.`,
        ],
        [{ href: p.restoreUrl, label: 'Przywróć konto' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account has been closed`,
      paragraphs: [
        [
          `The contract ended on ${p.endedOn} and the account has been closed. Only the restore screen remains.`,
        ],
        [
          `You can restore the account with all its data until ${p.restoreBy} by paying for the next period. After that the account and its data are deleted for good.`,
        ],
        [{ href: p.restoreUrl, label: 'Restore the account' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.contract_ended': {
    pl: (p) => ({
      subject: `Umowa z serwisem ${p.operatorName} zakończyła się`,
      paragraphs: [[`umowa zakończyła się ${p.endedOn}; dostęp do konta i zapisanych danych wygasł.`]],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your contract with ${p.operatorName} has ended`,
      paragraphs: [
        [`The contract ended on ${p.endedOn}; access to the account and its stored data has stopped.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.suspension_scheduled': {
    pl: (p) => ({
      subject: `Zawieszenie konta w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          `konto zostanie zawieszone od ${p.startsOn}; do tego dnia działa w pełni. W czasie zawieszenia nie pobieramy żadnych opłat, a dane i adres pokoju są zachowane.`,
        ],
        [
          `Jeśli nie wznowisz konta wcześniej, wznowimy je ${p.reactivateOn} i pobierzemy wtedy opłatę za kolejny okres.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account will be suspended`,
      paragraphs: [
        [
          `The account will be suspended from ${p.startsOn}; until then it works in full. Nothing is charged during the suspension, and your data and room address are kept.`,
        ],
        [
          `Unless you reactivate it earlier, we reactivate it on ${p.reactivateOn} and charge the next period then.`,
        ],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.suspended': {
    pl: (p) => ({
      subject: `Konto w serwisie ${p.operatorName} jest zawieszone`,
      paragraphs: [
        [
          `od dziś konto jest zawieszone. Wznowimy je automatycznie ${p.reactivateOn}; możesz to zrobić wcześniej:`,
        ],
        [{ href: p.reactivateUrl, label: 'Wznów konto' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account is suspended`,
      paragraphs: [
        [
          `From today the account is suspended. We reactivate it automatically on ${p.reactivateOn}; you can do so earlier:`,
        ],
        [{ href: p.reactivateUrl, label: 'Reactivate the account' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.reactivated': {
    pl: (p) => ({
      subject: `Konto w serwisie ${p.operatorName} zostało wznowione`,
      paragraphs: [[`konto zostało wznowione ${p.reactivatedOn} i działa w pełnym zakresie.`]],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account has been reactivated`,
      paragraphs: [[`The account was reactivated on ${p.reactivatedOn} and works in full.`]],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.account_deleted': {
    pl: (p) => ({
      subject: `Konto w serwisie ${p.operatorName} zostało usunięte`,
      paragraphs: [
        [
          `zgodnie z Twoim potwierdzeniem ${p.deletedOn} konto i wszystkie jego dane zostały nieodwracalnie usunięte. Zachowujemy tylko faktury, których wymaga prawo.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} account has been deleted`,
      paragraphs: [
        [
          `As you confirmed, on ${p.deletedOn} the account and all its data were irreversibly deleted. We keep only the invoices the law requires.`,
        ],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.discontinuation_notice': {
    pl: (p) => ({
      subject: `Zmiana w serwisie ${p.operatorName}: ${p.part}`,
      paragraphs: [
        [
          `od ${p.effectiveOn} przestajemy udostępniać: ${p.part}. Do ${p.lastDay} włącznie działa bez zmian.`,
        ],
        ['Zapisane w tej części dane możesz do tego dnia pobrać:'],
        [{ href: p.exportUrl, label: 'Eksportuj dane' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `A change to ${p.operatorName}: ${p.part}`,
      paragraphs: [
        [`From ${p.effectiveOn} we stop providing: ${p.part}. Until ${p.lastDay} it works as before.`],
        ['You can download the data stored in it until that day:'],
        [{ href: p.exportUrl, label: 'Export your data' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'lifecycle.restore_refused': {
    pl: (p) => ({
      subject: `Prośba o przywrócenie konta w serwisie ${p.operatorName}`,
      paragraphs: [
        [
          `prośba o przywrócenie konta z ${p.requestedOn} nie została przyjęta. Żadna opłata nie została pobrana.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Your request to restore your ${p.operatorName} account`,
      paragraphs: [
        [`Your request of ${p.requestedOn} to restore the account was not accepted. Nothing was charged.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'retention.purge_warning': {
    pl: (p) => ({
      subject: `Dane w serwisie ${p.operatorName} zostaną usunięte ${p.purgeOn}`,
      paragraphs: [
        [`zgodnie z zasadami przechowywania danych ${p.purgeOn} usuniemy: ${p.categoryName}.`],
        ['Do tego dnia możesz pobrać kopię swoich danych:'],
        [{ href: p.exportUrl, label: 'Pobierz dane' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Data in ${p.operatorName} will be deleted on ${p.purgeOn}`,
      paragraphs: [
        [`Under our data retention rules, on ${p.purgeOn} we will delete: ${p.categoryName}.`],
        ['Until then you can download a copy of your data:'],
        [{ href: p.exportUrl, label: 'Download your data' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'retention.use_check': {
    pl: (p) => ({
      subject: `Czy nadal korzystasz z konta w serwisie ${p.operatorName}?`,
      paragraphs: [
        [`Twoje konto w serwisie ${p.operatorName} nie było używane od ${p.lastUsedOn}.`],
        ['Potwierdź, że chcesz je zachować, albo poproś o usunięcie danych:'],
        [{ href: p.confirmUrl, label: 'Przejdź do konta' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Are you still using your ${p.operatorName} account?`,
      paragraphs: [
        [`Your ${p.operatorName} account has not been used since ${p.lastUsedOn}.`],
        ['Confirm that you want to keep it, or ask us to delete its data:'],
        [{ href: p.confirmUrl, label: 'Go to your account' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'marketing.message': {
    pl: (p) => ({
      subject: p.title,
      paragraphs: [
        [p.title],
        ...p.content.split(/\n\s*\n/).map((part) => [part]),
        [
          'Nie chcesz otrzymywać takich wiadomości? Wypisz się jednym kliknięciem: ',
          { href: p.unsubscribeUrl, label: 'wypisz się' },
        ],
      ],
    }),
    en: (p) => ({
      subject: p.title,
      paragraphs: [
        [p.title],
        ...p.content.split(/\n\s*\n/).map((part) => [part]),
        [
          'Rather not receive these messages? Unsubscribe with one click: ',
          { href: p.unsubscribeUrl, label: 'unsubscribe' },
        ],
      ],
    }),
  },
  'privacy.request_routed': {
    pl: (p) => ({
      subject: `Żądanie osoby, której dane przetwarzamy w Twoim imieniu (${p.reference})`,
      paragraphs: [
        [
          `w dniu ${p.receivedOn} otrzymaliśmy od ${p.requester} żądanie: ${p.requestType}. Dotyczy ono danych, których jesteś administratorem, a my podmiotem przetwarzającym, dlatego przekazujemy je Tobie.`,
        ],
        [`Treść żądania: ${p.statement}`, ` (numer ${p.reference})`],
        [
          `Odpowiedź należy się tej osobie najpóźniej do ${p.dueOn}. Pomożemy w jego wykonaniu na Twoje polecenie.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `A request from a person whose data we process for you (${p.reference})`,
      paragraphs: [
        [
          `On ${p.receivedOn} we received a request from ${p.requester}: ${p.requestType}. It concerns data you control and we process on your behalf, so we pass it to you.`,
        ],
        [`The request reads: ${p.statement}`, ` (reference ${p.reference})`],
        [`The person must be answered by ${p.dueOn}. We will help carry it out on your instruction.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'privacy.request_routed_requester': {
    pl: (p) => ({
      subject: `Przekazaliśmy Twoje żądanie administratorowi danych (${p.reference})`,
      paragraphs: [
        [
          `Twoje żądanie (${p.requestType}) dotyczy danych, których administratorem jest ${p.controller}; przetwarzamy je w jego imieniu, więc przekazaliśmy mu żądanie do wykonania.`,
        ],
        [`Numer żądania: ${p.reference}.`],
        [`Masz prawo wnieść skargę do organu nadzorczego: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `We have passed your request to the controller of your data (${p.reference})`,
      paragraphs: [
        [
          `Your request (${p.requestType}) concerns data controlled by ${p.controller}; we process them on its behalf, so we have passed the request to it to carry out.`,
        ],
        [`Reference: ${p.reference}.`],
        [`You have the right to lodge a complaint with the supervisory authority: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'privacy.request_received': {
    pl: (p) => ({
      subject: `Otrzymaliśmy Twoje żądanie (${p.reference})`,
      paragraphs: [
        [`potwierdzamy otrzymanie w dniu ${p.receivedOn} żądania: ${p.requestType} (numer ${p.reference}).`],
        [`Odpowiemy najpóźniej do ${p.dueOn}.`],
        [`Masz prawo wnieść skargę do organu nadzorczego: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `We have received your request (${p.reference})`,
      paragraphs: [
        [
          `We confirm that on ${p.receivedOn} we received your request: ${p.requestType} (reference ${p.reference}).`,
        ],
        [`We will answer by ${p.dueOn} at the latest.`],
        [`You have the right to lodge a complaint with the supervisory authority: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'privacy.identity_requested': {
    pl: (p) => ({
      subject: `Potwierdź swoją tożsamość (${p.reference})`,
      paragraphs: [
        [
          `aby zrealizować żądanie: ${p.requestType} (numer ${p.reference}), musimy upewnić się, że pochodzi ` +
            'od Ciebie. Prześlij, proszę, dodatkowe informacje lub dokument potwierdzający tożsamość.',
        ],
        [
          'Dokumenty wykorzystamy wyłącznie do weryfikacji i usuniemy je po zamknięciu sprawy. ' +
            `Termin odpowiedzi się nie zmienia: ${p.dueOn}.`,
        ],
        [`Masz prawo wnieść skargę do organu nadzorczego: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Please confirm your identity (${p.reference})`,
      paragraphs: [
        [
          `To act on your request: ${p.requestType} (reference ${p.reference}), we need to be sure it comes ` +
            'from you. Please send us further information or a document confirming your identity.',
        ],
        [
          'We will use the documents only for this check and delete them when the case closes. ' +
            `The answer date does not change: ${p.dueOn}.`,
        ],
        [`You have the right to lodge a complaint with the supervisory authority: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'privacy.request_extended': {
    pl: (p) => ({
      subject: `Przedłużenie terminu odpowiedzi (${p.reference})`,
      paragraphs: [
        [
          `odpowiedź na żądanie: ${p.requestType} (numer ${p.reference}) wymaga więcej czasu. Powód: ${p.reasons}.`,
        ],
        [`Odpowiemy najpóźniej do ${p.dueOn}.`],
        [`Masz prawo wnieść skargę do organu nadzorczego: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `More time needed for your request (${p.reference})`,
      paragraphs: [
        [
          `Answering your request: ${p.requestType} (reference ${p.reference}) needs more time. Reason: ${p.reasons}.`,
        ],
        [`We will answer by ${p.dueOn} at the latest.`],
        [`You have the right to lodge a complaint with the supervisory authority: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'privacy.fee_quoted': {
    pl: (p) => ({
      subject: `Opłata za kolejną kopię danych (${p.reference})`,
      paragraphs: [
        [
          `pierwszą kopię danych wydaliśmy bezpłatnie. Za kolejną (numer ${p.reference}) pobieramy opłatę ` +
            `administracyjną ${p.amount} (${p.basis}). Kopię przygotujemy po akceptacji opłaty.`,
        ],
        [`Masz prawo wnieść skargę do organu nadzorczego: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Fee for a further copy of your data (${p.reference})`,
      paragraphs: [
        [
          `Your first copy was free. For a further copy (reference ${p.reference}) we charge an administrative ` +
            `fee of ${p.amount} (${p.basis}). We will prepare the copy once you accept the fee.`,
        ],
        [`You have the right to lodge a complaint with the supervisory authority: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'privacy.request_answered': {
    pl: (p) => ({
      subject: `Odpowiedź na Twoje żądanie (${p.reference})`,
      paragraphs: [
        [`odpowiadamy na żądanie: ${p.requestType} (numer ${p.reference}). ${p.outcome}`],
        ...(p.recipients ? [[`Poinformowaliśmy odbiorców danych: ${p.recipients}.`]] : []),
        [`Masz prawo wnieść skargę do organu nadzorczego: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `The answer to your request (${p.reference})`,
      paragraphs: [
        [`This answers your request: ${p.requestType} (reference ${p.reference}). ${p.outcome}`],
        ...(p.recipients ? [[`We have told the recipients of your data: ${p.recipients}.`]] : []),
        [`You have the right to lodge a complaint with the supervisory authority: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'privacy.restriction_ending': {
    pl: (p) => ({
      subject: `Koniec ograniczenia przetwarzania (${p.reference})`,
      paragraphs: [
        [
          `informujemy, że ograniczenie przetwarzania Twoich danych (numer ${p.reference}) zostanie zniesione ${p.liftsOn}.`,
        ],
        [`Masz prawo wnieść skargę do organu nadzorczego: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `The restriction of processing ends (${p.reference})`,
      paragraphs: [
        [
          `The restriction of processing of your data (reference ${p.reference}) will be lifted on ${p.liftsOn}.`,
        ],
        [`You have the right to lodge a complaint with the supervisory authority: ${p.authority}.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'privacy.request_overdue': {
    pl: (p) => ({
      subject: `Przekroczony termin żądania ${p.reference}`,
      paragraphs: [
        [
          `żądanie: ${p.requestType} (numer ${p.reference}) miało termin odpowiedzi ${p.dueOn} i nie zostało zamknięte.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Request ${p.reference} is overdue`,
      paragraphs: [
        [`The request: ${p.requestType} (reference ${p.reference}) was due on ${p.dueOn} and is still open.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'backup.day_missed': {
    pl: (p) => ({
      subject: `Brak kopii zapasowej z dnia ${p.day}`,
      paragraphs: [
        [
          `w dniu ${p.day} nie powstała żadna udana kopia zapasowa danych klientów. Sprawdź klucz i katalog kopii oraz dziennik procesu roboczego.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `No backup on ${p.day}`,
      paragraphs: [
        [
          `No successful backup of customer data was made on ${p.day}. Check the backup key and folder, and the worker's log.`,
        ],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'processors.change_notice': {
    pl: (p) => ({
      subject: `Nowy podmiot przetwarzający w serwisie ${p.operatorName}: ${p.subProcessor}`,
      paragraphs: [
        [
          `informujemy, że zamierzamy powierzyć dalsze przetwarzanie powierzonych nam danych podmiotowi ${p.subProcessor} ` +
            `(cel: ${p.purpose}; kraj: ${p.location}).`,
        ],
        [
          `Sprzeciw możesz zgłosić do ${p.objectionUntil}. Bez sprzeciwu podmiot przetwarza Twoje dane od ${p.appliesFrom}.`,
        ],
        ['Aktualna lista podmiotów przetwarzających Twoje dane:'],
        [{ href: p.registryUrl, label: 'Rejestr podmiotów przetwarzających' }],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `New sub-processor at ${p.operatorName}: ${p.subProcessor}`,
      paragraphs: [
        [
          `We intend to engage ${p.subProcessor} as a sub-processor of the data you entrusted to us ` +
            `(purpose: ${p.purpose}; country: ${p.location}).`,
        ],
        [
          `You may object until ${p.objectionUntil}. Without an objection it processes your data from ${p.appliesFrom}.`,
        ],
        ['The current list of sub-processors of your data:'],
        [{ href: p.registryUrl, label: 'Sub-processor registry' }],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'processors.objection_decided': {
    pl: (p) => ({
      subject: `Rozpatrzyliśmy Twój sprzeciw wobec podmiotu ${p.subProcessor}`,
      paragraphs: [
        [
          `Twój sprzeciw wobec dalszego powierzenia danych podmiotowi ${p.subProcessor} został rozpatrzony: ${p.outcome}.`,
        ],
        [`Uzasadnienie: ${p.reason}`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `We have decided your objection to ${p.subProcessor}`,
      paragraphs: [
        [
          `Your objection to ${p.subProcessor} as a sub-processor of your data has been decided: ${p.outcome}.`,
        ],
        [`Reason: ${p.reason}`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'breaches.customer_notice': {
    pl: (p) => ({
      subject: `Naruszenie ochrony danych osobowych (${p.reference})`,
      paragraphs: [
        [
          `informujemy o naruszeniu ochrony powierzonych nam danych (numer ${p.reference}, stan: ${p.status}), stwierdzonym ${p.awareAt}.`,
        ],
        [`Okoliczności: ${p.circumstances}`],
        [`Prawdopodobne przyczyny: ${p.likelyCauses}`],
        [`Podjęte środki: ${p.measures}`],
        [`Dokumentacja: ${p.documentation}`],
        [`Kategorie danych: ${p.dataCategories}. Przybliżona liczba osób: ${p.approxSubjects}.`],
        [`Możesz uczestniczyć w wyjaśnianiu naruszenia; pytania prosimy kierować na adres ${p.contact}.`],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Personal data breach (${p.reference})`,
      paragraphs: [
        [
          `We are notifying you of a breach of the data you entrusted to us (reference ${p.reference}, status: ${p.status}), known since ${p.awareAt}.`,
        ],
        [`Circumstances: ${p.circumstances}`],
        [`Likely causes: ${p.likelyCauses}`],
        [`Measures taken: ${p.measures}`],
        [`Documentation: ${p.documentation}`],
        [`Data categories: ${p.dataCategories}. Approximate number of people: ${p.approxSubjects}.`],
        [`You may take part in the investigation; please send questions to ${p.contact}.`],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'breaches.notice_overdue': {
    pl: (p) => ({
      subject: `Przekroczony termin zawiadomienia o naruszeniu ${p.reference}`,
      paragraphs: [
        [
          `zawiadomienie o naruszeniu ${p.reference} (adresat: ${p.recipient}) miało termin ${p.dueAt} i nie zostało dokonane.`,
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Breach ${p.reference}: notice overdue`,
      paragraphs: [
        [
          `The notice of breach ${p.reference} (to: ${p.recipient}) was due at ${p.dueAt} and has not been made.`,
        ],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'entrusted.compliance_notice': {
    pl: (p) => ({
      subject: `Zawiadomienie o naruszeniu przepisów o ochronie danych (${p.reference})`,
      paragraphs: [
        [
          `stwierdziliśmy ${p.foundAt}, że przetwarzanie powierzonych nam danych narusza RODO (art. 28 ust. 3 lit. h).`,
        ],
        [`Ustalenie (numer ${p.reference}): ${p.finding}`],
        [`Dotyczy polecenia: ${p.instruction}`],
        ['Prosimy o usunięcie naruszenia; do tego czasu nie wykonujemy kwestionowanego polecenia.'],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Notice of a data protection infringement (${p.reference})`,
      paragraphs: [
        [
          `On ${p.foundAt} we found that the processing of the data you entrusted to us infringes the GDPR (art. 28(3)(h)).`,
        ],
        [`Finding (reference ${p.reference}): ${p.finding}`],
        [`Instruction concerned: ${p.instruction}`],
        ['Please remedy it; until then we do not carry out the instruction in question.'],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
  'entrusted.contact_restricted': {
    pl: (p) => ({
      subject: `Ograniczenie przetwarzania danych kontaktu ${p.contactId}`,
      paragraphs: [
        [
          `żądanie ograniczenia przetwarzania (art. 18 RODO) otrzymane ${p.receivedOn} uznaliśmy za zasadne: od ${p.restrictedOn} kontakt ${p.contactId} jest tylko przechowywany.`,
        ],
        [
          'Nie trafi do kampanii, eksportów marketingowych ani profilowania, a jego danych nie można zmieniać.',
        ],
      ],
      ...footerOf(p.clause, 'pl'),
    }),
    en: (p) => ({
      subject: `Processing of contact ${p.contactId} restricted`,
      paragraphs: [
        [
          `A restriction request (GDPR art. 18) received on ${p.receivedOn} was found justified: from ${p.restrictedOn} contact ${p.contactId} is only stored.`,
        ],
        ['It is left out of campaigns, marketing exports and profiling, and its data cannot be edited.'],
      ],
      ...footerOf(p.clause, 'en'),
    }),
  },
};

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

function textOf(paragraph: Paragraph): string {
  return paragraph.map((part) => (typeof part === 'string' ? part : part.href)).join('');
}

function htmlOf(paragraph: Paragraph): string {
  return paragraph
    .map((part) =>
      typeof part === 'string'
        ? escapeHtml(part).replaceAll('\n', '<br>\n')
        : `<a href="${escapeHtml(part.href)}">${escapeHtml(part.label)}</a>`,
    )
    .join('');
}

/**
 * Renders a mail in Polish or English: the subject, a plain-text part and an HTML part with the same
 * content, signed by the operator and, for lifecycle mails, ending with the clause that caused it.
 * Every parameter is HTML-escaped in the HTML part. Throws `notifications.invalid_template_params`
 * when the parameters do not match the template (they may come from JSON, past the type checker).
 */
export function renderTemplate<Id extends TemplateId>(
  id: Id,
  locale: Locale,
  params: TemplateParams[Id],
): RenderedMail {
  if (!isTemplateId(id) || (locale !== 'pl' && locale !== 'en')) {
    throw new AppError(notificationErrors.invalid_template_params, {
      message: `No mail template ${id} in locale ${locale}`,
      details: { template: id, locale },
    });
  }
  const checked = TemplateParams[id].safeParse(params);
  if (!checked.success) {
    throw new AppError(notificationErrors.invalid_template_params, {
      message: `Invalid parameters of mail template ${id}: ${z.prettifyError(checked.error)}`,
      details: { template: id, issues: checked.error.issues },
    });
  }
  const draft = wordings[id][locale](params);
  const paragraphs: Paragraph[] = [
    [frame[locale].greeting],
    ...draft.paragraphs,
    [frame[locale].signature(params.operatorName)],
  ];
  const text = [...paragraphs.map(textOf), ...(draft.footer ? [draft.footer] : [])].join('\n\n');
  const html = [
    '<!doctype html>',
    `<html lang="${locale}">`,
    `<head><meta charset="utf-8"><title>${escapeHtml(draft.subject)}</title></head>`,
    '<body>',
    ...paragraphs.map((paragraph) => `<p>${htmlOf(paragraph)}</p>`),
    ...(draft.footer ? [`<hr>\n<p><small>${escapeHtml(draft.footer)}</small></p>`] : []),
    '</body>',
    '</html>',
  ].join('\n');
  return { subject: draft.subject, text: text + '\n', html: html + '\n' };
}
