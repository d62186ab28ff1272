import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectAppError } from '../../../../test/helpers/assertions.ts';
import { makeBusinessCalendar } from '../../../platform/calendar.ts';
import { money, parseMoney } from '../../../platform/money.ts';
import { type NbpRate, parseNbpTable, rateForTaxPoint, toExchangeRate, vatInPln } from './nbp-rates.ts';

const polishBusinessDays = makeBusinessCalendar('PL');

/** One table A as api.nbp.pl/api/exchangerates/tables/A/{date}/?format=json returns it (rates abridged). */
function tableA(no: string, effectiveDate: string, eur: number, usd: number) {
  return {
    table: 'A',
    no,
    effectiveDate,
    rates: [
      { currency: 'dolar amerykański', code: 'USD', mid: usd },
      { currency: 'euro', code: 'EUR', mid: eur },
      { currency: 'korona czeska', code: 'CZK', mid: 0.1741 },
      { currency: 'forint (Węgry)', code: 'HUF', mid: 0.011038 },
      { currency: 'jen (Japonia)', code: 'JPY', mid: 0.026543 },
    ],
  };
}

/** November 2026: 11 Nov (Wednesday) is a holiday, 14–15 Nov a weekend; NBP publishes no table then. */
const november: NbpRate[] = parseNbpTable(
  JSON.stringify([
    tableA('218/A/NBP/2026', '2026-11-09', 4.2403, 3.6711),
    tableA('219/A/NBP/2026', '2026-11-10', 4.2455, 3.6802),
    tableA('220/A/NBP/2026', '2026-11-12', 4.2488, 3.6755),
    tableA('221/A/NBP/2026', '2026-11-13', 4.2512, 3.6689),
    tableA('222/A/NBP/2026', '2026-11-16', 4.2531, 3.6701),
  ]),
);

describe('parseNbpTable', () => {
  it('reads table A JSON into one rate per currency and table, keeping NBP’s digits', () => {
    const rates = parseNbpTable([tableA('221/A/NBP/2026', '2026-11-13', 4.2512, 3.6689)]);
    assert.deepEqual(rates[1], {
      currency: 'EUR',
      date: '2026-11-13',
      table: '221/A/NBP/2026',
      midPln: '4.2512',
    });
    assert.deepEqual(
      rates.map((rate) => `${rate.currency} ${rate.midPln}`),
      ['USD 3.6689', 'EUR 4.2512', 'CZK 0.1741', 'HUF 0.011038', 'JPY 0.026543'],
    );
    assert.equal(november.length, 25);
  });

  it('reads one currency’s series (api/exchangerates/rates/A/EUR/…)', () => {
    const rates = parseNbpTable({
      table: 'A',
      currency: 'euro',
      code: 'EUR',
      rates: [
        { no: '220/A/NBP/2026', effectiveDate: '2026-11-12', mid: 4.2488 },
        { no: '221/A/NBP/2026', effectiveDate: '2026-11-13', mid: 4.2512 },
      ],
    });
    assert.deepEqual(rates, [
      { currency: 'EUR', date: '2026-11-12', table: '220/A/NBP/2026', midPln: '4.2488' },
      { currency: 'EUR', date: '2026-11-13', table: '221/A/NBP/2026', midPln: '4.2512' },
    ]);
  });

  it('refuses what is not an average-rate table A or B', () => {
    const tableC = [
      {
        table: 'C',
        no: '221/C/NBP/2026',
        tradingDate: '2026-11-12',
        effectiveDate: '2026-11-13',
        rates: [{ currency: 'euro', code: 'EUR', bid: 4.2, ask: 4.29 }],
      },
    ];
    assert.throws(() => parseNbpTable(tableC), expectAppError('billing.nbp_table_invalid'));
    assert.throws(() => parseNbpTable('<html>404</html>'), expectAppError('billing.nbp_table_invalid'));
    assert.throws(
      () => parseNbpTable([{ ...tableA('1/A/NBP/2026', '2026-11-31', 4.25, 3.67) }]),
      expectAppError('billing.nbp_table_invalid'),
    );
    assert.throws(
      () => parseNbpTable([{ ...tableA('1/A/NBP/2026', '2026-11-13', 1e-7, 3.67) }]),
      expectAppError('billing.nbp_table_invalid'),
    );
  });
});

