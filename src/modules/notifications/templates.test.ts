import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../platform/errors.ts';
import {
  escapeHtml,
  type Locale,
  renderTemplate,
  type TemplateId,
  type TemplateParams,
  templateIds,
} from './templates.ts';

// Values with characters that mean something in HTML, so that any unescaped parameter shows.
const hostile = `<b>"Kowalski" & 'Syn'</b>`;
const url = (path: string) => `https://app.example.com/${path}?token=a1&next=<x>&q="y"`;

const examples: { [Id in TemplateId]: TemplateParams[Id] } = {
  'account.activation': {
    operatorName: `Quanda ${hostile}`,
    companyName: `Firma ${hostile}`,
    activationUrl: url('activate'),
    validUntil: '15 marca 2026, 14:00',
  },
  'account.password_reset': {
    operatorName: 'Quanda',
    resetUrl: url('reset'),
    validUntil: `jutro ${hostile}`,
  },
  'account.password_changed': { operatorName: `Bookero ${hostile}` },
  'account.locked': { operatorName: 'ClickMeeting', until: `15.03.2026 14:30 ${hostile}` },
  'account.user_invited': {
    operatorName: 'Quanda',
    companyName: `Żółw ${hostile}`,
    inviteUrl: url('invite'),
  },
  'lifecycle.trial_ending': {
    operatorName: 'Quanda',
    clause: 'QU-BIL-01',
    planName: `Pro ${hostile}`,
    trialEndsOn: '15 marca 2026',
  },
  'lifecycle.trial_ended': {
    operatorName: 'Quanda',
    clause: 'QU-BIL-01',
    planName: 'Pro',
    trialEndedOn: `15 marca 2026 ${hostile}`,
    orderUrl: url('order'),
  },
  'lifecycle.free_period_ended': {
    operatorName: `Bookero ${hostile}`,
    clause: 'BK-BIL-02',
    endedOn: '1 kwietnia 2026',
    upgradeUrl: url('plans'),
  },
  'lifecycle.account_restricted': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-16',
    target: `konferencja conf_1 ${hostile}`,
    ground: 'terms_breach',
    reason: `Spam ${hostile}`,
    since: '7 lipca 2026, 14:00',
  },
  'lifecycle.restriction_lifted': {
    operatorName: 'Quanda',
    clause: 'QU-LIF-04',
    target: `dostęp do konta ${hostile}`,
    liftedOn: '2026-05-14',
  },
  'lifecycle.account_blocked': {
    operatorName: 'Bookero',
    clause: 'BK-LIF-03',
    ground: 'terms_breach',
    reason: `Spam ${hostile}`,
    clarifyBy: '2026-07-01',
    terminableFrom: '2026-07-02',
  },
  'lifecycle.termination_notice': {
    operatorName: 'Bookero',
    clause: 'BK-LIF-04',
    ground: 'reputation_harm',
    reason: `Opinie ${hostile}`,
    effectiveOn: '2026-06-04',
  },
  'lifecycle.account_terminated': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-17',
    ground: 'without_cause',
    reason: `Zmiana oferty ${hostile}`,
    effectiveOn: '2026-06-19',
    refund: '44,28 zł',
  },
  'lifecycle.withdrawal_accepted': {
    operatorName: 'Quanda',
    clause: 'QU-LIF-08',
    receivedOn: '2026-04-10',
    refund: `11 900,00 CZK ${hostile}`,
    refundBy: '2026-04-24',
  },
  'billing.invoice_issued': {
    operatorName: 'ClickMeeting',
    clause: 'CM-BIL-09',
    planName: `Live ${hostile}`,
    invoiceNumber: 'FV/2026/03/0001',
    issueDate: '2026-03-15',
    amount: '146,37 PLN',
    invoiceUrl: url('billing/invoices/inv_1'),
  },
  'billing.invoice_awaiting_payment': {
    operatorName: 'Quanda',
    clause: 'QU-BIL-05',
    planName: 'PROFESIONAL 200',
    invoiceNumber: `FV/2026/02/0001 ${hostile}`,
    issueDate: '2026-02-10',
    amount: '7 139,00 CZK',
    dueDate: '2026-02-24',
    invoiceUrl: url('billing/invoices/inv_2'),
  },
  'billing.renewal_failed': {
    operatorName: 'ClickMeeting',
    clause: 'CM-BIL-01',
    planName: 'Live',
    amount: '146,37 PLN',
    paidThrough: '2026-04-14',
    nextAttemptOn: `2026-04-16 ${hostile}`,
    billingUrl: url('billing'),
  },
  'billing.switched_to_free': {
    operatorName: 'Host-Tracker',
    clause: 'HT-BIL-02',
    planName: `Pakiet bezpłatny ${hostile}`,
    previousPlanName: 'Basic',
    paidThrough: '2026-05-11',
    effectiveOn: '2026-05-12',
    billingUrl: url('billing'),
  },
  'billing.plan_changed': {
    operatorName: 'Quanda',
    clause: 'QU-BIL-09',
    planName: `PROFESIONAL 500 ${hostile}`,
    previousPlanName: 'PROFESIONAL 200',
    effectiveOn: '2026-07-02',
    price: '24000.00 CZK',
    billingUrl: url('billing'),
  },
  'billing.price_change_notice': {
    operatorName: 'ClickMeeting',
    clause: 'CM-BIL-03',
    planName: 'Live',
    oldPrice: '119,00 PLN',
    newPrice: `139,00 PLN ${hostile}`,
    appliesFrom: '2026-07-10',
    objectionUntil: '2026-07-10',
    billingUrl: url('billing'),
  },
  'lifecycle.unpaid_restricted': {
    operatorName: 'Bookero',
    clause: 'BK-LIF-01',
    unpaidSince: `2026-04-30 ${hostile}`,
    billingUrl: url('billing'),
  },
  'lifecycle.unpaid_blocked': {
    operatorName: 'Quanda',
    clause: 'QU-LIF-01',
    unpaidSince: `2026-04-15 ${hostile}`,
    billingUrl: url('billing'),
  },
  'lifecycle.unpaid_expired': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-02',
    paidThrough: '2026-03-31',
    restoreBy: `2026-06-30 ${hostile}`,
    restoreUrl: url('restore'),
  },
  'lifecycle.unpaid_soft_deleted': {
    operatorName: 'Quanda',
    clause: 'QU-LIF-02',
    unpaidSince: '2026-04-15',
    purgeOn: `2026-08-14 ${hostile}`,
  },
  'lifecycle.unpaid_deletion_warning': {
    operatorName: 'Bookero',
    clause: 'BK-LIF-02',
    deletableFrom: `2026-05-31 ${hostile}`,
    exportUrl: url('export'),
    billingUrl: url('billing'),
  },
  'lifecycle.access_restored': {
    operatorName: 'Quanda',
    clause: 'QU-LIF-01',
    restoredOn: `2026-04-25 ${hostile}`,
  },
  'lifecycle.account_purged': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-13',
    purgedOn: `2026-04-01 ${hostile}`,
  },
  'lifecycle.cancellation_confirmed': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-11',
    requestedOn: '2026-02-10',
    lastDay: `2026-02-28 ${hostile}`,
  },
  'lifecycle.liquidated': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-09',
    endedOn: '2026-02-28',
    restoreBy: `2026-03-31 ${hostile}`,
    restoreUrl: url('restore'),
  },
  'lifecycle.contract_ended': {
    operatorName: 'Quanda',
    clause: 'QU-LIF-05',
    endedOn: `2026-05-31 ${hostile}`,
  },
  'lifecycle.suspension_scheduled': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-05',
    startsOn: '2026-03-16',
    reactivateOn: `2026-06-14 ${hostile}`,
  },
  'lifecycle.suspended': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-05',
    reactivateOn: `2026-06-14 ${hostile}`,
    reactivateUrl: url('reactivate'),
  },
  'lifecycle.reactivated': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-07',
    reactivatedOn: `2026-04-02 ${hostile}`,
  },
  'lifecycle.account_deleted': {
    operatorName: 'MyOwnConference',
    clause: 'MOC-LIF-01',
    deletedOn: `2026-05-06 ${hostile}`,
  },
  'lifecycle.discontinuation_notice': {
    operatorName: 'Quanda',
    clause: 'QU-LIF-10',
    part: `Ankiety online ${hostile}`,
    effectiveOn: '2026-10-01',
    lastDay: '2026-09-30',
    exportUrl: url('export'),
  },
  'lifecycle.restore_refused': {
    operatorName: 'ClickMeeting',
    clause: 'CM-LIF-14',
    requestedOn: `2026-04-20 ${hostile}`,
  },
  'retention.purge_warning': {
    operatorName: 'Quanda',
    clause: 'QU-RET-04',
    categoryName: `Kampanie ${hostile}`,
    purgeOn: '2026-03-02',
    exportUrl: url('export'),
  },
  'retention.use_check': {
    operatorName: 'Host-Tracker',
    clause: 'HT-PRV-03',
    lastUsedOn: `2024-05-01 ${hostile}`,
    confirmUrl: url('account'),
  },
  'marketing.message': {
    operatorName: 'ClickMeeting',
    title: `Nowości ${hostile}`,
    content: `Jeden akapit ${hostile}`,
    unsubscribeUrl: url('unsubscribe'),
  },
  'privacy.request_routed': {
    operatorName: 'Bookero',
    clause: 'BK-PRV-01',
    reference: 'dsrr_1',
    requestType: `usunięcie danych ${hostile}`,
    requester: `klient@example.com ${hostile}`,
    receivedOn: '2026-04-14',
    dueOn: '2026-05-14',
    statement: `Proszę usunąć moje dane ${hostile}`,
  },
  'privacy.request_routed_requester': {
    operatorName: 'MyOwnConference',
    clause: 'MOC-PRV-02',
    reference: 'dsrr_2',
    requestType: 'erasure',
    controller: `Salon ${hostile}`,
    authority: `Prezes UODO ${hostile}`,
  },
  'privacy.request_received': {
    operatorName: 'ClickMeeting',
    clause: 'CM-PRV-03',
    requestType: `kopia danych ${hostile}`,
    reference: 'dsr_1',
    receivedOn: '2026-03-02',
    dueOn: '2026-04-01',
    authority: `Prezes UODO ${hostile}`,
  },
  'privacy.identity_requested': {
    operatorName: 'ClickMeeting',
    clause: 'CM-PRV-02',
    requestType: 'kopia danych',
    reference: 'dsr_1',
    dueOn: '2026-04-01',
    authority: 'Prezes UODO',
  },
  'privacy.request_extended': {
    operatorName: 'ClickMeeting',
    requestType: 'dostęp',
    reference: 'dsr_1',
    dueOn: '2026-06-01',
    reasons: `wiele żądań ${hostile}`,
    authority: 'Prezes UODO',
  },
  'privacy.fee_quoted': {
    operatorName: 'ClickMeeting',
    clause: 'CM-PRV-04',
    reference: 'dsr_2',
    amount: '25,00 PLN',
    basis: `koszt ${hostile}`,
    authority: 'Prezes UODO',
  },
  'privacy.request_answered': {
    operatorName: 'ClickMeeting',
    clause: 'CM-PRV-06',
    requestType: 'usunięcie danych',
    reference: 'dsr_3',
    outcome: `Dane usunięte ${hostile}`,
    recipients: 'Stripe',
    authority: 'Prezes UODO',
  },
  'privacy.restriction_ending': {
    operatorName: 'ClickMeeting',
    clause: 'CM-PRV-07',
    reference: 'dsr_4',
    liftsOn: '2026-04-01',
    authority: 'Prezes UODO',
  },
  'backup.day_missed': {
    operatorName: 'Quanda',
    clause: 'QU-SEC-01',
    day: '2026-05-12',
  },
  'privacy.request_overdue': {
    operatorName: 'ClickMeeting',
    clause: 'CM-PRV-03',
    requestType: 'dostęp',
    reference: 'dsr_5',
    dueOn: '2026-04-01',
  },
  'processors.change_notice': {
    operatorName: 'Quanda',
    clause: 'QU-PRC-11',
    subProcessor: `MessageBird B.V. ${hostile}`,
    purpose: 'SMS',
    location: 'NL',
    appliesFrom: '2026-06-10',
    objectionUntil: '2026-06-09',
    registryUrl: url('accounts/acc_1/sub-processors'),
  },
  'processors.objection_decided': {
    operatorName: 'Bookero',
    clause: 'BK-PRC-12',
    subProcessor: `Vercom S.A. ${hostile}`,
    outcome: 'uwzględniony',
    reason: 'Dane nie trafią do tego podmiotu',
  },
  'breaches.customer_notice': {
    operatorName: 'Bookero',
    clause: 'BK-PRC-06',
    reference: 'brc_1',
    awareAt: '8 lipca 2026, 14:00',
    status: 'suspected',
    circumstances: `Nieuprawniony dostęp ${hostile}`,
    likelyCauses: 'wyciek hasła',
    measures: 'zmiana haseł',
    documentation: 'raport IR-7',
    dataCategories: 'e-mail, telefon',
    approxSubjects: '120',
    contact: 'partner@bookero.pl',
  },
  'breaches.notice_overdue': {
    operatorName: 'Bookero',
    clause: 'BK-PRC-06',
    reference: 'brc_1',
    recipient: 'klienci',
    dueAt: '9 lipca 2026, 14:00',
  },
  'entrusted.compliance_notice': {
    operatorName: 'Quanda',
    clause: 'QU-PRC-09',
    reference: 'cmp_1',
    foundAt: '2 června 2026',
    finding: `Kontakty importované bez právního základu ${hostile}`,
    instruction: 'ins_1',
  },
  'entrusted.contact_restricted': {
    operatorName: 'Quanda',
    clause: 'QU-PRC-08',
    contactId: `ctc_1 ${hostile}`,
    receivedOn: '2026-05-04',
    restrictedOn: '2026-05-05',
  },
  'billing.not_renewed': {
    operatorName: 'Bookero',
    clause: 'BK-BIL-05',
    planName: `Standard ${hostile}`,
    paidThrough: '2026-06-30',
    billingUrl: url('billing'),
  },
  'billing.renewal_reminder': {
    operatorName: 'ClickMeeting',
    clause: 'CM-BIL-10',
    planName: `Live ${hostile}`,
    periodEnd: '2026-06-30',
    amount: '123,00 PLN',
    deadline: '2026-06-30',
    billingUrl: url('billing'),
  },
};

