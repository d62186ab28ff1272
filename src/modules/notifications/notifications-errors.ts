import { AppError, defineErrors } from '../../platform/errors.ts';

const codes = defineErrors({
  'notifications.invalid_smtp_url': {
    status: 500,
    en: 'The SMTP URL in the configuration is invalid: {reason}.',
    pl: 'Adres serwera SMTP w konfiguracji jest nieprawidłowy: {reason}.',
  },
  'notifications.invalid_message': {
    status: 500,
    en: 'The e-mail message is malformed and cannot be sent.',
    pl: 'Wiadomość e-mail jest nieprawidłowa i nie może zostać wysłana.',
  },
  'notifications.mail_rejected': {
    status: 502,
    en: 'The mail server refused the message to {to}.',
    pl: 'Serwer poczty odrzucił wiadomość do {to}.',
  },
  'notifications.mail_transport_failed': {
    status: 503,
    en: 'The mail server at {server} could not be reached.',
    pl: 'Nie udało się połączyć z serwerem poczty {server}.',
  },
  'notifications.invalid_template_params': {
    status: 500,
    en: 'The parameters of mail template {template} are invalid.',
    pl: 'Parametry szablonu wiadomości {template} są nieprawidłowe.',
  },
});

export const notificationErrors = {
  /** The SMTP URL cannot be used; `details.reason` says why (never the URL: it may hold the password). */
  invalid_smtp_url: codes['notifications.invalid_smtp_url'],
  /** The message handed to the transport is malformed; sending it again will not help. */
  invalid_message: codes['notifications.invalid_message'],
  /** The server answered with a refusal; `details.permanent` is true for 5xx, false for 4xx. */
  mail_rejected: codes['notifications.mail_rejected'],
  /** No usable answer: connection refused, timeout, TLS or authentication failure. Try later. */
  mail_transport_failed: codes['notifications.mail_transport_failed'],
  /** A template was rendered with parameters that do not match its declaration. */
  invalid_template_params: codes['notifications.invalid_template_params'],
};

/** True when sending the same message again cannot succeed, so the outbox should stop retrying it. */
export function isPermanentMailFailure(error: unknown): boolean {
  if (!(error instanceof AppError)) return false;
  if (error.code === notificationErrors.invalid_message) return true;
  return error.code === notificationErrors.mail_rejected && error.details?.['permanent'] === true;
}
