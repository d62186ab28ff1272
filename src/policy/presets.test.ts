import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadPreset, type Plan, type Policy, policyHash, presetNames, presetPath } from './index.ts';

function plan(policy: Policy, code: string): Plan {
  const found = policy.plans.find((candidate) => candidate.code === code);
  assert.ok(found, `plan ${code} in ${policy.id}`);
  return found;
}

function retention(policy: Policy, id: string) {
  const found = policy.retention.categories.find((category) => category.id === id);
  assert.ok(found, `retention category ${id} in ${policy.id}`);
  return found;
}

/** A source: a clause id, the seed-silent marker, or a citation of the seed's numbering or section heading. */
const sourced =
  /(CM|QU|MOC|HT|BK)-[A-Z]{3}-\d{2}|default \(seed silent\)|art\. \d|§ \d|Zał\. 1|Regulamin|Polityka|Program Partnerski|preamble|intro|footer|catalog|(MOC|HT) "/;

/**
 * Value lines whose comment cites no source. A line without a comment is covered by the comment of the
 * key it belongs to (the nearest less-indented line), e.g. the items of a block list; `clause:` lines
 * name their clause as the value.
 */
function unsourcedLines(yaml: string): { line: string; number: number }[] {
  const lines = yaml.split('\n');
  const indentOf = (line: string) => line.length - line.trimStart().length;
  const commentOf = (line: string) => /\s#\s(.*)$/.exec(line)?.[1];
  return lines
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(
      ({ line }) =>
        line.trim() !== '' && !line.trimStart().startsWith('#') && !/^\s*(- )?clause: /.test(line),
    )
    .filter(({ line, number }) => {
      const comment = commentOf(line);
      if (comment !== undefined) return !sourced.test(comment);
      if (/:\s*$/.test(line)) return false; // a key whose value follows on the next lines
      const parent = lines
        .slice(0, number - 1)
        .reverse()
        .find((candidate) => candidate.trim() !== '' && indentOf(candidate) < indentOf(line));
      const parentComment = parent === undefined ? undefined : commentOf(parent);
      return parentComment === undefined || !sourced.test(parentComment);
    });
}

describe('every preset', () => {
  for (const name of presetNames) {
    it(`${name}: loads, validates and is named after its file`, () => {
      const policy = loadPreset(name);
      assert.equal(policy.id, name);
      assert.deepEqual(policy.locale.languages, ['pl', 'en']);
    });

    it(`${name}: has paid plans with features, limits and prices in its currency, so entitlements can be computed`, () => {
      const policy = loadPreset(name);
      const paid = policy.plans.filter((candidate) => candidate.kind === 'paid');
      assert.ok(paid.length >= 2);
      for (const candidate of policy.plans) {
        assert.ok(candidate.features.length > 0, `${candidate.code} has features`);
        assert.ok(Object.keys(candidate.limits).length > 0, `${candidate.code} has limits`);
      }
      for (const candidate of paid) {
        assert.match(candidate.prices?.monthly?.[policy.locale.currency] ?? '', /^\d+\.\d{2}$/);
      }
    });

    it(`${name}: every value line names its clause or is marked "default (seed silent)"`, () => {
      assert.deepEqual(unsourcedLines(readFileSync(presetPath(name), 'utf8')), []);
    });
  }

  it('the source-comment check flags a value without a source', () => {
    assert.deepEqual(
      unsourcedLines('a:\n  b: 1 # QU-BIL-01\n  c: 2\n  d: 3 # why not\nitems: # BK § 2\n  - x\n'),
      [
        { line: '  c: 2', number: 3 },
        { line: '  d: 3 # why not', number: 4 },
      ],
    );
  });

  it('the five presets are five different policies', () => {
    const hashes = new Set(presetNames.map((name) => policyHash(loadPreset(name))));
    assert.equal(hashes.size, 5);
  });
});

