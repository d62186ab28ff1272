/**
 * Standard VAT rates of the EU member states as dated data, so an invoice gets the rate in force on its tax
 * point (CM-BIL-08: "the rate in force on its issue date") and a rate change is a new row, not a code change.
 */
import { isLocalDate, type LocalDate } from '../../../platform/calendar.ts';
import { AppError } from '../../../platform/errors.ts';
import { vatErrors } from './vat-errors.ts';

/** The 27 EU member states (ISO 3166-1; Greece is GR here and EL only in VAT numbers). */
export const euMemberStates: ReadonlySet<string> = new Set(
  'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' '),
);

/** ISO code of a country as written on VAT documents: the VAT prefix EL is Greece (GR). */
export function isoCountry(code: string): string {
  const upper = code.trim().toUpperCase();
  return upper === 'EL' ? 'GR' : upper;
}

export function isEuMemberState(country: string): boolean {
  return euMemberStates.has(isoCountry(country));
}

/** A standard rate, in percent (25.5 for Finland), in force from `effectiveFrom` until the next row. */
export type VatRateRow = { country: string; percent: number; effectiveFrom: LocalDate };

export type VatRateTable = {
  /** The standard rate in force in `country` on `date`; throws `billing.vat_rate_unknown` if none is on record. */
  standardRate(country: string, date: LocalDate): VatRateRow;
  countries(): string[];
};

/**
 * Builds a table from rows in any order. Refuses a percentage outside 0–100 or with more than two decimals
 * (rates become basis points), a malformed date, and two rows for one country and day.
 */
export function makeVatRateTable(rows: readonly VatRateRow[]): VatRateTable {
  const byCountry = new Map<string, VatRateRow[]>();
  for (const row of rows) {
    const country = isoCountry(row.country);
    const basisPoints = row.percent * 100;
    if (!(row.percent >= 0 && row.percent <= 100) || !Number.isInteger(basisPoints)) {
      throw new RangeError(
        `vat rates: ${country} ${row.percent}% is not a percentage with at most 2 decimals`,
      );
    }
    if (!isLocalDate(row.effectiveFrom)) {
      throw new RangeError(`vat rates: ${country} effectiveFrom ${JSON.stringify(row.effectiveFrom)}`);
    }
    const list = byCountry.get(country) ?? [];
    if (list.some((other) => other.effectiveFrom === row.effectiveFrom)) {
      throw new RangeError(`vat rates: two rates for ${country} from ${row.effectiveFrom}`);
    }
    list.push({ country, percent: row.percent, effectiveFrom: row.effectiveFrom });
    byCountry.set(country, list);
  }
  for (const list of byCountry.values()) {
    list.sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1));
  }
  return Object.freeze({
    standardRate(country: string, date: LocalDate): VatRateRow {
      if (!isLocalDate(date)) throw new RangeError(`vat rates: ${JSON.stringify(date)} is not a LocalDate`);
      const code = isoCountry(country);
      const row = byCountry.get(code)?.find((candidate) => candidate.effectiveFrom <= date);
      if (row === undefined) {
        throw new AppError(vatErrors['billing.vat_rate_unknown'], { details: { country: code, date } });
      }
      return row;
    },
    countries: () => [...byCountry.keys()].sort(),
  });
}

/**
 * Every member state's standard rate in force in 2026, with the rate it replaced where that changed in
 * 2024–2026 (EE, FI, LU, RO, SK) and the 2020–21 temporary cuts (DE, IE), so a tax point before a change
 * gets the old rate. A tax point before a country's first row has no rate on record. Checked against the
 * European Commission's TEDB figures as known in 2026; a new change is one more row here.
 */
export const euStandardRateRows: readonly VatRateRow[] = [
  { country: 'AT', percent: 20, effectiveFrom: '1984-01-01' },
  { country: 'BE', percent: 21, effectiveFrom: '1996-01-01' },
  { country: 'BG', percent: 20, effectiveFrom: '1999-07-01' },
  { country: 'HR', percent: 25, effectiveFrom: '2012-03-01' },
  { country: 'CY', percent: 19, effectiveFrom: '2014-01-13' },
  { country: 'CZ', percent: 21, effectiveFrom: '2013-01-01' },
  { country: 'DK', percent: 25, effectiveFrom: '1992-01-01' },
  { country: 'EE', percent: 20, effectiveFrom: '2009-07-01' },
  { country: 'EE', percent: 22, effectiveFrom: '2024-01-01' },
  { country: 'EE', percent: 24, effectiveFrom: '2025-07-01' },
  { country: 'FI', percent: 24, effectiveFrom: '2013-01-01' },
  { country: 'FI', percent: 25.5, effectiveFrom: '2024-09-01' },
  { country: 'FR', percent: 20, effectiveFrom: '2014-01-01' },
  { country: 'DE', percent: 19, effectiveFrom: '2007-01-01' },
  { country: 'DE', percent: 16, effectiveFrom: '2020-07-01' },
  { country: 'DE', percent: 19, effectiveFrom: '2021-01-01' },
  { country: 'GR', percent: 24, effectiveFrom: '2016-06-01' },
  { country: 'HU', percent: 27, effectiveFrom: '2012-01-01' },
  { country: 'IE', percent: 23, effectiveFrom: '2012-01-01' },
  { country: 'IE', percent: 21, effectiveFrom: '2020-09-01' },
  { country: 'IE', percent: 23, effectiveFrom: '2021-03-01' },
  { country: 'IT', percent: 22, effectiveFrom: '2013-10-01' },
  { country: 'LV', percent: 21, effectiveFrom: '2012-07-01' },
  { country: 'LT', percent: 21, effectiveFrom: '2009-09-01' },
  { country: 'LU', percent: 17, effectiveFrom: '2015-01-01' },
  { country: 'LU', percent: 16, effectiveFrom: '2023-01-01' },
  { country: 'LU', percent: 17, effectiveFrom: '2024-01-01' },
  { country: 'MT', percent: 18, effectiveFrom: '2004-01-01' },
  { country: 'NL', percent: 21, effectiveFrom: '2012-10-01' },
  { country: 'PL', percent: 23, effectiveFrom: '2011-01-01' },
  { country: 'PT', percent: 23, effectiveFrom: '2011-01-01' },
  { country: 'RO', percent: 19, effectiveFrom: '2017-01-01' },
  { country: 'RO', percent: 21, effectiveFrom: '2025-08-01' },
  { country: 'SK', percent: 20, effectiveFrom: '2011-01-01' },
  { country: 'SK', percent: 23, effectiveFrom: '2025-01-01' },
  { country: 'SI', percent: 22, effectiveFrom: '2013-07-01' },
  { country: 'ES', percent: 21, effectiveFrom: '2012-09-01' },
  { country: 'SE', percent: 25, effectiveFrom: '1990-07-01' },
];

export const euStandardVatRates: VatRateTable = makeVatRateTable(euStandardRateRows);
