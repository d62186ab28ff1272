import { addDays, daysBetween, type LocalDate, makeBusinessCalendar } from '../../platform/calendar.ts';
import { add, type Money, money } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { ExchangeRate, InvoiceDocument, InvoiceLine, Party, PaymentTerms } from './invoice-document.ts';
import type { Address } from './order-rules.ts';
import type { Period } from './periods.ts';
import {
  decideVat,
  invoiceTotals,
  invoiceVatSummary,
  isEuMemberState,
  taxPointFor,
  type VatDecision,
  type VatRateTable,
  vatAmount,
} from './vat/index.ts';

/** The buyer as the account's company data say on the issue date. */
export type Buyer = {
  companyName: string;
  /** As the accounts module keeps it: with its country prefix inside the EU (`PL5260250274`). */
  taxId: string | null;
  country: string;
  address: Address | null;
  email: string | null;
  /** VIES's last answer for `taxId` (QU-BIL-08 A7); null or absent when not checked. */
  vatIdValid?: boolean | null;
};

/** The operator as the seller: its legal name, tax id and address from the policy. */
export function sellerOf(policy: Policy): Party {
  const { operator } = policy;
  return {
    name: operator.legalName,
    taxId: operator.taxId,
    address: operator.address,
    country: operator.country ?? operator.address?.country ?? '',
    email: operator.contact.general ?? operator.contact.support,
  };
}

/** A Polish company is named by its NIP, another EU company by its VAT number, anyone else by its own id. */
export function buyerPartyOf(buyer: Buyer): Party {
  const country = buyer.country.toUpperCase();
  const id = buyer.taxId?.replace(/\s/g, '') ?? '';
  const taxId: Party['taxId'] =
    id === ''
      ? null
      : country === 'PL'
        ? { scheme: 'NIP', value: id.replace(/^PL/i, '') }
        : isEuMemberState(country)
          ? { scheme: 'VAT', value: id }
          : { scheme: 'other', value: id };
  return { name: buyer.companyName, taxId, address: buyer.address, country, email: buyer.email };
}

/**
 * The VAT an invoice issued on `issueDate` to `buyer` carries, from the policy's `billing.vat` (CM-BIL-08:
 * the rate on the issue date; QU-BIL-08). The buyer is a business with the tax id it registered and VIES's
 * last answer about it (`buyer.vatIdValid`, stored at registration or a change of the id): an EU business
 * abroad gets the reverse charge with a VIES-valid id, or with an unchecked one where the policy does not
 * require a VIES check. A policy without a VAT section (no seller country) charges none.
 */
export function decideInvoiceVat(
  policy: Policy,
  buyer: Buyer,
  issueDate: LocalDate,
  rates: VatRateTable,
  language: 'pl' | 'en',
): VatDecision | null {
  const vat = policy.billing.vat;
  if (vat === null) return null;
  return decideVat({
    seller: {
      country: policy.operator.country ?? vat.domesticCountry,
      vat,
      clause: policy.billing.clauses.vat,
    },
    buyer: {
      country: buyer.country,
      isBusiness: true,
      vatId: buyer.taxId,
      vatIdValid: buyer.vatIdValid ?? null,
    },
    taxPoint: taxPointFor(vat, { issueDate, supplyDate: issueDate }),
    rates,
    language,
  });
}

/** The due date of an invoice issued on `issueDate`: issue + the payment terms (QU-BIL-05/06), else none. */
export function invoiceDueDate(policy: Policy, issueDate: LocalDate): LocalDate | null {
  const days = policy.billing.paymentTermsDays;
  return policy.billing.invoiceTiming === 'ahead_with_terms' && days !== null
    ? addDays(issueDate, days)
    : null;
}

/**
 * The day an invoice issued (and mailed) on `issueDate` is deemed delivered: `invoiceDeemedDeliveredBusinessDays`
 * business days later in the policy's calendar (QU-BIL-07: the next Czech business day, so Fri 2026-05-15 →
 * Mon 2026-05-18); null where the policy does not deem delivery.
 */
export function deemedDeliveryDate(policy: Policy, issueDate: LocalDate): LocalDate | null {
  const days = policy.billing.invoiceDeemedDeliveredBusinessDays;
  if (days === null) return null;
  return makeBusinessCalendar(policy.locale.businessCalendar).addBusinessDays(issueDate, days);
}

