import { defineErrors } from '../../../platform/errors.ts';

const codes = defineErrors({
  'billing.ksef_not_renderable': {
    status: 422,
    en: 'The invoice cannot be written as a KSeF FA(3) document: {reason}',
    pl: 'Faktury nie można zapisać jako dokumentu KSeF FA(3): {reason}',
  },
  'billing.ksef_unavailable': {
    status: 503,
    en: 'KSeF could not be reached or answered unexpectedly ({error}); the invoices are sent again later.',
    pl: 'KSeF jest nieosiągalny lub odpowiedział nieoczekiwanie ({error}); faktury zostaną wysłane ponownie później.',
  },
  'billing.ksef_auth_failed': {
    status: 502,
    en: 'KSeF refused the authentication with the configured KSeF token ({code}: {description}).',
    pl: 'KSeF odrzucił uwierzytelnienie skonfigurowanym tokenem KSeF ({code}: {description}).',
  },
});

export const ksefErrors = {
  not_renderable: codes['billing.ksef_not_renderable'],
  unavailable: codes['billing.ksef_unavailable'],
  auth_failed: codes['billing.ksef_auth_failed'],
};
