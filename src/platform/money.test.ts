// Clause ids are written "QU BIL 01" here, not with hyphens: these tests pin the numbers and arithmetic a
// clause uses, not the behaviour the clause demands, so they do not count toward clause coverage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  add,
  allocate,
  compare,
  formatMoney,
  isCurrency,
  isZero,
  type Money,
  minorUnitExponent,
  money,
  moneyFromJson,
  moneyToJson,
  multiplyRatio,
  negate,
  parseMoney,
  percentOf,
  subtract,
  sum,
  toDecimalString,
} from './money.ts';

const pln = (s: string) => parseMoney(s, 'PLN');
const czk = (s: string) => parseMoney(s, 'CZK');
const show = (m: Money) => `${toDecimalString(m)} ${m.currency}`;

describe('currencies', () => {
  it('knows the ISO codes and their minor units', () => {
    for (const code of ['PLN', 'EUR', 'CZK', 'USD', 'GBP']) {
      assert.equal(isCurrency(code), true);
      assert.equal(minorUnitExponent(code), 2);
    }
    assert.equal(minorUnitExponent('JPY'), 0);
    assert.equal(minorUnitExponent('KWD'), 3);
    assert.equal(isCurrency('pln'), false);
    assert.equal(isCurrency('XYZ'), false);
    assert.throws(() => money(100n, 'ZL'), /unknown currency "ZL"/);
    assert.throws(() => money(100 as unknown as bigint, 'PLN'), /bigint/);
  });
});

describe('parseMoney and toDecimalString', () => {
  it('parses exact decimals into minor units', () => {
    assert.deepEqual(pln('123.45'), { amount: 12_345n, currency: 'PLN' });
    assert.equal(pln('123.4').amount, 12_340n);
    assert.equal(pln('123').amount, 12_300n);
    assert.equal(pln('0.05').amount, 5n);
    assert.equal(pln('-0.05').amount, -5n);
    assert.equal(pln('-0.00').amount, 0n);
    assert.equal(parseMoney('1500', 'JPY').amount, 1500n);
    assert.equal(parseMoney('1.234', 'KWD').amount, 1234n);
    // Far beyond a double's precision, still exact.
    assert.equal(pln('92233720368547758070.01').amount, 9_223_372_036_854_775_807_001n);
  });

  it('rejects more decimals than the currency has', () => {
    assert.throws(() => pln('123.456'), /has 3 decimal places but PLN allows 2/);
    assert.throws(() => parseMoney('10.5', 'JPY'), /has 1 decimal places but JPY allows 0/);
  });

  it('rejects garbage with a clear message', () => {
    for (const bad of [
      '',
      ' 1.00',
      '1.00 ',
      '1,00',
      '1 000.00',
      '+1.00',
      '1.',
      '.5',
      '1e3',
      'NaN',
      '--1',
      '12.3.4',
      '0x10',
    ]) {
      assert.throws(() => pln(bad), /is not a decimal amount like 123\.45/, bad);
    }
    assert.throws(() => parseMoney('1.00', 'XXX'), /unknown currency/);
  });

  it('prints every decimal place with a dot', () => {
    assert.equal(toDecimalString(money(12_345n, 'PLN')), '123.45');
    assert.equal(toDecimalString(money(5n, 'PLN')), '0.05');
    assert.equal(toDecimalString(money(-5n, 'PLN')), '-0.05');
    assert.equal(toDecimalString(money(-12_300n, 'EUR')), '-123.00');
    assert.equal(toDecimalString(money(0n, 'CZK')), '0.00');
    assert.equal(toDecimalString(money(1500n, 'JPY')), '1500');
    assert.equal(toDecimalString(money(1n, 'KWD')), '0.001');
    for (const s of ['0.00', '0.01', '-0.10', '123.45', '-98765432109876543210.99']) {
      assert.equal(toDecimalString(pln(s)), s);
    }
  });
});

describe('formatMoney', () => {
  it('formats Polish and English', () => {
    assert.equal(formatMoney(pln('1234.56'), 'pl'), '1 234,56 PLN');
    assert.equal(formatMoney(pln('1234.56'), 'en'), 'PLN 1,234.56');
    assert.equal(formatMoney(pln('123.00'), 'pl'), '123,00 PLN');
    assert.equal(formatMoney(pln('1234567.8'), 'pl'), '1 234 567,80 PLN');
    assert.equal(formatMoney(czk('-6475.34'), 'en'), '-CZK 6,475.34');
    assert.equal(formatMoney(czk('-6475.34'), 'pl'), '-6 475,34 CZK');
    assert.equal(formatMoney(pln('0.05'), 'en'), 'PLN 0.05');
    assert.equal(formatMoney(money(1_234_567n, 'JPY'), 'en'), 'JPY 1,234,567');
  });
});

