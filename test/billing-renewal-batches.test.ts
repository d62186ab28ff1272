import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { manualClock } from '../src/platform/clock.ts';
import { loadPreset } from '../src/policy/index.ts';
import { anApp, aTestClock, registered } from './helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';
import { GOOD_CARD, orderPlan } from './helpers/billing-scenario.ts';
import { startStripeServer } from './helpers/stripe-server.ts';

// The `billing.renew` handler works set-based: one claim of a batch, the batch's facts read in a few
// queries, the invoices numbered at once per series, the writes in one statement per kind. These tests
// check what that must keep: every renewal charged and invoiced once, numbers gapless and unique (also with
// two sweeps at once on a PostgreSQL server), and a bad subscription not holding up the rest of its batch.

const ORDERED_AT = '2026-03-02T10:00:00+01:00';
const RENEWAL_DAY = '2026-04-02T12:00:00+02:00';

/** `count` ClickMeeting companies on `clockId`, each with Live monthly by card with recurring consent. */
async function subscribers(app: TestApp, clockId: string, count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { accountId } = await registered(app, clockId, {
      email: `owner${i}@${tag}.example`,
      accountType: 'paid',
      plan: 'live',
    });
    await orderPlan(app, accountId, {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
      identification: { orderingPerson: 'Anna Nowak' },
    });
    ids.push(accountId);
  }
  return ids;
}

async function aprilInvoices(app: TestApp) {
  return app.db.rows<{ account_id: string; number: string; status: string; gross: string; xml: boolean }>(sql`
    select account_id, number, status, gross::text as gross, ksef_xml like '<?xml%' as xml
    from invoices where issue_date = '2026-04-02' order by number`);
}

const numbersUpTo = (n: number) =>
  Array.from({ length: n }, (_, i) => `TEST/FV/2026/04/${String(i + 1).padStart(4, '0')}`);

