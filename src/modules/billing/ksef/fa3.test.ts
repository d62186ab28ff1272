import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { XmlDocument, XmlElement } from 'libxml2-wasm';
import type { LocalDate } from '../../../platform/calendar.ts';
import { AppError } from '../../../platform/errors.ts';
import { type Money, multiplyRatio, parseMoney, percentOf } from '../../../platform/money.ts';
import type {
  ExchangeRate,
  InvoiceDocument,
  InvoiceLine,
  Party,
  VatSummaryRow,
  VatTreatment,
} from '../invoice-document.ts';
import { FA3_NAMESPACE, renderFa3 } from './fa3-xml.ts';
import { DEFAULT_FA3_XSD_DIR, FA3_SCHEMA_FILE, type Fa3Validator, makeFa3Validator } from './validate-fa3.ts';
import { element, escapeAttribute, escapeText, textElement, writeXmlDocument } from './xml-writer.ts';

const XSD_DIR = fileURLToPath(new URL('../../../../../shared/ksef/xsd/', import.meta.url));
const SAMPLES_DIR = fileURLToPath(new URL('../../../../../shared/ksef/samples/', import.meta.url));
const CREATED_AT = new Date('2026-11-16T09:15:00.000Z');

// ---------------------------------------------------------------------------
// Factories.

const m = (text: string, currency = 'PLN'): Money => parseMoney(text, currency);

/** NIP 957-102-63-45 (weighted checksum mod 11 = 5). */
const clickMeeting: Party = {
  name: 'ClickMeeting Sp. z o.o.',
  taxId: { scheme: 'NIP', value: '9571026345' },
  address: { street: 'ul. Arkońska 6/A4', postalCode: '80-387', city: 'Gdańsk', country: 'PL' },
  country: 'PL',
  email: 'faktury@clickmeeting.example',
};

const polishBuyer: Party = {
  name: 'Webinarium Polska Sp. z o.o.',
  taxId: { scheme: 'NIP', value: '123-456-32-18' },
  address: { street: 'ul. Prosta 20', postalCode: '00-850', city: 'Warszawa', country: 'PL' },
  country: 'PL',
  email: 'ksiegowosc@webinarium.example',
};

const germanBuyer: Party = {
  name: 'Meeting Werk GmbH',
  taxId: { scheme: 'VAT', value: 'DE 123456789' },
  address: { street: 'Friedrichstraße 100', postalCode: '10117', city: 'Berlin', country: 'DE' },
  country: 'DE',
  email: 'rechnung@meetingwerk.example',
};

const usBuyer: Party = {
  name: 'Acme Webinars Inc.',
  taxId: { scheme: 'other', value: '12-3456789' },
  address: { street: '500 Market Street', postalCode: 'CA 94105', city: 'San Francisco', country: 'US' },
  country: 'US',
  email: null,
};

function aLine(
  description: string,
  unitNet: Money,
  vat: VatTreatment,
  options: { quantity?: string; unit?: string } = {},
): InvoiceLine {
  const quantity = options.quantity ?? '1';
  const [whole = '0', fraction = ''] = quantity.replace('-', '').split('.');
  const scale = 10n ** BigInt(fraction.length);
  const signed = (quantity.startsWith('-') ? -1n : 1n) * BigInt(whole + fraction);
  const net = multiplyRatio(unitNet, signed, scale, 'half_up');
  const vatAmount =
    vat.kind === 'rate' || vat.kind === 'oss'
      ? percentOf(net, BigInt(vat.percent * 100), 'half_up')
      : m('0', net.currency);
  return {
    description,
    quantity,
    unit: options.unit ?? 'usł.',
    unitNet,
    net,
    vat,
    vatAmount,
    gross: { amount: net.amount + vatAmount.amount, currency: net.currency },
  };
}

/** The VAT summary per treatment, VAT converted to PLN at `rate` (half up) for a foreign currency. */
function summarise(lines: InvoiceLine[], currency: string, rate: ExchangeRate | null): VatSummaryRow[] {
  const rows = new Map<string, VatSummaryRow>();
  for (const line of lines) {
    const key = JSON.stringify(line.vat);
    const row = rows.get(key) ?? {
      vat: line.vat,
      net: m('0', currency),
      vatAmount: m('0', currency),
      vatAmountPln: null,
      gross: m('0', currency),
    };
    rows.set(key, {
      ...row,
      net: { amount: row.net.amount + line.net.amount, currency },
      vatAmount: { amount: row.vatAmount.amount + line.vatAmount.amount, currency },
      gross: { amount: row.gross.amount + line.gross.amount, currency },
    });
  }
  return [...rows.values()].map((row) => ({
    ...row,
    vatAmountPln:
      rate === null
        ? null
        : {
            amount: multiplyRatio(row.vatAmount, BigInt(rate.ratePln.replace('.', '')), 10_000n, 'half_up')
              .amount,
            currency: 'PLN',
          },
  }));
}

