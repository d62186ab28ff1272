import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { ConfigError, readConfig } from '../src/config.ts';
import { manualClock } from '../src/platform/clock.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';
import { type PaypalServer, startPaypalServer } from './helpers/paypal-server.ts';

// MyOwnConference's redirect payments through PayPal (MOC-BIL-01), against a local server that answers as
// PayPal's Orders v2 REST API documents it (test/helpers/paypal-server.ts): OAuth client credentials, an
// order with a `payer-action` link, capture, refund, and webhooks signed with PayPal's certificate.
//
// A Polish company (NIP 5260250274, no VIES answer: offline) orders Webinar 100 monthly on 2026-03-09 at
// 10:00 Vilnius time. The seller is Lithuanian (LT, MOC-LEG-01): the EU business buyer's VAT id is not
// confirmed by VIES, so the invoice is priced as the policy decides for it; the tests below read the
// charged amount from the order's answer and check PayPal was asked exactly that.

type World = { app: TestApp; paypal: PaypalServer; accountId: string };

async function aPaypalWorld(t: TestContext): Promise<World> {
  const clock = manualClock('2026-03-09T10:00:00+02:00');
  const paypal = await startPaypalServer();
  t.after(() => paypal.close());
  const app = await buildTestApp({
    preset: 'myownconference',
    clock,
    portalUrl: 'https://app.moc.test',
    gateways: { paypal: paypal.config },
  });
  t.after(() => app.close());
  const reg = await app.http.inject({
    method: 'POST',
    url: '/v1/registrations',
    headers: app.operator,
    payload: aRegistration(app.current().policy),
  });
  assert.equal(reg.statusCode, 201, reg.body);
  return { app, paypal, accountId: reg.json().accountId as string };
}

function order(world: World, key: string) {
  return world.app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${world.accountId}/subscriptions`,
    headers: { ...world.app.operator, 'idempotency-key': key },
    payload: { plan: 'webinar_100', frequency: 'monthly', provider: 'paypal' },
  });
}

/** Orders and answers the PayPal order id and our payment id (202 with the redirect). */
async function ordered(world: World, key: string) {
  const res = await order(world, key);
  assert.equal(res.statusCode, 202, res.body);
  const body = res.json();
  assert.equal(body.payment.provider, 'paypal');
  assert.equal(body.payment.status, 'requires_action');
  assert.equal(body.nextAction.type, 'redirect');
  assert.ok(body.nextAction.url.startsWith(`${world.paypal.url}/checkoutnow?token=`), body.nextAction.url);
  return { paymentId: body.payment.id as string, orderId: world.paypal.orderIdOf(body.nextAction.url) };
}

async function follow(world: World, path: string) {
  const res = await world.app.http.inject({
    method: 'GET',
    url: path,
    headers: { accept: 'application/json' },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().payment as { id: string; status: string };
}

async function webhook(world: World, event: Record<string, unknown>, options: { forged?: boolean } = {}) {
  const { body, headers } = world.paypal.signed(event, options);
  return world.app.http.inject({ method: 'POST', url: '/v1/webhooks/paypal', headers, payload: body });
}

async function paymentRow(world: World, paymentId: string) {
  const [row] = await world.app.db.rows<{
    status: string;
    provider_ref: string | null;
    failure_code: string | null;
  }>(sql`select status, provider_ref, failure_code from payments where id = ${paymentId}`);
  return row!;
}

async function planOf(world: World) {
  const res = await world.app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${world.accountId}/billing`,
    headers: world.app.operator,
  });
  return res.json().subscription?.plan ?? null;
}

