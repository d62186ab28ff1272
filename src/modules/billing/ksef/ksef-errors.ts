import { defineErrors } from '../../../platform/errors.ts';

const codes = defineErrors({
  'billing.ksef_not_renderable': {
    status: 422,
    en: 'The invoice cannot be written as a KSeF FA(3) document: {reason}',
    pl: 'Faktury nie można zapisać jako dokumentu KSeF FA(3): {reason}',
  },
});

export const ksefErrors = {
  not_renderable: codes['billing.ksef_not_renderable'],
};
