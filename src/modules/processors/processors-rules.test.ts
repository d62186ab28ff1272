import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import {
  breachDeadlines,
  changeTiming,
  customerRegistry,
  decideObjectionOutcome,
  decideObjectionTiming,
  isNoticeOverdue,
  missingNoticeFields,
  type RegistryEntry,
  recordsCsv,
  recordsOfProcessing,
} from './processors-rules.ts';

const qu = loadPreset('quanda');
const bk = loadPreset('bookero');
const ht = loadPreset('hosttracker');
const cm = loadPreset('clickmeeting');

describe('changeTiming', () => {
  it('QU-PRC-11: emailed Mon 2026-06-01, deemed delivered Thu 06-04, objections through Tue 06-09, used from 06-10', () => {
    assert.deepEqual(
      changeTiming(qu, { sentAt: new Date('2026-06-01T07:00:00Z'), effectiveOn: '2026-06-01' }),
      {
        countsFrom: '2026-06-04',
        objectionUntil: '2026-06-09',
        appliesFrom: '2026-06-10',
      },
    );
  });

  it('QU-PRC-11: Czech holidays are not business days (sent Tue 2026-06-30, deemed Fri 07-03; 07-06 is a holiday)', () => {
    // 2026-07-06 (Jan Hus Day) is a Czech public holiday: Mon 07-06 is skipped → Tue 07-07, Wed 07-08, Thu 07-09.
    const timing = changeTiming(qu, { sentAt: new Date('2026-06-30T07:00:00Z'), effectiveOn: '2026-06-30' });
    assert.deepEqual([timing.countsFrom, timing.objectionUntil], ['2026-07-03', '2026-07-09']);
  });

  it('BK-PRC-11: sent 2026-09-01, objections through 09-15, used from 09-16; a later effective day wins', () => {
    assert.deepEqual(
      changeTiming(bk, { sentAt: new Date('2026-09-01T08:00:00Z'), effectiveOn: '2026-09-01' }),
      {
        countsFrom: '2026-09-01',
        objectionUntil: '2026-09-15',
        appliesFrom: '2026-09-16',
      },
    );
    assert.equal(
      changeTiming(bk, { sentAt: new Date('2026-09-01T08:00:00Z'), effectiveOn: '2026-10-01' }).appliesFrom,
      '2026-10-01',
    );
  });

  it('BK-PRC-11: a last day on a weekend moves to the next business day (sent Sat 2026-08-01 → Mon 08-17)', () => {
    // 08-01 + 14 = Sat 08-15 (also Assumption Day) → Mon 08-17.
    assert.equal(
      changeTiming(bk, { sentAt: new Date('2026-08-01T08:00:00Z'), effectiveOn: '2026-08-01' })
        .objectionUntil,
      '2026-08-17',
    );
  });

  it('terms without an objection right: no window, in effect from the effective day', () => {
    assert.deepEqual(
      changeTiming(cm, { sentAt: new Date('2026-05-04T08:00:00Z'), effectiveOn: '2026-05-20' }),
      {
        countsFrom: '2026-05-04',
        objectionUntil: null,
        appliesFrom: '2026-05-20',
      },
    );
  });
});

describe('decideObjectionTiming', () => {
  it('QU-PRC-11: the last day is accepted, the next refused', () => {
    const base = { objectionUntil: '2026-06-09', hasNotice: true };
    assert.deepEqual(decideObjectionTiming(qu, { ...base, receivedOn: '2026-06-09' }), {
      accepted: true,
      clause: 'QU-PRC-11',
    });
    assert.deepEqual(decideObjectionTiming(qu, { ...base, receivedOn: '2026-06-10' }), {
      accepted: false,
      reason: 'late',
      lastDay: '2026-06-09',
    });
  });

  it('BK-PRC-12: a justified objection to a current sub-processor is accepted at any time', () => {
    assert.deepEqual(
      decideObjectionTiming(bk, { receivedOn: '2027-01-10', objectionUntil: null, hasNotice: false }),
      {
        accepted: true,
        clause: 'BK-PRC-12',
      },
    );
  });

  it('no objection right without a rule', () => {
    assert.deepEqual(
      decideObjectionTiming(ht, { receivedOn: '2026-06-01', objectionUntil: null, hasNotice: true }),
      {
        accepted: false,
        reason: 'not_offered',
      },
    );
  });
});

describe('decideObjectionOutcome', () => {
  it('QU-PRC-11: a timely objection binds; upheld with the service impossible, the customer may terminate', () => {
    assert.deepEqual(
      decideObjectionOutcome(qu, { outcome: 'rejected', reason: 'x', serviceImpossible: false }),
      {
        ok: false,
        reason: 'binding',
      },
    );
    assert.deepEqual(
      decideObjectionOutcome(qu, { outcome: 'upheld', reason: null, serviceImpossible: true }),
      {
        ok: true,
        status: 'upheld',
        consequence: 'customer_may_terminate',
      },
    );
  });

  it('BK-PRC-12: rejection needs a reason; upheld blocks, or lets the provider stop the service', () => {
    assert.deepEqual(
      decideObjectionOutcome(bk, { outcome: 'rejected', reason: null, serviceImpossible: false }),
      {
        ok: false,
        reason: 'reason_required',
      },
    );
    assert.deepEqual(
      decideObjectionOutcome(bk, { outcome: 'upheld', reason: null, serviceImpossible: false }),
      {
        ok: true,
        status: 'upheld',
        consequence: 'blocked',
      },
    );
    assert.deepEqual(
      decideObjectionOutcome(bk, { outcome: 'upheld', reason: null, serviceImpossible: true }),
      {
        ok: true,
        status: 'upheld',
        consequence: 'provider_may_stop_service',
      },
    );
  });
});