describe('renewals in batches', () => {
  it('CM-BIL-01, CM-BIL-09: a batch renews every subscription once: charged, paid invoice with FA(3), gapless numbers, events and mails per account', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, ORDERED_AT);
    const accounts = await subscribers(app, clock, 7, 'batch');
    // Batches of 3: the seven renewals due at the same time are claimed in three batches.
    await app.testClocks.advance(clock, new Date(RENEWAL_DAY), { batchSize: 3 });

    const invoices = await aprilInvoices(app);
    assert.deepEqual(
      invoices.map((i) => i.number),
      numbersUpTo(7),
    );
    assert.deepEqual(new Set(invoices.map((i) => i.account_id)), new Set(accounts));
    for (const i of invoices) assert.deepEqual([i.status, i.gross, i.xml], ['paid', '14637', true]);
    const payments = await app.db.rows<{ n: number; linked: number }>(sql`
      select count(*)::int as n, count(invoice_id)::int as linked from payments
      where idempotency_key like 'renew:%' and status = 'succeeded'`);
    assert.deepEqual(payments, [{ n: 7, linked: 7 }]);
    const periods = await app.db.rows<{ n: number }>(sql`
      select count(*)::int as n from subscriptions
      where current_period_from = '2026-04-02' and current_period_to = '2026-05-01' and paid_through = '2026-05-01'
        and status = 'active'`);
    assert.equal(periods[0]!.n, 7);
    const kinds = await app.db.rows<{ type: string; clause: string | null; n: number }>(sql`
      select type, clause, count(distinct chain_id)::int as n from events
      where occurred_at >= '2026-04-01T22:00:00Z' and type in ('payment.succeeded', 'invoice.issued', 'subscription.renewed')
      group by type, clause order by type`);
    assert.deepEqual(
      kinds.map((k) => [k.type, k.clause, k.n]),
      [
        ['invoice.issued', 'CM-BIL-09', 7],
        ['payment.succeeded', 'CM-BIL-01', 7],
        ['subscription.renewed', 'CM-BIL-01', 7],
      ],
    );
    const mails = await app.db.rows<{ n: number }>(sql`
      select count(*)::int as n from outbox o join invoices i on o.dedupe_key = 'billing.invoice:' || i.id
      where o.template = 'billing.invoice_issued' and i.issue_date = '2026-04-02'`);
    assert.equal(mails[0]!.n, 7);
    // The next renewal of each is due at the start of its next period.
    const next = await app.db.rows<{ n: number }>(sql`
      select count(*)::int as n from due_items where kind = 'billing.renew' and due_at = '2026-05-01T22:00:00Z'`);
    assert.equal(next[0]!.n, 7);

    // A second advance over the same time renews nothing again.
    await app.testClocks.advance(clock, new Date('2026-04-02T13:00:00+02:00'));
    assert.equal((await aprilInvoices(app)).length, 7);
  });

  it('CM-BIL-01: one subscription failing does not stop its batch: it is retried alone, the others renew with gapless numbers, and it is parked after 5 failures', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, ORDERED_AT);
    const accounts = await subscribers(app, clock, 5, 'fallback');
    const bad = accounts[2]!;
    const [sub] = await app.db.rows<{ id: string }>(
      sql`select id from subscriptions where account_id = ${bad}`,
    );
    // Bad data: another account's payment already holds the renewal's idempotency key, so writing the
    // renewal's payment breaks the unique constraint, in the batch and again when it is retried alone.
    await app.db.q.execute(sql`
      insert into payments (id, account_id, provider, idempotency_key, amount, currency, status, created_at)
      values ('pay_squatter', ${accounts[0]!}, 'sandbox', ${`renew:${sub!.id}:2026-04-02`}, 1, 'PLN', 'failed',
              '2026-03-03T00:00:00Z')`);

    await app.testClocks.advance(clock, new Date(RENEWAL_DAY));
    const invoices = await aprilInvoices(app);
    assert.deepEqual(
      invoices.map((i) => i.number),
      numbersUpTo(4),
    );
    assert.ok(!invoices.some((i) => i.account_id === bad));
    const [item] = await app.db.rows<{ attempts: number; last_error: string; failed_at: Date | null }>(sql`
      select attempts, last_error, failed_at from due_items where account_id = ${bad} and kind = 'billing.renew'`);
    assert.equal(item!.attempts, 1);
    assert.match(item!.last_error, /insert into "payments"/);
    assert.equal(item!.failed_at, null);

    // Each later advance retries it alone (backoff 2^n minutes); the fifth failure parks it.
    for (const to of [
      '2026-04-03T12:00:00+02:00',
      '2026-04-04T12:00:00+02:00',
      '2026-04-05T12:00:00+02:00',
      '2026-04-06T12:00:00+02:00',
    ])
      await app.testClocks.advance(clock, new Date(to));
    const parked = await app.dueWork.parked();
    assert.deepEqual(
      parked.filter((p) => p.kind === 'billing.renew').map((p) => p.accountId),
      [bad],
    );
    // Nothing of the failed tries was kept: no payment, invoice or number was taken for it.
    assert.deepEqual(
      (await aprilInvoices(app)).map((i) => i.number),
      numbersUpTo(4),
    );
    const payments = await app.db.rows<{ n: number }>(
      sql`select count(*)::int as n from payments where account_id = ${bad} and idempotency_key like 'renew:%'`,
    );
    assert.equal(payments[0]!.n, 0);
  });

  it('CM-BIL-09: two sweeps renewing at once (two test clocks, one TEST/ series) take gapless, unique numbers', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const first = await aTestClock(app, ORDERED_AT);
    const second = await aTestClock(app, ORDERED_AT);
    await subscribers(app, first, 6, 'first');
    await subscribers(app, second, 6, 'second');
    // Small batches, so the two sweeps' transactions interleave on a PostgreSQL server (on PGlite, with one
    // connection, they take turns).
    await Promise.all([
      app.testClocks.advance(first, new Date(RENEWAL_DAY), { batchSize: 2 }),
      app.testClocks.advance(second, new Date(RENEWAL_DAY), { batchSize: 2 }),
    ]);
    const invoices = await aprilInvoices(app);
    assert.deepEqual(
      invoices.map((i) => i.number),
      numbersUpTo(12),
    );
    assert.equal(new Set(invoices.map((i) => i.account_id)).size, 12);
    const [counter] = await app.db.rows<{ last_seq: number }>(
      sql`select last_seq from invoice_counters where series = 'TEST/FV' and scope = '2026-04'`,
    );
    assert.equal(counter!.last_seq, 12);
  });

  it("BK-BIL-05: with Stripe, a batch writes every renewal's pending payment and charge together and sends nothing; the runner then charges each once and each renews with its invoice", async (t) => {
    const clock = manualClock('2026-03-17T09:00:00+01:00');
    const stripe = await startStripeServer({ now: () => clock.now() });
    t.after(() => stripe.close());
    const app = await buildTestApp({
      policy: loadPreset('bookero'),
      clock,
      gateways: {
        stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiUrl: stripe.url },
      },
    });
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
    t.after(() => app.close());
    const subscriptions: string[] = [];
    for (const email of ['anna@roza.example', 'jan@lilia.example', 'ewa@tulipan.example']) {
      const registeredRes = await app.http.inject({
        method: 'POST',
        url: '/v1/registrations',
        headers: app.operator,
        payload: aRegistration(app.current().policy, { email }),
      });
      assert.equal(registeredRes.statusCode, 201, registeredRes.body);
      const accountId = registeredRes.json().accountId as string;
      const card = await app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/payment-methods`,
        headers: app.operator,
        payload: { card: { ...GOOD_CARD, cvc: '123' }, recurringConsent: true },
      });
      assert.equal(card.statusCode, 201, card.body);
      const ordered = await app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/subscriptions`,
        headers: app.operator,
        payload: { plan: 'standard', frequency: 'monthly', paymentMethodId: card.json().id },
      });
      assert.equal(ordered.statusCode, 201, ordered.body);
      subscriptions.push(ordered.json().subscription.id);
    }
    const sentBefore = stripe.charges().length;

    clock.set('2026-04-17T00:00:00+02:00');
    await app.dueWork.sweep({ clockId: null, now: clock.now() });
    const pending = await app.db.rows<{ key: string; status: string; queued: string | null }>(sql`
      select p.idempotency_key as key, p.status, c.status as queued
      from payments p left join payment_charges c on c.payment_id = p.id
      where p.idempotency_key like 'renew:%' order by p.idempotency_key`);
    assert.deepEqual(
      pending,
      subscriptions
        .map((id) => ({ key: `renew:${id}:2026-04-17`, status: 'pending', queued: 'queued' }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    );
    assert.equal(stripe.charges().length, sentBefore, 'the sweep itself sent nothing');

    assert.equal(await app.billing.sendDueCharges(), 3);
    assert.equal(stripe.charges().length, sentBefore + 3, 'one charge per renewal');
    const renewed = await app.db.rows<{ n: number; invoiced: number }>(sql`
      select count(*)::int as n, count(p.invoice_id)::int as invoiced
      from subscriptions s join payments p on p.subscription_id = s.id and p.idempotency_key like 'renew:%'
      where s.current_period_from = '2026-04-17' and p.status = 'succeeded'`);
    assert.deepEqual(renewed, [{ n: 3, invoiced: 3 }]);
  });
});
