import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toDecimalString } from '../src/platform/money.ts';
import { events } from './helpers/accounts.ts';
import { aRegistration, type TestApp } from './helpers/app.ts';
import { aStripeWorld, type StripeWorld, stripeWebhook } from './helpers/stripe-world.ts';

// Refunds through Stripe leave outside any transaction: the refund is written `pending` with its key and its
// correcting invoice (KOR) in one transaction, Stripe is asked after the commit under `refund:<payment>`, and
// the answer (or the webhook) settles it in a second transaction, once.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030, cvc: '123' };

/** A ClickMeeting customer who ordered Live monthly (146.37 gross) on 2026-03-15 with a card at Stripe. */
async function aPaidOrder(world: StripeWorld): Promise<{ accountId: string; paymentId: string }> {
  const { app, stripe } = world;
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
  assert.deepEqual(await stripe.deliver(), [200]);
  return { accountId, paymentId: ordered.json().payment.id };
}

function refund(app: TestApp, accountId: string, paymentId: string) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/refunds`,
    headers: app.operator,
    payload: { paymentId, reason: 'withdrawal' },
  });
}

const ofType = async (app: TestApp, accountId: string, type: string) =>
  (await events(app, accountId)).filter((e) => e.type === type);

async function refundsOf(app: TestApp, accountId: string) {
  return (await app.billing.refunds(accountId)).map((r) => ({
    status: r.status,
    amount: toDecimalString({ amount: r.amount, currency: r.currency }),
    providerRef: r.providerRef,
    key: r.idempotencyKey,
  }));
}

async function invoiceKinds(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/billing`,
    headers: app.operator,
  });
  return (res.json().invoices as { kind: string; status: string; gross: string }[]).map((i) => [
    i.kind,
    i.status,
    i.gross,
  ]);
}

