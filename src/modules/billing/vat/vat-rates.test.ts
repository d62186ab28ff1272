import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../../platform/errors.ts';
import { euMemberStates, euStandardVatRates, isEuMemberState, makeVatRateTable } from './vat-rates.ts';

const rateOn = (country: string, date: string) => euStandardVatRates.standardRate(country, date).percent;

function assertAppError(code: string) {
  return (error: unknown) => error instanceof AppError && error.code === code;
}

describe('EU standard VAT rates', () => {
  it('has the standard rate of each of the 27 member states throughout 2026', () => {
    const expected: Record<string, number> = {
      AT: 20,
      BE: 21,
      BG: 20,
      HR: 25,
      CY: 19,
      CZ: 21,
      DK: 25,
      EE: 24,
      FI: 25.5,
      FR: 20,
      DE: 19,
      GR: 24,
      HU: 27,
      IE: 23,
      IT: 22,
      LV: 21,
      LT: 21,
      LU: 17,
      MT: 18,
      NL: 21,
      PL: 23,
      PT: 23,
      RO: 21,
      SK: 23,
      SI: 22,
      ES: 21,
      SE: 25,
    };
    assert.equal(euMemberStates.size, 27);
    assert.deepEqual(euStandardVatRates.countries(), [...euMemberStates].sort());
    for (const date of ['2026-01-01', '2026-12-31']) {
      const actual = Object.fromEntries(
        [...euMemberStates].map((country) => [country, rateOn(country, date)]),
      );
      assert.deepEqual(actual, expected, date);
    }
  });

  const changes: [country: string, lastOld: string, firstNew: string, oldRate: number, newRate: number][] = [
    ['EE', '2023-12-31', '2024-01-01', 20, 22],
    ['LU', '2023-12-31', '2024-01-01', 16, 17],
    ['FI', '2024-08-31', '2024-09-01', 24, 25.5],
    ['SK', '2024-12-31', '2025-01-01', 20, 23],
    ['EE', '2025-06-30', '2025-07-01', 22, 24],
    ['RO', '2025-07-31', '2025-08-01', 19, 21],
    ['DE', '2020-06-30', '2020-07-01', 19, 16],
    ['DE', '2020-12-31', '2021-01-01', 16, 19],
    ['IE', '2021-02-28', '2021-03-01', 21, 23],
  ];
  for (const [country, lastOld, firstNew, oldRate, newRate] of changes) {
    it(`${country}: ${oldRate}% on ${lastOld}, ${newRate}% from ${firstNew}`, () => {
      assert.equal(rateOn(country, lastOld), oldRate);
      assert.equal(rateOn(country, firstNew), newRate);
      assert.equal(euStandardVatRates.standardRate(country, firstNew).effectiveFrom, firstNew);
    });
  }

  it('reads Greece under its VAT prefix EL as well as GR', () => {
    assert.equal(rateOn('EL', '2026-04-01'), 24);
    assert.equal(euStandardVatRates.standardRate('el', '2026-04-01').country, 'GR');
    assert.ok(isEuMemberState('EL') && isEuMemberState('gr'));
    assert.ok(!isEuMemberState('GB') && !isEuMemberState('NO') && !isEuMemberState('CH'));
  });

  it('has no rate before a country’s first row or for a country outside the table', () => {
    assert.throws(
      () => euStandardVatRates.standardRate('PL', '2010-12-31'),
      assertAppError('billing.vat_rate_unknown'),
    );
    assert.throws(
      () => euStandardVatRates.standardRate('US', '2026-04-01'),
      assertAppError('billing.vat_rate_unknown'),
    );
    assert.throws(() => euStandardVatRates.standardRate('PL', '2026-02-30'), RangeError);
  });

  it('refuses rates it cannot turn into basis points, bad dates and duplicate rows', () => {
    assert.throws(
      () => makeVatRateTable([{ country: 'PL', percent: 23.125, effectiveFrom: '2026-01-01' }]),
      RangeError,
    );
    assert.throws(
      () => makeVatRateTable([{ country: 'PL', percent: 101, effectiveFrom: '2026-01-01' }]),
      RangeError,
    );
    assert.throws(
      () => makeVatRateTable([{ country: 'PL', percent: 23, effectiveFrom: '2026-1-1' }]),
      RangeError,
    );
    assert.throws(
      () =>
        makeVatRateTable([
          { country: 'PL', percent: 23, effectiveFrom: '2026-01-01' },
          { country: 'PL', percent: 22, effectiveFrom: '2026-01-01' },
        ]),
      RangeError,
    );
  });
});
