import { hash, verify } from '@node-rs/argon2';
import { registerAccountsRoutes } from './modules/accounts/accounts-routes.ts';
import { makeAccounts } from './modules/accounts/index.ts';
import { registerBillingRoutes } from './modules/billing/billing-routes.ts';
import { makeBilling, type PaymentProvider, sandboxPaymentProvider } from './modules/billing/index.ts';
import { euStandardVatRates } from './modules/billing/vat/index.ts';
import { makeEntitlementsCache } from './modules/lifecycle/entitlements-cache.ts';
import {
  ACCOUNT_CHANGED,
  entitlementsOf,
  makeLifecycle,
  makePlanChanges,
} from './modules/lifecycle/index.ts';
import { registerLifecycleRoutes } from './modules/lifecycle/lifecycle-routes.ts';
import {
  isPermanentMailFailure,
  type MailTransport,
  makeNotifications,
  makeSmtpTransport,
  messageIdFor,
} from './modules/notifications/index.ts';
import { makeTestClocks } from './modules/test-clocks/index.ts';
import { registerTestClockRoutes } from './modules/test-clocks/test-clocks-routes.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import { type Database, openDatabase } from './platform/db/database.ts';
import { makeDueWork } from './platform/due-work/due-work.ts';
import { makeEventLog } from './platform/evidence/event-log.ts';
import { registerEvidenceRoutes } from './platform/evidence/evidence-routes.ts';
import { makeAuthenticator } from './platform/http/auth.ts';
import { makeHttpServer } from './platform/http/http-server.ts';
import { makeIdempotency } from './platform/http/idempotency.ts';
import { type IdGenerator, makeRandomIds } from './platform/ids.ts';
import { makeOutbox } from './platform/outbox/outbox.ts';
import { registerOutboxRoutes } from './platform/outbox/outbox-routes.ts';
import type { Policy } from './policy/index.ts';
import { makePolicyVersions } from './policy/policy-versions.ts';

export type AppConfig = {
  policy: Policy;
  /** A PostgreSQL server; when absent, embedded PGlite in `dataDir` (in memory without one). */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** An already open database (tests). */
  database?: Database;
  portalUrl: string;
  smtpUrl?: string | undefined;
  mailFrom?: string | undefined;
  logLevel?: string;
  secureCookies?: boolean;
  clock?: Clock;
  ids?: IdGenerator;
  /** Argon2 cost; tests lower it (the defaults are OWASP's argon2id minimum). */
  argon2?: { memoryCost: number; timeCost: number };
  /** The card payment gateway; the sandbox (test cards, no money moves) unless given. */
  paymentProvider?: PaymentProvider;
};

export type App = Awaited<ReturnType<typeof buildApp>>;

/**
 * Builds every module once, with its dependencies, and the HTTP server and worker around them. Nothing
 * listens or runs until `http.listen` / `worker.start` are called.
 */