describe('quanda', () => {
  const quanda = loadPreset('quanda');

  it('runs in CZK on Prague time with the Czech business calendar', () => {
    assert.equal(quanda.locale.currency, 'CZK');
    assert.equal(quanda.locale.timeZone, 'Europe/Prague');
    assert.equal(quanda.locale.businessCalendar, 'CZ');
  });

  it('QU BIL 01: quanda trial is 14 days on plan trial, then trial_ended', () => {
    assert.equal(quanda.trial?.enabled, true);
    assert.equal(quanda.trial?.days, 14);
    assert.equal(quanda.trial?.planCode, 'trial');
    assert.equal(quanda.trial?.afterTrialPlanCode, 'trial_ended');
    assert.equal(plan(quanda, 'trial_ended').kind, 'trial_ended');
    assert.equal(quanda.trial?.clauses.length, 'QU-BIL-01');
  });

  it('QU BIL 01: the trial has the PROFESIONAL 200 scope', () => {
    const trial = plan(quanda, 'trial');
    const professional = plan(quanda, 'professional_200');
    assert.equal(trial.scopeOf, 'professional_200');
    assert.deepEqual(trial.limits, professional.limits);
    assert.equal(trial.limits['contacts'], 200);
  });

  it('QU BIL 02: one trial per customer, matched on company ID or e-mail', () => {
    assert.equal(quanda.trial?.perCustomer, 1);
    assert.deepEqual(quanda.trial?.identityKeys, ['tax_id', 'email']);
    assert.equal(quanda.trial?.clauses.onePerCustomer, 'QU-BIL-02');
  });

  it('QU ACC 01: legal capacity declaration and the registering person of a legal person', () => {
    assert.equal(quanda.registration.requireLegalCapacityDeclaration, true);
    assert.equal(quanda.registration.requireRegisteringPerson, true);
    assert.equal(quanda.registration.requireBusinessDeclaration, false);
  });

  it('QU ACC 03: the contract is concluded at the first login after the activation link', () => {
    assert.equal(quanda.registration.contractConcludedAt, 'first_login_after_activation');
    assert.equal(quanda.registration.activationLink.required, true);
    assert.equal(quanda.registration.clause, 'QU-ACC-03');
  });

  it('QU ACC 05: the subdomain is write-once on onquanda.com', () => {
    assert.deepEqual(quanda.registration.subdomain, {
      enabled: true,
      writeOnce: true,
      baseDomain: 'onquanda.com',
    });
  });

  it('QU ACC 08: branding can be switched off only on paid plans', () => {
    for (const candidate of quanda.plans) {
      assert.equal(
        candidate.features.includes('branding_removal'),
        candidate.kind === 'paid',
        candidate.code,
      );
    }
  });

  it('QU BIL 05/06: 14-day terms, annual renewal invoiced 14 days ahead, monthly on the 1st, first invoice within 3 days', () => {
    assert.equal(quanda.billing.invoiceTiming, 'ahead_with_terms');
    assert.equal(quanda.billing.paymentTermsDays, 14);
    assert.deepEqual(quanda.billing.renewalInvoiceLeadDays, { monthly: 0, annual: 14 });
    assert.equal(quanda.billing.monthlyAnchor, 'fixed_day');
    assert.equal(quanda.billing.monthlyAnchorDay, 1);
    assert.equal(quanda.billing.firstMonthlyPeriod, 'prorated_to_anchor');
    assert.equal(quanda.billing.firstInvoiceMaxDays, 3);
    assert.equal(quanda.billing.dayCount, 'calendar');
  });

  it('QU BIL 07: invoices are deemed delivered the next business day', () => {
    assert.equal(quanda.billing.invoiceDeemedDeliveredBusinessDays, 1);
    assert.equal(quanda.billing.provenLateDeliveryExtendsDueDate, true);
  });

  it('QU BIL 08: CZ VAT 21%, reverse charge for EU businesses', () => {
    assert.equal(quanda.billing.vat?.domesticCountry, 'CZ');
    assert.equal(quanda.billing.vat?.domesticRatePercent, '21');
    assert.equal(quanda.billing.vat?.euBusiness, 'reverse_charge');
  });

  it('QU BIL 10: a downgrade waits 30 days after the last plan change', () => {
    assert.equal(quanda.billing.planChanges.downgradeMinDaysSinceLastChange, 30);
  });

  it('QU LIF 01/02/03: blocked after 5 days overdue, soft-deleted after 60, purged after 120', () => {
    assert.equal(quanda.dunning.overdueFrom, 'invoice_due_date');
    assert.equal(quanda.dunning.blockAfterOverdueDays, 5);
    assert.equal(quanda.dunning.softDeleteAfterOverdueDays, 60);
    assert.equal(quanda.dunning.hardDeleteAfterOverdueDays, 120);
    assert.deepEqual(quanda.restore.writtenAgreementWindow, { fromOverdueDays: 60, untilOverdueDays: 120 });
  });

  it('QU LIF 05: a provider notice runs at least 30 days', () => {
    assert.equal(quanda.termination.providerNoticeMinDays, 30);
    assert.equal(quanda.termination.customerPaidEffective, 'end_of_billing_period');
  });

  it('QU LIF 08: 30-day withdrawal for every customer, refund less 100 CZK', () => {
    assert.equal(quanda.billing.withdrawal?.days, 30);
    assert.equal(quanda.billing.withdrawal?.eligibility, 'all_customers');
    assert.deepEqual(quanda.billing.handlingFees.withdrawal, { amount: '100.00', currency: 'CZK' });
  });

  it('QU LEG 01/02: 5-day objection from deemed delivery, refund less 100 CZK', () => {
    assert.deepEqual(quanda.changeNotices.terms.objection?.window, { days: 5 });
    assert.equal(quanda.changeNotices.terms.objection?.countsFrom, 'deemed_delivery');
    assert.deepEqual(quanda.billing.handlingFees.termsObjectionRefund, { amount: '100.00', currency: 'CZK' });
  });

  it('QU LIF 09, QU PRC 12: customer data purged within 30 days of the end, backups included', () => {
    assert.deepEqual(retention(quanda, 'customer_content').period, { days: 30 });
    assert.equal(quanda.processor.deletionAfterEndDays, 30);
    assert.equal(quanda.processor.deletionIncludesBackups, true);
  });

  it('QU PRV 01: identification data kept 10 years after the end', () => {
    assert.deepEqual(retention(quanda, 'registration_identity').period, { years: 10 });
  });

  it('QU RET 04..07: ended items 5 years, drafts 5 years, activity 3 years', () => {
    assert.deepEqual(retention(quanda, 'campaigns_ended').period, { years: 5 });
    assert.equal(retention(quanda, 'campaigns_ended').state, 'ended');
    assert.equal(retention(quanda, 'campaign_drafts_never_sent').trigger, 'created');
    assert.equal(retention(quanda, 'transactional_drafts').trigger, 'last_modified');
    assert.deepEqual(retention(quanda, 'recipient_activity').period, { years: 3 });
  });

  it('QU CNS 02: marketing e-mail stops 3 years after the last use', () => {
    const category = retention(quanda, 'marketing_email');
    assert.equal(category.trigger, 'last_use');
    assert.deepEqual(category.period, { years: 3 });
  });

  it('QU PRC 10: SendGrid and MessageBird only for customers sending through them', () => {
    const scopes = Object.fromEntries(quanda.processor.subProcessors.map((entry) => [entry.id, entry.scope]));
    assert.deepEqual(scopes, {
      coex: 'all',
      linode: 'all',
      neverbounce: 'all',
      sendgrid: 'integration:sendgrid',
      messagebird: 'integration:bird',
    });
  });

  it('QU PRC 11: new sub-processors can be objected to within 3 business days', () => {
    assert.deepEqual(quanda.processor.subProcessorChanges?.objectionWindow, { businessDays: 3 });
  });

  it('QU PRC 07, QU PRC 13: breach notice within 24 h, audits announced 30 days ahead', () => {
    assert.equal(quanda.notifications.breachNotifyHours.customers, 24);
    assert.equal(quanda.processor.auditNoticeMinDays, 30);
  });

  it('QU SLA 01..05: 96% per billing period, one 4-hour window a month, 30-day claims, 2-hour outage notice', () => {
    const guarantee = quanda.availability.guarantee;
    assert.equal(guarantee?.targetPercent, 96);
    assert.equal(guarantee?.measuredOver, 'billing_period');
    assert.equal(guarantee?.claimDays, 30);
    assert.equal(guarantee?.creditCurrency, 'CZK');
    assert.equal(quanda.availability.maintenance.maxWindowsPerMonth, 1);
    assert.equal(quanda.availability.maintenance.maxWindowHours, 4);
    assert.equal(quanda.availability.outage?.notifyAfterHours, 2);
  });

  it('QU NOT 01: notices are deemed delivered on the 3rd day', () => {
    assert.equal(quanda.notifications.deemedDeliveryDays, 3);
  });

  it('QU ACC 09: the browser support floor', () => {
    assert.deepEqual(quanda.compatibility?.minBrowserVersions, {
      ie: 11,
      chrome: 58,
      safari: 5,
      firefox: 53,
    });
  });
});

