import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { advanceClock, aTestClock, entitlements, events, mailsTo, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import {
  billingTab,
  changePlan,
  GOOD_CARD,
  invoiceRows,
  orderPlan,
  paymentRows,
} from './helpers/billing-scenario.ts';

// HT-BIL-02 on its own dates: a Host-Tracker account on Basic monthly (9.95 USD) paid by card with consent to
// automatic charges for 2026-05-01..05-31 switches to the Free package on 2026-05-05. That day the auto-charge
// stops and the stored card (provider token, last4) is deleted; the paid period runs to 2026-05-31 (the terms
// end a paid plan with its billing period); on 2026-06-01 nothing is charged and the account is on Free.

const EMAIL = 'billing@lipa.example';
let app: TestApp;
let clock: string;
let accountId: string;
let subscriptionId: string;

before(async () => {
  app = await buildTestApp({ preset: 'hosttracker' });
  clock = await aTestClock(app, '2026-04-20T10:00:00Z');
  accountId = (await registered(app, clock, { email: EMAIL })).accountId;
  await advanceClock(app, clock, '2026-05-01T10:00:00Z');
  const order = await orderPlan(app, accountId, {
    plan: 'basic',
    frequency: 'monthly',
    card: GOOD_CARD,
    recurringConsent: true,
  });
  subscriptionId = order.subscription.id;
  assert.deepEqual(order.subscription.currentPeriod, { from: '2026-05-01', to: '2026-05-31' });
});
after(() => app.close());

const storedCards = () =>
  app.db.rows<{ provider_ref: string; last4: string | null }>(
    sql`select provider_ref, last4 from payment_methods where account_id = ${accountId}`,
  );

describe('HT-BIL-02: switching to the Free package stops billing-data processing', () => {
  it('HT-BIL-02: the switch on 2026-05-05 cancels the auto-charge and deletes the stored token that day; the paid Basic period runs to 2026-05-31', async () => {
    assert.equal((await storedCards()).length, 1);
    const paymentRefs = () =>
      app.db.rows<{ payment_method_id: string | null }>(
        sql`select payment_method_id from payments where account_id = ${accountId}`,
      );
    const before = await paymentRefs();
    assert.notEqual(before[0]!.payment_method_id, null);
    await advanceClock(app, clock, '2026-05-05T09:30:00Z');
    const res = await changePlan(app, accountId, 'free');
    assert.deepEqual(
      [res.outcome, res.effectiveFrom, res.difference, res.subscription.plan, res.subscription.paidThrough],
      ['scheduled', '2026-06-01', { net: '0.00', currency: 'USD' }, 'basic', '2026-05-31'],
    );

    assert.deepEqual(await storedCards(), [], 'no provider token or last4 left on 2026-05-05');
    assert.deepEqual((await billingTab(app, accountId)).paymentMethods, []);
    // The payment history keeps its own record of the card used.
    assert.deepEqual(
      (await paymentRows(app, accountId)).map((p) => p[1]),
      ['succeeded'],
    );
    assert.deepEqual(await paymentRefs(), before);
    const due = await app.db.rows<{ kind: string; due_at: Date }>(
      sql`select kind, due_at from due_items where account_id = ${accountId} and kind like 'billing.%' order by kind`,
    );
    assert.deepEqual(
      due.map((d) => [d.kind, new Date(d.due_at).toISOString()]),
      [['billing.switch_to_free', '2026-06-01T00:00:00.000Z']],
      'no renewal is scheduled any more',
    );

    const logged = (await events(app, accountId)).filter(
      (e) => e.type === 'payment_method.deleted' || e.type === 'subscription.free_switch_scheduled',
    );
    assert.deepEqual(
      logged.map((e) => [e.type, e.clause, e.occurredAt.slice(0, 10)]),
      [
        ['payment_method.deleted', 'HT-BIL-02', '2026-05-05'],
        ['subscription.free_switch_scheduled', 'HT-BIL-02', '2026-05-05'],
      ],
    );
    assert.equal(logged[0]!.data.consentWithdrawn, true);
    assert.deepEqual(
      [logged[1]!.data.paidThrough, logged[1]!.data.effectiveFrom, logged[1]!.data.paymentMethodsDeleted],
      ['2026-05-31', '2026-06-01', 1],
    );
    const mails = await mailsTo(app, EMAIL, 'billing.switched_to_free');
    assert.equal(mails.length, 1);

    const now = await entitlements(app, accountId);
    assert.deepEqual([now.state, now.plan.code], ['active', 'basic'], 'the paid period is not cut short');
  });

  it('HT-BIL-02: asked again while the paid period runs out, the switch is refused and changes nothing', async () => {
    const before = (await events(app, accountId)).length;
    const again = await changePlan(app, accountId, 'free', 422);
    assert.equal(again.code, 'billing.plan_change_invalid');
    assert.equal((await events(app, accountId)).length, before);
  });

  it('HT-BIL-02: on 2026-06-01 nothing is charged or invoiced and the account is on the Free package', async () => {
    const payments = (await app.billing.payments(accountId)).length;
    const invoices = (await invoiceRows(app, accountId)).length;
    await advanceClock(app, clock, '2026-06-01T10:00:00Z');
    assert.equal((await app.billing.payments(accountId)).length, payments, 'no charge on 2026-06-01');
    assert.equal((await invoiceRows(app, accountId)).length, invoices, 'no invoice on 2026-06-01');
    const now = await entitlements(app, accountId);
    assert.deepEqual([now.state, now.plan.code, now.access], ['free', 'free', 'full']);
    const [subscription] = await app.db.rows<{ status: string }>(
      sql`select status from subscriptions where id = ${subscriptionId}`,
    );
    assert.equal(subscription!.status, 'ended');
    const moved = (await events(app, accountId)).find(
      (e) => e.type === 'account.state_changed' && e.data.to === 'free',
    );
    assert.deepEqual(
      [moved?.clause, moved?.occurredAt.slice(0, 10), moved?.data.fromPlan],
      ['HT-BIL-02', '2026-06-01', 'basic'],
    );
    await advanceClock(app, clock, '2026-07-02T10:00:00Z');
    assert.equal((await app.billing.payments(accountId)).length, payments, 'nor later');
    assert.equal((await app.eventLog.verify()).ok, true);
  });
});
