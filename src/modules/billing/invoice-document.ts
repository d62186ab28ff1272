import type { LocalDate } from '../../platform/calendar.ts';
import type { Money } from '../../platform/money.ts';

/**
 * An issued invoice as a document: everything frozen at issue (seller and buyer data, lines, VAT, rates),
 * from which the PDF and the KSeF FA(3) XML are rendered. Amounts are in the invoice currency except where
 * a field says PLN.
 */
export type InvoiceDocument = {
  kind: 'VAT' | 'KOR';
  number: string;
  issueDate: LocalDate;
  /** The date of supply or of completing the service (FA(3) P_6), or the period's last day for periodic services. */
  saleDate: LocalDate;
  /** For periodic services: the settlement period (FA(3) OkresFa). */
  period: { from: LocalDate; to: LocalDate } | null;
  placeOfIssue: string | null;
  seller: Party;
  buyer: Party;
  currency: string;
  lines: InvoiceLine[];
  /** One row per VAT treatment (and rate) present on the invoice. */
  vatSummary: VatSummaryRow[];
  totals: { net: Money; vat: Money; gross: Money };
  /** Set when the currency is not PLN: the NBP average rate of the last business day before the tax point. */
  exchangeRate: ExchangeRate | null;
  payment: PaymentTerms;
  /** For a correction (KOR): what it corrects and why. Lines then hold the differences (negative for a refund). */
  correction: Correction | null;
  /** Free-text notes printed on the invoice, e.g. "odwrotne obciążenie" for reverse charge. */
  notes: string[];
  language: 'pl' | 'en';
};

export type Party = {
  name: string;
  taxId: { scheme: 'NIP' | 'VAT' | 'ICO' | 'other'; value: string } | null;
  address: { street: string; postalCode: string; city: string; country: string } | null;
  country: string;
  email: string | null;
};

export type VatTreatment =
  /** A VAT rate in percent, e.g. 23, 8, 5, 0 (PL) or 21 (CZ). */
  | { kind: 'rate'; percent: number }
  /** An EU consumer charged its own member state's rate, declared through OSS (FA(3) P_12_XII). */
  | { kind: 'oss'; country: string; percent: number }
  /** Services to an EU business: reverse charge, FA(3) rate code "np II". */
  | { kind: 'reverse_charge_eu' }
  /** Supply outside Poland (e.g. services to a non-EU customer): FA(3) "np I". */
  | { kind: 'outside_scope' }
  /** Exempt, with the legal basis printed on the invoice. */
  | { kind: 'exempt'; basis: string };

export type InvoiceLine = {
  description: string;
  quantity: string; // decimal, e.g. "1" or "0.5"
  unit: string; // e.g. "szt.", "usł.", "mies."
  unitNet: Money;
  net: Money;
  vat: VatTreatment;
  vatAmount: Money;
  gross: Money;
};

export type VatSummaryRow = {
  vat: VatTreatment;
  net: Money;
  vatAmount: Money;
  /** The VAT converted to PLN at `exchangeRate`, for foreign-currency invoices (FA(3) P_14_xW). */
  vatAmountPln: Money | null;
  gross: Money;
};

export type ExchangeRate = {
  currency: string;
  /** PLN per 1 unit, as published by NBP (table A), e.g. "4.2512". */
  ratePln: string;
  table: string; // e.g. "221/A/NBP/2026"
  date: LocalDate;
};

export type PaymentTerms = {
  dueDate: LocalDate | null;
  paid: { at: LocalDate; amount: Money; method: 'card' | 'transfer' | 'other' } | null;
  bankAccount: string | null;
};

export type Correction = {
  reason: string;
  original: { number: string; issueDate: LocalDate; ksefNumber: string | null };
};