function anInvoice(
  overrides: Partial<InvoiceDocument> & { lines: InvoiceLine[]; currency?: string },
): InvoiceDocument {
  const currency = overrides.currency ?? 'PLN';
  const exchangeRate = overrides.exchangeRate ?? null;
  const vatSummary = overrides.vatSummary ?? summarise(overrides.lines, currency, exchangeRate);
  const total = (pick: (row: VatSummaryRow) => Money): Money => ({
    amount: vatSummary.reduce((acc, row) => acc + pick(row).amount, 0n),
    currency,
  });
  return {
    kind: 'VAT',
    number: 'FV/2026/11/0001',
    issueDate: '2026-11-01',
    saleDate: '2026-11-30',
    period: { from: '2026-11-01', to: '2026-11-30' },
    placeOfIssue: 'Gdańsk',
    seller: clickMeeting,
    buyer: polishBuyer,
    vatSummary,
    totals: { net: total((r) => r.net), vat: total((r) => r.vatAmount), gross: total((r) => r.gross) },
    exchangeRate,
    payment: { dueDate: null, paid: null, bankAccount: null },
    correction: null,
    notes: [],
    language: 'pl',
    ...overrides,
    currency,
  };
}

const nbp = (currency: string, ratePln: string, date: LocalDate = '2026-11-13'): ExchangeRate => ({
  currency,
  ratePln,
  table: '221/A/NBP/2026',
  date,
});

/** (a) A monthly subscription for a Polish company, paid by card. */
function plSubscription(): InvoiceDocument {
  return anInvoice({
    lines: [
      aLine(
        'ClickMeeting Business – abonament 11/2026',
        m('100.00'),
        { kind: 'rate', percent: 23 },
        { unit: 'mies.' },
      ),
    ],
    payment: {
      dueDate: null,
      paid: { at: '2026-11-01', amount: m('123.00'), method: 'card' },
      bankAccount: null,
    },
  });
}

/** (b) The same plan sold to a German business in EUR: reverse charge. */
function euReverseCharge(): InvoiceDocument {
  return anInvoice({
    number: 'FV/2026/11/0002',
    issueDate: '2026-11-16',
    saleDate: '2026-11-16',
    period: { from: '2026-11-16', to: '2026-12-15' },
    buyer: germanBuyer,
    currency: 'EUR',
    exchangeRate: nbp('EUR', '4.2512'),
    lines: [aLine('ClickMeeting Business – subscription', m('100.00', 'EUR'), { kind: 'reverse_charge_eu' })],
    payment: {
      dueDate: null,
      paid: { at: '2026-11-16', amount: m('100.00', 'EUR'), method: 'card' },
      bankAccount: null,
    },
    notes: [
      'odwrotne obciążenie',
      'Reverse charge: VAT to be accounted for by the recipient (art. 196 VAT Directive).',
    ],
    language: 'en',
  });
}

/** (c) A US business in USD: supply outside Poland. */
function usOutsideScope(): InvoiceDocument {
  return anInvoice({
    number: 'FV/2026/11/0003',
    issueDate: '2026-11-16',
    saleDate: '2026-11-16',
    period: null,
    buyer: usBuyer,
    currency: 'USD',
    exchangeRate: nbp('USD', '3.6650'),
    lines: [
      aLine(
        'ClickMeeting Enterprise – annual plan',
        m('1200.00', 'USD'),
        { kind: 'outside_scope' },
        { unit: 'rok' },
      ),
    ],
    payment: {
      dueDate: '2026-11-30',
      paid: null,
      bankAccount: 'PL61 1090 1014 0000 0712 1981 2874',
    },
    language: 'en',
  });
}

/** (d) A correction of (a): 12 unused days of the 30-day November refunded to the card. */
function refundCorrection(ksefNumber: string | null = null): InvoiceDocument {
  const monthly = m('100.00');
  const refund = multiplyRatio(monthly, -12n, 30n, 'half_up');
  const line = aLine(
    'Zwrot za niewykorzystany okres 19–30.11.2026 (12 z 30 dni)',
    refund,
    { kind: 'rate', percent: 23 },
    { unit: 'usł.' },
  );
  return anInvoice({
    kind: 'KOR',
    number: 'FK/2026/11/0001',
    issueDate: '2026-11-19',
    lines: [line],
    payment: {
      dueDate: null,
      paid: { at: '2026-11-19', amount: line.gross, method: 'card' },
      bankAccount: null,
    },
    correction: {
      reason: 'Rezygnacja z usługi – zwrot za niewykorzystany okres',
      original: { number: 'FV/2026/11/0001', issueDate: '2026-11-01', ksefNumber },
    },
  });
}

// ---------------------------------------------------------------------------
// Reading the XML back.

const ns = { f: FA3_NAMESPACE };

