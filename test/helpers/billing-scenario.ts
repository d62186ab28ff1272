import assert from 'node:assert/strict';
import { invoiceDocumentFromJson } from '../../src/modules/billing/index.ts';
import type { Fa3Validator } from '../../src/modules/billing/ksef/index.ts';
import { toDecimalString } from '../../src/platform/money.ts';
import type { TestApp } from './app.ts';

// Shared steps of the year-long billing scenarios (test/billing-year-*.test.ts): thin wrappers over the
// HTTP API that assert the status they expect and return the reply body, plus readers that turn invoices,
// payments and VAT summaries into plain rows a test compares with the values computed by hand.

export const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };
/** Attaches, then every charge is declined (`card_declined`). */
export const DECLINES_LATER = { number: '4000000000000341', expMonth: 12, expYear: 2030 };

type InvoiceJson = Omit<InvoiceRow, 'period'> & { id: string; period: { from: string; to: string } | null };

async function post(
  app: TestApp,
  url: string,
  payload: Record<string, unknown>,
  status: number,
  headers: Record<string, string> = app.operator,
) {
  const res = await app.http.inject({ method: 'POST', url, headers, payload });
  assert.equal(res.statusCode, status, `${url}: ${res.body}`);
  return res.json();
}

export function orderPlan(app: TestApp, accountId: string, body: Record<string, unknown>, status = 201) {
  return post(app, `/v1/accounts/${accountId}/subscriptions`, body, status);
}

export function changePlan(app: TestApp, accountId: string, plan: string, status = 200) {
  return post(app, `/v1/accounts/${accountId}/subscription/plan-change`, { plan }, status);
}

export function buyAddOn(app: TestApp, accountId: string, addOn: string, status = 201) {
  return post(app, `/v1/accounts/${accountId}/add-ons`, { addOn }, status);
}

export function buyPack(app: TestApp, accountId: string, pack: string, status = 201) {
  return post(app, `/v1/accounts/${accountId}/packs`, { pack }, status, {
    ...app.operator,
    'idempotency-key': `pack-${accountId}-${pack}`,
  });
}

export function addCard(
  app: TestApp,
  accountId: string,
  card: Record<string, unknown>,
  recurringConsent = true,
  status = 201,
) {
  return post(app, `/v1/accounts/${accountId}/payment-methods`, { card, recurringConsent }, status);
}

export function refund(app: TestApp, accountId: string, body: Record<string, unknown>, status = 201) {
  return post(app, `/v1/accounts/${accountId}/refunds`, body, status);
}

/** A transfer booked against an invoice (`amount` as a decimal string). */
export function bookTransfer(
  app: TestApp,
  accountId: string,
  invoiceId: string,
  amount: string,
  currency: string,
  reference: string,
) {
  return post(
    app,
    `/v1/accounts/${accountId}/invoices/${invoiceId}/payments`,
    { amount, currency, reference },
    201,
  );
}

export async function billingTab(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/billing`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

export type InvoiceRow = {
  number: string;
  kind: string;
  issueDate: string;
  dueDate: string | null;
  period: string | null;
  net: string;
  vat: string;
  gross: string;
  status: string;
};

/** The account's invoices, oldest first, as comparable rows (`period` as `from..to`). */
export async function invoiceRows(app: TestApp, accountId: string): Promise<(InvoiceRow & { id: string })[]> {
  const tab = await billingTab(app, accountId);
  return ([...tab.invoices] as InvoiceJson[]).reverse().map((i) => ({
    id: i.id,
    number: i.number,
    kind: i.kind,
    issueDate: i.issueDate,
    dueDate: i.dueDate,
    period: i.period ? `${i.period.from}..${i.period.to}` : null,
    net: i.net,
    vat: i.vat,
    gross: i.gross,
    status: i.status,
  }));
}

/** Drops the ids, for a deepEqual against expected rows. */
export function withoutIds(rows: (InvoiceRow & { id: string })[]): InvoiceRow[] {
  return rows.map(({ id: _id, ...row }) => row);
}

/** One invoice's frozen document. */
export async function invoiceDocument(app: TestApp, accountId: string, invoiceId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/invoices/${invoiceId}`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return invoiceDocumentFromJson(res.json().document);
}

/** The VAT summary of an invoice as `[treatment, net, vat, gross]` rows (treatment `23%`, `rc`, `np`…). */
export async function vatSummary(app: TestApp, accountId: string, invoiceId: string): Promise<string[][]> {
  const doc = await invoiceDocument(app, accountId, invoiceId);
  return doc.vatSummary.map((row) => [
    row.vat.kind === 'rate' || row.vat.kind === 'oss' ? `${row.vat.percent}%` : row.vat.kind,
    toDecimalString(row.net),
    toDecimalString(row.vatAmount),
    toDecimalString(row.gross),
  ]);
}

/** The FA(3) XML of an invoice; asserts it is there. */
export async function fa3Xml(app: TestApp, accountId: string, invoiceId: string): Promise<string> {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/invoices/${invoiceId}/fa3.xml`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, `FA(3) of ${invoiceId}: ${res.body}`);
  return res.body;
}

/** Validates every invoice of the account against the FA(3) schema; returns how many were validated. */
export async function validateAllFa3(app: TestApp, accountId: string, fa3: Fa3Validator): Promise<number> {
  const rows = await invoiceRows(app, accountId);
  for (const row of rows) {
    const xml = await fa3Xml(app, accountId, row.id);
    assert.deepEqual(fa3.validate(xml), { ok: true }, `FA(3) of ${row.number}`);
    assert.ok(xml.includes(`<P_2>${row.number}</P_2>`), `P_2 of ${row.number}`);
    assert.ok(xml.includes(`<P_1>${row.issueDate}</P_1>`), `P_1 of ${row.number}`);
    assert.ok(xml.includes(`<P_15>${row.gross}</P_15>`), `P_15 of ${row.number}`);
  }
  return rows.length;
}

/** Payments as `[idempotency key, status, amount]`, oldest first. */
export async function paymentRows(app: TestApp, accountId: string): Promise<string[][]> {
  return (await app.billing.payments(accountId)).map((p) => [
    p.idempotencyKey,
    p.status,
    toDecimalString({ amount: p.amount, currency: p.currency }),
  ]);
}

/** How many mails of each template went to `recipient`. */
export async function mailCounts(app: TestApp, recipient: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const m of await app.outbox.list({ recipient })) counts[m.template] = (counts[m.template] ?? 0) + 1;
  return counts;
}
