/**
 * Requests from people whose data the operator holds as processor (BK-PRV-01: a salon's client; MOC-PRV-02:
 * a webinar attendee writing to privacy@). Every dataset is tagged with the operator's role (the policy's
 * retention categories carry `role`); a request about entrusted data is not the operator's to decide: it
 * is recorded (channel, time received, the deadline the controller must meet), routed to the customer who
 * is the controller — its owner is told at once, with the requester's address and the deadline — and the
 * requester is told who will answer. One transaction; the event lands on the controller account's chain.
 */
import { eq, sql } from 'drizzle-orm';
import { AppError, defineErrors } from '../../platform/errors.ts';
import type { AccountContact } from '../lifecycle/index.ts';
import { routedRequests } from './controller-records-schema.ts';
import { contextOf, type PrivacyDeps } from './privacy-context.ts';
import { complaintAuthority, type RequestType, requestDeadline } from './privacy-rules.ts';
import type { IntakeChannel } from './requests.ts';

export const routingErrors = defineErrors({
  'privacy.routing_not_offered': {
    status: 409,
    en: "The policy does not route requests about customers' entrusted data to the customer.",
    pl: 'Polityka nie przewiduje przekazywania żądań dotyczących danych powierzonych klientowi.',
  },
});

const typeNames: Record<RequestType, { pl: string; en: string }> = {
  access: { pl: 'dostęp do danych', en: 'access to data' },
  copy: { pl: 'kopia danych', en: 'a copy of the data' },
  rectification: { pl: 'dodanie lub sprostowanie danych', en: 'adding or correcting data' },
  erasure: { pl: 'usunięcie danych', en: 'erasure' },
  restriction: { pl: 'ograniczenie przetwarzania', en: 'restriction of processing' },
  objection: { pl: 'sprzeciw', en: 'objection' },
  portability: { pl: 'przeniesienie danych', en: 'data portability' },
  withdrawal: { pl: 'wycofanie zgody', en: 'withdrawal of consent' },
};

export type RoutedRequest = {
  id: string;
  controllerAccountId: string;
  type: RequestType;
  channel: string;
  receivedAt: Date;
  receivedOn: string;
  dueOn: string;
  routedAt: Date;
  clause: string | null;
  status: 'routed';
};

export type RouteInput = {
  controllerAccountId: string;
  type: RequestType;
  channel: IntakeChannel;
  receivedAt?: Date;
  email: string;
  statement?: string;
  locale?: 'pl' | 'en';
  actor: string;
};

export async function routeToController(
  deps: PrivacyDeps & { contactsOf: (accountIds: readonly string[]) => Promise<AccountContact[]> },
  input: RouteInput,
): Promise<RoutedRequest> {
  const ctx = await contextOf(deps, input.controllerAccountId);
  const { policy } = ctx;
  const dsr = policy.dataSubjectRequests;
  if (!dsr.routeEntrustedDataRequestsToCustomer)
    throw new AppError(routingErrors['privacy.routing_not_offered']);
  const receivedAt = input.receivedAt ?? ctx.now;
  if (receivedAt.getTime() > ctx.now.getTime()) throw new AppError('privacy.received_in_future');
  const offered = dsr.channels.map((c) => c.kind as string);
  if (input.channel !== 'api' && !offered.includes(input.channel))
    throw new AppError('privacy.channel_unknown', { details: { channel: input.channel } });
  const [controller] = await deps.contactsOf([input.controllerAccountId]);
  if (!controller) throw new AppError('request.not_found');
  const deadline = requestDeadline(policy, input.type, receivedAt);
  const clause = dsr.clauses?.routing ?? null;
  const id = deps.ids.next('dsrr');
  const email = input.email.trim().toLowerCase();
  const routed: RoutedRequest = {
    id,
    controllerAccountId: input.controllerAccountId,
    type: input.type,
    channel: input.channel,
    receivedAt,
    receivedOn: deadline.receivedOn,
    dueOn: deadline.dueOn,
    routedAt: ctx.now,
    clause,
    status: 'routed',
  };
  const locale = input.locale ?? policy.locale.defaultLanguage;
  return deps.db.transaction(async () => {
    await deps.db.q.insert(routedRequests).values({
      id,
      controllerAccountId: input.controllerAccountId,
      clockId: ctx.clockId,
      type: input.type,
      channel: input.channel,
      receivedAt,
      receivedOn: routed.receivedOn,
      dueOn: routed.dueOn,
      routedAt: ctx.now,
      clause,
      requesterEmail: email,
      statement: input.statement?.trim() || null,
      createdBy: input.actor,
    });
    await deps.eventLog.append([
      {
        chainId: input.controllerAccountId,
        type: 'dsr.routed_to_controller',
        clause,
        actor: input.actor,
        cause: `request:${id}`,
        occurredAt: ctx.now,
        data: {
          request: id,
          requestType: input.type,
          channel: input.channel,
          receivedOn: routed.receivedOn,
          dueOn: routed.dueOn,
          operatorRole: 'processor',
        },
      },
    ]);
    await deps.notifications.send([
      {
        template: 'privacy.request_routed',
        accountId: input.controllerAccountId,
        recipient: controller.email,
        locale: controller.locale,
        clause,
        occurredAt: ctx.now,
        params: {
          reference: id,
          requestType: typeNames[input.type][controller.locale],
          requester: email,
          receivedOn: routed.receivedOn,
          dueOn: routed.dueOn,
          statement: input.statement?.trim().replace(/\s+/g, ' ') || '-',
        },
      },
      {
        template: 'privacy.request_routed_requester',
        accountId: null,
        recipient: email,
        locale,
        clause,
        occurredAt: ctx.now,
        params: {
          reference: id,
          requestType: typeNames[input.type][locale],
          controller: controller.companyName,
          authority: complaintAuthority(policy, locale),
        },
      },
    ]);
    return routed;
  });
}

/** The routed requests of a controller account, newest first (no requester data: that is the customer's). */
export async function routedRequestsOf(deps: PrivacyDeps, accountId: string): Promise<RoutedRequest[]> {
  const rows = await deps.db.q
    .select()
    .from(routedRequests)
    .where(eq(routedRequests.controllerAccountId, accountId))
    .orderBy(sql`${routedRequests.routedAt} desc`);
  return rows.map((r) => ({
    id: r.id,
    controllerAccountId: r.controllerAccountId,
    type: r.type as RequestType,
    channel: r.channel,
    receivedAt: r.receivedAt,
    receivedOn: r.receivedOn,
    dueOn: r.dueOn,
    routedAt: r.routedAt,
    clause: r.clause,
    status: 'routed',
  }));
}
