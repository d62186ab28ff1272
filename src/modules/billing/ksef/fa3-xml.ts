import { AppError } from '../../../platform/errors.ts';
import { type Money, minorUnitExponent, toDecimalString } from '../../../platform/money.ts';
import type {
  InvoiceDocument,
  InvoiceLine,
  Party,
  PaymentTerms,
  VatSummaryRow,
  VatTreatment,
} from '../invoice-document.ts';
import { ksefErrors } from './ksef-errors.ts';
import {
  element,
  textElement,
  writeXmlDocument,
  type XmlChild,
  type XmlElement,
  XmlWriteError,
} from './xml-writer.ts';

/** Target namespace of FA(3) 1-0E (schemat_FA(3)_v1-0E.xsd). */
export const FA3_NAMESPACE = 'http://crd.gov.pl/wzor/2025/06/25/13775/';

export type RenderFa3Options = {
  /** FA(3) SystemInfo: the invoicing system's name. Defaults to "Klauzula". */
  systemInfo?: string;
  /** FA(3) DataWytworzeniaFa: when this XML was produced. Passed in; the system clock is never read. */
  createdAt: Date;
};

/**
 * Writes an issued invoice as a KSeF FA(3) document (schema 1-0E), ready to validate and send.
 *
 * Guarantees: elements in the schema's order; VAT treatments mapped to FA(3) rate codes and summary fields
 * (23/22 % → "23"/"22", P_13_1/P_14_1; 8/7 → P_13_2; 5 → P_13_3; 4/3 → P_13_4; 0 % → "0 KR", P_13_6_1;
 * exempt → "zw", P_13_7 with its basis in Zwolnienie; outside Poland → "np I", P_13_8; services to an EU
 * business → "np II", P_13_9 with P_18 = 1 "odwrotne obciążenie" and the seller's PL prefix; any other rate
 * → OSS, P_13_5/P_14_5 and P_12_XII); for a foreign currency the VAT in PLN (P_14_xW) from the document
 * and the NBP rate on every row (KursWaluty); corrections as KOR with the original's date, number and
 * KSeF number (or NrKSeFN = 1), amounts as the signed differences the document holds. Text is escaped;
 * the document is checked for what the schema cannot see (sums that do not add up, currencies that do not
 * match, missing seller data) and refused with `billing.ksef_not_renderable`.
 *
 * Leaves to the caller: validating the result against the XSD (`makeFa3Validator`), which also catches
 * over-long texts and malformed identifiers, and everything about sending it to KSeF.
 */
export function renderFa3(doc: InvoiceDocument, options: RenderFa3Options): string {
  try {
    return writeXmlDocument(buildFaktura(doc, options));
  } catch (error) {
    if (error instanceof XmlWriteError) throw notRenderable(error.message);
    throw error;
  }
}

function notRenderable(reason: string): AppError {
  return new AppError(ksefErrors.not_renderable, {
    message: `The invoice cannot be written as a KSeF FA(3) document: ${reason}`,
    details: { reason },
  });
}

// ---------------------------------------------------------------------------
// VAT treatments → FA(3) rate codes and summary fields.

/** One group of FA(3) summary fields (P_13_x net, P_14_x VAT, P_14_xW VAT in PLN), in schema order. */
type SummaryFields = { readonly net: string; readonly vat: string | null; readonly vatPln: string | null };

const STANDARD: SummaryFields = { net: 'P_13_1', vat: 'P_14_1', vatPln: 'P_14_1W' };
const REDUCED_1: SummaryFields = { net: 'P_13_2', vat: 'P_14_2', vatPln: 'P_14_2W' };
const REDUCED_2: SummaryFields = { net: 'P_13_3', vat: 'P_14_3', vatPln: 'P_14_3W' };
const FLAT_RATE: SummaryFields = { net: 'P_13_4', vat: 'P_14_4', vatPln: 'P_14_4W' };
const OSS: SummaryFields = { net: 'P_13_5', vat: 'P_14_5', vatPln: null };
const ZERO_DOMESTIC: SummaryFields = { net: 'P_13_6_1', vat: null, vatPln: null };
const EXEMPT: SummaryFields = { net: 'P_13_7', vat: null, vatPln: null };
const OUTSIDE_POLAND: SummaryFields = { net: 'P_13_8', vat: null, vatPln: null };
const EU_SERVICES: SummaryFields = { net: 'P_13_9', vat: null, vatPln: null };

