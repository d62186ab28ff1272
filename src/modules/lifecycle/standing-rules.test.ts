import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import type { AccountState } from './lifecycle-schema.ts';
import { decideStanding, mayTerminateForNonPayment, nonPaymentLadder } from './standing-rules.ts';

const quanda = loadPreset('quanda');
const bookero = loadPreset('bookero');
const clickmeeting = loadPreset('clickmeeting');

const at = (iso: string) => new Date(iso);

function facts(state: AccountState, extra: Partial<Parameters<typeof decideStanding>[1]> = {}) {
  return {
    state,
    stateSince: at('2026-01-01T00:00:00Z'),
    unpaidAnchor: null,
    waivedUnpaidAnchor: null,
    restorableUntil: null,
    ...extra,
  };
}

describe('decideStanding: Quanda (overdue invoice, Prague)', () => {
  const due = '2026-04-15';

  it('QU-LIF-01: blocks on day 6 after the due date (2026-04-21 00:00 Prague), not on day 5', () => {
    const before = decideStanding(quanda, facts('active'), due, at('2026-04-20T21:59:59Z'));
    assert.equal(before.to, null);
    assert.equal(before.recheckAt?.toISOString(), '2026-04-20T22:00:00.000Z');
    const on = decideStanding(quanda, facts('active'), due, at('2026-04-20T22:00:00Z'));
    assert.deepEqual([on.to, on.because, on.unpaidAnchor], ['blocked', 'QU-LIF-01', due]);
    assert.equal(on.recheckAt?.toISOString(), '2026-06-14T22:00:00.000Z', 'next: the soft delete');
  });

  it('QU-LIF-01: full payment restores access at once; an operator’s block is not lifted by paying', () => {
    const blocked = facts('blocked', { unpaidAnchor: due });
    const paid = decideStanding(quanda, blocked, null, at('2026-04-25T08:00:00Z'));
    assert.deepEqual([paid.to, paid.because, paid.unpaidAnchor], ['active', 'QU-LIF-01', null]);
    assert.equal(decideStanding(quanda, facts('blocked'), null, at('2026-04-25T08:00:00Z')).to, null);
  });

  it('QU-LIF-02: soft-deleted on day 61 (2026-06-15), not day 60; paying then does not restore it', () => {
    const blocked = facts('blocked', { unpaidAnchor: due });
    assert.equal(decideStanding(quanda, blocked, due, at('2026-06-14T21:59:59Z')).to, null);
    assert.equal(decideStanding(quanda, blocked, due, at('2026-06-14T22:00:00Z')).to, 'deleted');
    const deleted = facts('deleted', { unpaidAnchor: due });
    assert.equal(decideStanding(quanda, deleted, null, at('2026-06-20T10:00:00Z')).to, null);
  });

  it('QU-LIF-03: purged on day 121 (2026-08-14), not day 120, and the contract ends; a written agreement waives it', () => {
    const deleted = facts('deleted', { unpaidAnchor: due });
    assert.equal(decideStanding(quanda, deleted, due, at('2026-08-13T21:59:59Z')).to, null);
    const purge = decideStanding(quanda, deleted, due, at('2026-08-13T22:00:00Z'));
    assert.deepEqual([purge.to, purge.because, purge.endsContract], ['purged', 'QU-LIF-03', true]);
    const waived = facts('blocked', { unpaidAnchor: due, waivedUnpaidAnchor: due });
    const later = decideStanding(quanda, waived, due, at('2026-09-01T10:00:00Z'));
    assert.deepEqual([later.to, later.recheckAt], [null, null]);
  });

  it('a run of steps missed at once lands on the furthest one reached', () => {
    assert.equal(decideStanding(quanda, facts('active'), due, at('2026-07-01T10:00:00Z')).to, 'deleted');
  });
});

