import { defineErrors } from '../../platform/errors.ts';

export const privacyErrors = defineErrors({
  'privacy.purpose_unknown': {
    status: 404,
    en: 'The policy has no consent purpose "{purpose}".',
    pl: 'Polityka nie przewiduje celu zgody „{purpose}”.',
  },
  'privacy.channel_not_offered': {
    status: 400,
    en: 'Consent to "{purpose}" cannot be withdrawn through "{channel}" under the policy.',
    pl: 'Zgody na „{purpose}” nie można wycofać kanałem „{channel}” według polityki.',
  },
  'privacy.unsubscribe_link_invalid': {
    status: 400,
    en: 'This unsubscribe link is not valid.',
    pl: 'Ten link do wypisania się jest nieprawidłowy.',
  },
  'privacy.campaign_refused': {
    status: 422,
    en: 'The campaign may not be sent under the policy: {problem}.',
    pl: 'Polityka nie pozwala wysłać tej kampanii: {problem}.',
  },
  'privacy.request_not_found': {
    status: 404,
    en: 'There is no such data-subject request.',
    pl: 'Nie ma takiego żądania osoby, której dane dotyczą.',
  },
  'privacy.request_closed': {
    status: 409,
    en: 'The request is already closed.',
    pl: 'Żądanie jest już zamknięte.',
  },
  'privacy.received_in_future': {
    status: 400,
    en: 'A request cannot be received in the future.',
    pl: 'Żądanie nie może wpłynąć w przyszłości.',
  },
  'privacy.channel_unknown': {
    status: 400,
    en: 'The policy accepts no requests through "{channel}".',
    pl: 'Polityka nie przewiduje przyjmowania żądań kanałem „{channel}”.',
  },
  'privacy.extension_refused': {
    status: 409,
    en: 'The deadline cannot be extended: {problem}.',
    pl: 'Nie można przedłużyć terminu: {problem}.',
  },
  'privacy.identity_not_verified': {
    status: 409,
    en: "The requester's identity has not been verified yet.",
    pl: 'Tożsamość osoby składającej żądanie nie została jeszcze potwierdzona.',
  },
  'privacy.fee_quote_required': {
    status: 409,
    en: 'A further copy needs a fee quote accepted by the requester before it is prepared.',
    pl: 'Kolejna kopia wymaga zaakceptowanej przez wnioskodawcę wyceny opłaty przed jej przygotowaniem.',
  },
  'privacy.fee_not_applicable': {
    status: 409,
    en: 'No fee applies to this request.',
    pl: 'Do tego żądania nie stosuje się opłaty.',
  },
  'privacy.details_invalid': {
    status: 400,
    en: 'The request details do not fit its type: {reason}.',
    pl: 'Szczegóły żądania nie pasują do jego rodzaju: {reason}.',
  },
  'privacy.erasure_needs_owner': {
    status: 409,
    en: "Erasing a single user of an account is not supported yet; only the account owner's erasure (the whole account) is.",
    pl: 'Usunięcie danych pojedynczego użytkownika konta nie jest jeszcze obsługiwane; obsługiwane jest usunięcie na żądanie właściciela (całe konto).',
  },
  'privacy.not_restricted': {
    status: 409,
    en: "Processing of this person's data is not restricted.",
    pl: 'Przetwarzanie danych tej osoby nie jest ograniczone.',
  },
  'privacy.message_not_found': {
    status: 404,
    en: 'There is no such sent message.',
    pl: 'Nie ma takiej wysłanej wiadomości.',
  },
});