describe('rateForTaxPoint', () => {
  const rateFor = (taxPoint: string, rates: NbpRate[] = november, currency = 'EUR') =>
    rateForTaxPoint(rates, currency, taxPoint, polishBusinessDays);

  it('takes Friday’s table for a Monday tax point (2026-11-16 → 2026-11-13)', () => {
    assert.deepEqual(rateFor('2026-11-16'), {
      currency: 'EUR',
      date: '2026-11-13',
      table: '221/A/NBP/2026',
      midPln: '4.2512',
    });
  });

  it('skips the 11 November holiday (2026-11-12 → 2026-11-10)', () => {
    assert.equal(rateFor('2026-11-12').date, '2026-11-10');
  });

  it('takes the day before, never the tax point’s own table (2026-11-13 → 2026-11-12)', () => {
    assert.equal(rateFor('2026-11-13').midPln, '4.2488');
  });

  it('walks over a weekend tax point to the Friday (Sunday 2026-11-15 → 2026-11-13)', () => {
    assert.equal(rateFor('2026-11-15').date, '2026-11-13');
  });

  it('walks past a business day with no table (2026-11-13 missing → 2026-11-12)', () => {
    const withoutFriday = november.filter((rate) => rate.date !== '2026-11-13');
    assert.equal(rateFor('2026-11-16', withoutFriday).date, '2026-11-12');
  });

  it('matches the currency code case-insensitively and picks that currency only', () => {
    assert.equal(rateFor('2026-11-16', november, 'usd').midPln, '3.6689');
  });

  it('fails clearly when no table lies within 10 days before the tax point', () => {
    assert.throws(
      () => rateFor('2026-11-27'),
      expectAppError('billing.nbp_rate_missing', { currency: 'EUR', taxPoint: '2026-11-27', days: 10 }),
    );
    assert.equal(rateFor('2026-11-26').date, '2026-11-16'); // exactly 10 days back
    assert.throws(() => rateFor('2026-11-16', november, 'CHF'), expectAppError('billing.nbp_rate_missing'));
    assert.throws(() => rateFor('2026-11-16', november, 'PLN'), RangeError);
  });

  it('skips Christmas Eve, now a Polish public holiday (2026-12-28 → 2026-12-23)', () => {
    const december = parseNbpTable([
      tableA('247/A/NBP/2026', '2026-12-22', 4.27, 3.7),
      tableA('248/A/NBP/2026', '2026-12-23', 4.271, 3.71),
    ]);
    assert.equal(rateFor('2026-12-28', december).date, '2026-12-23');
  });
});

describe('vatInPln', () => {
  const eurRate = november.find((rate) => rate.currency === 'EUR' && rate.date === '2026-11-13')!;

  it('converts the VAT at the rate, half-up to the grosz (EUR 23.00 × 4.2512 = PLN 97.78)', () => {
    assert.deepEqual(vatInPln(parseMoney('23.00', 'EUR'), eurRate), parseMoney('97.78', 'PLN'));
  });

  it('rounds an exact half grosz up (EUR 0.02 × 4.25 = PLN 0.085 → 0.09)', () => {
    const rate = { currency: 'EUR', date: '2026-11-13', table: 'x', midPln: '4.25' };
    assert.deepEqual(vatInPln(parseMoney('0.02', 'EUR'), rate), parseMoney('0.09', 'PLN'));
    assert.deepEqual(vatInPln(parseMoney('-0.02', 'EUR'), rate), parseMoney('-0.09', 'PLN'));
  });

  it('handles currencies with other minor units and six-decimal rates (JPY 1,000 × 0.026543 = PLN 26.54)', () => {
    const jpy = november.find((rate) => rate.currency === 'JPY' && rate.date === '2026-11-13')!;
    assert.deepEqual(vatInPln(money(1000n, 'JPY'), jpy), parseMoney('26.54', 'PLN'));
    const huf = november.find((rate) => rate.currency === 'HUF' && rate.date === '2026-11-13')!;
    assert.deepEqual(vatInPln(parseMoney('12345.67', 'HUF'), huf), parseMoney('136.27', 'PLN')); // 136.2715
  });

  it('accepts the rate as an invoice records it, and refuses a rate of another currency', () => {
    const recorded = toExchangeRate(eurRate);
    assert.deepEqual(recorded, {
      currency: 'EUR',
      ratePln: '4.2512',
      table: '221/A/NBP/2026',
      date: '2026-11-13',
    });
    assert.deepEqual(vatInPln(parseMoney('23.00', 'EUR'), recorded), parseMoney('97.78', 'PLN'));
    assert.throws(() => vatInPln(parseMoney('23.00', 'USD'), eurRate), TypeError);
  });
});
