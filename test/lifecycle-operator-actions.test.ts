import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../src/policy/index.ts';
import {
  advanceClock,
  aNip,
  anApp,
  aTestClock,
  entitlements,
  events,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';

// Operator actions on a ground from the terms' closed list, with reason and evidence, in the event log with
// their clause, announced to the customer, on test clocks with real dates (CM-LIF-15..18, QU-LIF-04/06,
// BK-LIF-03/04).

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };

function act(
  app: TestApp,
  accountId: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/operator-actions`,
    headers: { ...app.operator, ...headers },
    payload: { evidence: ['ticket:ABUSE-1'], reason: 'Naruszenie regulaminu', ...body },
  });
}

async function order(app: TestApp, accountId: string, payload: Record<string, unknown>) {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: {
      card: GOOD_CARD,
      recurringConsent: true,
      identification: { orderingPerson: 'Anna Nowak' },
      ...payload,
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

/** A ClickMeeting customer on Live monthly, paid by card on 2026-06-01 (146.37 gross for June). */
async function aClickMeetingCustomer(app: TestApp, company: Record<string, unknown> = {}) {
  const clock = await aTestClock(app, '2026-06-01T10:00:00+02:00');
  const policy = app.current().policy;
  const { accountId } = await registered(app, clock, {
    accountType: 'paid',
    plan: 'live',
    ...(Object.keys(company).length > 0
      ? {
          company: {
            name: 'Anna Nowak Usługi',
            taxId: aNip('526025027'),
            country: 'PL',
            address: { street: 'ul. Długa 1', postalCode: '80-831', city: 'Gdańsk', country: 'PL' },
            ...company,
          },
        }
      : {}),
  });
  void policy;
  const placed = await order(app, accountId, { plan: 'live', frequency: 'monthly' });
  assert.equal(placed.invoice.gross, '146.37');
  return { clock, accountId };
}

const ofType = (log: Awaited<ReturnType<typeof events>>, type: string) => log.filter((e) => e.type === type);

describe('ClickMeeting operator actions', () => {
  it('CM-LIF-17: terminated without cause on 2026-06-19 → account closed at once, 146.37 × 12/30 = 58.55 refunded automatically, subscription ended, customer told', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aClickMeetingCustomer(app);
    await advanceClock(app, clock, '2026-06-19T09:00:00+02:00');

    const res = await act(
      app,
      accountId,
      { action: 'terminate', ground: 'without_cause', reason: 'Wycofanie usługi z rynku' },
      { 'idempotency-key': 'term-1' },
    );
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual(
      [body.action.status, body.action.clause, body.action.ground],
      ['effective', 'CM-LIF-17', 'without_cause'],
    );
    assert.deepEqual(
      body.refunds.map((r: Record<string, unknown>) => [r.amount, r.currency, r.method, r.status, r.reason]),
      [['58.55', 'PLN', 'gateway', 'refunded', 'termination_without_cause']],
    );
    const replay = await act(
      app,
      accountId,
      { action: 'terminate', ground: 'without_cause', reason: 'Wycofanie usługi z rynku' },
      { 'idempotency-key': 'term-1' },
    );
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal((await app.billing.refunds(accountId)).length, 1);

    const e = await entitlements(app, accountId);
    assert.deepEqual([e.state, e.access], ['terminated', 'none']);
    const log = await events(app, accountId);
    assert.deepEqual(ofType(log, 'account.state_changed').at(-1)?.data, {
      from: 'active',
      to: 'terminated',
      fromPlan: 'live',
      toPlan: 'live',
    });
    assert.equal(ofType(log, 'account.state_changed').at(-1)?.clause, 'CM-LIF-17');
    assert.match(ofType(log, 'operator.termination_given')[0]!.actor, /^api_key:/);
    assert.equal(ofType(log, 'payment.refunded')[0]?.data.amount, '58.55');
    assert.equal(ofType(log, 'subscription.ended').length, 1);
    const [mail] = await mailsTo(app, 'anna@roza.example', 'lifecycle.account_terminated');
    assert.match(mail!.body.text, /58,55/);
    assert.match(mail!.body.text, /CM-LIF-17/);

    // Nothing renews on 2026-07-01.
    await advanceClock(app, clock, '2026-07-02T12:00:00+02:00');
    assert.equal((await app.billing.payments(accountId)).length, 1);
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('CM-LIF-15: terminated for paying with a stolen card → closed the same day, no refund, refusal list updated with the tax id and e-mail', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aClickMeetingCustomer(app);
    await advanceClock(app, clock, '2026-06-05T12:00:00+02:00');
    const res = await act(app, accountId, {
      action: 'terminate',
      ground: 'unauthorised_instrument',
      reason: 'Chargeback: stolen card',
      evidence: ['chargeback:ch_1', 'ticket:FRAUD-7'],
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json().refunds, []);
    assert.equal((await entitlements(app, accountId)).access, 'none');
    assert.deepEqual(await app.operatorActions.refusalsMatching({ taxId: '5260250274', email: null }), [
      'unauthorised_instrument',
    ]);
    assert.deepEqual(
      await app.operatorActions.refusalsMatching({ taxId: null, email: 'ANNA@roza.example' }),
      ['unauthorised_instrument'],
    );
    const log = await events(app, accountId);
    assert.equal(ofType(log, 'account.refused_future_service')[0]?.clause, 'CM-LIF-15');
    assert.equal(ofType(log, 'operator.termination_given')[0]?.data.evidenceCount, 2);
    assert.doesNotMatch(
      JSON.stringify(log),
      /stolen card|anna@roza/,
      'reason text and e-mail stay out of the event log',
    );
    const again = await act(app, accountId, { action: 'terminate', ground: 'law_breach' });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'lifecycle.account_closed');
  });

  it('CM-LIF-16: stop a live conference and restrict the account at once, each with its reason and audit row; lifted by the operator', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aClickMeetingCustomer(app);
    await advanceClock(app, clock, '2026-07-07T14:00:00+02:00');
    const stop = await act(app, accountId, {
      action: 'restrict',
      ground: 'terms_breach',
      scope: 'conference',
      resourceId: 'conf_42',
      reason: 'Abuse report during a live webinar',
    });
    assert.equal(stop.statusCode, 201, stop.body);
    let e = await entitlements(app, accountId);
    assert.equal(e.access, 'full');
    assert.deepEqual(e.restrictions, [
      {
        scope: 'conference',
        resourceId: 'conf_42',
        ground: 'terms_breach',
        clause: 'CM-LIF-16',
        since: '2026-07-07T12:00:00.000Z',
      },
    ]);

    const wrong = await act(app, accountId, {
      action: 'restrict',
      ground: 'terms_breach',
      scope: 'webinar_room',
      resourceId: 'x',
    });
    assert.equal(wrong.statusCode, 422);
    assert.equal(wrong.json().code, 'lifecycle.resource_not_restrictable');
    const noGround = await act(app, accountId, { action: 'restrict', ground: 'dislike', scope: 'account' });
    assert.equal(noGround.statusCode, 422);
    assert.equal(noGround.json().code, 'lifecycle.ground_not_allowed');

    const account = await act(app, accountId, { action: 'restrict', ground: 'law_breach', scope: 'account' });
    assert.equal(account.statusCode, 201, account.body);
    e = await entitlements(app, accountId);
    assert.deepEqual([e.access, e.features, e.restrictions.length], ['restricted', [], 2]);

    for (const id of [stop.json().action.id, account.json().action.id]) {
      const lifted = await app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/operator-actions/${id}/lift`,
        headers: app.operator,
        payload: { reason: 'Wyjaśnione', staffId: 'jan.kowalski' },
      });
      assert.equal(lifted.statusCode, 200, lifted.body);
      assert.equal(lifted.json().action.status, 'lifted');
    }
    e = await entitlements(app, accountId);
    assert.equal(e.access, 'full');
    assert.equal(e.restrictions, undefined);

    const list = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/operator-actions`,
      headers: app.operator,
    });
    assert.deepEqual(
      list.json().actions.map((a: Record<string, unknown>) => [a.scope, a.reason, a.status]),
      [
        ['account', 'Naruszenie regulaminu', 'lifted'],
        ['conference', 'Abuse report during a live webinar', 'lifted'],
      ],
    );
    const log = await events(app, accountId);
    assert.deepEqual(
      ofType(log, 'operator.restricted').map((x) => x.clause),
      ['CM-LIF-16', 'CM-LIF-16'],
    );
    assert.deepEqual(
      ofType(log, 'operator.restriction_lifted').map((x) => x.actor),
      ['staff:jan.kowalski', 'staff:jan.kowalski'],
    );
    assert.equal((await mailsTo(app, 'anna@roza.example', 'lifecycle.account_restricted')).length, 2);
    assert.equal((await mailsTo(app, 'anna@roza.example', 'lifecycle.restriction_lifted')).length, 2);
  });

  it('CM-LIF-18: an eligible user cannot be terminated without cause or for an unlisted reason; for offensive conduct it goes ahead with the pro-rata refund', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aClickMeetingCustomer(app, {
      isSoleTrader: true,
      isLegalPerson: false,
    });
    await advanceClock(app, clock, '2026-06-21T10:00:00+02:00');
    const blocked = await act(app, accountId, { action: 'terminate', ground: 'without_cause' });
    assert.equal(blocked.statusCode, 409, blocked.body);
    assert.equal(blocked.json().code, 'lifecycle.eligible_user_protected');
    const unlisted = await act(app, accountId, { action: 'terminate', ground: 'we_do_not_like_it' });
    assert.equal(unlisted.statusCode, 422);
    assert.equal((await entitlements(app, accountId)).state, 'active');
    assert.equal((await app.billing.refunds(accountId)).length, 0);

    const ok = await act(app, accountId, {
      action: 'terminate',
      ground: 'offensive_conduct',
      reason: 'Obraźliwe wiadomości do supportu',
    });
    assert.equal(ok.statusCode, 201, ok.body);
    // 146.37 × 10 unused days (21..30 June) / 30 = 48.79
    assert.deepEqual(
      ok.json().refunds.map((r: Record<string, unknown>) => [r.amount, r.reason]),
      [['48.79', 'eligible_user_important_reason']],
    );
    assert.equal(ofType(await events(app, accountId), 'account.state_changed').at(-1)?.clause, 'CM-LIF-18');
  });
});

describe('Bookero operator actions', () => {
  it('BK-LIF-03: blocked with a notice on 2026-06-01; terminating is refused through 2026-07-01 and allowed from 2026-07-02, refunding 0 PLN', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-06-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock);
    const block = await act(app, accountId, {
      action: 'block',
      ground: 'terms_breach',
      reason: 'Spam SMS do klientów',
    });
    assert.equal(block.statusCode, 201, block.body);
    assert.equal(block.json().action.terminableFrom, '2026-07-01T22:00:00.000Z');
    assert.equal((await entitlements(app, accountId)).access, 'none');
    const [mail] = await mailsTo(app, 'anna@roza.example', 'lifecycle.account_blocked');
    assert.match(mail!.body.text, /do 2026-07-01 włącznie/);

    await advanceClock(app, clock, '2026-07-01T23:59:00+02:00');
    const early = await act(app, accountId, { action: 'terminate', ground: 'unclarified_block' });
    assert.equal(early.statusCode, 409);
    assert.deepEqual(
      [early.json().code, early.json().details.allowedFrom],
      ['lifecycle.clarification_window_open', '2026-07-02'],
    );
    assert.equal(ofType(await events(app, accountId), 'operator.clarification_window_lapsed').length, 0);

    await advanceClock(app, clock, '2026-07-02T00:00:00+02:00');
    const lapse = ofType(await events(app, accountId), 'operator.clarification_window_lapsed');
    assert.deepEqual(
      [lapse.length, lapse[0]?.clause, lapse[0]?.occurredAt],
      [1, 'BK-LIF-03', '2026-07-01T22:00:00.000Z'],
    );
    const done = await act(app, accountId, {
      action: 'terminate',
      ground: 'unclarified_block',
      reason: 'Brak wyjaśnień w 30 dni',
    });
    assert.equal(done.statusCode, 201, done.body);
    assert.deepEqual(done.json().refunds, []);
    assert.equal((await entitlements(app, accountId)).state, 'terminated');
    const [terminated] = await mailsTo(app, 'anna@roza.example', 'lifecycle.account_terminated');
    assert.match(terminated!.body.text, /Zwrot: 0,00 PLN/);
  });

  it('BK-LIF-03: a block clarified on 2026-06-10 is lifted and access returns; the window no longer runs', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-06-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock);
    const block = await act(app, accountId, { action: 'block', ground: 'good_practice_breach' });
    assert.equal((await entitlements(app, accountId)).access, 'none');
    await advanceClock(app, clock, '2026-06-10T10:00:00+02:00');
    const lifted = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/operator-actions/${block.json().action.id}/lift`,
      headers: app.operator,
      payload: { reason: 'Klient wyjaśnił sprawę' },
    });
    assert.equal(lifted.statusCode, 200, lifted.body);
    assert.equal((await entitlements(app, accountId)).access, 'full');
    await advanceClock(app, clock, '2026-07-03T10:00:00+02:00');
    assert.equal(ofType(await events(app, accountId), 'operator.clarification_window_lapsed').length, 0);
    const refused = await act(app, accountId, { action: 'terminate', ground: 'unclarified_block' });
    assert.equal(refused.json().code, 'lifecycle.no_unclarified_block');
  });

  it('BK-LIF-04: 1,200.00 PLN paid for 2026-01-01…2026-12-31, reputation notice on 2026-06-01 → terminated on 2026-06-04 (not a day earlier), refund 1,200 × 211/365 = 693.70 PLN', async (t) => {
    // The preset's premium plan at a net price that makes 1,200.00 PLN gross, as in the catalog's check.
    const preset = loadPreset('bookero');
    const policy = {
      ...preset,
      plans: preset.plans.map((p) =>
        p.code === 'premium' ? { ...p, prices: { ...p.prices, annual: { PLN: '975.61' } } } : p,
      ),
    };
    const app = await buildTestApp({ policy });
    t.after(() => app.close());
    const clock = await aTestClock(app, '2026-01-01T10:00:00+01:00');
    const { accountId } = await registered(app, clock, { plan: 'premium' });
    const placed = await order(app, accountId, { plan: 'premium', frequency: 'annual' });
    assert.deepEqual(
      [placed.invoice.gross, placed.subscription.currentPeriod],
      ['1200.00', { from: '2026-01-01', to: '2026-12-31' }],
    );

    await advanceClock(app, clock, '2026-06-01T09:00:00+02:00');
    const notice = await act(app, accountId, {
      action: 'terminate',
      ground: 'reputation_harm',
      reason: 'Działalność szkodząca renomie',
    });
    assert.equal(notice.statusCode, 201, notice.body);
    assert.deepEqual(
      [notice.json().action.status, notice.json().action.effectiveAt, notice.json().refunds],
      ['pending', '2026-06-03T22:00:00.000Z', []],
    );
    const [mail] = await mailsTo(app, 'anna@roza.example', 'lifecycle.termination_notice');
    assert.match(mail!.body.text, /2026-06-04/);

    await advanceClock(app, clock, '2026-06-03T23:59:00+02:00');
    assert.equal((await entitlements(app, accountId)).state, 'active');
    await advanceClock(app, clock, '2026-06-04T00:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).state, 'terminated');
    const refunds = await app.billing.refunds(accountId);
    assert.deepEqual(
      refunds.map((r) => [r.amount, r.reason]),
      [[69370n, 'reputation_termination']],
    );
    const log = await events(app, accountId);
    assert.deepEqual(
      [
        ofType(log, 'account.state_changed').at(-1)?.clause,
        ofType(log, 'account.state_changed').at(-1)?.occurredAt,
      ],
      ['BK-LIF-04', '2026-06-03T22:00:00.000Z'],
    );
    assert.equal(ofType(log, 'payment.refunded')[0]?.data.unusedDays, 211);
  });
});

