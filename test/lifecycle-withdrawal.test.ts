import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activate,
  advanceClock,
  anApp,
  aTestClock,
  entitlements,
  events,
  logIn,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// The right of withdrawal on test clocks with real dates: the window's last day accepted, a minute later
// refused, every payment refunded with exact amounts by the provider's deadline (CM-LIF-19/20, QU-LIF-08),
// and the material-defect log attached to the case (CM-LIF-21).

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };
const soleTrader = {
  name: 'Anna Nowak Szkolenia',
  taxId: '5260250274',
  country: 'PL',
  address: { street: 'ul. Długa 1', postalCode: '80-831', city: 'Gdańsk', country: 'PL' },
  isSoleTrader: true,
  isLegalPerson: false,
};

function withdraw(app: TestApp, accountId: string, payload: Record<string, unknown>, headers = app.operator) {
  return app.http.inject({ method: 'POST', url: `/v1/accounts/${accountId}/withdrawal`, headers, payload });
}

const ofType = (log: Awaited<ReturnType<typeof events>>, type: string) => log.filter((e) => e.type === type);

describe('ClickMeeting: withdrawal of an eligible user', () => {
  it('CM-LIF-19, CM-LIF-20, CM-LIF-21: account created and paid 2026-05-04; a statement sent 2026-05-19 00:10 is refused, one sent 2026-05-18 23:50 and received 2026-05-20 is accepted: 146.37 back to the card, due by 2026-06-03, with the 2-hour material defect attached', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-05-04T10:00:00+02:00');
    const { accountId } = await registered(app, clock, {
      accountType: 'paid',
      plan: 'live',
      company: soleTrader,
    });
    const placed = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers: app.operator,
      payload: {
        plan: 'live',
        frequency: 'monthly',
        card: GOOD_CARD,
        recurringConsent: true,
        identification: { orderingPerson: 'Anna Nowak' },
      },
    });
    assert.equal(placed.statusCode, 201, placed.body);

    // Monitoring: rooms down 10:00–12:00 alone is no defect; login down too makes a 2-hour one.
    await advanceClock(app, clock, '2026-05-14T13:00:00+02:00');
    const outage = (fn: string) =>
      app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/function-outages`,
        headers: app.operator,
        payload: { function: fn, from: '2026-05-14T10:00:00+02:00', to: '2026-05-14T12:00:00+02:00' },
      });
    assert.deepEqual((await outage('conference_rooms')).json().materialDefects, []);
    const both = await outage('login');
    assert.equal(both.statusCode, 201, both.body);
    assert.deepEqual(both.json().materialDefects, [
      { from: '2026-05-14T08:00:00.000Z', to: '2026-05-14T10:00:00.000Z', minutes: 120 },
    ]);
    assert.equal((await outage('coffee_machine')).json().code, 'lifecycle.unknown_function');

    await advanceClock(app, clock, '2026-05-20T09:00:00+02:00');
    const late = await withdraw(app, accountId, {
      channel: 'email',
      sentAt: '2026-05-19T00:10:00+02:00',
      receivedAt: '2026-05-20T09:00:00+02:00',
    });
    assert.equal(late.statusCode, 409, late.body);
    assert.deepEqual(
      [late.json().code, late.json().details.lastDay],
      ['lifecycle.withdrawal_too_late', '2026-05-18'],
    );
    assert.equal((await entitlements(app, accountId)).state, 'active');
    assert.equal((await app.billing.refunds(accountId)).length, 0);

    const res = await withdraw(
      app,
      accountId,
      {
        channel: 'letter',
        statedGround: 'non_conformity',
        sentAt: '2026-05-18T23:50:00+02:00',
        receivedAt: '2026-05-20T09:00:00+02:00',
      },
      { ...app.operator, 'idempotency-key': 'wd-1' },
    );
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual(
      [body.withdrawal.countsFrom, body.withdrawal.lastDay, body.withdrawal.refundDueBy],
      ['2026-05-04', '2026-05-18', '2026-06-03'],
    );
    assert.deepEqual(
      body.refunds.map((r: Record<string, unknown>) => [r.amount, r.currency, r.method, r.status, r.reason]),
      [['146.37', 'PLN', 'gateway', 'refunded', 'withdrawal']],
    );
    assert.deepEqual(
      body.materialDefects.map((d: { minutes: number }) => d.minutes),
      [120],
    );
    const replay = await withdraw(
      app,
      accountId,
      {
        channel: 'letter',
        statedGround: 'non_conformity',
        sentAt: '2026-05-18T23:50:00+02:00',
        receivedAt: '2026-05-20T09:00:00+02:00',
      },
      { ...app.operator, 'idempotency-key': 'wd-1' },
    );
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    const second = await withdraw(app, accountId, { channel: 'email', sentAt: '2026-05-18T23:00:00+02:00' });
    assert.equal(second.json().code, 'lifecycle.withdrawal_exists');

    const [refund] = await app.billing.refunds(accountId);
    assert.deepEqual([refund?.amount, refund?.createdAt.toISOString()], [14637n, '2026-05-20T07:00:00.000Z']);
    assert.deepEqual(
      [(await entitlements(app, accountId)).state, (await entitlements(app, accountId)).access],
      ['terminated', 'none'],
    );
    const log = await events(app, accountId);
    const accepted = ofType(log, 'account.withdrawal_accepted')[0]!;
    assert.deepEqual(
      [accepted.clause, accepted.data.materialDefectMinutes, accepted.data.refundDueBy],
      ['CM-LIF-19', 120, '2026-06-03'],
    );
    assert.equal(
      ofType(log, 'availability.outage_recorded').filter((e) => e.clause === 'CM-LIF-21').length,
      1,
    );
    const [mail] = await mailsTo(app, 'anna@roza.example', 'lifecycle.withdrawal_accepted');
    assert.match(mail!.body.text, /Zwrócimy 146,37 PLN/);
    assert.match(mail!.body.text, /2026-06-03/);
    await advanceClock(app, clock, '2026-06-05T10:00:00+02:00');
    assert.equal((await app.billing.payments(accountId)).length, 1, 'nothing renews after a withdrawal');
  });

  it('CM-LIF-19: a company that is not an eligible user cannot withdraw; nothing changes', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-05-04T10:00:00+02:00');
    const { accountId } = await registered(app, clock);
    const res = await withdraw(app, accountId, { channel: 'email' });
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().code, 'lifecycle.withdrawal_not_eligible');
    assert.equal(ofType(await events(app, accountId), 'account.withdrawal_accepted').length, 0);
  });
});

describe('Quanda: withdrawal within 30 days', () => {
  it('QU-LIF-08: concluded 2026-03-04, annual order paid by transfer on 2026-03-18, the customer withdraws in the portal on 2026-04-10 → accepted (deadline 2026-04-17), 7,139.00 − 100 = 7,039.00 CZK due by transfer by 2026-04-24 and recorded when sent', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-04T09:00:00+01:00');
    const { accountId } = await registered(app, clock, {
      company: {
        name: 'Kvetinarstvi Ruze s.r.o.',
        taxId: '27082440',
        country: 'CZ',
        address: { street: 'Dlouha 1', postalCode: '110 00', city: 'Praha', country: 'CZ' },
        isLegalPerson: true,
      },
    });
    await activate(app, 'anna@roza.example');
    await logIn(app, 'anna@roza.example');

    await advanceClock(app, clock, '2026-03-18T10:00:00+01:00');
    const placed = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers: app.operator,
      payload: {
        plan: 'professional_200',
        frequency: 'annual',
        identification: { orderingPerson: 'Jana Novakova' },
      },
    });
    assert.equal(placed.statusCode, 201, placed.body);
    const invoice = placed.json().invoice;
    assert.equal(invoice.gross, '7139.00');
    const paid = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`,
      headers: app.operator,
      payload: { amount: '7139.00', currency: 'CZK', reference: 'KB 1' },
    });
    assert.equal(paid.statusCode, 201, paid.body);

    await advanceClock(app, clock, '2026-04-10T10:00:00+02:00');
    const session = await logIn(app, 'anna@roza.example');
    const forged = await withdraw(app, accountId, { sentAt: '2026-04-01T10:00:00+02:00' }, session.writes);
    assert.equal(forged.statusCode, 403, 'a customer cannot backdate the statement');
    const res = await withdraw(app, accountId, {}, session.writes);
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual(
      [
        body.withdrawal.channel,
        body.withdrawal.countsFrom,
        body.withdrawal.lastDay,
        body.withdrawal.refundDueBy,
      ],
      ['portal', '2026-03-18', '2026-04-17', '2026-04-24'],
    );
    assert.deepEqual(
      body.refunds.map((r: Record<string, unknown>) => [r.amount, r.currency, r.method, r.status, r.dueBy]),
      [['7039.00', 'CZK', 'transfer', 'due', '2026-04-24']],
    );
    assert.equal((await entitlements(app, accountId)).state, 'terminated', 'effective on delivery');
    const [mail] = await mailsTo(app, 'anna@roza.example', 'lifecycle.withdrawal_accepted');
    assert.match(mail!.body.text, /7\s039,00 CZK/);

    await advanceClock(app, clock, '2026-04-20T10:00:00+02:00');
    const sent = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refund-obligations/${body.refunds[0].id}/transfer`,
      headers: app.operator,
      payload: { reference: 'KB OUT 77' },
    });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.deepEqual(
      [sent.json().refund.status, sent.json().refund.refundedAt],
      ['refunded', '2026-04-20T08:00:00.000Z'],
    );
    await advanceClock(app, clock, '2026-04-25T10:00:00+02:00');
    const log = await events(app, accountId);
    assert.deepEqual(
      [
        ofType(log, 'refund.due')[0]?.data.fee,
        ofType(log, 'refund.sent').length,
        ofType(log, 'refund.overdue').length,
      ],
      ['100.00', 1, 0],
    );
    assert.equal(ofType(log, 'account.withdrawal_accepted')[0]?.clause, 'QU-LIF-08');
  });

  it('QU-LIF-08: a refund still not sent after 2026-04-24 is recorded as overdue on 2026-04-25 (a provider deadline never moves)', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-18T09:00:00+01:00');
    const { accountId } = await registered(app, clock);
    await activate(app, 'anna@roza.example');
    await logIn(app, 'anna@roza.example');
    const placed = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers: app.operator,
      payload: {
        plan: 'professional_200',
        frequency: 'annual',
        identification: { orderingPerson: 'Jana Novakova' },
      },
    });
    assert.equal(placed.statusCode, 201, placed.body);
    const invoice = placed.json().invoice;
    await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`,
      headers: app.operator,
      payload: { amount: invoice.gross, currency: invoice.currency, reference: 'KB 1' },
    });
    await advanceClock(app, clock, '2026-04-10T10:00:00+02:00');
    const res = await withdraw(app, accountId, { channel: 'email' });
    assert.equal(res.statusCode, 201, res.body);
    await advanceClock(app, clock, '2026-04-24T23:59:00+02:00');
    assert.equal(ofType(await events(app, accountId), 'refund.overdue').length, 0);
    await advanceClock(app, clock, '2026-04-25T00:00:00+02:00');
    const overdue = ofType(await events(app, accountId), 'refund.overdue');
    assert.deepEqual(
      [overdue.length, overdue[0]?.clause, overdue[0]?.data.dueBy],
      [1, 'QU-LIF-08', '2026-04-24'],
    );
  });
});