/** Text of every element at a path below Faktura, e.g. 'Fa/FaWiersz/P_12'. */
function all(xml: string, path: string): string[] {
  const doc = XmlDocument.fromString(xml);
  try {
    const xpath = `/f:Faktura/${path
      .split('/')
      .map((step) => `f:${step}`)
      .join('/')}`;
    return doc.find(xpath, ns).map((node) => node.content);
  } finally {
    doc.dispose();
  }
}

/** Text of the one element at `path`, or undefined when it is absent. */
function one(xml: string, path: string): string | undefined {
  const found = all(xml, path);
  assert.ok(found.length <= 1, `expected at most one ${path}, found ${found.length}`);
  return found[0];
}

/** Names of the children of the element at `path`, in document order. */
function childNames(xml: string, path: string): string[] {
  const doc = XmlDocument.fromString(xml);
  try {
    const xpath = `/f:Faktura/${path
      .split('/')
      .map((step) => `f:${step}`)
      .join('/')}/*`;
    return doc
      .find(xpath, ns)
      .map((node) => (node instanceof XmlElement ? node.name : `#${node.constructor.name}`));
  } finally {
    doc.dispose();
  }
}

// ---------------------------------------------------------------------------

let validator: Fa3Validator;

before(async () => {
  validator = await makeFa3Validator(XSD_DIR);
});

after(() => {
  validator.close();
});

function assertValid(xml: string): void {
  const result = validator.validate(xml);
  assert.deepEqual(result, { ok: true }, result.ok ? '' : `${result.errors.join('\n')}\n\n${xml}`);
}

