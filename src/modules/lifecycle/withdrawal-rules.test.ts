import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import { decideWithdrawal, materialDefectPeriods } from './withdrawal-rules.ts';

const clickmeeting = loadPreset('clickmeeting');
const quanda = loadPreset('quanda');

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const at = (iso: string) => new Date(iso);

describe('decideWithdrawal', () => {
  const soleTrader = (concludedAt: string) => ({
    state: 'active' as const,
    isSoleTrader: true,
    concludedAt: at(concludedAt),
    firstPaymentAt: null,
  });

  it('CM-LIF-19: created 2026-05-04 → a statement sent 2026-05-18 23:50 is in time, one sent 2026-05-19 00:10 is late', () => {
    const facts = soleTrader('2026-05-04T10:00:00+02:00');
    const ok = decideWithdrawal(clickmeeting, facts, {
      sentAt: at('2026-05-18T23:50:00+02:00'),
      receivedAt: at('2026-05-19T08:00:00+02:00'),
    });
    assert.deepEqual(
      [ok.countsFrom, ok.lastDay, ok.nominalLastDay],
      ['2026-05-04', '2026-05-18', '2026-05-18'],
    );
    assert.throws(
      () =>
        decideWithdrawal(clickmeeting, facts, {
          sentAt: at('2026-05-19T00:10:00+02:00'),
          receivedAt: at('2026-05-19T00:10:00+02:00'),
        }),
      code('lifecycle.withdrawal_too_late'),
    );
  });

  it('CM-LIF-19: created 2026-05-02 → the deadline 2026-05-16 is a Saturday and moves to Monday 2026-05-18', () => {
    const d = decideWithdrawal(clickmeeting, soleTrader('2026-05-02T12:00:00+02:00'), {
      sentAt: at('2026-05-18T20:00:00+02:00'),
      receivedAt: at('2026-05-18T20:00:00+02:00'),
    });
    assert.deepEqual([d.nominalLastDay, d.lastDay], ['2026-05-16', '2026-05-18']);
  });

  it('CM-LIF-20: a statement received on 2026-05-20 is refunded by 2026-06-03 (a provider deadline: never moved)', () => {
    const d = decideWithdrawal(clickmeeting, soleTrader('2026-05-10T12:00:00+02:00'), {
      sentAt: at('2026-05-18T20:00:00+02:00'),
      receivedAt: at('2026-05-20T09:00:00+02:00'),
    });
    assert.equal(d.refundDueBy, '2026-06-03');
    assert.equal(d.effectiveAt.toISOString(), at('2026-05-20T09:00:00+02:00').toISOString());
  });

  it('CM-LIF-19: counts from the later of conclusion and the first payment', () => {
    const d = decideWithdrawal(
      clickmeeting,
      { ...soleTrader('2026-05-01T12:00:00+02:00'), firstPaymentAt: at('2026-05-10T12:00:00+02:00') },
      { sentAt: at('2026-05-24T12:00:00+02:00'), receivedAt: at('2026-05-24T12:00:00+02:00') },
    );
    assert.deepEqual([d.countsFrom, d.lastDay], ['2026-05-10', '2026-05-25']);
  });

  it('CM-LIF-19: a company (not a sole trader) has no right of withdrawal; a closed account cannot withdraw', () => {
    const statement = {
      sentAt: at('2026-05-05T12:00:00+02:00'),
      receivedAt: at('2026-05-05T12:00:00+02:00'),
    };
    assert.throws(
      () =>
        decideWithdrawal(
          clickmeeting,
          { ...soleTrader('2026-05-04T10:00:00+02:00'), isSoleTrader: false },
          statement,
        ),
      code('lifecycle.withdrawal_not_eligible'),
    );
    assert.throws(
      () =>
        decideWithdrawal(
          clickmeeting,
          { ...soleTrader('2026-05-04T10:00:00+02:00'), state: 'terminated' },
          statement,
        ),
      code('lifecycle.account_closed'),
    );
  });

  it('QU-LIF-08: concluded 2026-03-04, first paid 2026-03-18 → deadline 2026-04-17 for every customer; 2026-04-10 accepted, refund by 2026-04-24; 2026-04-18 late', () => {
    const facts = {
      state: 'active' as const,
      isSoleTrader: false,
      concludedAt: at('2026-03-04T09:00:00+01:00'),
      firstPaymentAt: at('2026-03-18T10:00:00+01:00'),
    };
    const d = decideWithdrawal(quanda, facts, {
      sentAt: at('2026-04-10T10:00:00+02:00'),
      receivedAt: at('2026-04-10T10:00:00+02:00'),
    });
    assert.deepEqual([d.countsFrom, d.lastDay, d.refundDueBy], ['2026-03-18', '2026-04-17', '2026-04-24']);
    const lastMinute = at('2026-04-17T23:59:00+02:00');
    assert.equal(
      decideWithdrawal(quanda, facts, { sentAt: lastMinute, receivedAt: lastMinute }).lastDay,
      '2026-04-17',
    );
    const late = at('2026-04-18T00:00:00+02:00');
    assert.throws(
      () => decideWithdrawal(quanda, facts, { sentAt: late, receivedAt: late }),
      code('lifecycle.withdrawal_too_late'),
    );
  });

  it('QU-LIF-08: no contract concluded yet (not activated) → nothing to withdraw from', () => {
    const now = at('2026-03-03T10:00:00+01:00');
    assert.throws(
      () =>
        decideWithdrawal(
          quanda,
          { state: 'trial', isSoleTrader: false, concludedAt: null, firstPaymentAt: null },
          { sentAt: now, receivedAt: now },
        ),
      code('lifecycle.withdrawal_no_contract'),
    );
  });
});

describe('materialDefectPeriods', () => {
  const watched = clickmeeting.availability.materialDefectWhenAllDown;
  const outage = (fn: string, from: string, to: string) => ({ function: fn, from: at(from), to: at(to) });

  it('CM-LIF-21: 2026-09-14 login works while rooms fail 10:00–12:00 → no defect period', () => {
    assert.deepEqual(
      materialDefectPeriods(watched, [
        outage('conference_rooms', '2026-09-14T10:00:00+02:00', '2026-09-14T12:00:00+02:00'),
      ]),
      [],
    );
  });

  it('CM-LIF-21: both down 10:00–12:00 → one 2-hour material-defect period', () => {
    const periods = materialDefectPeriods(watched, [
      outage('conference_rooms', '2026-09-14T10:00:00+02:00', '2026-09-14T12:00:00+02:00'),
      outage('login', '2026-09-14T10:00:00+02:00', '2026-09-14T12:00:00+02:00'),
    ]);
    assert.deepEqual(
      periods.map((p) => [p.from.toISOString(), p.to.toISOString(), p.minutes]),
      [['2026-09-14T08:00:00.000Z', '2026-09-14T10:00:00.000Z', 120]],
    );
  });

  it('CM-LIF-21: only the overlap counts; touching outages of one function merge', () => {
    const periods = materialDefectPeriods(watched, [
      outage('login', '2026-09-14T09:00:00+02:00', '2026-09-14T10:30:00+02:00'),
      outage('login', '2026-09-14T10:30:00+02:00', '2026-09-14T11:00:00+02:00'),
      outage('conference_rooms', '2026-09-14T10:00:00+02:00', '2026-09-14T12:00:00+02:00'),
      outage('conference_rooms', '2026-09-14T13:00:00+02:00', '2026-09-14T14:00:00+02:00'),
    ]);
    assert.deepEqual(
      periods.map((p) => p.minutes),
      [60],
    );
  });
});
