import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  advanceClock,
  anApp,
  aTestClock,
  entitlements,
  events,
  registered,
  sessionOf,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// Consumable packs: bought like any purchase, their units kept on a balance the operator's product uses up.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };

function consume(app: TestApp, accountId: string, code: string, units: number, key?: string) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/balances/${code}/consume`,
    headers: key ? { ...app.operator, 'idempotency-key': key } : app.operator,
    payload: { units },
  });
}

async function balances(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/balances`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

describe('Bookero: SMS packs', () => {
  it('BK-BIL-03, BK-BIL-06: a 500-SMS pack bought 2026-02-01 is charged and invoiced, used down to 300, still usable in 2027, and never refunded', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-02-01T09:00:00+01:00');
    const account = await registered(app, clock);
    const owner = sessionOf(account.cookie!, account.csrfToken!);
    const card = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${account.accountId}/payment-methods`,
      headers: owner.writes,
      payload: { card: GOOD_CARD, recurringConsent: true },
    });
    assert.equal(card.statusCode, 201, card.body);

    // Bought in the "Rozliczenia" tab by the owner.
    const bought = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${account.accountId}/packs`,
      headers: { ...owner.writes, 'idempotency-key': 'buy-sms-1' },
      payload: { pack: 'sms_500' },
    });
    assert.equal(bought.statusCode, 201, bought.body);
    assert.deepEqual(
      [
        bought.json().balance,
        bought.json().invoice.net,
        bought.json().invoice.gross,
        bought.json().invoice.status,
      ],
      [{ code: 'sms', units: 500 }, '60.00', '73.80', 'paid'],
    );
    const topUp = (await events(app, account.accountId)).find((e) => e.type === 'balance.topped_up');
    assert.deepEqual([topUp?.clause, topUp?.data.units, topUp?.data.refundable], ['BK-BIL-03', 500, false]);

    const used = await consume(app, account.accountId, 'sms', 200, 'sms-batch-1');
    assert.equal(used.statusCode, 200, used.body);
    assert.deepEqual(used.json().balance, { code: 'sms', units: 300 });
    // The same key again: the first answer, nothing used twice.
    const again = await consume(app, account.accountId, 'sms', 200, 'sms-batch-1');
    assert.deepEqual([again.statusCode, again.json().balance.units], [200, 300]);
    assert.equal((await balances(app, account.accountId)).balances.sms, 300);

    // No expiry (A3): the 300 are still there in 2027.
    await advanceClock(app, clock, '2027-01-05T09:00:00+01:00');
    assert.equal((await balances(app, account.accountId)).balances.sms, 300);
    const tab = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${account.accountId}/billing`,
      headers: app.operator,
    });
    assert.equal(tab.statusCode, 200, tab.body);
    assert.deepEqual(tab.json().balances, { sms: 300 });
    assert.equal(tab.json().actions.buyPack, `/v1/accounts/${account.accountId}/packs`);

    const refund = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${account.accountId}/refunds`,
      headers: app.operator,
      payload: { paymentId: bought.json().payment.id, reason: 'withdrawal' },
    });
    assert.deepEqual([refund.statusCode, refund.json().code], [409, 'billing.payment_not_refundable']);
    assert.equal((await app.billing.refunds(account.accountId)).length, 0);
  });

  it('BK-BIL-03: using more than is left is refused with the balance in the error and uses nothing; a use without an Idempotency-Key is refused', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-02-01T09:00:00+01:00');
    const account = await registered(app, clock);
    await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${account.accountId}/payment-methods`,
      headers: app.operator,
      payload: { card: GOOD_CARD, recurringConsent: false },
    });
    const bought = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${account.accountId}/packs`,
      headers: app.operator,
      payload: { pack: 'sms_100' },
    });
    assert.equal(bought.statusCode, 201, bought.body);

    const tooMuch = await consume(app, account.accountId, 'sms', 101, 'k-1');
    assert.deepEqual([tooMuch.statusCode, tooMuch.json().code], [409, 'billing.balance_insufficient']);
    assert.deepEqual([tooMuch.json().details.balance, tooMuch.json().details.requested], [100, 101]);
    const noKey = await consume(app, account.accountId, 'sms', 1);
    assert.deepEqual([noKey.statusCode, noKey.json().code], [400, 'billing.idempotency_key_required']);
    const unknown = await consume(app, account.accountId, 'minutes', 1, 'k-2');
    assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 'billing.balance_not_found']);
    const exact = await consume(app, account.accountId, 'sms', 100, 'k-3');
    assert.deepEqual([exact.statusCode, exact.json().balance.units], [200, 0]);
    const history = await balances(app, account.accountId);
    assert.deepEqual(
      history.entries.map((e: { kind: string; units: number; balanceAfter: number }) => [
        e.kind,
        e.units,
        e.balanceAfter,
      ]),
      [
        ['pack', 100, 100],
        ['consumption', -100, 0],
      ],
    );
  });
});

describe('ClickMeeting: toll-free dial-in minutes', () => {
  it('CM-BIL-11: a 500-minute package bought 2026-03-01 turns toll-free numbers on; 120 minutes used on 2026-03-05 leave 380; at 0 the toll-free numbers disappear', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-01T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { accountType: 'paid', plan: 'live' });
    const order = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers: app.operator,
      payload: { plan: 'live', frequency: 'monthly', card: GOOD_CARD, recurringConsent: true },
    });
    assert.equal(order.statusCode, 201, order.body);
    const before = await entitlements(app, accountId);
    assert.deepEqual(
      [before.features.includes('toll_free_dial_in'), before.balances],
      [false, { dial_in_minutes: 0 }],
    );

    const bought = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/packs`,
      headers: app.operator,
      payload: { pack: 'dial_in_500' },
    });
    assert.equal(bought.statusCode, 201, bought.body);
    assert.deepEqual([bought.json().invoice.net, bought.json().invoice.gross], ['150.00', '184.50']);
    const on = await entitlements(app, accountId);
    assert.deepEqual(
      [on.features.includes('toll_free_dial_in'), on.balances],
      [true, { dial_in_minutes: 500 }],
    );

    await advanceClock(app, clock, '2026-03-05T15:00:00+01:00');
    const call = await consume(app, accountId, 'dial_in_minutes', 120, 'call-2026-03-05-1');
    assert.deepEqual(call.json().balance, { code: 'dial_in_minutes', units: 380 });
    assert.equal((await entitlements(app, accountId)).balances.dial_in_minutes, 380);
    const used = (await events(app, accountId)).find((e) => e.type === 'balance.used');
    assert.deepEqual([used?.clause, used?.data.units, used?.data.balanceAfter], ['CM-BIL-11', 120, 380]);

    const rest = await consume(app, accountId, 'dial_in_minutes', 380, 'call-2026-03-05-2');
    assert.equal(rest.json().balance.units, 0);
    const off = await entitlements(app, accountId);
    assert.deepEqual(
      [off.features.includes('toll_free_dial_in'), off.balances],
      [false, { dial_in_minutes: 0 }],
    );
    assert.equal((await app.eventLog.verify()).ok, true);
  });
});
