/**
 * Money as an integer count of minor units (grosze, haléře, cents) with its currency.
 *
 * All arithmetic is exact bigint arithmetic; the only place a value is rounded is
 * `multiplyRatio` (and `percentOf`, built on it), and the caller names the rounding
 * rule there. Operations on two amounts refuse to mix currencies.
 */

/** An ISO 4217 code from `MINOR_UNITS`. */
export type Currency = string;

export type Money = { readonly amount: bigint; readonly currency: Currency };

/**
 * How a fraction of a minor unit is resolved. All rules are symmetric around zero
 * (a refund of −x rounds like a charge of x):
 * - 'half_up': to nearest, halves away from zero (the catalog's "half-up");
 * - 'down': towards zero, dropping the fraction ("rounded down to the grosz");
 * - 'half_even': to nearest, halves to the even neighbour (banker's rounding).
 */
export type Rounding = 'half_up' | 'down' | 'half_even';

/** Decimal places of the minor unit per ISO 4217, for the currencies we accept. */
const MINOR_UNITS: ReadonlyMap<string, number> = new Map([
  ['PLN', 2],
  ['EUR', 2],
  ['CZK', 2],
  ['USD', 2],
  ['GBP', 2],
  ['CHF', 2],
  ['SEK', 2],
  ['NOK', 2],
  ['DKK', 2],
  ['HUF', 2],
  ['RON', 2],
  ['BGN', 2],
  ['UAH', 2],
  ['CAD', 2],
  ['AUD', 2],
  ['NZD', 2],
  ['CNY', 2],
  ['INR', 2],
  ['BRL', 2],
  ['MXN', 2],
  ['TRY', 2],
  ['ZAR', 2],
  ['ILS', 2],
  ['SGD', 2],
  ['HKD', 2],
  ['JPY', 0],
  ['KRW', 0],
  ['ISK', 0],
  ['CLP', 0],
  ['KWD', 3],
  ['BHD', 3],
  ['JOD', 3],
  ['OMR', 3],
  ['TND', 3],
]);

export function isCurrency(code: unknown): code is Currency {
  return typeof code === 'string' && MINOR_UNITS.has(code);
}

/** Number of decimal places of `currency`'s minor unit (2 for PLN, 0 for JPY). */
export function minorUnitExponent(currency: Currency): number {
  const exponent = MINOR_UNITS.get(currency);
  if (exponent === undefined) throw new RangeError(`money: unknown currency ${JSON.stringify(currency)}`);
  return exponent;
}

/** A Money of `amount` minor units: money(12345n, 'PLN') is 123.45 PLN. */
export function money(amount: bigint, currency: Currency): Money {
  if (typeof amount !== 'bigint')
    throw new TypeError(`money: amount must be a bigint of minor units, got ${typeof amount}`);
  minorUnitExponent(currency);
  return { amount, currency };
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Parses a plain decimal ('123.45', '-0.5', '100') into minor units exactly. Refuses
 * more decimal places than the currency has, thousands separators, commas, exponents,
 * signs other than a leading '-', and surrounding spaces.
 */
export function parseMoney(text: string, currency: Currency): Money {
  const exponent = minorUnitExponent(currency);
  const match = typeof text === 'string' ? DECIMAL.exec(text) : null;
  if (match === null) {
    throw new RangeError(`money: ${JSON.stringify(text)} is not a decimal amount like 123.45`);
  }
  const [, sign, whole = '', fraction = ''] = match;
  if (fraction.length > exponent) {
    throw new RangeError(
      `money: ${JSON.stringify(text)} has ${fraction.length} decimal places but ${currency} allows ${exponent}`,
    );
  }
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'));
  return { amount: sign === '-' ? -minor : minor, currency };
}

/** '123.45', '-0.05', '1234' (JPY): a dot, no grouping, always every decimal place. */
export function toDecimalString(m: Money): string {
  const exponent = minorUnitExponent(m.currency);
  const negative = m.amount < 0n;
  const digits = (negative ? -m.amount : m.amount).toString();
  const sign = negative ? '-' : '';
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

function groupThousands(digits: string, separator: string): string {
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) {
    const start = Math.max(0, end - 3);
    out = out === '' ? digits.slice(start, end) : digits.slice(start, end) + separator + out;
  }
  return out;
}

/**
 * For people: 'pl' → '1 234,56 PLN', 'en' → 'PLN 1,234.56'; negatives lead with '-'.
 * The ISO code, not a symbol, so PLN and CZK read the same in both languages.
 */
export function formatMoney(m: Money, locale: 'pl' | 'en'): string {
  const plain = toDecimalString(m);
  const negative = plain.startsWith('-');
  const [whole = '', fraction] = (negative ? plain.slice(1) : plain).split('.');
  const sign = negative ? '-' : '';
  if (locale === 'pl') {
    const number = groupThousands(whole, ' ') + (fraction === undefined ? '' : `,${fraction}`);
    return `${sign}${number} ${m.currency}`;
  }
  const number = groupThousands(whole, ',') + (fraction === undefined ? '' : `.${fraction}`);
  return `${sign}${m.currency} ${number}`;
}

function requireSameCurrency(a: Money, b: Money, operation: string): void {
  if (a.currency !== b.currency) {
    throw new TypeError(`money: cannot ${operation} ${a.currency} and ${b.currency}`);
  }
}

export function add(a: Money, b: Money): Money {
  requireSameCurrency(a, b, 'add');
  return { amount: a.amount + b.amount, currency: a.currency };
}

export function subtract(a: Money, b: Money): Money {
  requireSameCurrency(a, b, 'subtract');
  return { amount: a.amount - b.amount, currency: a.currency };
}

export function negate(m: Money): Money {
  return { amount: -m.amount, currency: m.currency };
}

export function isZero(m: Money): boolean {
  return m.amount === 0n;
}

/** -1, 0 or 1; usable as a sort comparator for amounts of one currency. */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  requireSameCurrency(a, b, 'compare');
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

/** The total of `list`, every item in `currency` (an empty list sums to zero). */
export function sum(list: readonly Money[], currency: Currency): Money {
  minorUnitExponent(currency);
  let total = 0n;
  for (const m of list) {
    if (m.currency !== currency) throw new TypeError(`money: cannot sum ${m.currency} into ${currency}`);
    total += m.amount;
  }
  return { amount: total, currency };
}

/** numerator ÷ denominator rounded to an integer by `rounding`; exact. */
function divideRounded(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (denominator === 0n) throw new RangeError('money: division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let quotient = n / denominator;
  const twiceRemainder = (n % denominator) * 2n;
  if (rounding === 'half_up') {
    if (twiceRemainder >= denominator) quotient += 1n;
  } else if (rounding === 'half_even') {
    if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n))
      quotient += 1n;
  } else if (rounding !== 'down') {
    throw new RangeError(`money: unknown rounding ${JSON.stringify(rounding)}`);
  }
  return negative ? -quotient : quotient;
}

