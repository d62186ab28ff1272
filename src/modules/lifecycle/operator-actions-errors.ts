import { defineErrors } from '../../platform/errors.ts';

/** Error codes of operator actions and of the right of withdrawal (lifecycle module). */
const codes = defineErrors({
  'lifecycle.ground_not_allowed': {
    status: 422,
    en: 'Ground {ground} does not allow {action}; the terms allow: {allowed}.',
    pl: 'Podstawa {ground} nie pozwala na działanie {action}; regulamin dopuszcza: {allowed}.',
  },
  'lifecycle.eligible_user_protected': {
    status: 409,
    en: 'An eligible user can be terminated only for an important reason from the terms: {allowed}.',
    pl: 'Uprawnionemu Użytkownikowi można wypowiedzieć umowę tylko z ważnej przyczyny z regulaminu: {allowed}.',
  },
  'lifecycle.not_eligible_user': {
    status: 409,
    en: 'Ground {ground} applies only to eligible users; this customer is not one.',
    pl: 'Podstawa {ground} dotyczy tylko Uprawnionych Użytkowników; ten klient nim nie jest.',
  },
  'lifecycle.no_unclarified_block': {
    status: 409,
    en: 'The account has no block whose clarification window has run out.',
    pl: 'Konto nie ma blokady, której termin na wyjaśnienie upłynął.',
  },
  'lifecycle.clarification_window_open': {
    status: 409,
    en: 'The customer may clarify the block until {lastDay}; termination is possible from {allowedFrom}.',
    pl: 'Klient może wyjaśnić blokadę do {lastDay}; wypowiedzenie jest możliwe od {allowedFrom}.',
  },
  'lifecycle.account_closed': {
    status: 409,
    en: 'The account is {state}: nothing more can be done to it.',
    pl: 'Konto ma stan {state}: nie można już na nim działać.',
  },
  'lifecycle.termination_pending': {
    status: 409,
    en: 'A termination of this account already takes effect at {effectiveAt}.',
    pl: 'Wypowiedzenie tego konta już wchodzi w życie {effectiveAt}.',
  },
  'lifecycle.resource_not_restrictable': {
    status: 422,
    en: 'A {scope} cannot be restricted under the terms; they allow: {allowed}.',
    pl: 'Regulamin nie przewiduje ograniczenia zasobu {scope}; dopuszcza: {allowed}.',
  },
  'lifecycle.action_not_found': {
    status: 404,
    en: 'No operator action {id} on this account.',
    pl: 'Nie ma działania {id} na tym koncie.',
  },
  'lifecycle.action_not_liftable': {
    status: 409,
    en: 'Action {id} is not a restriction or block in force.',
    pl: 'Działanie {id} nie jest obowiązującym ograniczeniem ani blokadą.',
  },
  'lifecycle.delivery_invalid': {
    status: 400,
    en: 'The delivery time {deliveredAt} must lie between sending the notice and now.',
    pl: 'Czas doręczenia {deliveredAt} musi przypadać między wysłaniem zawiadomienia a chwilą obecną.',
  },
  'lifecycle.withdrawal_not_offered': {
    status: 409,
    en: 'The terms give no right of withdrawal.',
    pl: 'Regulamin nie przewiduje prawa odstąpienia od umowy.',
  },
  'lifecycle.withdrawal_not_eligible': {
    status: 409,
    en: 'Only an eligible user (a sole trader with consumer rights) may withdraw.',
    pl: 'Od umowy może odstąpić tylko Uprawniony Użytkownik (przedsiębiorca na prawach konsumenta).',
  },
  'lifecycle.withdrawal_no_contract': {
    status: 409,
    en: 'No contract has been concluded yet, so there is nothing to withdraw from.',
    pl: 'Umowa nie została jeszcze zawarta, więc nie ma od czego odstąpić.',
  },
  'lifecycle.withdrawal_too_late': {
    status: 409,
    en: 'The withdrawal period ended on {lastDay}; the statement of {statementAt} is late.',
    pl: 'Termin na odstąpienie upłynął {lastDay}; oświadczenie z {statementAt} jest spóźnione.',
  },
  'lifecycle.withdrawal_exists': {
    status: 409,
    en: 'The customer has already withdrawn (withdrawal {id}).',
    pl: 'Klient już odstąpił od umowy (odstąpienie {id}).',
  },
  'lifecycle.statement_time_invalid': {
    status: 400,
    en: 'The statement cannot have been sent after it was received ({sentAt} > {receivedAt}) or in the future.',
    pl: 'Oświadczenie nie mogło zostać wysłane po otrzymaniu ({sentAt} > {receivedAt}) ani w przyszłości.',
  },
  'lifecycle.withdrawal_not_found': {
    status: 404,
    en: 'The customer has not withdrawn from the contract.',
    pl: 'Klient nie odstąpił od umowy.',
  },
  'lifecycle.refund_obligation_not_found': {
    status: 404,
    en: 'No refund {id} waiting for a transfer on this account.',
    pl: 'Na tym koncie nie ma zwrotu {id} oczekującego na przelew.',
  },
  'lifecycle.outage_invalid': {
    status: 400,
    en: 'An outage must end after it starts and not in the future.',
    pl: 'Niedostępność musi kończyć się po jej rozpoczęciu i nie w przyszłości.',
  },
  'lifecycle.provider_notice_not_allowed': {
    status: 409,
    en: 'The terms do not let the provider terminate this contract by notice without cause.',
    pl: 'Regulamin nie pozwala dostawcy wypowiedzieć tej umowy bez podania przyczyny.',
  },
  'lifecycle.unknown_function': {
    status: 422,
    en: 'Function {function} is not one the terms watch for a material defect: {allowed}.',
    pl: 'Funkcja {function} nie jest funkcją, której niedostępność stanowi istotną wadę: {allowed}.',
  },
});

export const operatorActionErrors = {
  ground_not_allowed: codes['lifecycle.ground_not_allowed'],
  eligible_user_protected: codes['lifecycle.eligible_user_protected'],
  not_eligible_user: codes['lifecycle.not_eligible_user'],
  no_unclarified_block: codes['lifecycle.no_unclarified_block'],
  clarification_window_open: codes['lifecycle.clarification_window_open'],
  account_closed: codes['lifecycle.account_closed'],
  termination_pending: codes['lifecycle.termination_pending'],
  provider_notice_not_allowed: codes['lifecycle.provider_notice_not_allowed'],
  resource_not_restrictable: codes['lifecycle.resource_not_restrictable'],
  action_not_found: codes['lifecycle.action_not_found'],
  action_not_liftable: codes['lifecycle.action_not_liftable'],
  delivery_invalid: codes['lifecycle.delivery_invalid'],
  withdrawal_not_offered: codes['lifecycle.withdrawal_not_offered'],
  withdrawal_not_eligible: codes['lifecycle.withdrawal_not_eligible'],
  withdrawal_no_contract: codes['lifecycle.withdrawal_no_contract'],
  withdrawal_too_late: codes['lifecycle.withdrawal_too_late'],
  withdrawal_exists: codes['lifecycle.withdrawal_exists'],
  statement_time_invalid: codes['lifecycle.statement_time_invalid'],
  withdrawal_not_found: codes['lifecycle.withdrawal_not_found'],
  refund_obligation_not_found: codes['lifecycle.refund_obligation_not_found'],
  outage_invalid: codes['lifecycle.outage_invalid'],
  unknown_function: codes['lifecycle.unknown_function'],
};
