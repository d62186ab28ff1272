import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { invoiceDocumentFromJson } from '../src/modules/billing/index.ts';
import { AppError } from '../src/platform/errors.ts';
import { aTestClock, events } from './helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';
import { startTestKsefServer, type TestKsefServer } from './helpers/ksef-server.ts';

// Invoices of a Polish seller go to KSeF (API 2.0, online session) from a worker step, outside any
// transaction: against a local server that does the documented flow, with real encryption.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };
const TOKEN = '20260101-EC-0123456789-ABCDEF0123-AB|nip-5842747535|0123456789abcdef';
const SELLER_NIP = '5842747535';

let ksef: TestKsefServer;
before(async () => {
  ksef = await startTestKsefServer({ token: TOKEN, nip: SELLER_NIP });
});
after(() => ksef.close());

async function anApp(t: TestContext, token = TOKEN): Promise<TestApp> {
  const app = await buildTestApp({
    preset: 'clickmeeting',
    ksef: { baseUrl: ksef.baseUrl, token, pollIntervalMs: 5 },
  });
  t.after(() => app.close());
  assert.equal(app.current().policy.operator.taxId?.value, SELLER_NIP);
  return app;
}

/** A customer on the real clock (sandbox invoices are never sent) that ordered Live monthly by card. */
async function aPaidOrder(app: TestApp, email: string, clockId?: string) {
  const reg = await app.http.inject({
    method: 'POST',
    url: '/v1/registrations',
    headers: app.operator,
    payload: {
      ...aRegistration(app.current().policy, { email, accountType: 'paid', plan: 'live' }),
      ...(clockId ? { testClockId: clockId } : {}),
    },
  });
  assert.equal(reg.statusCode, 201, reg.body);
  const accountId = reg.json().accountId as string;
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
      identification: { orderingPerson: 'Anna Nowak' },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { accountId, invoice: res.json().invoice, paymentId: res.json().payment.id as string };
}

async function invoiceRow(app: TestApp, id: string) {
  const [row] = await app.db.rows<{
    ksef_status: string | null;
    ksef_number: string | null;
    ksef_upo: string | null;
    ksef_xml: string | null;
    ksef_error: string | null;
    number: string;
  }>(
    sql`select ksef_status, ksef_number, ksef_upo, ksef_xml, ksef_error, number from invoices where id = ${id}`,
  );
  return row!;
}

