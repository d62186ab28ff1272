import type { FastifyError, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { Entitlements } from './lifecycle-rules.ts';

/**
 * What a customer's session may reach, from the account's entitlements: everything; only the restore or
 * renew screen (CM-LIF-12: an expired or ended contract, and an account blocked for non-payment, whose terms
 * block all access while keeping the content, QU-LIF-01); or nothing (terminated, soft-deleted or purged
 * accounts, and accounts the operator shut: QU-LIF-02, QU-LIF-09, CM-LIF-15/16).
 */
export type SessionReach = 'all' | 'restore_screen' | 'nothing';

export function sessionReachOf(e: Pick<Entitlements, 'state' | 'access'>): SessionReach {
  if (e.state === 'pending_activation') return 'all';
  if (e.access === 'none') return 'nothing';
  if (e.access === 'restore_only' || e.state === 'blocked') return 'restore_screen';
  return 'all';
}

const ACCOUNT = '/v1/accounts/:accountId';

/**
 * The routes of the restore/renew screen: the account's state and bills, paying them (cards, invoices,
 * payment links), restoring, reactivating, cancelling, withdrawing, deleting, the retention page and the
 * export of the customer's own data. Everything else of the account (its content: entrusted contacts,
 * integrations, add-ons, packs, users, the sub-domain…) is refused.
 */
const restoreScreen: ReadonlySet<string> = new Set(
  [
    '',
    '/entitlements',
    '/billing',
    '/subscriptions',
    '/invoices/:invoiceId',
    '/invoices/:invoiceId/pdf',
    '/invoices/:invoiceId/fa3.xml',
    '/invoices/:invoiceId/payments',
    '/invoices/:invoiceId/payment-links',
    '/payment-methods',
    '/payment-methods/:paymentMethodId/consent',
    '/restore-requests',
    '/reactivation',
    '/cancellation',
    '/support-cancellations',
    '/deletion-requests',
    '/deletion-requests/:requestId/confirmation',
    '/withdrawal',
    '/retention',
    '/export',
    '/sessions/revoke',
  ].map((p) => `${ACCOUNT}${p}`),
);

/** Whether a session of an account with this reach may call the route (its pattern, e.g. `/v1/accounts/:accountId/billing`). */
export function mayReachRoute(reach: SessionReach, route: string | undefined): boolean {
  if (reach === 'all' || !route) return true;
  // Routes outside an account (the user's own profile, signing out, privacy requests) stay open.
  if (route !== ACCOUNT && !route.startsWith(`${ACCOUNT}/`)) return true;
  return reach === 'restore_screen' && restoreScreen.has(route);
}

/**
 * An onRequest hook, after authentication: a customer's session reaches the account's content only while
 * its state allows (CM-LIF-12). The state is read from the entitlements cache, which is dropped on every
 * change of the account (NOTIFY) and at its next time-driven change, so a session opened before the contract
 * ended is stopped on its next request. Operator keys are never limited.
 */
export function makeSessionGate(deps: {
  entitlements: (accountId: string) => Entitlements | Promise<Entitlements>;
}) {
  function refuse(e: Entitlements, reach: SessionReach): AppError {
    return new AppError('lifecycle.access_ended', { details: { state: e.state, reach } });
  }

  return function gate(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const p = request.principal;
    const route = request.routeOptions.url;
    if (p?.kind !== 'user' || !route || (route !== ACCOUNT && !route.startsWith(`${ACCOUNT}/`))) {
      done();
      return;
    }
    const check = (e: Entitlements) => {
      const reach = sessionReachOf(e);
      return mayReachRoute(reach, route) ? null : refuse(e, reach);
    };
    const got = deps.entitlements(p.accountId);
    if (!(got instanceof Promise)) {
      const error = check(got);
      done(error ? (error as unknown as FastifyError) : undefined);
      return;
    }
    got.then(
      (e) => {
        const error = check(e);
        done(error ? (error as unknown as FastifyError) : undefined);
      },
      (error: unknown) => done(error as FastifyError),
    );
  };
}
