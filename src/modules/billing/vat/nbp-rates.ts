/**
 * NBP average exchange rates as data, for VAT on invoices in a foreign currency: Polish law converts the
 * VAT at the NBP average rate of the last business day before the tax point (ustawa o VAT art. 31a ust. 1,
 * art. 106e ust. 11), rounding to the grosz half-up (art. 106e ust. 11: below 0.5 grosza dropped, 0.5 and
 * more rounded up).
 */
import { z } from 'zod';
import { addDays, type BusinessDays, isLocalDate, type LocalDate } from '../../../platform/calendar.ts';
import { AppError } from '../../../platform/errors.ts';
import { type Money, minorUnitExponent, money, multiplyRatio } from '../../../platform/money.ts';
import type { ExchangeRate } from '../invoice-document.ts';
import { vatErrors } from './vat-errors.ts';

/** One currency's average rate from one NBP table: PLN per 1 unit, exactly as published (e.g. "4.2512"). */
export type NbpRate = { currency: string; date: LocalDate; table: string; midPln: string };

const NbpDate = z.string().refine(isLocalDate, { error: 'a date written YYYY-MM-DD' });
const CurrencyCode = z.string().regex(/^[A-Z]{3}$/);
const Mid = z.number().positive();

/** `GET /api/exchangerates/tables/{A|B}/…?format=json`: an array of whole tables. */
const NbpTables = z.array(
  z.object({
    table: z.enum(['A', 'B']),
    no: z.string().min(1),
    effectiveDate: NbpDate,
    rates: z.array(z.object({ currency: z.string(), code: CurrencyCode, mid: Mid })),
  }),
);

/** `GET /api/exchangerates/rates/{A|B}/{code}/…?format=json`: one currency over one or more tables. */
const NbpCurrencySeries = z.object({
  table: z.enum(['A', 'B']),
  code: CurrencyCode,
  rates: z.array(z.object({ no: z.string().min(1), effectiveDate: NbpDate, mid: Mid })),
});

/** The number as NBP wrote it: JSON numbers of up to 15 significant digits print back exactly. */
function midText(mid: number, code: string): string {
  const text = String(mid);
  if (!/^\d+(\.\d+)?$/.test(text)) {
    throw new AppError(vatErrors['billing.nbp_table_invalid'], {
      details: { problem: `the ${code} rate ${text} is not a plain decimal` },
    });
  }
  return text;
}

/**
 * Reads the NBP Web API's JSON (api.nbp.pl, `format=json`) for average-rate tables A or B: either whole
 * tables or one currency's series; `json` may be the response text or its parsed value. Table C (buy/sell
 * rates) is refused: VAT conversion uses average rates.
 */
export function parseNbpTable(json: unknown): NbpRate[] {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (cause) {
      throw new AppError(vatErrors['billing.nbp_table_invalid'], { details: { problem: 'not JSON' }, cause });
    }
  }
  const tables = NbpTables.safeParse(value);
  if (tables.success) {
    return tables.data.flatMap((table) =>
      table.rates.map((rate) => ({
        currency: rate.code,
        date: table.effectiveDate,
        table: table.no,
        midPln: midText(rate.mid, rate.code),
      })),
    );
  }
  const series = NbpCurrencySeries.safeParse(value);
  if (series.success) {
    return series.data.rates.map((rate) => ({
      currency: series.data.code,
      date: rate.effectiveDate,
      table: rate.no,
      midPln: midText(rate.mid, series.data.code),
    }));
  }
  throw new AppError(vatErrors['billing.nbp_table_invalid'], {
    details: { problem: `not an NBP table A or B (${z.prettifyError(tables.error).split('\n')[0]})` },
  });
}

/** How far back `rateForTaxPoint` looks before giving up: a long holiday run never exceeds it. */
export const NBP_MAX_DAYS_BACK = 10;

/**
 * The NBP rate to convert VAT with: the rate of the last business day before `taxPoint` for which `rates`
 * holds a table. Weekends, holidays and business days without a table (NBP skipped one, or it is missing
 * from `rates`) are walked over, at most `NBP_MAX_DAYS_BACK` days; beyond that it throws
 * `billing.nbp_rate_missing` rather than use a stale rate. Fetching the tables is the caller's job.
 */
export function rateForTaxPoint(
  rates: readonly NbpRate[],
  currency: string,
  taxPoint: LocalDate,
  calendar: BusinessDays,
): NbpRate {
  const code = currency.toUpperCase();
  if (code === 'PLN') throw new RangeError('nbp: PLN needs no exchange rate');
  const byDate = new Map<LocalDate, NbpRate>();
  for (const rate of rates) {
    if (rate.currency !== code) continue;
    const known = byDate.get(rate.date);
    // Table A is published daily; prefer it should a currency show up in a weekly table B too.
    if (known === undefined || (rate.table.includes('/A/') && !known.table.includes('/A/'))) {
      byDate.set(rate.date, rate);
    }
  }
  for (let back = 1; back <= NBP_MAX_DAYS_BACK; back++) {
    const day = addDays(taxPoint, -back);
    if (!calendar.isBusinessDay(day)) continue;
    const rate = byDate.get(day);
    if (rate !== undefined) return rate;
  }
  throw new AppError(vatErrors['billing.nbp_rate_missing'], {
    details: { currency: code, taxPoint, days: NBP_MAX_DAYS_BACK },
  });
}

/** The rate as an invoice records it (`InvoiceDocument.exchangeRate`). */
export function toExchangeRate(rate: NbpRate): ExchangeRate {
  return { currency: rate.currency, ratePln: rate.midPln, table: rate.table, date: rate.date };
}

/**
 * `vat` in PLN at `rate`, half-up to the grosz (art. 106e ust. 11). Works from the exact decimal rate, never
 * a float: EUR 23.00 at 4.2512 = PLN 97.78 (97.7776).
 */
export function vatInPln(vat: Money, rate: NbpRate | ExchangeRate): Money {
  const ratePln = 'midPln' in rate ? rate.midPln : rate.ratePln;
  if (vat.currency !== rate.currency) {
    throw new TypeError(`nbp: a ${rate.currency} rate cannot convert ${vat.currency}`);
  }
  const match = /^(\d+)(?:\.(\d+))?$/.exec(ratePln);
  if (match === null) throw new RangeError(`nbp: rate ${JSON.stringify(ratePln)} is not a decimal`);
  const [, whole = '', fraction = ''] = match;
  const rateUnits = BigInt(whole + fraction);
  const numerator = rateUnits * 10n ** BigInt(minorUnitExponent('PLN'));
  const denominator = 10n ** BigInt(fraction.length + minorUnitExponent(vat.currency));
  return money(multiplyRatio(vat, numerator, denominator, 'half_up').amount, 'PLN');
}
