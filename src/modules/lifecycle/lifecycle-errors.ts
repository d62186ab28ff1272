import { defineErrors } from '../../platform/errors.ts';

const codes = defineErrors({
  'lifecycle.account_not_found': { status: 404, en: 'No account {id}.', pl: 'Nie ma konta {id}.' },
  'lifecycle.unknown_plan': { status: 400, en: 'There is no plan {plan}.', pl: 'Nie ma planu {plan}.' },
  'lifecycle.not_activatable': {
    status: 409,
    en: 'An account in state {state} cannot be put on a paid plan.',
    pl: 'Konta w stanie {state} nie można przenieść na płatny plan.',
  },
});

export const lifecycleErrors = {
  account_not_found: codes['lifecycle.account_not_found'],
  unknown_plan: codes['lifecycle.unknown_plan'],
  not_activatable: codes['lifecycle.not_activatable'],
};