describe('PayPal redirect payments (MyOwnConference)', () => {
  it("MOC-BIL-01: an order answers 202 with PayPal's page; the return captures once; the DB keeps only PayPal's ids and the schema has no PAN or CVV field", async (t) => {
    const world = await aPaypalWorld(t);
    const { paymentId, orderId } = await ordered(world, 'order-1');
    // Nothing is active while the buyer is on PayPal; the payment keeps PayPal's order id.
    assert.equal(await planOf(world), null);
    assert.deepEqual(await paymentRow(world, paymentId), {
      status: 'pending',
      provider_ref: orderId,
      failure_code: null,
    });
    const [created] = world.paypal.orders();
    assert.equal(created!.purchase_units[0]!.custom_id, paymentId);
    // The same request again (same Idempotency-Key) answers the same page: no second PayPal order.
    const again = await order(world, 'order-1');
    assert.equal(again.statusCode, 202);
    assert.equal(world.paypal.orderIdOf(again.json().nextAction.url), orderId);
    assert.equal(world.paypal.orders().length, 1);

    const back = await follow(world, world.paypal.approve(orderId));
    assert.equal(back.status, 'succeeded');
    const [capture] = world.paypal.captures();
    assert.deepEqual(await paymentRow(world, paymentId), {
      status: 'succeeded',
      provider_ref: capture!.id,
      failure_code: null,
    });
    assert.equal(await planOf(world), 'webinar_100');
    // The amount PayPal was asked is the invoice's gross.
    const tab = await world.app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${world.accountId}/billing`,
      headers: world.app.operator,
    });
    const invoice = tab.json().invoices[0];
    assert.equal(created!.purchase_units[0]!.amount.value, invoice.gross);
    assert.equal(created!.purchase_units[0]!.amount.currency_code, 'EUR');
    // The buyer reloads the return page, and PayPal's webhooks arrive: nothing is captured or applied twice.
    assert.equal((await follow(world, world.paypal.approve(orderId))).status, 'succeeded');
    const approved = await webhook(world, world.paypal.approvedEvent(orderId));
    assert.equal(approved.json().result, 'no_change');
    const completed = await webhook(world, world.paypal.captureEvent(orderId));
    assert.equal(completed.json().result, 'no_change');
    assert.equal(world.paypal.captures().length, 1);
    // MOC-BIL-01: no column anywhere could hold a card number or its security code.
    const columns = await world.app.db.rows<{ table_name: string; column_name: string }>(sql`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema()
        and (column_name ~* '(pan|cvv|cvc|card_?number|security_?code)' and column_name !~* 'company')`);
    assert.deepEqual(columns, []);
  });

  it('MOC-BIL-01: the buyer cancels on PayPal, nothing starts; the retry is a new PayPal order, settled by the CHECKOUT.ORDER.APPROVED webhook', async (t) => {
    const world = await aPaypalWorld(t);
    const first = await ordered(world, 'try-1');
    // A cancel URL alone proves nothing: PayPal is asked, the order is not approved, so the payment fails.
    const cancelled = await follow(world, world.paypal.cancelUrl(first.orderId));
    assert.equal(cancelled.status, 'failed');
    assert.equal((await paymentRow(world, first.paymentId)).failure_code, 'payment_cancelled');
    assert.equal(await planOf(world), null);

    const second = await ordered(world, 'try-2');
    assert.notEqual(second.paymentId, first.paymentId);
    assert.notEqual(second.orderId, first.orderId);
    // The buyer approves but closes the browser before coming back: the webhook captures and settles.
    world.paypal.approve(second.orderId);
    const res = await webhook(world, world.paypal.approvedEvent(second.orderId));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().result, 'applied');
    assert.equal((await paymentRow(world, second.paymentId)).status, 'succeeded');
    assert.equal(await planOf(world), 'webinar_100');
    assert.equal(world.paypal.captures().length, 1);
  });

  it('MOC-BIL-01: a declined funding source fails the payment; a replayed webhook changes nothing', async (t) => {
    const world = await aPaypalWorld(t);
    const { paymentId, orderId } = await ordered(world, 'declined');
    const back = await follow(world, world.paypal.approve(orderId, { declineFunding: true }));
    assert.equal(back.status, 'failed');
    assert.equal((await paymentRow(world, paymentId)).failure_code, 'instrument_declined');
    assert.equal(await planOf(world), null);
    assert.equal(world.paypal.captures().length, 0);

    const retry = await ordered(world, 'declined-retry');
    world.paypal.approve(retry.orderId);
    const first = await follow(
      world,
      `/v1/payments/paypal/return?payment=${retry.paymentId}&token=${retry.orderId}`,
    );
    assert.equal(first.status, 'succeeded');
    const event = world.paypal.captureEvent(retry.orderId);
    const once = await webhook(world, event);
    const twice = await webhook(world, event);
    assert.deepEqual([once.json().result, twice.json().result], ['no_change', 'duplicate']);
    const [{ n }] = (await world.app.db.rows<{ n: number }>(
      sql`select count(*)::int as n from provider_events where provider = 'paypal' and event_id = ${event.id}`,
    )) as [{ n: number }];
    assert.equal(n, 1);
  });

  it('MOC-BIL-01: a capture completed before the approval event (out of order), after a crash that followed the capture, settles once', async (t) => {
    const world = await aPaypalWorld(t);
    const { paymentId, orderId } = await ordered(world, 'crash');
    world.paypal.approve(orderId);
    // Klauzula captured (same PayPal-Request-Id it always uses) and crashed before recording it.
    const [row] = await world.app.db.rows<{ idempotency_key: string }>(
      sql`select idempotency_key from payments where id = ${paymentId}`,
    );
    const token = await fetch(`${world.paypal.url}/v1/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${world.paypal.config.clientId}:${world.paypal.config.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const captured = await fetch(`${world.paypal.url}/v2/checkout/orders/${orderId}/capture`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token.access_token}`,
        'content-type': 'application/json',
        'paypal-request-id': `capture:${row!.idempotency_key}`,
      },
      body: '{}',
    });
    assert.equal(captured.status, 201);
    assert.equal((await paymentRow(world, paymentId)).status, 'pending');

    // PAYMENT.CAPTURE.COMPLETED arrives before CHECKOUT.ORDER.APPROVED: it settles the payment.
    const completed = await webhook(world, world.paypal.captureEvent(orderId));
    assert.equal(completed.json().result, 'applied');
    const approved = await webhook(world, world.paypal.approvedEvent(orderId));
    assert.equal(approved.json().result, 'no_change');
    // The buyer's return comes last: the capture is asked again under the same request id, PayPal answers
    // the first one, and nothing is applied twice.
    assert.equal(
      (await follow(world, `/v1/payments/paypal/return?payment=${paymentId}&token=${orderId}`)).status,
      'succeeded',
    );
    assert.equal(world.paypal.captures().length, 1);
    const subscriptions = await world.app.db.rows(sql`select id from subscriptions`);
    assert.equal(subscriptions.length, 1);
    const invoices = await world.app.db.rows(sql`select id from invoices`);
    assert.equal(invoices.length, 1);
  });

  it("MOC-BIL-01: a webhook with a forged signature, or a certificate off PayPal's hosts, is refused and changes nothing", async (t) => {
    const world = await aPaypalWorld(t);
    const { paymentId, orderId } = await ordered(world, 'forged');
    world.paypal.approve(orderId);
    const forged = await webhook(world, world.paypal.approvedEvent(orderId), { forged: true });
    assert.deepEqual([forged.statusCode, forged.json().code], [400, 'billing.webhook_signature_invalid']);
    const { body, headers } = world.paypal.signed(world.paypal.approvedEvent(orderId));
    const offHost = await world.app.http.inject({
      method: 'POST',
      url: '/v1/webhooks/paypal',
      headers: { ...headers, 'paypal-cert-url': 'https://evil.example/certs/paypal.pem' },
      payload: body,
    });
    assert.equal(offHost.statusCode, 400);
    const tampered = await world.app.http.inject({
      method: 'POST',
      url: '/v1/webhooks/paypal',
      headers,
      payload: body.replace('CHECKOUT.ORDER.APPROVED', 'CHECKOUT.ORDER.APPROVED '),
    });
    assert.equal(tampered.statusCode, 400);
    assert.equal((await paymentRow(world, paymentId)).status, 'pending');
    assert.equal(world.paypal.captures().length, 0);
    const events = await world.app.db.rows(sql`select * from provider_events`);
    assert.deepEqual(events, []);
  });

  it("MOC-BIL-01: a refund the law requires goes back through PayPal's refund API, once", async (t) => {
    const world = await aPaypalWorld(t);
    const { paymentId, orderId } = await ordered(world, 'refund');
    await follow(world, world.paypal.approve(orderId));
    const [capture] = world.paypal.captures();
    const refund = (key: string, body: Record<string, unknown>) =>
      world.app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${world.accountId}/refunds`,
        headers: { ...world.app.operator, 'idempotency-key': key },
        payload: { paymentId, ...body },
      });
    // The terms set no amount for mandatory_law: without one stated it cannot be decided; any other reason is refused.
    const undetermined = await refund('r0', { reason: 'mandatory_law' });
    assert.deepEqual(
      [undetermined.statusCode, undetermined.json().code],
      [422, 'billing.refund_amount_undetermined'],
    );
    const notListed = await refund('r1', { reason: 'withdrawal', amount: '10.00' });
    assert.equal(notListed.statusCode, 422);
    const res = await refund('r2', { reason: 'mandatory_law', amount: '20.00' });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().refund.status, 'refunded');
    assert.deepEqual(
      world.paypal.refunds.map((r) => [r.captureId, r.amount.value, r.amount.currency_code]),
      [[capture!.id, '20.00', 'EUR']],
    );
    const replay = await refund('r3', { reason: 'mandatory_law', amount: '20.00' });
    assert.equal(replay.statusCode, 200);
    assert.equal(world.paypal.refunds.length, 1);
  });

  it("MOC-BIL-01: MyOwnConference does not start without PayPal's secrets (or KLAUZULA_PAYMENTS=sandbox); PayPal's secrets go together and default to live PayPal", () => {
    const problem = (env: Record<string, string>, preset: string) => {
      try {
        readConfig(env, { preset });
        return null;
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
    };
    assert.match(
      problem({}, 'myownconference') ?? '',
      /names paypal, but PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID are not set/,
    );
    assert.equal(problem({ KLAUZULA_PAYMENTS: 'sandbox' }, 'myownconference'), null);
    assert.match(problem({ PAYPAL_CLIENT_ID: 'id' }, 'myownconference') ?? '', /must be set together/);
    const env = { PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 'secret', PAYPAL_WEBHOOK_ID: 'WH1' };
    assert.deepEqual(readConfig(env, { preset: 'myownconference' }).gateways.paypal, {
      clientId: 'id',
      clientSecret: 'secret',
      webhookId: 'WH1',
      apiUrl: 'https://api-m.paypal.com',
      certUrlPrefixes: [
        'https://api.paypal.com/',
        'https://api-m.paypal.com/',
        'https://api.sandbox.paypal.com/',
        'https://api-m.sandbox.paypal.com/',
      ],
    });
    assert.match(
      problem(env, 'clickmeeting') ?? '',
      /PAYPAL_CLIENT_ID is set, but the policy's billing.paymentProviders does not name paypal/,
    );
  });
});
