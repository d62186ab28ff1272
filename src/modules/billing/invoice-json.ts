import type { InvoiceDocument } from './invoice-document.ts';

/**
 * An InvoiceDocument as stored in `invoices.document` and sent over HTTP: every Money amount (a bigint of
 * minor units) written as a string of digits, `{ "amount": "14637", "currency": "PLN" }`, so no amount is
 * ever a float on the way.
 */
export type InvoiceDocumentJson = unknown;

export function invoiceDocumentToJson(doc: InvoiceDocument): InvoiceDocumentJson {
  return JSON.parse(
    JSON.stringify(doc, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)),
  );
}

export function invoiceDocumentFromJson(json: InvoiceDocumentJson): InvoiceDocument {
  return JSON.parse(JSON.stringify(json), (_key, value) =>
    isStoredMoney(value) ? { amount: BigInt(value.amount), currency: value.currency } : value,
  ) as InvoiceDocument;
}

function isStoredMoney(value: unknown): value is { amount: string; currency: string } {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  const v = value as { amount?: unknown; currency?: unknown };
  return (
    keys.length === 2 &&
    typeof v.amount === 'string' &&
    /^-?\d+$/.test(v.amount) &&
    typeof v.currency === 'string'
  );
}
