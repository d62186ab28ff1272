import type { DueWork } from '../../platform/due-work/due-work.ts';
import type { StoredMessage } from '../../platform/outbox/outbox.ts';
import {
  accountsGranting,
  type ConsentChange,
  changeConsent,
  consentOverview,
  subjectIdOf,
} from './consents.ts';
import { type Campaign, checkDelivery, queueCampaign, unsubscribe } from './messaging.ts';
import { type PrivacyDeps, subjectById } from './privacy-context.ts';
import { deemedDeliveryDay } from './privacy-rules.ts';
import {
  addCandidate,
  CANDIDATE_PURGE,
  closeRecruitment,
  handleCandidatePurge,
  openRecruitment,
  searchTalentPool,
  withdrawTalentPool,
} from './recruitment.ts';
import {
  acceptFee,
  addIdentityDocument,
  completeRequest,
  decideIdentity,
  ERASURE_FINISH,
  exportCsv,
  exportOf,
  extendRequest,
  getRequest,
  handleErasureFinish,
  handleRequestsDue,
  handleRestrictionChecks,
  listRequests,
  quoteFee,
  REQUEST_DUE,
  RESTRICTION_CHECK,
  type RequestInput,
  receiveRequest,
  refuseRequest,
  requestIdentity,
  requestWithHistory,
  restrictionsInForce,
} from './requests.ts';
import { type RouteInput, routedRequestsOf, routeToController } from './routed-requests.ts';
import { queueSmsAlert } from './sms-alerts.ts';
import {
  handleVisitorExpiry,
  linkVisitor,
  recordVisit,
  VISITOR_EXPIRY,
  type VisitorInput,
} from './visitors.ts';

export type { ConsentChange, LedgerEntry } from './consents.ts';
export { consentChannels } from './consents.ts';
export type { Campaign } from './messaging.ts';
export type { Person, PrivacyDeps, Subject } from './privacy-context.ts';
export { privacyErrors } from './privacy-errors.ts';
export { privacyRetentionHandlers } from './privacy-retention.ts';
export {
  complaintAuthority,
  decideDelivery,
  deemedDeliveryDay,
  type RequestType,
  requestDeadline,
  requestTypes,
} from './privacy-rules.ts';
export {
  type DsrRequest,
  ERASURE_FINISH,
  effectiveDueOn,
  intakeChannels,
  REQUEST_DUE,
  RESTRICTION_CHECK,
} from './requests.ts';
export type { RoutedRequest } from './routed-requests.ts';

export type Privacy = ReturnType<typeof makePrivacy>;

/**
 * Privacy where the operator is controller (issue 5): consents with proof and one-click withdrawal, the
 * send-time check of every message (the outbox's `suppress` hook), and data-subject requests with their
 * deadlines, identity checks, fees, erasure through the retention engine's handlers, and overdue alarms.
 * Registers its due handlers on `dueWork`.
 */
