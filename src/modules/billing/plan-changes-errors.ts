import { defineErrors } from '../../platform/errors.ts';

/** Error codes of plan changes, add-ons, consumable packs and price changes. */
export const planChangeErrors = defineErrors({
  'billing.no_subscription': {
    status: 409,
    en: 'The account has no running subscription to change.',
    pl: 'Konto nie ma trwającego abonamentu, który można zmienić.',
  },
  'billing.plan_change_invalid': {
    status: 422,
    en: 'The plan cannot be changed to {plan}: {problem}.',
    pl: 'Nie można zmienić planu na {plan}: {problem}.',
  },
  'billing.add_on_not_found': {
    status: 404,
    en: 'There is no add-on {code} in the price list.',
    pl: 'W cenniku nie ma dodatku {code}.',
  },
  'billing.add_on_needs_card': {
    status: 409,
    en: 'Add-on {code} is sold only to customers who pay by card.',
    pl: 'Dodatek {code} jest sprzedawany tylko klientom płacącym kartą.',
  },
  'billing.add_on_owned': {
    status: 409,
    en: 'The account already has add-on {code}.',
    pl: 'Konto ma już dodatek {code}.',
  },
  'billing.pack_not_found': {
    status: 404,
    en: 'There is no pack {code} in the price list.',
    pl: 'W cenniku nie ma pakietu {code}.',
  },
  'billing.balance_not_found': {
    status: 404,
    en: 'There is no balance {code}.',
    pl: 'Nie ma salda {code}.',
  },
  'billing.balance_insufficient': {
    status: 409,
    en: 'Only {balance} units of {code} are left; {requested} cannot be used. Nothing was used.',
    pl: 'Na saldzie {code} zostało {balance} jednostek; nie można wykorzystać {requested}. Nic nie zostało pobrane.',
  },
  'billing.idempotency_key_required': {
    status: 400,
    en: 'This request needs an Idempotency-Key header, so that a retry never uses units twice.',
    pl: 'To żądanie wymaga nagłówka Idempotency-Key, aby ponowienie nigdy nie pobrało jednostek dwa razy.',
  },
  'billing.purchase_not_allowed': {
    status: 409,
    en: 'An account in state {state} cannot buy this.',
    pl: 'Konto w stanie {state} nie może tego kupić.',
  },
  'billing.price_change_invalid': {
    status: 422,
    en: 'The price change is invalid: {problem}.',
    pl: 'Zmiana cen jest nieprawidłowa: {problem}.',
  },
  'billing.notice_not_found': {
    status: 404,
    en: 'No price change notice {id} on this account.',
    pl: 'Na tym koncie nie ma zawiadomienia o zmianie cen {id}.',
  },
  'billing.objection_late': {
    status: 409,
    en: 'Objections to this price change were accepted until {until}.',
    pl: 'Sprzeciw wobec tej zmiany cen można było zgłosić do {until}.',
  },
  'billing.objection_not_offered': {
    status: 409,
    en: 'The terms give no objection to a price change.',
    pl: 'Regulamin nie przewiduje sprzeciwu wobec zmiany cen.',
  },
});