describe('decideStanding: Bookero (paid period end, Warsaw)', () => {
  it('BK-LIF-01: paid through 2026-04-30 → restricted from 2026-05-01 00:00, not on 2026-04-30', () => {
    assert.equal(decideStanding(bookero, facts('active'), '2026-04-30', at('2026-04-30T21:59:59Z')).to, null);
    const on = decideStanding(bookero, facts('active'), '2026-04-30', at('2026-04-30T22:00:00Z'));
    assert.deepEqual([on.to, on.because], ['restricted', 'BK-LIF-01']);
    const paid = decideStanding(
      bookero,
      facts('restricted', { unpaidAnchor: '2026-04-30' }),
      null,
      at('2026-05-10T10:00:00Z'),
    );
    assert.deepEqual([paid.to, paid.because], ['active', 'BK-LIF-01']);
  });

  it('BK-LIF-02: the warning falls on 2026-05-24 and the right to terminate on 2026-05-31', () => {
    const ladder = nonPaymentLadder(bookero, '2026-04-30', false);
    assert.deepEqual(
      ladder.map((s) => [s.kind, s.at.toISOString(), s.because]),
      [
        ['restrict', '2026-04-30T22:00:00.000Z', 'BK-LIF-01'],
        ['unpaid_warning', '2026-05-23T22:00:00.000Z', 'BK-LIF-02'],
        ['may_terminate', '2026-05-30T22:00:00.000Z', 'BK-LIF-02'],
      ],
    );
  });

  it('BK-LIF-02: deletion refused on 2026-05-30, allowed from 2026-05-31 provided the warning went out by 2026-05-24', () => {
    const warned = at('2026-05-23T22:00:00Z');
    assert.deepEqual(mayTerminateForNonPayment(bookero, '2026-04-30', warned, at('2026-05-30T21:59:59Z')), {
      allowed: false,
      reason: 'too_early',
      from: at('2026-05-30T22:00:00Z'),
    });
    assert.deepEqual(mayTerminateForNonPayment(bookero, '2026-04-30', warned, at('2026-05-30T22:00:00Z')), {
      allowed: true,
      because: 'BK-LIF-02',
    });
    for (const late of [null, at('2026-05-24T22:00:00Z')])
      assert.equal(
        (
          mayTerminateForNonPayment(bookero, '2026-04-30', late, at('2026-06-02T10:00:00Z')) as {
            reason: string;
          }
        ).reason,
        'not_warned',
      );
    assert.equal(
      (mayTerminateForNonPayment(bookero, null, warned, at('2026-06-02T10:00:00Z')) as { reason: string })
        .reason,
      'nothing_unpaid',
    );
    assert.equal(
      (
        mayTerminateForNonPayment(quanda, '2026-04-15', warned, at('2026-09-02T10:00:00Z')) as {
          reason: string;
        }
      ).reason,
      'no_such_rule',
    );
  });
});

describe('decideStanding: ClickMeeting (expired accounts, Warsaw)', () => {
  it('CM-LIF-02: paid until 2026-03-31 → expired on 2026-04-01 00:00 (not 2026-03-31), restorable until 2026-07-01 00:00', () => {
    assert.equal(
      decideStanding(clickmeeting, facts('active'), '2026-03-31', at('2026-03-31T21:59:59Z')).to,
      null,
    );
    const on = decideStanding(clickmeeting, facts('active'), '2026-03-31', at('2026-03-31T22:00:00Z'));
    assert.deepEqual([on.to, on.because], ['expired', 'CM-LIF-02']);
    assert.equal(on.restorableUntil?.toISOString(), '2026-06-30T22:00:00.000Z');
    assert.equal(on.recheckAt?.toISOString(), '2026-06-30T22:00:00.000Z');
  });

  it('CM-LIF-03: the expired account is purged on 2026-07-01 and not on 2026-06-30; paid within, it is restored', () => {
    const expired = facts('expired', {
      unpaidAnchor: '2026-03-31',
      stateSince: at('2026-03-31T22:00:00Z'),
      restorableUntil: at('2026-06-30T22:00:00Z'),
    });
    assert.equal(decideStanding(clickmeeting, expired, '2026-03-31', at('2026-06-30T21:59:59Z')).to, null);
    const purge = decideStanding(clickmeeting, expired, '2026-03-31', at('2026-06-30T22:00:00Z'));
    assert.deepEqual([purge.to, purge.because, purge.endsContract], ['purged', 'CM-LIF-03', true]);
    const paid = decideStanding(clickmeeting, expired, null, at('2026-06-30T10:00:00Z'));
    assert.deepEqual([paid.to, paid.because], ['active', 'CM-LIF-03']);
  });

  it('CM-LIF-08: a suspended account whose reactivation charge fails on 2026-06-14 expires that day, restorable through 2026-09-12', () => {
    const d = decideStanding(clickmeeting, facts('suspended'), '2026-06-13', at('2026-06-13T22:00:00Z'));
    assert.deepEqual([d.to, d.because], ['expired', 'CM-LIF-08']);
    assert.equal(d.restorableUntil?.toISOString(), '2026-09-12T22:00:00.000Z');
  });

  it('states the rules do not govern are left alone', () => {
    for (const state of ['trial', 'liquidated', 'terminated', 'purged'] as const)
      assert.equal(
        decideStanding(clickmeeting, facts(state), '2026-03-31', at('2026-05-01T10:00:00Z')).to,
        null,
      );
  });
});
