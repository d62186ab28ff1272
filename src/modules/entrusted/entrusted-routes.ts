import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { requireAccountAccess, requireOperator, requireUser } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { ContactInput } from './contact-fields.ts';
import { activityKinds } from './entrusted-schema.ts';
import { IMPORT_LIMITS } from './import-contacts.ts';
import type { Activity, Contact, Entrusted, StaffMember, SupportRequest } from './index.ts';
import { ActivityInput, ContactChange } from './manage-contacts.ts';
import { registerProcessorRoutes } from './processor-routes.ts';

/** Who works with the contacts: every user of the account but the billing-only one, and the operator. */
const CONTACT_ROLES = ['owner', 'admin', 'member'] as const;
/** Who deletes everything, files support requests, reads the processing record, announces audits. */
const ADMIN_ROLES = ['owner', 'admin'] as const;

const AccountParams = z.object({ accountId: z.string().max(60) });
const ContactParams = AccountParams.extend({ contactId: z.string().max(60) });
const SearchQuery = z.strictObject({
  field: z.enum(['email', 'name', 'phone']).optional(),
  q: z.string().min(1).max(254).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(2000).optional(),
});
const Search = z.strictObject({
  field: z.enum(['email', 'name', 'phone']),
  query: z.string().min(1).max(254),
});
const DeletionBody = z.union([
  z.strictObject({ ids: z.array(z.string().max(60)).min(1).max(10_000) }),
  z.strictObject({ search: Search }),
  z.strictObject({ all: z.literal(true) }),
]);
const RequestBody = z
  .strictObject({
    kind: z.enum(['access', 'erasure', 'rectification']),
    contactId: z.string().max(60).optional(),
    email: z.email().max(254).optional(),
    change: ContactChange.optional(),
  })
  .refine((b) => (b.contactId === undefined) !== (b.email === undefined), {
    error: 'exactly one of contactId and email',
    path: ['contactId'],
  });
const StaffRecordsBody = z.strictObject({
  authorisedAt: z.iso.datetime({ offset: true }).nullable().optional(),
  authorisationRevokedAt: z.iso.datetime({ offset: true }).nullable().optional(),
  trainedAt: z.iso.datetime({ offset: true }).nullable().optional(),
  confidentialityUndertakenAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
const StaffQuery = z.strictObject({ staffId: z.string().min(1).max(60) });

export function contactJson(c: Contact & { activity?: Activity[] }) {
  return {
    ...c,
    supportConsentAt: c.supportConsentAt?.toISOString() ?? null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    ...(c.activity
      ? { activity: c.activity.map((a) => ({ ...a, occurredAt: a.occurredAt.toISOString() })) }
      : {}),
  };
}

function staffJson(s: StaffMember) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: s.id,
    name: s.name,
    authorisedAt: iso(s.authorisedAt),
    authorisationRevokedAt: iso(s.authorisationRevokedAt),
    trainedAt: iso(s.trainedAt),
    confidentialityUndertakenAt: iso(s.confidentialityUndertakenAt),
    mayProcessEntrustedData: s.missing.length === 0,
    missing: s.missing,
    createdAt: s.createdAt.toISOString(),
  };
}

function supportJson(g: SupportRequest) {
  return {
    ...g,
    filedAt: g.filedAt.toISOString(),
    expiresAt: g.expiresAt.toISOString(),
    closedAt: g.closedAt?.toISOString() ?? null,
  };
}

function recordsOf(body: z.infer<typeof StaffRecordsBody>) {
  return Object.fromEntries(
    Object.entries(body)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v === null ? null : new Date(v as string)]),
  );
}

const IDEMPOTENT_IMPORT_MAX_BYTES = 64 * 1024 * 1024;

async function readWhole(source: NodeJS.ReadableStream, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > max)
      throw new AppError('entrusted.import_too_large', {
        details: { maxRows: IMPORT_LIMITS.maxRows, maxMegabytes: max / 1024 / 1024 },
      });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function streamReply(
  reply: FastifyReply,
  type: string,
  filename: string,
  chunks: AsyncIterable<string | Buffer>,
) {
  reply.type(type).header('content-disposition', `attachment; filename="${filename}"`);
  return reply.send(Readable.from(chunks));
}

