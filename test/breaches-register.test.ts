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
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// The breach register (GDPR art. 33(5)): every breach recorded with the clock starting at awareness or
// suspicion, notices with their required content, and overdue alarms when an hour deadline passes unmet.

async function aCustomerOn(app: TestApp, clockId: string, email: string, nipPrefix: string) {
  const reg = await registered(app, clockId, {
    email,
    company: aCompany(`Firma ${nipPrefix}`, aNip(nipPrefix)),
  });
  if (reg.activationRequired) await activate(app, email);
  return { accountId: reg.accountId, email };
}

const fullDetails = {
  circumstances: 'Nieuprawniony dostęp do kopii zapasowej bazy rezerwacji',
  likelyCauses: 'Wyciek klucza dostępu pracownika',
  measures: 'Unieważnienie kluczy, rotacja haseł, powiadomienie zespołu bezpieczeństwa',
  documentation: 'Raport IR-2026-07 z logami dostępu',
  dataCategories: ['imię i nazwisko', 'telefon', 'e-mail'],
  approxSubjects: 1200,
};

async function record(app: TestApp, body: Record<string, unknown>) {
  const res = await app.http.inject({
    method: 'POST',
    url: '/v1/breaches',
    headers: { ...app.operator, 'idempotency-key': `brc-${JSON.stringify(body).length}-${Math.random()}` },
    payload: body,
  });
  return res;
}

