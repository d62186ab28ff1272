import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aCompany,
  activate,
  advanceClock,
  aNip,
  anApp,
  aTestClock,
  events,
  logIn,
  mailsTo,
  registered,
  type Session,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// The sub-processor registry: per customer (integrations), public, and changes announced with each
// customer's objection window, objections recorded and decided, late ones refused, on test clocks.

async function aCustomerOn(app: TestApp, clockId: string, email: string, nipPrefix: string) {
  const reg = await registered(app, clockId, {
    email,
    company: aCompany(`Firma ${nipPrefix}`, aNip(nipPrefix)),
  });
  if (reg.activationRequired) await activate(app, email);
  return { accountId: reg.accountId, email, owner: await logIn(app, email) };
}

async function registryOf(app: TestApp, accountId: string, headers: Record<string, string> = app.operator) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/sub-processors`,
    headers,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as {
    asOf: string;
    clause: string | null;
    subProcessors: {
      id: string;
      status: string;
      objectionUntil: string | null;
      appliesFrom: string | null;
    }[];
  };
}

const idsOf = (view: { subProcessors: { id: string }[] }) => view.subProcessors.map((e) => e.id).sort();
const statusOf = (view: { subProcessors: { id: string; status: string }[] }, id: string) =>
  view.subProcessors.find((e) => e.id === id)?.status;

function switchIntegration(
  app: TestApp,
  accountId: string,
  session: Session,
  integration: string,
  enabled: boolean,
) {
  return app.http.inject({
    method: 'PUT',
    url: `/v1/accounts/${accountId}/integrations/${integration}`,
    headers: session.writes,
    payload: { enabled },
  });
}

function announce(app: TestApp, body: Record<string, unknown>, key?: string) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/sub-processors',
    headers: { ...app.operator, ...(key ? { 'idempotency-key': key } : {}) },
    payload: body,
  });
}

/** The customer's owner objects, logged in afresh (a session expires on sandbox time too). */
async function object(
  app: TestApp,
  customer: { accountId: string; email: string },
  body: Record<string, unknown>,
) {
  const session = await logIn(app, customer.email);
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${customer.accountId}/sub-processor-objections`,
    headers: session.writes,
    payload: body,
  });
}

function decide(app: TestApp, objectionId: string, body: Record<string, unknown>) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/sub-processor-objections/${objectionId}/decision`,
    headers: app.operator,
    payload: body,
  });
}

const mailgunEu = {
  id: 'brevo',
  name: 'Sendinblue SAS (Brevo)',
  address: '106 boulevard Haussmann, 75008 Paris',
  purpose: { pl: 'Wysyłka e-maili transakcyjnych', en: 'Transactional e-mail' },
  location: 'FR',
  safeguard: 'eea',
  scope: 'all',
  agreementRecorded: true,
};

describe('sub-processors: the registry per customer', () => {
  it('QU-PRC-10: every customer gets COEX, Linode and NeverBounce; Bird senders also MessageBird, never SendGrid; the public list has all five', async (t) => {
    const app = await anApp(t, 'quanda');
    const clockId = await aTestClock(app, '2026-04-01T09:00:00+02:00');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');

    assert.deepEqual(idsOf(await registryOf(app, a.accountId, a.owner.reads)), [
      'coex',
      'linode',
      'neverbounce',
    ]);
    const on = await switchIntegration(app, a.accountId, a.owner, 'bird', true);
    assert.equal(on.statusCode, 200, on.body);
    const view = await registryOf(app, a.accountId, a.owner.reads);
    assert.deepEqual(idsOf(view), ['coex', 'linode', 'messagebird', 'neverbounce']);
    assert.equal(view.clause, 'QU-PRC-10');
    assert.ok(view.subProcessors.every((e) => e.status === 'in_use'));

    const off = await switchIntegration(app, a.accountId, a.owner, 'bird', false);
    assert.equal(off.statusCode, 200);
    assert.deepEqual(idsOf(await registryOf(app, a.accountId)), ['coex', 'linode', 'neverbounce']);

    const pub = await app.http.inject({ method: 'GET', url: '/v1/policy/sub-processors' });
    assert.equal(pub.statusCode, 200);
    const list = pub.json().subProcessors as {
      id: string;
      scope: string;
      location: string;
      safeguard: string;
    }[];
    assert.deepEqual(list.map((e) => e.id).sort(), [
      'coex',
      'linode',
      'messagebird',
      'neverbounce',
      'sendgrid',
    ]);
    assert.equal(list.find((e) => e.id === 'sendgrid')!.scope, 'integration:sendgrid');
    assert.equal(list.find((e) => e.id === 'linode')!.safeguard, 'scc');

    const switched = (await events(app, a.accountId)).filter(
      (e) => e.type === 'processors.integration_switched',
    );
    assert.deepEqual(
      switched.map((e) => [e.clause, e.data.integration, e.data.enabled]),
      [
        ['QU-PRC-10', 'bird', true],
        ['QU-PRC-10', 'bird', false],
      ],
    );
  });

  it('BK-PRC-10: four entries without a calendar integration; Google Calendar switched on adds Google for that user only', async (t) => {
    const app = await anApp(t, 'bookero');
    const clockId = await aTestClock(app, '2026-04-01T09:00:00+02:00');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');
    const b = await aCustomerOn(app, clockId, 'piotr@tulipan.example', '111222333');
    assert.equal((await registryOf(app, a.accountId)).subProcessors.length, 4);
    assert.equal(
      (await switchIntegration(app, a.accountId, a.owner, 'google_calendar', true)).statusCode,
      200,
    );
    const view = await registryOf(app, a.accountId);
    assert.equal(view.subProcessors.length, 5);
    assert.ok(idsOf(view).includes('google'));
    assert.equal((await registryOf(app, b.accountId)).subProcessors.length, 4);
    // A user of another account cannot read or switch this one's.
    const foreign = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${a.accountId}/sub-processors`,
      headers: b.owner.reads,
    });
    assert.equal(foreign.statusCode, 403);
  });
});

