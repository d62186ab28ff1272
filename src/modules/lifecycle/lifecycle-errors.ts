import { defineErrors } from '../../platform/errors.ts';

const codes = defineErrors({
  'lifecycle.account_not_found': { status: 404, en: 'No account {id}.', pl: 'Nie ma konta {id}.' },
  'lifecycle.unknown_plan': { status: 400, en: 'There is no plan {plan}.', pl: 'Nie ma planu {plan}.' },
});

export const lifecycleErrors = {
  account_not_found: codes['lifecycle.account_not_found'],
  unknown_plan: codes['lifecycle.unknown_plan'],
};