describe('clickmeeting', () => {
  const cm = loadPreset('clickmeeting');

  it('runs in PLN on Warsaw time with the Polish calendar', () => {
    assert.equal(cm.locale.currency, 'PLN');
    assert.equal(cm.locale.timeZone, 'Europe/Warsaw');
    assert.equal(cm.locale.businessCalendar, 'PL');
  });

  it('CM ACC 01/02: sign-up requires the business and 18+ declarations', () => {
    assert.equal(cm.registration.requireBusinessDeclaration, true);
    assert.equal(cm.registration.requireAdultDeclaration, true);
  });

  it('CM ACC 03/04: one free account per customer, always with a finite period (default 30 days)', () => {
    assert.equal(cm.registration.freeAccountsPerCustomer, 1);
    assert.ok(cm.registration.freeAccountIdentityKeys.includes('tax_id'));
    assert.equal(cm.freePlans.timeLimited, true);
    assert.equal(plan(cm, 'free').freePeriodDays, 30);
    assert.equal(plan(cm, 'free').clause, 'CM-ACC-04');
    assert.equal(cm.trial, null);
  });

  it('CM LIF 01: the contract starts when the account is created', () => {
    assert.equal(cm.registration.contractConcludedAt, 'registration');
  });

  it('CM BIL 01/07/09: prepaid, 30/360 pro rata, invoiced after payment', () => {
    assert.equal(cm.billing.prepaid, true);
    assert.equal(cm.billing.dayCount, '30/360');
    assert.equal(cm.billing.invoiceTiming, 'after_payment');
    assert.equal(cm.billing.vat?.domesticRatePercent, '23');
  });

  it('CM BIL 04: refunds only for the four listed reasons', () => {
    assert.deepEqual(cm.billing.refundReasonCodes, [
      'withdrawal',
      'termination_without_cause',
      'eligible_user_important_reason',
      'mandatory_law_or_court_order',
    ]);
  });

  it('CM BIL 06: add-ons are card-only, renew with the subscription and start prorated', () => {
    assert.equal(cm.addOns.length, 4);
    for (const addOn of cm.addOns) {
      assert.equal(addOn.cardPaymentOnly, true);
      assert.equal(addOn.renewsWithSubscription, true);
      assert.equal(addOn.firstChargeProrated, true);
    }
  });

  it('CM BIL 03, CM DOC 03: 30 days notice of price changes, 10 days to object to new terms after they take effect', () => {
    assert.equal(cm.changeNotices.prices.noticeMinDays, 30);
    assert.deepEqual(cm.changeNotices.terms.objection?.window, { days: 10 });
    assert.equal(cm.changeNotices.terms.objection?.countsFrom, 'effective_date');
  });

  it('CM LIF 02/03: expired the day after the paid period, restorable for 90 days', () => {
    assert.equal(cm.dunning.overdueFrom, 'paid_period_end');
    assert.equal(cm.dunning.blockAfterOverdueDays, 0);
    assert.equal(cm.restore.expiredDays, 90);
  });

  it('CM LIF 13, CM PRC 04: liquidated accounts restorable for 30 days, backups kept 120 more', () => {
    assert.equal(cm.restore.liquidatedDays, 30);
    assert.equal(cm.retention.backups.retentionDays, 120);
  });

  it('CM LIF 04: suspension for at most 90 days, never past the card expiry', () => {
    assert.equal(cm.suspension?.maxDays, 90);
    assert.equal(cm.suspension?.notPastCardExpiry, true);
  });

  it('CM LIF 19/20: eligible sole traders may withdraw within 14 days, refunded in full within 14 days', () => {
    assert.equal(cm.billing.withdrawal?.days, 14);
    assert.equal(cm.billing.withdrawal?.eligibility, 'eligible_sole_traders');
    assert.equal(cm.billing.withdrawal?.refund, 'all_payments');
    assert.equal(cm.billing.handlingFees.withdrawal, null);
  });

  it('CM PRV 03/06: requests answered in 30 days, capped at a month; erasure keeps the legal-hold fields', () => {
    assert.equal(cm.dataSubjectRequests.responseDays, 30);
    assert.equal(cm.dataSubjectRequests.capAtOneCalendarMonth, true);
    assert.deepEqual(cm.dataSubjectRequests.legalHoldFields, [
      'first_name',
      'last_name',
      'email',
      'usage_history',
      'consent_log',
    ]);
  });

  it('CM SUP 03: support contacts the user within 2 business days', () => {
    assert.deepEqual(cm.complaints.statusUpdateDeadline, { businessDays: 2 });
    assert.equal(cm.complaints.anonymousAllowed, false);
  });

  it('CM PAR 05/07: 30% recurring commission, paid out above 150 PLN (the seed says "exceed")', () => {
    assert.equal(cm.partnerProgram?.commissionPercent, 30);
    assert.deepEqual(cm.partnerProgram?.payoutThreshold, { amount: '150.00', currency: 'PLN' });
    assert.equal(cm.partnerProgram?.payoutThresholdRule, 'exceeds');
    assert.equal(cm.partnerProgram?.riskHoldMaxMonths, 3);
    assert.equal(cm.partnerProgram?.inactivityCloseMonths, 6);
  });

  it('CM CKE 01: five cookie purposes, analytics and advertising by opt-in', () => {
    assert.deepEqual(
      cm.cookies.categories.filter((category) => !category.strictlyNecessary).map((category) => category.id),
      ['analytics', 'advertising'],
    );
    assert.equal(cm.cookies.categories.length, 5);
  });

  it('CM BIL 13/14: liability capped at 12 months of payments, 12 × cheapest plan for free users', () => {
    assert.equal(cm.liability?.capLookbackMonths, 12);
    assert.equal(cm.liability?.freeUserCapMultiplier, 12);
  });
});

