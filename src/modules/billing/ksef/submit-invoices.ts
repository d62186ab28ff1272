import { and, asc, eq, inArray, notLike, sql } from 'drizzle-orm';
import type { Database } from '../../../platform/db/database.ts';
import type { EventLog, NewEvent } from '../../../platform/evidence/event-log.ts';
import type { Policy } from '../../../policy/index.ts';
import { SANDBOX_PREFIX } from '../billing-context.ts';
import { invoices, subscriptions } from '../billing-schema.ts';
import type { InvoiceRow } from '../billing-store.ts';
import { invoiceDocumentFromJson, invoiceDocumentToJson } from '../invoice-json.ts';
import { renderFa3 } from './fa3-xml.ts';
import type { KsefClient, KsefInvoiceState } from './ksef-client.ts';

export type KsefSubmissionDeps = {
  db: Database;
  eventLog: EventLog;
  policyOf: (versionId: string) => Policy;
  client: KsefClient;
  /** The seller's NIP: the KSeF context the token was issued for. */
  sellerNip: string;
};

export type KsefSubmissionResult = { sent: number; accepted: number; rejected: number; processing: number };

/**
 * Sends the invoices waiting for KSeF and records what KSeF made of those sent before. A worker step: it runs
 * outside any transaction, talks to KSeF between short transactions of its own, and is safe to run again at
 * any point.
 *
 * 1. Invoices `pending` (FA(3) XML, not the sandbox `TEST/` series: those are never sent), oldest first, at
 *    most `limit`, go out in one online session; each then becomes `sent` with the session's and the
 *    invoice's KSeF reference numbers and an `invoice.ksef_sent` event. A correction (KOR) waits until its
 *    original is accepted, and then names it by its KSeF number (`NrKSeF` in DaneFaKorygowanej, the XML
 *    rendered again from the stored document with the same creation time) instead of `NrKSeFN`.
 * 2. Invoices `sent` are asked about: accepted ones get their KSeF number and UPO (`invoice.ksef_accepted`),
 *    rejected ones the code and reason (`invoice.ksef_rejected`); those still processing wait for the next run.
 *
 * Never twice: an accepted invoice is never `pending` again, and a send whose answer was lost (a crash
 * between sending and recording) is sent again only to be answered "duplicate" (440: KSeF refuses a second
 * invoice with the same seller NIP, type and P_2), which names the number it was accepted under. A KSeF
 * outage (`billing.ksef_unavailable`) leaves every row as it was for the next run.
 */
export async function submitKsefInvoices(
  deps: KsefSubmissionDeps,
  input: { now: Date; limit?: number },
): Promise<KsefSubmissionResult> {
  const limit = input.limit ?? 50;
  const result: KsefSubmissionResult = { sent: 0, accepted: 0, rejected: 0, processing: 0 };

  const pending = await deps.db.q
    .select()
    .from(invoices)
    .where(and(eq(invoices.ksefStatus, 'pending'), notLike(invoices.series, `${SANDBOX_PREFIX}%`)))
    .orderBy(asc(invoices.createdAt), asc(invoices.id))
    .limit(limit);
  const ready = await withOriginalKsefNumbers(deps, pending);
  if (ready.length > 0) {
    const { sessionRef, sent } = await deps.client.send(
      deps.sellerNip,
      ready.map((row) => ({ id: row.id, xml: row.ksefXml! })),
    );
    const refs = new Map(sent.map((s) => [s.id, s.invoiceRef]));
    const clauses = await invoicingClauses(deps, ready);
    await deps.db.transaction(async () => {
      const events: NewEvent[] = [];
      for (const row of ready) {
        const invoiceRef = refs.get(row.id);
        if (!invoiceRef) continue;
        await deps.db.q
          .update(invoices)
          .set({
            ksefStatus: 'sent',
            ksefSessionRef: sessionRef,
            ksefInvoiceRef: invoiceRef,
            ksefError: null,
          })
          .where(and(eq(invoices.id, row.id), eq(invoices.ksefStatus, 'pending')));
        events.push({
          chainId: row.accountId,
          type: 'invoice.ksef_sent',
          clause: clauses.get(row.id) ?? null,
          actor: 'system',
          cause: `ksef:${sessionRef}`,
          occurredAt: input.now,
          data: {
            invoice: row.id,
            number: row.number,
            kind: row.kind,
            session: sessionRef,
            reference: invoiceRef,
          },
        });
        result.sent++;
      }
      await deps.eventLog.append(events);
    });
  }

  const sentRows = await deps.db.q
    .select()
    .from(invoices)
    .where(eq(invoices.ksefStatus, 'sent'))
    .orderBy(asc(invoices.createdAt), asc(invoices.id))
    .limit(limit);
  if (sentRows.length === 0) return result;
  const states = await deps.client.states(
    deps.sellerNip,
    sentRows.map((row) => ({ id: row.id, sessionRef: row.ksefSessionRef!, invoiceRef: row.ksefInvoiceRef! })),
  );
  const clauses = await invoicingClauses(deps, sentRows);
  await deps.db.transaction(async () => {
    const events: NewEvent[] = [];
    for (const row of sentRows) {
      const state = states.get(row.id);
      if (!state || state.state === 'processing') {
        result.processing++;
        continue;
      }
      events.push(await recordState(deps, row, state, clauses.get(row.id) ?? null, input.now));
      result[state.state]++;
    }
    await deps.eventLog.append(events);
  });
  return result;
}