export async function buildApp(config: AppConfig) {
  const clock = config.clock ?? systemClock;
  const ids = config.ids ?? makeRandomIds(() => clock.now());
  const db = config.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  if (!config.database) await db.migrate();

  const policies = await makePolicyVersions({ db, clock });
  const currentVersionId = await policies.register(config.policy);
  const current = () => ({ policy: policies.get(currentVersionId), versionId: currentVersionId });

  const eventLog = makeEventLog({ db, clock, ids });
  const dueWork = makeDueWork({ db });
  const outbox = makeOutbox({ db, clock, ids });
  const operatorName = config.policy.operator.tradeName;
  const mailFrom = config.mailFrom ?? `${operatorName} <no-reply@klauzula.local>`;
  const notifications = makeNotifications({
    outbox,
    operatorName,
    from: mailFrom,
    timeZone: config.policy.locale.timeZone,
  });
  const testClocks = makeTestClocks({ db, dueWork, ids, clock });
  const timeOf = (clockId: string | null) => testClocks.timeOf(clockId);

  let accountsRef: ReturnType<typeof makeAccounts> | null = null;
  let entitlementsCacheRef: ReturnType<typeof makeEntitlementsCache> | null = null;
  const lifecycle = makeLifecycle({
    db,
    eventLog,
    dueWork,
    notifications,
    policyOf: policies.get,
    contactsOf: (accountIds) => accountsRef!.contactsOf(accountIds),
    portalUrl: config.portalUrl,
    onChanged: (accountIds) => entitlementsCacheRef?.invalidate(accountIds),
  });
  const argon = { algorithm: 2 as const, ...(config.argon2 ?? { memoryCost: 19_456, timeCost: 2 }) };
  const accounts = makeAccounts({
    db,
    eventLog,
    ids,
    clock,
    timeOf,
    current,
    notifications,
    lifecycle,
    passwords: { hash: (p) => hash(p, argon), verify: (h, p) => verify(h, p) },
    portalUrl: config.portalUrl,
  });
  accountsRef = accounts;

  const planChanges = makePlanChanges({ db, eventLog, lifecycle, policyOf: policies.get });
  const billing = makeBilling({
    db,
    eventLog,
    dueWork,
    notifications,
    ids,
    timeOf,
    policyOf: policies.get,
    provider: config.paymentProvider ?? sandboxPaymentProvider(),
    vatRates: euStandardVatRates,
    lifecycle: { get: lifecycle.get, load: lifecycle.load, activatePaidPlan: planChanges.activatePaidPlan },
    accounts: {
      profile: accounts.profile,
      updateProfile: accounts.updateProfile,
      contactsOf: accounts.contactsOf,
    },
    portalUrl: config.portalUrl,
  });

  const entitlementsCache = makeEntitlementsCache({
    load: async (accountId) => {
      const row = await lifecycle.get(accountId);
      return {
        value: { accountId, ...entitlementsOf(policies.get(row.policyVersionId), row) },
        clockId: row.clockId,
      };
    },
    timeOf: (clockId) => (clockId === null ? clock.now() : testClocks.timeOf(clockId)),
  });
  entitlementsCacheRef = entitlementsCache;
  const unlisten = await db.listen(ACCOUNT_CHANGED, (payload) =>
    entitlementsCache.invalidate(payload.split(',')),
  );

  const transport: MailTransport | null = config.smtpUrl ? makeSmtpTransport(config.smtpUrl) : null;

  const http = await makeHttpServer({
    defaultLanguage: config.policy.locale.defaultLanguage,
    logLevel: config.logLevel ?? 'info',
    title: `Klauzula — ${operatorName}`,
    version: '0.1.0',
  });
  const authenticator = makeAuthenticator({
    resolveApiKey: accounts.resolveApiKey,
    resolveSession: accounts.resolveSession,
    now: () => clock.now().getTime(),
  });
  http.decorateRequest('principal', null);
  http.addHook('onRequest', authenticator.hook);
  const idempotent = makeIdempotency({ db, now: () => clock.now() });

  http.get('/health', { schema: { hide: true } }, async () => ({ ok: true }));
  http.get(
    '/v1/policy',
    { schema: { tags: ['policy'], summary: 'The policy new contracts are made under' } },
    async () => ({
      versionId: currentVersionId,
      policy: current().policy,
    }),
  );
  registerAccountsRoutes(http, { accounts, idempotent, secureCookies: config.secureCookies ?? false });
  registerLifecycleRoutes(http, { entitlements: entitlementsCache.get });
  registerBillingRoutes(http, { billing, idempotent });
  registerTestClockRoutes(http, { testClocks, idempotent, onAdvanced: () => undefined });
  registerEvidenceRoutes(http, { eventLog });
  registerOutboxRoutes(http, { outbox });

  const worker = makeWorker({
    sweepDue: () => dueWork.sweep({ clockId: null, now: clock.now() }),
    deliverMail: transport
      ? () =>
          outbox.deliver(
            (m) =>
              transport.send({
                to: m.recipient,
                from: mailFrom,
                subject: m.subject,
                text: m.body.text,
                ...(m.body.html ? { html: m.body.html } : {}),
                messageId: messageIdFor(m.id),
              }),
            { isPermanent: isPermanentMailFailure },
          )
      : null,
    checkpoint: () => eventLog.checkpoint(),
    onError: (error) => http.log.error({ err: error }, 'worker step failed'),
  });

  return {
    config,
    db,
    clock,
    policies,
    current,
    eventLog,
    dueWork,
    outbox,
    notifications,
    testClocks,
    lifecycle,
    accounts,
    billing,
    entitlementsCache,
    http,
    worker,
    async close() {
      await worker.stop();
      await http.close();
      await unlisten();
      await transport?.close();
      await db.close();
    },
  };
}

/**
 * The background worker: sweeps due work on the real clock, delivers the outbox, and checkpoints the
 * event log. Several processes may run it at once: each step claims its rows with SKIP LOCKED.
 */
function makeWorker(steps: {
  sweepDue: () => Promise<number>;
  deliverMail: (() => Promise<{ sent: number; failed: number }>) | null;
  checkpoint: () => Promise<unknown>;
  onError: (error: unknown) => void;
}) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let lastCheckpoint = 0;

  async function runOnce(options: { checkpoint?: boolean } = {}): Promise<void> {
    await steps.sweepDue();
    if (steps.deliverMail) await steps.deliverMail();
    if (options.checkpoint) await steps.checkpoint();
  }

  function start(intervalMs = 1000, checkpointEveryMs = 60_000): void {
    const tick = () => {
      const dueCheckpoint = Date.now() - lastCheckpoint >= checkpointEveryMs;
      running = runOnce({ checkpoint: dueCheckpoint })
        .then(() => {
          if (dueCheckpoint) lastCheckpoint = Date.now();
        })
        .catch(steps.onError)
        .finally(() => {
          running = null;
          if (timer) timer = setTimeout(tick, intervalMs);
        });
    };
    timer = setTimeout(tick, 0);
  }

  async function stop(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    await running;
  }

  return { runOnce, start, stop };
}
