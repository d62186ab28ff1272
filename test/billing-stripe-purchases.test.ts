import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountCredits } from '../src/modules/billing/billing-schema.ts';
import { toDecimalString } from '../src/platform/money.ts';
import { entitlements, events } from './helpers/accounts.ts';
import { aRegistration, type TestApp } from './helpers/app.ts';
import { aStripeWorld, type StripeWorld, stripeWebhook } from './helpers/stripe-world.ts';

// Upgrades, add-ons and packs paid by card through Stripe: the app's real Stripe client against the local
// server that answers as Stripe's API documents it. The pending payment is committed first, the charge
// leaves after the commit under the payment's key, and the answer or the webhook settles it once; only then
// is the purchase applied (new plan, add-on, balance) with its paid invoice.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' };
const THREE_D_SECURE = { number: '4000 0025 0000 3155', expMonth: 12, expYear: 2030 };
const DECLINES_LATER = { number: '4000 0000 0000 0341', expMonth: 12, expYear: 2030 };

/** A ClickMeeting customer on Live monthly since 2026-03-15 (period 03-15..04-14), paid through Stripe. */
async function aSubscriber(world: StripeWorld) {
  const { app } = world;
  const res = await app.http.inject({
    method: 'POST',
    url: '/v1/registrations',
    headers: app.operator,
    payload: aRegistration(app.current().policy, { email: 'anna@roza.example' }),
  });
  assert.equal(res.statusCode, 201, res.body);
  const accountId: string = res.json().accountId;
  const ordered = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: { plan: 'live', frequency: 'monthly', card: GOOD_CARD, recurringConsent: true },
  });
  assert.equal(ordered.statusCode, 201, ordered.body);
  assert.deepEqual(await world.stripe.deliver(), [200]);
  return accountId;
}

async function addCard(app: TestApp, accountId: string, card: object): Promise<string> {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/payment-methods`,
    headers: app.operator,
    payload: { card, recurringConsent: false },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

async function paymentsOf(app: TestApp, accountId: string) {
  return (await app.billing.payments(accountId)).map((p) => ({
    key: p.idempotencyKey,
    status: p.status,
    amount: toDecimalString({ amount: p.amount, currency: p.currency }),
    failureCode: p.failureCode,
  }));
}

async function invoicesOf(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/billing`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().invoices as { gross: string; net: string; status: string }[];
}

type Purchase = {
  name: string;
  clause: string;
  /** When it is bought (within 2026-03-15..04-14). */
  on: string;
  path: string;
  body: Record<string, unknown>;
  /** The answer's status once settled. */
  okStatus: number;
  gross: string;
  net: string;
  /** The intent its payment's key starts with. */
  keyPrefix: string;
  eventType: string;
  /** Whether what it buys is in force. */
  applied: (app: TestApp, accountId: string) => Promise<boolean>;
  /** The part of the settled answer that says what was bought. */
  bought: (json: Record<string, unknown>) => unknown;
  expected: unknown;
};

const PURCHASES: Purchase[] = [
  {
    name: 'an upgrade Live → Automated',
    clause: 'CM-BIL-07',
    on: '2026-04-05T12:00:00+02:00',
    path: 'subscription/plan-change',
    body: { plan: 'automated' },
    okStatus: 200,
    // 130 × 10/30 = 43.33 net + 23 %
    net: '43.33',
    gross: '53.30',
    keyPrefix: 'upgrade:',
    eventType: 'subscription.plan_changed',
    applied: async (app, id) => (await entitlements(app, id)).plan.code === 'automated',
    bought: (json) => [json.outcome, (json.subscription as { plan: string }).plan, json.difference],
    expected: ['changed', 'automated', { net: '43.33', currency: 'PLN' }],
  },
  {
    name: 'an add-on (extra storage, PLN 60/month)',
    clause: 'CM-BIL-06',
    on: '2026-04-05T12:00:00+02:00',
    path: 'add-ons',
    body: { addOn: 'extra_storage' },
    okStatus: 201,
    // 60 × 10/30 = 20.00 net + 23 %
    net: '20.00',
    gross: '24.60',
    keyPrefix: 'addon:',
    eventType: 'add_on.purchased',
    applied: async (app, id) => (await entitlements(app, id)).addOns.includes('extra_storage'),
    bought: (json) => (json.addOn as { addOn: string }).addOn,
    expected: 'extra_storage',
  },
  {
    name: 'a 500-minute dial-in pack',
    clause: 'CM-BIL-11',
    on: '2026-04-05T12:00:00+02:00',
    path: 'packs',
    body: { pack: 'dial_in_500' },
    okStatus: 201,
    net: '150.00',
    gross: '184.50',
    keyPrefix: 'pack:',
    eventType: 'balance.topped_up',
    applied: async (app, id) => (await entitlements(app, id)).balances.dial_in_minutes === 500,
    bought: (json) => json.balance,
    expected: { code: 'dial_in_minutes', units: 500 },
  },
];