const SUMMARY_ORDER: readonly SummaryFields[] = [
  STANDARD,
  REDUCED_1,
  REDUCED_2,
  FLAT_RATE,
  OSS,
  ZERO_DOMESTIC,
  EXEMPT,
  OUTSIDE_POLAND,
  EU_SERVICES,
];

type Fa3Vat = {
  fields: SummaryFields;
  /** FaWiersz P_12 (TStawkaPodatku), or null for OSS rows, which carry P_12_XII instead. */
  rateCode: string | null;
  ossPercent: string | null;
};

/** The FA(3) treatment of a VAT treatment; Polish rates by value, any other percentage as OSS. */
function fa3VatOf(vat: VatTreatment): Fa3Vat {
  switch (vat.kind) {
    case 'rate': {
      const p = vat.percent;
      if (!Number.isFinite(p) || p < 0 || p > 100) throw notRenderable(`VAT rate ${p} % is not a percentage`);
      if (p === 23 || p === 22) return { fields: STANDARD, rateCode: String(p), ossPercent: null };
      if (p === 8 || p === 7) return { fields: REDUCED_1, rateCode: String(p), ossPercent: null };
      if (p === 5) return { fields: REDUCED_2, rateCode: '5', ossPercent: null };
      if (p === 4 || p === 3) return { fields: FLAT_RATE, rateCode: String(p), ossPercent: null };
      // 0 % on a supply in Poland; "0 WDT" and "0 EX" are for goods, which a SaaS never ships.
      if (p === 0) return { fields: ZERO_DOMESTIC, rateCode: '0 KR', ossPercent: null };
      throw notRenderable(`${p} % is not a Polish VAT rate; a foreign consumer's rate is an OSS treatment`);
    }
    case 'oss': {
      const p = vat.percent;
      if (!Number.isFinite(p) || p < 0 || p > 100) throw notRenderable(`VAT rate ${p} % is not a percentage`);
      return { fields: OSS, rateCode: null, ossPercent: String(p) };
    }
    case 'reverse_charge_eu':
      return { fields: EU_SERVICES, rateCode: 'np II', ossPercent: null };
    case 'outside_scope':
      return { fields: OUTSIDE_POLAND, rateCode: 'np I', ossPercent: null };
    case 'exempt':
      return { fields: EXEMPT, rateCode: 'zw', ossPercent: null };
  }
}

/** FA(3) FormaPlatnosci (TFormaPlatnosci): 1 cash, 2 card, 3 voucher, 4 cheque, 5 credit, 6 transfer, 7 mobile. */
const PAYMENT_FORM: Readonly<Record<string, string>> = { card: '2', transfer: '6' };

// ---------------------------------------------------------------------------
// The document.

type Context = {
  doc: InvoiceDocument;
  currency: string;
  foreign: boolean;
  /** KursWaluty: PLN per unit of the invoice currency, for foreign-currency invoices. */
  rate: string | null;
};

function buildFaktura(doc: InvoiceDocument, options: RenderFa3Options): XmlElement {
  const ctx = checkDocument(doc);
  return element('Faktura', [header(options), seller(ctx), buyer(doc.buyer), fa(ctx), footer(doc)], {
    xmlns: FA3_NAMESPACE,
  });
}

