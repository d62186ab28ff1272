import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import { decideTrialEnd, entitlementsOf, startOfLife, windowEndsAt } from './lifecycle-rules.ts';

const quanda = loadPreset('quanda');
const bookero = loadPreset('bookero');
const clickmeeting = loadPreset('clickmeeting');
const hosttracker = loadPreset('hosttracker');

const at = (iso: string) => new Date(iso);

describe('windowEndsAt', () => {
  it('QU-BIL-01: 14 days from 2026-03-02 (Prague) end at 2026-03-17 00:00, whatever the hour of registration', () => {
    for (const registered of ['2026-03-01T23:00:00Z', '2026-03-02T10:00:00Z', '2026-03-02T22:59:59Z'])
      assert.equal(
        windowEndsAt(at(registered), 14, 'Europe/Prague').toISOString(),
        '2026-03-16T23:00:00.000Z',
      );
  });

  it('CM-ACC-04: 30 free days from 2026-01-05 (Warsaw) end at 2026-02-05 00:00', () => {
    assert.equal(
      windowEndsAt(at('2026-01-05T12:00:00Z'), 30, 'Europe/Warsaw').toISOString(),
      '2026-02-04T23:00:00.000Z',
    );
  });
});

describe('startOfLife', () => {
  const registeredAt = at('2026-03-02T09:00:00Z');

  it('QU-BIL-01: a sign-up starts the Trial plan, even when a paid plan is named', () => {
    for (const requestedPlan of [null, 'trial', 'professional_200'])
      assert.deepEqual(startOfLife(quanda, { registeredAt, requestedPlan, tiedTo: null }), {
        state: 'trial',
        planCode: 'trial',
        trialEndsAt: at('2026-03-16T23:00:00Z'),
        freeEndsAt: null,
        because: 'QU-BIL-01',
      });
  });

  it('QU-BIL-02: a customer registered before keeps the end of that first trial, and gets none once it is over', () => {
    const tiedTo = registeredAt;
    const during = startOfLife(quanda, {
      registeredAt: at('2026-03-16T22:59:59Z'),
      requestedPlan: null,
      tiedTo,
    });
    assert.deepEqual(
      [during.state, during.trialEndsAt, during.because],
      ['trial', at('2026-03-16T23:00:00Z'), 'QU-BIL-02'],
    );
    const after = startOfLife(quanda, {
      registeredAt: at('2026-03-16T23:00:00Z'),
      requestedPlan: null,
      tiedTo,
    });
    assert.deepEqual(
      [after.state, after.planCode, after.because],
      ['trial_ended', 'trial_ended', 'QU-BIL-02'],
    );
  });

  it('BK-BIL-01: the free days cover whichever package is chosen, the preselected one by default', () => {
    for (const [requestedPlan, planCode] of [
      [null, 'standard'],
      ['basic', 'basic'],
      ['premium', 'premium'],
    ] as const) {
      const life = startOfLife(bookero, { registeredAt, requestedPlan, tiedTo: null });
      assert.deepEqual(
        [life.state, life.planCode, life.trialEndsAt],
        ['trial', planCode, at('2026-03-16T23:00:00Z')],
      );
    }
  });

  it('CM-ACC-07: a paid plan no trial covers waits for its first payment and is not a free account', () => {
    const life = startOfLife(clickmeeting, { registeredAt, requestedPlan: 'live', tiedTo: null });
    assert.deepEqual([life.state, life.planCode, life.freeEndsAt], ['pending_activation', 'live', null]);
    const free = startOfLife(clickmeeting, { registeredAt, requestedPlan: null, tiedTo: null });
    assert.deepEqual(
      [free.state, free.planCode, free.freeEndsAt],
      ['free', 'free', at('2026-04-01T22:00:00Z')],
    );
  });
});

describe('decideTrialEnd', () => {
  const trialEndsAt = at('2026-03-16T23:00:00Z');

  it('QU-BIL-01: stays a trial through 2026-03-16 23:59:59.999 Prague and ends at 2026-03-17 00:00', () => {
    const current = { state: 'trial' as const, planCode: 'trial', trialEndsAt };
    assert.deepEqual(decideTrialEnd(quanda, current, at('2026-03-16T22:59:59.999Z')), { next: 'stay' });
    assert.deepEqual(decideTrialEnd(quanda, current, trialEndsAt), {
      next: 'trial_ended',
      planCode: 'trial_ended',
      because: 'QU-BIL-01',
    });
  });

  it('BK-BIL-01: without an after-trial plan the account stays on its chosen package', () => {
    const current = { state: 'trial' as const, planCode: 'premium', trialEndsAt };
    assert.deepEqual(decideTrialEnd(bookero, current, trialEndsAt), {
      next: 'trial_ended',
      planCode: 'premium',
      because: 'BK-BIL-01',
    });
  });
});

describe('entitlementsOf', () => {
  const row = { trialEndsAt: null, freeEndsAt: null };

  it('BK-BIL-01: a chosen package left unpaid after the free days is restricted, not given away', () => {
    const e = entitlementsOf(bookero, { ...row, state: 'trial_ended', planCode: 'premium' });
    assert.deepEqual([e.access, e.features, e.limits], ['restricted', [], {}]);
  });

  it('an expired trial package with no after-trial plan (hosttracker) is restricted', () => {
    const e = entitlementsOf(hosttracker, { ...row, state: 'trial_ended', planCode: 'trial' });
    assert.deepEqual([e.access, e.features], ['restricted', []]);
  });

  it('QU-BIL-01: the "Trial ended" plan keeps its own features', () => {
    const e = entitlementsOf(quanda, { ...row, state: 'trial_ended', planCode: 'trial_ended' });
    assert.deepEqual([e.access, e.features], ['full', ['crm']]);
  });
});