function buy(
  app: TestApp,
  accountId: string,
  p: Purchase,
  extra: Record<string, unknown> = {},
  key?: string,
) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/${p.path}`,
    headers: { ...app.operator, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { ...p.body, ...extra },
  });
}

const ofType = async (app: TestApp, accountId: string, type: string) =>
  (await events(app, accountId)).filter((e) => e.type === type);

/** A payment_failed for an intent that succeeded, arriving late (out of order). */
function lateFailure(succeededPayload: string): string {
  const late = JSON.parse(succeededPayload);
  late.id = `evt_late_${late.data.object.id}`;
  late.type = 'payment_intent.payment_failed';
  late.data.object.status = 'requires_payment_method';
  late.data.object.last_payment_error = { code: 'card_declined', decline_code: 'generic_decline' };
  return JSON.stringify(late);
}

for (const p of PURCHASES) {
  describe(`Stripe: ${p.name}`, () => {
    it(`${p.clause}: paid through Stripe after the commit under its intent's key: applied with a paid invoice; its webhook, replayed and a late decline change nothing`, async (t) => {
      const world = await aStripeWorld(t);
      const { app, stripe, clock } = world;
      const accountId = await aSubscriber(world);
      clock.set(p.on);
      assert.equal(await p.applied(app, accountId), false);

      const res = await buy(app, accountId, p, {}, 'buy-1');
      assert.equal(res.statusCode, p.okStatus, res.body);
      assert.deepEqual(p.bought(res.json()), p.expected);
      assert.deepEqual(
        [
          res.json().invoice.net,
          res.json().invoice.gross,
          res.json().invoice.status,
          res.json().payment.status,
        ],
        [p.net, p.gross, 'paid', 'succeeded'],
      );
      assert.equal(await p.applied(app, accountId), true);
      const payment = (await paymentsOf(app, accountId)).at(-1)!;
      assert.deepEqual(
        [payment.status, payment.amount, payment.key.startsWith(p.keyPrefix)],
        ['succeeded', p.gross, true],
      );
      const sends = stripe.requests.filter(
        (r) => r.path === '/v1/payment_intents' && r.idempotencyKey === payment.key,
      );
      assert.equal(sends.length, 1, 'sent once, under the payment key');
      assert.equal(stripe.charges().length, 2);
      const intent = [...stripe.intents.values()].at(-1)!;
      assert.equal(intent.amount, Math.round(Number(p.gross) * 100));

      const succeeded = stripe.events.filter((e) => e.type === 'payment_intent.succeeded').at(-1)!;
      assert.deepEqual(await stripe.deliver(), [200]);
      const replay = await stripeWebhook(app, succeeded.payload, stripe.sign(succeeded.payload));
      assert.deepEqual([replay.statusCode, replay.json().result], [200, 'duplicate']);
      const late = lateFailure(succeeded.payload);
      const lateRes = await stripeWebhook(app, late, stripe.sign(late));
      assert.deepEqual([lateRes.statusCode, lateRes.json().result], [200, 'no_change']);

      // The request retried with its key answers from the first; the purchase happened once.
      const again = await buy(app, accountId, p, {}, 'buy-1');
      assert.equal(again.statusCode, p.okStatus);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal((await ofType(app, accountId, p.eventType)).length, 1);
      assert.equal((await ofType(app, accountId, p.eventType))[0]!.clause, p.clause);
      assert.equal((await invoicesOf(app, accountId)).length, 2);
      assert.equal(stripe.charges().length, 2);
      assert.equal((await app.eventLog.verify()).ok, true);
    });

    it(`${p.clause}: a card Stripe declines answers 402 and changes nothing but the failed payment; its webhook changes nothing more`, async (t) => {
      const world = await aStripeWorld(t);
      const { app, stripe, clock } = world;
      const accountId = await aSubscriber(world);
      const card = await addCard(app, accountId, DECLINES_LATER);
      clock.set(p.on);
      const res = await buy(app, accountId, p, { paymentMethodId: card });
      assert.deepEqual(
        [res.statusCode, res.json().code, res.json().details.failureCode],
        [402, 'billing.payment_declined', 'card_declined'],
      );
      assert.equal(await p.applied(app, accountId), false);
      assert.deepEqual(
        (await paymentsOf(app, accountId)).map((x) => [x.status, x.failureCode]),
        [
          ['succeeded', null],
          ['failed', 'card_declined'],
        ],
      );
      assert.equal((await invoicesOf(app, accountId)).length, 1, 'no invoice');
      assert.equal((await ofType(app, accountId, p.eventType)).length, 0);
      assert.equal((await ofType(app, accountId, 'payment.failed'))[0]?.data.failureCode, 'card_declined');
      assert.deepEqual(await stripe.deliver(), [200]);
      assert.equal((await ofType(app, accountId, 'payment.failed')).length, 1);
      assert.equal(await p.applied(app, accountId), false);

      // The good card goes through under the intent's next key.
      const next = await buy(app, accountId, p);
      assert.equal(next.statusCode, p.okStatus, next.body);
      assert.equal(await p.applied(app, accountId), true);
      assert.match((await paymentsOf(app, accountId)).at(-1)!.key, /:2$/);
    });

    it(`${p.clause}: 3-D Secure answers 202 with the client secret and applies nothing; a second request is refused while it is pending; the succeeded webhook applies it once (replayed and out of order: no change)`, async (t) => {
      const world = await aStripeWorld(t);
      const { app, stripe, clock } = world;
      const accountId = await aSubscriber(world);
      const card = await addCard(app, accountId, THREE_D_SECURE);
      clock.set(p.on);
      const res = await buy(app, accountId, p, { paymentMethodId: card }, 'buy-3ds');
      assert.equal(res.statusCode, 202, res.body);
      const intent = [...stripe.intents.values()].at(-1)!;
      assert.equal(intent.status, 'requires_action');
      assert.deepEqual(res.json(), {
        payment: { id: res.json().payment.id, status: 'requires_action', provider: 'stripe' },
        nextAction: { type: 'authenticate', clientSecret: intent.client_secret },
      });
      assert.equal(await p.applied(app, accountId), false);
      assert.equal((await invoicesOf(app, accountId)).length, 1);
      assert.equal((await paymentsOf(app, accountId)).at(-1)!.status, 'pending');

      const twice = await buy(app, accountId, p);
      assert.deepEqual([twice.statusCode, twice.json().code], [409, 'billing.payment_pending']);

      // The customer authenticates; the success is delivered, then a decline out of order, then the success again.
      stripe.authenticate(intent.id, true);
      const succeeded = stripe.events.filter((e) => e.type === 'payment_intent.succeeded').at(-1)!;
      assert.equal(await stripe.send(succeeded.id), 200);
      assert.equal(await p.applied(app, accountId), true);
      const late = lateFailure(succeeded.payload);
      const lateRes = await stripeWebhook(app, late, stripe.sign(late));
      assert.deepEqual([lateRes.statusCode, lateRes.json().result], [200, 'no_change']);
      const replay = await stripeWebhook(app, succeeded.payload, stripe.sign(succeeded.payload));
      assert.deepEqual([replay.statusCode, replay.json().result], [200, 'duplicate']);

      const invoices = await invoicesOf(app, accountId);
      assert.deepEqual([invoices.length, invoices[0]!.gross, invoices[0]!.status], [2, p.gross, 'paid']);
      assert.equal((await ofType(app, accountId, p.eventType)).length, 1);
      assert.equal((await paymentsOf(app, accountId)).at(-1)!.status, 'succeeded');

      // The request retried with its key now answers with what was bought.
      const retried = await buy(app, accountId, p, { paymentMethodId: card }, 'buy-3ds');
      assert.equal(retried.statusCode, p.okStatus, retried.body);
      assert.deepEqual(p.bought(retried.json()), p.expected);
      assert.equal(stripe.charges().length, 2);
      assert.equal((await app.eventLog.verify()).ok, true);
    });

    it(`${p.clause}: Stripe charged but the answer was lost (a crash between charge and settle): 202, nothing applied; the webhook settles it, the runner's re-send under the same key charges nothing more`, async (t) => {
      const world = await aStripeWorld(t);
      const { app, stripe, clock } = world;
      const accountId = await aSubscriber(world);
      clock.set(p.on);
      stripe.hold();
      stripe.dropNextResponse('/v1/payment_intents');
      const res = await buy(app, accountId, p);
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.json().payment.status, 'pending');
      assert.equal(stripe.charges().length, 2, 'Stripe charged');
      assert.equal(await p.applied(app, accountId), false);
      assert.equal((await invoicesOf(app, accountId)).length, 1);

      assert.deepEqual(await stripe.deliver(), [200]);
      assert.equal(await p.applied(app, accountId), true);
      assert.equal((await invoicesOf(app, accountId)).length, 2);

      clock.set(new Date(clock.now().getTime() + 6 * 60_000).toISOString());
      assert.equal(await app.billing.sendDueCharges(), 0, 'settled by the webhook: nothing to re-send');
      assert.equal(stripe.charges().length, 2);
      assert.equal((await ofType(app, accountId, p.eventType)).length, 1);
    });

    it(`${p.clause}: the answer lost and no webhook: the runner re-sends after the lease under the same key, Stripe answers from the first, and it is applied once`, async (t) => {
      const world = await aStripeWorld(t);
      const { app, stripe, clock } = world;
      const accountId = await aSubscriber(world);
      clock.set(p.on);
      stripe.dropNextResponse('/v1/payment_intents');
      const res = await buy(app, accountId, p);
      assert.equal(res.statusCode, 202, res.body);
      stripe.hold();
      assert.equal(await app.billing.sendDueCharges(), 0, 'leased: not re-sent at once');
      clock.set(new Date(clock.now().getTime() + 6 * 60_000).toISOString());
      assert.equal(await app.billing.sendDueCharges(), 1);
      const key = (await paymentsOf(app, accountId)).at(-1)!.key;
      const sends = stripe.requests.filter(
        (r) => r.path === '/v1/payment_intents' && r.idempotencyKey === key,
      );
      assert.deepEqual(
        sends.map((r) => r.replayed),
        [false, true, true],
      );
      assert.equal(stripe.charges().length, 2, 'one charge');
      assert.equal(await p.applied(app, accountId), true);
      assert.equal((await paymentsOf(app, accountId)).at(-1)!.status, 'succeeded');
      assert.equal((await ofType(app, accountId, p.eventType)).length, 1);
      assert.equal((await invoicesOf(app, accountId)).length, 2);
    });
  });
}