function checkDocument(doc: InvoiceDocument): Context {
  const currency = doc.currency;
  let exponent: number;
  try {
    exponent = minorUnitExponent(currency);
  } catch {
    throw notRenderable(`unknown currency ${JSON.stringify(currency)}`);
  }
  // TKwotowy has at most two decimal places.
  if (exponent > 2) throw notRenderable(`FA(3) amounts have two decimal places; ${currency} has ${exponent}`);
  if (doc.lines.length === 0) throw notRenderable('the invoice has no lines');
  if (doc.vatSummary.length === 0) throw notRenderable('the invoice has no VAT summary');

  if (doc.kind === 'KOR' && doc.correction === null) {
    throw notRenderable('a correction (KOR) must say which invoice it corrects');
  }
  if (doc.kind === 'VAT' && doc.correction !== null) {
    throw notRenderable('an invoice of kind VAT cannot carry correction data');
  }

  const foreign = currency !== 'PLN';
  let rate: string | null = null;
  if (foreign) {
    const exchange = doc.exchangeRate;
    if (exchange === null) throw notRenderable(`an invoice in ${currency} needs the NBP exchange rate`);
    if (exchange.currency !== currency) {
      throw notRenderable(`the exchange rate is for ${exchange.currency}, the invoice is in ${currency}`);
    }
    // TIlosci: up to 6 decimal places, no leading zeros.
    if (!/^(?:[1-9]\d{0,15}|0)(?:\.\d{1,6})?$/.test(exchange.ratePln) || Number(exchange.ratePln) <= 0) {
      throw notRenderable(`exchange rate ${JSON.stringify(exchange.ratePln)} is not a positive decimal`);
    }
    rate = exchange.ratePln;
  }

  const inCurrency = (m: Money, what: string): bigint => {
    if (m.currency !== currency)
      throw notRenderable(`${what} is in ${m.currency}, the invoice is in ${currency}`);
    return m.amount;
  };
  const byFields = new Map<SummaryFields, bigint>();
  doc.lines.forEach((line, i) => {
    for (const [m, what] of [
      [line.unitNet, 'unit price'],
      [line.net, 'net value'],
      [line.vatAmount, 'VAT'],
      [line.gross, 'gross value'],
    ] as const) {
      inCurrency(m, `line ${i + 1}'s ${what}`);
    }
    const fields = fa3VatOf(line.vat).fields;
    byFields.set(fields, (byFields.get(fields) ?? 0n) + line.net.amount);
  });
  let net = 0n;
  let vat = 0n;
  let gross = 0n;
  const summaryNet = new Map<SummaryFields, bigint>();
  for (const row of doc.vatSummary) {
    const fields = fa3VatOf(row.vat).fields;
    summaryNet.set(fields, (summaryNet.get(fields) ?? 0n) + inCurrency(row.net, 'a VAT summary net'));
    net += row.net.amount;
    vat += inCurrency(row.vatAmount, 'a VAT summary VAT');
    gross += inCurrency(row.gross, 'a VAT summary gross');
  }
  for (const fields of new Set([...byFields.keys(), ...summaryNet.keys()])) {
    if ((byFields.get(fields) ?? 0n) !== (summaryNet.get(fields) ?? 0n)) {
      throw notRenderable(`the lines' net values for ${fields.net} do not add up to the VAT summary`);
    }
  }
  const totals = doc.totals;
  if (
    inCurrency(totals.net, 'the net total') !== net ||
    inCurrency(totals.vat, 'the VAT total') !== vat ||
    inCurrency(totals.gross, 'the gross total') !== gross ||
    net + vat !== gross
  ) {
    throw notRenderable('the totals do not match the VAT summary');
  }
  return { doc, currency, foreign, rate };
}

function header(options: RenderFa3Options): XmlElement {
  const createdAt = options.createdAt;
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
    throw notRenderable('createdAt is not a valid Date');
  }
  const systemInfo = token(options.systemInfo ?? 'Klauzula');
  return element('Naglowek', [
    textElement('KodFormularza', 'FA', { kodSystemowy: 'FA (3)', wersjaSchemy: '1-0E' }),
    textElement('WariantFormularza', '3'),
    textElement('DataWytworzeniaFa', createdAt.toISOString()),
    systemInfo === '' ? null : textElement('SystemInfo', systemInfo),
  ]);
}

// ---------------------------------------------------------------------------
// Parties.

/** EU member states by ISO code, with the code their VAT numbers use (Greece: EL). */
const EU_VAT_PREFIX: ReadonlyMap<string, string> = new Map(
  'AT BE BG CY CZ DE DK EE ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'
    .split(' ')
    .map((c): [string, string] => [c, c])
    .concat([
      ['GR', 'EL'],
      ['EL', 'EL'],
    ]),
);

/** ISO 3166 for etd:TKodKraju: Greece is GR there, though its VAT numbers (and some callers) say EL. */
function isoCountry(code: string): string {
  const upper = code.toUpperCase();
  return upper === 'EL' ? 'GR' : upper;
}

/** The NIP pattern of etd:TNrNIP. */
const NIP = /^[1-9](?:\d[1-9]|[1-9]\d)\d{7}$/;

function nipOf(party: Party, who: string): string {
  const raw = party.taxId?.value ?? '';
  const nip = raw.replace(/[\s-]/g, '').replace(/^PL/i, '');
  if (!NIP.test(nip)) throw notRenderable(`the ${who}'s NIP ${JSON.stringify(raw)} is not 10 digits`);
  return nip;
}