describe('arithmetic', () => {
  it('CM BIL 05: PLN 150.00 received on PLN 123.00 due leaves a credit of 27.00, reducing the next 123.00 to 96.00', () => {
    const credit = subtract(pln('150.00'), pln('123.00'));
    assert.equal(show(credit), '27.00 PLN');
    assert.equal(show(subtract(pln('123.00'), credit)), '96.00 PLN');
  });

  it('adds, negates, compares and sums', () => {
    assert.equal(show(add(pln('0.10'), pln('0.20'))), '0.30 PLN');
    assert.equal(show(negate(pln('27.00'))), '-27.00 PLN');
    assert.equal(isZero(subtract(pln('27.00'), pln('27'))), true);
    assert.equal(isZero(pln('0.01')), false);
    assert.equal(compare(pln('1.00'), pln('2.00')), -1);
    assert.equal(compare(pln('2.00'), pln('2.00')), 0);
    assert.equal(compare(pln('2.01'), pln('2.00')), 1);
    assert.deepEqual([pln('3'), pln('-1'), pln('2')].sort(compare).map(toDecimalString), [
      '-1.00',
      '2.00',
      '3.00',
    ]);
    assert.equal(show(sum([pln('0.10'), pln('0.20'), pln('0.30')], 'PLN')), '0.60 PLN');
    assert.equal(show(sum([], 'EUR')), '0.00 EUR');
  });

  it('refuses to mix currencies', () => {
    assert.throws(() => add(pln('1'), czk('1')), /cannot add PLN and CZK/);
    assert.throws(() => subtract(pln('1'), czk('1')), /cannot subtract PLN and CZK/);
    assert.throws(() => compare(pln('1'), czk('1')), /cannot compare PLN and CZK/);
    assert.throws(() => sum([pln('1'), czk('1')], 'PLN'), /cannot sum CZK into PLN/);
    assert.throws(() => sum([pln('1')], 'CZK'), /cannot sum PLN into CZK/);
  });
});

describe('multiplyRatio and percentOf', () => {
  it('CM BIL 06: a PLN 60 add-on for 10 of 30 days costs 20.00, rounded down', () => {
    assert.equal(show(multiplyRatio(pln('60.00'), 10n, 30n, 'down')), '20.00 PLN');
    // Rounding down drops a fraction a half-up rule would keep: 60 × 11/30 = 22.00, 59.99 × 11/30 = 21.996…
    assert.equal(show(multiplyRatio(pln('59.99'), 11n, 30n, 'down')), '21.99 PLN');
    assert.equal(show(multiplyRatio(pln('59.99'), 11n, 30n, 'half_up')), '22.00 PLN');
  });

  it('CM LIF 17: a refund of PLN 110.70 × 12/30 = 44.28', () => {
    assert.equal(show(multiplyRatio(pln('110.70'), 12n, 30n, 'half_up')), '44.28 PLN');
  });

  it('QU BIL 06: 1,000 CZK × 21/31 = 677.42 CZK', () => {
    assert.equal(show(multiplyRatio(czk('1000.00'), 21n, 31n, 'half_up')), '677.42 CZK');
  });

  it('QU BIL 09: 12,000 CZK × 183/365 = 6,016.44 CZK', () => {
    assert.equal(show(multiplyRatio(czk('12000'), 183n, 365n, 'half_up')), '6016.44 CZK');
  });

  it('QU LEG 02: 12,000 CZK × 200/365 = 6,575.34, minus the 100 CZK fee = 6,475.34 CZK', () => {
    const unused = multiplyRatio(czk('12000'), 200n, 365n, 'half_up');
    assert.equal(show(unused), '6575.34 CZK');
    assert.equal(show(subtract(unused, czk('100'))), '6475.34 CZK');
  });

  it('BK LIF 04: 1,200 PLN × 211/365 = 693.70 PLN', () => {
    assert.equal(show(multiplyRatio(pln('1200'), 211n, 365n, 'half_up')), '693.70 PLN');
  });

  it('CM PAR 05: 30% commission of PLN 123.00 is 36.90, of PLN 61.50 is 18.45', () => {
    assert.equal(show(percentOf(pln('123.00'), 3000n, 'half_up')), '36.90 PLN');
    assert.equal(show(percentOf(pln('61.50'), 3000n, 'half_up')), '18.45 PLN');
  });

  it('VAT 23% of 100.00 is 23.00; QU BIL 08: 21% CZ VAT makes 1,000 CZK net 1,210 CZK', () => {
    assert.equal(show(percentOf(pln('100.00'), 2300n, 'half_up')), '23.00 PLN');
    const net = czk('1000');
    assert.equal(show(add(net, percentOf(net, 2100n, 'half_up'))), '1210.00 CZK');
  });

  it('rounds halves by the named rule, symmetrically around zero', () => {
    const cases: [string, 'half_up' | 'down' | 'half_even', string][] = [
      ['0.05', 'half_up', '0.03'], // 2.5 grosze
      ['0.05', 'half_even', '0.02'],
      ['0.05', 'down', '0.02'],
      ['0.07', 'half_up', '0.04'], // 3.5 grosze
      ['0.07', 'half_even', '0.04'],
      ['0.07', 'down', '0.03'],
      ['-0.05', 'half_up', '-0.03'],
      ['-0.05', 'half_even', '-0.02'],
      ['-0.05', 'down', '-0.02'],
      ['-0.07', 'half_even', '-0.04'],
    ];
    for (const [amount, rounding, expected] of cases) {
      assert.equal(
        toDecimalString(multiplyRatio(pln(amount), 1n, 2n, rounding)),
        expected,
        `${amount} ${rounding}`,
      );
    }
    assert.equal(toDecimalString(multiplyRatio(pln('1.00'), 1n, -3n, 'half_up')), '-0.33');
    assert.equal(toDecimalString(multiplyRatio(pln('1.00'), 2n, 3n, 'half_up')), '0.67');
    assert.equal(toDecimalString(multiplyRatio(pln('1.00'), 2n, 3n, 'down')), '0.66');
    assert.throws(() => multiplyRatio(pln('1'), 1n, 0n, 'half_up'), /division by zero/);
    assert.throws(() => multiplyRatio(pln('1'), 1n, 3n, 'ceiling' as 'down'), /unknown rounding/);
  });
});

