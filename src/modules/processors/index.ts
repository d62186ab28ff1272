import type { DueHandler } from '../../platform/due-work/due-work.ts';
import {
  BREACH_NOTICE_DUE,
  customerBreaches,
  getBreach,
  handleBreachNoticesDue,
  listBreaches,
  notifyBreach,
  recordBreach,
  updateBreach,
} from './breaches.ts';
import type { ProcessorsDeps } from './processors-context.ts';
import { addRecipient, listRecipients, recordTransferBasis } from './recipients.ts';
import { recordsOfProcessingExport } from './records-of-processing.ts';
import {
  announceSubProcessor,
  customerSubProcessors,
  decideObjection,
  integrationSwitches,
  listObjections,
  listRegistry,
  objectToSubProcessor,
  publicRegistry,
  seedRegistry,
  setIntegration,
} from './sub-processors.ts';

export type { Breach, BreachDetails, BreachNotice, NewBreach } from './breaches.ts';
export { BREACH_NOTICE_DUE } from './breaches.ts';
export type { CustomerContact, CustomerFacts, ProcessorsDeps } from './processors-context.ts';
export { processorsErrors } from './processors-errors.ts';
export {
  type BreachRecipient,
  breachDeadlines,
  changeTiming,
  customerRegistry,
  decideObjectionOutcome,
  decideObjectionTiming,
  type RecordRow,
  type RegistryEntry,
  recordsCsv,
  recordsOfProcessing,
} from './processors-rules.ts';
export type { Recipient } from './recipients.ts';
export type { NewSubProcessor, Objection } from './sub-processors.ts';

export type Processors = ReturnType<typeof makeProcessors>;

type Rest<F> = F extends (deps: ProcessorsDeps, ...rest: infer R) => infer T ? (...rest: R) => T : never;
const bind = <F extends (deps: ProcessorsDeps, ...rest: never[]) => unknown>(
  deps: ProcessorsDeps,
  fn: F,
): Rest<F> => ((...rest: never[]) => fn(deps, ...rest)) as Rest<F>;

/**
 * The processor's obligations towards its customers beyond their data (GDPR art. 28, 30, 33): the registry of
 * sub-processors, per customer and public, with announced changes, objection windows and objections; the
 * breach register with its notice deadlines and overdue alarms; the records of processing for both roles.
 */
export function makeProcessors(deps: ProcessorsDeps) {
  const breachNoticesDue: DueHandler = {
    kind: BREACH_NOTICE_DUE,
    handle: (items) => handleBreachNoticesDue(deps, items),
  };
  deps.dueWork.register(breachNoticesDue);
  return {
    seedRegistry: () => seedRegistry(deps),
    listRegistry: () => listRegistry(deps),
    publicRegistry: () => publicRegistry(deps),
    /** The register of recipients and their transfer bases (CM-PRV-14). */
    addRecipient: (input: Parameters<typeof addRecipient>[1]) => addRecipient(deps, input),
    recordTransferBasis: (input: Parameters<typeof recordTransferBasis>[1]) =>
      recordTransferBasis(deps, input),
    listRecipients: () => listRecipients(deps),
    customerSubProcessors: bind(deps, customerSubProcessors),
    setIntegration: bind(deps, setIntegration),
    integrationSwitches: bind(deps, integrationSwitches),
    announceSubProcessor: bind(deps, announceSubProcessor),
    objectToSubProcessor: bind(deps, objectToSubProcessor),
    decideObjection: bind(deps, decideObjection),
    listObjections: bind(deps, listObjections),
    recordBreach: bind(deps, recordBreach),
    updateBreach: bind(deps, updateBreach),
    notifyBreach: bind(deps, notifyBreach),
    getBreach: bind(deps, getBreach),
    listBreaches: () => listBreaches(deps),
    customerBreaches: bind(deps, customerBreaches),
    recordsOfProcessing: bind(deps, recordsOfProcessingExport),
  };
}