function seller(ctx: Context): XmlElement {
  const party = ctx.doc.seller;
  const scheme = party.taxId?.scheme;
  const isPolishVatId = scheme === 'VAT' && /^PL/i.test(party.taxId?.value ?? '');
  if (scheme !== 'NIP' && !isPolishVatId) {
    throw notRenderable('the seller must be identified by a Polish NIP');
  }
  if (party.address === null) throw notRenderable('the seller needs an address');
  const reverseChargeEu = ctx.doc.vatSummary.some((row) => row.vat.kind === 'reverse_charge_eu');
  return element('Podmiot1', [
    // Services taxed where an EU business buyer is established (art. 97 ust. 10 pkt 3): the seller's
    // VAT-UE number, i.e. the PL prefix.
    reverseChargeEu ? textElement('PrefiksPodatnika', 'PL') : null,
    element('DaneIdentyfikacyjne', [
      textElement('NIP', nipOf(party, 'seller')),
      textElement('Nazwa', token(party.name)),
    ]),
    address(party),
    contact(party),
  ]);
}

function buyer(party: Party): XmlElement {
  return element('Podmiot2', [
    element('DaneIdentyfikacyjne', [buyerIdentification(party), textElement('Nazwa', token(party.name))]),
    party.address === null ? null : address(party),
    contact(party),
    // Not a subordinate unit of a local government (JST) nor a VAT group member (GV): Klauzula sells to
    // neither as such; both would need Podmiot3 too.
    textElement('JST', '2'),
    textElement('GV', '2'),
  ]);
}

/** NIP for Poland; KodUE + NrVatUE for an EU VAT number; KodKraju + NrID for any other id; BrakID = 1 without one. */
function buyerIdentification(party: Party): XmlChild {
  const taxId = party.taxId;
  if (taxId === null || taxId.value.trim() === '') return textElement('BrakID', '1');
  const country = party.country.toUpperCase();
  const compact = taxId.value.replace(/[\s.-]/g, '').toUpperCase();
  if (taxId.scheme === 'NIP' || (taxId.scheme === 'VAT' && country === 'PL')) {
    return textElement('NIP', nipOf(party, 'buyer'));
  }
  const euPrefix = EU_VAT_PREFIX.get(country);
  if (taxId.scheme === 'VAT' && euPrefix !== undefined) {
    const number = compact.startsWith(euPrefix) ? compact.slice(euPrefix.length) : compact;
    if (!/^[0-9A-Z+*]{1,12}$/.test(number)) {
      throw notRenderable(`the buyer's VAT number ${JSON.stringify(taxId.value)} is not an EU VAT number`);
    }
    return [textElement('KodUE', euPrefix), textElement('NrVatUE', number)];
  }
  return [textElement('KodKraju', isoCountry(country)), textElement('NrID', token(taxId.value))];
}

function address(party: Party): XmlElement | null {
  const a = party.address;
  if (a === null) return null;
  const street = token(a.street);
  const place = token(`${a.postalCode} ${a.city}`);
  return element('Adres', [
    textElement('KodKraju', isoCountry(a.country)),
    textElement('AdresL1', street !== '' ? street : place),
    street !== '' && place !== '' ? textElement('AdresL2', place) : null,
  ]);
}

function contact(party: Party): XmlElement | null {
  const email = party.email?.trim() ?? '';
  return email === '' ? null : element('DaneKontaktowe', [textElement('Email', email)]);
}

// ---------------------------------------------------------------------------
// Fa: dates, sums, annotations, correction, rows, payment.

function fa(ctx: Context): XmlElement {
  const { doc } = ctx;
  return element('Fa', [
    textElement('KodWaluty', ctx.currency),
    textElement('P_1', doc.issueDate),
    doc.placeOfIssue === null || doc.placeOfIssue.trim() === ''
      ? null
      : textElement('P_1M', token(doc.placeOfIssue)),
    textElement('P_2', token(doc.number)),
    saleDate(doc),
    summary(ctx),
    textElement('P_15', amount(doc.totals.gross)),
    annotations(doc),
    textElement('RodzajFaktury', doc.kind),
    correction(doc),
    exchangeRateNote(ctx),
    doc.lines.map((line, i) => row(ctx, line, i + 1)),
    payment(doc.payment, doc.totals.gross),
  ]);
}

/** OkresFa for a periodic service; otherwise P_6 when the date of supply differs from the issue date. */
function saleDate(doc: InvoiceDocument): XmlChild {
  if (doc.period !== null) {
    return element('OkresFa', [textElement('P_6_Od', doc.period.from), textElement('P_6_Do', doc.period.to)]);
  }
  return doc.saleDate === doc.issueDate ? null : textElement('P_6', doc.saleDate);
}