async function recordState(
  deps: KsefSubmissionDeps,
  row: InvoiceRow,
  state: Exclude<KsefInvoiceState, { state: 'processing' }>,
  clause: string | null,
  now: Date,
): Promise<NewEvent> {
  const base = {
    chainId: row.accountId,
    clause,
    actor: 'system',
    cause: `ksef:${row.ksefSessionRef}`,
    occurredAt: now,
  };
  if (state.state === 'accepted') {
    await deps.db.q
      .update(invoices)
      .set({ ksefStatus: 'accepted', ksefNumber: state.ksefNumber, ksefUpo: state.upo, ksefAcceptedAt: now })
      .where(and(eq(invoices.id, row.id), eq(invoices.ksefStatus, 'sent')));
    return {
      ...base,
      type: 'invoice.ksef_accepted',
      data: { invoice: row.id, number: row.number, ksefNumber: state.ksefNumber, upo: state.upo !== null },
    };
  }
  const error = `${state.code} ${state.description}${state.details.length ? `: ${state.details.join('; ')}` : ''}`;
  await deps.db.q
    .update(invoices)
    .set({ ksefStatus: 'rejected', ksefError: error.slice(0, 2000) })
    .where(and(eq(invoices.id, row.id), eq(invoices.ksefStatus, 'sent')));
  return {
    ...base,
    type: 'invoice.ksef_rejected',
    data: { invoice: row.id, number: row.number, code: state.code, reason: state.description },
  };
}

/**
 * The pending invoices that may go now. A correction whose original is still on its way to KSeF waits; one
 * whose original was accepted is made to name it by its KSeF number before it is sent.
 */
async function withOriginalKsefNumbers(deps: KsefSubmissionDeps, rows: InvoiceRow[]): Promise<InvoiceRow[]> {
  const ready: InvoiceRow[] = [];
  for (const row of rows) {
    if (row.kind !== 'KOR' || row.ksefXml === null) {
      ready.push(row);
      continue;
    }
    const document = invoiceDocumentFromJson(row.document);
    const original = document.correction?.original;
    if (!original || original.ksefNumber) {
      ready.push(row);
      continue;
    }
    const [corrected] = await deps.db.q
      .select()
      .from(invoices)
      .where(
        and(
          eq(invoices.accountId, row.accountId),
          eq(invoices.number, original.number),
          sql`${invoices.kind} <> 'KOR'`,
        ),
      );
    if (corrected?.ksefStatus === 'pending' || corrected?.ksefStatus === 'sent') continue;
    if (corrected?.ksefStatus !== 'accepted' || !corrected.ksefNumber) {
      ready.push(row);
      continue;
    }
    original.ksefNumber = corrected.ksefNumber;
    const xml = renderFa3(document, { createdAt: row.createdAt });
    await deps.db.transaction(async () => {
      await deps.db.q
        .update(invoices)
        .set({ document: invoiceDocumentToJson(document), ksefXml: xml })
        .where(and(eq(invoices.id, row.id), eq(invoices.ksefStatus, 'pending')));
    });
    ready.push({ ...row, document: invoiceDocumentToJson(document), ksefXml: xml });
  }
  return ready;
}

/** The clause each invoice's period is invoiced under (CM-BIL-09, QU-BIL-05/06), through its subscription. */
async function invoicingClauses(
  deps: KsefSubmissionDeps,
  rows: InvoiceRow[],
): Promise<Map<string, string | null>> {
  const ids = [...new Set(rows.flatMap((r) => (r.subscriptionId ? [r.subscriptionId] : [])))];
  const subs = ids.length
    ? await deps.db.q.select().from(subscriptions).where(inArray(subscriptions.id, ids))
    : [];
  const byId = new Map(subs.map((s) => [s.id, s]));
  return new Map(
    rows.map((r) => {
      const sub = r.subscriptionId ? byId.get(r.subscriptionId) : undefined;
      return [r.id, sub ? deps.policyOf(sub.policyVersionId).billing.clauses.invoicing[sub.frequency] : null];
    }),
  );
}
