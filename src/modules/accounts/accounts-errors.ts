import { defineErrors } from '../../platform/errors.ts';

export const accountErrors = defineErrors({
  'accounts.registration_invalid': {
    status: 422,
    en: 'The registration is incomplete or invalid; see details.',
    pl: 'Rejestracja jest niepełna lub nieprawidłowa; szczegóły w polu details.',
  },
  'accounts.email_taken': {
    status: 409,
    en: 'An account with this e-mail address already exists.',
    pl: 'Konto z tym adresem e-mail już istnieje.',
  },
  'accounts.free_account_exists': {
    status: 409,
    en: 'This company already has a free account; upgrade it to a paid plan instead.',
    pl: 'Ta firma ma już darmowe konto; zamiast zakładać kolejne, przejdź na plan płatny.',
  },
  'accounts.registration_review_not_found': {
    status: 404,
    en: 'No sign-up {id} waiting for review.',
    pl: 'Nie ma rejestracji {id} oczekującej na weryfikację.',
  },
  'accounts.not_found': { status: 404, en: 'No account {id}.', pl: 'Nie ma konta {id}.' },
  'accounts.token_invalid': {
    status: 400,
    en: 'This link is invalid, used or expired.',
    pl: 'Ten link jest nieprawidłowy, został już użyty lub wygasł.',
  },
  'accounts.login_failed': {
    status: 401,
    en: 'Wrong e-mail address or password.',
    pl: 'Nieprawidłowy adres e-mail lub hasło.',
  },
  'accounts.locked': {
    status: 423,
    en: 'Too many failed attempts; logging in is blocked until {until}.',
    pl: 'Zbyt wiele nieudanych prób; logowanie zablokowane do {until}.',
  },
  'accounts.not_activated': {
    status: 403,
    en: 'The account is not activated yet; use the link we e-mailed you.',
    pl: 'Konto nie jest jeszcze aktywne; użyj linku wysłanego e-mailem.',
  },
  'accounts.access_ended': {
    status: 403,
    en: 'This account has no access to the service now.',
    pl: 'To konto nie ma teraz dostępu do usługi.',
  },
  'accounts.password_wrong': {
    status: 403,
    en: 'The current password is wrong.',
    pl: 'Obecne hasło jest nieprawidłowe.',
  },
  'accounts.password_weak': {
    status: 422,
    en: 'The password must have at least {min} characters.',
    pl: 'Hasło musi mieć co najmniej {min} znaków.',
  },
  'accounts.subdomain_set': {
    status: 403,
    en: 'The subdomain is set once and cannot be changed.',
    pl: 'Subdomenę ustawia się raz i nie można jej zmienić.',
  },
  'accounts.subdomain_invalid': {
    status: 422,
    en: 'The subdomain is not allowed ({reason}).',
    pl: 'Ta subdomena jest niedozwolona ({reason}).',
  },
  'accounts.subdomain_taken': { status: 409, en: 'The subdomain is taken.', pl: 'Ta subdomena jest zajęta.' },
  'accounts.subdomain_disabled': {
    status: 404,
    en: 'Subdomains are not offered.',
    pl: 'Subdomeny nie są oferowane.',
  },
  'accounts.profile_invalid': {
    status: 422,
    en: 'The profile change is invalid; see details.',
    pl: 'Zmiana profilu jest nieprawidłowa; szczegóły w polu details.',
  },
  'accounts.not_transferable': {
    status: 422,
    en: 'The account cannot be moved to another company; register a new account.',
    pl: 'Konta nie można przenieść na inną firmę; zarejestruj nowe konto.',
  },
  'accounts.user_exists': {
    status: 409,
    en: 'A user with this e-mail address already exists.',
    pl: 'Użytkownik z tym adresem e-mail już istnieje.',
  },
});