function summary(ctx: Context): XmlChild[] {
  const sums = new Map<SummaryFields, { net: bigint; vat: bigint; vatPln: bigint | null }>();
  for (const row of ctx.doc.vatSummary) {
    const fields = fa3VatOf(row.vat).fields;
    const sum = sums.get(fields) ?? { net: 0n, vat: 0n, vatPln: 0n };
    sum.net += row.net.amount;
    sum.vat += row.vatAmount.amount;
    sum.vatPln = addPln(ctx, fields, row, sum.vatPln);
    sums.set(fields, sum);
  }
  const out: XmlChild[] = [];
  for (const fields of SUMMARY_ORDER) {
    const sum = sums.get(fields);
    if (sum === undefined) continue;
    out.push(textElement(fields.net, amount({ amount: sum.net, currency: ctx.currency })));
    if (fields.vat !== null)
      out.push(textElement(fields.vat, amount({ amount: sum.vat, currency: ctx.currency })));
    if (fields.vatPln !== null && ctx.foreign && sum.vatPln !== null) {
      out.push(textElement(fields.vatPln, amount({ amount: sum.vatPln, currency: 'PLN' })));
    }
  }
  return out;
}

/** The VAT in PLN is required (art. 106e ust. 11) for every taxed rate of a foreign-currency invoice. */
function addPln(
  ctx: Context,
  fields: SummaryFields,
  row: VatSummaryRow,
  sofar: bigint | null,
): bigint | null {
  if (!ctx.foreign || fields.vatPln === null || sofar === null) return null;
  const pln = row.vatAmountPln;
  if (pln === null)
    throw notRenderable(`the VAT for ${fields.net} needs its amount in PLN (${fields.vatPln})`);
  if (pln.currency !== 'PLN') throw notRenderable(`${fields.vatPln} must be in PLN, not ${pln.currency}`);
  return sofar + pln.amount;
}

function annotations(doc: InvoiceDocument): XmlElement {
  const reverseCharge = doc.vatSummary.some((row) => row.vat.kind === 'reverse_charge_eu');
  const exemptBases = [
    ...new Set(
      doc.vatSummary
        .flatMap((row) => (row.vat.kind === 'exempt' ? [token(row.vat.basis)] : []))
        .filter(Boolean),
    ),
  ];
  const hasExempt = doc.vatSummary.some((row) => row.vat.kind === 'exempt');
  if (hasExempt && exemptBases.length === 0) throw notRenderable('an exempt supply needs its legal basis');
  const basis = exemptBases.join('; ');
  return element('Adnotacje', [
    // Not the cash method (metoda kasowa), not self-billing.
    textElement('P_16', '2'),
    textElement('P_17', '2'),
    // "odwrotne obciążenie": the EU business buyer accounts for the VAT.
    textElement('P_18', reverseCharge ? '1' : '2'),
    // Split payment covers goods and services listed in annex 15 of the VAT act; subscriptions are not.
    textElement('P_18A', '2'),
    element('Zwolnienie', [
      hasExempt
        ? [textElement('P_19', '1'), textElement(citesDirective(basis) ? 'P_19B' : 'P_19A', basis)]
        : textElement('P_19N', '1'),
    ]),
    element('NoweSrodkiTransportu', [textElement('P_22N', '1')]),
    textElement('P_23', '2'),
    element('PMarzy', [textElement('P_PMarzyN', '1')]),
  ]);
}

/** P_19B is for a basis in Directive 2006/112/EC; P_19A for the Polish act or a regulation under it. */
function citesDirective(basis: string): boolean {
  return /2006\/112|dyrektyw|directive/i.test(basis);
}

function correction(doc: InvoiceDocument): XmlChild[] {
  const c = doc.correction;
  if (doc.kind !== 'KOR' || c === null) return [];
  const original = c.original;
  const ksefNumber = original.ksefNumber?.trim() ?? '';
  return [
    textElement('PrzyczynaKorekty', token(c.reason)),
    // A reduction of the taxable amount is accounted for when the correction is issued (art. 29a ust. 13).
    // An increase may belong to the original period (an error) or the correction's (a later price
    // change); the document does not say which, so TypKorekty is left out for increases.
    doc.totals.gross.amount < 0n ? textElement('TypKorekty', '2') : null,
    element('DaneFaKorygowanej', [
      textElement('DataWystFaKorygowanej', original.issueDate),
      textElement('NrFaKorygowanej', token(original.number)),
      ksefNumber === ''
        ? textElement('NrKSeFN', '1')
        : [textElement('NrKSeF', '1'), textElement('NrKSeFFaKorygowanej', ksefNumber)],
    ]),
  ];
}

