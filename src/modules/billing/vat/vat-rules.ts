/**
 * Which VAT an invoice line carries and how much it is: pure rules over the policy's `billing.vat`, the
 * buyer's country and business status, the tax point and a dated rate table.
 *
 * Implements QU-BIL-08 (with A7) and CM-BIL-08; the other presets use the same rules with their own policy.
 */
import type { LocalDate } from '../../../platform/calendar.ts';
import { AppError } from '../../../platform/errors.ts';
import { add, type Money, money, percentOf, sum } from '../../../platform/money.ts';
import type { Vat } from '../../../policy/index.ts';
import type { ExchangeRate, VatSummaryRow, VatTreatment } from '../invoice-document.ts';
import { type NbpRate, vatInPln } from './nbp-rates.ts';
import { vatErrors } from './vat-errors.ts';
import { isEuMemberState, isoCountry, type VatRateTable } from './vat-rates.ts';

/** Why a treatment was chosen; stored with the invoice line and shown to staff. */
export type VatReason =
  /** Buyer in the seller's country: the seller's standard rate, business or not (QU-BIL-08: CZ businesses too). */
  | 'domestic_standard'
  /** EU business with an accepted VAT id, policy `euBusiness: reverse_charge`: no VAT, the buyer accounts for it. */
  | 'eu_b2b_reverse_charge'
  /** EU business with an accepted VAT id, policy `euBusiness: domestic_rate`. */
  | 'eu_b2b_domestic_rate'
  /** EU consumer, policy `euConsumer: destination_rate`: the buyer's member-state rate, declared through OSS. */
  | 'eu_b2c_oss'
  /** EU consumer, policy `euConsumer: domestic_rate` (the seller stays under the EU-wide EUR 10,000 threshold). */
  | 'eu_b2c_domestic_rate'
  /** A buyer calling itself a business whose VAT id is missing, VIES-invalid or unchecked: treated as a consumer. */
  | 'eu_unverified_business_oss'
  | 'eu_unverified_business_domestic_rate'
  /** Outside the EU, policy `nonEu: outside_scope`: not taxable in the seller's country (FA(3) "np I"). */
  | 'non_eu_outside_scope'
  | 'non_eu_domestic_rate';

export type VatSeller = {
  country: string;
  /** The policy's `billing.vat`; a policy with `vat: null` issues no VAT and never asks. */
  vat: Vat;
  /** The clause the policy's VAT section implements (QU-BIL-08, CM-BIL-08), recorded on each decision. */
  clause?: string | null;
};

export type VatBuyer = {
  country: string;
  isBusiness: boolean;
  vatId: string | null;
  /** The VIES answer for `vatId`; null = not checked (VIES switched off or not yet asked). */
  vatIdValid: boolean | null;
};

export type VatInput = {
  seller: VatSeller;
  buyer: VatBuyer;
  /** The date whose rate applies: see `taxPointFor`. */
  taxPoint: LocalDate;
  rates: VatRateTable;
  /** Language of the invoice notes; Polish unless the invoice is in English. */
  language?: 'pl' | 'en';
};

export type VatDecision = {
  treatment: VatTreatment;
  reason: VatReason;
  /** Text the invoice must print, e.g. "odwrotne obciążenie" for a reverse charge. */
  notes: string[];
  clause: string | null;
};

/** The date whose VAT rate applies, per the policy's `rateAt` (CM-BIL-08: the issue date). */
export function taxPointFor(vat: Vat, dates: { issueDate: LocalDate; supplyDate: LocalDate }): LocalDate {
  return vat.rateAt === 'issue_date' ? dates.issueDate : dates.supplyDate;
}

/**
 * A business's VAT id counts when VIES said it is valid, or, where the policy does not require a VIES check,
 * when it was not checked. A VIES "invalid" always loses (QU-BIL-08 A7: otherwise the buyer is a consumer).
 */
function hasAcceptedVatId(buyer: VatBuyer, vat: Vat): boolean {
  if (!buyer.isBusiness || buyer.vatId === null || buyer.vatId.trim() === '') return false;
  if (buyer.vatIdValid === false) return false;
  return buyer.vatIdValid === true || !vat.viesCheckRequired;
}

/** The EU member state a VAT id's prefix names (EL → GR), or null. */
function memberStateOfVatId(vatId: string | null): string | null {
  const prefix = /^\s*([A-Za-z]{2})/.exec(vatId ?? '')?.[1];
  if (prefix === undefined) return null;
  const country = isoCountry(prefix);
  return isEuMemberState(country) ? country : null;
}

function formatPercent(percent: number, language: 'pl' | 'en'): string {
  const text = String(percent);
  return `${language === 'pl' ? text.replace('.', ',') : text}%`;
}

