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
/** A mail a rule caused (lifecycle, billing) also names the clause of the terms behind it, in its footer. */
const lifecycleMail = { operatorName: phrase, clause: clauseId };
/** Billing mails cite the clause where the policy names one (a custom policy may leave it out). */
const billingMail = { operatorName: phrase, clause: clauseId.optional() };

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
};
export type TemplateId = keyof typeof TemplateParams;
export type TemplateParams = { [Id in TemplateId]: z.infer<(typeof TemplateParams)[Id]> };

export const templateIds = Object.keys(TemplateParams) as TemplateId[];

export function isTemplateId(value: string): value is TemplateId {
  return Object.hasOwn(TemplateParams, value);
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
      footer: basis.pl(p.clause),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} trial ends on ${p.trialEndsOn}`,
      paragraphs: [
        [`Your trial of the ${p.planName} plan on ${p.operatorName} ends on ${p.trialEndsOn}.`],
        ['To keep using the service without a break, place an order before the trial ends.'],
      ],
      footer: basis.en(p.clause),
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
      footer: basis.pl(p.clause),
    }),
    en: (p) => ({
      subject: `Your ${p.operatorName} trial has ended`,
      paragraphs: [
        [`Your trial of the ${p.planName} plan on ${p.operatorName} ended on ${p.trialEndedOn}.`],
        ['To continue using the service, place an order:'],
        [{ href: p.orderUrl, label: 'Place an order' }],
      ],
      footer: basis.en(p.clause),
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
      footer: basis.pl(p.clause),
    }),
    en: (p) => ({
      subject: `Your free period on ${p.operatorName} has ended`,
      paragraphs: [
        [`The free period of your ${p.operatorName} account ended on ${p.endedOn}.`],
        ['To keep using the service, choose a paid plan:'],
        [{ href: p.upgradeUrl, label: 'Choose a plan' }],
      ],
      footer: basis.en(p.clause),
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
