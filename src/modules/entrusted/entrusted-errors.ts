import { defineErrors } from '../../platform/errors.ts';

export const entrustedErrors = defineErrors({
  'entrusted.import_invalid': {
    status: 422,
    en: 'The file was not imported: {count} problem(s), see details (line numbers count from 1, the header is line 1).',
    pl: 'Plik nie został zaimportowany: {count} problem(ów), szczegóły w polu details (wiersze liczone od 1, nagłówek to wiersz 1).',
  },
  'entrusted.import_too_large': {
    status: 413,
    en: 'The file is too large: at most {maxRows} contacts and {maxMegabytes} MB per import.',
    pl: 'Plik jest za duży: najwyżej {maxRows} kontaktów i {maxMegabytes} MB w jednym imporcie.',
  },
  'entrusted.contact_not_found': {
    status: 404,
    en: 'No contact {id} in this account.',
    pl: 'Nie ma kontaktu {id} na tym koncie.',
  },
  'entrusted.subject_not_found': {
    status: 404,
    en: 'No contact in this account matches the request.',
    pl: 'Żaden kontakt na tym koncie nie odpowiada żądaniu.',
  },
  'entrusted.cursor_invalid': {
    status: 400,
    en: 'The page cursor is invalid; start again from the first page.',
    pl: 'Kursor strony jest nieprawidłowy; zacznij od pierwszej strony.',
  },
  'entrusted.staff_not_found': { status: 404, en: 'No staff member {id}.', pl: 'Nie ma pracownika {id}.' },
  'entrusted.staff_not_authorised': {
    status: 403,
    en: 'Staff member {id} may not process entrusted data: missing {missing}.',
    pl: 'Pracownik {id} nie może przetwarzać powierzonych danych: brak {missing}.',
  },
  'entrusted.no_support_access': {
    status: 403,
    en: 'No open support request of this customer grants access to its data now.',
    pl: 'Żadne otwarte zgłoszenie tego klienta nie daje teraz dostępu do jego danych.',
  },
  'entrusted.no_subject_consent': {
    status: 403,
    en: 'This person has not agreed to support seeing their data.',
    pl: 'Ta osoba nie zgodziła się na wgląd pomocy technicznej w jej dane.',
  },
  'entrusted.support_request_not_found': {
    status: 404,
    en: 'No support request {id}.',
    pl: 'Nie ma zgłoszenia {id}.',
  },
  'entrusted.audit_too_early': {
    status: 422,
    en: 'An audit must be announced at least {days} days ahead: the earliest date is {earliestDate}.',
    pl: 'Audyt trzeba zapowiedzieć co najmniej {days} dni wcześniej: najwcześniejszy termin to {earliestDate}.',
  },
  'entrusted.audit_not_offered': {
    status: 422,
    en: 'The policy provides no audits of entrusted data.',
    pl: 'Polityka nie przewiduje audytów powierzonych danych.',
  },
  'entrusted.contact_not_processable': {
    status: 409,
    en: 'Contact {id} may only be stored now ({standing} since {since}); it cannot be changed or used.',
    pl: 'Kontakt {id} może teraz być tylko przechowywany ({standing} od {since}); nie można go zmieniać ani używać.',
  },
  'entrusted.restriction_invalid': {
    status: 422,
    en: 'A restriction is found justified on or after the day the request was received, and not in the future.',
    pl: 'Ograniczenie uznaje się za zasadne w dniu otrzymania żądania lub później, ale nie w przyszłości.',
  },
  'entrusted.profiling_basis_required': {
    status: 422,
    en: 'Profiling ({feature}) can be enabled only after a legal basis (consent or legitimate interest) is recorded.',
    pl: 'Profilowanie ({feature}) można włączyć dopiero po zapisaniu podstawy prawnej (zgoda lub prawnie uzasadniony interes).',
  },
  'entrusted.agreement_not_concluded': {
    status: 409,
    en: 'The contract of this account is not concluded yet, so there is no processing agreement.',
    pl: 'Umowa z tym kontem nie została jeszcze zawarta, więc nie ma umowy powierzenia.',
  },
  'entrusted.certificate_refused': {
    status: 409,
    en: 'The deletion cannot be certified: {reason}.',
    pl: 'Nie można poświadczyć usunięcia: {reason}.',
  },
  'entrusted.instruction_not_found': {
    status: 404,
    en: 'No instruction {id} in this account.',
    pl: 'Nie ma polecenia {id} na tym koncie.',
  },
  'entrusted.instruction_not_executable': {
    status: 409,
    en: 'Instruction {id} is {verdict} and is not executed.',
    pl: 'Polecenie {id} ma status {verdict} i nie zostanie wykonane.',
  },
  'entrusted.form_not_found': { status: 404, en: 'No form {id}.', pl: 'Nie ma formularza {id}.' },
  'entrusted.declaration_required': {
    status: 409,
    en: 'The form collects sensitive data ({fields}): publishing needs your declaration first.',
    pl: 'Formularz zbiera dane szczególne ({fields}): publikacja wymaga najpierw Twojego oświadczenia.',
  },
  'entrusted.integration_off': {
    status: 409,
    en: 'The integration {integration} is switched off: no data are moved.',
    pl: 'Integracja {integration} jest wyłączona: dane nie są przekazywane.',
  },
});
