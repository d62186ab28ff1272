import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { ConfigError, readConfig } from '../src/config.ts';
import { manualClock } from '../src/platform/clock.ts';
import { toDecimalString } from '../src/platform/money.ts';
import { aTestClock, entitlements, events, registered } from './helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';
import { startStripeServer } from './helpers/stripe-server.ts';
import { aStripeWorld, type StripeWorld, stripeWebhook } from './helpers/stripe-world.ts';

// Cards through Stripe: the app's real Stripe client against a local server that answers as Stripe's API
// documents it (test/helpers/stripe-server.ts). Charges leave outside any transaction under the payment's
// idempotency key; answers and signed webhooks are settled by the same code, once.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' };
const THREE_D_SECURE = { number: '4000 0025 0000 3155', expMonth: 12, expYear: 2030 };
const DECLINES_LATER = { number: '4000 0000 0000 0341', expMonth: 12, expYear: 2030 };
const DECLINED = { number: '4000 0000 0000 0002', expMonth: 12, expYear: 2030 };

/** A customer on the real (process) clock: its card goes to Stripe, not to the sandbox. */
async function aCustomer(app: TestApp, email = 'anna@roza.example'): Promise<string> {
  const res = await app.http.inject({
    method: 'POST',
    url: '/v1/registrations',
    headers: app.operator,
    payload: aRegistration(app.current().policy, { email }),
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().accountId;
}

async function saveCard(app: TestApp, accountId: string, card: object, recurringConsent = true) {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/payment-methods`,
    headers: app.operator,
    payload: { card, recurringConsent },
  });
  return res;
}

function order(app: TestApp, accountId: string, body: Record<string, unknown>, key?: string) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: { ...app.operator, ...(key ? { 'idempotency-key': key } : {}) },
    payload: body,
  });
}

async function paymentsOf(app: TestApp, accountId: string) {
  return (await app.billing.payments(accountId)).map((p) => ({
    key: p.idempotencyKey,
    provider: p.provider,
    status: p.status,
    amount: toDecimalString({ amount: p.amount, currency: p.currency }),
    failureCode: p.failureCode,
    ref: p.providerRef,
  }));
}

async function tab(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/billing`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

const ofType = async (app: TestApp, accountId: string, type: string) =>
  (await events(app, accountId)).filter((e) => e.type === type);

/** A Bookero customer who saved a card at Stripe with consent and ordered Standard monthly on 2026-03-17. */
async function aSubscriber(world: StripeWorld) {
  const { app } = world;
  const accountId = await aCustomer(app);
  const saved = await saveCard(app, accountId, GOOD_CARD);
  assert.equal(saved.statusCode, 201, saved.body);
  const res = await order(app, accountId, {
    plan: 'standard',
    frequency: 'monthly',
    paymentMethodId: saved.json().id,
  });
  assert.equal(res.statusCode, 201, res.body);
  return {
    accountId,
    subscription: res.json().subscription,
    invoice: res.json().invoice,
    card: saved.json(),
  };
}

describe('Stripe: cards, orders and renewals', () => {
  it('BK-BIL-05: a card saved through Stripe keeps only its last four digits and the pm_ id; the order is one PaymentIntent sent after the commit under the order key, and its webhook changes nothing more', async (t) => {
    const world = await aStripeWorld(t, 'bookero', '2026-03-17T09:00:00+01:00');
    const { app, stripe } = world;
    const { accountId, subscription, invoice, card } = await aSubscriber(world);

    const { id: _id, ...kept } = card;
    assert.deepEqual(kept, {
      provider: 'stripe',
      brand: null,
      last4: '4242',
      expMonth: null,
      expYear: null,
      recurringConsentAt: '2026-03-17T08:00:00.000Z',
      consentWithdrawnAt: null,
    });
    const [stored] = await app.db.rows<{ provider_ref: string }>(
      sql`select provider_ref from payment_methods`,
    );
    assert.match(stored!.provider_ref, /^pm_/);
    assert.equal(stripe.intents.size, 1);
    const [intent] = [...stripe.intents.values()];

    assert.deepEqual(
      [subscription.currentPeriod, subscription.paidThrough],
      [{ from: '2026-03-17', to: '2026-04-16' }, '2026-04-16'],
    );
    assert.equal(invoice.status, 'paid');
    const payments = await paymentsOf(app, accountId);
    assert.deepEqual(payments, [
      {
        key: `order:${accountId}:2026-03-17`,
        provider: 'stripe',
        status: 'succeeded',
        amount: invoice.gross,
        failureCode: null,
        ref: intent!.id,
      },
    ]);
    assert.equal(intent!.amount, Math.round(Number(invoice.gross) * 100), 'the invoice gross, in grosze');
    assert.equal(intent!.currency, 'pln');
    const [payment] = await app.billing.payments(accountId);
    assert.deepEqual(intent!.metadata, { klauzula_payment: payment!.id, klauzula_intent: payments[0]!.key });
    const sent = stripe.requests.filter((r) => r.path === '/v1/payment_intents');
    assert.deepEqual(
      sent.map((r) => r.idempotencyKey),
      [`order:${accountId}:2026-03-17`],
    );
    assert.equal((await entitlements(app, accountId)).plan.code, 'standard');

    // Stripe's webhook for the same PaymentIntent arrives after the answer was applied: nothing changes.
    assert.deepEqual(await stripe.deliver(), [200]);
    const succeeded = stripe.events.find((e) => e.type === 'payment_intent.succeeded')!;
    const again = await stripeWebhook(app, succeeded.payload, stripe.sign(succeeded.payload));
    assert.deepEqual([again.statusCode, again.json().result], [200, 'duplicate']);
    assert.equal((await tab(app, accountId)).invoices.length, 1);
    assert.equal((await ofType(app, accountId, 'payment.succeeded')).length, 1);
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('CM-BIL-01, BK-BIL-05: the renewal on 2026-04-17 commits a pending payment and no invoice; the charge leaves outside the transaction; Stripe charged but the answer was lost → the re-send under the same key gets the same PaymentIntent: one charge, one invoice', async (t) => {
    const world = await aStripeWorld(t, 'bookero', '2026-03-17T09:00:00+01:00');
    const { app, stripe, clock } = world;
    const { accountId, subscription } = await aSubscriber(world);
    stripe.hold();

    clock.set('2026-04-17T00:00:00+02:00');
    await app.dueWork.sweep({ clockId: null, now: clock.now() });
    const key = `renew:${subscription.id}:2026-04-17`;
    assert.deepEqual((await paymentsOf(app, accountId)).at(-1), {
      key,
      provider: 'stripe',
      status: 'pending',
      amount: (await tab(app, accountId)).invoices[0].gross,
      failureCode: null,
      ref: null,
    });
    assert.equal(stripe.intents.size, 1, 'the sweep itself sent nothing');
    assert.equal((await tab(app, accountId)).invoices.length, 1, 'no invoice before the money (BK-BIL-07)');

    // Stripe takes the money, the connection drops before the app hears of it.
    stripe.dropNextResponse('/v1/payment_intents');
    assert.equal(await app.billing.sendDueCharges(), 1);
    assert.equal(stripe.charges().length, 2, 'Stripe charged');
    assert.equal((await paymentsOf(app, accountId)).at(-1)!.status, 'pending');
    assert.equal(await app.billing.sendDueCharges(), 0, 'leased: not re-sent at once');

    clock.set('2026-04-17T00:06:00+02:00');
    assert.equal(await app.billing.sendDueCharges(), 1);
    const sends = stripe.requests.filter((r) => r.path === '/v1/payment_intents' && r.idempotencyKey === key);
    // The client's own retry of the closed connection, then the runner's re-send: the same key each time.
    assert.deepEqual(
      sends.map((r) => r.replayed),
      [false, true, true],
      'the same key, answered from the first',
    );
    assert.equal(stripe.charges().length, 2, 'one charge for the period');
    const renewal = [...stripe.intents.values()].at(-1)!;
    const after = await tab(app, accountId);
    assert.deepEqual(
      [after.subscription.currentPeriod, after.subscription.paidThrough, after.invoices.length],
      [{ from: '2026-04-17', to: '2026-05-16' }, '2026-05-16', 2],
    );
    assert.equal(after.invoices[0].issueDate, '2026-04-17');
    assert.deepEqual((await paymentsOf(app, accountId)).at(-1)!, {
      key,
      provider: 'stripe',
      status: 'succeeded',
      amount: after.invoices[0].gross,
      failureCode: null,
      ref: renewal.id,
    });
    const renewed = await ofType(app, accountId, 'subscription.renewed');
    assert.deepEqual(
      renewed.map((e) => [e.clause, e.occurredAt]),
      [['BK-BIL-05', '2026-04-16T22:00:00.000Z']],
    );
    assert.deepEqual(
      (await app.dueWork.pending(accountId))
        .filter((d) => d.kind === 'billing.renew')
        .map((d) => d.dueAt.toISOString()),
      ['2026-05-16T22:00:00.000Z'],
    );

    // Its webhook comes after all that: nothing more.
    const statuses = await stripe.deliver();
    assert.ok(statuses.every((s) => s === 200));
    assert.equal((await tab(app, accountId)).invoices.length, 2);
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('a payment_intent.succeeded that arrives before the app recorded the answer is applied from the webhook; nothing is re-sent, and a replay and a late payment_failed change nothing; a bad signature is refused with 400', async (t) => {
    const world = await aStripeWorld(t, 'bookero', '2026-03-17T09:00:00+01:00');
    const { app, stripe, clock } = world;
    const { accountId, subscription } = await aSubscriber(world);
    stripe.hold();
    clock.set('2026-04-17T00:00:00+02:00');
    await app.dueWork.sweep({ clockId: null, now: clock.now() });
    stripe.dropNextResponse('/v1/payment_intents');
    await app.billing.sendDueCharges();
    const renewal = [...stripe.intents.values()].at(-1)!;
    const succeeded = stripe.events.find(
      (e) => e.type === 'payment_intent.succeeded' && JSON.parse(e.payload).data.object.id === renewal.id,
    )!;

    // A forged or altered notification changes nothing.
    const forged = await stripeWebhook(
      app,
      succeeded.payload,
      stripe.sign(succeeded.payload, 'whsec_forger'),
    );
    assert.deepEqual([forged.statusCode, forged.json().code], [400, 'billing.webhook_signature_invalid']);
    const altered = succeeded.payload.replace(`"amount": ${renewal.amount}`, '"amount": 1');
    assert.notEqual(altered, succeeded.payload);
    const tampered = await stripeWebhook(app, altered, stripe.sign(succeeded.payload));
    assert.equal(tampered.statusCode, 400);
    const unsigned = await app.http.inject({
      method: 'POST',
      url: '/v1/webhooks/stripe',
      headers: { 'content-type': 'application/json' },
      payload: succeeded.payload,
    });
    assert.equal(unsigned.statusCode, 400);
    assert.equal((await paymentsOf(app, accountId)).at(-1)!.status, 'pending');

    const applied = await stripe.send(succeeded.id);
    assert.equal(applied, 200);
    const after = await tab(app, accountId);
    assert.deepEqual([after.subscription.paidThrough, after.invoices.length], ['2026-05-16', 2]);
    assert.equal(
      (await paymentsOf(app, accountId)).at(-1)!.ref,
      renewal.id,
      'the reference learnt from the webhook',
    );

    // The same event again, the lost answer re-fetched, and a payment_failed arriving late: no change.
    const replay = await stripeWebhook(app, succeeded.payload, stripe.sign(succeeded.payload));
    assert.deepEqual([replay.statusCode, replay.json().result], [200, 'duplicate']);
    clock.set('2026-04-17T00:06:00+02:00');
    assert.equal(await app.billing.sendDueCharges(), 0, 'settled by the webhook: nothing left to send');
    const late = JSON.parse(succeeded.payload);
    late.id = 'evt_late_failure';
    late.type = 'payment_intent.payment_failed';
    late.data.object.status = 'requires_payment_method';
    late.data.object.last_payment_error = { code: 'card_declined', decline_code: 'generic_decline' };
    const latePayload = JSON.stringify(late);
    const lateRes = await stripeWebhook(app, latePayload, stripe.sign(latePayload));
    assert.deepEqual([lateRes.statusCode, lateRes.json().result], [200, 'no_change']);

    const payments = await paymentsOf(app, accountId);
    assert.deepEqual(
      payments.map((p) => [p.key, p.status]),
      [
        [`order:${accountId}:2026-03-17`, 'succeeded'],
        [`renew:${subscription.id}:2026-04-17`, 'succeeded'],
      ],
    );
    assert.equal((await tab(app, accountId)).invoices.length, 2);
    assert.equal((await ofType(app, accountId, 'subscription.renewed')).length, 1);
    assert.equal((await ofType(app, accountId, 'payment.failed')).length, 0);
    assert.equal(stripe.charges().length, 2);
  });

  it('a webhook for a payment this database does not know is refused with 409 and not recorded, so that Stripe delivers it again', async (t) => {
    const world = await aStripeWorld(t, 'bookero', '2026-03-17T09:00:00+01:00');
    const { app, stripe } = world;
    const event = {
      id: 'evt_unknown_payment',
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(world.clock.now().getTime() / 1000),
      data: {
        object: {
          id: 'pi_x',
          object: 'payment_intent',
          status: 'succeeded',
          metadata: { klauzula_payment: 'pay_missing' },
        },
      },
    };
    const payload = JSON.stringify(event);
    const first = await stripeWebhook(app, payload, stripe.sign(payload));
    assert.deepEqual([first.statusCode, first.json().code], [409, 'billing.webhook_not_applicable']);
    const [seen] = await app.db.rows<{ n: number }>(sql`select count(*)::int as n from provider_events`);
    assert.equal(seen!.n, 0);
    const other = JSON.stringify({
      ...event,
      id: 'evt_not_ours',
      data: { object: { id: 'pi_y', object: 'payment_intent', metadata: {} } },
    });
    const ignored = await stripeWebhook(app, other, stripe.sign(other));
    assert.deepEqual([ignored.statusCode, ignored.json().result], [200, 'ignored']);
  });

  it('a renewal declined off-session (4000 0000 0000 0341) records payment.failed and subscription.renewal_failed, goes past due and schedules the next try; its payment_failed webhook changes nothing more, and a success reported for it later is only logged for staff', async (t) => {
    const world = await aStripeWorld(t, 'bookero', '2026-03-17T09:00:00+01:00');
    const { app, stripe, clock } = world;
    const { accountId, subscription } = await aSubscriber(world);
    const changed = await saveCard(app, accountId, DECLINES_LATER);
    assert.equal(changed.statusCode, 201, changed.body);
    stripe.hold();

    clock.set('2026-04-17T00:00:00+02:00');
    await app.dueWork.sweep({ clockId: null, now: clock.now() });
    assert.equal(await app.billing.sendDueCharges(), 1);
    assert.deepEqual((await paymentsOf(app, accountId)).at(-1)!.status, 'failed');
    assert.deepEqual((await paymentsOf(app, accountId)).at(-1)!.failureCode, 'card_declined');
    const after = await tab(app, accountId);
    assert.deepEqual(
      [after.subscription.status, after.subscription.paidThrough, after.invoices.length],
      ['past_due', '2026-04-16', 1],
    );
    const [failed] = await ofType(app, accountId, 'subscription.renewal_failed');
    assert.deepEqual(failed?.data, {
      subscription: subscription.id,
      periodFrom: '2026-04-17',
      attempt: 1,
      nextAttemptAt: '2026-04-17T22:00:00.000Z',
      final: false,
    });
    assert.equal((await ofType(app, accountId, 'payment.failed'))[0]?.clause, 'BK-BIL-05');
    assert.deepEqual(await stripe.deliver(), [200]);
    assert.equal((await ofType(app, accountId, 'payment.failed')).length, 1);
    // A success reported for the declined intent is not applied, but put on record for staff.
    const declinedIntent = [...stripe.intents.values()].at(-1)!;
    const claimed = JSON.stringify({
      id: 'evt_success_after_decline',
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(clock.now().getTime() / 1000),
      data: { object: { ...declinedIntent, status: 'succeeded' } },
    });
    const late = await stripeWebhook(app, claimed, stripe.sign(claimed));
    assert.deepEqual([late.statusCode, late.json().result], [200, 'no_change']);
    assert.equal((await paymentsOf(app, accountId)).at(-1)!.status, 'failed');
    assert.deepEqual(
      (await ofType(app, accountId, 'payment.succeeded_after_decline')).map((e) => e.data.providerRef),
      [declinedIntent.id],
    );

    // The next try, a day later, is a new attempt under its own key.
    clock.set('2026-04-18T00:00:00+02:00');
    await app.dueWork.sweep({ clockId: null, now: clock.now() });
    await app.billing.sendDueCharges();
    assert.deepEqual(
      (await paymentsOf(app, accountId)).slice(1).map((p) => [p.key, p.status]),
      [
        [`renew:${subscription.id}:2026-04-17`, 'failed'],
        [`renew:${subscription.id}:2026-04-17:2`, 'failed'],
      ],
    );
  });

  it('CM-BIL-02: a card needing 3-D Secure at the order answers 202 with the client secret the browser needs, starts nothing, and the subscription starts when the succeeded webhook arrives after the customer authenticated', async (t) => {
    const world = await aStripeWorld(t, 'clickmeeting', '2026-03-15T10:00:00+01:00');
    const { app, stripe } = world;
    const accountId = await aCustomer(app);
    const body = { plan: 'live', frequency: 'monthly', card: THREE_D_SECURE, recurringConsent: true };
    const res = await order(app, accountId, body, 'order-3ds');
    assert.equal(res.statusCode, 202, res.body);
    const intent = [...stripe.intents.values()].at(-1)!;
    assert.equal(intent.status, 'requires_action');
    assert.deepEqual(res.json(), {
      payment: { id: res.json().payment.id, status: 'requires_action' },
      nextAction: { type: 'authenticate', clientSecret: intent.client_secret },
    });
    assert.equal(
      (await entitlements(app, accountId)).plan.code === 'live' &&
        (await entitlements(app, accountId)).access === 'full',
      false,
    );
    assert.deepEqual(
      [(await tab(app, accountId)).subscription, (await tab(app, accountId)).paymentMethods],
      [null, []],
    );
    assert.equal((await paymentsOf(app, accountId))[0]!.status, 'pending');
    assert.equal((await paymentsOf(app, accountId))[0]!.ref, intent.id);

    const twice = await order(app, accountId, { ...body, card: GOOD_CARD });
    assert.deepEqual([twice.statusCode, twice.json().code], [409, 'billing.payment_pending']);

    stripe.authenticate(intent.id, true);
    assert.deepEqual(await stripe.deliver(), [200]);
    const after = await tab(app, accountId);
    assert.deepEqual(
      [
        after.subscription.status,
        after.subscription.currentPeriod,
        after.invoices.length,
        after.invoices[0].gross,
      ],
      ['active', { from: '2026-03-15', to: '2026-04-14' }, 1, '146.37'],
    );
    assert.equal(intent.amount, 14637);
    assert.deepEqual(
      after.paymentMethods.map((m: { last4: string; recurringConsentAt: string }) => [
        m.last4,
        m.recurringConsentAt,
      ]),
      [['3155', '2026-03-15T09:00:00.000Z']],
    );
    const live = await entitlements(app, accountId);
    assert.deepEqual([live.state, live.plan.code, live.access], ['active', 'live', 'full']);
    const log = await events(app, accountId);
    assert.deepEqual(
      ['payment.succeeded', 'invoice.issued', 'subscription.started'].map((type) =>
        log.filter((e) => e.type === type).map((e) => e.clause),
      ),
      [['CM-ACC-09'], ['CM-BIL-09'], ['CM-ACC-09']],
    );
    assert.equal(log.find((e) => e.type === 'payment_method.added')?.clause, 'CM-BIL-02');

    // The order request retried with its Idempotency-Key now answers with the subscription it started.
    const replay = await order(app, accountId, body, 'order-3ds');
    assert.equal(replay.statusCode, 201, replay.body);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(
      [replay.json().subscription.id, replay.json().invoice.number],
      [after.subscription.id, after.invoices[0].number],
    );
    const another = await order(app, accountId, body);
    assert.equal(another.statusCode, 409, 'a new order is refused: the subscription exists');
    assert.equal(stripe.intents.size, 1);
  });

  it('a 3-D Secure order the customer abandons is cancelled at Stripe an hour later and recorded as declined; the next order goes through under the next key', async (t) => {
    const world = await aStripeWorld(t, 'clickmeeting', '2026-03-15T10:00:00+01:00');
    const { app, stripe, clock } = world;
    const accountId = await aCustomer(app);
    const res = await order(app, accountId, { plan: 'live', frequency: 'monthly', card: THREE_D_SECURE });
    assert.equal(res.statusCode, 202, res.body);
    const intent = [...stripe.intents.values()].at(-1)!;

    clock.set('2026-03-15T10:59:00+01:00');
    assert.equal(await app.billing.sendDueCharges(), 0, 'the customer still has time');
    clock.set('2026-03-15T11:00:01+01:00');
    assert.equal(await app.billing.sendDueCharges(), 1);
    assert.equal(intent.status, 'canceled');
    assert.deepEqual(
      (await paymentsOf(app, accountId)).map((p) => [p.status, p.failureCode]),
      [['failed', 'authentication_abandoned']],
    );
    assert.equal(
      (await ofType(app, accountId, 'payment.failed'))[0]?.data.failureCode,
      'authentication_abandoned',
    );
    assert.deepEqual(await stripe.deliver(['payment_intent.canceled']), [200]);

    const next = await order(app, accountId, { plan: 'live', frequency: 'monthly', card: GOOD_CARD });
    assert.equal(next.statusCode, 201, next.body);
    assert.deepEqual(
      (await paymentsOf(app, accountId)).map((p) => [p.key, p.status]),
      [
        [`order:${accountId}:2026-03-15`, 'failed'],
        [`order:${accountId}:2026-03-15:2`, 'succeeded'],
      ],
    );
    assert.equal(stripe.charges().length, 1);
  });

  it('a card Stripe refuses to attach (4000 0000 0000 0002) fails the order with 402 and records the failed attempt without sending a charge', async (t) => {
    const world = await aStripeWorld(t, 'clickmeeting', '2026-03-15T10:00:00+01:00');
    const { app, stripe } = world;
    const accountId = await aCustomer(app);
    const res = await order(app, accountId, { plan: 'live', frequency: 'monthly', card: DECLINED });
    assert.deepEqual(
      [res.statusCode, res.json().code, res.json().details.failureCode],
      [402, 'billing.payment_declined', 'card_declined'],
    );
    assert.deepEqual(
      (await paymentsOf(app, accountId)).map((p) => [p.status, p.failureCode]),
      [['failed', 'card_declined']],
    );
    assert.equal(stripe.intents.size, 0);
    assert.equal(await app.billing.sendDueCharges(), 0);
  });

  it('CM-BIL-04: a refund for withdrawal goes back through Stripe as a Refund of the PaymentIntent under refund:<payment>, sent after its commit; a refund whose answer was lost stays pending and the runner re-sends it under the same key: refunded once', async (t) => {
    const world = await aStripeWorld(t, 'clickmeeting', '2026-03-15T10:00:00+01:00');
    const { app, stripe, clock } = world;
    const accountId = await aCustomer(app);
    const ordered = await order(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    assert.equal(ordered.statusCode, 201, ordered.body);
    const paymentId = ordered.json().payment.id;
    const refund = () =>
      app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/refunds`,
        headers: app.operator,
        payload: { paymentId, reason: 'withdrawal' },
      });

    stripe.dropNextResponse('/v1/refunds');
    const lost = await refund();
    assert.equal(lost.statusCode, 202, lost.body);
    assert.deepEqual(
      [lost.json().refund.status, lost.json().refund.providerRef, lost.json().correction.kind],
      ['pending', null, 'KOR'],
    );
    assert.equal(stripe.refunds.size, 1, 'Stripe refunded, the answer was lost');

    const res = await refund();
    assert.deepEqual([res.statusCode, res.json().refund.status], [202, 'pending'], 'not re-sent at once');
    clock.set('2026-03-15T10:06:00+01:00');
    assert.equal(await app.billing.sendDueRefunds(), 1);
    const [stripeRefund] = [...stripe.refunds.values()];
    assert.equal(stripe.refunds.size, 1, 'refunded once');
    const [stored] = await app.billing.refunds(accountId);
    assert.deepEqual(
      [
        toDecimalString({ amount: stored!.amount, currency: stored!.currency }),
        stored!.providerRef,
        stored!.status,
      ],
      ['146.37', stripeRefund!.id, 'refunded'],
    );
    assert.deepEqual(
      [stripeRefund!.amount, stripeRefund!.payment_intent],
      [14637, [...stripe.intents.values()][0]!.id],
    );
    const sends = stripe.requests.filter((r) => r.path === '/v1/refunds');
    assert.deepEqual(
      sends.map((r) => [r.idempotencyKey, r.replayed]),
      [
        [`refund:${paymentId}`, false],
        [`refund:${paymentId}`, true],
        [`refund:${paymentId}`, true],
      ],
    );
    const again = await refund();
    assert.deepEqual([again.statusCode, again.json().refund.status], [200, 'refunded']);
    assert.equal(again.json().correction.status, 'paid');
    assert.equal(stripe.refunds.size, 1);
    assert.equal((await ofType(app, accountId, 'payment.refunded'))[0]?.clause, 'CM-BIL-04');
    assert.equal((await ofType(app, accountId, 'payment.refund_sent'))[0]?.clause, 'CM-BIL-04');
  });

  it('an account on a test clock keeps using the sandbox although Stripe is configured', async (t) => {
    const world = await aStripeWorld(t, 'clickmeeting', '2026-03-15T10:00:00+01:00');
    const { app, stripe } = world;
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { accountType: 'paid', plan: 'live' });
    const res = await order(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(
      (await paymentsOf(app, accountId)).map((p) => p.provider),
      ['sandbox'],
    );
    assert.deepEqual(stripe.requests, []);
  });
});

describe('Stripe: a new card is registered before the order transaction', () => {
  it("BK-BIL-05: an order with a new card sent twice under one Idempotency-Key registers one PaymentMethod and one Customer at Stripe (the retry gets Stripe's first answers), keeps one card and charges once", async (t) => {
    const world = await aStripeWorld(t, 'bookero', '2026-03-17T09:00:00+01:00');
    const { app, stripe } = world;
    const accountId = await aCustomer(app);
    const body = { plan: 'standard', frequency: 'monthly', card: GOOD_CARD, recurringConsent: true };
    const first = await order(app, accountId, body, 'order-new-card');
    assert.equal(first.statusCode, 201, first.body);
    const again = await order(app, accountId, body, 'order-new-card');
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.json().invoice.id, first.json().invoice.id);
    const registrations = stripe.requests.filter(
      (r) => r.path === '/v1/payment_methods' || r.path === '/v1/customers',
    );
    assert.deepEqual(
      registrations.map((r) => [r.path, r.idempotencyKey, r.replayed]),
      [
        ['/v1/payment_methods', `card:${accountId}:order-new-card:pm`, false],
        ['/v1/customers', `card:${accountId}:order-new-card:customer`, false],
        ['/v1/payment_methods', `card:${accountId}:order-new-card:pm`, true],
        ['/v1/customers', `card:${accountId}:order-new-card:customer`, true],
      ],
    );
    const methods = await app.db.rows<{ provider_ref: string }>(
      sql`select provider_ref from payment_methods where account_id = ${accountId}`,
    );
    assert.equal(methods.length, 1);
    assert.equal(stripe.requests.filter((r) => r.path === '/v1/payment_intents').length, 1);
  });
});

describe('payment gateways: configuration and API description', () => {
  it('secrets come from the environment, never the policy: Stripe and tpay each need both of their secrets; tpay defaults to its production origins', () => {
    assert.deepEqual(readConfig({}, {}).gateways, { stripe: undefined, tpay: undefined, paypal: undefined });
    assert.throws(() => readConfig({ STRIPE_SECRET_KEY: 'sk_test_1' }, {}), ConfigError);
    assert.throws(() => readConfig({ TPAY_CLIENT_ID: 'x' }, {}), ConfigError);
    const both = {
      STRIPE_SECRET_KEY: 'sk_test_1',
      STRIPE_WEBHOOK_SECRET: 'whsec_1',
      TPAY_CLIENT_ID: 'id',
      TPAY_CLIENT_SECRET: 'secret',
    };
    assert.deepEqual(readConfig(both, { preset: 'bookero' }).gateways.stripe, {
      secretKey: 'sk_test_1',
      webhookSecret: 'whsec_1',
      apiUrl: undefined,
    });
    assert.deepEqual(readConfig(both, { preset: 'bookero' }).gateways.tpay, {
      clientId: 'id',
      clientSecret: 'secret',
      apiUrl: 'https://api.tpay.com',
      certificatesUrl: 'https://secure.tpay.com',
      merchantId: undefined,
    });
  });

  it('the gateway comes from the policy: a policy naming Stripe or tpay without their secrets stops at start with the variables to set; secrets for a gateway the policy does not name stop it too; KLAUZULA_PAYMENTS=sandbox runs a demo on the sandbox', () => {
    const problem = (env: Record<string, string>, preset: string) => {
      try {
        readConfig(env, { preset });
        return null;
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
    };
    const bookero = problem({}, 'bookero');
    assert.match(bookero ?? '', /names stripe, but STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are not set/);
    assert.match(bookero ?? '', /names tpay, but TPAY_CLIENT_ID and TPAY_CLIENT_SECRET are not set/);
    assert.match(
      problem({ TPAY_CLIENT_ID: 'id', TPAY_CLIENT_SECRET: 'secret' }, 'bookero') ?? '',
      /^preset bookero: .*names stripe, but STRIPE_SECRET_KEY/,
    );
    assert.match(
      problem({ STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1' }, 'clickmeeting') ?? '',
      /STRIPE_SECRET_KEY is set, but the policy's billing.paymentProviders does not name stripe/,
    );
    assert.equal(problem({ KLAUZULA_PAYMENTS: 'sandbox' }, 'bookero'), null);
    assert.match(problem({ KLAUZULA_PAYMENTS: 'live' }, 'bookero') ?? '', /KLAUZULA_PAYMENTS/);
    assert.equal(problem({}, 'quanda'), null, 'bank transfers need no gateway');
  });

  it('CM-BIL-02: with Stripe configured, a policy that does not name Stripe keeps its cards off Stripe (nothing is sent to it)', async (t) => {
    const clock = manualClock('2026-03-15T10:00:00+01:00');
    const stripe = await startStripeServer({ now: () => clock.now() });
    t.after(() => stripe.close());
    const app = await buildTestApp({
      preset: 'clickmeeting',
      clock,
      gateways: {
        stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiUrl: stripe.url },
      },
    });
    t.after(() => app.close());
    const accountId = await aCustomer(app);
    const saved = await saveCard(app, accountId, GOOD_CARD);
    assert.equal(saved.statusCode, 201, saved.body);
    assert.deepEqual(stripe.requests, []);
  });

  it('the webhooks and pay-by-link are in the OpenAPI document; a gateway that is not configured has no webhook (404)', async (t) => {
    const app = await buildTestApp({ preset: 'bookero' });
    t.after(() => app.close());
    const doc = (await app.http.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of [
      '/v1/webhooks/stripe',
      '/v1/webhooks/tpay',
      '/v1/accounts/{accountId}/invoices/{invoiceId}/payment-links',
    ])
      assert.ok(doc.paths[path]?.post, path);
    assert.match(doc.paths['/v1/webhooks/stripe'].post.description, /Stripe-Signature/);
    const res = await stripeWebhook(app, '{"id":"evt_1"}', 't=1,v1=00');
    assert.equal(res.statusCode, 404);
  });
});