function notify(app: TestApp, breachId: string, body: Record<string, unknown>) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/breaches/${breachId}/notices`,
    headers: app.operator,
    payload: body,
  });
}

async function overdueAlarms(app: TestApp, breachId: string) {
  return (await events(app, `breach:${breachId}`)).filter((e) => e.type === 'breach.notice_overdue');
}

describe('breaches: the register and its notice deadlines', () => {
  it('BK-PRC-06: suspicion logged 2026-07-08 14:00; an incomplete notice is refused; at 2026-07-09 13:59 no alarm, at 14:00 the alarm and the operator mail', async (t) => {
    const app = await anApp(t, 'bookero');
    const clockId = await aTestClock(app, '2026-07-08T14:00:00+02:00');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');
    const res = await record(app, {
      status: 'suspected',
      accountIds: [a.accountId],
      highRisk: false,
      details: { circumstances: fullDetails.circumstances },
      testClockId: clockId,
    });
    assert.equal(res.statusCode, 201, res.body);
    const breach = res.json();
    assert.equal(breach.awareAt, '2026-07-08T12:00:00.000Z');
    const customers = breach.notices.find((n: { recipient: string }) => n.recipient === 'customers');
    assert.equal(customers.dueAt, '2026-07-09T12:00:00.000Z');
    assert.equal(customers.clause, 'BK-PRC-06');
    const authority = breach.notices.find((n: { recipient: string }) => n.recipient === 'authority');
    assert.equal(authority.dueAt, '2026-07-11T12:00:00.000Z');

    const incomplete = await notify(app, breach.id, { recipient: 'customers' });
    assert.equal(incomplete.statusCode, 422, incomplete.body);
    assert.equal(incomplete.json().code, 'processors.breach_notice_incomplete');
    assert.deepEqual(incomplete.json().details.fields, [
      'likelyCauses',
      'measures',
      'documentation',
      'dataCategories',
      'approxSubjects',
    ]);
    assert.equal((await mailsTo(app, a.email, 'breaches.customer_notice')).length, 0);

    await advanceClock(app, clockId, '2026-07-09T13:59:00+02:00');
    assert.deepEqual(await overdueAlarms(app, breach.id), []);
    assert.equal((await mailsTo(app, 'partner@bookero.pl', 'breaches.notice_overdue')).length, 0);

    await advanceClock(app, clockId, '2026-07-09T14:00:00+02:00');
    const alarms = await overdueAlarms(app, breach.id);
    assert.deepEqual(
      alarms.map((e) => [e.clause, e.data.recipient, e.occurredAt]),
      [['BK-PRC-06', 'customers', '2026-07-09T12:00:00.000Z']],
    );
    const mails = await mailsTo(app, 'partner@bookero.pl', 'breaches.notice_overdue');
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.body.text, new RegExp(breach.id));
    const stored = await app.http.inject({
      method: 'GET',
      url: `/v1/breaches/${breach.id}`,
      headers: app.operator,
    });
    assert.equal(
      stored.json().notices.find((n: { recipient: string }) => n.recipient === 'customers').overdueAt,
      '2026-07-09T12:00:00.000Z',
    );
    // Advancing further raises no second alarm for the same notice.
    await advanceClock(app, clockId, '2026-07-10T09:00:00+02:00');
    assert.equal((await overdueAlarms(app, breach.id)).length, 1);
  });

  it('BK-PRC-06, BK-PRC-07: notified within 24 h with all four content fields, no alarm; the customer reads the record; the authority notice past 72 h is alarmed and recorded late', async (t) => {
    const app = await anApp(t, 'bookero');
    const clockId = await aTestClock(app, '2026-07-08T14:00:00+02:00');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');
    const b = await aCustomerOn(app, clockId, 'piotr@tulipan.example', '111222333');
    const res = await record(app, {
      status: 'suspected',
      awareAt: '2026-07-08T13:30:00+02:00',
      accountIds: [a.accountId],
      highRisk: false,
      details: { circumstances: fullDetails.circumstances },
      testClockId: clockId,
    });
    assert.equal(res.statusCode, 201, res.body);
    const breach = res.json();
    await advanceClock(app, clockId, '2026-07-09T10:00:00+02:00');
    const patch = await app.http.inject({
      method: 'PATCH',
      url: `/v1/breaches/${breach.id}`,
      headers: app.operator,
      payload: { status: 'confirmed', details: fullDetails },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    const notified = await notify(app, breach.id, { recipient: 'customers' });
    assert.equal(notified.statusCode, 201, notified.body);
    const mails = await mailsTo(app, a.email, 'breaches.customer_notice');
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.clause, 'BK-PRC-06');
    for (const value of [
      fullDetails.circumstances,
      fullDetails.likelyCauses,
      fullDetails.measures,
      fullDetails.documentation,
      '1200',
    ]) {
      assert.ok(mails[0]!.body.text.includes(value), value);
    }
    assert.equal((await mailsTo(app, b.email, 'breaches.customer_notice')).length, 0);
    const twice = await notify(app, breach.id, { recipient: 'customers' });
    assert.equal(twice.json().code, 'processors.breach_notice_done');

    const aEvents = (await events(app, a.accountId)).filter((e) => e.type === 'breach.customer_notified');
    assert.deepEqual(
      aEvents.map((e) => [e.clause, e.data.breachId]),
      [['BK-PRC-06', breach.id]],
    );
    assert.deepEqual(
      (await events(app, b.accountId)).filter((e) => e.type.startsWith('breach.')),
      [],
    );

    // BK-PRC-07: the customer downloads what it needs for its own notice to the authority.
    const session = await logIn(app, a.email);
    const own = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${a.accountId}/breaches`,
      headers: session.reads,
    });
    assert.equal(own.statusCode, 200, own.body);
    const [seen] = own.json().breaches;
    assert.equal(seen.id, breach.id);
    assert.deepEqual(seen.details.dataCategories, fullDetails.dataCategories);
    assert.equal(seen.details.approxSubjects, 1200);
    assert.equal(
      seen.notices.find((n: { recipient: string }) => n.recipient === 'customers').notifiedAt,
      '2026-07-09T08:00:00.000Z',
    );
    const otherSession = await logIn(app, b.email);
    const other = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${b.accountId}/breaches`,
      headers: otherSession.reads,
    });
    assert.deepEqual(other.json().breaches, []);

    // Past the customers' deadline: no alarm, it was met.
    await advanceClock(app, clockId, '2026-07-11T13:29:00+02:00');
    assert.deepEqual(await overdueAlarms(app, breach.id), []);
    await advanceClock(app, clockId, '2026-07-11T13:30:00+02:00');
    assert.deepEqual(
      (await overdueAlarms(app, breach.id)).map((e) => [e.data.recipient, e.clause]),
      [['authority', 'BK-PRC-07']],
    );
    // The art. 33(3) content is required; then the notice is recorded, late.
    const noRecords = await notify(app, breach.id, { recipient: 'authority', reference: 'UODO/2026/123' });
    assert.equal(noRecords.statusCode, 422);
    assert.deepEqual(noRecords.json().details.fields, ['approxRecords', 'likelyConsequences']);
    await app.http.inject({
      method: 'PATCH',
      url: `/v1/breaches/${breach.id}`,
      headers: app.operator,
      payload: {
        details: { approxRecords: 3400, likelyConsequences: 'Ryzyko niechcianych kontaktów (spam)' },
      },
    });
    const toAuthority = await notify(app, breach.id, { recipient: 'authority', reference: 'UODO/2026/123' });
    assert.equal(toAuthority.statusCode, 201, toAuthority.body);
    const notice = toAuthority.json().notices.find((n: { recipient: string }) => n.recipient === 'authority');
    assert.equal(notice.content.reference, 'UODO/2026/123');
    assert.equal(notice.content.approxRecords, 3400);
    const chain = await events(app, `breach:${breach.id}`);
    assert.deepEqual(
      chain.filter((e) => e.type === 'breach.notified').map((e) => [e.data.recipient, e.data.onTime]),
      [
        ['customers', true],
        ['authority', false],
      ],
    );
    assert.deepEqual(
      chain.map((e) => e.type),
      [
        'breach.recorded',
        'breach.updated',
        'breach.notified',
        'breach.notice_overdue',
        'breach.updated',
        'breach.notified',
      ],
    );
  });

  it('HT-SEC-01: awareness 2026-05-11 09:00: at 2026-05-14 08:59 no alarm, at 09:00 the alarm; awareness in the future is refused', async (t) => {
    const app = await anApp(t, 'hosttracker');
    const clockId = await aTestClock(app, '2026-05-11T09:00:00Z');
    const a = await aCustomerOn(app, clockId, 'anna@roza.example', '526025027');
    const future = await record(app, {
      status: 'confirmed',
      awareAt: '2026-05-11T09:00:01Z',
      accountIds: [a.accountId],
      highRisk: false,
      details: {},
      testClockId: clockId,
    });
    assert.equal(future.statusCode, 422);
    assert.equal(future.json().code, 'processors.awareness_in_future');
    const unknown = await record(app, {
      status: 'confirmed',
      accountIds: ['acc_nope'],
      highRisk: false,
      details: {},
      testClockId: clockId,
    });
    assert.equal(unknown.json().code, 'processors.account_not_found');
    const listed = await app.http.inject({ method: 'GET', url: '/v1/breaches', headers: app.operator });
    assert.deepEqual(listed.json().breaches, []);

    const res = await record(app, {
      status: 'confirmed',
      accountIds: [a.accountId],
      highRisk: true,
      details: { circumstances: 'Unencrypted export left on a public bucket' },
      testClockId: clockId,
    });
    assert.equal(res.statusCode, 201, res.body);
    const breach = res.json();
    const customers = breach.notices.find((n: { recipient: string }) => n.recipient === 'customers');
    assert.deepEqual([customers.dueAt, customers.clause], ['2026-05-14T09:00:00.000Z', 'HT-SEC-01']);
    await advanceClock(app, clockId, '2026-05-14T08:59:00Z');
    assert.deepEqual(await overdueAlarms(app, breach.id), []);
    await advanceClock(app, clockId, '2026-05-14T09:00:00Z');
    const alarms = await overdueAlarms(app, breach.id);
    // Both the customers' (HT-SEC-01) and the authority's 72 hours end at once.
    assert.deepEqual(alarms.map((e) => [e.data.recipient, e.clause]).sort(), [
      ['authority', null],
      ['customers', 'HT-SEC-01'],
    ]);

    // High risk: data subjects must be told (art. 34), with the nature, consequences and measures.
    const subjects = await notify(app, breach.id, { recipient: 'data_subjects', count: 40 });
    assert.equal(subjects.statusCode, 422);
    assert.deepEqual(subjects.json().details.fields, ['likelyConsequences', 'measures']);
    await app.http.inject({
      method: 'PATCH',
      url: `/v1/breaches/${breach.id}`,
      headers: app.operator,
      payload: { details: { likelyConsequences: 'Phishing', measures: 'Bucket closed, keys rotated' } },
    });
    const told = await notify(app, breach.id, { recipient: 'data_subjects', count: 40 });
    assert.equal(told.statusCode, 201, told.body);
    assert.equal(
      told.json().notices.find((n: { recipient: string }) => n.recipient === 'data_subjects').recipients,
      40,
    );
  });
});
