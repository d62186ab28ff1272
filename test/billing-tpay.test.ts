import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { manualClock } from '../src/platform/clock.ts';
import { loadPreset, type Policy, parsePolicy } from '../src/policy/index.ts';
import { aTestClock, events, registered } from './helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';
import { startTpayServer, type TpayServer } from './helpers/tpay-server.ts';

// Open invoices paid online through tpay.com (pay-by-link), against a local server that answers as tpay's
// Open API documents it (test/helpers/tpay-server.ts): an OAuth token, a transaction whose payment page the
// customer gets, and a JWS-signed notification that books the money through the same path as a transfer.

/**
 * ClickMeeting's terms (CM-BIL-05 overpayment credited, CM-BIL-08 partial payments leave the invoice open),
 * invoiced ahead with 14 days to pay, with tpay offered for paying invoices: a custom policy an operator
 * could run. Validated like any policy file.
 */
function invoicedWithTpay(): Policy {
  const base = loadPreset('clickmeeting');
  const policy = {
    ...base,
    billing: {
      ...base.billing,
      invoiceTiming: 'ahead_with_terms',
      paymentTermsDays: 14,
      renewalInvoiceLeadDays: { monthly: 0, annual: 14 },
      paymentProviders: [
        ...base.billing.paymentProviders,
        {
          id: 'tpay',
          name: 'tpay.com (Krajowy Integrator Płatności S.A.)',
          usage: ['one_off'],
          storedCardFields: [],
        },
      ],
    },
  };
  return parsePolicy(JSON.stringify(policy), 'json', 'clickmeeting+tpay');
}

type World = { app: TestApp; tpay: TpayServer };

async function aTpayWorld(t: TestContext, policy: Policy = invoicedWithTpay()): Promise<World> {
  const clock = manualClock('2026-03-10T09:00:00+01:00');
  const tpay = await startTpayServer({ merchantId: '1010' });
  t.after(() => tpay.close());
  const app = await buildTestApp({
    policy,
    clock,
    gateways: {
      tpay: {
        clientId: tpay.clientId,
        clientSecret: tpay.clientSecret,
        apiUrl: tpay.url,
        certificatesUrl: tpay.url,
        merchantId: '1010',
      },
    },
  });
  t.after(() => app.close());
  return { app, tpay };
}

/** A customer on the real clock who ordered Live monthly on 2026-03-10: invoice of 146.37 due 2026-03-24. */
async function anInvoicedCustomer(app: TestApp) {
  const reg = await app.http.inject({
    method: 'POST',
    url: '/v1/registrations',
    headers: app.operator,
    payload: aRegistration(app.current().policy, { accountType: 'paid', plan: 'live' }),
  });
  assert.equal(reg.statusCode, 201, reg.body);
  const accountId = reg.json().accountId as string;
  const ordered = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: { plan: 'live', frequency: 'monthly' },
  });
  assert.equal(ordered.statusCode, 201, ordered.body);
  return { accountId, invoice: ordered.json().invoice, subscription: ordered.json().subscription };
}

