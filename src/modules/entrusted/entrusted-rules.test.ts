import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import { checkHeader, foldText, phoneDigits, searchKeys } from './contact-fields.ts';
import {
  decideAudit,
  decideStaffAccess,
  missingStaffRecords,
  retentionCategoryFor,
  supportAccessEndsAt,
} from './entrusted-rules.ts';

const quanda = loadPreset('quanda');
const bookero = loadPreset('bookero');

const trained = {
  id: 'stf_1',
  authorisedAt: new Date('2026-03-01T08:00:00Z'),
  authorisationRevokedAt: null,
  trainedAt: new Date('2026-03-02T08:00:00Z'),
  confidentialityUndertakenAt: new Date('2026-03-01T08:00:00Z'),
};

describe('entrusted rules', () => {
  it('QU-PRC-13: an audit needs 30 days notice: announced 2026-05-04, the earliest date is 2026-06-03', () => {
    assert.deepEqual(decideAudit(quanda, '2026-05-04', '2026-05-25'), {
      allowed: false,
      reason: 'too_early',
      earliestDate: '2026-06-03',
      days: 30,
      clause: 'QU-PRC-13',
    });
    assert.equal(decideAudit(quanda, '2026-05-04', '2026-06-02').allowed, false);
    assert.equal(decideAudit(quanda, '2026-05-04', '2026-06-03').allowed, true);
  });

  it('BK-PRC-09: prior notice of any length, but not for the same day', () => {
    assert.equal(decideAudit(bookero, '2026-05-04', '2026-05-04').allowed, false);
    assert.equal(decideAudit(bookero, '2026-05-04', '2026-05-05').allowed, true);
    assert.deepEqual(decideAudit(loadPreset('hosttracker'), '2026-05-04', '2026-09-01'), {
      allowed: false,
      reason: 'not_offered',
      clause: null,
    });
  });

  it('BK-SEC-02: a staff member lacks each record not on file by now, and a revoked authorisation', () => {
    const now = new Date('2026-04-01T08:00:00Z');
    assert.deepEqual(missingStaffRecords(trained, now), []);
    assert.deepEqual(missingStaffRecords({ ...trained, trainedAt: null }, now), ['training']);
    assert.deepEqual(
      missingStaffRecords({ ...trained, trainedAt: new Date('2026-04-01T08:00:01Z') }, now),
      ['training'],
      'recorded for a later date',
    );
    assert.deepEqual(
      missingStaffRecords({ ...trained, authorisationRevokedAt: new Date('2026-04-01T08:00:00Z') }, now),
      ['processing_authorisation'],
    );
    assert.deepEqual(
      missingStaffRecords(
        {
          id: 'x',
          authorisedAt: null,
          authorisationRevokedAt: null,
          trainedAt: null,
          confidentialityUndertakenAt: null,
        },
        now,
      ),
      ['processing_authorisation', 'training', 'confidentiality_undertaking'],
    );
  });

  it('BK-PRC-03: access from filing until the request closes or runs out, for that tenant only', () => {
    const filedAt = new Date('2026-04-09T07:00:00Z');
    const grant = {
      id: 'sup_1',
      accountId: 'acc_x',
      filedAt,
      expiresAt: supportAccessEndsAt(bookero, filedAt),
      closedAt: null as Date | null,
    };
    assert.equal(grant.expiresAt.toISOString(), '2026-04-12T07:00:00.000Z');
    const at = (iso: string, g = grant, accountId = 'acc_x') =>
      decideStaffAccess({ policy: bookero, staff: trained, accountId, grant: g, now: new Date(iso) });
    assert.equal(at('2026-04-09T06:59:59Z').allowed, false, 'before filing');
    assert.deepEqual(at('2026-04-09T07:00:00Z'), {
      allowed: true,
      grantId: 'sup_1',
      until: new Date('2026-04-12T07:00:00Z'),
      clause: 'BK-PRC-03',
    });
    assert.equal(at('2026-04-12T06:59:59Z').allowed, true);
    assert.equal(at('2026-04-12T07:00:00Z').allowed, false, 'runs out');
    assert.equal(at('2026-04-09T08:00:00Z', grant, 'acc_y').allowed, false, 'another tenant');
    const closed = { ...grant, closedAt: new Date('2026-04-10T08:00:00Z') };
    assert.equal(at('2026-04-10T07:59:59Z', closed).allowed, true);
    assert.deepEqual(at('2026-04-10T08:00:00Z', closed), {
      allowed: false,
      reason: 'no_grant',
      clause: 'BK-PRC-03',
    });
    assert.deepEqual(
      decideStaffAccess({
        policy: bookero,
        staff: { ...trained, confidentialityUndertakenAt: null },
        accountId: 'acc_x',
        grant,
        now: new Date('2026-04-09T08:00:00Z'),
      }),
      {
        allowed: false,
        reason: 'records_missing',
        missing: ['confidentiality_undertaking'],
        clause: 'BK-SEC-02',
      },
    );
  });

  it('QU-RET-07, QU-LIF-09: contacts are tagged with the store category, activity with the per-event one', () => {
    assert.equal(retentionCategoryFor(quanda, 'contact')?.id, 'customer_content');
    assert.equal(retentionCategoryFor(quanda, 'activity')?.id, 'recipient_activity');
    assert.equal(retentionCategoryFor(bookero, 'contact')?.id, 'entrusted_client_data');
    assert.equal(retentionCategoryFor(bookero, 'activity')?.id, 'entrusted_client_data');
    assert.equal(
      retentionCategoryFor(loadPreset('clickmeeting'), 'contact')?.id,
      'entrusted_data_liquidated',
    );
    assert.equal(retentionCategoryFor(loadPreset('myownconference'), 'contact')?.id, 'webinar_data');
    assert.equal(retentionCategoryFor(loadPreset('hosttracker'), 'contact'), null);
  });

  it('QU-PRC-02: an import header names known columns or custom:<key>, and something that identifies a person', () => {
    assert.equal(checkHeader(['email', 'first_name', 'custom:shoe_size', 'id', 'created_at']).ok, true);
    const bad = checkHeader(['first_name', 'Email', 'custom:Shoe Size', 'first_name']);
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.ok ? [] : bad.problems.length, 4);
  });

  it('search keys fold case and Polish diacritics, and keep only a phone number’s digits', () => {
    assert.equal(foldText('ŁUKASZ Żółć-Gęślą'), 'lukasz zolc-gesla');
    assert.equal(phoneDigits('+48 (600) 100-200'), '48600100200');
    assert.deepEqual(searchKeys({ email: ' Anna@Example.PL ', firstName: 'Ściborz', lastName: 'Źdźbło' }), {
      email_norm: 'anna@example.pl',
      first_norm: 'sciborz',
      last_norm: 'zdzblo',
      phone_norm: null,
    });
  });
});