export function makePrivacy(deps: PrivacyDeps & { dueWork: DueWork }) {
  deps.dueWork.register({ kind: REQUEST_DUE, handle: (items) => handleRequestsDue(deps, items) });
  deps.dueWork.register({ kind: RESTRICTION_CHECK, handle: (items) => handleRestrictionChecks(deps, items) });
  deps.dueWork.register({ kind: ERASURE_FINISH, handle: (items) => handleErasureFinish(deps, items) });
  deps.dueWork.register({ kind: VISITOR_EXPIRY, handle: (items) => handleVisitorExpiry(deps, items) });
  deps.dueWork.register({ kind: CANDIDATE_PURGE, handle: (items) => handleCandidatePurge(deps, items) });
  return {
    changeConsent: (change: ConsentChange) => changeConsent(deps, change),
    consents: (subjectId: string) => consentOverview(deps, subjectId),
    subjectIdOf: (email: string) => subjectIdOf(deps, email),
    accountsGranting: (purpose: string) => accountsGranting(deps, purpose),
    /** The account user a subject is, if any (who may read that person's requests). */
    userOfSubject: async (subjectId: string) => (await subjectById(deps, subjectId))?.userId ?? null,
    queueCampaign: (campaign: Campaign) => queueCampaign(deps, campaign),
    checkDelivery: (message: StoredMessage) => checkDelivery(deps, message),
    unsubscribe: (input: Parameters<typeof unsubscribe>[1]) => unsubscribe(deps, input),
    /** The outbox's deemed-delivery hook: the policy of the message's account (QU-NOT-01). */
    deemedDelivery: async (message: StoredMessage, sentAt: Date) => {
      const account = message.accountId ? await deps.accountOf(message.accountId).catch(() => null) : null;
      const policy = account ? deps.policyOf(account.policyVersionId) : deps.current().policy;
      return deemedDeliveryDay(policy, sentAt);
    },
    receive: (input: RequestInput) => receiveRequest(deps, input),
    /** A request about entrusted data: recorded and routed to the customer as controller (BK-PRV-01, MOC-PRV-02). */
    route: (input: RouteInput) => {
      const { contactsOf } = deps;
      if (!contactsOf) throw new Error('privacy: contactsOf is not wired');
      return routeToController({ ...deps, contactsOf }, input);
    },
    routedTo: (accountId: string) => routedRequestsOf(deps, accountId),
    /** Visitors' automatically collected data, kept as long as their identifier (CM-PRV-11, CM-PRV-15). */
    recordVisit: (input: VisitorInput) => recordVisit(deps, input),
    linkVisitor: (input: Parameters<typeof linkVisitor>[1]) => linkVisitor(deps, input),
    /** Recruitment data (CM-PRV-17). */
    openRecruitment: (input: Parameters<typeof openRecruitment>[1]) => openRecruitment(deps, input),
    addCandidate: (input: Parameters<typeof addCandidate>[1]) => addCandidate(deps, input),
    closeRecruitment: (input: Parameters<typeof closeRecruitment>[1]) => closeRecruitment(deps, input),
    searchTalentPool: (q: string | undefined) => searchTalentPool(deps, q),
    withdrawTalentPool: (input: Parameters<typeof withdrawTalentPool>[1]) => withdrawTalentPool(deps, input),
    /** An SMS alert, its gateway payload cut to the policy's allow-list (HT-PRC-01). */
    queueSmsAlert: (input: Parameters<typeof queueSmsAlert>[1]) => queueSmsAlert(deps, input),
    requestIdentity: (input: Parameters<typeof requestIdentity>[1]) => requestIdentity(deps, input),
    addIdentityDocument: (input: Parameters<typeof addIdentityDocument>[1]) =>
      addIdentityDocument(deps, input),
    decideIdentity: (input: Parameters<typeof decideIdentity>[1]) => decideIdentity(deps, input),
    extend: (input: Parameters<typeof extendRequest>[1]) => extendRequest(deps, input),
    quoteFee: (input: Parameters<typeof quoteFee>[1]) => quoteFee(deps, input),
    acceptFee: (input: Parameters<typeof acceptFee>[1]) => acceptFee(deps, input),
    complete: (input: Parameters<typeof completeRequest>[1]) => completeRequest(deps, input),
    /** Restrictions of processing in force on the account, for its entitlements (CM-PRV-07). */
    restrictionsInForce: (accountId: string) => restrictionsInForce(deps, accountId),
    refuse: (input: Parameters<typeof refuseRequest>[1]) => refuseRequest(deps, input),
    list: (filter: Parameters<typeof listRequests>[1]) => listRequests(deps, filter),
    get: (id: string) => getRequest(deps, id),
    history: (id: string) => requestWithHistory(deps, id),
    export: async (id: string, format: 'json' | 'csv') => {
      const data = await exportOf(deps, id);
      return format === 'csv' ? exportCsv(data) : JSON.stringify(data, null, 2);
    },
    policyOf: deps.policyOf,
    current: deps.current,
  };
}