describe('Stripe refunds out of the transaction', () => {
  it('CM-BIL-04: a withdrawal refund is sent to Stripe after its commit and settled at once: refunded, the KOR paid, payment.refund_sent; its refund.created and charge.refunded webhooks and their replays change nothing', async (t) => {
    const world = await aStripeWorld(t);
    const { app, stripe } = world;
    const { accountId, paymentId } = await aPaidOrder(world);
    const res = await refund(app, accountId, paymentId);
    assert.equal(res.statusCode, 201, res.body);
    const [stripeRefund] = [...stripe.refunds.values()];
    assert.deepEqual(
      [
        res.json().refund.status,
        res.json().refund.providerRef,
        res.json().correction.kind,
        res.json().correction.status,
      ],
      ['refunded', stripeRefund!.id, 'KOR', 'paid'],
    );
    assert.deepEqual(await refundsOf(app, accountId), [
      { status: 'refunded', amount: '146.37', providerRef: stripeRefund!.id, key: `refund:${paymentId}` },
    ]);
    assert.deepEqual(await invoiceKinds(app, accountId), [
      ['KOR', 'paid', '-146.37'],
      ['VAT', 'paid', '146.37'],
    ]);
    const sent = await ofType(app, accountId, 'payment.refund_sent');
    assert.deepEqual(
      sent.map((e) => [e.clause, e.data.method, e.data.providerRef]),
      [['CM-BIL-04', 'gateway', stripeRefund!.id]],
    );
    assert.deepEqual(await stripe.deliver(['charge.refunded', 'refund.created']), [200, 200]);
    const created = stripe.events.find((e) => e.type === 'refund.created')!;
    const replay = await stripeWebhook(app, created.payload, stripe.sign(created.payload));
    assert.deepEqual([replay.statusCode, replay.json().result], [200, 'duplicate']);
    assert.equal(await app.billing.sendDueRefunds(), 0);
    assert.equal((await ofType(app, accountId, 'payment.refund_sent')).length, 1);
    assert.equal(stripe.refunds.size, 1);
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('CM-BIL-04: Stripe unavailable: the refund stays pending with its KOR (202, nothing refunded at Stripe) and retriable; the runner re-sends it after the backoff under the same key and it is refunded once', async (t) => {
    const world = await aStripeWorld(t);
    const { app, stripe, clock } = world;
    const { accountId, paymentId } = await aPaidOrder(world);
    stripe.unavailable('/v1/refunds', 1);
    const res = await refund(app, accountId, paymentId);
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual([res.json().refund.status, res.json().correction.status], ['pending', 'issued']);
    assert.equal(stripe.refunds.size, 0, 'nothing refunded at Stripe');
    assert.match((await app.billing.refunds(accountId))[0]!.lastError ?? '', /unavailable|503/i);
    assert.equal((await ofType(app, accountId, 'payment.refund_sent')).length, 0);

    // The operator asks again: the same refund (one KOR), not re-sent before its backoff.
    const again = await refund(app, accountId, paymentId);
    assert.deepEqual([again.statusCode, again.json().refund.id], [202, res.json().refund.id]);
    assert.equal(await app.billing.sendDueRefunds(), 0);

    clock.set('2026-03-15T10:02:00+01:00');
    assert.equal(await app.billing.sendDueRefunds(), 1);
    assert.equal(stripe.refunds.size, 1);
    assert.deepEqual(
      (await refundsOf(app, accountId)).map((r) => [r.status, r.amount]),
      [['refunded', '146.37']],
    );
    assert.deepEqual(await invoiceKinds(app, accountId), [
      ['KOR', 'paid', '-146.37'],
      ['VAT', 'paid', '146.37'],
    ]);
    const sends = stripe.requests.filter((r) => r.path === '/v1/refunds');
    assert.deepEqual(
      sends.map((r) => r.idempotencyKey),
      [`refund:${paymentId}`, `refund:${paymentId}`],
    );
    assert.equal(await app.billing.sendDueRefunds(), 0);
    assert.equal((await ofType(app, accountId, 'payment.refund_sent')).length, 1);
  });

  it('CM-BIL-04: a crash between the call and the settle (Stripe refunded, the answer lost): pending, then the refund.created webhook settles it and the runner has nothing left to send; Stripe refunded once', async (t) => {
    const world = await aStripeWorld(t);
    const { app, stripe, clock } = world;
    const { accountId, paymentId } = await aPaidOrder(world);
    stripe.dropNextResponse('/v1/refunds');
    const res = await refund(app, accountId, paymentId);
    assert.deepEqual([res.statusCode, res.json().refund.status], [202, 'pending']);
    assert.equal(stripe.refunds.size, 1);
    const [stripeRefund] = [...stripe.refunds.values()];

    assert.deepEqual(await stripe.deliver(['refund.created']), [200]);
    assert.deepEqual(await refundsOf(app, accountId), [
      { status: 'refunded', amount: '146.37', providerRef: stripeRefund!.id, key: `refund:${paymentId}` },
    ]);
    clock.set('2026-03-15T10:06:00+01:00');
    assert.equal(await app.billing.sendDueRefunds(), 0);
    assert.equal(stripe.refunds.size, 1);
    assert.equal((await ofType(app, accountId, 'payment.refund_sent')).length, 1);
    assert.equal(
      (await ofType(app, accountId, 'payment.refund_sent'))[0]!.data.providerRef,
      stripeRefund!.id,
    );
  });

  it('CM-BIL-04: a crash between the call and the settle, only charge.refunded arriving: the refund is made due at once, the re-send under the same key gets the same Refund, and it is settled once', async (t) => {
    const world = await aStripeWorld(t);
    const { app, stripe } = world;
    const { accountId, paymentId } = await aPaidOrder(world);
    stripe.dropNextResponse('/v1/refunds');
    const res = await refund(app, accountId, paymentId);
    assert.deepEqual([res.statusCode, res.json().refund.status], [202, 'pending']);
    assert.equal(await app.billing.sendDueRefunds(), 0, 'leased: not re-sent at once');
    assert.deepEqual(await stripe.deliver(['charge.refunded']), [200]);
    assert.equal(await app.billing.sendDueRefunds(), 1);
    const [stripeRefund] = [...stripe.refunds.values()];
    assert.deepEqual(
      (await refundsOf(app, accountId)).map((r) => [r.status, r.providerRef]),
      [['refunded', stripeRefund!.id]],
    );
    assert.deepEqual(
      stripe.requests.filter((r) => r.path === '/v1/refunds').map((r) => r.replayed),
      // The client's own retry of the closed connection, then the runner's re-send: the same key each time.
      [false, true, true],
    );
    assert.equal(stripe.refunds.size, 1);
    // The refund.created that follows changes nothing.
    const created = stripe.events.find((e) => e.type === 'refund.created')!;
    assert.equal(await stripe.send(created.id), 200);
    assert.equal((await ofType(app, accountId, 'payment.refund_sent')).length, 1);
  });
});

/** A ClickMeeting sole trader (eligible to withdraw, CM-LIF-19) who ordered Live monthly by card at Stripe. */
async function anEligibleOrder(world: StripeWorld): Promise<{ accountId: string; paymentId: string }> {
  const { app, stripe } = world;
  const res = await app.http.inject({
    method: 'POST',
    url: '/v1/registrations',
    headers: app.operator,
    payload: aRegistration(app.current().policy, {
      email: 'anna@szkolenia.example',
      company: {
        name: 'Anna Nowak Szkolenia',
        taxId: '5260250274',
        country: 'PL',
        address: { street: 'ul. Długa 1', postalCode: '80-831', city: 'Gdańsk', country: 'PL' },
        isSoleTrader: true,
        isLegalPerson: false,
      },
    }),
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
  assert.deepEqual(await stripe.deliver(), [200]);
  return { accountId, paymentId: ordered.json().payment.id };
}

function withdraw(app: TestApp, accountId: string) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/withdrawal`,
    headers: app.operator,
    payload: {
      channel: 'email',
      sentAt: '2026-03-20T09:00:00+01:00',
      receivedAt: '2026-03-20T09:00:00+01:00',
    },
  });
}

async function obligations(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/withdrawal`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().refunds as {
    id: string;
    status: string;
    method: string;
    amount: string;
    dueBy: string;
    refundedAt: string | null;
    failure: string | null;
  }[];
}

describe('Refund obligations wait for the gateway (CM-LIF-20)', () => {
  it('CM-LIF-20: a withdrawal received 2026-03-20 refunds 146.37 through Stripe, which answers pending: the obligation (due by 2026-04-03) is pending, not met; refund.updated succeeded on 2026-03-23 makes it refunded at Stripe’s time; its replay changes nothing', async (t) => {
    const world = await aStripeWorld(t);
    const { app, stripe, clock } = world;
    const { accountId, paymentId } = await anEligibleOrder(world);
    clock.set('2026-03-20T10:00:00+01:00');
    stripe.refundsStartPending();
    const res = await withdraw(app, accountId);
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(
      res
        .json()
        .refunds.map((r: { status: string; method: string; amount: string; dueBy: string }) => [
          r.status,
          r.method,
          r.amount,
          r.dueBy,
        ]),
      [['pending', 'gateway', '146.37', '2026-04-03']],
    );
    // The runner sends it; Stripe accepts it pending: sent, not confirmed, not sent again.
    assert.equal(await app.billing.sendDueRefunds(), 1);
    const [stripeRefund] = [...stripe.refunds.values()];
    assert.equal(stripeRefund!.status, 'pending');
    assert.deepEqual(
      (await refundsOf(app, accountId)).map((r) => [r.status, r.providerRef, r.key]),
      [['pending', stripeRefund!.id, `refund:${paymentId}`]],
    );
    assert.deepEqual(
      (await obligations(app, accountId)).map((o) => [o.status, o.refundedAt]),
      [['pending', null]],
    );
    assert.deepEqual(await stripe.deliver(['refund.created']), [200]);
    clock.set('2026-03-20T11:00:00+01:00');
    assert.equal(await app.billing.sendDueRefunds(), 0, 'not sent again');
    assert.equal((await obligations(app, accountId))[0]!.status, 'pending');
    assert.equal((await ofType(app, accountId, 'payment.refund_sent')).length, 0);

    clock.set('2026-03-23T08:15:00+01:00');
    stripe.finishRefund(String(stripeRefund!.id), 'succeeded');
    clock.set('2026-03-23T09:00:00+01:00');
    assert.deepEqual(await stripe.deliver(['refund.updated']), [200]);
    const [met] = await obligations(app, accountId);
    assert.deepEqual(
      [met!.status, met!.refundedAt, met!.failure],
      ['refunded', '2026-03-23T07:15:00.000Z', null],
    );
    assert.deepEqual(await invoiceKinds(app, accountId), [
      ['KOR', 'paid', '-146.37'],
      ['VAT', 'paid', '146.37'],
    ]);
    const sent = await ofType(app, accountId, 'payment.refund_sent');
    assert.deepEqual(
      sent.map((e) => [e.data.providerRef, e.data.sentAt]),
      [[stripeRefund!.id, '2026-03-23T07:15:00.000Z']],
    );
    const updated = stripe.events.find((e) => e.type === 'refund.updated')!;
    const replay = await stripeWebhook(app, updated.payload, stripe.sign(updated.payload));
    assert.deepEqual([replay.statusCode, replay.json().result], [200, 'duplicate']);
    assert.equal((await ofType(app, accountId, 'payment.refund_sent')).length, 1);
    assert.equal((await obligations(app, accountId))[0]!.refundedAt, '2026-03-23T07:15:00.000Z');
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('CM-LIF-20: a Stripe refund that fails reopens the obligation: due again with the failure for staff (refund.failed, payment.refund_failed), the KOR unpaid; when 2026-04-03 passes it is overdue (refund.overdue); staff then give it back by transfer and it is met', async (t) => {
    const world = await aStripeWorld(t);
    const { app, stripe, clock } = world;
    const { accountId } = await anEligibleOrder(world);
    clock.set('2026-03-20T10:00:00+01:00');
    stripe.refundsStartPending();
    assert.equal((await withdraw(app, accountId)).statusCode, 201);
    assert.equal(await app.billing.sendDueRefunds(), 1);
    const [stripeRefund] = [...stripe.refunds.values()];
    stripe.finishRefund(String(stripeRefund!.id), 'failed');
    clock.set('2026-03-24T09:00:00+01:00');
    // Stripe sends both refund.updated and refund.failed: one failure is applied.
    assert.deepEqual(await stripe.deliver(['refund.updated', 'refund.failed']), [200, 200]);
    const [reopened] = await obligations(app, accountId);
    assert.deepEqual(
      [reopened!.status, reopened!.refundedAt, reopened!.failure],
      ['due', null, 'stripe refund failed: expired_or_canceled_card'],
    );
    assert.deepEqual(
      (await refundsOf(app, accountId)).map((r) => r.status),
      ['failed'],
    );
    assert.deepEqual(await invoiceKinds(app, accountId), [
      ['KOR', 'issued', '-146.37'],
      ['VAT', 'paid', '146.37'],
    ]);
    const failedEvents = await ofType(app, accountId, 'refund.failed');
    assert.deepEqual(
      failedEvents.map((e) => [e.clause, e.data.obligation, e.data.dueBy, e.data.amount]),
      [['CM-LIF-20', reopened!.id, '2026-04-03', '146.37']],
    );
    assert.equal((await ofType(app, accountId, 'payment.refund_failed')).length, 1);
    // A replayed failure changes nothing.
    const failedEvent = stripe.events.find((e) => e.type === 'refund.failed')!;
    const replay = await stripeWebhook(app, failedEvent.payload, stripe.sign(failedEvent.payload));
    assert.equal(replay.json().result, 'duplicate');
    assert.equal((await ofType(app, accountId, 'refund.failed')).length, 1);

    // Not met by the deadline: overdue the day after, 2026-04-04.
    clock.set('2026-04-03T23:00:00+02:00');
    await app.dueWork.sweep({ clockId: null, now: clock.now() });
    assert.equal((await ofType(app, accountId, 'refund.overdue')).length, 0);
    clock.set('2026-04-04T00:30:00+02:00');
    await app.dueWork.sweep({ clockId: null, now: clock.now() });
    const overdue = await ofType(app, accountId, 'refund.overdue');
    assert.deepEqual(
      overdue.map((e) => [e.clause, e.data.obligation, e.data.status, e.data.failure]),
      [['CM-LIF-20', reopened!.id, 'due', 'stripe refund failed: expired_or_canceled_card']],
    );

    // Staff send it by transfer instead: met, the KOR paid.
    const sent = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refund-obligations/${reopened!.id}/transfer`,
      headers: app.operator,
      payload: { reference: 'PKO 2026/04/04/7' },
    });
    assert.equal(sent.statusCode, 200, sent.body);
    const [met] = await obligations(app, accountId);
    assert.deepEqual([met!.status, met!.failure], ['refunded', null]);
    assert.deepEqual(await invoiceKinds(app, accountId), [
      ['KOR', 'paid', '-146.37'],
      ['VAT', 'paid', '146.37'],
    ]);
    assert.equal((await app.eventLog.verify()).ok, true);
  });
});
