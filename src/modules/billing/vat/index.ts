/**
 * VAT for invoices: which treatment a buyer gets (QU-BIL-08, CM-BIL-08), the amounts and the per-rate
 * summary, VAT ids and VIES, and NBP exchange rates for VAT in PLN. Pure rules, plus one HTTP adapter
 * (VIES) that the billing module wires with its configuration.
 */
export {
  NBP_MAX_DAYS_BACK,
  type NbpRate,
  parseNbpTable,
  rateForTaxPoint,
  toExchangeRate,
  vatInPln,
} from './nbp-rates.ts';
export { vatErrors } from './vat-errors.ts';
export {
  makeViesHttpClient,
  offlineVies,
  parseVatId,
  type VatId,
  type ViesCheck,
  type ViesClient,
  type ViesHttpOptions,
  vatPrefixOf,
  viesRestApiUrl,
} from './vat-id.ts';
export {
  euMemberStates,
  euStandardRateRows,
  euStandardVatRates,
  isEuMemberState,
  isoCountry,
  makeVatRateTable,
  type VatRateRow,
  type VatRateTable,
} from './vat-rates.ts';
export {
  compareDomesticRate,
  decideVat,
  invoiceTotals,
  invoiceVatSummary,
  taxPointFor,
  type VatBuyer,
  type VatDecision,
  type VatInput,
  type VatReason,
  type VatSeller,
  vatAmount,
} from './vat-rules.ts';