describe('bookero', () => {
  const bookero = loadPreset('bookero');

  it('runs in PLN on Warsaw time with the Polish calendar', () => {
    assert.equal(bookero.locale.currency, 'PLN');
    assert.equal(bookero.locale.timeZone, 'Europe/Warsaw');
    assert.equal(bookero.locale.businessCalendar, 'PL');
  });

  it('BK BIL 01: the first 14 days are free on whichever package is chosen', () => {
    assert.equal(bookero.trial?.days, 14);
    assert.equal(bookero.trial?.mode, 'chosen_plan_free');
    assert.equal(bookero.trial?.afterTrialPlanCode, null);
  });

  it('BK ACC 01/02: business users only, phone required', () => {
    assert.equal(bookero.registration.requireBusinessDeclaration, true);
    assert.equal(bookero.registration.requirePhone, true);
  });

  it('BK ACC 03: the contract is concluded at registration, with no activation link', () => {
    assert.equal(bookero.registration.contractConcludedAt, 'registration');
    assert.equal(bookero.registration.activationLink.required, false);
  });

  it('BK LIF 01/02: restricted the day after the paid period, deletable after 30 days with a 7-day warning', () => {
    assert.equal(bookero.dunning.overdueFrom, 'paid_period_end');
    assert.equal(bookero.dunning.restrictAfterOverdueDays, 0);
    assert.equal(bookero.dunning.unpaidDeleteAfterDays, 30);
    assert.equal(bookero.dunning.preDeleteWarningDays, 7);
  });

  it('BK LIF 03/04: 30 days to clarify a block, 3 days notice for reputation', () => {
    assert.equal(bookero.termination.blockedClarificationDays, 30);
    assert.equal(bookero.termination.providerNoticeMinDays, 3);
    assert.equal(bookero.termination.providerNoticeRefund, 'prorated');
  });

  it('BK BIL 03: SMS packs are non-refundable and never expire', () => {
    assert.ok(bookero.packs.length > 0);
    for (const pack of bookero.packs) {
      assert.equal(pack.balance, 'sms');
      assert.equal(pack.refundable, false);
      assert.equal(pack.expiresAfterDays, null);
    }
  });

  it('BK PRC 06: breaches notified to the user within 24 hours', () => {
    assert.equal(bookero.notifications.breachNotifyHours.customers, 24);
  });

  it('BK CMP 02: complaints decided within 14 days of delivery', () => {
    assert.deepEqual(bookero.complaints.decisionDeadline, { days: 14 });
    assert.deepEqual(bookero.complaints.requiredFields, [
      'user_identification',
      'subject',
      'circumstances',
      'demand',
    ]);
  });

  it('BK PRC 10: six pre-accepted sub-processors, the calendars only with their integration', () => {
    assert.equal(bookero.processor.subProcessors.length, 6);
    assert.equal(bookero.processor.subProcessors.filter((entry) => entry.scope === 'all').length, 4);
  });

  it('BK LEG 02: terms in force from 2021-04-13, two archived versions', () => {
    const terms = bookero.documents.find((doc) => doc.kind === 'terms');
    assert.equal(terms?.effectiveFrom, '2021-04-13');
    assert.deepEqual(
      terms?.archived.map((old) => old.validUntil),
      ['2018-03-31', '2021-04-12'],
    );
  });
});

