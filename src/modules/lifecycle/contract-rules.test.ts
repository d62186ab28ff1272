import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import { decideCancellation, decideRestore, decideSuspension } from './contract-rules.ts';
import type { PaymentStanding } from './standing-rules.ts';

const quanda = loadPreset('quanda');
const bookero = loadPreset('bookero');
const clickmeeting = loadPreset('clickmeeting');
const moc = loadPreset('myownconference');

const at = (iso: string) => new Date(iso);

function standing(extra: Partial<PaymentStanding>): PaymentStanding {
  return {
    accountId: 'acc_1',
    oldestOpenDueDate: null,
    unpaidPeriodEnd: null,
    currentPeriodFrom: null,
    currentPeriodTo: null,
    paidThrough: null,
    hasLiveSubscription: true,
    cardValidThrough: null,
    ...extra,
  };
}

describe('decideCancellation', () => {
  it('CM-LIF-09: paid through 2026-02-28, cancelled on 2026-02-10 → the contract runs through 2026-02-28 and ends 2026-03-01 00:00', () => {
    const s = standing({
      currentPeriodFrom: '2026-01-29',
      currentPeriodTo: '2026-02-28',
      paidThrough: '2026-02-28',
    });
    const d = decideCancellation(clickmeeting, { state: 'active', standing: s }, at('2026-02-10T09:00:00Z'));
    assert.deepEqual(d, {
      ok: true,
      effectiveAt: at('2026-02-28T23:00:00Z'),
      lastDay: '2026-02-28',
      immediate: false,
      because: 'CM-LIF-09',
      deletes: false,
    });
  });

  it('QU-LIF-05: a monthly notice delivered on 2026-05-20 ends the contract on 2026-05-31; one delivered after the June invoice went out still ends in May', () => {
    const may = standing({ currentPeriodFrom: '2026-05-01', currentPeriodTo: '2026-05-31' });
    const d = decideCancellation(quanda, { state: 'active', standing: may }, at('2026-05-20T08:00:00Z'));
    assert.ok(d.ok);
    assert.deepEqual(
      [d.lastDay, d.effectiveAt.toISOString(), d.because],
      ['2026-05-31', '2026-05-31T22:00:00.000Z', 'QU-LIF-05'],
    );
    const invoicedAhead = standing({ currentPeriodFrom: '2026-06-01', currentPeriodTo: '2026-06-30' });
    const e = decideCancellation(
      quanda,
      { state: 'active', standing: invoicedAhead },
      at('2026-05-31T08:00:00Z'),
    );
    assert.ok(e.ok);
    assert.equal(e.lastDay, '2026-05-31');
  });

  it('QU-LIF-07: a Trial contract ends on delivery of the notice', () => {
    const d = decideCancellation(
      quanda,
      { state: 'trial', standing: standing({ hasLiveSubscription: false }) },
      at('2026-03-08T09:00:00Z'),
    );
    assert.deepEqual(d, {
      ok: true,
      effectiveAt: at('2026-03-08T09:00:00Z'),
      lastDay: '2026-03-08',
      immediate: true,
      because: 'QU-LIF-07',
      deletes: false,
    });
  });

  it('BK-LIF-05: with an annual plan paid through 2026-12-31 a termination on 2026-06-10 takes effect at the end; without one, at once', () => {
    const paid = standing({
      currentPeriodFrom: '2026-01-01',
      currentPeriodTo: '2026-12-31',
      paidThrough: '2026-12-31',
    });
    const d = decideCancellation(bookero, { state: 'active', standing: paid }, at('2026-06-10T10:00:00Z'));
    assert.ok(d.ok);
    assert.deepEqual(
      [d.immediate, d.lastDay, d.effectiveAt.toISOString(), d.deletes],
      [false, '2026-12-31', '2026-12-31T23:00:00.000Z', true],
    );
    const lapsed = standing({
      currentPeriodFrom: '2026-01-01',
      currentPeriodTo: '2026-05-31',
      paidThrough: '2026-05-31',
    });
    const e = decideCancellation(
      bookero,
      { state: 'restricted', standing: lapsed },
      at('2026-06-10T10:00:00Z'),
    );
    assert.ok(e.ok);
    assert.equal(e.immediate, true);
  });

  it('CM-LIF-10: a suspended account’s cancellation takes effect as of the first message', () => {
    const s = standing({
      currentPeriodFrom: '2026-02-16',
      currentPeriodTo: '2026-03-15',
      paidThrough: '2026-03-15',
    });
    const d = decideCancellation(
      clickmeeting,
      { state: 'suspended', standing: s },
      at('2026-05-04T07:00:00Z'),
    );
    assert.ok(d.ok);
    assert.deepEqual([d.immediate, d.effectiveAt.toISOString()], [true, '2026-05-04T07:00:00.000Z']);
  });

  it('MOC-LIF-01: termination is immediate and deletes the account; an ended contract cannot be cancelled again', () => {
    const d = decideCancellation(
      moc,
      { state: 'active', standing: standing({ paidThrough: '2026-12-31', currentPeriodTo: '2026-12-31' }) },
      at('2026-05-06T08:00:00Z'),
    );
    assert.ok(d.ok);
    assert.deepEqual([d.immediate, d.deletes], [true, true]);
    assert.deepEqual(
      decideCancellation(moc, { state: 'purged', standing: undefined }, at('2026-05-06T08:00:00Z')),
      {
        ok: false,
        reason: 'already_ended',
      },
    );
  });
});

