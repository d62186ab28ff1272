import { defineErrors } from '../../platform/errors.ts';

/** Error codes of one-off purchases paid on the gateway's page (BK-BIL-04). */
export const oneOffErrors = defineErrors({
  'billing.card_data_not_accepted': {
    status: 422,
    en: 'Card data is not accepted here: one-off payments are made on the payment page of {provider}.',
    pl: 'Nie przyjmujemy tu danych karty: płatności jednorazowe realizowane są na stronie płatności {provider}.',
  },
});
