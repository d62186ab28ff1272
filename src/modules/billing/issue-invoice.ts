import type { LocalDate } from '../../platform/calendar.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import { formatMoney, type Money, money, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountProfile } from '../accounts/index.ts';
import type { AccountContact } from '../lifecycle/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import { type BillingDeps, type InvoiceSeries, invoiceSeriesFor } from './billing-context.ts';
import type { invoices } from './billing-schema.ts';
import type { InvoiceRow } from './billing-store.ts';
import { exchangeRateFor } from './exchange-rates.ts';
import type { ExchangeRate, PaymentTerms } from './invoice-document.ts';
import { invoiceDocumentToJson } from './invoice-json.ts';
import { sequenceScope, takeInvoiceNumber, takeInvoiceNumbers } from './invoice-numbering.ts';
import {
  type Buyer,
  deemedDeliveryDate,
  invoiceDocument,
  invoiceDueDate,
  invoiceTaxPoint,
  issuesKsefInvoices,
} from './invoice-rules.ts';
import { renderFa3 } from './ksef/index.ts';
import type { Frequency, Period } from './periods.ts';
import type { VatDecision } from './vat/index.ts';

/** The buyer as the account's company data stand, with the language its invoices are written in. */
export function buyerOf(
  profile: Pick<AccountProfile, 'companyName' | 'taxId' | 'country' | 'address' | 'locale'>,
  contact: AccountContact | undefined,
  /** VIES's last answer about `profile.taxId` (`vatIdStatusOf`); null when never checked. */
  vatIdValid: boolean | null = null,
): { buyer: Buyer; language: 'pl' | 'en' } {
  return {
    buyer: {
      companyName: profile.companyName ?? contact?.companyName ?? '',
      taxId: profile.taxId,
      country: profile.country ?? profile.address?.country ?? '',
      address: profile.address,
      email: contact?.email ?? null,
      vatIdValid,
    },
    language: profile.locale === 'en' ? 'en' : 'pl',
  };
}

/**
 * Issues an invoice inside the caller's transaction (the payment or order it documents commits with it, or
 * neither does): the next number of the policy's series (`billing.invoiceSeries`, `TEST/…` on a test
 * clock), gapless (`FV/2026/03/0001`); the document with seller and buyer frozen as they are today; for a
 * Polish seller invoicing in another currency, the NBP rate of the last business day before the tax point
 * and the VAT in PLN (a rate not imported yet throws `billing.exchange_rate_missing` and nothing is issued);
 * the due date from the payment terms where it is not paid yet; the day it is deemed delivered where the
 * policy says so (QU-BIL-07: the next business day); and, for a Polish seller, the KSeF FA(3) XML, queued for
 * submission to KSeF unless it is a sandbox invoice. Amounts already received (a card payment, credit) are
 * recorded on it. Leaves to the caller: the events and mails that announce it (`invoiceIssued`).
 */
export type InvoiceInput = {
  policy: Policy;
  accountId: string;
  subscriptionId: string | null;
  issueDate: LocalDate;
  period: Period;
  items: readonly { description: string; net: Money }[];
  vat: VatDecision | null;
  buyer: Buyer;
  language: 'pl' | 'en';
  /** What was received for it before it was issued (CM-BIL-09: the whole amount, by card). */
  received: { amount: Money; method: 'card' | 'transfer' | 'other' } | null;
  /** Domain time of issue (the account's clock). */
  at: Date;
  /** The account's test clock: sandbox invoices are numbered in their own series. */
  clockId: string | null;
};

export async function issueInvoice(
  deps: Pick<BillingDeps, 'db' | 'store' | 'ids'>,
  input: InvoiceInput,
): Promise<InvoiceRow> {
  const series = invoiceSeriesFor(input.clockId, input.policy);
  const exchangeRate = await exchangeRateOf(deps, input);
  const { number } = await takeInvoiceNumber(deps.db, { ...series, issueDate: input.issueDate });
  return deps.store.insertInvoice(invoiceRow(deps, input, series.series, number, exchangeRate));
}

/**
 * `issueInvoice` for a batch (renewals), inside the caller's transaction: the numbers of each series taken
 * at once, consecutive in the order of `inputs` (`takeInvoiceNumbers`), the exchange rates read once per
 * currency and tax point, the documents and FA(3) XML made per invoice, and the rows inserted together.
 * Returns the invoices in the order of `inputs`. A missing rate throws and nothing is issued.
 */
export async function issueInvoices(
  deps: Pick<BillingDeps, 'db' | 'store' | 'ids'>,
  inputs: readonly InvoiceInput[],
): Promise<InvoiceRow[]> {
  if (inputs.length === 0) return [];
  const rates = new Map<string, Promise<ExchangeRate | null>>();
  const groups = new Map<string, { series: InvoiceSeries; issueDate: LocalDate; at: number[] }>();
  inputs.forEach((input, i) => {
    const series = invoiceSeriesFor(input.clockId, input.policy);
    const key = `${series.series}\u0000${series.pattern}\u0000${sequenceScope(series.pattern, input.issueDate)}`;
    const group = groups.get(key);
    if (group) group.at.push(i);
    else groups.set(key, { series, issueDate: input.issueDate, at: [i] });
  });
  const exchangeRates: (ExchangeRate | null)[] = [];
  for (const input of inputs) {
    const key = `${input.policy.locale.currency}\u0000${invoiceTaxPoint(input.policy, input.issueDate)}`;
    if (!rates.has(key)) rates.set(key, exchangeRateOf(deps, input));
    exchangeRates.push(await rates.get(key)!);
  }
  const numbers: { series: string; number: string }[] = [];
  // Counters locked in one order (series, scope), so two batches never wait on each other in a cycle.
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key)!;
    const taken = await takeInvoiceNumbers(deps.db, {
      ...group.series,
      issueDate: group.issueDate,
      count: group.at.length,
    });
    group.at.forEach((i, n) => {
      numbers[i] = { series: group.series.series, number: taken[n]! };
    });
  }
  return deps.store.insertInvoices(
    inputs.map((input, i) =>
      invoiceRow(deps, input, numbers[i]!.series, numbers[i]!.number, exchangeRates[i]!),
    ),
  );
}

