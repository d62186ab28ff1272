import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';

/**
 * The disclosure log (CM-PRV-13, MOC-PRV-03, HT-PRV-06): every permitted disclosure of personal data to a
 * third party, written before any data leave — who asked, on which legal ground, under which reference,
 * about whom and which fields, and when. Append-only; refused requests leave only an event.
 */
export const privacyDisclosures = pgTable(
  'privacy_disclosures',
  {
    id: text('id').primaryKey(),
    recipient: text('recipient').notNull(),
    requester: text('requester').notNull(),
    legalGround: text('legal_ground'),
    reference: text('reference'),
    /** The people concerned, by account or contact id. */
    subjects: jsonb('subjects').$type<string[]>().notNull(),
    fields: jsonb('fields').$type<string[]>().notNull(),
    disclosedOn: text('disclosed_on').notNull(),
    clause: text('clause').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAt: instant('recorded_at').notNull(),
  },
  (t) => [index('privacy_disclosures_on_idx').on(t.disclosedOn)],
);
