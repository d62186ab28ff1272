import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { localDateOf } from '../../platform/calendar.ts';
import { type ProcessorsDeps, REGISTRY_CHAIN } from './processors-context.ts';
import { type RecordRow, recordColumns, recordsCsv, recordsOfProcessing } from './processors-rules.ts';
import { listRegistry } from './sub-processors.ts';

/** The same embedded font the invoices use (npm `dejavu-fonts-ttf`): every Polish and Czech letter prints. */
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');

const labels = {
  pl: {
    title: {
      controller: 'Rejestr czynności przetwarzania (administrator)',
      processor: 'Rejestr kategorii czynności przetwarzania (podmiot przetwarzający)',
    },
    basis: { controller: 'art. 30 ust. 1 RODO', processor: 'art. 30 ust. 2 RODO' },
    asOf: 'Stan na',
    columns: {
      role: 'Rola',
      activity: 'Czynność',
      name: 'Nazwa',
      controller: 'Administrator',
      processor: 'Podmiot przetwarzający',
      contact: 'Kontakt',
      dataSubjects: 'Kategorie osób',
      dataCategories: 'Kategorie danych',
      recipients: 'Odbiorcy',
      transfers: 'Przekazania poza EOG',
      retention: 'Okres przechowywania',
      security: 'Środki bezpieczeństwa',
      clause: 'Klauzula',
    },
  },
  en: {
    title: {
      controller: 'Records of processing activities (controller)',
      processor: 'Records of categories of processing (processor)',
    },
    basis: { controller: 'GDPR art. 30(1)', processor: 'GDPR art. 30(2)' },
    asOf: 'As of',
    columns: {
      role: 'Role',
      activity: 'Activity',
      name: 'Name',
      controller: 'Controller',
      processor: 'Processor',
      contact: 'Contact',
      dataSubjects: 'Data subjects',
      dataCategories: 'Data categories',
      recipients: 'Recipients',
      transfers: 'Transfers outside the EEA',
      retention: 'Retention',
      security: 'Security measures',
      clause: 'Clause',
    },
  },
} satisfies Record<'pl' | 'en', { columns: Record<keyof RecordRow, string> } & Record<string, unknown>>;

/**
 * The records of processing (GDPR art. 30) for one role, generated now from the current policy and the
 * registry of sub-processors, as CSV or PDF. The export is evidenced (without content).
 */
export async function recordsOfProcessingExport(
  deps: ProcessorsDeps,
  input: { role: 'controller' | 'processor'; format: 'csv' | 'pdf'; lang?: 'pl' | 'en'; actor: string },
): Promise<{ contentType: string; filename: string; body: string | Buffer; rows: number }> {
  const { policy } = deps.current();
  const lang = input.lang ?? policy.locale.defaultLanguage;
  const now = deps.clock.now();
  const registry = (await listRegistry(deps)).filter((e) => e.agreementRecordedAt !== null);
  const rows = recordsOfProcessing(policy, input.role, registry, lang);
  const asOf = localDateOf(now, policy.locale.timeZone);
  await deps.eventLog.appendOne({
    chainId: REGISTRY_CHAIN,
    type: 'processors.records_exported',
    clause: input.role === 'processor' ? (policy.processor.clauses.audit ?? null) : null,
    actor: input.actor,
    occurredAt: now,
    data: { role: input.role, format: input.format, rows: rows.length },
  });
  const filename = `records-of-processing-${input.role}-${asOf}.${input.format}`;
  if (input.format === 'csv') {
    return { contentType: 'text/csv; charset=utf-8', filename, body: recordsCsv(rows), rows: rows.length };
  }
  const body = await renderRecordsPdf(rows, {
    role: input.role,
    lang,
    asOf,
    at: now,
    operator: policy.operator.legalName,
  });
  return { contentType: 'application/pdf', filename, body, rows: rows.length };
}

/** One block per activity: each field on its own line, labelled, in the register's language. */
export async function renderRecordsPdf(
  rows: readonly RecordRow[],
  meta: { role: 'controller' | 'processor'; lang: 'pl' | 'en'; asOf: string; at: Date; operator: string },
): Promise<Buffer> {
  const l = labels[meta.lang];
  const title = l.title[meta.role];
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 48,
    lang: meta.lang === 'pl' ? 'pl-PL' : 'en-GB',
    info: {
      Title: title,
      Author: meta.operator,
      Creator: 'Klauzula',
      Producer: 'Klauzula',
      CreationDate: meta.at,
    },
  });
  pdf.registerFont('body', join(fontDir, 'DejaVuSans.ttf'));
  pdf.registerFont('bold', join(fontDir, 'DejaVuSans-Bold.ttf'));
  const chunks: Buffer[] = [];
  pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  pdf.font('bold').fontSize(15).text(title);
  pdf.font('body').fontSize(9).text(`${meta.operator} · ${l.basis[meta.role]} · ${l.asOf} ${meta.asOf}`);
  pdf.moveDown();
  for (const row of rows) {
    pdf.font('bold').fontSize(11).text(`${row.name} (${row.activity})`);
    for (const column of recordColumns) {
      if (column === 'name' || column === 'activity' || row[column] === '') continue;
      pdf.font('bold').fontSize(9).text(`${l.columns[column]}: `, { continued: true });
      pdf.font('body').text(row[column]);
    }
    pdf.moveDown();
  }
  pdf.end();
  return done;
}