/**
 * The due date after a proven later delivery (QU-BIL-07): later by as many days as the delivery was later
 * than deemed (deemed Mon 2026-05-18, due 2026-05-29, proven Thu 2026-05-21 → due 2026-06-01). A delivery
 * on or before the deemed day changes nothing; so does a policy that does not let it move the due date.
 */
export function dueDateAfterDelivery(
  policy: Policy,
  invoice: { dueDate: LocalDate | null; deemedDeliveredOn: LocalDate | null },
  deliveredOn: LocalDate,
): LocalDate | null {
  if (!policy.billing.provenLateDeliveryExtendsDueDate) return invoice.dueDate;
  if (invoice.dueDate === null || invoice.deemedDeliveredOn === null) return invoice.dueDate;
  const late = daysBetween(invoice.deemedDeliveredOn, deliveredOn);
  return late > 0 ? addDays(invoice.dueDate, late) : invoice.dueDate;
}

/** The tax point of an invoice issued on `issueDate` (its VAT rate's date and its NBP rate's reference). */
export function invoiceTaxPoint(policy: Policy, issueDate: LocalDate): LocalDate {
  const vat = policy.billing.vat;
  return vat === null ? issueDate : taxPointFor(vat, { issueDate, supplyDate: issueDate });
}

/** `Live – abonament miesięczny 2026-03-15 – 2026-04-14` / `Live – monthly subscription …`. */
export function subscriptionLineText(
  planName: string,
  frequency: 'monthly' | 'annual',
  period: Period,
  language: 'pl' | 'en',
): string {
  const kind =
    language === 'pl'
      ? frequency === 'monthly'
        ? 'abonament miesięczny'
        : 'abonament roczny'
      : frequency === 'monthly'
        ? 'monthly subscription'
        : 'annual subscription';
  return `${planName} – ${kind} ${period.from} – ${period.to}`;
}

/**
 * An invoice as a document: the seller and buyer frozen as they are on the issue date, one line per item at
 * the VAT decided for the buyer, the VAT summary per rate and the totals from it (so the totals are what an
 * FA(3) reader recomputes), the payment terms, and the notes the VAT treatment requires.
 */
export function invoiceDocument(input: {
  policy: Policy;
  number: string;
  issueDate: LocalDate;
  period: Period | null;
  buyer: Buyer;
  items: readonly { description: string; net: Money }[];
  vat: VatDecision | null;
  payment: PaymentTerms;
  language: 'pl' | 'en';
  /** The NBP rate for an invoice not in PLN of a Polish seller: each taxed row then gives its VAT in PLN too. */
  exchangeRate?: ExchangeRate | null;
}): InvoiceDocument {
  const seller = sellerOf(input.policy);
  const currency = input.policy.locale.currency;
  const treatment = input.vat?.treatment ?? { kind: 'outside_scope' as const };
  const lines: InvoiceLine[] = input.items.map((item) => {
    const vat = vatAmount(item.net, treatment);
    return {
      description: item.description,
      quantity: '1',
      unit: input.language === 'pl' ? 'usł.' : 'service',
      unitNet: item.net,
      net: item.net,
      vat: treatment,
      vatAmount: vat,
      gross: add(item.net, vat),
    };
  });
  const exchangeRate = input.exchangeRate ?? null;
  const vatSummary = invoiceVatSummary(lines, exchangeRate);
  return {
    kind: 'VAT',
    number: input.number,
    issueDate: input.issueDate,
    saleDate: input.issueDate,
    period: input.period,
    placeOfIssue: seller.address?.city ?? null,
    seller,
    buyer: buyerPartyOf(input.buyer),
    currency,
    lines,
    vatSummary,
    totals: invoiceTotals(vatSummary, currency),
    exchangeRate,
    payment: input.payment,
    correction: null,
    notes: input.vat?.notes ?? [],
    language: input.language,
  };
}

/** The gross an invoice of these items will carry, before it has a number (what an order charges). */
export function invoiceGross(
  items: readonly { net: Money }[],
  vat: VatDecision | null,
  currency: string,
): Money {
  const treatment = vat?.treatment ?? { kind: 'outside_scope' as const };
  const rows = invoiceVatSummary(items.map((item) => ({ net: item.net, vat: treatment })));
  return rows.length === 0 ? money(0n, currency) : invoiceTotals(rows, currency).gross;
}

/** Whether the seller issues KSeF FA(3) invoices: a Polish seller with a NIP. */
export function issuesKsefInvoices(policy: Policy): boolean {
  return policy.operator.country === 'PL' && policy.operator.taxId?.scheme === 'NIP';
}