const locales: Locale[] = ['pl', 'en'];

function everyRendering() {
  return templateIds.flatMap((id) =>
    locales.map((locale) => {
      const params: Record<string, string> = examples[id];
      return { id, locale, params, mail: renderTemplate(id, locale, examples[id]) };
    }),
  );
}

describe('renderTemplate', () => {
  it('has an example for every template, so every template is rendered below', () => {
    assert.deepEqual(Object.keys(examples).sort(), [...templateIds].sort());
  });

  for (const { id, locale, params, mail } of everyRendering()) {
    it(`${id} (${locale}): fills every parameter and leaves no placeholder`, () => {
      assert.ok(mail.subject.length > 0);
      for (const part of [mail.subject, mail.text, mail.html]) {
        assert.doesNotMatch(part, /\$\{|\{\{|\}\}|undefined|null|NaN|\[object /);
      }
      for (const [name, value] of Object.entries(params)) {
        if (name === 'clause') continue;
        assert.ok(mail.text.includes(value), `text lacks ${name}: ${value}`);
        assert.ok(mail.html.includes(escapeHtml(value)), `html lacks escaped ${name}: ${value}`);
      }
      assert.match(mail.text, new RegExp(locale === 'pl' ? '^Dzień dobry,' : '^Hello,'));
      assert.ok(
        mail.text.includes(
          locale === 'pl' ? `Zespół ${params.operatorName}` : `The ${params.operatorName} team`,
        ),
        'signed by the operator',
      );
      assert.match(mail.html, new RegExp(`^<!doctype html>\\n<html lang="${locale}">`));
    });

    it(`${id} (${locale}): escapes every parameter in the HTML part`, () => {
      assert.ok(!mail.html.includes('<b>'), 'a raw <b> from a parameter reached the HTML');
      assert.ok(!mail.html.includes('<x>'), 'a raw <x> from a URL reached the HTML');
      assert.ok(!mail.html.includes(`"Kowalski"`));
      const textWithHostile = Object.values(params).some((value) => value.includes(hostile));
      if (textWithHostile) assert.ok(mail.html.includes(escapeHtml(hostile)));
      for (const href of mail.html.matchAll(/<a href="([^"]*)">/g)) {
        assert.ok(Object.values(params).map(escapeHtml).includes(href[1]!), `unexpected link ${href[1]}`);
      }
    });

    it(`${id} (${locale}): names the clause in the footer of a mail a rule caused (lifecycle, billing) only`, () => {
      const footer = locale === 'pl' ? `Podstawa: ${params.clause}` : `Basis: ${params.clause}`;
      // Mails a rule caused (lifecycle, billing, retention, privacy answers, sub-processor and breach notices, backup alarms)
      // cite the clause when given one.
      if (
        /^(lifecycle|billing|retention|privacy|processors|breaches|backup|entrusted)\./.test(id) &&
        params.clause
      ) {
        assert.ok(mail.text.trimEnd().endsWith(footer), `text should end with ${footer}`);
        assert.ok(mail.html.includes(`<small>${footer}</small>`));
      } else {
        assert.doesNotMatch(mail.text, /Podstawa:|Basis:/);
      }
    });
  }

  it('writes Polish with diacritics and English in English', () => {
    const pl = renderTemplate('account.activation', 'pl', examples['account.activation']);
    const en = renderTemplate('account.activation', 'en', examples['account.activation']);
    assert.match(pl.text, /Link jest ważny do 15 marca 2026, 14:00\./);
    assert.match(pl.html, /<a href="[^"]+">Aktywuj konto<\/a>/);
    assert.match(en.text, /The link is valid until 15 marca 2026, 14:00\./);
    assert.match(en.html, /<a href="[^"]+">Activate account<\/a>/);
    assert.notEqual(pl.subject, en.subject);
  });

  it('puts a link on a line of its own in the text part', () => {
    const mail = renderTemplate('lifecycle.trial_ended', 'pl', examples['lifecycle.trial_ended']);
    assert.ok(mail.text.includes(`\n\n${examples['lifecycle.trial_ended'].orderUrl}\n\n`));
  });

  const invalid: { name: string; id: TemplateId; params: Record<string, unknown>; path: string }[] = [
    {
      name: 'a missing parameter',
      id: 'account.locked',
      params: { operatorName: 'Quanda' },
      path: 'until',
    },
    {
      name: 'an unknown parameter',
      id: 'account.password_changed',
      params: { operatorName: 'Quanda', userName: 'Jan' },
      path: '',
    },
    {
      name: 'a javascript: link',
      id: 'account.password_reset',
      params: { operatorName: 'Quanda', resetUrl: 'javascript:alert(1)', validUntil: 'jutro' },
      path: 'resetUrl',
    },
    {
      name: 'a line break in a value',
      id: 'account.locked',
      params: { operatorName: 'Quanda', until: 'jutro\nBcc: x@example.com' },
      path: 'until',
    },
    {
      name: 'an empty value',
      id: 'account.locked',
      params: { operatorName: '', until: 'jutro' },
      path: 'operatorName',
    },
    {
      name: 'a clause id not in the catalog form',
      id: 'lifecycle.trial_ending',
      params: { operatorName: 'Quanda', clause: 'art. 8.9', planName: 'Pro', trialEndsOn: 'jutro' },
      path: 'clause',
    },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name} at run time (parameters may come from JSON)`, () => {
      assert.throws(
        () => renderTemplate(c.id, 'pl', c.params as never),
        (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, 'notifications.invalid_template_params');
          const issues = error.details?.['issues'] as { path: PropertyKey[] }[];
          assert.ok(issues.some((issue) => issue.path.join('.') === c.path));
          return true;
        },
      );
    });
  }

  it('refuses an unknown template id or locale at run time', () => {
    for (const [id, locale] of [
      ['account.deleted', 'pl'],
      ['account.locked', 'de'],
    ]) {
      assert.throws(() => renderTemplate(id as TemplateId, locale as Locale, examples['account.locked']), {
        code: 'notifications.invalid_template_params',
      });
    }
  });

  it('makes a wrong parameter a compile error (checked by tsc, never run)', () => {
    const compileOnly = () => {
      // @ts-expect-error: the activation mail has no `resetUrl`
      renderTemplate('account.activation', 'pl', { ...examples['account.password_reset'] });
      // @ts-expect-error: `until` is missing
      renderTemplate('account.locked', 'en', { operatorName: 'Quanda' });
      // @ts-expect-error: the trial-ending mail needs the day the trial ends
      renderTemplate('lifecycle.trial_ending', 'en', {
        operatorName: 'Q',
        planName: 'Pro',
        clause: 'QU-BIL-01',
      });
    };
    assert.equal(typeof compileOnly, 'function');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    assert.equal(
      escapeHtml(`<a href="x">Tom & 'Jerry'</a>`),
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
    assert.equal(escapeHtml('Zażółć gęślą jaźń'), 'Zażółć gęślą jaźń');
  });
});
