import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import {
  decideRenewal,
  type RenewingSubscription,
  renewalDueAt,
  renewalKey,
  retryAt,
} from './renewal-rules.ts';

const clickmeeting = loadPreset('clickmeeting');
const quanda = loadPreset('quanda');
const bookero = loadPreset('bookero');

const monthly: RenewingSubscription = {
  id: 'sub_1',
  status: 'active',
  frequency: 'monthly',
  currentPeriodFrom: '2026-03-15',
  currentPeriodTo: '2026-04-14',
  cancelAtPeriodEnd: false,
};
const consented = { recurringConsentAt: new Date('2026-03-15T09:00:00Z'), consentWithdrawnAt: null };
const at = (iso: string) => new Date(iso);

describe('renewalDueAt', () => {
  it('CM-BIL-01: a period 2026-03-15..2026-04-14 is charged at 2026-04-15 00:00 Warsaw', () => {
    assert.equal(renewalDueAt(clickmeeting, monthly).toISOString(), '2026-04-14T22:00:00.000Z');
  });

  it('QU-BIL-05: a year 2025-06-15..2026-06-14 is invoiced 14 days before its end, on 2026-06-01 00:00 Prague', () => {
    const annual = { frequency: 'annual' as const, currentPeriodTo: '2026-06-14' };
    assert.equal(renewalDueAt(quanda, annual).toISOString(), '2026-05-31T22:00:00.000Z');
  });

  it('QU-BIL-06: a month ending 2026-03-31 is invoiced on 2026-04-01, the first of the service month', () => {
    const month = { frequency: 'monthly' as const, currentPeriodTo: '2026-03-31' };
    assert.equal(renewalDueAt(quanda, month).toISOString(), '2026-03-31T22:00:00.000Z');
  });
});

describe('decideRenewal', () => {
  it('CM-BIL-01: on 2026-04-15 the card is charged for 2026-04-15..2026-05-14, not a moment earlier', () => {
    const facts = { subscription: monthly, method: consented, failedAttempts: 0 };
    assert.deepEqual(decideRenewal(clickmeeting, facts, at('2026-04-14T21:59:59.999Z')), {
      action: 'wait',
      reason: 'not_due',
    });
    assert.deepEqual(decideRenewal(clickmeeting, facts, at('2026-04-14T22:00:00Z')), {
      action: 'charge',
      period: { from: '2026-04-15', to: '2026-05-14' },
      attempt: 1,
      idempotencyKey: 'renew:sub_1:2026-04-15',
      because: 'CM-BIL-01',
    });
  });

  it('CM-BIL-02: consent withdrawn before the renewal day → nothing is charged', () => {
    const withdrawn = { ...consented, consentWithdrawnAt: at('2026-04-10T12:00:00Z') };
    const decision = decideRenewal(
      clickmeeting,
      { subscription: monthly, method: withdrawn, failedAttempts: 0 },
      at('2026-04-14T22:00:00Z'),
    );
    assert.deepEqual(decision, {
      action: 'stop',
      period: { from: '2026-04-15', to: '2026-05-14' },
      reason: 'no_recurring_consent',
      because: 'CM-BIL-02',
    });
  });

  it('BK-BIL-05: without recurring card payments a Bookero period is not renewed automatically', () => {
    const decision = decideRenewal(
      bookero,
      { subscription: monthly, method: null, failedAttempts: 0 },
      at('2026-04-15T00:00:00Z'),
    );
    assert.equal(decision.action === 'stop' && decision.because, 'BK-BIL-05');
    const withCard = decideRenewal(
      bookero,
      { subscription: monthly, method: consented, failedAttempts: 0 },
      at('2026-04-15T00:00:00Z'),
    );
    assert.equal(withCard.action, 'charge');
  });

  it('retries carry their own keys, and after the last retry nothing more is tried', () => {
    const facts = (failedAttempts: number) => ({
      subscription: { ...monthly, status: 'past_due' as const },
      method: consented,
      failedAttempts,
    });
    const second = decideRenewal(clickmeeting, facts(1), at('2026-04-16T00:00:00Z'));
    assert.equal(second.action === 'charge' && second.idempotencyKey, 'renew:sub_1:2026-04-15:2');
    assert.deepEqual(decideRenewal(clickmeeting, facts(4), at('2026-04-21T00:00:00Z')), {
      action: 'wait',
      reason: 'retries_exhausted',
    });
  });

  it('QU-BIL-04: a Quanda subscription renews by its invoice; a cancelled one does not renew; an ended one waits', () => {
    const annual: RenewingSubscription = {
      ...monthly,
      frequency: 'annual',
      currentPeriodFrom: '2025-06-15',
      currentPeriodTo: '2026-06-14',
    };
    assert.deepEqual(
      decideRenewal(
        quanda,
        { subscription: annual, method: null, failedAttempts: 0 },
        at('2026-06-01T00:00:00+02:00'),
      ),
      {
        action: 'invoice',
        period: { from: '2026-06-15', to: '2027-06-14' },
        because: 'QU-BIL-04',
      },
    );
    const cancelled = decideRenewal(
      quanda,
      { subscription: { ...annual, cancelAtPeriodEnd: true }, method: null, failedAttempts: 0 },
      at('2026-06-01T00:00:00+02:00'),
    );
    assert.equal(cancelled.action === 'stop' && cancelled.reason, 'cancelled');
    assert.deepEqual(
      decideRenewal(
        quanda,
        { subscription: { ...annual, status: 'ended' }, method: null, failedAttempts: 0 },
        at('2026-07-01T00:00:00Z'),
      ),
      {
        action: 'wait',
        reason: 'ended',
      },
    );
  });
});

describe('retryAt', () => {
  it('a charge declined on 2026-04-15 is retried on the 16th, 18th and 20th at 00:00 Warsaw, then no more (default [1, 3, 5])', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryAt(clickmeeting, '2026-04-15', n)?.toISOString() ?? null),
      ['2026-04-15T22:00:00.000Z', '2026-04-17T22:00:00.000Z', '2026-04-19T22:00:00.000Z', null],
    );
    assert.equal(renewalKey('sub_1', '2026-04-15', 1), 'renew:sub_1:2026-04-15');
  });
});
