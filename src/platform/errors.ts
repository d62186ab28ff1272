/**
 * Application errors carry a machine-readable code. Each module declares its codes, their HTTP status and
 * their Polish and English messages in its own `*-errors.ts` with `defineErrors`; the HTTP layer renders
 * `{ code, message, details }` in the request's language.
 */
export type Language = 'pl' | 'en';

type ErrorSpec = { status: number; en: string; pl: string };
const registry = new Map<string, ErrorSpec>();

export function defineErrors<const T extends Record<string, ErrorSpec>>(specs: T): { [K in keyof T]: K } {
  const codes = {} as { [K in keyof T]: K };
  for (const [code, spec] of Object.entries(specs)) {
    registry.set(code, spec);
    (codes as Record<string, string>)[code] = code;
  }
  return codes;
}

export class AppError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(
    code: string,
    options: { message?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(options.message ?? registry.get(code)?.en ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }
}

export function errorStatus(code: string): number {
  return registry.get(code)?.status ?? 500;
}

/** The message for `code` in `lang`; `{name}` placeholders are filled from details. */
export function errorMessage(code: string, lang: Language, details?: Record<string, unknown>): string {
  const spec = registry.get(code);
  if (!spec) return code;
  return spec[lang].replace(/\{(\w+)\}/g, (whole, key: string) =>
    details && key in details ? String(details[key]) : whole,
  );
}

export const platformErrors = defineErrors({
  'request.invalid': { status: 400, en: 'The request is invalid.', pl: 'Żądanie jest nieprawidłowe.' },
  'request.not_found': { status: 404, en: 'Not found.', pl: 'Nie znaleziono.' },
  'request.unauthenticated': {
    status: 401,
    en: 'Authentication is required.',
    pl: 'Wymagane jest uwierzytelnienie.',
  },
  'request.forbidden': { status: 403, en: 'You may not do this.', pl: 'Brak uprawnień do tej operacji.' },
  'request.csrf_failed': {
    status: 403,
    en: 'The CSRF token is missing or wrong.',
    pl: 'Brak lub nieprawidłowy token CSRF.',
  },
  'request.rate_limited': {
    status: 429,
    en: 'Too many requests; try again later.',
    pl: 'Zbyt wiele żądań; spróbuj ponownie później.',
  },
  'idempotency.key_reused': {
    status: 422,
    en: 'This Idempotency-Key was used with a different request.',
    pl: 'Ten Idempotency-Key został użyty z innym żądaniem.',
  },
  'internal.error': {
    status: 500,
    en: 'Something went wrong on our side.',
    pl: 'Wystąpił błąd po naszej stronie.',
  },
});
