import { z } from 'zod';
import { requireAccountAccess, requireOperator } from '../../platform/http/auth.ts';
import type { HttpServer } from '../../platform/http/http-server.ts';
import type { makeIdempotency } from '../../platform/http/idempotency.ts';
import { ContactBasisInput, profilingFeatures, SEND_MAX_IDS } from './contact-standing.ts';
import type { Entrusted } from './index.ts';
import type { Agreement, InstructionRecord } from './processing-agreement.ts';

/**
 * HTTP for the provider's duties as processor: contacts' legal basis and restriction, sends, the lapsed
 * queue, profiling, the processing agreement, instructions, compliance notices, forms with sensitive fields
 * and integration transfers. Replies to operator keys name contacts by id only (never their data).
 */

const CONTACT_ROLES = ['owner', 'admin', 'member'] as const;
const ADMIN_ROLES = ['owner', 'admin'] as const;

const AccountParams = z.object({ accountId: z.string().max(60) });
const ContactParams = AccountParams.extend({ contactId: z.string().max(60) });
const day = z.iso.date();
const instant = z.iso.datetime({ offset: true });

function agreementJson(a: Agreement) {
  return {
    ...a,
    concludedAt: a.concludedAt.toISOString(),
    deletionCertifiedAt: a.deletionCertifiedAt?.toISOString() ?? null,
  };
}

function instructionJson(i: InstructionRecord) {
  return { ...i, receivedAt: i.receivedAt.toISOString(), executedAt: i.executedAt?.toISOString() ?? null };
}

function operatorActor(request: Parameters<typeof requireOperator>[0]): string {
  return `api_key:${requireOperator(request).keyId}`;
}

