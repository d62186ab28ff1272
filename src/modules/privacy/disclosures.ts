/**
 * Disclosing personal data to third parties (CM-PRV-13, MOC-PRV-03, HT-PRV-06): a request is decided by the
 * pure rules; a refusal is an event and an error, and changes nothing else; a permitted disclosure is written
 * to the disclosure log, with its event, and committed before `release` hands the data over — so a record
 * exists before any data leave, and data never leave without one.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { localDateOf } from '../../platform/calendar.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { disclosureErrors } from './disclosure-errors.ts';
import { type DisclosureRecord, type DisclosureRefusal, decideDisclosure } from './disclosure-rules.ts';

export type DisclosureDeps = {
  db: Database;
  eventLog: EventLog;
  ids: IdGenerator;
  clock: Clock;
  /** The operator's time zone (its current policy's), for the disclosure date. */
  timeZone: () => string;
};

const Field = z.string().trim().min(1).max(100);

export const DisclosureInput = z.strictObject({
  recipient: z.enum(['authority', 'acquirer', 'processor', 'service_delivery', 'partner', 'buyer']),
  requester: z.string().trim().min(1).max(300),
  legalGround: z.string().trim().min(1).max(500).nullable(),
  reference: z.string().trim().min(1).max(200).nullable(),
  written: z.boolean(),
  reasoned: z.boolean(),
  subjects: z.array(Field).max(10_000),
  fields: z.array(Field).max(200),
  boundToSameStandard: z.boolean().default(false),
  subjectsConsented: z.boolean().default(false),
  /** The clause of the operator's policy the disclosure falls under. */
  clause: z.enum(['CM-PRV-13', 'MOC-PRV-03', 'HT-PRV-06']),
  actor: z.string().min(1),
});
export type DisclosureInput = z.input<typeof DisclosureInput>;

export type LoggedDisclosure = DisclosureRecord & { id: string; recordedAt: Date };

export function makeDisclosures(deps: DisclosureDeps) {
  /**
   * Decides a disclosure and logs the outcome: a refusal as a `privacy.disclosure_refused` event only, a
   * permitted disclosure in the log with its event, in one transaction. Bad input throws and logs nothing.
   */
  async function attempt(
    raw: DisclosureInput,
  ): Promise<{ refused: DisclosureRefusal } | { logged: LoggedDisclosure }> {
    const parsed = DisclosureInput.safeParse(raw);
    if (!parsed.success) {
      throw new AppError('request.invalid', {
        details: { issues: parsed.error.issues.map((issue) => issue.path.join('.')) },
      });
    }
    const input = parsed.data;
    const now = deps.clock.now();
    const receivedOn = localDateOf(now, deps.timeZone());
    const decision = decideDisclosure({ ...input, receivedOn }, input.clause);
    if ('refused' in decision) {
      await deps.eventLog.appendOne({
        chainId: 'operator',
        type: 'privacy.disclosure_refused',
        clause: decision.refused.clause,
        actor: input.actor,
        occurredAt: now,
        data: { recipient: input.recipient, reason: decision.refused.reason, fields: input.fields },
      });
      return { refused: decision.refused };
    }
    const id = deps.ids.next('dsc');
    const { record: entry } = decision;
    await deps.db.transaction(async () => {
      await deps.db.q.execute(sql`
        insert into privacy_disclosures
          (id, recipient, requester, legal_ground, reference, subjects, fields, disclosed_on, clause,
           recorded_by, recorded_at)
        values (${id}, ${entry.recipient}, ${entry.requester}, ${entry.legalGround}, ${entry.reference},
          ${JSON.stringify(entry.subjects)}::jsonb, ${JSON.stringify(entry.fields)}::jsonb, ${entry.disclosedOn},
          ${entry.clause}, ${input.actor}, ${now.toISOString()})`);
      await deps.eventLog.appendOne({
        chainId: 'operator',
        type: 'privacy.disclosure_logged',
        clause: entry.clause,
        actor: input.actor,
        cause: id,
        occurredAt: now,
        data: {
          disclosureId: id,
          recipient: entry.recipient,
          fields: entry.fields,
          subjects: entry.subjects.length,
        },
      });
    });
    return { logged: { ...entry, id, recordedAt: now } };
  }

  /** Decides and logs a disclosure; a refusal throws `privacy.disclosure_refused` after its event is written. */
  async function record(raw: DisclosureInput): Promise<LoggedDisclosure> {
    const outcome = await attempt(raw);
    if ('refused' in outcome) {
      throw new AppError(disclosureErrors['privacy.disclosure_refused'], {
        details: { reason: outcome.refused.reason, clause: outcome.refused.clause },
      });
    }
    return outcome.logged;
  }

  return {
    attempt,
    record,
    /**
     * Records the disclosure, and only once the record is committed calls `release` with it (the step that
     * hands the data over). A refused request never reaches `release`.
     */
    async disclose<T>(raw: DisclosureInput, release: (logged: LoggedDisclosure) => Promise<T>): Promise<T> {
      const logged = await record(raw);
      return release(logged);
    },
    /** The log, newest first. */
    async list(): Promise<LoggedDisclosure[]> {
      const rows = await deps.db.rows<Record<string, unknown>>(sql`
        select * from privacy_disclosures order by recorded_at desc, id desc`);
      return rows.map((row) => ({
        id: String(row.id),
        recipient: row.recipient as DisclosureRecord['recipient'],
        requester: String(row.requester),
        legalGround: (row.legal_ground as string | null) ?? null,
        reference: (row.reference as string | null) ?? null,
        subjects: row.subjects as string[],
        fields: row.fields as string[],
        disclosedOn: String(row.disclosed_on),
        clause: row.clause as DisclosureRecord['clause'],
        recordedAt: new Date(row.recorded_at as string),
      }));
    },
  };
}
