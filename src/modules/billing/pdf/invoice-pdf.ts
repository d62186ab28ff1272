import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { add, formatMoney, type Money, money, sum } from '../../../platform/money.ts';
import type { InvoiceDocument, Party, VatTreatment } from '../invoice-document.ts';

/** DejaVu Sans (npm `dejavu-fonts-ttf`, Bitstream Vera licence): covers Polish and Czech diacritics. */
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT = join(fontDir, 'DejaVuSans.ttf');
const FONT_BOLD = join(fontDir, 'DejaVuSans-Bold.ttf');

/** What the PDF shows beside the frozen document: facts that arrive after issue. */
export type InvoicePdfExtras = {
  /** How much has been paid so far (the invoice row's `amount_paid`), in the invoice currency. */
  amountPaid: Money;
  /** The KSeF number once KSeF accepted the invoice. */
  ksefNumber: string | null;
  /** The due date as it stands (a proven later delivery may have moved it, QU-BIL-07). */
  dueDate: string | null;
  /** For a correction (KOR): the corrected invoice's document, for the before/after summary. */
  original: InvoiceDocument | null;
};

type Labels = Record<
  | 'invoice'
  | 'correction'
  | 'number'
  | 'issueDate'
  | 'saleDate'
  | 'period'
  | 'placeOfIssue'
  | 'dueDate'
  | 'seller'
  | 'buyer'
  | 'taxId'
  | 'lp'
  | 'description'
  | 'qty'
  | 'unit'
  | 'unitNet'
  | 'net'
  | 'vatRate'
  | 'vat'
  | 'gross'
  | 'vatSummary'
  | 'vatPln'
  | 'total'
  | 'toPay'
  | 'paid'
  | 'paidOn'
  | 'status'
  | 'statusPaid'
  | 'statusPartial'
  | 'statusIssued'
  | 'exchangeRate'
  | 'corrects'
  | 'reason'
  | 'before'
  | 'after'
  | 'difference'
  | 'notes'
  | 'ksef'
  | 'card'
  | 'transfer'
  | 'other'
  | 'toRefund',
  string
>;

const LABELS: Record<'pl' | 'en', Labels> = {
  pl: {
    invoice: 'Faktura VAT',
    correction: 'Faktura korygująca',
    number: 'nr',
    issueDate: 'Data wystawienia',
    saleDate: 'Data sprzedaży',
    period: 'Okres rozliczeniowy',
    placeOfIssue: 'Miejsce wystawienia',
    dueDate: 'Termin płatności',
    seller: 'Sprzedawca',
    buyer: 'Nabywca',
    taxId: 'NIP UE',
    lp: 'Lp.',
    description: 'Nazwa towaru lub usługi',
    qty: 'Ilość',
    unit: 'J.m.',
    unitNet: 'Cena netto',
    net: 'Wartość netto',
    vatRate: 'Stawka VAT',
    vat: 'Kwota VAT',
    gross: 'Wartość brutto',
    vatSummary: 'Podsumowanie według stawek VAT',
    vatPln: 'VAT w PLN',
    total: 'Razem',
    toPay: 'Do zapłaty',
    paid: 'Zapłacono',
    paidOn: 'dnia',
    status: 'Status płatności',
    statusPaid: 'zapłacona',
    statusPartial: 'zapłacona częściowo',
    statusIssued: 'oczekuje na płatność',
    exchangeRate: 'Kurs średni NBP',
    corrects: 'Korekta faktury',
    reason: 'Przyczyna korekty',
    before: 'Przed korektą',
    after: 'Po korekcie',
    difference: 'Korekta',
    notes: 'Uwagi',
    ksef: 'Numer KSeF',
    card: 'kartą',
    transfer: 'przelewem',
    other: 'inną formą',
    toRefund: 'Do zwrotu',
  },
  en: {
    invoice: 'VAT invoice',
    correction: 'Corrective invoice',
    number: 'no.',
    issueDate: 'Issue date',
    saleDate: 'Date of supply',
    period: 'Billing period',
    placeOfIssue: 'Place of issue',
    dueDate: 'Due date',
    seller: 'Seller',
    buyer: 'Buyer',
    taxId: 'VAT ID',
    lp: 'No.',
    description: 'Goods or services',
    qty: 'Qty',
    unit: 'Unit',
    unitNet: 'Unit net',
    net: 'Net',
    vatRate: 'VAT rate',
    vat: 'VAT',
    gross: 'Gross',
    vatSummary: 'VAT summary by rate',
    vatPln: 'VAT in PLN',
    total: 'Total',
    toPay: 'Amount due',
    paid: 'Paid',
    paidOn: 'on',
    status: 'Payment status',
    statusPaid: 'paid',
    statusPartial: 'partially paid',
    statusIssued: 'awaiting payment',
    exchangeRate: 'NBP average exchange rate',
    corrects: 'Corrects invoice',
    reason: 'Reason for correction',
    before: 'Before correction',
    after: 'After correction',
    difference: 'Correction',
    notes: 'Notes',
    ksef: 'KSeF number',
    card: 'by card',
    transfer: 'by bank transfer',
    other: 'otherwise',
    toRefund: 'To be refunded',
  },
};