export function registerProcessorRoutes(
  app: HttpServer,
  deps: { entrusted: Entrusted; idempotent: ReturnType<typeof makeIdempotency> },
): void {
  const { entrusted, idempotent } = deps;
  const tags = ['entrusted data'];

  app.put(
    '/v1/accounts/:accountId/entrusted/contacts/:contactId/basis',
    {
      schema: {
        tags,
        summary: "The contact's legal basis, consent expiry and objection (QU-PRC-15)",
        params: ContactParams,
        body: ContactBasisInput,
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      const c = await entrusted.setContactBasis({ ...request.params, basis: request.body, actor });
      return {
        contactId: c.id,
        basis: c.basis,
        consentExpiresOn: c.consentExpiresOn,
        objectedOn: c.objectedOn,
        restrictedOn: c.restrictedOn,
      };
    },
  );

  app.put(
    '/v1/accounts/:accountId/entrusted/contacts/:contactId/restriction',
    {
      schema: {
        tags,
        summary:
          'Operator: an art. 18 request found justified; the contact is only stored from then (QU-PRC-08)',
        params: ContactParams,
        body: z.strictObject({ receivedOn: day, justifiedOn: day.optional() }),
      },
    },
    async (request) => {
      const actor = operatorActor(request);
      const c = await entrusted.restrictContact({
        ...request.params,
        receivedOn: request.body.receivedOn,
        ...(request.body.justifiedOn ? { justifiedOn: request.body.justifiedOn } : {}),
        actor,
      });
      return { contactId: c.id, restrictedOn: c.restrictedOn };
    },
  );

  app.delete(
    '/v1/accounts/:accountId/entrusted/contacts/:contactId/restriction',
    { schema: { tags, summary: 'Operator: the restriction ends', params: ContactParams } },
    async (request) => {
      const actor = operatorActor(request);
      const c = await entrusted.liftRestriction({ ...request.params, actor });
      return { contactId: c.id, restrictedOn: c.restrictedOn };
    },
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/sends',
    {
      schema: {
        tags,
        summary:
          'Resolve the recipients of a send now: restricted (QU-PRC-08) and lapsed (QU-PRC-15) contacts are left out, with reasons',
        params: AccountParams,
        body: z.strictObject({
          ref: z.string().min(1).max(200),
          contactIds: z.array(z.string().max(60)).min(1).max(SEND_MAX_IDS).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
        const resolved = await entrusted.resolveSend({
          accountId: request.params.accountId,
          ref: request.body.ref,
          ...(request.body.contactIds ? { contactIds: request.body.contactIds } : {}),
          actor,
        });
        reply.code(201);
        return resolved;
      }),
  );

  app.get(
    '/v1/accounts/:accountId/entrusted/lapsed-queue',
    {
      schema: {
        tags,
        summary: 'The "basis lapsed – delete" queue (QU-PRC-15)',
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      return entrusted.lapsedContacts(request.params.accountId);
    },
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/lapsed-queue/deletions',
    {
      schema: {
        tags,
        summary:
          'Delete contacts of the lapsed queue (all, or the named ones in it); staff may, with a reason (QU-PRC-15, art. 10.2)',
        params: AccountParams,
        body: z.strictObject({
          contactIds: z.array(z.string().max(60)).min(1).max(10_000).optional(),
          reason: z.string().min(1).max(500).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
        return entrusted.deleteLapsedContacts({
          accountId: request.params.accountId,
          ...(request.body.contactIds ? { contactIds: request.body.contactIds } : {}),
          ...(request.body.reason ? { reason: request.body.reason } : {}),
          actor,
        });
      }),
  );

  app.put(
    '/v1/accounts/:accountId/entrusted/profiling-basis',
    {
      schema: {
        tags,
        summary: 'Record the basis for profiling: consent or legitimate interest (QU-PRC-14)',
        params: AccountParams,
        body: z.strictObject({ basis: z.enum(['consent', 'legitimate_interest']) }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return entrusted.recordProfilingBasis({
        accountId: request.params.accountId,
        basis: request.body.basis,
        actor,
      });
    },
  );

  app.put(
    '/v1/accounts/:accountId/entrusted/features/:feature',
    {
      schema: {
        tags,
        summary: 'Switch a profiling feature on or off; on only with a recorded basis (QU-PRC-14)',
        params: AccountParams.extend({ feature: z.enum(profilingFeatures) }),
        body: z.strictObject({ enabled: z.boolean() }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      const r = await entrusted.setProfilingFeature({
        accountId: request.params.accountId,
        feature: request.params.feature,
        enabled: request.body.enabled,
        actor,
      });
      return { ...r, changedAt: r.changedAt.toISOString() };
    },
  );

  app.get(
    '/v1/accounts/:accountId/entrusted/agreement',
    {
      schema: {
        tags,
        summary: 'The art. 28(3) processing agreement and its state (QU-PRC-01)',
        params: AccountParams,
      },
    },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return agreementJson(await entrusted.processingAgreement(request.params.accountId));
    },
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/agreement/deletion-certificate',
    {
      schema: {
        tags,
        summary:
          'Operator: certify that all entrusted data are deleted after the contract (QU-PRC-12); closes the agreement (QU-PRC-01)',
        params: AccountParams,
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = operatorActor(request);
        reply.code(201);
        return agreementJson(await entrusted.certifyDeletion({ accountId: request.params.accountId, actor }));
      }),
  );

  app.put(
    '/v1/accounts/:accountId/entrusted/instructions/authorised-persons',
    {
      schema: {
        tags,
        summary: 'The register of persons authorised to give instructions (QU-PRC-04)',
        params: AccountParams,
        body: z.strictObject({ persons: z.array(z.string().min(1).max(254)).max(100) }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return entrusted.setAuthorisedPersons({
        accountId: request.params.accountId,
        persons: request.body.persons,
        actor,
      });
    },
  );

  app.get(
    '/v1/accounts/:accountId/entrusted/instructions',
    { schema: { tags, summary: 'The instruction log (QU-PRC-04)', params: AccountParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return {
        authorisedPersons: await entrusted.authorisedPersons(request.params.accountId),
        instructions: (await entrusted.instructions(request.params.accountId)).map(instructionJson),
      };
    },
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/instructions',
    {
      schema: {
        tags,
        summary:
          'Operator: log an instruction received; unverified or unwritten ones are logged and not executed (QU-PRC-04)',
        params: AccountParams,
        body: z.strictObject({
          channel: z.enum(['email', 'letter', 'phone', 'chat', 'form']),
          from: z.string().min(1).max(254),
          extendsPurpose: z.boolean(),
          summary: z.string().min(1).max(2000),
          receivedAt: instant,
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = operatorActor(request);
        const b = request.body;
        const logged = await entrusted.logInstruction({
          accountId: request.params.accountId,
          instruction: { ...b, receivedAt: new Date(b.receivedAt) },
          actor,
        });
        reply.code(201);
        return instructionJson(logged);
      }),
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/instructions/:instructionId/execution',
    {
      schema: {
        tags,
        summary: 'Operator: carry out an accepted instruction; others are refused (QU-PRC-04)',
        params: AccountParams.extend({ instructionId: z.string().max(60) }),
      },
    },
    async (request) => {
      const actor = operatorActor(request);
      return instructionJson(
        await entrusted.executeInstruction({
          accountId: request.params.accountId,
          instructionId: request.params.instructionId,
          actor,
        }),
      );
    },
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/compliance-notices',
    {
      schema: {
        tags,
        summary:
          'Operator: record that the customer or its instruction infringes the GDPR; the customer is mailed at once (QU-PRC-09)',
        params: AccountParams,
        body: z.strictObject({
          finding: z.string().min(1).max(2000),
          instructionId: z.string().max(60).optional(),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = operatorActor(request);
        const n = await entrusted.recordComplianceFinding({
          accountId: request.params.accountId,
          finding: request.body.finding,
          ...(request.body.instructionId ? { instructionId: request.body.instructionId } : {}),
          actor,
        });
        reply.code(201);
        return { ...n, foundAt: n.foundAt.toISOString(), notifiedAt: n.notifiedAt.toISOString() };
      }),
  );

  app.get(
    '/v1/accounts/:accountId/entrusted/compliance-notices',
    { schema: { tags, summary: 'Compliance notices sent (QU-PRC-09)', params: AccountParams } },
    async (request) => {
      requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
      return (await entrusted.complianceNotices(request.params.accountId)).map((n) => ({
        ...n,
        foundAt: n.foundAt.toISOString(),
        notifiedAt: n.notifiedAt.toISOString(),
      }));
    },
  );

  const FormField = z.strictObject({
    label: z.string().min(1).max(200),
    sensitive: z.enum(['special_category', 'criminal', 'children']).nullable().default(null),
  });

  app.post(
    '/v1/accounts/:accountId/entrusted/forms',
    {
      schema: {
        tags,
        summary: 'Draft a registration form; fields may be marked as collecting sensitive data (CM-PRC-05)',
        params: AccountParams,
        body: z.strictObject({
          name: z.string().min(1).max(200),
          fields: z.array(FormField).min(1).max(100),
        }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
        const form = await entrusted.createForm({
          accountId: request.params.accountId,
          name: request.body.name,
          fields: request.body.fields,
          actor,
        });
        reply.code(201);
        return { ...form, createdAt: form.createdAt.toISOString(), publishedAt: null };
      }),
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/forms/:formId/publication',
    {
      schema: {
        tags,
        summary: 'Publish a form; with sensitive fields only after the declaration is stored (CM-PRC-05)',
        params: AccountParams.extend({ formId: z.string().max(60) }),
      },
    },
    async (request) => {
      const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      const form = await entrusted.publishForm({ ...request.params, actor });
      return {
        ...form,
        createdAt: form.createdAt.toISOString(),
        publishedAt: form.publishedAt?.toISOString() ?? null,
      };
    },
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/sensitive-data-declarations',
    {
      schema: {
        tags,
        summary:
          'Declare the consents or legal basis for sensitive data and that the security measures are sufficient (CM-PRC-05)',
        params: AccountParams,
        body: z.strictObject({ hasBasis: z.boolean(), measuresSufficient: z.boolean() }),
      },
    },
    async (request, reply) =>
      idempotent(request, reply, async () => {
        const actor = requireAccountAccess(request, request.params.accountId, ADMIN_ROLES);
        const d = await entrusted.recordSensitiveDeclaration({
          accountId: request.params.accountId,
          ...request.body,
          actor,
        });
        reply.code(201);
        return { ...d, recordedAt: d.recordedAt.toISOString() };
      }),
  );

  app.post(
    '/v1/accounts/:accountId/entrusted/transfers',
    {
      schema: {
        tags,
        summary:
          "An integration moves the customer's data (export to a CRM, address book import); refused once it is switched off (CM-PRC-08)",
        params: AccountParams,
        body: z.strictObject({
          integration: z.string().min(1).max(60),
          direction: z.enum(['export', 'import']),
          contacts: z.number().int().min(0).max(10_000_000).optional(),
        }),
      },
    },
    async (request, reply) => {
      const actor = requireAccountAccess(request, request.params.accountId, CONTACT_ROLES);
      const t = await entrusted.runTransfer({
        accountId: request.params.accountId,
        integration: request.body.integration,
        direction: request.body.direction,
        ...(request.body.contacts !== undefined ? { contacts: request.body.contacts } : {}),
        actor,
      });
      reply.code(201);
      return { ...t, requestedAt: t.requestedAt.toISOString() };
    },
  );
}