/**
 * m × numerator ÷ denominator, rounded once at the end: pro rata amounts
 * (1000.00 CZK × 21/31 half_up = 677.42), refunds, discounts.
 */
export function multiplyRatio(m: Money, numerator: bigint, denominator: bigint, rounding: Rounding): Money {
  return { amount: divideRounded(m.amount * numerator, denominator, rounding), currency: m.currency };
}

/** `basisPoints`/10000 of m: VAT 23% = 2300n, commission 30% = 3000n. */
export function percentOf(m: Money, basisPoints: bigint, rounding: Rounding): Money {
  return multiplyRatio(m, basisPoints, 10_000n, rounding);
}

/**
 * Splits m into parts proportional to `weights` that add up to m exactly (largest
 * remainder: each part is rounded towards zero, then the leftover minor units go one
 * each to the largest remainders, earlier parts first on ties).
 */
export function allocate(m: Money, weights: readonly bigint[]): Money[] {
  if (weights.length === 0) throw new RangeError('money: allocate needs at least one weight');
  let total = 0n;
  for (const w of weights) {
    if (w < 0n) throw new RangeError('money: allocation weights must not be negative');
    total += w;
  }
  if (total === 0n) throw new RangeError('money: allocation weights must not all be zero');
  const negative = m.amount < 0n;
  const amount = negative ? -m.amount : m.amount;
  const parts = weights.map((w) => (amount * w) / total);
  const remainders = weights.map((w, index) => ({ index, remainder: (amount * w) % total }));
  let leftover = amount - parts.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const { index } of remainders) {
    if (leftover === 0n) break;
    parts[index] = parts[index]! + 1n;
    leftover -= 1n;
  }
  return parts.map((part) => ({ amount: negative ? -part : part, currency: m.currency }));
}

export type MoneyJson = { amount: number; currency: Currency };

/** { amount: minor units as a JSON number, currency }; throws beyond ±2^53 − 1. */
export function moneyToJson(m: Money): MoneyJson {
  const amount = Number(m.amount);
  if (!Number.isSafeInteger(amount)) {
    throw new RangeError(`money: ${m.amount} ${m.currency} is too large for a JSON number`);
  }
  return { amount, currency: m.currency };
}

/** The inverse of `moneyToJson`, validating untrusted input. */
export function moneyFromJson(json: unknown): Money {
  if (typeof json !== 'object' || json === null) throw new TypeError('money: expected { amount, currency }');
  const { amount, currency } = json as { amount?: unknown; currency?: unknown };
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    throw new RangeError(
      `money: amount must be a safe integer of minor units, got ${JSON.stringify(amount)}`,
    );
  }
  if (!isCurrency(currency)) throw new RangeError(`money: unknown currency ${JSON.stringify(currency)}`);
  return { amount: BigInt(amount), currency };
}

/**
 * Money frozen in our own JSON columns (a charge's context, kept until it settles): minor units as a decimal
 * string, so no amount is ever limited to 2^53. Not for untrusted input (`moneyFromJson` validates that).
 */
export type StoredMoney = { amount: string; currency: Currency };

export function storedMoney(m: Money): StoredMoney {
  return { amount: m.amount.toString(), currency: m.currency };
}

export function fromStoredMoney(m: StoredMoney): Money {
  return money(BigInt(m.amount), m.currency);
}
