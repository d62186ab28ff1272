import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Hex } from '../../platform/ids.ts';
import { loadPreset } from '../../policy/index.ts';
import {
  campaignProblem,
  complaintAuthority,
  copyFeeRule,
  type DeliveryFacts,
  decideDelivery,
  decideExtension,
  deemedDeliveryDay,
  isUnsubscribeSignature,
  purposeOf,
  requestDeadline,
  restrictionEndsOn,
  unsubscribeSignature,
  wordingOf,
} from './privacy-rules.ts';

const cm = loadPreset('clickmeeting');
const ht = loadPreset('hosttracker');
const qu = loadPreset('quanda');
const moc = loadPreset('myownconference');

const person = (over: Partial<NonNullable<DeliveryFacts['subject']>> = {}) => ({
  restricted: false,
  marketingObjected: false,
  consent: null,
  isCustomer: true,
  ...over,
});

describe('request deadlines', () => {
  it('CM-PRV-03: received 2026-01-31 → due 2026-02-28 (one calendar month is earlier than 30 days), not 2026-03-02', () => {
    const d = requestDeadline(cm, 'access', new Date('2026-01-31T10:00:00+01:00'));
    assert.deepEqual(d, { receivedOn: '2026-01-31', dueOn: '2026-02-28', clause: 'CM-PRV-03' });
  });

  it('CM-PRV-03: received 2026-04-10 → due 2026-05-10; the day counts in the policy time zone', () => {
    assert.equal(requestDeadline(cm, 'copy', new Date('2026-04-10T12:00:00+02:00')).dueOn, '2026-05-10');
    // 23:30 UTC on 2026-04-09 is already 2026-04-10 in Warsaw.
    assert.equal(requestDeadline(cm, 'copy', new Date('2026-04-09T23:30:00Z')).receivedOn, '2026-04-10');
  });

  it('HT-PRV-04: an erasure sent Mon 2026-06-08 is due Mon 2026-06-15 (5 business days); HT-PRV-05: access by 2026-07-08', () => {
    const sent = new Date('2026-06-08T09:00:00Z');
    assert.deepEqual(requestDeadline(ht, 'erasure', sent), {
      receivedOn: '2026-06-08',
      dueOn: '2026-06-15',
      clause: 'HT-PRV-04',
    });
    assert.deepEqual(requestDeadline(ht, 'portability', sent), {
      receivedOn: '2026-06-08',
      dueOn: '2026-07-08',
      clause: 'HT-PRV-05',
    });
  });

  it('an extension of up to two months is allowed only within the first deadline', () => {
    const request = { dueOn: '2026-04-01', extendedDueOn: null };
    assert.deepEqual(decideExtension(cm, request, 2, '2026-04-01'), {
      ok: true,
      extendedDueOn: '2026-06-01',
    });
    assert.deepEqual(decideExtension(cm, request, 2, '2026-04-02'), { ok: false, problem: 'too_late' });
    assert.deepEqual(decideExtension(cm, request, 3, '2026-03-10'), { ok: false, problem: 'not_allowed' });
    assert.deepEqual(
      decideExtension(cm, { dueOn: '2026-04-01', extendedDueOn: '2026-05-01' }, 1, '2026-03-10'),
      {
        ok: false,
        problem: 'already_extended',
      },
    );
  });

  it('CM-PRV-04: the first copy is free, a later one needs a fee quote', () => {
    assert.equal(copyFeeRule(cm, 0), 'free');
    assert.equal(copyFeeRule(cm, 1), 'quote_required');
  });

  it('CM-PRV-07: a restriction for contested accuracy received 2026-03-02 must close by 2026-04-01; other grounds have no limit', () => {
    assert.equal(restrictionEndsOn(cm, '2026-03-02', 'contested_accuracy'), '2026-04-01');
    assert.equal(restrictionEndsOn(cm, '2026-03-02', 'legal_claims'), null);
    assert.equal(restrictionEndsOn(ht, '2026-03-02', 'contested_accuracy'), null);
  });

  it('CM-PRV-03: every answer names the President of UODO; a policy without an authority falls back to UODO', () => {
    assert.match(
      complaintAuthority(cm, 'pl'),
      /Prezes Urzędu Ochrony Danych Osobowych, ul\. Stawki 2, 00-193 Warszawa/,
    );
    assert.match(complaintAuthority(ht, 'en'), /UODO/);
  });

  it('QU-NOT-01: a notice e-mailed on 2026-06-01 is deemed delivered on 2026-06-04; ClickMeeting has no such rule', () => {
    assert.equal(deemedDeliveryDay(qu, new Date('2026-06-01T08:00:00Z')), '2026-06-04');
    assert.equal(deemedDeliveryDay(cm, new Date('2026-06-01T08:00:00Z')), null);
  });
});

describe('consent wording', () => {
  it('CM-CKE-05: the proof is the wording version and the SHA-256 of the exact text in the language shown', () => {
    const purpose = purposeOf(cm, 'marketing_email')!;
    const pl = wordingOf(cm, purpose, 'pl');
    assert.equal(pl.version, 'cm-marketing-email-1');
    assert.equal(pl.sha256, sha256Hex(purpose.wording!.text.pl));
    assert.notEqual(wordingOf(cm, purpose, 'en').sha256, pl.sha256);
  });
});

