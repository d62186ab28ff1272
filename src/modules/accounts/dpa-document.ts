/**
 * The data-processing agreement as the customer accepted it (CM-PRC-01): the DPA is an integral part of the
 * Terms of Service, accepted with them at signup (its version stored with the acceptance), and downloadable
 * from the account at any time as a PDF generated from the policy: the parties, the versions accepted and
 * when, whom it applies to, and the processing terms the policy sets (entrusted categories, sub-processors,
 * breach notice, deletion after the contract, audits). Each download is evidenced.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import PDFDocument from 'pdfkit';
import { AppError, defineErrors } from '../../platform/errors.ts';
import { acceptances } from './acceptances-schema.ts';
import type { AccountsDeps } from './accounts-context.ts';
import { accounts } from './accounts-schema.ts';

const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');

export const dpaErrors = defineErrors({
  'accounts.dpa_not_accepted': {
    status: 404,
    en: 'This account has not accepted a data-processing agreement.',
    pl: 'To konto nie zaakceptowało umowy powierzenia przetwarzania danych.',
  },
});

const labels = {
  pl: {
    integral: (terms: string) => `Umowa powierzenia jest integralną częścią Regulaminu (wersja ${terms}).`,
    appliesTo: {
      all_customers: 'Dotyczy wszystkich Klientów.',
      eea_or_gdpr_customers: 'Dotyczy Klientów działających w EOG lub w inny sposób podlegających RODO.',
    },
    processor: 'Podmiot przetwarzający',
    controller: 'Administrator',
    accepted: 'Zaakceptowano',
    categories: 'Kategorie powierzonych danych',
    subProcessors: 'Podmioty podprzetwarzające',
    deletion: (days: number | null) =>
      days === null
        ? 'Usunięcie danych po zakończeniu umowy: zgodnie z Regulaminem.'
        : `Usunięcie danych w ciągu ${days} dni od zakończenia umowy.`,
    breach: (h: number | null) => (h === null ? '' : `Zawiadomienie o naruszeniu w ciągu ${h} godzin.`),
    version: 'Wersja',
  },
  en: {
    integral: (terms: string) =>
      `This agreement is an integral part of the Terms of Service (version ${terms}).`,
    appliesTo: {
      all_customers: 'It applies to every Client.',
      eea_or_gdpr_customers: 'It applies to Clients operating in the EEA or otherwise subject to the GDPR.',
    },
    processor: 'Processor',
    controller: 'Controller',
    accepted: 'Accepted',
    categories: 'Categories of entrusted data',
    subProcessors: 'Sub-processors',
    deletion: (days: number | null) =>
      days === null
        ? 'Deletion after the contract: as the Terms say.'
        : `Data deleted within ${days} days after the contract ends.`,
    breach: (h: number | null) => (h === null ? '' : `Breaches notified within ${h} hours.`),
    version: 'Version',
  },
};

export async function dpaDocument(
  deps: AccountsDeps,
  input: { accountId: string; lang: 'pl' | 'en'; actor: string },
): Promise<{ filename: string; body: Buffer; version: string }> {
  const { policy } = deps.current();
  const [account] = await deps.db.q.select().from(accounts).where(eq(accounts.id, input.accountId));
  if (!account) throw new AppError('request.not_found');
  const rows = await deps.db.q
    .select()
    .from(acceptances)
    .where(and(eq(acceptances.accountId, input.accountId)));
  const dpa = rows.filter((r) => r.documentKind === 'dpa').at(-1);
  if (!dpa) throw new AppError(dpaErrors['accounts.dpa_not_accepted']);
  const terms = rows.filter((r) => r.documentKind === 'terms').at(-1);
  const doc = policy.documents.find((d) => d.kind === 'dpa');
  const l = labels[input.lang];
  const now = await deps.timeOf(account.clockId);
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 48,
    lang: input.lang === 'pl' ? 'pl-PL' : 'en-GB',
    info: {
      Title: doc?.title[input.lang] ?? 'DPA',
      Author: policy.operator.legalName,
      Creator: 'Klauzula',
      Producer: 'Klauzula',
      CreationDate: now,
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
  const p = policy.processor;
  pdf
    .font('bold')
    .fontSize(15)
    .text(doc?.title[input.lang] ?? 'DPA');
  pdf.font('body').fontSize(10).text(`${l.version} ${dpa.documentVersion}`);
  pdf.moveDown();
  pdf.text(l.integral(terms?.documentVersion ?? '-'));
  pdf.text(l.appliesTo[p.dpaAppliesTo]);
  pdf.moveDown();
  pdf.text(`${l.processor}: ${policy.operator.legalName}`);
  pdf.text(`${l.controller}: ${account.companyName ?? account.registeringPerson ?? input.accountId}`);
  pdf.text(`${l.accepted}: ${dpa.acceptedAt.toISOString()} (${dpa.channel})`);
  pdf.moveDown();
  pdf.font('bold').text(l.categories);
  pdf.font('body').text(p.entrustedCategories.join(', '));
  pdf.moveDown();
  pdf.font('bold').text(l.subProcessors);
  for (const s of p.subProcessors)
    pdf.font('body').text(`${s.name} (${s.location}, ${s.safeguard}): ${s.purpose[input.lang]}`);
  pdf.moveDown();
  pdf.text(l.deletion(p.deletionAfterEndDays));
  const breach = l.breach(policy.notifications.breachNotifyHours.customers);
  if (breach) pdf.text(breach);
  if (doc?.url) pdf.text(doc.url);
  pdf.end();
  const body = await done;
  await deps.eventLog.appendOne({
    chainId: input.accountId,
    type: 'account.dpa_downloaded',
    clause: p.clauses.dpa ?? null,
    actor: input.actor,
    occurredAt: now,
    data: { version: dpa.documentVersion },
  });
  return { filename: `dpa-${dpa.documentVersion}.pdf`, body, version: dpa.documentVersion };
}
