import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type CsvError, parse } from 'csv-parse';
import type { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import {
  type ContactData,
  ContactInput,
  type ContactKey,
  CUSTOM_PREFIX,
  type CustomValues,
  checkHeader,
  contactFields,
} from './contact-fields.ts';
import { accountNow, type EntrustedDeps } from './entrusted-context.ts';
import { retentionCategoryFor } from './entrusted-rules.ts';
import { insertContacts, type NewContact, registerCustomFields } from './entrusted-store.ts';

export type ImportMode = 'all_or_nothing' | 'partial';

export type ImportProblem = { line: number; column: string | null; message: string };

export type ImportReport = {
  mode: ImportMode;
  imported: number;
  rejected: number;
  /** The first problems, in file order (at most `MAX_REPORTED`). */
  problems: ImportProblem[];
  problemsTruncated: boolean;
  customFieldsAdded: string[];
};

export const IMPORT_LIMITS = { maxRows: 1_000_000, maxBytes: 200 * 1024 * 1024, batch: 2000 } as const;
const MAX_REPORTED = 100;

const columnOfKey = new Map<string, string>(contactFields.map((f) => [f.key, f.column]));

/**
 * Imports the customer's contacts from a CSV file (UTF-8, optional BOM, header line first: the standard
 * columns of `contactFields` and `custom:<key>` for the customer's own fields), read as a stream and
 * validated row by row (QU art. 10.6: disclosure by import; QU-PRC-02, BK-PRC-01: the entrusted
 * categories plus the customer's fields, each new custom field recorded with its creation date).
 *
 * `all_or_nothing` (the default): one transaction; the first bad row stops the writing, the rest of the file
 * is still read to report every problem with its line (the header is line 1; a quoted value spanning lines
 * is reported at the line it starts), and then nothing is stored. `partial`: the good rows are stored, the
 * bad ones listed. Either way one event records the counts (no personal data). The transaction stays open
 * while the file is read, so a slow upload holds one database connection (on PGlite, the only one) for its
 * duration; at most `IMPORT_LIMITS` rows and bytes per file.
 */
export async function importContacts(
  deps: EntrustedDeps,
  input: {
    accountId: string;
    source: NodeJS.ReadableStream | AsyncIterable<Buffer | string>;
    mode?: ImportMode;
    actor: string;
  },
): Promise<ImportReport> {
  const mode = input.mode ?? 'all_or_nothing';
  const { policy, now } = await accountNow(deps, input.accountId);
  const category = retentionCategoryFor(policy, 'contact');

  return deps.db.transaction(async () => {
    const problems: ImportProblem[] = [];
    let problemCount = 0;
    let imported = 0;
    let rows = 0;
    let columns: Extract<ReturnType<typeof checkHeader>, { ok: true }>['columns'] | null = null;
    let batch: NewContact[] = [];
    const customKeys = new Set<string>();
    let lastLine = 0;

    const report = (p: ImportProblem) => {
      problemCount++;
      if (problems.length < MAX_REPORTED) problems.push(p);
    };
    const flush = async () => {
      if (batch.length === 0) return;
      if (mode === 'partial' || problemCount === 0)
        await insertContacts(deps.db, input.accountId, category?.id ?? null, now, batch);
      batch = [];
    };

    const parser = parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: 64 * 1024,
      on_skip: (error: CsvError | undefined) => {
        const line = typeof error?.lines === 'number' ? error.lines : lastLine + 1;
        report({ line, column: null, message: csvProblem(error) });
        lastLine = line;
        return undefined;
      },
    });

    const consume = async (records: AsyncIterable<{ record: string[]; info: { lines: number } }>) => {
      for await (const { record, info } of records) {
        const line = info.lines - newlinesIn(record);
        lastLine = info.lines;
        if (!columns) {
          const header = checkHeader(record);
          if (!header.ok) {
            for (const message of header.problems) report({ line, column: null, message });
            throw new AppError('entrusted.import_invalid', {
              details: { count: problemCount, problems, problemsTruncated: false },
            });
          }
          columns = header.columns;
          continue;
        }
        rows++;
        if (rows > IMPORT_LIMITS.maxRows) throw tooLarge();
        const parsed = contactOf(columns, record);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            const [first, second] = issue.path;
            const column =
              first === 'custom'
                ? `${CUSTOM_PREFIX}${String(second)}`
                : (columnOfKey.get(String(first)) ?? null);
            report({ line, column, message: issue.message });
          }
          continue;
        }
        const { custom, ...data } = parsed.data;
        for (const key of Object.keys(custom ?? {})) customKeys.add(key);
        batch.push({ id: deps.ids.next('ctc'), data: data as ContactData, custom: custom ?? {} });
        imported++;
        if (batch.length >= IMPORT_LIMITS.batch) await flush();
      }
    };

    await pipeline(input.source, byteLimit(IMPORT_LIMITS.maxBytes), parser, consume);
    // The parser reports unreadable lines as it reads ahead of the rows being validated: file order.
    problems.sort((a, b) => a.line - b.line);
    if (!columns) {
      report({ line: 1, column: null, message: 'the file is empty: a header line is expected' });
    }
    if (problemCount > 0 && mode === 'all_or_nothing')
      throw new AppError('entrusted.import_invalid', {
        details: { count: problemCount, problems, problemsTruncated: problemCount > problems.length },
      });
    await flush();

    const customFieldsAdded =
      imported > 0
        ? await registerCustomFields(deps.db, input.accountId, [...customKeys], now, input.actor)
        : [];
    await deps.eventLog.append([
      {
        chainId: input.accountId,
        type: 'entrusted.contacts_imported',
        actor: input.actor,
        occurredAt: now,
        data: { mode, imported, rejected: problemCount, customFieldsAdded },
      },
    ]);
    return {
      mode,
      imported,
      rejected: problemCount,
      problems,
      problemsTruncated: problemCount > problems.length,
      customFieldsAdded,
    };
  });
}

function contactOf(
  columns: ({ kind: 'field'; key: ContactKey } | { kind: 'custom'; key: string } | null)[],
  record: readonly string[],
): z.ZodSafeParseResult<ContactInput> {
  const value: Record<string, unknown> = {};
  let custom: CustomValues | undefined;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    const cell = record[i];
    if (!column || cell === undefined || cell === '') continue;
    if (column.kind === 'field') value[column.key] = cell;
    else {
      custom ??= {};
      custom[column.key] = cell;
    }
  }
  if (custom) value.custom = custom;
  return ContactInput.safeParse(value);
}

function newlinesIn(record: readonly string[]): number {
  let n = 0;
  for (const cell of record) {
    if (!cell.includes('\n')) continue;
    for (const ch of cell) if (ch === '\n') n++;
  }
  return n;
}

function csvProblem(error: CsvError | undefined): string {
  switch (error?.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'the line has a different number of fields than the header';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is not closed before the end of the file';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote inside a quoted field must be doubled ("")';
    case 'CSV_MAX_RECORD_SIZE':
      return 'the line is longer than 64 KB';
    default:
      return error?.message ?? 'the line cannot be read as CSV';
  }
}

function tooLarge(): AppError {
  return new AppError('entrusted.import_too_large', {
    details: { maxRows: IMPORT_LIMITS.maxRows, maxMegabytes: IMPORT_LIMITS.maxBytes / 1024 / 1024 },
  });
}

/** Passes bytes through until `max` have gone by, then fails the pipeline. */
function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback) {
      seen += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (seen > max) done(tooLarge());
      else done(null, chunk);
    },
  });
}
