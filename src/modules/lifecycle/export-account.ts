import { strToU8, Zip, ZipDeflate } from 'fflate';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Policy } from '../../policy/index.ts';
import type { Lifecycle, LifeRow } from './lifecycle.ts';
import { lifecycleErrors } from './lifecycle-errors.ts';

/** One file of the export: its path in the ZIP and its content (text pieces or bytes, produced lazily). */
export type ExportFile = { name: string; content: AsyncIterable<string | Uint8Array> };

/**
 * The parts of the export each module contributes, given at wiring time (the modules own their data and
 * their export formats: entrusted contacts and activity as CSV that imports back, invoices as PDF and
 * FA(3) XML, the privacy side's consents). Each returns its files for the account.
 */
export type ExportSource = (accountId: string, row: LifeRow) => Promise<ExportFile[]> | ExportFile[];

/** States in which the customer's own data can no longer be exported: they are gone. */
const noExport: ReadonlySet<string> = new Set(['purged']);

/**
 * The customer's export of its own data (QU-LIF-10, the export offered by the deletion warning and the
 * purge warnings; BK-LIF-06, MOC-LIF-01): a ZIP with one folder per category, streamed as it is made
 * (files are compressed one after another; a module's file is read only when its turn comes, so the whole
 * export is never held in memory). Available in every state until the account is purged, including the
 * day before a discontinuation and the days of an ended contract before the purge. The export is recorded
 * in the account's log (`account.data_exported`, with the files' names, never their content) before the
 * first byte leaves.
 */
export function makeAccountExport(deps: {
  lifecycle: Pick<Lifecycle, 'get'>;
  eventLog: EventLog;
  ids: IdGenerator;
  policyOf: (versionId: string) => Policy;
  timeOf: (clockId: string | null) => Promise<Date>;
  transaction: <T>(fn: () => Promise<T>) => Promise<T>;
  sources: readonly ExportSource[];
}) {
  async function exportAccount(input: {
    accountId: string;
    actor: string;
  }): Promise<{ fileName: string; files: string[]; zip: AsyncGenerator<Uint8Array> }> {
    const row = await deps.lifecycle.get(input.accountId);
    if (noExport.has(row.state))
      throw new AppError(lifecycleErrors.export_unavailable, { details: { state: row.state } });
    const now = await deps.timeOf(row.clockId);
    const files: ExportFile[] = [];
    for (const source of deps.sources) files.push(...(await source(input.accountId, row)));
    const id = deps.ids.next('exp');
    const policy = deps.policyOf(row.policyVersionId);
    await deps.transaction(() =>
      deps.eventLog.append([
        {
          chainId: input.accountId,
          type: 'account.data_exported',
          clause: policy.termination.clauses.discontinuation ?? null,
          actor: input.actor,
          cause: `request:${id}`,
          occurredAt: now,
          data: { export: id, format: 'zip', files: files.length, state: row.state },
        },
      ]),
    );
    const day = now.toISOString().slice(0, 10);
    return {
      fileName: `${input.accountId}-export-${day}.zip`,
      files: files.map((f) => f.name),
      zip: zipOf(files, now),
    };
  }

  return { exportAccount };
}

/** A ZIP of `files`, compressed one after another, yielded as its bytes are made. */
export async function* zipOf(files: readonly ExportFile[], mtime: Date): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else out.push(chunk);
  });
  function* drain(): Generator<Uint8Array> {
    if (failure) throw failure;
    while (out.length > 0) yield out.shift()!;
  }
  for (const file of files) {
    const entry = new ZipDeflate(file.name, { level: 6 });
    // The account's time, not the machine's: the same export on a test clock is the same ZIP.
    entry.mtime = mtime;
    zip.add(entry);
    for await (const piece of file.content) {
      entry.push(typeof piece === 'string' ? strToU8(piece) : piece);
      yield* drain();
    }
    entry.push(new Uint8Array(0), true);
    yield* drain();
  }
  zip.end();
  yield* drain();
}

/** A file made of one text, produced when its turn comes. */
export function textFile(name: string, make: () => Promise<string> | string): ExportFile {
  return {
    name,
    content: (async function* () {
      yield await make();
    })(),
  };
}

/** A JSON file (bigints as strings, dates as ISO 8601), produced when its turn comes. */
export function jsonFile(name: string, make: () => Promise<unknown> | unknown): ExportFile {
  return textFile(name, async () =>
    JSON.stringify(await make(), (_key, value) => (typeof value === 'bigint' ? value.toString() : value), 2),
  );
}
