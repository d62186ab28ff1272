import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError, defineErrors } from '../errors.ts';

/**
 * What an operator API key may do. A closed list: each operator route belongs to exactly one scope (the
 * table below), and `admin` holds them all and alone manages keys. No scope lets a key read a customer's
 * entrusted data (its contacts, their activity, requests and exports): the operator's staff read those only
 * through `/v1/support-requests/…`, inside a support request the customer filed, each read logged
 * (BK annex 1 ust. 3–4) — that route needs `entrusted:staff`.
 */
export const OPERATOR_SCOPES = [
  'accounts',
  'billing',
  'lifecycle',
  'privacy',
  'platform',
  'entrusted:write',
  'entrusted:staff',
  'admin',
] as const;
export type OperatorScope = (typeof OPERATOR_SCOPES)[number];

/** Every scope but `admin`: a key for the operator's product, which neither manages keys nor reads entrusted data. */
export const PRODUCT_SCOPES: readonly OperatorScope[] = OPERATOR_SCOPES.filter((s) => s !== 'admin');

export const scopeErrors = defineErrors({
  'auth.scope_missing': {
    status: 403,
    en: 'This API key lacks the scope "{scope}" this route needs.',
    pl: 'Ten klucz API nie ma zakresu „{scope}”, którego wymaga ta operacja.',
  },
  'auth.entrusted_read_refused': {
    status: 403,
    en: "An operator key cannot read a customer's entrusted data directly, nor grant itself access to it; staff read it only within a support request the customer filed (GET /v1/support-requests/:supportRequestId/contacts).",
    pl: 'Klucz operatora nie może bezpośrednio odczytać danych powierzonych klienta ani sam przyznać sobie do nich dostępu; personel ma do nich dostęp wyłącznie w ramach zgłoszenia serwisowego klienta (GET /v1/support-requests/:supportRequestId/contacts).',
  },
});

/** `public`: anyone; `customer`: only the customer's own users (entrusted reads, filing a support request). */
export type RouteScope = OperatorScope | 'public' | 'customer';

const A = '/v1/accounts/:accountId';
type Rule = [methods: string, pattern: RegExp, scope: RouteScope];
const esc = (s: string) => s.replaceAll('/', '\\/');
const under = (prefix: string, rest: string) => new RegExp(`^${esc(prefix)}${rest}$`);