/** HTTP for the entrusted-data module: validate, call one use case, reply. */
export function registerEntrustedRoutes(
  app: HttpServer,
  deps: { entrusted: Entrusted; idempotent: ReturnType<typeof makeIdempotency> },
): void {
  const { entrusted, idempotent } = deps;
  const tags = ['entrusted data'];
  registerProcessorRoutes(app, deps);

  // CSV uploads reach the import as a stream; the parser is scoped to this plugin.
  app.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) =>
      done(null, payload),
    );
    (scope as unknown as HttpServer).post(
      '/v1/accounts/:accountId/entrusted/imports',
      {
        schema: {
          tags,
          summary:
            'Import contacts from CSV (text/csv, header first); all or nothing unless mode=partial (QU-PRC-02, BK-PRC-01)',
          params: AccountParams,
          querystring: z.strictObject({ mode: z.enum(['all_or_nothing', 'partial']).optional() }),
        },
      },
      async (
        request: FastifyRequest<{
          Params: { accountId: string };
          Querystring: { mode?: 'all_or_nothing' | 'partial' };
        }>,
        reply,
      ) => {
        const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
        const source = request.body as NodeJS.ReadableStream | undefined;
        if (!source || typeof (source as { pipe?: unknown }).pipe !== 'function')
          throw new AppError('request.invalid', { details: { field: 'body', rule: 'a text/csv upload' } });
        const run = async (from: NodeJS.ReadableStream) => {
          const report = await entrusted.importContacts({
            accountId: request.params.accountId,
            source: from,
            mode: request.query.mode ?? 'all_or_nothing',
            actor,
          });
          reply.code(report.mode === 'partial' && report.rejected > 0 ? 207 : 201);
          return report;
        };
        if (request.headers['idempotency-key'] === undefined) return run(source);
        // With an Idempotency-Key the upload is read whole first (up to 64 MB), so that a retry can be told
        // from a different file with the same key by its hash; without one it streams straight in.
        const file = await readWhole(source, IDEMPOTENT_IMPORT_MAX_BYTES);
        (request as { body: unknown }).body = {
          sha256: createHash('sha256').update(file).digest('hex'),
          bytes: file.length,
        };
        return idempotent(request, reply, () => run(Readable.from([file])));
      },
    );
  });

  app.get(
    '/v1/accounts/:accountId/entrusted/export',
    {
      schema: {
        tags,
        summary: 'Export all contacts (CSV) or their activity (CSV), or both as JSON; streamed',
        params: AccountParams,
        querystring: z.strictObject({
          format: z.enum(['csv', 'json']).default('csv'),
          of: z.enum(['contacts', 'activity']).default('contacts'),
          /** marketing: only contacts that may be processed today, for a CSV of contacts (QU-PRC-08, QU-PRC-15). */
          purpose: z.enum(['marketing']).optional(),
        }),
      },
    },
    async (request, reply) => {
      const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      const { accountId } = request.params;
      const { format, of } = request.query;
      await entrusted.recordExport({ accountId, format, of, actor });
      if (format === 'json')
        return streamReply(
          reply,
          'application/json; charset=utf-8',
          `${accountId}.json`,
          entrusted.exportJson(accountId),
        );
      return streamReply(
        reply,
        'text/csv; charset=utf-8',
        `${accountId}-${of}.csv`,
        of === 'activity'
          ? entrusted.exportActivityCsv(accountId)
          : entrusted.exportContactsCsv(
              accountId,
              request.query.purpose ? { processableOn: await entrusted.today(accountId) } : {},
            ),
      );
    },
  );

  app.get(
    '/v1/accounts/:accountId/entrusted/contacts',
    {
      schema: {
        tags,
        summary: 'Search contacts by e-mail, name or phone prefix; keyset pages (cursor)',
        params: AccountParams,
        querystring: SearchQuery,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      const { field, q, limit, cursor } = request.query;
      const page = await entrusted.searchContacts({
        accountId: request.params.accountId,
        ...(field ? { field } : {}),
        ...(q ? { query: q } : {}),
        ...(limit ? { limit } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return { contacts: page.contacts.map((c) => contactJson(c)), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/contacts',
    { schema: { tags, summary: 'Add a contact', params: AccountParams, body: ContactInput } },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
        const contact = await entrusted.createContact({
          accountId: request.params.accountId,
          contact: request.body,
          actor,
        });
        reply.code(201);
        return contactJson(contact);
      }),
  );

  app.get(
    '/v1/accounts/:accountId/entrusted/contacts/:contactId',
    { schema: { tags, summary: 'One contact with its activity', params: ContactParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      return contactJson(await entrusted.getContact(request.params.accountId, request.params.contactId));
    },
  );

  app.patch(
    '/v1/accounts/:accountId/entrusted/contacts/:contactId',
    {
      schema: {
        tags,
        summary: 'Correct a contact (null clears a field)',
        params: ContactParams,
        body: ContactChange,
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      return contactJson(
        await entrusted.updateContact({
          accountId: request.params.accountId,
          contactId: request.params.contactId,
          change: request.body,
          actor,
        }),
      );
    },
  );

  app.delete(
    '/v1/accounts/:accountId/entrusted/contacts/:contactId',
    { schema: { tags, summary: 'Delete a contact and its activity (BK-PRC-02)', params: ContactParams } },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      return entrusted.deleteContacts({
        accountId: request.params.accountId,
        selection: { ids: [request.params.contactId] },
        actor,
        single: true,
      });
    },
  );

  app.put(
    '/v1/accounts/:accountId/entrusted/contacts/:contactId/support-consent',
    {
      schema: {
        tags,
        summary:
          "Record (givenAt) or withdraw (null) the person's consent to support seeing their data (MOC-PRC-01)",
        params: ContactParams,
        body: z.strictObject({ givenAt: z.iso.datetime({ offset: true }).nullable() }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      return contactJson(
        await entrusted.recordSupportConsent({
          accountId: request.params.accountId,
          contactId: request.params.contactId,
          givenAt: request.body.givenAt === null ? null : new Date(request.body.givenAt),
          actor,
        }),
      );
    },
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/deletions',
    {
      schema: {
        tags,
        summary:
          'Delete contacts by ids, by a prefix search, or all of them, with their activity (BK-PRC-02)',
        params: AccountParams,
        body: DeletionBody,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const body = request.body;
        const actor = requireAccountAccess(
          request,
          request.params.accountId,
          'all' in body ? ADMIN_ROLES : CONTACT_ROLES,
        );
        return entrusted.deleteContacts({ accountId: request.params.accountId, selection: body, actor });
      }),
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/contacts/:contactId/activity',
    {
      schema: {
        tags,
        summary: `Record a contact's activity (${activityKinds.join(', ')})`,
        params: ContactParams,
        body: z.strictObject({ activity: z.array(ActivityInput).min(1).max(1000) }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
        reply.code(201);
        return entrusted.recordActivity({
          accountId: request.params.accountId,
          contactId: request.params.contactId,
          activity: request.body.activity,
          actor,
        });
      }),
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/requests',
    {
      schema: {
        tags,
        summary:
          'Execute a request the customer received from one of its contacts: access, erasure or rectification (QU-PRC-06, BK-PRC-05)',
        params: AccountParams,
        body: RequestBody,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
        const { kind, contactId, email, change } = request.body;
        const result = await entrusted.executeContactRequest({
          accountId: request.params.accountId,
          kind,
          subject: contactId ? { contactId } : { email: email! },
          ...(change ? { change } : {}),
          actor,
        });
        reply.code(201);
        return {
          ...result,
          executedAt: result.executedAt.toISOString(),
          data: result.data.map((c) => contactJson(c)),
        };
      }),
  );

  app.get(
    '/v1/accounts/:accountId/entrusted/requests',
    { schema: { tags, summary: 'The contact requests executed for the account', params: AccountParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      const list = await entrusted.listContactRequests(request.params.accountId);
      return {
        requests: list.map((r) => ({
          ...r,
          receivedAt: r.receivedAt.toISOString(),
          executedAt: r.executedAt.toISOString(),
        })),
      };
    },
  );

  app.get(
    '/v1/accounts/:accountId/entrusted/processing-record',
    {
      schema: {
        tags,
        summary:
          'Where and how the entrusted data are processed, and the records for an audit (QU-PRC-10, QU-PRC-13, BK-PRC-04, BK-PRC-09)',
        params: AccountParams,
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return entrusted.processingRecord({ accountId: request.params.accountId, actor });
    },
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/audits',
    {
      schema: {
        tags,
        summary: "Announce an audit of the processing, at least the policy's notice ahead (QU-PRC-13)",
        params: AccountParams,
        body: z.strictObject({ auditDate: z.iso.date() }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
        const audit = await entrusted.announceAudit({
          accountId: request.params.accountId,
          auditDate: request.body.auditDate,
          actor,
        });
        reply.code(201);
        return { ...audit, requestedAt: audit.requestedAt.toISOString() };
      }),
  );

  app.post(
    '/v1/accounts/:accountId/support-requests',
    {
      schema: {
        tags,
        summary:
          "File a technical support request; it lets the operator's staff see the account's entrusted data until closed or timed out (BK-PRC-03)",
        params: AccountParams,
        body: z.strictObject({ subject: z.string().trim().min(1).max(2000) }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        // Only the customer can file it: the filing is its authorisation (BK annex 1 ust. 4).
        const user = requireUser(request);
        const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
        if (user.accountId !== request.params.accountId) throw new AppError('request.forbidden');
        const grant = await entrusted.fileSupportRequest({
          accountId: request.params.accountId,
          subject: request.body.subject,
          actor,
        });
        reply.code(201);
        return supportJson(grant);
      }),
  );

  app.get(
    '/v1/accounts/:accountId/support-requests',
    { schema: { tags, summary: "The account's support requests", params: AccountParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return {
        supportRequests: (await entrusted.listSupportRequests(request.params.accountId)).map(supportJson),
      };
    },
  );

  app.post(
    '/v1/accounts/:accountId/support-requests/:supportRequestId/close',
    {
      schema: {
        tags,
        summary: 'Close a support request: staff access to the data ends at once',
        params: AccountParams.extend({ supportRequestId: z.string().max(60) }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return supportJson(
        await entrusted.closeSupportRequest({
          accountId: request.params.accountId,
          supportRequestId: request.params.supportRequestId,
          actor,
        }),
      );
    },
  );

  app.post(
    '/v1/staff',
    {
      schema: {
        tags,
        summary: 'Register a staff member with their processing records (BK-SEC-02, MOC-SEC-02)',
        body: StaffRecordsBody.extend({ name: z.string().trim().min(1).max(200) }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const operator = requireOperator(request);
        const { name, ...records } = request.body;
        const staff = await entrusted.registerStaff({
          name,
          records: recordsOf(records),
          actor: `api_key:${operator.keyId}`,
        });
        reply.code(201);
        return staffJson(staff);
      }),
  );

  app.get('/v1/staff', { schema: { tags, summary: 'The staff registry' } }, async (request) => {
    requireOperator(request);
    return { staff: (await entrusted.listStaff()).map(staffJson) };
  });

  app.patch(
    '/v1/staff/:staffId',
    {
      schema: {
        tags,
        summary: "Record or revoke a staff member's authorisation, training or confidentiality undertaking",
        params: z.object({ staffId: z.string().max(60) }),
        body: StaffRecordsBody,
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      return staffJson(
        await entrusted.recordStaff({
          staffId: request.params.staffId,
          records: recordsOf(request.body),
          actor: `api_key:${operator.keyId}`,
        }),
      );
    },
  );

  // The back office (operator key) says which staff member is reading; every page shown is logged.
  app.get(
    '/v1/support-requests/:supportRequestId/contacts',
    {
      schema: {
        tags,
        summary: "A staff member searches the customer's contacts within its support request (logged)",
        params: z.object({ supportRequestId: z.string().max(60) }),
        querystring: SearchQuery.extend(StaffQuery.shape),
      },
    },
    async (request) => {
      requireOperator(request);
      const { staffId, field, q, limit, cursor } = request.query;
      const page = await entrusted.staffSearchContacts({
        staffId,
        supportRequestId: request.params.supportRequestId,
        ...(field ? { field } : {}),
        ...(q ? { query: q } : {}),
        ...(limit ? { limit } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return {
        accountId: page.accountId,
        contacts: page.contacts.map((c) => contactJson(c)),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/v1/support-requests/:supportRequestId/contacts/:contactId',
    {
      schema: {
        tags,
        summary: 'A staff member opens one contact with its activity within a support request (logged)',
        params: z.object({ supportRequestId: z.string().max(60), contactId: z.string().max(60) }),
        querystring: StaffQuery,
      },
    },
    async (request) => {
      requireOperator(request);
      return contactJson(
        await entrusted.staffGetContact({
          staffId: request.query.staffId,
          supportRequestId: request.params.supportRequestId,
          contactId: request.params.contactId,
        }),
      );
    },
  );
}