const reverseChargeNote = { pl: 'odwrotne obciążenie', en: 'reverse charge' } as const;
const outsideScopeNote = {
  pl: 'nie podlega opodatkowaniu VAT w UE (miejsce świadczenia poza UE)',
  en: 'outside the scope of EU VAT (place of supply outside the EU)',
} as const;

function ossNote(country: string, percent: number, language: 'pl' | 'en'): string {
  const rate = formatPercent(percent, language);
  return language === 'pl'
    ? `VAT ${country} ${rate} rozliczany w procedurze OSS`
    : `${country} VAT ${rate} accounted for under the OSS scheme`;
}

/**
 * Decides one buyer's VAT treatment for a supply of services (the product is SaaS) by a seller established
 * in an EU member state:
 * - buyer in the seller's country: the seller's standard rate, business or not;
 * - buyer in another member state: a business with an accepted VAT id gets the reverse charge ("np II",
 *   "odwrotne obciążenie") or, if the policy says so, the domestic rate; anyone else (a consumer, or a
 *   business without an accepted id) gets the buyer's member-state rate through OSS or, if the policy says
 *   the seller is under the EUR 10,000 threshold, the domestic rate;
 * - buyer outside the EU: not taxable ("np I") or the domestic rate, per the policy; except that a business
 *   with an accepted VAT id of a member state is treated as established there (A7 spares only non-EU
 *   customers "not VAT-registered in any EU member state").
 *
 * Rates come from `rates` on `taxPoint`, never from the policy's `domesticRatePercent` (a statement of
 * today's rate: `compareDomesticRate` flags a policy that has fallen behind). Leaves to the caller: the VIES
 * check (pass its answer in `vatIdValid`), tracking the OSS threshold, reduced rates and exemptions, and
 * territories outside the EU VAT area (Canary Islands, Åland, …).
 */
export function decideVat(input: VatInput): VatDecision {
  const { seller, buyer, taxPoint, rates } = input;
  const { vat } = seller;
  const language = input.language ?? 'pl';
  const clause = seller.clause ?? null;
  const sellerCountry = isoCountry(seller.country);
  const buyerCountry = isoCountry(buyer.country);
  if (sellerCountry !== isoCountry(vat.domesticCountry)) {
    throw new AppError(vatErrors['billing.vat_config_invalid'], {
      details: { problem: `seller country ${sellerCountry} is not the policy's ${vat.domesticCountry}` },
    });
  }
  if (!isEuMemberState(sellerCountry)) {
    throw new AppError(vatErrors['billing.vat_config_invalid'], {
      details: { problem: `seller country ${sellerCountry} is not an EU member state` },
    });
  }
  const rateIn = (country: string): Extract<VatTreatment, { kind: 'rate' }> => ({
    kind: 'rate',
    percent: rates.standardRate(country, taxPoint).percent,
  });
  const decision = (treatment: VatTreatment, reason: VatReason, notes: string[] = []): VatDecision => ({
    treatment,
    reason,
    notes,
    clause,
  });

  if (buyerCountry === sellerCountry) return decision(rateIn(sellerCountry), 'domestic_standard');

  if (!isEuMemberState(buyerCountry)) {
    const registeredIn = memberStateOfVatId(buyer.vatId);
    if (registeredIn !== null && hasAcceptedVatId(buyer, vat)) {
      return decideVat({ ...input, buyer: { ...buyer, country: registeredIn } });
    }
    return vat.nonEu === 'outside_scope'
      ? decision({ kind: 'outside_scope' }, 'non_eu_outside_scope', [outsideScopeNote[language]])
      : decision(rateIn(sellerCountry), 'non_eu_domestic_rate');
  }

  if (hasAcceptedVatId(buyer, vat)) {
    return vat.euBusiness === 'reverse_charge'
      ? decision({ kind: 'reverse_charge_eu' }, 'eu_b2b_reverse_charge', [reverseChargeNote[language]])
      : decision(rateIn(sellerCountry), 'eu_b2b_domestic_rate');
  }
  const unverified = buyer.isBusiness;
  if (vat.euConsumer === 'domestic_rate') {
    return decision(
      rateIn(sellerCountry),
      unverified ? 'eu_unverified_business_domestic_rate' : 'eu_b2c_domestic_rate',
    );
  }
  const { percent } = rateIn(buyerCountry);
  const treatment: VatTreatment = { kind: 'oss', country: buyerCountry, percent };
  return decision(treatment, unverified ? 'eu_unverified_business_oss' : 'eu_b2c_oss', [
    ossNote(buyerCountry, percent, language),
  ]);
}

