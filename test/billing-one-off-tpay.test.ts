import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { manualClock } from '../src/platform/clock.ts';
import { events } from './helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';
import { startTpayServer, type TpayServer } from './helpers/tpay-server.ts';

// BK-BIL-04 (Bookero § 5 ust. 5–6): one-off payments go through tpay.com and payment data are entered only
// on tpay's transaction page. A pack bought without a saved card gets an open invoice and tpay's payment
// page; the signed notification from tpay (a local server that answers as tpay's Open API documents it)
// pays the invoice and only then credits the pack, once.

type World = { app: TestApp; tpay: TpayServer };

async function aBookeroWithTpay(t: TestContext): Promise<World> {
  const tpay = await startTpayServer({ merchantId: '1010' });
  t.after(() => tpay.close());
  const app = await buildTestApp({
    preset: 'bookero',
    clock: manualClock('2026-03-17T09:00:00+01:00'),
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

async function aCustomer(app: TestApp): Promise<string> {
  const reg = await app.http.inject({
    method: 'POST',
    url: '/v1/registrations',
    headers: app.operator,
    payload: aRegistration(app.current().policy, {}),
  });
  assert.equal(reg.statusCode, 201, reg.body);
  return reg.json().accountId as string;
}

function buyPack(app: TestApp, accountId: string, payload: Record<string, unknown>, key: string) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/packs`,
    headers: { ...app.operator, 'idempotency-key': key },
    payload,
  });
}

function notify(app: TestApp, body: string, signature: string) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/webhooks/tpay',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-jws-signature': signature },
    payload: body,
  });
}

async function smsBalance(app: TestApp, accountId: string): Promise<number> {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/balances`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().balances.sms ?? 0;
}

describe('BK-BIL-04: one-off payments through tpay', () => {
  it('BK-BIL-04: a 500-SMS pack bought 2026-03-17 → open invoice of 73.80 (60.00 + 23 %) and tpay payment page; no units until tpay notifies; the notification credits 500 once', async (t) => {
    const { app, tpay } = await aBookeroWithTpay(t);
    const accountId = await aCustomer(app);

    const res = await buyPack(app, accountId, { pack: 'sms_500' }, 'sms-500-1');
    assert.equal(res.statusCode, 201, res.body);
    const bought = res.json();
    assert.deepEqual(
      [bought.pack, bought.order.status, bought.invoice.net, bought.invoice.gross, bought.invoice.status],
      ['sms_500', 'awaiting_payment', '60.00', '73.80', 'issued'],
    );
    assert.deepEqual(
      [
        bought.paymentLink.amount,
        bought.paymentLink.currency,
        bought.paymentLink.provider,
        bought.paymentLink.status,
      ],
      ['73.80', 'PLN', 'tpay', 'open'],
    );
    // The customer is sent to tpay's own page: the URL tpay gave for the transaction of that amount.
    const transaction = tpay.transactions.get(bought.paymentLink.transaction)!;
    assert.equal(bought.paymentLink.paymentUrl, transaction.transactionPaymentUrl);
    assert.equal(transaction.amount, 73.8);
    assert.equal(await smsBalance(app, accountId), 0, 'nothing credited before payment');
    assert.equal((await app.billing.payments(accountId)).length, 0, 'no card charged');

    // A repeat of the request (same idempotency key) is the same answer, no second transaction.
    const again = await buyPack(app, accountId, { pack: 'sms_500' }, 'sms-500-1');
    assert.deepEqual(again.json().order.id, bought.order.id);
    assert.equal(tpay.transactions.size, 1);

    const paid = tpay.notification(bought.paymentLink.transaction);
    const first = await notify(app, paid.body, paid.signature);
    assert.deepEqual([first.statusCode, first.body], [200, 'TRUE']);
    assert.equal(await smsBalance(app, accountId), 500);
    const payments = await app.billing.payments(accountId);
    assert.deepEqual(
      payments.map((p) => [p.provider, p.amount, p.status]),
      [['tpay', 7380n, 'succeeded']],
    );

    // tpay re-sends the notification: nothing more is credited or booked.
    const replay = await notify(app, paid.body, paid.signature);
    assert.deepEqual([replay.statusCode, replay.body], [200, 'TRUE']);
    assert.equal(await smsBalance(app, accountId), 500);
    assert.equal((await app.billing.payments(accountId)).length, 1);

    const log = await events(app, accountId);
    assert.deepEqual(
      log.filter((e) => e.type === 'pack_order.created').map((e) => [e.clause, e.data.pack, e.data.provider]),
      [['BK-BIL-04', 'sms_500', 'tpay']],
    );
    const topUps = log.filter((e) => e.type === 'balance.topped_up');
    assert.deepEqual(
      topUps.map((e) => [e.clause, e.data.units, e.data.paidVia]),
      [['BK-BIL-03', 500, 'tpay']],
    );
  });

  it('BK-BIL-04: a partial payment through tpay leaves the invoice open and credits nothing; the rest paid credits the pack', async (t) => {
    const { app, tpay } = await aBookeroWithTpay(t);
    const accountId = await aCustomer(app);
    const bought = (await buyPack(app, accountId, { pack: 'sms_100' }, 'sms-100-1')).json();
    // sms_100: 15.00 net + 3.45 VAT = 18.45.
    assert.equal(bought.invoice.gross, '18.45');
    const part = tpay.notification(bought.paymentLink.transaction, { paid: '10.45' });
    assert.equal((await notify(app, part.body, part.signature)).body, 'TRUE');
    assert.equal(await smsBalance(app, accountId), 0);

    const rest = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/invoices/${bought.invoice.id}/payment-links`,
      headers: app.operator,
    });
    assert.equal(rest.statusCode, 201, rest.body);
    assert.equal(rest.json().amount, '8.00');
    const restPaid = tpay.notification(rest.json().transaction);
    assert.equal((await notify(app, restPaid.body, restPaid.signature)).body, 'TRUE');
    assert.equal(await smsBalance(app, accountId), 100);
  });

  it('BK-BIL-04: a purchase request carrying card data is refused and changes nothing', async (t) => {
    const { app, tpay } = await aBookeroWithTpay(t);
    const accountId = await aCustomer(app);
    const res = await buyPack(
      app,
      accountId,
      { pack: 'sms_500', card: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' } },
      'sms-card-1',
    );
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(res.json().code, 'billing.card_data_not_accepted');
    assert.match(res.json().message, /tpay/);
    assert.equal(tpay.transactions.size, 0);
    assert.equal((await app.billing.payments(accountId)).length, 0);
    const tab = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/billing`,
      headers: app.operator,
    });
    assert.equal(tab.json().invoices.length, 0, 'no invoice issued');
    assert.equal(await smsBalance(app, accountId), 0);
  });
});