describe('customerRegistry', () => {
  const entries: RegistryEntry[] = qu.processor.subProcessors.map((s) => ({
    ...s,
    effectiveOn: null,
    agreementRecordedAt: new Date('2026-01-01T00:00:00Z'),
    changeId: null,
    replacesId: null,
  }));

  it('QU-PRC-10: a customer sending via Bird sees COEX, Linode, NeverBounce and MessageBird, not SendGrid', () => {
    const view = customerRegistry(entries, {
      today: '2026-04-01',
      integrations: new Set(['bird']),
      notices: new Map(),
      objections: new Map(),
    });
    assert.deepEqual(view.map((e) => e.id).sort(), ['coex', 'linode', 'messagebird', 'neverbounce']);
  });

  it('QU-PRC-11, BK-PRC-12: an accepted objection blocks from receipt; only a rejection lifts it', () => {
    const facts = (status: 'pending' | 'upheld' | 'rejected') => ({
      today: '2026-04-01',
      integrations: new Set<string>(),
      notices: new Map(),
      objections: new Map([['coex', status]]),
    });
    const coex = (status: 'pending' | 'upheld' | 'rejected') =>
      customerRegistry(entries, facts(status)).find((e) => e.id === 'coex')!.status;
    assert.equal(coex('pending'), 'blocked');
    assert.equal(coex('upheld'), 'blocked');
    assert.equal(coex('rejected'), 'in_use');
  });
});

describe('breach deadlines', () => {
  it('BK-PRC-06: 24 h from the suspicion logged 2026-07-08 14:00; the authority 72 h', () => {
    const [customers, authority, subjects] = breachDeadlines(bk, new Date('2026-07-08T12:00:00Z'));
    assert.deepEqual(
      [customers!.dueAt?.toISOString(), customers!.clause],
      ['2026-07-09T12:00:00.000Z', 'BK-PRC-06'],
    );
    assert.equal(authority!.dueAt?.toISOString(), '2026-07-11T12:00:00.000Z');
    assert.equal(subjects!.dueAt, null);
  });

  it('HT-SEC-01: 72 h from awareness 2026-05-11 09:00 → 2026-05-14 09:00', () => {
    const [customers] = breachDeadlines(ht, new Date('2026-05-11T09:00:00Z'));
    assert.equal(customers!.dueAt?.toISOString(), '2026-05-14T09:00:00.000Z');
    assert.equal(customers!.clause, 'HT-SEC-01');
  });

  it('QU-PRC-07: 24 h across the DST change is 24 elapsed hours (2026-10-24 09:00 → 10-25 08:00 local)', () => {
    const [customers] = breachDeadlines(qu, new Date('2026-10-24T07:00:00Z'));
    assert.equal(customers!.dueAt?.toISOString(), '2026-10-25T07:00:00.000Z');
    assert.equal(customers!.clause, 'QU-PRC-07');
  });

  it('a notice is overdue at the deadline itself, not a minute before', () => {
    const dueAt = new Date('2026-07-09T12:00:00Z');
    assert.equal(isNoticeOverdue({ dueAt, notifiedAt: null }, new Date('2026-07-09T11:59:00Z')), false);
    assert.equal(isNoticeOverdue({ dueAt, notifiedAt: null }, dueAt), true);
    assert.equal(isNoticeOverdue({ dueAt, notifiedAt: new Date('2026-07-09T11:00:00Z') }, dueAt), false);
  });

  it('BK-PRC-06: the customer notice needs circumstances, causes, measures and documentation', () => {
    assert.deepEqual(
      missingNoticeFields('customers', { circumstances: 'x', measures: '  ', dataCategories: [] }),
      ['likelyCauses', 'measures', 'documentation', 'dataCategories', 'approxSubjects'],
    );
    assert.deepEqual(
      missingNoticeFields('customers', { approxSubjects: 0 }).includes('approxSubjects'),
      false,
    );
  });
});

describe('records of processing', () => {
  it('CSV quotes fields with commas, quotes and line breaks', () => {
    const rows = recordsOfProcessing(qu, 'processor', [], 'en');
    const csv = recordsCsv([{ ...rows[0]!, name: 'A "quoted", name\nnext' }]);
    assert.ok(csv.includes('"A ""quoted"", name\nnext"'));
    assert.ok(csv.startsWith('role,activity,name,controller,processor,contact,'));
    assert.ok(csv.endsWith('\r\n'));
  });
});