/**
 * Whether the policy's `domesticRatePercent` still matches the rate table on `date`; for the policy check,
 * since `decideVat` always takes the table's rate.
 */
export function compareDomesticRate(
  vat: Vat,
  rates: VatRateTable,
  date: LocalDate,
): { matches: true } | { matches: false; policyPercent: number; tablePercent: number } {
  const tablePercent = rates.standardRate(vat.domesticCountry, date).percent;
  const policyPercent = Number(vat.domesticRatePercent);
  return policyPercent === tablePercent ? { matches: true } : { matches: false, policyPercent, tablePercent };
}

/** A percentage as basis points (23 → 2300n, 25.5 → 2550n); refuses more than two decimals. */
function basisPointsOf(percent: number): bigint {
  const scaled = Math.round(percent * 100);
  if (!(percent >= 0 && percent <= 100) || Math.abs(scaled - percent * 100) > 1e-9) {
    throw new RangeError(`vat: ${percent}% is not a rate with at most 2 decimals`);
  }
  return BigInt(scaled);
}

/**
 * The VAT on `net`, half-up to the minor unit (catalog conventions; ustawa o VAT art. 106e ust. 11):
 * 100.00 at 23% = 23.00, 0.50 at 23% = 0.12 (0.115). Zero for every treatment that is not a rate.
 */
export function vatAmount(net: Money, treatment: VatTreatment): Money {
  if (treatment.kind !== 'rate' && treatment.kind !== 'oss') return money(0n, net.currency);
  return percentOf(net, basisPointsOf(treatment.percent), 'half_up');
}

function treatmentKey(treatment: VatTreatment): string {
  switch (treatment.kind) {
    case 'rate':
      return `rate:${treatment.percent}`;
    case 'oss':
      return `oss:${treatment.country}:${treatment.percent}`;
    case 'exempt':
      return `exempt:${treatment.basis}`;
    default:
      return treatment.kind;
  }
}

const kindOrder: Record<VatTreatment['kind'], number> = {
  rate: 0,
  oss: 1,
  reverse_charge_eu: 2,
  outside_scope: 3,
  exempt: 4,
};

/**
 * The invoice's VAT summary: one row per treatment (and rate), rates first, highest rate first.
 *
 * The VAT of a row is computed once on the row's total net, half-up, not summed from the lines, following
 * ustawa o VAT art. 106e ust. 1 pkt 14 ("kwota podatku od sumy wartości sprzedaży netto, z podziałem na
 * kwoty dotyczące poszczególnych stawek") and the FA(3) per-rate totals (P_13_x/P_14_x) that KSeF checks.
 * Two lines of 0.50 at 23% thus carry 0.23 VAT, not 0.12 + 0.12: line VAT (`vatAmount`) is informative and
 * may differ from the row by a grosz per line; the invoice totals come from these rows.
 *
 * With `exchangeRate` (invoices not in PLN), each row's VAT is also given in PLN (FA(3) P_14_xW).
 */
export function invoiceVatSummary(
  lines: readonly { net: Money; vat: VatTreatment }[],
  exchangeRate: NbpRate | ExchangeRate | null = null,
): VatSummaryRow[] {
  const groups = new Map<string, { vat: VatTreatment; nets: Money[] }>();
  for (const line of lines) {
    const key = treatmentKey(line.vat);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { vat: line.vat, nets: [line.net] });
    else group.nets.push(line.net);
  }
  const rows = [...groups.values()].map(({ vat, nets }): VatSummaryRow => {
    const net = sum(nets, nets[0]!.currency);
    const vatSum = vatAmount(net, vat);
    const inPln = exchangeRate !== null && net.currency !== 'PLN' && vat.kind === 'rate';
    return {
      vat,
      net,
      vatAmount: vatSum,
      vatAmountPln: inPln ? vatInPln(vatSum, exchangeRate) : null,
      gross: add(net, vatSum),
    };
  });
  return rows.sort((a, b) => {
    const byKind = kindOrder[a.vat.kind] - kindOrder[b.vat.kind];
    if (byKind !== 0) return byKind;
    if (a.vat.kind === 'rate' && b.vat.kind === 'rate') return b.vat.percent - a.vat.percent;
    return treatmentKey(a.vat) < treatmentKey(b.vat) ? -1 : 1;
  });
}

/** The invoice's totals: the sums of its VAT summary rows. */
export function invoiceTotals(
  rows: readonly VatSummaryRow[],
  currency: string,
): { net: Money; vat: Money; gross: Money } {
  return {
    net: sum(
      rows.map((row) => row.net),
      currency,
    ),
    vat: sum(
      rows.map((row) => row.vatAmount),
      currency,
    ),
    gross: sum(
      rows.map((row) => row.gross),
      currency,
    ),
  };
}