/** "23%", "np. (odwrotne obciążenie)", "zw" … as printed in the VAT rate column. */
export function vatRateLabel(vat: VatTreatment, language: 'pl' | 'en'): string {
  switch (vat.kind) {
    case 'rate':
      return `${language === 'pl' ? String(vat.percent).replace('.', ',') : vat.percent}%`;
    case 'oss':
      return `${language === 'pl' ? String(vat.percent).replace('.', ',') : vat.percent}% ${vat.country} (OSS)`;
    case 'reverse_charge_eu':
      return language === 'pl' ? 'np. (odwrotne obciążenie)' : 'n/a (reverse charge)';
    case 'outside_scope':
      return language === 'pl' ? 'np. (poza UE)' : 'n/a (outside the EU)';
    case 'exempt':
      return language === 'pl' ? 'zw' : 'exempt';
  }
}

const PAGE = { width: 595.28, margin: 40 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = 790;

/**
 * Renders an issued invoice as a PDF in its own language (Polish or English), from its frozen document
 * only: seller and buyer as they were, number, dates (issue, supply or period, due), lines, the VAT summary
 * per rate (reverse charge and "np" treatments named), totals, the NBP rate and the VAT in PLN for a
 * foreign currency, the notes, the payment status, and for a correction the invoice it corrects with the
 * amounts before and after. Text is set in DejaVu Sans, embedded, so every Polish and Czech letter prints.
 *
 * Deterministic: the PDF's creation date (and the file id derived from it) is the issue date, so the same
 * invoice always gives the same bytes.
 */
export async function renderInvoicePdf(doc: InvoiceDocument, extras: InvoicePdfExtras): Promise<Buffer> {
  const l = LABELS[doc.language];
  const fmt = (m: Money) => formatMoney(m, doc.language);
  const issuedAt = new Date(`${doc.issueDate}T00:00:00Z`);
  const title = `${doc.kind === 'KOR' ? l.correction : l.invoice} ${l.number} ${doc.number}`;
  const pdf = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    lang: doc.language === 'pl' ? 'pl-PL' : 'en-GB',
    info: {
      Title: title,
      Author: doc.seller.name,
      Subject: title,
      Creator: 'Klauzula',
      Producer: 'Klauzula',
      CreationDate: issuedAt,
      ModDate: issuedAt,
    },
  });
  pdf.registerFont('body', FONT);
  pdf.registerFont('bold', FONT_BOLD);
  const chunks: Buffer[] = [];
  pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  const x0 = PAGE.margin;
  let y = PAGE.margin;
  const ensure = (height: number) => {
    if (y + height > BOTTOM) {
      pdf.addPage();
      y = PAGE.margin;
    }
  };
  const text = (
    value: string,
    x: number,
    at: number,
    options: { width: number; bold?: boolean; size?: number; align?: 'left' | 'right' },
  ) => {
    pdf
      .font(options.bold ? 'bold' : 'body')
      .fontSize(options.size ?? 9)
      .text(value, x, at, { width: options.width, align: options.align ?? 'left', lineBreak: true });
  };
  const heightOf = (value: string, width: number, size = 9, bold = false) =>
    pdf
      .font(bold ? 'bold' : 'body')
      .fontSize(size)
      .heightOfString(value, { width });

  // Title and dates.
  text(title, x0, y, { width: CONTENT_WIDTH, bold: true, size: 16 });
  y += 26;
  const dates: [string, string][] = [[l.issueDate, doc.issueDate]];
  if (doc.period) dates.push([l.period, `${doc.period.from} – ${doc.period.to}`]);
  else dates.push([l.saleDate, doc.saleDate]);
  if (doc.placeOfIssue) dates.push([l.placeOfIssue, doc.placeOfIssue]);
  const due = extras.dueDate ?? doc.payment.dueDate;
  if (due) dates.push([l.dueDate, due]);
  if (extras.ksefNumber) dates.push([l.ksef, extras.ksefNumber]);
  for (const [label, value] of dates) {
    text(`${label}: ${value}`, x0, y, { width: CONTENT_WIDTH });
    y += 13;
  }
  y += 8;

  // Parties.
  const half = (CONTENT_WIDTH - 20) / 2;
  const partyLines = (party: Party) => {
    const out = [party.name];
    if (party.address) {
      out.push(
        party.address.street,
        `${party.address.postalCode} ${party.address.city}`,
        party.address.country,
      );
    } else if (party.country) out.push(party.country);
    if (party.taxId) out.push(`${party.taxId.scheme === 'NIP' ? 'NIP' : l.taxId}: ${party.taxId.value}`);
    return out.filter((line) => line.trim() !== '').join('\n');
  };
  const sellerText = partyLines(doc.seller);
  const buyerText = partyLines(doc.buyer);
  text(l.seller, x0, y, { width: half, bold: true });
  text(l.buyer, x0 + half + 20, y, { width: half, bold: true });
  y += 13;
  text(sellerText, x0, y, { width: half });
  text(buyerText, x0 + half + 20, y, { width: half });
  y += Math.max(heightOf(sellerText, half), heightOf(buyerText, half)) + 14;

  // Correction header.
  if (doc.kind === 'KOR' && doc.correction) {
    const original = doc.correction.original;
    const ksef = original.ksefNumber ? `, ${l.ksef}: ${original.ksefNumber}` : '';
    const line = `${l.corrects} ${l.number} ${original.number} (${l.issueDate}: ${original.issueDate}${ksef})`;
    text(line, x0, y, { width: CONTENT_WIDTH, bold: true });
    y += heightOf(line, CONTENT_WIDTH, 9, true) + 2;
    const reason = `${l.reason}: ${doc.correction.reason}`;
    text(reason, x0, y, { width: CONTENT_WIDTH });
    y += heightOf(reason, CONTENT_WIDTH) + 10;
  }

  // Lines.
  const cols = [
    { key: l.lp, width: 22, align: 'left' as const },
    { key: l.description, width: 161, align: 'left' as const },
    { key: l.qty, width: 30, align: 'right' as const },
    { key: l.unit, width: 34, align: 'left' as const },
    { key: l.unitNet, width: 56, align: 'right' as const },
    { key: l.net, width: 56, align: 'right' as const },
    { key: l.vatRate, width: 50, align: 'left' as const },
    { key: l.vat, width: 50, align: 'right' as const },
    { key: l.gross, width: 56, align: 'right' as const },
  ];
  const row = (cells: string[], bold = false, size = 7.5) => {
    const height = Math.max(...cells.map((cell, i) => heightOf(cell, cols[i]!.width - 4, size, bold)));
    ensure(height + 4);
    let x = x0;
    cells.forEach((cell, i) => {
      text(cell, x, y, { width: cols[i]!.width - 4, bold, size, align: cols[i]!.align });
      x += cols[i]!.width;
    });
    y += height + 4;
    pdf
      .moveTo(x0, y - 2)
      .lineTo(x0 + CONTENT_WIDTH, y - 2)
      .lineWidth(0.3)
      .stroke('#999999');
  };
  row(
    cols.map((c) => c.key),
    true,
  );
  doc.lines.forEach((line, i) => {
    row([
      String(i + 1),
      line.description,
      line.quantity,
      line.unit,
      fmt(line.unitNet),
      fmt(line.net),
      vatRateLabel(line.vat, doc.language),
      fmt(line.vatAmount),
      fmt(line.gross),
    ]);
  });
  y += 10;

  // VAT summary per rate.
  const foreign = doc.currency !== 'PLN' && doc.exchangeRate !== null;
  ensure(30);
  text(l.vatSummary, x0, y, { width: CONTENT_WIDTH, bold: true });
  y += 14;
  const sumCols = foreign ? [150, 90, 90, 90, 95] : [170, 115, 115, 115];
  const sumRow = (cells: string[], bold = false) => {
    ensure(14);
    let x = x0;
    cells.forEach((cell, i) => {
      text(cell, x, y, { width: sumCols[i]! - 4, bold, size: 8, align: i === 0 ? 'left' : 'right' });
      x += sumCols[i]!;
    });
    y += 13;
  };
  sumRow([l.vatRate, l.net, l.vat, l.gross, ...(foreign ? [l.vatPln] : [])], true);
  for (const r of doc.vatSummary)
    sumRow([
      vatRateLabel(r.vat, doc.language),
      fmt(r.net),
      fmt(r.vatAmount),
      fmt(r.gross),
      ...(foreign ? [r.vatAmountPln ? fmt(r.vatAmountPln) : '—'] : []),
    ]);
  const vatPlnTotal = foreign
    ? sum(
        doc.vatSummary.flatMap((r) => (r.vatAmountPln ? [r.vatAmountPln] : [])),
        'PLN',
      )
    : null;
  sumRow(
    [
      l.total,
      fmt(doc.totals.net),
      fmt(doc.totals.vat),
      fmt(doc.totals.gross),
      ...(vatPlnTotal ? [fmt(vatPlnTotal)] : []),
    ],
    true,
  );
  y += 6;
  if (foreign && doc.exchangeRate) {
    const rate = doc.exchangeRate;
    const line =
      doc.language === 'pl'
        ? `${l.exchangeRate}: 1 ${rate.currency} = ${rate.ratePln.replace('.', ',')} PLN (tabela ${rate.table} z dnia ${rate.date}). ${l.vatPln}: ${fmt(vatPlnTotal!)}`
        : `${l.exchangeRate}: 1 ${rate.currency} = ${rate.ratePln} PLN (table ${rate.table} of ${rate.date}). ${l.vatPln}: ${fmt(vatPlnTotal!)}`;
    ensure(24);
    text(line, x0, y, { width: CONTENT_WIDTH });
    y += heightOf(line, CONTENT_WIDTH) + 6;
  }

  // Before and after, for a correction.
  if (doc.kind === 'KOR' && extras.original) {
    const before = extras.original.totals;
    const after = {
      net: add(before.net, doc.totals.net),
      vat: add(before.vat, doc.totals.vat),
      gross: add(before.gross, doc.totals.gross),
    };
    const cols3 = [170, 115, 115, 115];
    ensure(60);
    const r3 = (cells: string[], bold = false) => {
      let x = x0;
      cells.forEach((cell, i) => {
        text(cell, x, y, { width: cols3[i]! - 4, bold, size: 8, align: i === 0 ? 'left' : 'right' });
        x += cols3[i]!;
      });
      y += 13;
    };
    r3(['', l.net, l.vat, l.gross], true);
    r3([l.before, fmt(before.net), fmt(before.vat), fmt(before.gross)]);
    r3([l.difference, fmt(doc.totals.net), fmt(doc.totals.vat), fmt(doc.totals.gross)]);
    r3([l.after, fmt(after.net), fmt(after.vat), fmt(after.gross)], true);
    y += 6;
  }

  // Totals and payment.
  ensure(60);
  const gross = doc.totals.gross;
  const paid = extras.amountPaid;
  const outstanding = money(gross.amount - paid.amount, gross.currency);
  const refund = gross.amount < 0n;
  text(
    `${refund ? l.toRefund : l.toPay}: ${fmt(refund ? money(-gross.amount, gross.currency) : gross)}`,
    x0,
    y,
    {
      width: CONTENT_WIDTH,
      bold: true,
      size: 12,
    },
  );
  y += 18;
  const method = doc.payment.paid ? l[doc.payment.paid.method] : null;
  if (doc.payment.paid || paid.amount !== 0n) {
    const on = doc.payment.paid ? ` ${l.paidOn} ${doc.payment.paid.at}${method ? ` ${method}` : ''}` : '';
    text(`${l.paid}: ${fmt(paid)}${on}`, x0, y, { width: CONTENT_WIDTH });
    y += 13;
  }
  const status =
    refund || outstanding.amount <= 0n ? l.statusPaid : paid.amount > 0n ? l.statusPartial : l.statusIssued;
  text(`${l.status}: ${status}`, x0, y, { width: CONTENT_WIDTH });
  y += 13;
  if (doc.payment.bankAccount) {
    text(doc.payment.bankAccount, x0, y, { width: CONTENT_WIDTH });
    y += 13;
  }

  // Notes (reverse charge, OSS, outside the scope of EU VAT).
  if (doc.notes.length > 0) {
    y += 6;
    const notes = `${l.notes}: ${doc.notes.join('; ')}`;
    ensure(heightOf(notes, CONTENT_WIDTH) + 4);
    text(notes, x0, y, { width: CONTENT_WIDTH });
  }

  pdf.end();
  return done;
}
