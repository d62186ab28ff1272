/**
 * Company tax identifiers: Polish NIP and Czech IČO/DIČ with their checksums, and the format of every EU
 * member state's VAT number (a VIES check, where switched on, belongs to billing).
 */
export type TaxIdCheck = { ok: true; normalized: string; country: string } | { ok: false; reason: string };

const euVatFormats: Record<string, RegExp> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  FR: /^[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^\d[A-Z0-9+*]\d{5}[A-Z]{1,2}$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^\d{2,10}$/,
  SE: /^\d{12}$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
};

export const euCountries = new Set([...Object.keys(euVatFormats).filter((c) => c !== 'EL'), 'GR']);

/** NIP: 10 digits, the last a weighted checksum mod 11 (weights 6 5 7 2 3 4 5 6 7), never 10. */
export function isValidNip(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  const weights = [6, 5, 7, 2, 3, 4, 5, 6, 7];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  const check = sum % 11;
  return check !== 10 && check === Number(digits[9]);
}

/** IČO: 8 digits, weights 8..2, check = (11 − sum mod 11) mod 10. */
export function isValidIco(digits: string): boolean {
  if (!/^\d{8}$/.test(digits)) return false;
  const sum = [8, 7, 6, 5, 4, 3, 2].reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  return (11 - (sum % 11)) % 10 === Number(digits[7]);
}

/**
 * Checks a company tax id given with or without its country prefix. A bare 10-digit number for a Polish
 * company is a NIP; `PL` + NIP is its EU VAT form. Outside the EU any non-empty id is taken as given.
 */
export function checkTaxId(raw: string, companyCountry: string): TaxIdCheck {
  const compact = raw.replace(/[\s.-]/g, '').toUpperCase();
  if (compact.length === 0) return { ok: false, reason: 'empty' };
  const prefixed = /^[A-Z]{2}/.test(compact) ? compact.slice(0, 2) : null;
  const country = prefixed === 'EL' ? 'GR' : (prefixed ?? companyCountry.toUpperCase());
  const number = prefixed ? compact.slice(2) : compact;
  if (!euCountries.has(country)) {
    return /^[A-Z0-9]{4,20}$/.test(number)
      ? { ok: true, normalized: compact, country }
      : { ok: false, reason: 'format' };
  }
  const format = euVatFormats[country === 'GR' ? 'EL' : country]!;
  if (!format.test(number)) return { ok: false, reason: 'format' };
  if (country === 'PL' && !isValidNip(number)) return { ok: false, reason: 'checksum' };
  if (country === 'CZ' && number.length === 8 && !isValidIco(number))
    return { ok: false, reason: 'checksum' };
  return { ok: true, normalized: `${country === 'GR' ? 'EL' : country}${number}`, country };
}
