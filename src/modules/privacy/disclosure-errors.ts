import { defineErrors } from '../../platform/errors.ts';

export const disclosureErrors = defineErrors({
  'privacy.disclosure_refused': {
    status: 422,
    en: 'The disclosure of personal data is refused: {reason}.',
    pl: 'Odmowa udostępnienia danych osobowych: {reason}.',
  },
});
