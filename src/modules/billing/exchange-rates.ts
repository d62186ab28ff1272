import { and, between, desc, eq, sql } from 'drizzle-orm';
import { addDays, type LocalDate, makeBusinessCalendar } from '../../platform/calendar.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError, errorMessage } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import { billingErrors } from './billing-errors.ts';
import { exchangeRates } from './billing-schema.ts';
import type { ExchangeRate } from './invoice-document.ts';
import {
  NBP_MAX_DAYS_BACK,
  type NbpRate,
  parseNbpTable,
  rateForTaxPoint,
  toExchangeRate,
  vatErrors,
} from './vat/index.ts';

/** The chain exchange-rate imports are evidenced on (they belong to no account). */
export const EXCHANGE_RATES_CHAIN = 'system:exchange-rates';

export type ImportedRates = {
  /** Rates stored by this import. */
  added: number;
  /** Rates already on record (the same table imported again): left as they were. */
  known: number;
  currencies: string[];
  from: LocalDate | null;
  to: LocalDate | null;
};

/**
 * Imports NBP average rates (the JSON of api.nbp.pl, tables A or B, whole tables or one currency's series) as
 * data. A published rate never changes, so a rate already on record is kept and counted as `known`; a file
 * that is not an NBP table is refused whole (`billing.nbp_table_invalid`) and stores nothing. Writes one
 * `exchange_rates.imported` event (counts and dates only) when anything was added. Joins the caller's
 * transaction.
 */
export async function importExchangeRates(
  deps: { db: Database; eventLog: EventLog },
  input: { json: unknown; at: Date; actor: string },
): Promise<ImportedRates> {
  const rates = parseNbpTable(input.json);
  if (rates.length === 0)
    throw new AppError(vatErrors['billing.nbp_table_invalid'], {
      details: { problem: 'the table has no rates' },
    });
  return deps.db.transaction(async () => {
    const inserted = await deps.db.q
      .insert(exchangeRates)
      .values(
        rates.map((r) => ({
          currency: r.currency,
          effectiveDate: r.date,
          tableNo: r.table,
          midPln: r.midPln,
          importedAt: input.at,
        })),
      )
      .onConflictDoNothing()
      .returning({ currency: exchangeRates.currency });
    const dates = rates.map((r) => r.date).sort();
    const result: ImportedRates = {
      added: inserted.length,
      known: rates.length - inserted.length,
      currencies: [...new Set(rates.map((r) => r.currency))].sort(),
      from: dates[0] ?? null,
      to: dates.at(-1) ?? null,
    };
    if (result.added > 0)
      await deps.eventLog.append([
        {
          chainId: EXCHANGE_RATES_CHAIN,
          type: 'exchange_rates.imported',
          clause: null,
          actor: input.actor,
          occurredAt: input.at,
          data: { ...result, tables: [...new Set(rates.map((r) => r.table))].sort() },
        },
      ]);
    return result;
  });
}

/** The rates on record for `currency` published between `from` and `to`, newest first. */
export async function exchangeRatesBetween(
  db: Database,
  currency: string,
  from: LocalDate,
  to: LocalDate,
): Promise<NbpRate[]> {
  const rows = await db.q
    .select()
    .from(exchangeRates)
    .where(
      and(eq(exchangeRates.currency, currency.toUpperCase()), between(exchangeRates.effectiveDate, from, to)),
    )
    .orderBy(desc(exchangeRates.effectiveDate), exchangeRates.tableNo);
  return rows.map((r) => ({
    currency: r.currency,
    date: r.effectiveDate,
    table: r.tableNo,
    midPln: r.midPln,
  }));
}

/** Every rate on record, newest first, at most `limit`: what `GET /v1/exchange-rates` lists. */
export async function listExchangeRates(
  db: Database,
  filter: { currency?: string | undefined; limit: number },
): Promise<NbpRate[]> {
  const rows = await db.q
    .select()
    .from(exchangeRates)
    .where(filter.currency ? eq(exchangeRates.currency, filter.currency.toUpperCase()) : sql`true`)
    .orderBy(desc(exchangeRates.effectiveDate), exchangeRates.currency)
    .limit(filter.limit);
  return rows.map((r) => ({
    currency: r.currency,
    date: r.effectiveDate,
    table: r.tableNo,
    midPln: r.midPln,
  }));
}

/**
 * The NBP rate a Polish seller's invoice in `currency` converts its VAT with: the rate of the last Polish
 * business day before `taxPoint` that has a table on record, at most `NBP_MAX_DAYS_BACK` days back (ustawa
 * o VAT art. 31a ust. 1). A rate not yet imported is `billing.exchange_rate_missing`: the caller issues
 * nothing (an order is refused; a renewal's due item fails and is retried, then parked with the error).
 */
export async function exchangeRateFor(
  db: Database,
  currency: string,
  taxPoint: LocalDate,
): Promise<ExchangeRate> {
  const rates = await exchangeRatesBetween(
    db,
    currency,
    addDays(taxPoint, -NBP_MAX_DAYS_BACK),
    addDays(taxPoint, -1),
  );
  try {
    return toExchangeRate(rateForTaxPoint(rates, currency, taxPoint, makeBusinessCalendar('PL')));
  } catch (error) {
    if (error instanceof AppError && error.code === vatErrors['billing.nbp_rate_missing']) {
      const code = billingErrors['billing.exchange_rate_missing'];
      const details = { currency: currency.toUpperCase(), taxPoint, days: NBP_MAX_DAYS_BACK };
      throw new AppError(code, { message: errorMessage(code, 'en', details), details, cause: error });
    }
    throw error;
  }
}