describe('allocate', () => {
  it('splits by largest remainder and always adds up', () => {
    assert.deepEqual(allocate(pln('100.00'), [1n, 1n, 1n]).map(toDecimalString), ['33.34', '33.33', '33.33']);
    assert.deepEqual(allocate(pln('0.05'), [3n, 7n]).map(toDecimalString), ['0.02', '0.03']); // 1.5 / 3.5
    assert.deepEqual(allocate(pln('10.00'), [0n, 1n]).map(toDecimalString), ['0.00', '10.00']);
    assert.deepEqual(allocate(pln('-100.00'), [1n, 1n, 1n]).map(toDecimalString), [
      '-33.34',
      '-33.33',
      '-33.33',
    ]);
    const total = czk('12000.01');
    const parts = allocate(total, [31n, 28n, 31n, 30n, 31n, 30n, 31n, 31n, 30n, 31n, 30n, 31n]);
    assert.equal(show(sum(parts, 'CZK')), '12000.01 CZK');
    assert.throws(() => allocate(pln('1'), []), /at least one weight/);
    assert.throws(() => allocate(pln('1'), [0n, 0n]), /must not all be zero/);
    assert.throws(() => allocate(pln('1'), [2n, -1n]), /must not be negative/);
  });
});

describe('JSON', () => {
  it('round-trips through minor units as a number', () => {
    assert.deepEqual(moneyToJson(pln('123.45')), { amount: 12_345, currency: 'PLN' });
    assert.deepEqual(moneyFromJson({ amount: -2700, currency: 'PLN' }), pln('-27.00'));
    assert.deepEqual(moneyFromJson(JSON.parse(JSON.stringify(moneyToJson(czk('6475.34'))))), czk('6475.34'));
  });

  it('refuses what a JSON number cannot hold and malformed input', () => {
    assert.throws(() => moneyToJson(money(2n ** 53n, 'PLN')), /too large/);
    assert.deepEqual(moneyToJson(money(2n ** 53n - 1n, 'PLN')).amount, Number.MAX_SAFE_INTEGER);
    assert.throws(() => moneyFromJson({ amount: 1.5, currency: 'PLN' }), /safe integer/);
    assert.throws(() => moneyFromJson({ amount: '150', currency: 'PLN' }), /safe integer/);
    assert.throws(() => moneyFromJson({ amount: 150, currency: 'zł' }), /unknown currency/);
    assert.throws(() => moneyFromJson(null), /expected/);
  });
});
