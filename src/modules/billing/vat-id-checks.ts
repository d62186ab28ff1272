import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { jsonRows } from '../../platform/db/bulk.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { vatIdChecks } from './billing-schema.ts';
import { isEuMemberState, parseVatId, type ViesClient, vatErrors } from './vat/index.ts';

export type VatIdCheckRow = typeof vatIdChecks.$inferSelect;

/** VIES error codes that say the number itself is not one VIES accepts: the id is invalid, not unverified. */
const INVALID_INPUT = 'INVALID_INPUT';

/**
 * Asks VIES about an account's EU VAT id and records the answer with the time it was given, as the evidence
 * a reverse charge rests on (QU-BIL-08 A7): `vat_id_checks` gets a row and the account's log a
 * `vat_id.checked` event with the country, the status and VIES's consultation number (not the id itself).
 *
 * - An id that is not an EU member state's (a US EIN, an empty one) is not VIES's business: nothing happens.
 * - VIES switched off (`offlineVies`): nothing is recorded; the id stays unchecked.
 * - VIES or the member state not answering (timeout, `MS_UNAVAILABLE`, an HTTP error): `unavailable`. The
 *   registration or change goes on; the id stays unverified, so a policy that requires a VIES check
 *   (`viesCheckRequired`) treats the buyer as not VAT-registered until a later check says `valid`.
 *
 * Runs inside the caller's transaction (the VIES request has its own timeout, so a slow VIES delays the
 * request by at most that long and never fails it).
 */
export async function verifyVatId(
  deps: { db: Database; eventLog: EventLog; ids: IdGenerator; vies: ViesClient },
  input: {
    accountId: string;
    taxId: string | null;
    country: string | null;
    at: Date;
    actor: string;
    clause: string | null;
    cause: string;
  },
): Promise<VatIdCheckRow | null> {
  if (!input.taxId || !input.country) return null;
  let vatId: ReturnType<typeof parseVatId>;
  try {
    vatId = parseVatId(input.taxId, input.country);
  } catch {
    return null;
  }
  if (!isEuMemberState(vatId.isoCountry)) return null;

  let status: VatIdCheckRow['status'];
  let checkedAt = input.at;
  let requestId: string | null = null;
  let error: string | null = null;
  try {
    const answer = await deps.vies.check(vatId.country, vatId.number);
    if (answer.status === 'not_checked') status = 'not_checked';
    else {
      status = answer.valid ? 'valid' : 'invalid';
      checkedAt = answer.checkedAt;
      requestId = answer.requestId ?? null;
    }
    // VIES switched off: nothing was asked, so there is no answer to keep (and no event for every sign-up).
    if (status === 'not_checked') return null;
  } catch (cause) {
    if (!(cause instanceof AppError)) throw cause;
    const code = typeof cause.details?.error === 'string' ? cause.details.error : cause.code;
    status =
      cause.code === vatErrors['billing.vies_rejected'] && code === INVALID_INPUT ? 'invalid' : 'unavailable';
    error = code;
  }
  const [row] = await deps.db.q
    .insert(vatIdChecks)
    .values({
      id: deps.ids.next('vies'),
      accountId: input.accountId,
      vatId: vatId.full,
      status,
      requestId,
      error,
      checkedAt,
    })
    .returning();
  await deps.eventLog.append([
    {
      chainId: input.accountId,
      type: 'vat_id.checked',
      clause: input.clause,
      actor: input.actor,
      cause: input.cause,
      occurredAt: input.at,
      data: {
        country: vatId.country,
        status,
        checkedAt: checkedAt.toISOString(),
        requestId,
        ...(error ? { error } : {}),
      },
    },
  ]);
  return row!;
}

/**
 * VIES's last yes or no about `taxId` for the account: true (valid), false (invalid), or null (never
 * answered: VIES off or unavailable each time). An outage after a "valid" does not undo it. What
 * `decideInvoiceVat` takes as `vatIdValid`.
 */
export async function vatIdStatusOf(
  db: Database,
  accountId: string,
  taxId: string | null,
  country: string | null,
): Promise<boolean | null> {
  if (!taxId || !country) return null;
  let full: string;
  try {
    full = parseVatId(taxId, country).full;
  } catch {
    return null;
  }
  const [last] = await db.q
    .select()
    .from(vatIdChecks)
    .where(
      and(
        eq(vatIdChecks.accountId, accountId),
        eq(vatIdChecks.vatId, full),
        inArray(vatIdChecks.status, ['valid', 'invalid']),
      ),
    )
    .orderBy(desc(vatIdChecks.checkedAt), desc(vatIdChecks.id))
    .limit(1);
  return last?.status === 'valid' ? true : last?.status === 'invalid' ? false : null;
}

/**
 * `vatIdStatusOf` for many accounts in one query (a renewal batch): per account, VIES's last yes or no about
 * its `taxId`, or null. The map has an entry for each account asked about.
 */
export async function vatIdStatusesOf(
  db: Database,
  buyers: readonly { accountId: string; taxId: string | null; country: string | null }[],
): Promise<Map<string, boolean | null>> {
  const result = new Map<string, boolean | null>();
  const wanted = new Map<string, string>();
  for (const b of buyers) {
    result.set(b.accountId, null);
    if (!b.taxId || !b.country) continue;
    try {
      wanted.set(b.accountId, parseVatId(b.taxId, b.country).full);
    } catch {}
  }
  if (wanted.size === 0) return result;
  const rows = await db.rows<{ account_id: string; status: string }>(sql`
    select distinct on (c.account_id) c.account_id, c.status
    from jsonb_to_recordset(${jsonRows([...wanted].map(([accountId, vatId]) => ({ accountId, vatId })))})
      as x("accountId" text, "vatId" text)
    join vat_id_checks c on c.account_id = x."accountId" and c.vat_id = x."vatId"
    where c.status in ('valid', 'invalid')
    order by c.account_id, c.checked_at desc, c.id desc`);
  for (const r of rows) result.set(r.account_id, r.status === 'valid');
  return result;
}

/** Every VIES answer recorded for the account, newest first. */
export async function vatIdChecksOf(db: Database, accountId: string): Promise<VatIdCheckRow[]> {
  return db.q
    .select()
    .from(vatIdChecks)
    .where(eq(vatIdChecks.accountId, accountId))
    .orderBy(desc(vatIdChecks.checkedAt), desc(vatIdChecks.id));
}