describe('FA(3) validator', () => {
  it('finds the schema beside the repository by default', () => {
    assert.equal(XSD_DIR, DEFAULT_FA3_XSD_DIR);
    assert.ok(existsSync(join(DEFAULT_FA3_XSD_DIR, FA3_SCHEMA_FILE)), DEFAULT_FA3_XSD_DIR);
  });

  it("accepts every one of the Ministry's official samples", () => {
    const samples = readdirSync(SAMPLES_DIR).filter((name) => name.endsWith('.xml'));
    assert.ok(samples.length >= 7, `samples found: ${samples.join(', ')}`);
    for (const name of samples) {
      const result = validator.validate(readFileSync(join(SAMPLES_DIR, name), 'utf8'));
      assert.deepEqual(result, { ok: true }, `${name}: ${result.ok ? '' : result.errors.join('\n')}`);
    }
  });

  it('names the element, the line and the rule a broken document breaks', () => {
    const sample = readFileSync(join(SAMPLES_DIR, 'csharp_invoice-template-fa-3.xml'), 'utf8');
    const broken = sample
      .replace('<P_13_1>43.60</P_13_1>', '')
      .replace('<NIP>5260250274</NIP>', '<NIP>PL5260250274</NIP>');
    const result = validator.validate(broken);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.errors.length, 2, result.errors.join('\n'));
    assert.match(result.errors[0]!, /^line 12: Element 'NIP': \[facet 'pattern'\] The value 'PL5260250274'/);
    assert.match(
      result.errors[1]!,
      /^line \d+: Element 'P_14_1': This element is not expected\. Expected is one of \( P_13_1,/,
    );
    assert.ok(!result.errors.join('').includes(FA3_NAMESPACE), 'the namespace is left out of messages');
  });

  it('reports XML that is not well-formed instead of throwing', () => {
    const result = validator.validate('<Faktura><Naglowek></Faktura>');
    assert.equal(result.ok, false);
    assert.ok(
      !result.ok && result.errors[0]!.startsWith('not well-formed XML: line 1:'),
      JSON.stringify(result),
    );
  });

  it('never reads files an invoice points at through an external entity', () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE Faktura [<!ENTITY x SYSTEM "file://${join(XSD_DIR, 'SOURCE.txt')}">]><Faktura xmlns="${FA3_NAMESPACE}">&x;</Faktura>`;
    const result = validator.validate(xml);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && !result.errors.join('\n').includes('CIRFMF'), JSON.stringify(result));
  });

  it('fails to start, saying where it looked, when the schema folder is wrong', async () => {
    await assert.rejects(makeFa3Validator(join(XSD_DIR, 'nowhere')), /nowhere.*schemat_FA\(3\)_v1-0E\.xsd/);
  });
});

describe('renderFa3', () => {
  it('(a) PL B2B at 23 %: 100.00 net, 23.00 VAT, 123.00 gross, a monthly period, paid by card', () => {
    const xml = renderFa3(plSubscription(), { createdAt: CREATED_AT });
    assertValid(xml);

    assert.match(xml, /<KodFormularza kodSystemowy="FA \(3\)" wersjaSchemy="1-0E">FA<\/KodFormularza>/);
    assert.equal(one(xml, 'Naglowek/WariantFormularza'), '3');
    assert.equal(one(xml, 'Naglowek/DataWytworzeniaFa'), '2026-11-16T09:15:00.000Z');
    assert.equal(one(xml, 'Naglowek/SystemInfo'), 'Klauzula');

    assert.equal(one(xml, 'Podmiot1/PrefiksPodatnika'), undefined);
    assert.equal(one(xml, 'Podmiot1/DaneIdentyfikacyjne/NIP'), '9571026345');
    assert.equal(one(xml, 'Podmiot1/DaneIdentyfikacyjne/Nazwa'), 'ClickMeeting Sp. z o.o.');
    assert.equal(one(xml, 'Podmiot1/Adres/KodKraju'), 'PL');
    assert.equal(one(xml, 'Podmiot1/Adres/AdresL1'), 'ul. Arkońska 6/A4');
    assert.equal(one(xml, 'Podmiot1/Adres/AdresL2'), '80-387 Gdańsk');
    assert.equal(one(xml, 'Podmiot1/DaneKontaktowe/Email'), 'faktury@clickmeeting.example');
    assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/NIP'), '1234563218');
    assert.equal(one(xml, 'Podmiot2/JST'), '2');
    assert.equal(one(xml, 'Podmiot2/GV'), '2');

    assert.equal(one(xml, 'Fa/KodWaluty'), 'PLN');
    assert.equal(one(xml, 'Fa/P_1'), '2026-11-01');
    assert.equal(one(xml, 'Fa/P_1M'), 'Gdańsk');
    assert.equal(one(xml, 'Fa/P_2'), 'FV/2026/11/0001');
    assert.equal(one(xml, 'Fa/P_6'), undefined);
    assert.equal(one(xml, 'Fa/OkresFa/P_6_Od'), '2026-11-01');
    assert.equal(one(xml, 'Fa/OkresFa/P_6_Do'), '2026-11-30');
    assert.equal(one(xml, 'Fa/P_13_1'), '100.00');
    assert.equal(one(xml, 'Fa/P_14_1'), '23.00');
    assert.equal(one(xml, 'Fa/P_14_1W'), undefined);
    assert.equal(one(xml, 'Fa/P_15'), '123.00');
    assert.deepEqual(childNames(xml, 'Fa/Adnotacje'), [
      'P_16',
      'P_17',
      'P_18',
      'P_18A',
      'Zwolnienie',
      'NoweSrodkiTransportu',
      'P_23',
      'PMarzy',
    ]);
    assert.deepEqual(
      [
        'P_16',
        'P_17',
        'P_18',
        'P_18A',
        'Zwolnienie/P_19N',
        'NoweSrodkiTransportu/P_22N',
        'P_23',
        'PMarzy/P_PMarzyN',
      ].map((p) => one(xml, `Fa/Adnotacje/${p}`)),
      ['2', '2', '2', '2', '1', '1', '2', '1'],
    );
    assert.equal(one(xml, 'Fa/RodzajFaktury'), 'VAT');
    assert.equal(one(xml, 'Fa/DaneFaKorygowanej/NrFaKorygowanej'), undefined);

    assert.deepEqual(childNames(xml, 'Fa/FaWiersz'), [
      'NrWierszaFa',
      'P_7',
      'P_8A',
      'P_8B',
      'P_9A',
      'P_11',
      'P_12',
    ]);
    assert.equal(one(xml, 'Fa/FaWiersz/P_7'), 'ClickMeeting Business – abonament 11/2026');
    assert.equal(one(xml, 'Fa/FaWiersz/P_8A'), 'mies.');
    assert.equal(one(xml, 'Fa/FaWiersz/P_8B'), '1');
    assert.equal(one(xml, 'Fa/FaWiersz/P_9A'), '100.00');
    assert.equal(one(xml, 'Fa/FaWiersz/P_11'), '100.00');
    assert.equal(one(xml, 'Fa/FaWiersz/P_12'), '23');

    assert.deepEqual(childNames(xml, 'Fa/Platnosc'), ['Zaplacono', 'DataZaplaty', 'FormaPlatnosci']);
    assert.equal(one(xml, 'Fa/Platnosc/Zaplacono'), '1');
    assert.equal(one(xml, 'Fa/Platnosc/DataZaplaty'), '2026-11-01');
    assert.equal(one(xml, 'Fa/Platnosc/FormaPlatnosci'), '2', 'TFormaPlatnosci 2 = Karta');
    assert.equal(one(xml, 'Stopka/Informacje/StopkaFaktury'), undefined);
  });

  it('takes DataWytworzeniaFa and SystemInfo from the options, and renders the same input identically', () => {
    const doc = plSubscription();
    const later = renderFa3(doc, {
      createdAt: new Date('2027-01-02T03:04:05.678Z'),
      systemInfo: 'Klauzula 0.1.0',
    });
    assert.equal(one(later, 'Naglowek/DataWytworzeniaFa'), '2027-01-02T03:04:05.678Z');
    assert.equal(one(later, 'Naglowek/SystemInfo'), 'Klauzula 0.1.0');
    assert.equal(renderFa3(doc, { createdAt: CREATED_AT }), renderFa3(doc, { createdAt: CREATED_AT }));
  });

  it('(b) EU B2B in EUR: np II in P_13_9, P_18 = 1, KodUE + NrVatUE, the NBP rate on the row, no VAT in PLN', () => {
    const xml = renderFa3(euReverseCharge(), { createdAt: CREATED_AT });
    assertValid(xml);

    assert.equal(one(xml, 'Podmiot1/PrefiksPodatnika'), 'PL');
    assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/NIP'), undefined);
    assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/KodUE'), 'DE');
    assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/NrVatUE'), '123456789');
    assert.equal(one(xml, 'Podmiot2/Adres/KodKraju'), 'DE');
    assert.equal(one(xml, 'Podmiot2/Adres/AdresL2'), '10117 Berlin');

    assert.equal(one(xml, 'Fa/KodWaluty'), 'EUR');
    assert.equal(one(xml, 'Fa/P_13_9'), '100.00');
    assert.equal(one(xml, 'Fa/P_15'), '100.00');
    assert.equal(one(xml, 'Fa/Adnotacje/P_18'), '1', '"odwrotne obciążenie"');
    assert.equal(one(xml, 'Fa/FaWiersz/P_12'), 'np II');
    assert.equal(one(xml, 'Fa/FaWiersz/KursWaluty'), '4.2512');
    assert.equal(one(xml, 'Fa/DodatkowyOpis/Klucz'), 'Kurs waluty');
    assert.equal(
      one(xml, 'Fa/DodatkowyOpis/Wartosc'),
      '1 EUR = 4.2512 PLN, średni kurs NBP z tabeli 221/A/NBP/2026 z dnia 2026-11-13',
    );
    assert.match(one(xml, 'Stopka/Informacje/StopkaFaktury')!, /^odwrotne obciążenie\n/);
    assert.doesNotMatch(xml, /<P_14_/, 'reverse charge has no VAT, in EUR or in PLN');
  });

  it('(b) a Greek business, whichever of GR or EL names its country: KodUE EL, address in GR', () => {
    for (const country of ['GR', 'EL']) {
      const greek: Party = {
        name: 'Webinaria Hellas A.E.',
        taxId: { scheme: 'VAT', value: 'EL094259216' },
        address: { street: 'Odos Ermou 10', postalCode: '105 63', city: 'Athina', country },
        country,
        email: null,
      };
      const xml = renderFa3({ ...euReverseCharge(), buyer: greek }, { createdAt: CREATED_AT });
      assertValid(xml);
      assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/KodUE'), 'EL');
      assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/NrVatUE'), '094259216');
      assert.equal(one(xml, 'Podmiot2/Adres/KodKraju'), 'GR');
    }
  });

  it('(b) gives P_14_xW only for taxed rates of a foreign-currency invoice, never for PLN or np', () => {
    const eurTaxed = anInvoice({
      currency: 'EUR',
      exchangeRate: nbp('EUR', '4.2512'),
      lines: [
        aLine('ClickMeeting Business – abonament', m('100.00', 'EUR'), { kind: 'rate', percent: 23 }),
        aLine('Szkolenie e-learning', m('50.00', 'EUR'), { kind: 'rate', percent: 8 }),
        aLine('Usługa dla oddziału w UE', m('10.00', 'EUR'), { kind: 'reverse_charge_eu' }),
      ],
    });
    const xml = renderFa3(eurTaxed, { createdAt: CREATED_AT });
    assertValid(xml);
    const elementNames = [...xml.matchAll(/<(P_1[34]_\w+)>/g)].map((match) => match[1]);
    assert.deepEqual(elementNames, ['P_13_1', 'P_14_1', 'P_14_1W', 'P_13_2', 'P_14_2', 'P_14_2W', 'P_13_9']);
    assert.equal(one(xml, 'Fa/P_14_1'), '23.00');
    assert.equal(one(xml, 'Fa/P_14_1W'), '97.78', '23.00 EUR × 4.2512 = 97.7776 PLN');
    assert.equal(one(xml, 'Fa/P_14_2W'), '17.00', '4.00 EUR × 4.2512 = 17.0048 PLN');
    assert.deepEqual(all(xml, 'Fa/FaWiersz/KursWaluty'), ['4.2512', '4.2512', '4.2512']);

    const plnXml = renderFa3(plSubscription(), { createdAt: CREATED_AT });
    assert.doesNotMatch(plnXml, /P_14_\dW|KursWaluty|DodatkowyOpis/);

    const withoutPln = {
      ...eurTaxed,
      vatSummary: eurTaxed.vatSummary.map((row) => ({ ...row, vatAmountPln: null })),
    };
    assert.throws(
      () => renderFa3(withoutPln, { createdAt: CREATED_AT }),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'billing.ksef_not_renderable' &&
        /P_14_1W/.test(error.message),
    );
  });

  it('(c) a US business in USD: np I in P_13_8, KodKraju + NrID, P_18 = 2, due by transfer', () => {
    const xml = renderFa3(usOutsideScope(), { createdAt: CREATED_AT });
    assertValid(xml);

    assert.equal(one(xml, 'Podmiot1/PrefiksPodatnika'), undefined);
    assert.deepEqual(childNames(xml, 'Podmiot2/DaneIdentyfikacyjne'), ['KodKraju', 'NrID', 'Nazwa']);
    assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/KodKraju'), 'US');
    assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/NrID'), '12-3456789');
    assert.equal(one(xml, 'Podmiot2/DaneKontaktowe/Email'), undefined);

    assert.equal(one(xml, 'Fa/KodWaluty'), 'USD');
    assert.equal(one(xml, 'Fa/P_6'), undefined, 'the date of supply is the issue date');
    assert.equal(one(xml, 'Fa/OkresFa/P_6_Od'), undefined);
    assert.equal(one(xml, 'Fa/P_13_8'), '1200.00');
    assert.equal(one(xml, 'Fa/P_15'), '1200.00');
    assert.doesNotMatch(xml, /<P_14_/);
    assert.equal(one(xml, 'Fa/Adnotacje/P_18'), '2');
    assert.equal(one(xml, 'Fa/FaWiersz/P_12'), 'np I');
    assert.equal(one(xml, 'Fa/FaWiersz/KursWaluty'), '3.6650', 'as NBP publishes it');

    assert.deepEqual(childNames(xml, 'Fa/Platnosc'), [
      'TerminPlatnosci',
      'FormaPlatnosci',
      'RachunekBankowy',
    ]);
    assert.equal(one(xml, 'Fa/Platnosc/TerminPlatnosci/Termin'), '2026-11-30');
    assert.equal(one(xml, 'Fa/Platnosc/FormaPlatnosci'), '6', 'TFormaPlatnosci 6 = Przelew');
    assert.equal(one(xml, 'Fa/Platnosc/RachunekBankowy/NrRB'), 'PL61109010140000071219812874');
  });

  it('(c) a buyer without a tax id gets BrakID = 1', () => {
    const consumer: Party = { ...usBuyer, name: 'Jane Doe', taxId: null };
    const xml = renderFa3({ ...usOutsideScope(), buyer: consumer }, { createdAt: CREATED_AT });
    assertValid(xml);
    assert.deepEqual(childNames(xml, 'Podmiot2/DaneIdentyfikacyjne'), ['BrakID', 'Nazwa']);
    assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/BrakID'), '1');
  });

  it('(d) a KOR of (a) refunding 12 of 30 days: signed differences, TypKorekty 2, NrKSeFN = 1', () => {
    const doc = refundCorrection();
    assert.deepEqual(doc.totals.gross, m('-49.20'), '12/30 of 123.00');
    const xml = renderFa3(doc, { createdAt: CREATED_AT });
    assertValid(xml);

    assert.equal(one(xml, 'Fa/RodzajFaktury'), 'KOR');
    assert.equal(one(xml, 'Fa/P_2'), 'FK/2026/11/0001');
    assert.equal(one(xml, 'Fa/P_13_1'), '-40.00');
    assert.equal(one(xml, 'Fa/P_14_1'), '-9.20');
    assert.equal(one(xml, 'Fa/P_15'), '-49.20');
    assert.equal(one(xml, 'Fa/PrzyczynaKorekty'), 'Rezygnacja z usługi – zwrot za niewykorzystany okres');
    assert.equal(one(xml, 'Fa/TypKorekty'), '2', 'a reduction counts when the correction is issued');
    assert.deepEqual(childNames(xml, 'Fa/DaneFaKorygowanej'), [
      'DataWystFaKorygowanej',
      'NrFaKorygowanej',
      'NrKSeFN',
    ]);
    assert.equal(one(xml, 'Fa/DaneFaKorygowanej/DataWystFaKorygowanej'), '2026-11-01');
    assert.equal(one(xml, 'Fa/DaneFaKorygowanej/NrFaKorygowanej'), 'FV/2026/11/0001');
    assert.equal(one(xml, 'Fa/DaneFaKorygowanej/NrKSeFN'), '1');
    assert.equal(one(xml, 'Fa/FaWiersz/P_9A'), '-40.00');
    assert.equal(one(xml, 'Fa/FaWiersz/P_11'), '-40.00');
    assert.equal(one(xml, 'Fa/FaWiersz/P_12'), '23');
    assert.equal(one(xml, 'Fa/Platnosc/Zaplacono'), '1');
    assert.equal(one(xml, 'Fa/Platnosc/DataZaplaty'), '2026-11-19');
    assert.equal(one(xml, 'Fa/Platnosc/FormaPlatnosci'), '2');
  });

  it('(d) a KOR of an invoice sent through KSeF names its KSeF number', () => {
    const ksefNumber = '9571026345-20261101-1A2B3C-4D5E6F-AB';
    const xml = renderFa3(refundCorrection(ksefNumber), { createdAt: CREATED_AT });
    assertValid(xml);
    assert.deepEqual(childNames(xml, 'Fa/DaneFaKorygowanej'), [
      'DataWystFaKorygowanej',
      'NrFaKorygowanej',
      'NrKSeF',
      'NrKSeFFaKorygowanej',
    ]);
    assert.equal(one(xml, 'Fa/DaneFaKorygowanej/NrKSeF'), '1');
    assert.equal(one(xml, 'Fa/DaneFaKorygowanej/NrKSeFFaKorygowanej'), ksefNumber);
  });

  it('(d) refuses a KOR without the invoice it corrects', () => {
    assert.throws(
      () => renderFa3({ ...refundCorrection(), correction: null }, { createdAt: CREATED_AT }),
      (error: unknown) => error instanceof AppError && error.code === 'billing.ksef_not_renderable',
    );
  });

  it('(e) escapes &, < and quotes in names and keeps them exactly', () => {
    const name = `Smith & <Sons> "Webinars" 'Polska' Sp. z o.o.`;
    const doc = anInvoice({
      ...plSubscription(),
      buyer: { ...polishBuyer, name },
      lines: [aLine('Pakiet "Pro" <beta> & dodatki ]]>', m('100.00'), { kind: 'rate', percent: 23 })],
    });
    const xml = renderFa3(doc, { createdAt: CREATED_AT });
    assertValid(xml);
    assert.ok(xml.includes(`<Nazwa>Smith &amp; &lt;Sons&gt; "Webinars" 'Polska' Sp. z o.o.</Nazwa>`), xml);
    assert.ok(!xml.includes(']]>'));
    assert.equal(one(xml, 'Podmiot2/DaneIdentyfikacyjne/Nazwa'), name);
    assert.equal(one(xml, 'Fa/FaWiersz/P_7'), 'Pakiet "Pro" <beta> & dodatki ]]>');
  });

  it('(e) refuses a character XML cannot carry instead of dropping it', () => {
    const doc = { ...plSubscription(), buyer: { ...polishBuyer, name: 'Bell\u0007 Sp. z o.o.' } };
    assert.throws(
      () => renderFa3(doc, { createdAt: CREATED_AT }),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'billing.ksef_not_renderable' &&
        /U\+0007/.test(error.message),
    );
  });

  it('(f) several lines at mixed rates: one summary field per rate, in schema order', () => {
    const doc = anInvoice({
      period: null,
      saleDate: '2026-10-31',
      lines: [
        aLine(
          'ClickMeeting Business – abonament',
          m('50.00'),
          { kind: 'rate', percent: 23 },
          { quantity: '2', unit: 'mies.' },
        ),
        aLine(
          'Dodatkowy prowadzący',
          m('19.99'),
          { kind: 'rate', percent: 23 },
          { quantity: '0.5', unit: 'mies.' },
        ),
        aLine('Szkolenie stacjonarne – wstęp na wydarzenie', m('100.00'), { kind: 'rate', percent: 8 }),
        aLine('E-book „Webinar od podstaw”', m('40.00'), { kind: 'rate', percent: 5 }, { unit: 'szt.' }),
        aLine('Usługa opodatkowana stawką 0 %', m('10.00'), { kind: 'rate', percent: 0 }),
        aLine('Szkolenie zawodowe', m('300.00'), {
          kind: 'exempt',
          basis: 'art. 43 ust. 1 pkt 29 lit. c ustawy o VAT',
        }),
      ],
      payment: {
        dueDate: '2026-11-15',
        paid: null,
        bankAccount: 'PL61109010140000071219812874',
      },
    });
    const xml = renderFa3(doc, { createdAt: CREATED_AT });
    assertValid(xml);

    assert.equal(one(xml, 'Fa/P_6'), '2026-10-31');
    const summary = [...xml.matchAll(/<(P_1[345](?:_\w+)?)>([^<]*)</g)].map(
      (match) => `${match[1]}=${match[2]}`,
    );
    assert.deepEqual(summary, [
      'P_13_1=110.00', // 100.00 + 10.00 (0.5 × 19.995 → 10.00)
      'P_14_1=25.30', // 23.00 + 2.30
      'P_13_2=100.00',
      'P_14_2=8.00',
      'P_13_3=40.00',
      'P_14_3=2.00',
      'P_13_6_1=10.00',
      'P_13_7=300.00',
      'P_15=595.30',
    ]);
    assert.deepEqual(all(xml, 'Fa/FaWiersz/NrWierszaFa'), ['1', '2', '3', '4', '5', '6']);
    assert.deepEqual(all(xml, 'Fa/FaWiersz/P_12'), ['23', '23', '8', '5', '0 KR', 'zw']);
    assert.deepEqual(all(xml, 'Fa/FaWiersz/P_8B'), ['2', '0.5', '1', '1', '1', '1']);
    assert.deepEqual(all(xml, 'Fa/FaWiersz/P_9A'), ['50.00', '19.99', '100.00', '40.00', '10.00', '300.00']);
    assert.deepEqual(all(xml, 'Fa/FaWiersz/P_11'), ['100.00', '10.00', '100.00', '40.00', '10.00', '300.00']);
    assert.deepEqual(childNames(xml, 'Fa/Adnotacje/Zwolnienie'), ['P_19', 'P_19A']);
    assert.equal(one(xml, 'Fa/Adnotacje/Zwolnienie/P_19A'), 'art. 43 ust. 1 pkt 29 lit. c ustawy o VAT');
    assert.deepEqual(childNames(xml, 'Fa/Platnosc'), [
      'TerminPlatnosci',
      'FormaPlatnosci',
      'RachunekBankowy',
    ]);
  });

  it('(f) a foreign rate is OSS: P_13_5/P_14_5 and P_12_XII, never P_12 or a PLN amount', () => {
    const czechConsumer: Party = {
      name: 'Jana Nováková',
      taxId: null,
      address: { street: 'Václavské náměstí 1', postalCode: '110 00', city: 'Praha', country: 'CZ' },
      country: 'CZ',
      email: null,
    };
    const doc = anInvoice({
      buyer: czechConsumer,
      currency: 'EUR',
      exchangeRate: nbp('EUR', '4.2512'),
      lines: [aLine('ClickMeeting Starter', m('20.00', 'EUR'), { kind: 'oss', country: 'IE', percent: 23 })],
    });
    const xml = renderFa3(doc, { createdAt: CREATED_AT });
    assertValid(xml);
    assert.equal(one(xml, 'Fa/P_13_5'), '20.00');
    assert.equal(one(xml, 'Fa/P_14_5'), '4.60');
    assert.equal(one(xml, 'Fa/FaWiersz/P_12'), undefined);
    assert.equal(one(xml, 'Fa/FaWiersz/P_12_XII'), '23');
    assert.doesNotMatch(xml, /P_14_\dW/);
    // An Irish consumer's 23 % is not Polish 23 %: a bare rate that is not Polish cannot be rendered.
    assert.throws(
      () =>
        renderFa3(
          { ...doc, lines: [aLine('x', m('20.00', 'EUR'), { kind: 'rate', percent: 21 })] },
          { createdAt: CREATED_AT },
        ),
      /not a Polish VAT rate/,
    );
  });

  it('a part payment is ZaplataCzesciowa, the rest due by transfer', () => {
    const doc = {
      ...plSubscription(),
      payment: {
        dueDate: '2026-11-15',
        paid: { at: '2026-11-02', amount: m('50.00'), method: 'card' as const },
        bankAccount: 'PL61109010140000071219812874',
      },
    };
    const xml = renderFa3(doc, { createdAt: CREATED_AT });
    assertValid(xml);
    assert.deepEqual(childNames(xml, 'Fa/Platnosc'), [
      'ZnacznikZaplatyCzesciowej',
      'ZaplataCzesciowa',
      'TerminPlatnosci',
      'FormaPlatnosci',
      'RachunekBankowy',
    ]);
    assert.equal(one(xml, 'Fa/Platnosc/ZaplataCzesciowa/KwotaZaplatyCzesciowej'), '50.00');
    assert.equal(one(xml, 'Fa/Platnosc/ZaplataCzesciowa/FormaPlatnosci'), '2');
    assert.equal(one(xml, 'Fa/Platnosc/FormaPlatnosci'), '6');
  });

  it('refuses documents whose sums do not add up, whatever the schema would say', () => {
    const doc = plSubscription();
    const wrongTotal = { ...doc, totals: { ...doc.totals, gross: m('124.00') } };
    assert.throws(() => renderFa3(wrongTotal, { createdAt: CREATED_AT }), /totals do not match/);
    const wrongLine = { ...doc, lines: [{ ...doc.lines[0]!, net: m('90.00') }] };
    assert.throws(() => renderFa3(wrongLine, { createdAt: CREATED_AT }), /do not add up/);
    const noNip = { ...doc, seller: { ...clickMeeting, taxId: null } };
    assert.throws(() => renderFa3(noNip, { createdAt: CREATED_AT }), /Polish NIP/);
  });
});

describe('xml-writer', () => {
  it('escapes text and attribute values, and writes empty elements short', () => {
    assert.equal(escapeText(`a & b < c > d "e" 'f'\r`), `a &amp; b &lt; c &gt; d "e" 'f'&#xD;`);
    assert.equal(escapeAttribute(`a & "b" <c>\n\t`), 'a &amp; &quot;b&quot; &lt;c&gt;&#xA;&#x9;');
    const xml = writeXmlDocument(
      element('r', [textElement('t', 'x & y', { a: 'say "hi"' }), element('e', []), null]),
    );
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<r>\n  <t a="say &quot;hi&quot;">x &amp; y</t>\n  <e/>\n</r>\n',
    );
  });

  it('refuses names that are not XML names', () => {
    assert.throws(() => textElement('P 13', '1'), /not an XML name/);
    assert.throws(() => element('a', [], { 'x"y': '1' }), /not an XML name/);
  });
});