describe('Stripe: account credit drawn by a purchase whose charge settles later', () => {
  const pack = PURCHASES.find((p) => p.path === 'packs')!;

  async function creditOf(app: TestApp, accountId: string): Promise<string> {
    const res = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/billing`,
      headers: app.operator,
    });
    return res.json().credit.amount;
  }

  it('CM-BIL-05: 40.00 of credit is taken off while the 3-D Secure charge of the rest (144.50) waits, given back when authentication fails, and drawn again by the paid retry', async (t) => {
    const world = await aStripeWorld(t);
    const { app, stripe, clock } = world;
    const accountId = await aSubscriber(world);
    // Credit left by an overpayment (CM-BIL-05), as billing records it.
    await app.db.q.insert(accountCredits).values({
      id: 'cred_test_overpaid',
      accountId,
      currency: 'PLN',
      amount: 4000n,
      paymentId: null,
      invoiceId: null,
      createdAt: clock.now(),
    });
    const card = await addCard(app, accountId, THREE_D_SECURE);
    clock.set(pack.on);
    assert.equal(await creditOf(app, accountId), '40.00');

    // 184.50 gross: 40.00 from credit, 144.50 to the card, which asks for 3-D Secure.
    const res = await buy(app, accountId, pack, { paymentMethodId: card }, 'pack-credit-1');
    assert.equal(res.statusCode, 202, res.body);
    assert.equal((await paymentsOf(app, accountId)).at(-1)!.amount, '144.50');
    assert.equal(await creditOf(app, accountId), '0.00', 'reserved while the charge is pending');

    const intent = [...stripe.intents.values()].at(-1)!;
    stripe.authenticate(intent.id, false);
    const failed = stripe.events.filter((e) => e.type === 'payment_intent.payment_failed').at(-1)!;
    assert.equal(await stripe.send(failed.id), 200);
    assert.equal(await creditOf(app, accountId), '40.00', 'given back with the failed charge');
    assert.equal(await pack.applied(app, accountId), false);

    const good = await addCard(app, accountId, GOOD_CARD);
    const paid = await buy(app, accountId, pack, { paymentMethodId: good }, 'pack-credit-2');
    assert.equal(paid.statusCode, 201, paid.body);
    assert.equal((await paymentsOf(app, accountId)).at(-1)!.amount, '144.50');
    assert.equal(await creditOf(app, accountId), '0.00');
    const invoices = await invoicesOf(app, accountId);
    assert.deepEqual([invoices[0]!.gross, invoices[0]!.status], ['184.50', 'paid']);
    assert.equal(await pack.applied(app, accountId), true);
  });
});
