import { localDateOf } from '../../platform/calendar.ts';
import { executeContactRequest, listContactRequests } from './contact-requests.ts';
import {
  deleteLapsedContacts,
  lapsedContacts,
  liftRestriction,
  recordProfilingBasis,
  resolveSend,
  restrictContact,
  setContactBasis,
  setProfilingFeature,
} from './contact-standing.ts';
import { accountNow, type EntrustedDeps } from './entrusted-context.ts';
import { exportActivityCsv, exportContactsCsv, exportJson } from './export-contacts.ts';
import { importContacts } from './import-contacts.ts';
import {
  createContact,
  deleteContacts,
  getContact,
  recordActivity,
  recordExport,
  recordSupportConsent,
  searchContacts,
  updateContact,
} from './manage-contacts.ts';
import {
  authorisedPersons,
  certifyDeletion,
  complianceNotices,
  createForm,
  executeInstruction,
  instructionsOf,
  logInstruction,
  processingAgreement,
  publishForm,
  recordComplianceFinding,
  recordSensitiveDeclaration,
  runTransfer,
  setAuthorisedPersons,
} from './processing-agreement.ts';
import { announceAudit, processingRecord } from './processing-record.ts';
import { entrustedDataExport, purgeEntrustedData } from './purge-entrusted.ts';
import {
  closeSupportRequest,
  fileSupportRequest,
  getStaff,
  listStaff,
  listSupportRequests,
  recordStaff,
  registerStaff,
  staffGetContact,
  staffSearchContacts,
} from './staff-access.ts';

export type { ContactData, ContactInput } from './contact-fields.ts';
export { contactFields } from './contact-fields.ts';
export type { ContactRequestKind, ContactRequestResult } from './contact-requests.ts';
export type { EntrustedDeps } from './entrusted-context.ts';
export { entrustedErrors } from './entrusted-errors.ts';
export { entrustedRetentionHandler } from './entrusted-retention.ts';
export {
  decideAudit,
  decideStaffAccess,
  missingStaffRecords,
  retentionCategoryFor,
} from './entrusted-rules.ts';
export { type ActivityKind, activityKinds } from './entrusted-schema.ts';
export type { Activity, Contact } from './entrusted-store.ts';
export type { ImportMode, ImportReport } from './import-contacts.ts';
export type { ContactSelection } from './manage-contacts.ts';
export type { EntrustedDataSummary, PurgeResult } from './purge-entrusted.ts';
export type { StaffMember, SupportRequest } from './staff-access.ts';

export type Entrusted = ReturnType<typeof makeEntrusted>;

type Rest<F> = F extends (deps: EntrustedDeps, ...rest: infer R) => infer T ? (...rest: R) => T : never;
const bind = <F extends (deps: EntrustedDeps, ...rest: never[]) => unknown>(
  deps: EntrustedDeps,
  fn: F,
): Rest<F> => ((...rest: never[]) => fn(deps, ...rest)) as Rest<F>;

/**
 * The entrusted-data module (processor side): the personal data each customer keeps in the service about its
 * own contacts and their activity; import, export, search and deletion by the customer; its contacts'
 * requests executed on its instruction; staff access only within a support request and by authorised
 * staff; the processing record and audits; and the purge of everything after the contract ends.
 */
export function makeEntrusted(deps: EntrustedDeps) {
  return {
    importContacts: bind(deps, importContacts),
    exportContactsCsv: bind(deps, exportContactsCsv),
    exportActivityCsv: bind(deps, exportActivityCsv),
    exportJson: bind(deps, exportJson),
    createContact: bind(deps, createContact),
    getContact: bind(deps, getContact),
    updateContact: bind(deps, updateContact),
    deleteContacts: bind(deps, deleteContacts),
    searchContacts: bind(deps, searchContacts),
    recordActivity: bind(deps, recordActivity),
    recordSupportConsent: bind(deps, recordSupportConsent),
    recordExport: bind(deps, recordExport),
    executeContactRequest: bind(deps, executeContactRequest),
    listContactRequests: bind(deps, listContactRequests),
    registerStaff: bind(deps, registerStaff),
    recordStaff: bind(deps, recordStaff),
    getStaff: bind(deps, getStaff),
    listStaff: () => listStaff(deps),
    fileSupportRequest: bind(deps, fileSupportRequest),
    closeSupportRequest: bind(deps, closeSupportRequest),
    listSupportRequests: bind(deps, listSupportRequests),
    staffSearchContacts: bind(deps, staffSearchContacts),
    staffGetContact: bind(deps, staffGetContact),
    processingRecord: bind(deps, processingRecord),
    announceAudit: bind(deps, announceAudit),
    /**
     * Deletes all entrusted data of these accounts with one event each; for the retention engine and
     * lifecycle once the contract has ended and the policy's period has run (QU-PRC-12, BK-PRC-08).
     */
    purgeEntrustedData: bind(deps, purgeEntrustedData),
    /** The counts and download paths a notice offers before the deletion (QU art. 6.7, QU-PRC-12). */
    entrustedDataExport: bind(deps, entrustedDataExport),
    setContactBasis: bind(deps, setContactBasis),
    restrictContact: bind(deps, restrictContact),
    liftRestriction: bind(deps, liftRestriction),
    resolveSend: bind(deps, resolveSend),
    lapsedContacts: bind(deps, lapsedContacts),
    deleteLapsedContacts: bind(deps, deleteLapsedContacts),
    recordProfilingBasis: bind(deps, recordProfilingBasis),
    setProfilingFeature: bind(deps, setProfilingFeature),
    processingAgreement: bind(deps, processingAgreement),
    certifyDeletion: bind(deps, certifyDeletion),
    setAuthorisedPersons: bind(deps, setAuthorisedPersons),
    authorisedPersons: bind(deps, authorisedPersons),
    logInstruction: bind(deps, logInstruction),
    instructions: bind(deps, instructionsOf),
    executeInstruction: bind(deps, executeInstruction),
    recordComplianceFinding: bind(deps, recordComplianceFinding),
    complianceNotices: bind(deps, complianceNotices),
    createForm: bind(deps, createForm),
    recordSensitiveDeclaration: bind(deps, recordSensitiveDeclaration),
    publishForm: bind(deps, publishForm),
    runTransfer: bind(deps, runTransfer),
    /** The account's local date today (its clock, its policy's time zone). */
    today: async (accountId: string) => {
      const { policy, now } = await accountNow(deps, accountId);
      return localDateOf(now, policy.locale.timeZone);
    },
  };
}
