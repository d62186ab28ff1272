import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from '../src/platform/clock.ts';
import { loadPreset } from '../src/policy/index.ts';
import {
  activate,
  advanceClock,
  anApp,
  aTestClock,
  entitlements,
  logIn,
  registered,
} from './helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';
import { startStripeServer } from './helpers/stripe-server.ts';

// A customer restoring or reactivating its own account is there to pay: the period is charged on-session,
// needing no consent to automatic charges and passing a card's 3-D Secure, while the automatic reactivation
// at the end of a suspension stays an off-session charge that needs consent (CM-LIF-07/08). The sandbox card
// 4000 0025 0000 3155 asks for authentication: off-session it is declined (`authentication_required`),
// on-session it succeeds.

const AUTH_CARD = { number: '4000 0025 0000 3155', expMonth: 12, expYear: 2030 };
const EMAIL = 'anna@roza.example';

async function post(app: TestApp, url: string, payload?: object, headers = app.operator) {
  return app.http.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
}

/** A ClickMeeting customer on Live monthly with the authenticating card, ordered (on-session) at `orderedAt`. */
async function aLiveCustomer(app: TestApp, orderedAt: string, recurringConsent: boolean) {
  const clock = await aTestClock(app, orderedAt);
  const { accountId } = await registered(app, clock, { email: EMAIL, accountType: 'paid', plan: 'live' });
  await activate(app, EMAIL);
  const res = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
    plan: 'live',
    frequency: 'monthly',
    card: AUTH_CARD,
    recurringConsent,
    identification: { orderingPerson: 'Anna Nowak' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { clock, accountId, subscription: res.json().subscription.id as string };
}

async function payments(app: TestApp, accountId: string) {
  return (await app.billing.payments(accountId)).map((p) => [p.idempotencyKey, p.status, p.failureCode]);
}

describe('restoration charges with the customer present', () => {
  it('CM-LIF-03: expired from 2026-04-01 without recurring consent; the customer restores on 2026-06-30 and pays on-session: active again that day', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId, subscription } = await aLiveCustomer(app, '2026-03-01T10:00:00+01:00', false);
    await advanceClock(app, clock, '2026-04-01T00:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).state, 'expired', 'no consent: nothing renewed');

    await advanceClock(app, clock, '2026-06-30T10:00:00+02:00');
    const session = await logIn(app, EMAIL);
    const res = await post(app, `/v1/accounts/${accountId}/restore-requests`, undefined, {
      ...session.writes,
      'idempotency-key': 'restore-1',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().status, res.json().charge.outcome], ['restored', 'paid']);
    const restored = await entitlements(app, accountId);
    assert.deepEqual([restored.state, restored.access], ['active', 'full']);
    assert.deepEqual((await payments(app, accountId)).at(-1), [
      `renew:${subscription}:2026-06-30`,
      'succeeded',
      null,
    ]);
    const again = await post(app, `/v1/accounts/${accountId}/restore-requests`, undefined, {
      ...session.writes,
      'idempotency-key': 'restore-1',
    });
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal((await payments(app, accountId)).length, 2, 'charged once');
  });

  it('CM-LIF-03: a customer restore declined on 2026-06-30 answers 402 and the account stays expired; asked again with a new card it is paid', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId, subscription } = await aLiveCustomer(app, '2026-03-01T10:00:00+01:00', false);
    await advanceClock(app, clock, '2026-04-01T00:00:00+02:00');
    await advanceClock(app, clock, '2026-06-30T10:00:00+02:00');
    const session = await logIn(app, EMAIL);
    const declining = await post(
      app,
      `/v1/accounts/${accountId}/payment-methods`,
      { card: { number: '4000000000000341', expMonth: 12, expYear: 2030 }, recurringConsent: false },
      session.writes,
    );
    assert.equal(declining.statusCode, 201, declining.body);
    const first = await post(app, `/v1/accounts/${accountId}/restore-requests`, undefined, session.writes);
    assert.deepEqual([first.statusCode, first.json().code], [402, 'billing.payment_declined']);
    assert.equal((await entitlements(app, accountId)).state, 'expired');

    const good = await post(
      app,
      `/v1/accounts/${accountId}/payment-methods`,
      { card: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 }, recurringConsent: false },
      session.writes,
    );
    assert.equal(good.statusCode, 201, good.body);
    const second = await post(app, `/v1/accounts/${accountId}/restore-requests`, undefined, session.writes);
    assert.equal(second.statusCode, 201, second.body);
    assert.equal(second.json().status, 'restored');
    assert.equal((await entitlements(app, accountId)).state, 'active');
    assert.deepEqual((await payments(app, accountId)).slice(-2), [
      [`renew:${subscription}:2026-06-30`, 'failed', 'card_declined'],
      [`renew:${subscription}:2026-06-30:2`, 'succeeded', null],
    ]);
  });

  it('CM-LIF-07: the customer reactivating on 2026-04-02 with a card that asks for authentication is charged on-session that day and active at once', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const first = await aLiveCustomer(app, '2026-02-16T10:00:00+01:00', true);
    await advanceClock(app, first.clock, '2026-03-01T10:00:00+01:00');
    assert.equal((await post(app, `/v1/accounts/${first.accountId}/suspension`)).statusCode, 201);
    await advanceClock(app, first.clock, '2026-04-02T09:00:00+02:00');
    assert.equal((await entitlements(app, first.accountId)).state, 'suspended');
    const session = await logIn(app, EMAIL);
    const res = await post(app, `/v1/accounts/${first.accountId}/reactivation`, undefined, session.writes);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().charge.outcome, 'paid');
    assert.equal(
      (await entitlements(app, first.accountId)).state,
      'active',
      'at once, not at the next sweep',
    );
    assert.deepEqual((await payments(app, first.accountId)).at(-1), [
      `renew:${first.subscription}:2026-04-02`,
      'succeeded',
      null,
    ]);
  });

  it('CM-LIF-08: the automatic reactivation on 2026-06-14 charges off-session: the authenticating card is declined and the account expires', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId, subscription } = await aLiveCustomer(app, '2026-02-16T10:00:00+01:00', true);
    await advanceClock(app, clock, '2026-03-01T10:00:00+01:00');
    assert.equal((await post(app, `/v1/accounts/${accountId}/suspension`)).statusCode, 201);
    await advanceClock(app, clock, '2026-06-14T00:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).state, 'expired');
    assert.deepEqual((await payments(app, accountId)).at(-1), [
      `renew:${subscription}:2026-06-14`,
      'failed',
      'authentication_required',
    ]);
  });
});

