import { defineErrors } from '../../platform/errors.ts';

const codes = defineErrors({
  'lifecycle.account_not_found': { status: 404, en: 'No account {id}.', pl: 'Nie ma konta {id}.' },
  'lifecycle.unknown_plan': { status: 400, en: 'There is no plan {plan}.', pl: 'Nie ma planu {plan}.' },
  'lifecycle.not_activatable': {
    status: 409,
    en: 'An account in state {state} cannot be put on a paid plan.',
    pl: 'Konta w stanie {state} nie można przenieść na płatny plan.',
  },
  'lifecycle.already_ended': {
    status: 409,
    en: 'The contract of this account has already ended (state {state}).',
    pl: 'Umowa tego konta już się zakończyła (stan {state}).',
  },
  'lifecycle.invalid_request_time': {
    status: 400,
    en: 'The first message of a support request cannot be later than now ({now}).',
    pl: 'Pierwsza wiadomość zgłoszenia nie może być późniejsza niż teraz ({now}).',
  },
  'lifecycle.suspension_refused': {
    status: 409,
    en: 'The account cannot be suspended: {reason}.',
    pl: 'Nie można zawiesić konta: {reason}.',
  },
  'lifecycle.not_suspended': {
    status: 409,
    en: 'The account has no suspension to end.',
    pl: 'Konto nie ma zawieszenia do zakończenia.',
  },
  'lifecycle.restore_refused': {
    status: 409,
    en: 'The account cannot be restored: {reason}.',
    pl: 'Nie można przywrócić konta: {reason}.',
  },
  'lifecycle.restore_request_not_found': {
    status: 404,
    en: 'No restore request {id} waiting for a decision.',
    pl: 'Nie ma prośby o przywrócenie {id} czekającej na decyzję.',
  },
  'lifecycle.deletion_not_offered': {
    status: 409,
    en: 'The terms offer no self-service account deletion; cancel the contract instead.',
    pl: 'Warunki nie przewidują samodzielnego usunięcia konta; można wypowiedzieć umowę.',
  },
  'lifecycle.prepaid_period_running': {
    status: 409,
    en: 'A prepaid period runs through {paidThrough}: the account can only be terminated at its end.',
    pl: 'Opłacony okres trwa do {paidThrough}: konto można rozwiązać dopiero z jego końcem.',
  },
  'lifecycle.deletion_confirmation_invalid': {
    status: 400,
    en: 'The deletion confirmation is invalid or has expired.',
    pl: 'Potwierdzenie usunięcia jest nieprawidłowe lub wygasło.',
  },
  'lifecycle.no_cancellation': {
    status: 409,
    en: 'There is no cancellation waiting to take effect.',
    pl: 'Nie ma rezygnacji oczekującej na wejście w życie.',
  },
  'lifecycle.discontinuation_too_soon': {
    status: 409,
    en: 'The terms require notice: the earliest day the discontinuation may take effect is {earliest}.',
    pl: 'Warunki wymagają uprzedzenia: zmiana może wejść w życie najwcześniej {earliest}.',
  },
  'lifecycle.unknown_feature': {
    status: 400,
    en: 'There is no feature {feature}.',
    pl: 'Nie ma funkcji {feature}.',
  },
  'lifecycle.access_ended': {
    status: 403,
    en: 'The account is {state}: only restoring, renewing, paying and exporting its data are open.',
    pl: 'Konto jest w stanie {state}: dostępne jest tylko przywrócenie, odnowienie, płatność i eksport danych.',
  },
  'lifecycle.export_unavailable': {
    status: 409,
    en: 'The account can no longer export its data (state {state}).',
    pl: 'Eksport danych tego konta nie jest już możliwy (stan {state}).',
  },
  'lifecycle.termination_not_allowed': {
    status: 409,
    en: 'The account may not be terminated for non-payment yet: {reason}.',
    pl: 'Konta nie można jeszcze rozwiązać z powodu braku płatności: {reason}.',
  },
});

export const lifecycleErrors = {
  account_not_found: codes['lifecycle.account_not_found'],
  unknown_plan: codes['lifecycle.unknown_plan'],
  not_activatable: codes['lifecycle.not_activatable'],
  already_ended: codes['lifecycle.already_ended'],
  invalid_request_time: codes['lifecycle.invalid_request_time'],
  suspension_refused: codes['lifecycle.suspension_refused'],
  not_suspended: codes['lifecycle.not_suspended'],
  restore_refused: codes['lifecycle.restore_refused'],
  restore_request_not_found: codes['lifecycle.restore_request_not_found'],
  deletion_not_offered: codes['lifecycle.deletion_not_offered'],
  prepaid_period_running: codes['lifecycle.prepaid_period_running'],
  deletion_confirmation_invalid: codes['lifecycle.deletion_confirmation_invalid'],
  termination_not_allowed: codes['lifecycle.termination_not_allowed'],
  discontinuation_too_soon: codes['lifecycle.discontinuation_too_soon'],
  no_cancellation: codes['lifecycle.no_cancellation'],
  unknown_feature: codes['lifecycle.unknown_feature'],
  access_ended: codes['lifecycle.access_ended'],
  export_unavailable: codes['lifecycle.export_unavailable'],
};