async function exchangeRateOf(
  deps: Pick<BillingDeps, 'db'>,
  input: Pick<InvoiceInput, 'policy' | 'issueDate'>,
): Promise<ExchangeRate | null> {
  const currency = input.policy.locale.currency;
  return issuesKsefInvoices(input.policy) && currency !== 'PLN'
    ? await exchangeRateFor(deps.db, currency, invoiceTaxPoint(input.policy, input.issueDate))
    : null;
}

/** The invoice row for `input` under `number`: the frozen document, its status and due date, FA(3) XML. */
function invoiceRow(
  deps: Pick<BillingDeps, 'ids'>,
  input: InvoiceInput,
  series: string,
  number: string,
  exchangeRate: ExchangeRate | null,
): typeof invoices.$inferInsert {
  const draft = invoiceDocument({
    exchangeRate,
    policy: input.policy,
    number,
    issueDate: input.issueDate,
    period: input.period,
    buyer: input.buyer,
    items: input.items,
    vat: input.vat,
    payment: { dueDate: null, paid: null, bankAccount: null },
    language: input.language,
  });
  const gross = draft.totals.gross;
  const paid = input.received?.amount ?? money(0n, gross.currency);
  const fullyPaid = paid.amount >= gross.amount;
  const payment: PaymentTerms = {
    dueDate: fullyPaid ? null : invoiceDueDate(input.policy, input.issueDate),
    paid:
      input.received && paid.amount > 0n
        ? { at: input.issueDate, amount: paid, method: input.received.method }
        : null,
    bankAccount: null,
  };
  const document = { ...draft, payment };
  return {
    id: deps.ids.next('inv'),
    accountId: input.accountId,
    subscriptionId: input.subscriptionId,
    series,
    number,
    kind: 'VAT',
    status: fullyPaid ? 'paid' : paid.amount > 0n ? 'partially_paid' : 'issued',
    issueDate: input.issueDate,
    dueDate: payment.dueDate,
    deemedDeliveredOn: deemedDeliveryDate(input.policy, input.issueDate),
    periodFrom: input.period.from,
    periodTo: input.period.to,
    currency: gross.currency,
    net: document.totals.net.amount,
    vat: document.totals.vat.amount,
    gross: gross.amount,
    amountPaid: paid.amount,
    document: invoiceDocumentToJson(document),
    ksefXml: issuesKsefInvoices(input.policy) ? renderFa3(document, { createdAt: input.at }) : null,
    createdAt: input.at,
  };
}

/** The event and the mail that announce an issued invoice (CM-BIL-09, BK-BIL-07, QU-BIL-05/06). */
export function invoiceIssued(
  deps: Pick<BillingDeps, 'portalUrl'>,
  input: {
    policy: Policy;
    invoice: InvoiceRow;
    frequency: Frequency;
    planCode: string;
    contact: AccountContact | undefined;
    actor: string;
    cause: string;
  },
): { event: NewEvent; mail: NotificationRequest | null } {
  const { policy, invoice, contact } = input;
  const clause = policy.billing.clauses.invoicing[input.frequency];
  const amount = (minor: bigint) => toDecimalString(money(minor, invoice.currency));
  const event: NewEvent = {
    chainId: invoice.accountId,
    type: 'invoice.issued',
    clause,
    actor: input.actor,
    cause: input.cause,
    occurredAt: invoice.createdAt,
    data: {
      invoice: invoice.id,
      number: invoice.number,
      issueDate: invoice.issueDate,
      dueDate: invoice.dueDate,
      status: invoice.status,
      currency: invoice.currency,
      net: amount(invoice.net),
      vat: amount(invoice.vat),
      gross: amount(invoice.gross),
      subscription: invoice.subscriptionId,
      ksef: invoice.ksefXml !== null,
      ksefStatus: invoice.ksefStatus,
      deemedDeliveredOn: invoice.deemedDeliveredOn,
    },
  };
  if (!contact) return { event, mail: null };
  const locale = contact.locale;
  const common = {
    accountId: invoice.accountId,
    recipient: contact.email,
    locale,
    clause,
    dedupeKey: `billing.invoice:${invoice.id}`,
    occurredAt: invoice.createdAt,
  };
  const params = {
    planName: planName(policy, input.planCode, locale),
    invoiceNumber: invoice.number,
    issueDate: invoice.issueDate,
    amount: formatMoney(money(invoice.gross, invoice.currency), locale),
    invoiceUrl: `${deps.portalUrl}/billing/invoices/${invoice.id}`,
  };
  const mail: NotificationRequest =
    invoice.status === 'paid'
      ? { ...common, template: 'billing.invoice_issued', params }
      : {
          ...common,
          template: 'billing.invoice_awaiting_payment',
          params: { ...params, dueDate: invoice.dueDate ?? invoice.issueDate },
        };
  return { event, mail };
}

export function planName(policy: Policy, code: string, locale: 'pl' | 'en'): string {
  return policy.plans.find((p) => p.code === code)?.name[locale] ?? code;
}
