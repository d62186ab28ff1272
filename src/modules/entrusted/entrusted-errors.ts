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
});