function payByLink(app: TestApp, accountId: string, invoiceId: string) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/invoices/${invoiceId}/payment-links`,
    headers: app.operator,
  });
}

function notify(app: TestApp, body: string, signature: string | null) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/webhooks/tpay',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'x-jws-signature': signature }),
    },
    payload: body,
  });
}

async function invoiceOf(app: TestApp, accountId: string, invoiceId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/invoices/${invoiceId}`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function billingTab(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/billing`,
    headers: app.operator,
  });
  return res.json();
}

describe('tpay: paying an open invoice by link', () => {
  it('CM-BIL-08, CM-BIL-05: the invoice of 146.37 gets a tpay transaction (OAuth token, payment URL); 100.00 paid leaves it partially paid, a second link for 46.37 paid with 50.00 pays it and credits 3.63', async (t) => {
    const { app, tpay } = await aTpayWorld(t);
    const { accountId, invoice, subscription } = await anInvoicedCustomer(app);
    assert.deepEqual([invoice.status, invoice.gross, invoice.dueDate], ['issued', '146.37', '2026-03-24']);

    const first = await payByLink(app, accountId, invoice.id);
    assert.equal(first.statusCode, 201, first.body);
    const link = first.json();
    assert.deepEqual(
      [link.amount, link.currency, link.status, link.provider],
      ['146.37', 'PLN', 'open', 'tpay'],
    );
    const transaction = tpay.transactions.get(link.transaction)!;
    assert.equal(link.paymentUrl, transaction.transactionPaymentUrl);
    assert.deepEqual(
      [
        transaction.amount,
        transaction.hiddenDescription,
        transaction.description,
        (transaction.payer as { email: string }).email,
      ],
      [146.37, link.id, `Faktura ${invoice.number}`, 'anna@roza.example'],
    );
    assert.equal(transaction.notificationUrl, 'https://app.klauzula.test/v1/webhooks/tpay');
    assert.deepEqual(
      tpay.requests.map((r) => [r.method, r.path, r.auth?.startsWith('Bearer ') ?? false]),
      [
        ['POST', '/oauth/auth', false],
        ['POST', '/transactions', true],
      ],
    );

    // Asked again for the same amount: the same link, nothing new at tpay.
    const again = await payByLink(app, accountId, invoice.id);
    assert.deepEqual([again.statusCode, again.json().id], [200, link.id]);
    assert.equal(tpay.transactions.size, 1);

    // The customer pays 100.00 of it: the invoice stays open (CM-BIL-08), nothing is paid through.
    const partial = tpay.notification(link.transaction, { paid: '100.00' });
    const res = await notify(app, partial.body, partial.signature);
    assert.deepEqual([res.statusCode, res.body], [200, 'TRUE']);
    let current = await invoiceOf(app, accountId, invoice.id);
    assert.deepEqual([current.status, current.amountPaid], ['partially_paid', '100.00']);
    assert.equal((await billingTab(app, accountId)).subscription.paidThrough, null);
    const payments = await app.billing.payments(accountId);
    assert.deepEqual(
      payments.map((p) => [p.provider, p.providerRef, p.amount, p.status]),
      [['tpay', `tpay:${link.transaction}`, 10000n, 'succeeded']],
    );

    // tpay sends it again (it re-sends until answered TRUE): nothing changes.
    const replay = await notify(app, partial.body, partial.signature);
    assert.deepEqual([replay.statusCode, replay.body], [200, 'TRUE']);
    assert.equal((await app.billing.payments(accountId)).length, 1);

    // The rest: a new link for 46.37, paid with 50.00: the invoice is paid and 3.63 is credit (CM-BIL-05).
    const second = await payByLink(app, accountId, invoice.id);
    assert.equal(second.statusCode, 201, second.body);
    assert.equal(second.json().amount, '46.37');
    assert.equal(tpay.requests.filter((r) => r.path === '/oauth/auth').length, 1, 'the token is reused');
    const rest = tpay.notification(second.json().transaction, { paid: '50.00' });
    assert.equal((await notify(app, rest.body, rest.signature)).body, 'TRUE');
    current = await invoiceOf(app, accountId, invoice.id);
    assert.deepEqual([current.status, current.amountPaid], ['paid', '146.37']);
    const tab = await billingTab(app, accountId);
    assert.deepEqual(
      [tab.subscription.paidThrough, tab.credit],
      [subscription.currentPeriod.to, { amount: '3.63', currency: 'PLN' }],
    );

    const log = await events(app, accountId);
    assert.deepEqual(
      log
        .filter((e) => e.type === 'payment.recorded')
        .map((e) => [e.clause, e.data.invoiceStatus, e.data.amount]),
      [
        ['CM-BIL-08', 'partially_paid', '100.00'],
        [null, 'paid', '50.00'],
      ],
    );
    assert.deepEqual(
      log.filter((e) => e.type === 'credit.added').map((e) => [e.clause, e.data.amount]),
      [['CM-BIL-05', '3.63']],
    );
    assert.equal(log.filter((e) => e.type === 'payment_link.created').length, 2);
    const paidUp = await payByLink(app, accountId, invoice.id);
    assert.deepEqual([paidUp.statusCode, paidUp.json().code], [409, 'billing.invoice_not_open']);
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('a notification with a bad or missing JWS signature, an altered body, a certificate outside tpay or one signed by another key is refused with 400 and books nothing', async (t) => {
    const { app, tpay } = await aTpayWorld(t);
    const { accountId, invoice } = await anInvoicedCustomer(app);
    const link = (await payByLink(app, accountId, invoice.id)).json();
    const paid = tpay.notification(link.transaction);

    const altered = paid.body.replace('tr_paid=146.37', 'tr_paid=999.00');
    assert.notEqual(altered, paid.body);
    const outsider = tpay.jws(paid.body, undefined, 'https://evil.example/x509/notifications-jws.pem');
    const forged = tpay.jws(paid.body, tpay.rogue.key);
    for (const [body, signature] of [
      [paid.body, null],
      [paid.body, 'not-a-jws'],
      [altered, paid.signature],
      [paid.body, outsider],
      [paid.body, forged],
    ] as const) {
      const res = await notify(app, body, signature);
      assert.deepEqual(
        [res.statusCode, res.json().code],
        [400, 'billing.webhook_signature_invalid'],
        String(signature),
      );
    }
    assert.deepEqual(await app.billing.payments(accountId), []);
    assert.equal((await invoiceOf(app, accountId, invoice.id)).status, 'issued');

    const ok = await notify(app, paid.body, paid.signature);
    assert.deepEqual([ok.statusCode, ok.body], [200, 'TRUE']);
    assert.equal((await invoiceOf(app, accountId, invoice.id)).status, 'paid');
  });

  it('out of order and unknown: a FALSE status after the payment changes nothing; a notification for a link this database does not have is refused (409) and recorded nowhere, so tpay sends it again', async (t) => {
    const { app, tpay } = await aTpayWorld(t);
    const { accountId, invoice } = await anInvoicedCustomer(app);
    const link = (await payByLink(app, accountId, invoice.id)).json();
    const paid = tpay.notification(link.transaction);
    assert.equal((await notify(app, paid.body, paid.signature)).body, 'TRUE');
    const late = tpay.notification(link.transaction, { status: 'FALSE' });
    assert.equal((await notify(app, late.body, late.signature)).body, 'TRUE');
    assert.equal((await invoiceOf(app, accountId, invoice.id)).status, 'paid');
    assert.equal((await app.billing.payments(accountId)).length, 1);

    const stray = paid.body
      .replace(`tr_crc=${link.id}`, 'tr_crc=plink_unknown')
      .replaceAll(link.transaction, 'TR-BRA-UNKNOWN');
    const strayRes = await notify(app, stray, tpay.jws(stray));
    assert.deepEqual([strayRes.statusCode, strayRes.json().code], [409, 'billing.webhook_not_applicable']);
    const seen = await app.db.rows<{ event_id: string }>(
      sql`select event_id from provider_events order by event_id`,
    );
    assert.deepEqual(
      seen.map((r) => r.event_id),
      [`${link.transaction}:FALSE`, `${link.transaction}:TRUE`],
      'the refused notification is not recorded: its re-delivery will be looked at again',
    );
    const otherMerchant = paid.body.replace('id=1010', 'id=2020');
    const otherRes = await notify(app, otherMerchant, tpay.jws(otherMerchant));
    assert.equal(otherRes.statusCode, 409);
    assert.equal((await app.billing.payments(accountId)).length, 1);
  });

  it('an account on a test clock pays through the sandbox only: no tpay transaction is made for it', async (t) => {
    const { app, tpay } = await aTpayWorld(t);
    const clock = await aTestClock(app, '2026-03-10T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { accountType: 'paid', plan: 'live' });
    const ordered = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers: app.operator,
      payload: { plan: 'live', frequency: 'monthly' },
    });
    assert.equal(ordered.statusCode, 201, ordered.body);
    const res = await payByLink(app, accountId, ordered.json().invoice.id);
    assert.deepEqual([res.statusCode, res.json().code], [409, 'billing.pay_by_link_unavailable']);
    assert.deepEqual(tpay.requests, []);
  });

  it('pay-by-link is refused where the terms do not offer tpay', async (t) => {
    const { app, tpay } = await aTpayWorld(t, {
      ...invoicedWithTpay(),
      billing: {
        ...invoicedWithTpay().billing,
        paymentProviders: loadPreset('clickmeeting').billing.paymentProviders,
      },
    });
    const { accountId, invoice } = await anInvoicedCustomer(app);
    const res = await payByLink(app, accountId, invoice.id);
    assert.deepEqual([res.statusCode, res.json().code], [409, 'billing.pay_by_link_unavailable']);
    assert.equal(tpay.transactions.size, 0);
  });
});
