import { defineErrors } from '../../platform/errors.ts';

/** Error codes of the liability-cap calculator (CM-BIL-13, CM-BIL-14, CM-DOC-06). */
export const liabilityCapErrors = defineErrors({
  'billing.liability_account_not_found': { status: 404, en: 'No account {id}.', pl: 'Nie ma konta {id}.' },
  'billing.liability_no_cap': {
    status: 409,
    en: "The account's terms ({policy}) set no liability cap.",
    pl: 'Warunki konta ({policy}) nie ograniczają kwotowo odpowiedzialności.',
  },
});
