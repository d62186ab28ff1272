import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  requireAccountAccess,
  requireOperator,
  requireUser,
  SESSION_COOKIE,
} from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { OPERATOR_SCOPES } from '../../platform/http/operator-scopes.ts';
import type { AccountProfile, Accounts, SessionGrant } from './index.ts';

const Address = z.strictObject({
  street: z.string().min(1).max(200),
  postalCode: z.string().min(1).max(20),
  city: z.string().min(1).max(100),
  country: z.string().regex(/^[A-Z]{2}$/),
});

const CountryCode = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code');

/** Only what the policy makes mandatory blocks a sign-up; the rest is checked by the registration rules. */
export const RegistrationBody = z.strictObject({
  company: z
    .strictObject({
      name: z.string().trim().min(1).max(300),
      taxId: z.string().max(30).optional(),
      country: CountryCode,
      address: Address.optional(),
      isSoleTrader: z.boolean().optional(),
      isLegalPerson: z.boolean().optional(),
    })
    .optional(),
  person: z
    .strictObject({
      firstName: z.string().max(100).optional(),
      lastName: z.string().max(100).optional(),
      nickname: z.string().max(100).optional(),
    })
    .optional(),
  registeringPerson: z.string().max(200).optional(),
  email: z.email().max(254),
  phone: z
    .string()
    .regex(/^\+?[0-9 ()-]{6,20}$/)
    .optional(),
  password: z.string().min(1).max(200),
  declarations: z
    .strictObject({
      business: z.boolean().optional(),
      adult: z.boolean().optional(),
      legalCapacity: z.boolean().optional(),
    })
    .optional(),
  acceptedDocuments: z
    .array(z.strictObject({ kind: z.string().max(40), version: z.string().max(40) }))
    .max(10)
    .optional(),
  accountType: z.enum(['free', 'paid']).optional(),
  /** Whether the public profile page is visible; the policy's default when absent (CM-PRV-16). */
  publicProfile: z.boolean().optional(),
  plan: z.string().max(60).optional(),
  locale: z.enum(['pl', 'en']).optional(),
  testClockId: z.string().max(60).optional(),
});

const SessionReply = z.object({
  csrfToken: z.string(),
  expiresAt: z.string(),
  accountId: z.string(),
  userId: z.string(),
});

const Profile = z.object({
  id: z.string(),
  companyName: z.string().nullable(),
  taxId: z.string().nullable(),
  country: z.string().nullable(),
  address: Address.nullable(),
  phone: z.string().nullable(),
  isSoleTrader: z.boolean(),
  registeringPerson: z.string().nullable(),
  declarations: z.record(z.string(), z.string()),
  locale: z.string(),
  subdomain: z.string().nullable(),
  createdAt: z.string(),
  activatedAt: z.string().nullable(),
  contractConcludedAt: z.string().nullable(),
  profileVersion: z.number(),
  testClockId: z.string().nullable(),
});

const AccountParams = z.object({ accountId: z.string().max(60) });

function profileJson(p: AccountProfile): z.infer<typeof Profile> {
  return {
    ...p,
    createdAt: p.createdAt.toISOString(),
    activatedAt: p.activatedAt?.toISOString() ?? null,
    contractConcludedAt: p.contractConcludedAt?.toISOString() ?? null,
  };
}

function setSessionCookie(reply: FastifyReply, grant: SessionGrant, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, grant.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    expires: grant.expiresAt,
  });
}

function clientOf(request: FastifyRequest) {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null };
}