/** The NBP table behind the rate, for the reader; the rate itself is on every row (KursWaluty). */
function exchangeRateNote(ctx: Context): XmlElement | null {
  const exchange = ctx.doc.exchangeRate;
  if (!ctx.foreign || exchange === null) return null;
  return element('DodatkowyOpis', [
    textElement('Klucz', 'Kurs waluty'),
    textElement(
      'Wartosc',
      token(
        `1 ${exchange.currency} = ${exchange.ratePln} PLN, średni kurs NBP z tabeli ${exchange.table} z dnia ${exchange.date}`,
      ),
    ),
  ]);
}

function row(ctx: Context, line: InvoiceLine, number: number): XmlElement {
  const vat = fa3VatOf(line.vat);
  const unit = token(line.unit);
  return element('FaWiersz', [
    textElement('NrWierszaFa', String(number)),
    textElement('P_7', token(line.description)),
    unit === '' ? null : textElement('P_8A', unit),
    textElement('P_8B', quantity(line.quantity, number)),
    textElement('P_9A', amount(line.unitNet)),
    textElement('P_11', amount(line.net)),
    vat.rateCode === null ? null : textElement('P_12', vat.rateCode),
    vat.ossPercent === null ? null : textElement('P_12_XII', vat.ossPercent),
    ctx.rate === null ? null : textElement('KursWaluty', ctx.rate),
  ]);
}

function payment(terms: PaymentTerms, gross: Money): XmlElement | null {
  const paid = terms.paid;
  const account = terms.bankAccount?.replace(/\s/g, '') ?? '';
  const fullyPaid = paid !== null && abs(paid.amount.amount) >= abs(gross.amount);
  const children: XmlChild[] = [];
  if (paid !== null && fullyPaid) {
    children.push(textElement('Zaplacono', '1'), textElement('DataZaplaty', paid.at));
  } else if (paid !== null) {
    const paidForm = PAYMENT_FORM[paid.method];
    children.push(
      textElement('ZnacznikZaplatyCzesciowej', '1'),
      element('ZaplataCzesciowa', [
        textElement('KwotaZaplatyCzesciowej', amount(paid.amount)),
        textElement('DataZaplatyCzesciowej', paid.at),
        paidForm === undefined ? null : textElement('FormaPlatnosci', paidForm),
      ]),
    );
  }
  if (terms.dueDate !== null)
    children.push(element('TerminPlatnosci', [textElement('Termin', terms.dueDate)]));
  // How it was paid; or, for what is still due, a transfer to the account on the invoice.
  const form = fullyPaid ? PAYMENT_FORM[paid.method] : account !== '' ? PAYMENT_FORM['transfer'] : undefined;
  if (form !== undefined) children.push(textElement('FormaPlatnosci', form));
  if (account !== '') children.push(element('RachunekBankowy', [textElement('NrRB', account)]));
  return children.length === 0 ? null : element('Platnosc', children);
}

function footer(doc: InvoiceDocument): XmlElement | null {
  const notes = doc.notes.map((n) => n.trim()).filter((n) => n !== '');
  if (notes.length === 0) return null;
  return element('Stopka', [element('Informacje', [textElement('StopkaFaktury', notes.join('\n'))])]);
}

// ---------------------------------------------------------------------------
// Values.

/** A Money in its currency's decimals ('123.45', '-44.28'), for TKwotowy / TKwotowy2. */
function amount(m: Money): string {
  return toDecimalString(m);
}

/** TIlosci: a plain decimal with at most six decimal places. */
function quantity(value: string, line: number): string {
  const q = value.trim();
  if (!/^-?(?:[1-9]\d{0,15}|0)(?:\.\d{1,6})?$/.test(q)) {
    throw notRenderable(
      `line ${line}'s quantity ${JSON.stringify(value)} is not a decimal with up to 6 places`,
    );
  }
  return q;
}

/** xsd:token as FA(3) reads it: whitespace runs collapsed to one space, none at the ends. */
function token(value: string): string {
  return value.replace(/[\t\n\r ]+/g, ' ').trim();
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}
