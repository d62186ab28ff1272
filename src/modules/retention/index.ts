/**
 * The retention engine: the policy's retention categories applied to every module's data through the
 * handlers modules register, with legal holds, purge warnings, the deletion journal and evidence. To make
 * a new kind of data subject to retention, write a `RetentionHandler` (see accounts-retention.ts) and
 * register it in src/app.ts with `retention.registerHandler(...)`; policy categories then reach it through
 * their `data` list.
 */

export { outboxRetentionHandler } from './platform-data.ts';
export {
  type JournalEntry,
  type LegalHold,
  makeRetention,
  observeEventLog,
  RETENTION_FINISH,
  RETENTION_ITEMS,
  RETENTION_PURGE,
  RETENTION_REVIEW,
  RETENTION_WARN,
  type Retention,
  type RetentionFacts,
} from './retention.ts';
export { retentionErrors } from './retention-errors.ts';
export { type ErasureScope, type RetentionHandler, tally } from './retention-handlers.ts';
export {
  type AccountFacts,
  decideAccountRetention,
  itemCutoff,
  itemInScope,
  purgeTimeOf,
  triggerDay,
} from './retention-rules.ts';