describe('myownconference', () => {
  const moc = loadPreset('myownconference');

  it('runs on Vilnius time', () => {
    assert.equal(moc.locale.timeZone, 'Europe/Vilnius');
  });

  it('MOC ACC 01: a nickname may stand in for the name; only the e-mail is required', () => {
    assert.equal(moc.registration.allowNickname, true);
    assert.equal(moc.registration.requirePhone, false);
    assert.equal(moc.registration.requireBusinessDeclaration, false);
  });

  it('MOC LIF 02: personal data deleted 180 days after last use, never before the contract ends', () => {
    const category = retention(moc, 'account_personal_data');
    assert.equal(category.trigger, 'last_use');
    assert.deepEqual(category.period, { days: 180 });
    assert.equal(category.notBeforeContractEnd, true);
  });

  it('MOC LIF 01: deletion is immediate and irreversible', () => {
    assert.equal(moc.restore.liquidatedDays, null);
    assert.equal(moc.processor.deletionAfterEndDays, 0);
  });

  it('MOC CNS 01: no website cookies; the panel cookie lives 30 days from last use', () => {
    assert.equal(moc.cookies.websiteSetsCookies, false);
    assert.equal(moc.cookies.register[0]?.lifetimeDays, 30);
    assert.equal(moc.cookies.register[0]?.lifetimeCountsFrom, 'last_use');
  });

  it('MOC SEC 01: EU TIER III hosting, 2048-bit TLS, AES-128 media', () => {
    assert.equal(moc.security.dataResidency, 'eu');
    assert.equal(moc.security.dataCentreTier, 'III');
    assert.equal(moc.security.tlsMinKeyBits, 2048);
  });

  it('MOC LEG 02: privacy policy rev. 3.10 of 10 July 2023', () => {
    const privacy = moc.documents.find((doc) => doc.kind === 'privacy');
    assert.equal(privacy?.version, '3.10');
    assert.equal(privacy?.effectiveFrom, '2023-07-10');
  });
});

