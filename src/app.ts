import { resolve } from 'node:path';
import { hash, verify } from '@node-rs/argon2';
import { accountsRetentionHandlers, lastUseOf } from './modules/accounts/accounts-retention.ts';
import { registerAccountsRoutes } from './modules/accounts/accounts-routes.ts';
import { makeAccounts } from './modules/accounts/index.ts';
import { registerPublicProfileRoutes } from './modules/accounts/public-profile-routes.ts';
import { billingRetentionHandlers, lastPaidDayOf } from './modules/billing/billing-retention.ts';
import { registerBillingRoutes } from './modules/billing/billing-routes.ts';
import {
  cardGatewayOf,
  decideRefund,
  makeBilling,
  makeKsefClient,
  makePaypalGateway,
  makeStripeProvider,
  makeTpayGateway,
  makeViesHttpClient,
  type PaymentProvider,
  type PaypalConfig,
  registerGatewayRoutes,
  type StripeConfig,
  sandboxPaymentProvider,
  type TpayConfig,
} from './modules/billing/index.ts';
import { registerInvoiceRoutes } from './modules/billing/invoice-routes.ts';
import { euStandardVatRates } from './modules/billing/vat/index.ts';
import { registerCookiesRoutes } from './modules/cookies/cookies-routes.ts';
import { makeCookies } from './modules/cookies/index.ts';
import { registerEntrustedRoutes } from './modules/entrusted/entrusted-routes.ts';
import { entrustedRetentionHandler, makeEntrusted } from './modules/entrusted/index.ts';
import { type AccountLife, makeAccountLife } from './modules/lifecycle/account-life.ts';
import { registerAccountLifeRoutes } from './modules/lifecycle/account-life-routes.ts';
import { withoutDiscontinued } from './modules/lifecycle/discontinuation-rules.ts';
import { makeEntitlementsCache } from './modules/lifecycle/entitlements-cache.ts';
import { jsonFile, makeAccountExport, textFile } from './modules/lifecycle/export-account.ts';
import { registerExportRoutes } from './modules/lifecycle/export-routes.ts';
import {
  ACCOUNT_CHANGED,
  contractsInForce,
  entitlementsOf,
  entitlementsWithExtras,
  makeLifecycle,
  makePlanChanges,
  retentionLifeFacts,
  settleObligationsOfRefund,
} from './modules/lifecycle/index.ts';
import { registerLifecycleRoutes } from './modules/lifecycle/lifecycle-routes.ts';
import { makeOperatorActions } from './modules/lifecycle/operator-actions.ts';
import { registerOperatorActionRoutes } from './modules/lifecycle/operator-actions-routes.ts';
import { withRestrictions } from './modules/lifecycle/operator-actions-rules.ts';
import { makeSessionGate } from './modules/lifecycle/session-access.ts';
import { makeWithdrawals } from './modules/lifecycle/withdrawal.ts';
import {
  isPermanentMailFailure,
  type MailTransport,
  makeNotifications,
  makeSmtpTransport,
  messageIdFor,
} from './modules/notifications/index.ts';
import { registerDisclosureRoutes } from './modules/privacy/disclosure-routes.ts';
import { makeDisclosures } from './modules/privacy/disclosures.ts';
import { makePrivacy, type Privacy, privacyRetentionHandlers } from './modules/privacy/index.ts';
import { registerNoticeRoutes } from './modules/privacy/notices-routes.ts';
import { registerPrivacyRoutes } from './modules/privacy/privacy-routes.ts';
import { makeProcessors } from './modules/processors/index.ts';
import { registerProcessorsRoutes } from './modules/processors/processors-routes.ts';
import { makeBackups } from './modules/retention/backups.ts';
import {
  makeRetention,
  observeEventLog,
  outboxRetentionHandler,
  type Retention,
} from './modules/retention/index.ts';
import { registerRetentionRoutes } from './modules/retention/retention-routes.ts';
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
import { operatorScopeGate } from './platform/http/operator-scopes.ts';
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
  /** Encrypted backups: the folder and the 32-byte key (from the environment); no key: list and prune only. */
  backups?: { dir: string; key: Buffer | null };
  /**
   * Real payment gateways, secrets from the environment (never the policy): Stripe takes cards (when no
   * `paymentProvider` is given; test clocks keep the sandbox), tpay pays open invoices by link.
   */
  gateways?:
    | {
        stripe?: StripeConfig | undefined;
        tpay?: TpayConfig | undefined;
        /** PayPal redirect payments (MOC-BIL-01); the buyer comes back to `portalUrl`. */
        paypal?: Omit<PaypalConfig, 'portalUrl'> | undefined;
      }
    | undefined;
  /** VIES REST API for EU VAT ids; absent: not checked (offlineVies). */
  vies?: { baseUrl: string; timeoutMs: number } | undefined;
  /** KSeF API 2.0 with the seller's KSeF token; absent: invoices wait in `pending`. */
  ksef?: { baseUrl: string; token: string; pollIntervalMs?: number } | undefined;
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

  // Every appended event is also told to the retention engine (in the same transaction), which reviews
  // the account's retention from it: no module needs to know about retention.
  let retentionRef: Retention | null = null;
  const eventLog = observeEventLog(makeEventLog({ db, clock, ids }), db, (events) =>
    retentionRef ? retentionRef.noticeEvents(events) : Promise.resolve(),
  );
  const dueWork = makeDueWork({ db });
  // Every message is checked just before it is sent (consent, objection, restriction, confirmed contact) and
  // stamped with its deemed delivery day, by the privacy module (built further down).
  let privacyRef: Privacy | null = null;
  const outbox = makeOutbox({
    db,
    clock,
    ids,
    hooks: () =>
      privacyRef ? { suppress: privacyRef.checkDelivery, deemedDeliveryOf: privacyRef.deemedDelivery } : {},
  });
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

  const stripe = config.gateways?.stripe ? makeStripeProvider(config.gateways.stripe) : null;
  const tpay = config.gateways?.tpay ? makeTpayGateway({ config: config.gateways.tpay, clock }) : null;
  const paypal = config.gateways?.paypal
    ? makePaypalGateway({ config: { ...config.gateways.paypal, portalUrl: config.portalUrl }, clock })
    : null;

  let accountsRef: ReturnType<typeof makeAccounts> | null = null;
  // CM-ACC-05: sign-ups are screened against operator actions' refusal list (built further down).
  let refusalsRef: ((who: { taxId: string | null; email: string | null }) => Promise<string[]>) | null = null;
  let billingRef: ReturnType<typeof makeBilling> | null = null;
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
    verifyVatId: (input) => billingRef!.verifyVatId(input),
    refusalsMatching: (who) => refusalsRef!(who),
  });
  accountsRef = accounts;

  // The account's life after its start (non-payment, suspension, cancellation, restoration, deletion);
  // it and billing need each other, so each gets the other's functions late.
  let accountLifeRef: AccountLife | null = null;
  const planChanges = makePlanChanges({
    db,
    eventLog,
    lifecycle,
    policyOf: policies.get,
    onActivated: (accountId, at, cause) => accountLifeRef!.reviewStanding([{ accountId, at }], cause),
  });
  const billing = makeBilling({
    db,
    eventLog,
    dueWork,
    notifications,
    ids,
    timeOf,
    policyOf: policies.get,
    // The card gateway is the policy's (`billing.paymentProviders`), its secrets the environment's.
    provider:
      config.paymentProvider ?? cardGatewayOf(config.policy, { stripe, sandbox: sandboxPaymentProvider() }),
    payByLink: tpay,
    redirectGateways: paypal ? [paypal] : [],
    vatRates: euStandardVatRates,
    ...(config.vies
      ? {
          vies: makeViesHttpClient({ baseUrl: config.vies.baseUrl, timeoutMs: config.vies.timeoutMs, clock }),
        }
      : {}),
    ksef:
      config.ksef && config.policy.operator.taxId?.scheme === 'NIP'
        ? {
            client: makeKsefClient({
              clock,
              baseUrl: config.ksef.baseUrl,
              token: config.ksef.token,
              ...(config.ksef.pollIntervalMs === undefined
                ? {}
                : { pollIntervalMs: config.ksef.pollIntervalMs }),
            }),
            sellerNip: config.policy.operator.taxId.value,
          }
        : null,
    lifecycle: {
      get: lifecycle.get,
      load: lifecycle.load,
      activatePaidPlan: planChanges.activatePaidPlan,
      moveToFreePlan: planChanges.moveToFreePlan,
      announceChanged: lifecycle.announceChanged,
      renewalsPaused: (items) => accountLifeRef!.renewalsPaused(items),
      reviewStanding: (list, cause) => accountLifeRef!.reviewStanding(list, cause),
    },
    accounts: {
      profile: accounts.profile,
      profiles: accounts.profiles,
      updateProfile: accounts.updateProfile,
      contactsOf: accounts.contactsOf,
    },
    portalUrl: config.portalUrl,
    // A gateway refund confirmed or failed: lifecycle's refund obligations follow it (CM-LIF-20, QU-LIF-08).
    onRefundSettled: (settlement) => settleObligationsOfRefund({ db, eventLog, dueWork }, settlement),
  });
  billingRef = billing;
  const accountLife = makeAccountLife({
    db,
    eventLog,
    dueWork,
    notifications,
    ids,
    policyOf: policies.get,
    contactsOf: accounts.contactsOf,
    timeOf,
    lifecycle,
    billing: () => billing.lifecycleControl,
    messageStatus: (id) => outbox.get(id),
    portalUrl: config.portalUrl,
    current,
    // CM-SEC-06: the account's sessions end with its contract.
    revokeAccess: async (list) => {
      await accounts.revokeSessionsOfAccounts(list, { reason: 'contract_ended', actor: 'system' });
    },
  });
  accountLifeRef = accountLife;

  // Operator actions and the right of withdrawal (lifecycle), with billing's refunds and account facts.
  const lifecycleBilling = {
    decideRefund,
    payments: billing.payments,
    invoice: billing.invoice,
    refundPayment: billing.refundPayment,
    confirmRefundTransfer: billing.confirmRefundTransfer,
    endSubscription: billing.endSubscription,
    endAfterProviderNotice: billing.endAfterProviderNotice,
  };
  const customerOf = async (accountId: string) => {
    const profile = await accounts.profile(accountId);
    return {
      isSoleTrader: profile.isSoleTrader,
      taxId: profile.taxId,
      contractConcludedAt: profile.contractConcludedAt,
    };
  };
  const lifeDeps = {
    db,
    eventLog,
    dueWork,
    notifications,
    ids,
    policyOf: policies.get,
    timeOf,
    lifecycle,
    customerOf,
    contactsOf: accounts.contactsOf,
    billing: lifecycleBilling,
  };
  const operatorActions = makeOperatorActions(lifeDeps);
  refusalsRef = operatorActions.refusalsMatching;
  const withdrawals = makeWithdrawals(lifeDeps);

  const cookies = makeCookies({ db, eventLog, ids, clock, current });

  const entrusted = makeEntrusted({
    db,
    eventLog,
    ids,
    clock,
    timeOf,
    accountOf: async (accountId) => {
      const row = await lifecycle.get(accountId);
      return { clockId: row.clockId, policy: policies.get(row.policyVersionId) };
    },
    notifications,
    contactsOf: accounts.contactsOf,
    contractOf: async (accountId) => ({
      concludedAt: (await accounts.profile(accountId)).contractConcludedAt,
      endedAt: (await lifecycle.get(accountId)).contractEndedAt,
    }),
    // The processors module keeps the integration switches (CM-PRC-08); it is built just below.
    integrationSwitches: (accountId, integration) => processors.integrationSwitches(accountId, integration),
  });

  // Sub-processors, breaches and records of processing (processor side), seeded from the policy's list.
  const processors = makeProcessors({
    db,
    eventLog,
    dueWork,
    notifications,
    ids,
    clock,
    timeOf,
    policyOf: policies.get,
    current,
    customerOf: async (accountId) => {
      const row = await lifecycle.get(accountId);
      return { accountId, clockId: row.clockId, policyVersionId: row.policyVersionId };
    },
    customersInContract: () => contractsInForce(db),
    contactsOf: accounts.contactsOf,
    portalUrl: config.portalUrl,
  });
  await processors.seedRegistry();

  // Retention: the policy's categories over every module's data, through the handlers registered here.
  const retention = makeRetention({
    db,
    dueWork,
    eventLog,
    notifications,
    ids,
    clock,
    policyOf: policies.get,
    facts: {
      life: (accountIds) => retentionLifeFacts(db, accountIds),
      lastUse: (accountIds) => lastUseOf(db, accountIds),
      lastPaidDay: (accountIds) => lastPaidDayOf(db, accountIds),
    },
    contactsOf: accounts.contactsOf,
    timeOf,
    portalUrl: config.portalUrl,
  });
  for (const handler of [
    ...accountsRetentionHandlers({ db }),
    ...billingRetentionHandlers({ db }),
    outboxRetentionHandler({ db }),
    entrustedRetentionHandler({ db }),
  ])
    retention.registerHandler(handler);
  retentionRef = retention;

  // Privacy as controller: consents, send-time checks, data-subject requests (erasure through retention's handlers).
  const privacyDeps = {
    db,
    eventLog,
    dueWork,
    notifications,
    ids,
    clock,
    timeOf,
    policyOf: policies.get,
    current,
    accountOf: async (accountId: string) => {
      const row = await lifecycle.get(accountId);
      return { clockId: row.clockId, policyVersionId: row.policyVersionId, state: row.state };
    },
    people: accounts.peopleByEmail,
    rectify: accounts.updateUserName,
    accountData: async (accountId: string) => ({
      profile: await accounts.profile(accountId),
      users: await accounts.listUsers(accountId),
      acceptances: await accounts.acceptances(accountId),
    }),
    // Erasure requests through retention's journalled erasure, and an owner's erasure as the account's deletion.
    eraseNow: retention.eraseNow,
    deleteAccount: accountLife.deleteOnErasure,
    accountChanged: lifecycle.announceChanged,
    forgetRecipient: outbox.forgetRecipient,
    portalUrl: config.portalUrl,
    contactsOf: accounts.contactsOf,
  };
  const privacy = makePrivacy(privacyDeps);
  for (const handler of privacyRetentionHandlers(privacyDeps)) retention.registerHandler(handler);
  privacyRef = privacy;
  // The disclosure log: each disclosure to a third party recorded before data leave (CM-PRV-13, MOC-PRV-03).
  const disclosures = makeDisclosures({
    db,
    eventLog,
    ids,
    clock,
    timeZone: () => current().policy.locale.timeZone,
  });
  const backups = makeBackups({
    db,
    retention,
    eventLog,
    clock,
    policy: () => current().policy,
    dir: config.backups?.dir ?? resolve('backups'),
    key: config.backups?.key ?? null,
    // QU-SEC-01: the daily check of each ended day (an alarm and a mail when it had no backup).
    dueWork,
    notifications,
    // A restore re-applies lifecycle states journalled after the backup (no account comes back alive).
    lifeStates: lifecycle,
  });

  const entitlementsCache = makeEntitlementsCache({
    load: async (accountId) => {
      const row = await lifecycle.get(accountId);
      return {
        value: withRestrictions(
          {
            accountId,
            // Add-ons and consumable balances from billing (CM-BIL-06, CM-BIL-11).
            // QU-LIF-10: a discontinued feature leaves on its day, not a day earlier.
            ...withoutDiscontinued(
              entitlementsWithExtras(
                policies.get(row.policyVersionId),
                entitlementsOf(policies.get(row.policyVersionId), row),
                await billing.entitlementExtras(accountId),
                await testClocks.timeOf(row.clockId),
              ),
              await accountLife.discontinuations(),
              await testClocks.timeOf(row.clockId),
            ),
          },
          [
            ...(await operatorActions.restrictionsInForce(accountId)),
            // CM-PRV-07: a restriction of processing stops the account's processing functions too.
            ...(await privacy.restrictionsInForce(accountId)),
          ],
        ),
        clockId: row.clockId,
      };
    },
    timeOf: (clockId) => (clockId === null ? clock.now() : testClocks.timeOf(clockId)),
  });
  entitlementsCacheRef = entitlementsCache;
  const unlisten = await db.listen(ACCOUNT_CHANGED, (payload) =>
    entitlementsCache.invalidate(payload.split(',')),
  );

  // The customer's export of its own data (QU-LIF-10; the link of deletion and purge notices): each module's
  // own export formats, gathered into one ZIP.
  const accountExport = makeAccountExport({
    lifecycle,
    eventLog,
    ids,
    policyOf: policies.get,
    timeOf,
    transaction: (fn) => db.transaction(fn),
    sources: [
      (accountId, row) => [
        jsonFile('account/account.json', async () => ({
          lifecycle: {
            state: row.state,
            plan: row.planCode,
            stateSince: row.stateSince,
            contractEndedAt: row.contractEndedAt,
            restorableUntil: row.restorableUntil,
          },
          profile: await accounts.profile(accountId),
          acceptances: await accounts.acceptances(accountId),
        })),
        jsonFile('account/users.json', () => accounts.listUsers(accountId)),
      ],
      async (accountId) => {
        const overview = await billing.overview(accountId);
        return [
          jsonFile('billing/overview.json', () => overview),
          jsonFile('billing/payments.json', () => billing.payments(accountId)),
          jsonFile('billing/refunds.json', () => billing.refunds(accountId)),
          ...overview.invoices.flatMap((i) => {
            const name = `billing/invoices/${i.number.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
            return [
              {
                name: `${name}.pdf`,
                content: (async function* () {
                  yield new Uint8Array((await billing.invoicePdf(accountId, i.id)).pdf);
                })(),
              },
              ...(i.hasKsefXml
                ? [textFile(`${name}.xml`, () => billing.invoiceKsefXml(accountId, i.id))]
                : []),
            ];
          }),
        ];
      },
      (accountId) => [
        jsonFile('privacy/consents.json', async () => {
          const people = [];
          for (const user of await accounts.listUsers(accountId)) {
            const subjectId = await privacy.subjectIdOf(user.email);
            people.push({
              email: user.email,
              consents: subjectId ? await privacy.consents(subjectId) : null,
            });
          }
          return people;
        }),
      ],
      (accountId) => [
        { name: 'entrusted/contacts.csv', content: entrusted.exportContactsCsv(accountId) },
        { name: 'entrusted/activity.csv', content: entrusted.exportActivityCsv(accountId) },
      ],
    ],
  });

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
  // Operator keys act only within their scopes; no key reads entrusted data outside a support request.
  http.addHook('onRequest', operatorScopeGate);
  // CM-LIF-12: a session of an expired, ended or blocked account reaches only the restore/renew screen.
  http.addHook('onRequest', makeSessionGate({ entitlements: entitlementsCache.get }));
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
  registerAccountsRoutes(http, {
    // A revoked key stops working in this process at once (other processes: within the 30 s key cache).
    accounts: {
      ...accounts,
      revokeApiKey: async (id: string) => {
        await accounts.revokeApiKey(id);
        authenticator.forgetKeys();
      },
    },
    idempotent,
    secureCookies: config.secureCookies ?? false,
  });
  registerPublicProfileRoutes(http, { accounts });
  registerNoticeRoutes(http, { current });
  registerLifecycleRoutes(http, { entitlements: entitlementsCache.get });
  registerAccountLifeRoutes(http, { accountLife, idempotent });
  registerExportRoutes(http, { accountExport });
  registerBillingRoutes(http, { billing, idempotent });
  registerGatewayRoutes(http, {
    billing,
    stripe,
    tpay,
    paypal,
    portalUrl: config.portalUrl,
    now: () => clock.now(),
  });
  registerInvoiceRoutes(http, { billing, idempotent });
  registerTestClockRoutes(http, { testClocks, idempotent, onAdvanced: () => undefined });
  registerEvidenceRoutes(http, { eventLog });
  registerOutboxRoutes(http, { outbox });
  registerOperatorActionRoutes(http, { operatorActions, withdrawals, idempotent });
  registerEntrustedRoutes(http, { entrusted, idempotent });
  registerProcessorsRoutes(http, { processors, idempotent });
  registerRetentionRoutes(http, { retention, idempotent });
  registerCookiesRoutes(http, { cookies, idempotent });
  registerDisclosureRoutes(http, {
    disclosures,
    idempotent,
    defaultLanguage: () => current().policy.locale.defaultLanguage,
  });
  registerPrivacyRoutes(http, {
    privacy,
    idempotent,
    emailOfUser: async (accountId, userId) =>
      (await accounts.listUsers(accountId)).find((u) => u.id === userId)?.email ?? null,
  });

  const worker = makeWorker({
    sweepDue: () => dueWork.sweep({ clockId: null, now: clock.now() }),
    submitKsef: billing.ksefEnabled ? atMostEvery(30_000, () => billing.submitKsef()) : null,
    // Charges and refunds to remote gateways (Stripe), each sent outside any transaction.
    sendCharges: async () => (await billing.sendDueCharges()) + (await billing.sendDueRefunds()),
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
                ...(m.headers ? { headers: m.headers } : {}),
              }),
            { isPermanent: isPermanentMailFailure },
          )
      : null,
    checkpoint: () => eventLog.checkpoint(),
    pruneBackups: atMostEvery(3_600_000, () => backups.prune()),
    // QU-SEC-01: today's backup, once a backup key is configured (and today on the daily check).
    dailyBackup: config.backups?.key ? atMostEvery(60_000, () => backups.ensureDaily()) : null,
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
    accountLife,
    accounts,
    billing,
    retention,
    backups,
    operatorActions,
    withdrawals,
    cookies,
    entrusted,
    processors,
    privacy,
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

/** Runs `step` when at least `intervalMs` passed since it last ran (KSeF is polled, not hammered). */
function atMostEvery(intervalMs: number, step: () => Promise<unknown>): () => Promise<unknown> {
  let last = 0;
  return async () => {
    if (Date.now() - last < intervalMs) return;
    last = Date.now();
    return step();
  };
}

/**
 * The background worker: sweeps due work on the real clock, delivers the outbox, and checkpoints the
 * event log. Several processes may run it at once: each step claims its rows with SKIP LOCKED.
 */
function makeWorker(steps: {
  sweepDue: () => Promise<number>;
  deliverMail: (() => Promise<{ sent: number; failed: number }>) | null;
  /** Sends invoices to KSeF and records its answers, outside any transaction; null when KSeF is off. */
  submitKsef: (() => Promise<unknown>) | null;
  /** Sends queued charges to a remote payment gateway outside any transaction (a no-op with the sandbox). */
  sendCharges: () => Promise<number>;
  checkpoint: () => Promise<unknown>;
  /** Deletes backups past the policy's window (retention.backups.retentionDays). */
  pruneBackups: () => Promise<unknown>;
  /** Makes the day's backups when too few exist (QU-SEC-01); null without a backup key. */
  dailyBackup: (() => Promise<unknown>) | null;
  onError: (error: unknown) => void;
}) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let lastCheckpoint = 0;

  async function runOnce(options: { checkpoint?: boolean } = {}): Promise<void> {
    await steps.sweepDue();
    await steps.sendCharges().catch(steps.onError);
    if (steps.deliverMail) await steps.deliverMail();
    if (steps.submitKsef) await steps.submitKsef().catch(steps.onError);
    if (options.checkpoint) await steps.checkpoint();
    await steps.pruneBackups().catch(steps.onError);
    if (steps.dailyBackup) await steps.dailyBackup().catch(steps.onError);
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