describe('sub-processors: a change announced with the objection window', () => {
  it('QU-PRC-11: emailed Mon 2026-06-01, deemed delivered Thu 06-04: an objection on Tue 06-09 23:59 is accepted and blocks at once, one on 06-10 00:00 is refused; used from 06-10', async (t) => {
    const app = await anApp(t, 'quanda');
    const clockId = await aTestClock(app, '2026-06-01T09:00:00+02:00');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');
    const b = await aCustomerOn(app, clockId, 'piotr@tulipan.example', '111222333');

    const res = await announce(
      app,
      { ...mailgunEu, effectiveOn: '2026-06-01', testClockId: clockId },
      'spc-1',
    );
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().notified, 2);
    const replay = await announce(
      app,
      { ...mailgunEu, effectiveOn: '2026-06-01', testClockId: clockId },
      'spc-1',
    );
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal((await mailsTo(app, a.email, 'processors.change_notice')).length, 1);

    const mail = (await mailsTo(app, a.email, 'processors.change_notice'))[0]!;
    assert.equal(mail.clause, 'QU-PRC-11');
    const text = mail.body.text;
    assert.match(text, /Sendinblue SAS \(Brevo\)/);
    assert.match(text, /do 2026-06-09/);
    assert.match(text, /od 2026-06-10/);

    let view = await registryOf(app, a.accountId);
    const brevo = view.subProcessors.find((e) => e.id === 'brevo')!;
    assert.deepEqual(
      [brevo.status, brevo.objectionUntil, brevo.appliesFrom],
      ['announced', '2026-06-09', '2026-06-10'],
    );

    await advanceClock(app, clockId, '2026-06-09T23:59:00+02:00');
    const inTime = await object(app, a, { subProcessorId: 'brevo' });
    assert.equal(inTime.statusCode, 201, inTime.body);
    assert.equal(inTime.json().status, 'pending');
    assert.equal(statusOf(await registryOf(app, a.accountId), 'brevo'), 'blocked');

    await advanceClock(app, clockId, '2026-06-10T00:00:00+02:00');
    const late = await object(app, b, { subProcessorId: 'brevo' });
    assert.equal(late.statusCode, 409, late.body);
    assert.equal(late.json().code, 'processors.objection_late');
    assert.equal(late.json().details.lastDay, '2026-06-09');
    assert.match(late.json().message, /2026-06-09/);

    view = await registryOf(app, b.accountId);
    assert.equal(statusOf(view, 'brevo'), 'in_use');
    assert.equal(statusOf(await registryOf(app, a.accountId), 'brevo'), 'blocked');

    // A timely objection binds under Quanda's terms: the operator cannot reject it.
    const objectionId = inTime.json().id as string;
    const rejected = await decide(app, objectionId, { outcome: 'rejected', reason: 'Potrzebny do wysyłki' });
    assert.equal(rejected.statusCode, 409);
    assert.equal(rejected.json().code, 'processors.objection_binding');
    const upheld = await decide(app, objectionId, { outcome: 'upheld', serviceImpossible: true });
    assert.equal(upheld.statusCode, 200, upheld.body);
    assert.deepEqual([upheld.json().status, upheld.json().consequence], ['upheld', 'customer_may_terminate']);

    const aEvents = await events(app, a.accountId);
    const notified = aEvents.find((e) => e.type === 'processors.change_notified')!;
    assert.equal(notified.clause, 'QU-PRC-11');
    assert.deepEqual([notified.data.countsFrom, notified.data.objectionUntil], ['2026-06-04', '2026-06-09']);
    assert.deepEqual(
      aEvents.filter((e) => e.type.startsWith('processors.objection')).map((e) => [e.type, e.clause]),
      [
        ['processors.objection_received', 'QU-PRC-11'],
        ['processors.objection_decided', 'QU-PRC-11'],
      ],
    );
    const registryEvents = await events(app, 'sub_processors');
    assert.deepEqual(
      registryEvents.map((e) => [
        e.type,
        e.clause,
        e.data.subProcessorId ?? null,
        e.data.notified ?? e.data.added,
      ]),
      [
        ['processors.registry_seeded', 'QU-PRC-10', null, 5],
        ['processors.sub_processor_added', 'QU-PRC-11', 'brevo', 2],
      ],
    );
  });

  it("QU-PRC-10: a replacement takes the old entry off a customer's list only once it reaches that customer", async (t) => {
    const app = await anApp(t, 'quanda');
    const clockId = await aTestClock(app, '2026-06-01T09:00:00+02:00');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');
    const res = await announce(app, {
      ...mailgunEu,
      id: 'hetzner',
      name: 'Hetzner Online GmbH',
      address: 'Industriestr. 25, 91710 Gunzenhausen',
      purpose: { pl: 'Hosting serwerów', en: 'Server hosting' },
      location: 'DE',
      replacesId: 'linode',
      effectiveOn: '2026-06-15',
      testClockId: clockId,
    });
    assert.equal(res.statusCode, 201, res.body);
    let view = await registryOf(app, a.accountId);
    assert.deepEqual([statusOf(view, 'linode'), statusOf(view, 'hetzner')], ['in_use', 'announced']);
    assert.equal(view.subProcessors.find((e) => e.id === 'hetzner')!.appliesFrom, '2026-06-15');
    await advanceClock(app, clockId, '2026-06-14T23:59:00+02:00');
    assert.equal(statusOf(await registryOf(app, a.accountId), 'linode'), 'in_use');
    await advanceClock(app, clockId, '2026-06-15T00:00:00+02:00');
    view = await registryOf(app, a.accountId);
    assert.deepEqual(idsOf(view), ['coex', 'hetzner', 'neverbounce']);
  });

  it('BK-PRC-11, BK-PRC-12: notice on 2026-09-01, objections through 09-15; a justified, documented objection blocks it for that user only; a rejection needs a reason and lifts the block', async (t) => {
    const app = await anApp(t, 'bookero');
    const clockId = await aTestClock(app, '2026-09-01T10:00:00+02:00');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');
    const b = await aCustomerOn(app, clockId, 'piotr@tulipan.example', '111222333');
    const res = await announce(app, { ...mailgunEu, effectiveOn: '2026-09-01', testClockId: clockId });
    assert.equal(res.statusCode, 201, res.body);
    const entry = (await registryOf(app, a.accountId)).subProcessors.find((e) => e.id === 'brevo')!;
    assert.deepEqual([entry.objectionUntil, entry.appliesFrom], ['2026-09-15', '2026-09-16']);

    await advanceClock(app, clockId, '2026-09-10T12:00:00+02:00');
    // Not documented: refused, nothing recorded.
    const bare = await object(app, a, {
      subProcessorId: 'brevo',
      justification: 'Dane klientów nie mogą trafiać do tego dostawcy',
    });
    assert.equal(bare.statusCode, 422, bare.body);
    assert.equal(bare.json().code, 'processors.objection_incomplete');
    assert.deepEqual(bare.json().details.fields, ['documentation']);
    const none = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${a.accountId}/sub-processor-objections`,
      headers: app.operator,
    });
    assert.deepEqual(none.json().objections, []);

    const documented = await object(app, a, {
      subProcessorId: 'brevo',
      justification: 'Dane klientów nie mogą trafiać do tego dostawcy',
      documentation: 'Opinia prawna nr 12/2026',
    });
    assert.equal(documented.statusCode, 201, documented.body);
    // A documented objection bars the entrustment at once (BK annex 1 ust. 16), before any decision.
    assert.equal(statusOf(await registryOf(app, a.accountId), 'brevo'), 'blocked');
    assert.equal(statusOf(await registryOf(app, b.accountId), 'brevo'), 'announced');
    const queue = await app.http.inject({
      method: 'GET',
      url: '/v1/sub-processor-objections?pending=true',
      headers: app.operator,
    });
    assert.deepEqual(
      queue.json().objections.map((o: { id: string }) => o.id),
      [documented.json().id],
    );
    const upheld = await decide(app, documented.json().id, { outcome: 'upheld' });
    assert.equal(upheld.statusCode, 200, upheld.body);
    assert.deepEqual([upheld.json().status, upheld.json().consequence], ['upheld', 'blocked']);
    const decided = await mailsTo(app, a.email, 'processors.objection_decided');
    assert.equal(decided.length, 1);
    assert.equal(decided[0]!.clause, 'BK-PRC-12');
    assert.match(decided[0]!.body.text, /uwzględniony – podmiot nie przetwarza Twoich danych/);
    const again = await decide(app, documented.json().id, { outcome: 'rejected', reason: 'x' });
    assert.equal(again.json().code, 'processors.objection_decided');

    await advanceClock(app, clockId, '2026-09-16T00:00:00+02:00');
    assert.equal(statusOf(await registryOf(app, a.accountId), 'brevo'), 'blocked');
    assert.equal(statusOf(await registryOf(app, b.accountId), 'brevo'), 'in_use');

    // BK-PRC-12: an objection to a current sub-processor is accepted at any time; rejecting it needs a reason.
    const current = await object(app, b, {
      subProcessorId: 'vercom',
      justification: 'Wolimy jednego dostawcę poczty',
      documentation: 'Uchwała zarządu 3/2026',
    });
    assert.equal(current.statusCode, 201, current.body);
    // BK-PRC-12: the current sub-entrustment ends at once for that user.
    assert.equal(statusOf(await registryOf(app, b.accountId), 'vercom'), 'blocked');
    const noReason = await decide(app, current.json().id, { outcome: 'rejected' });
    assert.equal(noReason.statusCode, 422);
    assert.equal(noReason.json().code, 'processors.reason_required');
    const rejected = await decide(app, current.json().id, {
      outcome: 'rejected',
      reason: 'Brak wskazania zagrożenia dla danych',
    });
    assert.equal(rejected.json().status, 'rejected');
    const told = await mailsTo(app, b.email, 'processors.objection_decided');
    assert.match(told[0]!.body.text, /odrzucony/);
    assert.match(told[0]!.body.text, /Brak wskazania zagrożenia dla danych/);
    assert.equal(statusOf(await registryOf(app, b.accountId), 'vercom'), 'in_use');

    const bEvents = await events(app, b.accountId);
    assert.deepEqual(
      bEvents
        .filter((e) => e.type.startsWith('processors.objection'))
        .map((e) => [e.type, e.clause, e.data.status ?? null]),
      [
        ['processors.objection_received', 'BK-PRC-12', null],
        ['processors.objection_decided', 'BK-PRC-12', 'rejected'],
      ],
    );
    const aEvents = await events(app, a.accountId);
    assert.equal(aEvents.find((e) => e.type === 'processors.objection_received')!.clause, 'BK-PRC-11');
  });

  it('BK-PRC-13: a new vendor without a recorded sub-processing agreement cannot be activated; a wrong safeguard is refused', async (t) => {
    const app = await anApp(t, 'bookero');
    const clockId = await aTestClock(app, '2026-08-01T10:00:00+02:00');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');
    const refused = await announce(app, {
      ...mailgunEu,
      agreementRecorded: false,
      effectiveOn: '2026-08-01',
      testClockId: clockId,
    });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'processors.agreement_missing');
    const usa = await announce(app, {
      ...mailgunEu,
      location: 'US',
      effectiveOn: '2026-08-01',
      testClockId: clockId,
    });
    assert.equal(usa.statusCode, 422);
    assert.equal(usa.json().code, 'processors.invalid_safeguard');
    const past = await announce(app, { ...mailgunEu, effectiveOn: '2026-07-31', testClockId: clockId });
    assert.equal(past.json().code, 'processors.effective_in_past');
    const registry = await app.http.inject({
      method: 'GET',
      url: '/v1/sub-processors',
      headers: app.operator,
    });
    assert.equal(registry.json().subProcessors.length, 6);
    assert.equal((await registryOf(app, a.accountId)).subProcessors.length, 4);
    assert.equal((await mailsTo(app, a.email, 'processors.change_notice')).length, 0);
    assert.deepEqual(
      (await events(app, 'sub_processors')).map((e) => [e.type, e.clause]),
      [['processors.registry_seeded', 'BK-PRC-10']],
    );
  });

  it('terms without an objection right (ClickMeeting) announce the change but refuse objections', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clockId = await aTestClock(app, '2026-05-04T10:00:00+02:00');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');
    const res = await announce(app, { ...mailgunEu, effectiveOn: '2026-05-20', testClockId: clockId });
    assert.equal(res.statusCode, 201, res.body);
    const entry = (await registryOf(app, a.accountId)).subProcessors.find((e) => e.id === 'brevo')!;
    assert.deepEqual(
      [entry.status, entry.objectionUntil, entry.appliesFrom],
      ['announced', null, '2026-05-20'],
    );
    const objection = await object(app, a, { subProcessorId: 'brevo' });
    assert.equal(objection.statusCode, 409);
    assert.equal(objection.json().code, 'processors.objections_not_offered');
  });
});