describe('send-time check', () => {
  const marketing = (over: Partial<DeliveryFacts> = {}): DeliveryFacts => ({
    template: 'marketing.message',
    messageClass: 'marketing',
    purpose: 'marketing_email',
    subject: person(),
    confirmed: true,
    ...over,
  });

  it('CM-CKE-05: no ticked consent, no marketing mail; a granted one lets it go', () => {
    assert.deepEqual(decideDelivery(cm, marketing()), {
      send: false,
      reason: 'no_consent',
      clause: 'CM-CKE-05',
    });
    assert.deepEqual(decideDelivery(cm, marketing({ subject: person({ consent: 'granted' }) })), {
      send: true,
    });
  });

  it('CM-CKE-06: a consent withdrawn after the mail was queued stops it at send time', () => {
    assert.deepEqual(
      decideDelivery(cm, marketing({ subject: person({ consent: 'withdrawn', marketingObjected: true }) })),
      {
        send: false,
        reason: 'consent_withdrawn',
        clause: 'CM-CKE-05',
      },
    );
  });

  it('CM-PRV-08: an objection to direct marketing stops marketing even with a consent on file', () => {
    const d = decideDelivery(
      cm,
      marketing({ subject: person({ consent: 'granted', marketingObjected: true }) }),
    );
    assert.deepEqual(d, { send: false, reason: 'marketing_objection', clause: 'CM-CKE-05' });
  });

  it('MOC-NOT-01: a transactional notice reaches a person who opted out of marketing', () => {
    const notice: DeliveryFacts = {
      template: 'lifecycle.contract_ended',
      messageClass: 'transactional',
      purpose: null,
      subject: person({ consent: 'withdrawn', marketingObjected: true }),
      confirmed: true,
    };
    assert.deepEqual(decideDelivery(moc, notice), { send: true });
  });

  it('CM-PRV-07: a restricted person gets no message at all, except the answers about their own requests', () => {
    const restricted = person({ restricted: true, consent: 'granted' });
    const notice = {
      template: 'billing.invoice_issued',
      messageClass: 'transactional' as const,
      purpose: null,
      confirmed: true,
    };
    assert.deepEqual(decideDelivery(cm, { ...notice, subject: restricted }), {
      send: false,
      reason: 'restricted',
      clause: 'CM-PRV-07',
    });
    assert.equal(decideDelivery(cm, marketing({ subject: restricted })).send, false);
    assert.deepEqual(
      decideDelivery(cm, { ...notice, template: 'privacy.request_answered', subject: restricted }),
      {
        send: true,
      },
    );
  });

  it('HT-NOT-01: only confirmed contacts get messages; the mail that confirms the contact goes', () => {
    const alert = {
      template: 'lifecycle.contract_ended',
      messageClass: 'transactional' as const,
      purpose: null,
      subject: null,
    };
    assert.deepEqual(decideDelivery(ht, { ...alert, confirmed: false }), {
      send: false,
      reason: 'contact_unconfirmed',
      clause: 'HT-NOT-01',
    });
    assert.deepEqual(decideDelivery(ht, { ...alert, confirmed: true }), { send: true });
    assert.deepEqual(decideDelivery(ht, { ...alert, template: 'account.activation', confirmed: false }), {
      send: true,
    });
    assert.deepEqual(decideDelivery(cm, { ...alert, confirmed: false }), { send: true });
  });

  it('QU-CNS-01: soft opt-in reaches customers until they opt out, never a person without an account', () => {
    const soft = marketing({ purpose: 'marketing_email' });
    assert.deepEqual(decideDelivery(qu, soft), { send: true });
    assert.equal(decideDelivery(qu, { ...soft, subject: person({ isCustomer: false }) }).send, false);
    assert.deepEqual(decideDelivery(qu, { ...soft, subject: person({ consent: 'withdrawn' }) }), {
      send: false,
      reason: 'consent_withdrawn',
      clause: 'QU-CNS-01',
    });
    assert.deepEqual(decideDelivery(qu, { ...soft, subject: person({ consent: 'expired' }) }), {
      send: false,
      reason: 'soft_opt_in_ended',
      clause: 'QU-CNS-01',
    });
  });

  it("CM-PRV-12: a campaign for a third party's products is refused; QU-CNS-01: only similar products under soft opt-in", () => {
    assert.equal(
      campaignProblem(cm, { purpose: 'marketing_email', thirdParty: true, similarProducts: true }),
      'third_party',
    );
    assert.equal(
      campaignProblem(cm, { purpose: 'marketing_email', thirdParty: false, similarProducts: false }),
      null,
    );
    assert.equal(
      campaignProblem(qu, { purpose: 'marketing_email', thirdParty: false, similarProducts: false }),
      'not_similar',
    );
    assert.equal(
      campaignProblem(cm, { purpose: 'talent_pool', thirdParty: false, similarProducts: true }),
      'not_marketing_purpose',
    );
    assert.equal(
      campaignProblem(loadPreset('bookero'), { purpose: 'x', thirdParty: false, similarProducts: true }),
      'no_marketing',
    );
  });
});

describe('unsubscribe links', () => {
  it('a signature fits only its subject and purpose', () => {
    const sig = unsubscribeSignature('secret-1', 'sbj_1', 'marketing_email');
    assert.ok(isUnsubscribeSignature('secret-1', 'sbj_1', 'marketing_email', sig));
    assert.ok(!isUnsubscribeSignature('secret-1', 'sbj_2', 'marketing_email', sig));
    assert.ok(!isUnsubscribeSignature('secret-1', 'sbj_1', 'talent_pool', sig));
    assert.ok(!isUnsubscribeSignature('secret-2', 'sbj_1', 'marketing_email', sig));
    assert.ok(!isUnsubscribeSignature('secret-1', 'sbj_1', 'marketing_email', `${sig}x`));
  });
});