describe('Quanda operator actions', () => {
  const czechCompany = {
    name: 'Kvetinarstvi Ruze s.r.o.',
    taxId: '27082440',
    country: 'CZ',
    address: { street: 'Dlouha 1', postalCode: '110 00', city: 'Praha', country: 'CZ' },
    isLegalPerson: true,
  };

  it('QU-LIF-04: staff restrict the account for automated scraping on 2026-05-12 08:00 with a recorded reason; access returns when remedied on 2026-05-14 08:00', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-05-12T08:00:00+02:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
    const res = await act(app, accountId, {
      action: 'restrict',
      ground: 'excessive_or_automated_use',
      scope: 'account',
      level: 'suspended',
      reason: 'Automatyczne pobieranie danych',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await entitlements(app, accountId)).access, 'none');
    await advanceClock(app, clock, '2026-05-14T08:00:00+02:00');
    const lifted = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/operator-actions/${res.json().action.id}/lift`,
      headers: app.operator,
      payload: { reason: 'Ticket remedied' },
    });
    assert.equal(lifted.statusCode, 200, lifted.body);
    assert.equal(lifted.json().action.liftedAt, '2026-05-14T06:00:00.000Z');
    assert.equal((await entitlements(app, accountId)).access, 'full');
    const log = await events(app, accountId);
    assert.deepEqual(
      ofType(log, 'operator.restricted').map((e) => [e.clause, e.data.access]),
      [['QU-LIF-04', 'none']],
    );
    assert.equal(ofType(log, 'payment.refunded').length + ofType(log, 'refund.due').length, 0, 'no credit');
  });

  it('QU-LIF-06: an art. 4.8 withdrawal sent 2026-09-07 is delivered (deemed) on 2026-09-10: access ends that day, refund 0 CZK', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-02-10T09:00:00+01:00');
    const { accountId } = await registered(app, clock, { company: czechCompany });
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
    const paid = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`,
      headers: app.operator,
      payload: { amount: invoice.gross, currency: 'CZK', reference: 'KB 1' },
    });
    assert.equal(paid.statusCode, 201, paid.body);

    await advanceClock(app, clock, '2026-09-07T15:00:00+02:00');
    const res = await act(app, accountId, {
      action: 'terminate',
      ground: 'unlawful_customer_data',
      reason: 'Nezákonná data (čl. 4.8)',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(
      [res.json().action.effectiveAt, res.json().action.effectiveBasis],
      ['2026-09-09T22:00:00.000Z', 'deemed_delivery'],
    );
    await advanceClock(app, clock, '2026-09-09T23:59:00+02:00');
    assert.equal((await entitlements(app, accountId)).state, 'active');
    await advanceClock(app, clock, '2026-09-10T00:00:00+02:00');
    const e = await entitlements(app, accountId);
    assert.deepEqual([e.state, e.access], ['terminated', 'none']);
    const log = await events(app, accountId);
    assert.equal(ofType(log, 'account.state_changed').at(-1)?.clause, 'QU-LIF-06');
    assert.equal(ofType(log, 'refund.due').length + ofType(log, 'payment.refunded').length, 0);
    const [mail] = await mailsTo(app, 'anna@roza.example', 'lifecycle.account_terminated');
    assert.match(mail!.body.text, /0,00 CZK/);
  });
});