/** HTTP for the accounts module: validate, call one use case, reply. */
export function registerAccountsRoutes(
  app: HttpServer,
  deps: { accounts: Accounts; idempotent: ReturnType<typeof makeIdempotency>; secureCookies: boolean },
): void {
  const { accounts, idempotent } = deps;
  const tags = ['accounts'];

  app.post(
    '/v1/registrations',
    {
      schema: { tags, summary: 'Register a customer account with its owner', body: RegistrationBody },
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const { testClockId, ...input } = request.body;
        if (testClockId) requireOperator(request);
        const result = await accounts.register(
          { ...input, testClockId: testClockId ?? null },
          clientOf(request),
        );
        if (result.session) setSessionCookie(reply, result.session, deps.secureCookies);
        reply.code(201);
        return {
          accountId: result.accountId,
          userId: result.userId,
          state: result.state,
          plan: result.planCode,
          activationRequired: result.activationRequired,
          contractConcludedAt: result.contractConcludedAt?.toISOString() ?? null,
          csrfToken: result.session?.csrfToken ?? null,
          // CM-ACC-05: held for the operator's review (not activated) when it matches the refusal list.
          review: result.review,
          // CM-PRV-16: the page's setting and the policy's default, so signup shows what was chosen.
          publicProfile: result.publicProfile,
        };
      }),
  );

  app.post(
    '/v1/activations',
    {
      schema: {
        tags,
        summary: 'Activate an account with the token from its activation mail',
        body: z.strictObject({ token: z.string().min(10).max(200) }),
      },
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    },
    async (request) => {
      const { accountId, activatedAt } = await accounts.activate(request.body.token);
      return { accountId, activatedAt: activatedAt.toISOString() };
    },
  );

  app.post(
    '/v1/sessions',
    {
      schema: {
        tags,
        summary: 'Log in with e-mail and password; sets the session cookie',
        body: z.strictObject({ email: z.email().max(254), password: z.string().min(1).max(200) }),
        response: { 200: SessionReply },
      },
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const { session, accountId, userId } = await accounts.logIn({ ...request.body, ...clientOf(request) });
      setSessionCookie(reply, session, deps.secureCookies);
      return { csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString(), accountId, userId };
    },
  );

  app.delete('/v1/sessions/current', { schema: { tags, summary: 'Log out' } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await accounts.logOut(token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/v1/me', { schema: { tags, summary: 'The logged-in user and account' } }, async (request) => {
    const p = requireUser(request);
    const [profile, users] = await Promise.all([
      accounts.profile(p.accountId),
      accounts.listUsers(p.accountId),
    ]);
    return { user: users.find((u) => u.id === p.userId), account: profileJson(profile) };
  });

  app.put(
    '/v1/me/password',
    {
      schema: {
        tags,
        summary: 'Change the password',
        body: z.strictObject({
          currentPassword: z.string().min(1).max(200),
          newPassword: z.string().min(1).max(200),
        }),
      },
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const p = requireUser(request);
      const sessionToken = request.cookies[SESSION_COOKIE];
      await accounts.changePassword({
        userId: p.userId,
        ...request.body,
        ...(sessionToken ? { sessionToken } : {}),
      });
      return reply.code(204).send();
    },
  );

  app.patch(
    '/v1/me',
    {
      schema: {
        tags,
        summary: 'Correct your own name or nickname (history kept)',
        body: z.strictObject({
          firstName: z.string().max(100).nullable().optional(),
          lastName: z.string().max(100).nullable().optional(),
        }),
      },
    },
    async (request) => {
      const p = requireUser(request);
      const { firstName, lastName } = request.body;
      return accounts.updateUserName({
        accountId: p.accountId,
        userId: p.userId,
        change: {
          ...(firstName !== undefined ? { firstName } : {}),
          ...(lastName !== undefined ? { lastName } : {}),
        },
        actor: `user:${p.userId}`,
      });
    },
  );

  app.post(
    '/v1/password-resets',
    {
      schema: {
        tags,
        summary: 'Send a password reset link (always answers 202)',
        body: z.strictObject({ email: z.email().max(254) }),
      },
      config: { rateLimit: { max: 5, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      await accounts.requestPasswordReset(request.body.email);
      return reply.code(202).send({ accepted: true });
    },
  );

  app.post(
    '/v1/password-resets/confirm',
    {
      schema: {
        tags,
        summary: 'Set a new password with a reset token',
        body: z.strictObject({ token: z.string().min(10).max(200), newPassword: z.string().min(1).max(200) }),
      },
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      await accounts.confirmPasswordReset(request.body);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/accounts/:accountId',
    { schema: { tags, summary: 'Company data', params: AccountParams, response: { 200: Profile } } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      return profileJson(await accounts.profile(request.params.accountId));
    },
  );

  app.patch(
    '/v1/accounts/:accountId',
    {
      schema: {
        tags,
        summary: 'Change company data (history kept; later invoices use the new data)',
        params: AccountParams,
        body: z.strictObject({
          companyName: z.string().trim().min(1).max(300).optional(),
          country: CountryCode.optional(),
          address: Address.optional(),
          phone: z
            .string()
            .regex(/^\+?[0-9 ()-]{6,20}$/)
            .nullable()
            .optional(),
          taxId: z.string().max(30).optional(),
          locale: z.enum(['pl', 'en']).optional(),
        }),
        response: { 200: Profile },
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ['owner', 'admin']);
      return profileJson(
        await accounts.updateProfile({ accountId: request.params.accountId, change: request.body, actor }),
      );
    },
  );

  app.get(
    '/v1/accounts/:accountId/profile-history',
    { schema: { tags, summary: 'Every change of company data', params: AccountParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, ['owner', 'admin']);
      return { changes: await accounts.profileHistory(request.params.accountId) };
    },
  );

  app.get(
    '/v1/accounts/:accountId/acceptances',
    { schema: { tags, summary: 'Which document versions were accepted, and when', params: AccountParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      return { acceptances: await accounts.acceptances(request.params.accountId) };
    },
  );

  app.put(
    '/v1/accounts/:accountId/subdomain',
    {
      schema: {
        tags,
        summary: 'Set the third-level subdomain (once)',
        params: AccountParams,
        body: z.strictObject({ subdomain: z.string().max(63) }),
        response: { 200: Profile },
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ['owner']);
      return profileJson(
        await accounts.setSubdomain({
          accountId: request.params.accountId,
          subdomain: request.body.subdomain,
          actor,
        }),
      );
    },
  );

  app.get(
    '/v1/accounts/:accountId/users',
    { schema: { tags, summary: 'Users of the account', params: AccountParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId);
      return { users: await accounts.listUsers(request.params.accountId) };
    },
  );

  app.post(
    '/v1/accounts/:accountId/users',
    {
      schema: {
        tags,
        summary: 'Invite a further user with a role',
        params: AccountParams,
        body: z.strictObject({
          email: z.email().max(254),
          role: z.enum(['admin', 'billing', 'member']),
          firstName: z.string().max(100).optional(),
          lastName: z.string().max(100).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, ['owner', 'admin']);
        const user = await accounts.inviteUser({
          accountId: request.params.accountId,
          ...request.body,
          actor,
        });
        reply.code(201);
        return user;
      }),
  );

  app.post(
    '/v1/invitations/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation and set a password',
        body: z.strictObject({ token: z.string().min(10).max(200), password: z.string().min(1).max(200) }),
      },
    },
    async (request) => accounts.acceptInvitation(request.body),
  );

  app.post(
    '/v1/accounts/:accountId/sessions/revoke',
    {
      schema: {
        tags,
        summary: 'Report unauthorised use and end all sessions (BK-ACC-05)',
        params: AccountParams,
        body: z.strictObject({ userId: z.string().max(60).optional() }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ['owner', 'admin']);
      const report = await accounts.reportUnauthorisedUse({
        accountId: request.params.accountId,
        ...(request.body.userId ? { userId: request.body.userId } : {}),
        actor,
      });
      return { ...report, reportedAt: report.reportedAt.toISOString() };
    },
  );

  app.post(
    '/v1/api-keys',
    {
      schema: {
        tags: ['operator'],
        summary: 'Create an operator API key (shown once)',
        body: z.strictObject({
          name: z.string().min(1).max(100),
          scopes: z.array(z.enum(OPERATOR_SCOPES)).min(1).max(OPERATOR_SCOPES.length),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        requireOperator(request);
        reply.code(201);
        return accounts.createApiKey(request.body);
      }),
  );

  app.get(
    '/v1/registration-reviews',
    {
      schema: {
        tags: ['operator'],
        summary: 'Sign-ups held for review because they match the refusal list (CM-ACC-05)',
        querystring: z.object({ status: z.enum(['pending_review', 'approved', 'refused']).optional() }),
      },
    },
    async (request) => {
      requireOperator(request);
      const list = await accounts.registrationReviews(
        request.query.status ? { status: request.query.status } : {},
      );
      return { reviews: list.map(reviewJson) };
    },
  );

  app.post(
    '/v1/registration-reviews/:reviewId/decision',
    {
      schema: {
        tags: ['operator'],
        summary: 'Approve or refuse a held sign-up, with the reason (CM-ACC-05)',
        params: z.object({ reviewId: z.string().max(60) }),
        body: z.strictObject({
          decision: z.enum(['approve', 'refuse']),
          reason: z.string().trim().min(1).max(2000),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const decided = await accounts.decideRegistrationReview({
          id: request.params.reviewId,
          decision: request.body.decision,
          reason: request.body.reason,
          actor: `operator:${operator.keyId}`,
        });
        return reviewJson(decided);
      }),
  );

  app.delete(
    '/v1/api-keys/:keyId',
    {
      schema: {
        tags: ['operator'],
        summary: 'Revoke an operator API key',
        params: z.object({ keyId: z.string().max(60) }),
      },
    },
    async (request, reply) => {
      requireOperator(request);
      await accounts.revokeApiKey(request.params.keyId);
      return reply.code(204).send();
    },
  );
}

function reviewJson(r: {
  id: string;
  accountId: string;
  grounds: string[];
  status: string;
  heldAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  reason: string | null;
}) {
  return {
    id: r.id,
    accountId: r.accountId,
    grounds: r.grounds,
    status: r.status,
    heldAt: r.heldAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
    decidedBy: r.decidedBy,
    reason: r.reason,
  };
}