describe('hosttracker', () => {
  const ht = loadPreset('hosttracker');

  it('runs on UTC with Monday–Friday business days', () => {
    assert.equal(ht.locale.timeZone, 'UTC');
    assert.equal(ht.locale.businessCalendar, 'none');
  });

  it('HT PRV 01/02/03: trial data 3 months, paid data 2 years, free accounts reviewed after 24 months', () => {
    assert.deepEqual(retention(ht, 'trial_account_data').period, { months: 3 });
    assert.deepEqual(retention(ht, 'paid_account_data').period, { years: 2 });
    assert.equal(retention(ht, 'free_account_data').action, 'review');
    assert.equal(plan(ht, 'free').kind, 'free');
  });

  it('HT PRV 04: erasure within 5 business days', () => {
    assert.deepEqual(ht.dataSubjectRequests.erasureDeadline, { businessDays: 5 });
  });

  it('HT SEC 01: customers notified of a breach within 72 hours', () => {
    assert.equal(ht.notifications.breachNotifyHours.customers, 72);
  });

  it('HT PRC 01, HT NOT 01: SMS gateways get only name, country, e-mail and phone, for confirmed contacts', () => {
    assert.deepEqual(ht.notifications.smsGatewayFields, ['name', 'country', 'email', 'phone']);
    assert.equal(ht.notifications.confirmedContactsOnly, true);
  });
});
