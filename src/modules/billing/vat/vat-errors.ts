import { defineErrors } from '../../../platform/errors.ts';

/** Error codes of VAT decisions, VAT ids, VIES and NBP exchange rates. */
export const vatErrors = defineErrors({
  'billing.vat_rate_unknown': {
    status: 500,
    en: 'No VAT rate is on record for {country} on {date}.',
    pl: 'Brak stawki VAT dla {country} na dzień {date}.',
  },
  'billing.vat_config_invalid': {
    status: 500,
    en: 'The VAT configuration is inconsistent: {problem}.',
    pl: 'Konfiguracja VAT jest niespójna: {problem}.',
  },
  'billing.vat_id_invalid': {
    status: 422,
    en: 'The VAT number {raw} is not valid ({reason}).',
    pl: 'Numer VAT {raw} jest nieprawidłowy ({reason}).',
  },
  'billing.vies_unavailable': {
    status: 503,
    en: 'The EU VIES service could not check the VAT number now ({error}); try again later.',
    pl: 'Unijny system VIES nie mógł teraz sprawdzić numeru VAT ({error}); spróbuj ponownie później.',
  },
  'billing.vies_rejected': {
    status: 422,
    en: 'The EU VIES service rejected the request ({error}).',
    pl: 'Unijny system VIES odrzucił zapytanie ({error}).',
  },
  'billing.nbp_table_invalid': {
    status: 502,
    en: 'The NBP exchange-rate table could not be read: {problem}.',
    pl: 'Nie można odczytać tabeli kursów NBP: {problem}.',
  },
  'billing.nbp_rate_missing': {
    status: 500,
    en: 'No NBP rate for {currency} was published in the {days} days before {taxPoint}.',
    pl: 'Brak kursu NBP dla {currency} opublikowanego w ciągu {days} dni przed {taxPoint}.',
  },
});