describe('restoration charges with the customer present, through Stripe', () => {
  it('CM-LIF-03: the customer restoring on 2026-05-10 with a card asking for 3-D Secure gets 202 with the client secret; active once the authenticated charge succeeds', async (t) => {
    const clock = manualClock('2026-03-15T10:00:00+01:00');
    const stripe = await startStripeServer({ now: () => clock.now() });
    t.after(() => stripe.close());
    const policy = structuredClone(loadPreset('clickmeeting'));
    for (const provider of policy.billing.paymentProviders)
      if (provider.id === 'card') provider.id = 'stripe';
    const app = await buildTestApp({
      policy,
      clock,
      gateways: {
        stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiUrl: stripe.url },
      },
    });
    t.after(() => app.close());
    stripe.setTarget(
      async (payload, signature) =>
        (
          await app.http.inject({
            method: 'POST',
            url: '/v1/webhooks/stripe',
            headers: { 'content-type': 'application/json', 'stripe-signature': signature },
            payload,
          })
        ).statusCode,
    );
    const reg = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: app.operator,
      payload: aRegistration(app.current().policy, { email: EMAIL }),
    });
    assert.equal(reg.statusCode, 201, reg.body);
    const accountId = reg.json().accountId as string;
    if (reg.json().activationRequired) await activate(app, EMAIL);
    // Ordered on-session without consent to automatic charges: authenticated once, then nothing renews.
    const order = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
      plan: 'live',
      frequency: 'monthly',
      card: { ...AUTH_CARD, cvc: '123' },
      recurringConsent: false,
    });
    assert.equal(order.statusCode, 202, order.body);
    stripe.authenticate([...stripe.intents.values()].at(-1)!.id, true);
    assert.deepEqual(await stripe.deliver(), [200]);
    clock.set('2026-04-15T00:00:00+02:00');
    await app.dueWork.sweep({ clockId: null, now: clock.now() });
    assert.equal((await entitlements(app, accountId)).state, 'expired');

    clock.set('2026-05-10T10:00:00+02:00');
    const session = await logIn(app, EMAIL);
    const res = await post(app, `/v1/accounts/${accountId}/restore-requests`, undefined, session.writes);
    assert.equal(res.statusCode, 202, res.body);
    const intent = [...stripe.intents.values()].at(-1)!;
    assert.equal(intent.status, 'requires_action');
    assert.deepEqual(
      [res.json().status, res.json().charge.status, res.json().nextAction],
      ['awaiting_payment', 'requires_action', { type: 'authenticate', clientSecret: intent.client_secret }],
    );
    assert.equal(
      (await entitlements(app, accountId)).state,
      'expired',
      'nothing until the customer authenticates',
    );

    stripe.authenticate(intent.id, true);
    assert.deepEqual(await stripe.deliver(), [200]);
    assert.equal((await entitlements(app, accountId)).state, 'active');
    const last = (await app.billing.payments(accountId)).at(-1)!;
    assert.deepEqual([last.status, last.idempotencyKey.endsWith(':2026-05-10')], ['succeeded', true]);
  });
});
