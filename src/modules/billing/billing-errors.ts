import { defineErrors } from '../../platform/errors.ts';

/** Error codes of orders, payments, subscriptions and invoices. */
export const billingErrors = defineErrors({
  'billing.order_invalid': {
    status: 422,
    en: 'The order is incomplete or invalid; see details.issues.',
    pl: 'Zamówienie jest niepełne lub nieprawidłowe; zob. details.issues.',
  },
  'billing.order_not_allowed': {
    status: 409,
    en: 'An account in state {state} cannot order a paid plan.',
    pl: 'Konto w stanie {state} nie może zamówić płatnego planu.',
  },
  'billing.subscription_exists': {
    status: 409,
    en: 'The account already has a subscription ({plan}).',
    pl: 'Konto ma już abonament ({plan}).',
  },
  'billing.payment_declined': {
    status: 402,
    en: 'The payment was declined ({failureCode}). Nothing was ordered; try another card.',
    pl: 'Płatność została odrzucona ({failureCode}). Nic nie zostało zamówione; spróbuj innej karty.',
  },
  'billing.card_invalid': {
    status: 422,
    en: 'The card details are not valid ({reason}).',
    pl: 'Dane karty są nieprawidłowe ({reason}).',
  },
  'billing.cards_not_accepted': {
    status: 409,
    en: 'Card payments are not offered; invoices are paid by {methods}.',
    pl: 'Płatności kartą nie są dostępne; faktury opłaca się przez: {methods}.',
  },
  'billing.recurring_not_offered': {
    status: 409,
    en: 'Automatic recurring card payments are not offered.',
    pl: 'Automatyczne cykliczne płatności kartą nie są dostępne.',
  },
  'billing.payment_method_not_found': {
    status: 404,
    en: 'No payment method {id} on this account.',
    pl: 'Na tym koncie nie ma metody płatności {id}.',
  },
  'billing.payment_method_required': {
    status: 422,
    en: 'Paying this order needs a card: give a card or a saved payment method.',
    pl: 'Opłacenie zamówienia wymaga karty: podaj kartę lub zapisaną metodę płatności.',
  },
  'billing.invoice_not_found': {
    status: 404,
    en: 'No invoice {id} on this account.',
    pl: 'Na tym koncie nie ma faktury {id}.',
  },
  'billing.no_ksef_document': {
    status: 404,
    en: 'Invoice {id} has no KSeF FA(3) document (the seller is not Polish).',
    pl: 'Faktura {id} nie ma dokumentu KSeF FA(3) (sprzedawca nie jest polski).',
  },
  'billing.payment_invalid': {
    status: 422,
    en: 'The payment cannot be recorded: {problem}.',
    pl: 'Nie można zaksięgować płatności: {problem}.',
  },
  'billing.refund_reason_not_allowed': {
    status: 422,
    en: 'A refund needs a reason from the terms\' closed list ({allowed}); "{reason}" is not one of them.',
    pl: 'Zwrot wymaga powodu z zamkniętej listy regulaminu ({allowed}); „{reason}” do niej nie należy.',
  },
  'billing.refund_amount_undetermined': {
    status: 422,
    en: 'The refund amount for reason {reason} is not set by the terms; it cannot be refunded automatically.',
    pl: 'Kwoty zwrotu z powodu {reason} regulamin nie określa; nie można go wykonać automatycznie.',
  },
  'billing.payment_not_refundable': {
    status: 409,
    en: 'Payment {id} cannot be refunded: {problem}.',
    pl: 'Płatności {id} nie można zwrócić: {problem}.',
  },
  'billing.payment_not_found': {
    status: 404,
    en: 'No payment {id} on this account.',
    pl: 'Na tym koncie nie ma płatności {id}.',
  },
});
