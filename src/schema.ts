// Every table of the system of record, for Drizzle and drizzle-kit. Each module owns the tables it exports.
export * from './modules/accounts/acceptances-schema.ts';
export * from './modules/accounts/accounts-schema.ts';
export * from './modules/billing/billing-schema.ts';
export * from './modules/lifecycle/lifecycle-schema.ts';
export * from './modules/test-clocks/test-clocks-schema.ts';
export * from './platform/due-work/due-schema.ts';
export * from './platform/evidence/evidence-schema.ts';
export * from './platform/http/idempotency-schema.ts';
export * from './platform/outbox/outbox-schema.ts';
export * from './policy/policy-versions-schema.ts';
