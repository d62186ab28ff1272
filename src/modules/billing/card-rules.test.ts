import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import { cardFieldsToKeep, cardProviderOf, mayChargeAutomatically, offersRecurring } from './card-rules.ts';

const attached = {
  providerRef: 'pm_sandbox_ok_202812_ab',
  brand: 'visa',
  last4: '4242',
  expMonth: 12,
  expYear: 2028,
};

describe('card rules', () => {
  it('CM-BIL-02: ClickMeeting keeps the card id, brand, last four digits and expiry', () => {
    const terms = cardProviderOf(loadPreset('clickmeeting'));
    assert.ok(terms);
    assert.deepEqual(cardFieldsToKeep(terms, attached), attached);
    assert.equal(offersRecurring(terms), true);
  });

  it('BK-BIL-05: Bookero keeps only the last four digits and the Stripe card id', () => {
    const terms = cardProviderOf(loadPreset('bookero'));
    assert.equal(terms?.id, 'stripe');
    assert.deepEqual(cardFieldsToKeep(terms!, attached), {
      providerRef: 'pm_sandbox_ok_202812_ab',
      brand: null,
      last4: '4242',
      expMonth: null,
      expYear: null,
    });
  });

  it('Quanda and MyOwnConference take no cards at all', () => {
    assert.equal(cardProviderOf(loadPreset('quanda')), null);
    assert.equal(cardProviderOf(loadPreset('myownconference')), null);
    assert.equal(offersRecurring(null), false);
  });

  const at = (iso: string) => new Date(iso);
  const cases: [string, Date | null, Date | null, string, boolean][] = [
    ['no consent', null, null, '2026-05-15T00:00:00Z', false],
    ['consent given before', at('2026-03-15T10:00:00Z'), null, '2026-04-15T00:00:00Z', true],
    ['consent given after the charge time', at('2026-04-16T00:00:00Z'), null, '2026-04-15T00:00:00Z', false],
    [
      'withdrawn before the charge',
      at('2026-03-15T10:00:00Z'),
      at('2026-05-10T12:00:00Z'),
      '2026-05-15T00:00:00Z',
      false,
    ],
    [
      'withdrawn only after the charge',
      at('2026-03-15T10:00:00Z'),
      at('2026-05-20T12:00:00Z'),
      '2026-05-15T00:00:00Z',
      true,
    ],
  ];
  for (const [name, given, withdrawn, when, expected] of cases) {
    it(`CM-BIL-02: automatic charge allowed? ${name} → ${expected}`, () => {
      assert.equal(
        mayChargeAutomatically({ recurringConsentAt: given, consentWithdrawnAt: withdrawn }, at(when)),
        expected,
      );
    });
  }
});
