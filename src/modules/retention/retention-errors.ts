import { defineErrors } from '../../platform/errors.ts';

const codes = defineErrors({
  'retention.account_not_found': { status: 404, en: 'No account {id}.', pl: 'Nie ma konta {id}.' },
  'retention.hold_not_found': {
    status: 404,
    en: 'No legal hold {id}.',
    pl: 'Nie ma blokady prawnej {id}.',
  },
  'retention.hold_already_lifted': {
    status: 409,
    en: 'The legal hold {id} was already lifted.',
    pl: 'Blokada prawna {id} została już zdjęta.',
  },
  'retention.unknown_handler': {
    status: 500,
    en: 'The deletion journal names a data handler this build does not have: {handler}.',
    pl: 'Dziennik usunięć wskazuje obsługę danych, której ta wersja nie ma: {handler}.',
  },
});

export const retentionErrors = {
  account_not_found: codes['retention.account_not_found'],
  hold_not_found: codes['retention.hold_not_found'],
  hold_already_lifted: codes['retention.hold_already_lifted'],
  unknown_handler: codes['retention.unknown_handler'],
};