/** First match wins; a route no rule names needs `admin` (a new route is closed until it is placed here). */
const RULES: Rule[] = [
  ['*', /^\/(health|openapi\.json|docs.*|banner\/.*)$/, 'public'],
  ['*', /^\/v1\/(policy(\/.*)?|webhooks\/.*|privacy\/unsubscribe|public\/.*)$/, 'public'],
  ['GET', /^\/export$/, 'customer'],
  ['*', /^\/v1\/sandbox\/.*$/, 'billing'],
  // Entrusted data. Reading it (every GET but the non-personal records below, and writes whose reply shows
  // the records) is refused to every key: the staff-access gate is the only way in. So is granting access
  // (the contact's support consent, who may instruct). Other writes are the processor acting on the
  // customer's instructions or the operator's product recording activity: `entrusted:write`.
  ['GET', under(A, '/entrusted/(processing-record|agreement|compliance-notices)'), 'privacy'],
  ['POST', under(A, '/entrusted/audits'), 'privacy'],
  ['GET', under(A, '/entrusted(/.*)?'), 'customer'],
  ['PATCH', under(A, '/entrusted/contacts/:contactId'), 'customer'],
  ['POST', under(A, '/entrusted/requests'), 'customer'],
  [
    'PUT',
    under(A, '/entrusted/(contacts/:contactId/support-consent|instructions/authorised-persons)'),
    'customer',
  ],
  ['*', under(A, '/entrusted(/.*)?'), 'entrusted:write'],
  ['GET', under(A, '/export'), 'customer'],
  ['POST', under(A, '/support-requests'), 'customer'],
  ['*', under(A, '/support-requests(/.*)?'), 'entrusted:staff'],
  ['*', /^\/v1\/(staff|support-requests)(\/.*)?$/, 'entrusted:staff'],
  [
    '*',
    under(
      A,
      '/(billing|invoices|payment-methods|refunds|packs|balances|subscriptions|subscription|add-ons|price-change-notices|vat-id-checks|liability-cap|refund-obligations)(/.*)?',
    ),
    'billing',
  ],
  ['*', /^\/v1\/(exchange-rates|ksef|price-changes)(\/.*)?$/, 'billing'],
  [
    '*',
    under(
      A,
      '/(entitlements|cancellation|suspension|operator-actions|withdrawal|restore-requests|reactivation|deletion-requests|non-payment-termination|function-outages|material-defects|written-agreement-restorations|support-cancellations|discontinuations)(/.*)?',
    ),
    'lifecycle',
  ],
  ['*', /^\/v1\/(restore-requests|discontinuations)(\/.*)?$/, 'lifecycle'],
  [
    '*',
    under(
      A,
      '/(breaches|sub-processors|sub-processor-objections|integrations|legal-holds|retention|privacy|sms-alerts|documents)(/.*)?',
    ),
    'privacy',
  ],
  [
    '*',
    /^\/v1\/(privacy|cookie-consents|records-of-processing|sub-processors|sub-processor-objections|breaches|legal-holds|recipients|recruitments|candidates|visitors)(\/.*)?$/,
    'privacy',
  ],
  ['*', under(A, '/events'), 'platform'],
  ['*', /^\/v1\/(outbox|audit|test-clocks)(\/.*)?$/, 'platform'],
  ['*', /^\/v1\/api-keys(\/.*)?$/, 'admin'],
  [
    '*',
    under(A, '(/(profile-history|acceptances|subdomain|users|sessions\\/revoke|dpa|public-profile)(/.*)?)?'),
    'accounts',
  ],
  [
    '*',
    /^\/v1\/(registrations|activations|registration-reviews|invitations|me|sessions|password-resets)(\/.*)?$/,
    'accounts',
  ],
];

const scopeOfRouteSeen = new Map<string, RouteScope>();

/**
 * The scope an operator key needs for `method` on the route `pattern` (Fastify's url, with `:params`). The
 * routes are a fixed set, so each answer is kept: the product's hot path (entitlements) tests no pattern.
 */
export function scopeOfRoute(method: string, pattern: string): RouteScope {
  const key = `${method} ${pattern}`;
  let scope = scopeOfRouteSeen.get(key);
  if (scope === undefined) {
    scope =
      RULES.find(([methods, re]) => (methods === '*' || methods === method) && re.test(pattern))?.[2] ??
      'admin';
    scopeOfRouteSeen.set(key, scope);
  }
  return scope;
}

export function hasScope(scopes: readonly string[], needed: OperatorScope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}

/** Why a request made with an operator key may not reach its route, or null when it may. */
export function scopeRefusal(request: FastifyRequest): AppError | null {
  const p = request.principal;
  const pattern = request.routeOptions.url;
  if (p?.kind !== 'api_key' || !pattern) return null;
  const needed = scopeOfRoute(request.method === 'HEAD' ? 'GET' : request.method, pattern);
  if (needed === 'public') return null;
  if (needed === 'customer')
    return new AppError(scopeErrors['auth.entrusted_read_refused'], { details: { route: pattern } });
  if (!hasScope(p.scopes, needed))
    return new AppError(scopeErrors['auth.scope_missing'], { details: { scope: needed, route: pattern } });
  return null;
}

/**
 * A Fastify onRequest hook (after authentication): a request made with an operator key must hold the scope
 * of its route. Customers' sessions are checked by the routes themselves (roles).
 */
export function operatorScopeGate(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const refusal = scopeRefusal(request);
  if (refusal) done(refusal);
  else done();
}