describe('decideSuspension', () => {
  const paid = standing({
    currentPeriodFrom: '2026-02-16',
    currentPeriodTo: '2026-03-15',
    paidThrough: '2026-03-15',
  });

  it('CM-LIF-05, CM-LIF-07: asked on 2026-03-01 with the period paid through 2026-03-15 → suspended from 2026-03-16, reactivated on 2026-06-14', () => {
    const d = decideSuspension(
      clickmeeting,
      { state: 'active', standing: { ...paid, cardValidThrough: '2030-12-31' } },
      at('2026-03-01T10:00:00Z'),
    );
    assert.deepEqual(d, {
      ok: true,
      startsOn: '2026-03-16',
      reactivateOn: '2026-06-14',
      limitedByCard: false,
      because: 'CM-LIF-05',
    });
  });

  it('CM-LIF-04: a card valid through 05/2026 moves the reactivation to 2026-05-31; one that expires first refuses it', () => {
    const d = decideSuspension(
      clickmeeting,
      { state: 'active', standing: { ...paid, cardValidThrough: '2026-05-31' } },
      at('2026-03-01T10:00:00Z'),
    );
    assert.deepEqual(d, {
      ok: true,
      startsOn: '2026-03-16',
      reactivateOn: '2026-05-31',
      limitedByCard: true,
      because: 'CM-LIF-04',
    });
    assert.deepEqual(
      decideSuspension(
        clickmeeting,
        { state: 'active', standing: { ...paid, cardValidThrough: '2026-02-28' } },
        at('2026-03-01T10:00:00Z'),
      ),
      { ok: false, reason: 'card_expires_first' },
    );
  });

  it('no suspension where the terms offer none, or for an account that is not active', () => {
    assert.deepEqual(
      decideSuspension(quanda, { state: 'active', standing: paid }, at('2026-03-01T10:00:00Z')),
      { ok: false, reason: 'not_offered' },
    );
    assert.deepEqual(
      decideSuspension(clickmeeting, { state: 'expired', standing: paid }, at('2026-03-01T10:00:00Z')),
      { ok: false, reason: 'not_active' },
    );
  });
});

describe('decideRestore', () => {
  const until = at('2026-03-31T22:00:00Z');

  it('CM-LIF-13: a liquidation on 2026-03-01 is restorable by paying on 2026-03-31, not on 2026-04-01', () => {
    assert.deepEqual(
      decideRestore(
        clickmeeting,
        { state: 'liquidated', restorableUntil: until, terminatedByOperator: false },
        at('2026-03-31T21:59:59Z'),
      ),
      {
        ok: true,
        route: 'pay',
        because: 'CM-LIF-13',
      },
    );
    assert.deepEqual(
      decideRestore(
        clickmeeting,
        { state: 'liquidated', restorableUntil: until, terminatedByOperator: false },
        at('2026-03-31T22:00:00Z'),
      ),
      {
        ok: false,
        reason: 'window_closed',
      },
    );
  });

  it('CM-LIF-14: an account the operator terminated goes to review', () => {
    assert.deepEqual(
      decideRestore(
        clickmeeting,
        { state: 'terminated', restorableUntil: until, terminatedByOperator: true },
        at('2026-03-20T10:00:00Z'),
      ),
      {
        ok: true,
        route: 'review',
        because: 'CM-LIF-14',
      },
    );
  });

  it('QU-LIF-02, QU-LIF-03: a soft-deleted account only by written agreement; a purged one never', () => {
    assert.deepEqual(
      decideRestore(
        quanda,
        { state: 'deleted', restorableUntil: null, terminatedByOperator: false },
        at('2026-07-01T10:00:00Z'),
      ),
      {
        ok: true,
        route: 'written_agreement',
        because: 'QU-LIF-02',
      },
    );
    assert.deepEqual(
      decideRestore(
        quanda,
        { state: 'purged', restorableUntil: null, terminatedByOperator: false },
        at('2026-09-01T10:00:00Z'),
      ),
      {
        ok: false,
        reason: 'window_closed',
      },
    );
  });
});