describe('KSeF submission', () => {
  it('CM-BIL-09: a paid invoice is authenticated for, encrypted, sent in an online session, accepted with a KSeF number and UPO, and never sent twice; the sandbox invoice is never sent', async (t) => {
    const app = await anApp(t);
    const { accountId, invoice } = await aPaidOrder(app, 'ksef-1@roza.example');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const sandbox = await aPaidOrder(app, 'ksef-sandbox@roza.example', clock);
    assert.match(sandbox.invoice.number, /^TEST\/FV\//);
    assert.equal((await invoiceRow(app, sandbox.invoice.id)).ksef_status, null, 'sandbox: not queued');
    assert.equal((await invoiceRow(app, invoice.id)).ksef_status, 'pending');
    const before = ksef.received.length;

    // First run: sent; KSeF still processing it (it answers 150 on the first ask).
    assert.deepEqual(await app.billing.submitKsef(), { sent: 1, accepted: 0, rejected: 0, processing: 1 });
    const mine = ksef.received.slice(before);
    assert.equal(mine.length, 1, 'only the real invoice reached KSeF');
    const sentRow = await invoiceRow(app, invoice.id);
    assert.equal(sentRow.ksef_status, 'sent');
    // What KSeF decrypted is exactly the stored FA(3) XML (AES-256-CBC with the RSA-OAEP-wrapped key).
    assert.equal(mine[0]!.xml, sentRow.ksef_xml);
    assert.equal(mine[0]!.status, 200, 'valid FA(3), accepted by the server');

    // Second run: accepted, KSeF number and UPO recorded.
    assert.deepEqual(await app.billing.submitKsef(), { sent: 0, accepted: 1, rejected: 0, processing: 0 });
    const accepted = await invoiceRow(app, invoice.id);
    assert.equal(accepted.ksef_status, 'accepted');
    assert.match(accepted.ksef_number ?? '', /^5842747535-\d{8}-[0-9A-F]{12}-[0-9A-F]{2}$/);
    assert.ok(ksef.accepted.has(accepted.ksef_number!));
    assert.match(
      accepted.ksef_upo ?? '',
      new RegExp(`<NumerKSeFDokumentu>${accepted.ksef_number}</NumerKSeFDokumentu>`),
    );

    const log = await events(app, accountId);
    const sent = log.filter((e) => e.type === 'invoice.ksef_sent');
    const done = log.filter((e) => e.type === 'invoice.ksef_accepted');
    assert.equal(sent.length, 1);
    assert.equal(done.length, 1);
    assert.equal(done[0]!.clause, 'CM-BIL-09');
    assert.equal(done[0]!.data.ksefNumber, accepted.ksef_number);

    // Third run: nothing left to send or ask.
    const received = ksef.received.length;
    assert.deepEqual(await app.billing.submitKsef(), { sent: 0, accepted: 0, rejected: 0, processing: 0 });
    assert.equal(ksef.received.length, received, 'an accepted invoice is never sent again');

    // The billing tab shows it.
    const tab = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/billing`,
      headers: app.operator,
    });
    assert.deepEqual(tab.json().invoices[0].ksef, { status: 'accepted', number: accepted.ksef_number });
  });

  it('a send whose answer was lost is sent again, answered "duplicate" (440) with the original KSeF number, and recorded as accepted once', async (t) => {
    const app = await anApp(t);
    const { invoice } = await aPaidOrder(app, 'ksef-2@roza.example');
    await app.billing.submitKsef();
    await app.billing.submitKsef();
    const first = await invoiceRow(app, invoice.id);
    assert.equal(first.ksef_status, 'accepted');
    // A crash between KSeF's 202 and recording it: the row is still pending as far as we know.
    await app.db.transaction(async () => {
      await app.db.q.execute(
        sql`update invoices set ksef_status = 'pending', ksef_number = null, ksef_upo = null where id = ${invoice.id}`,
      );
    });
    const before = ksef.received.length;
    await app.billing.submitKsef();
    assert.deepEqual(await app.billing.submitKsef(), { sent: 0, accepted: 1, rejected: 0, processing: 0 });
    assert.equal(ksef.received.at(-1)!.status, 440, 'KSeF refused the duplicate');
    assert.equal(ksef.received.length, before + 1);
    const again = await invoiceRow(app, invoice.id);
    assert.deepEqual([again.ksef_status, again.ksef_number], ['accepted', first.ksef_number]);
    assert.equal(
      [...ksef.accepted.values()].filter((a) => a.number === first.number).length,
      1,
      'KSeF holds the invoice once',
    );
  });

  it('CM-BIL-04: a correction waits for its original and then names it by its KSeF number (NrKSeF), not NrKSeFN', async (t) => {
    const app = await anApp(t);
    const { accountId, invoice, paymentId } = await aPaidOrder(app, 'ksef-3@roza.example');
    const refund = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refunds`,
      headers: app.operator,
      payload: { paymentId, reason: 'termination_without_cause' },
    });
    assert.equal(refund.statusCode, 201, refund.body);
    const kor = refund.json().correction;
    assert.equal((await invoiceRow(app, kor.id)).ksef_status, 'pending');
    assert.match((await invoiceRow(app, kor.id)).ksef_xml!, /<NrKSeFN>1<\/NrKSeFN>/);

    // Run 1 sends the original only; the correction waits while the original is not accepted.
    await app.billing.submitKsef();
    assert.equal((await invoiceRow(app, kor.id)).ksef_status, 'pending');
    // Run 2: the original is accepted; run 3 sends the correction naming it.
    await app.billing.submitKsef();
    const original = await invoiceRow(app, invoice.id);
    assert.equal(original.ksef_status, 'accepted');
    await app.billing.submitKsef();
    await app.billing.submitKsef();
    const correction = await invoiceRow(app, kor.id);
    assert.equal(correction.ksef_status, 'accepted');
    assert.match(
      correction.ksef_xml!,
      new RegExp(`<NrKSeF>1</NrKSeF>\\s*<NrKSeFFaKorygowanej>${original.ksef_number}</NrKSeFFaKorygowanej>`),
    );
    assert.doesNotMatch(correction.ksef_xml!, /NrKSeFN/);
    const sentXml = ksef.received.find((r) => r.xml === correction.ksef_xml);
    assert.ok(sentXml, 'KSeF got the correction naming the original');
    const detail = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${kor.id}`,
      headers: app.operator,
    });
    assert.equal(
      invoiceDocumentFromJson(detail.json().document).correction?.original.ksefNumber,
      original.ksef_number,
    );
  });

  it('a wrong KSeF token is refused at authentication (450): nothing is sent, the invoice stays pending', async (t) => {
    const app = await anApp(t, 'not-the-token');
    const { invoice } = await aPaidOrder(app, 'ksef-4@roza.example');
    const before = ksef.received.length;
    await assert.rejects(app.billing.submitKsef(), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'billing.ksef_auth_failed');
      assert.equal(error.details?.code, 450);
      return true;
    });
    assert.equal(ksef.received.length, before);
    assert.equal((await invoiceRow(app, invoice.id)).ksef_status, 'pending');
  });

  it('without KSEF_URL and KSEF_TOKEN nothing is sent: invoices wait as pending', async (t) => {
    const app = await buildTestApp({ preset: 'clickmeeting' });
    t.after(() => app.close());
    const { invoice } = await aPaidOrder(app, 'ksef-5@roza.example');
    assert.equal(app.billing.ksefEnabled, false);
    assert.equal(await app.billing.submitKsef(), null);
    assert.equal((await invoiceRow(app, invoice.id)).ksef_status, 'pending');
  });
});
