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
  'billing.refund_not_found': {
    status: 404,
    en: 'There is no refund by transfer {id} on this account.',
    pl: 'Na tym koncie nie ma zwrotu przelewem {id}.',
  },
  'billing.payment_not_refundable': {
    status: 409,
    en: 'Payment {id} cannot be refunded: {problem}.',
    pl: 'Płatności {id} nie można zwrócić: {problem}.',
  },
  'billing.exchange_rate_missing': {
    status: 409,
    en: 'No NBP {currency} rate is on record for the {days} days before {taxPoint}; import the NBP table first. Nothing was issued.',
    pl: 'Brak kursu NBP {currency} z {days} dni przed {taxPoint}; najpierw zaimportuj tabelę NBP. Niczego nie wystawiono.',
  },
  'billing.delivery_invalid': {
    status: 422,
    en: 'The delivery of invoice {id} cannot be recorded: {problem}.',
    pl: 'Nie można zapisać doręczenia faktury {id}: {problem}.',
  },
  'billing.payment_not_found': {
    status: 404,
    en: 'No payment {id} on this account.',
    pl: 'Na tym koncie nie ma płatności {id}.',
  },
  'billing.payment_pending': {
    status: 409,
    en: 'A payment for this order is still being processed ({payment}); wait for its outcome.',
    pl: 'Płatność za to zamówienie jest jeszcze przetwarzana ({payment}); poczekaj na jej wynik.',
  },
  'billing.webhook_signature_invalid': {
    status: 400,
    en: 'The {provider} notification is not validly signed; nothing was changed.',
    pl: 'Powiadomienie {provider} nie ma prawidłowego podpisu; niczego nie zmieniono.',
  },
  'billing.webhook_not_applicable': {
    status: 409,
    en: 'Notification {event} cannot be applied now: {problem}. Deliver it again later.',
    pl: 'Powiadomienia {event} nie można teraz zastosować: {problem}. Dostarcz je ponownie później.',
  },
  'billing.pay_by_link_unavailable': {
    status: 409,
    en: 'Paying invoices online is not available: {problem}.',
    pl: 'Płatność online za faktury nie jest dostępna: {problem}.',
  },
  'billing.invoice_not_open': {
    status: 409,
    en: 'Invoice {id} has nothing left to pay.',
    pl: 'Faktura {id} nie ma już nic do zapłaty.',
  },
  'billing.gateway_unavailable': {
    status: 503,
    en: 'The payment gateway {provider} did not answer; try again later. Nothing was charged.',
    pl: 'Bramka płatności {provider} nie odpowiedziała; spróbuj później. Niczego nie pobrano.',
  },
});
