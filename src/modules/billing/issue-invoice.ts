import type { LocalDate } from '../../platform/calendar.ts';
import type { NewEvent } from '../../platform/evidence/event-log.ts';
import { formatMoney, type Money, money, toDecimalString } from '../../platform/money.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountProfile } from '../accounts/index.ts';
import type { AccountContact } from '../lifecycle/index.ts';
import type { NotificationRequest } from '../notifications/index.ts';
import { type BillingDeps, invoiceSeriesFor } from './billing-context.ts';
import type { InvoiceRow } from './billing-store.ts';
import { exchangeRateFor } from './exchange-rates.ts';
import type { PaymentTerms } from './invoice-document.ts';
import { invoiceDocumentToJson } from './invoice-json.ts';
import { takeInvoiceNumber } from './invoice-numbering.ts';
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
export async function issueInvoice(
  deps: Pick<BillingDeps, 'db' | 'store' | 'ids'>,
  input: {
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
  },
): Promise<InvoiceRow> {
  const currency = input.policy.locale.currency;
  const exchangeRate =
    issuesKsefInvoices(input.policy) && currency !== 'PLN'
      ? await exchangeRateFor(deps.db, currency, invoiceTaxPoint(input.policy, input.issueDate))
      : null;
  const series = invoiceSeriesFor(input.clockId, input.policy);
  const { number } = await takeInvoiceNumber(deps.db, { ...series, issueDate: input.issueDate });
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
  return deps.store.insertInvoice({
    id: deps.ids.next('inv'),
    accountId: input.accountId,
    subscriptionId: input.subscriptionId,
    series: series.series,
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
  });
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
