import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceClock, events, logIn } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';
import { aCustomer, searchContacts, uploadCsv } from './helpers/entrusted.ts';

// The operator's staff see a customer's entrusted data only inside a support request the customer filed,
// only with their processing records on file, and every read is logged contact id by contact id.

async function aStaffMember(app: TestApp, name: string, records: Record<string, string | null>) {
  const res = await app.http.inject({
    method: 'POST',
    url: '/v1/staff',
    headers: app.operator,
    payload: { name, ...records },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; mayProcessEntrustedData: boolean; missing: string[] };
}

const allRecords = {
  authorisedAt: '2026-03-01T09:00:00+01:00',
  trainedAt: '2026-03-02T09:00:00+01:00',
  confidentialityUndertakenAt: '2026-03-01T09:00:00+01:00',
};

function staffSearch(app: TestApp, supportRequestId: string, staffId: string, query = '') {
  return app.http.inject({
    method: 'GET',
    url: `/v1/support-requests/${supportRequestId}/contacts?staffId=${staffId}${query}`,
    headers: app.operator,
  });
}

function staffOpen(app: TestApp, supportRequestId: string, staffId: string, contactId: string) {
  return app.http.inject({
    method: 'GET',
    url: `/v1/support-requests/${supportRequestId}/contacts/${contactId}?staffId=${staffId}`,
    headers: app.operator,
  });
}

async function fileRequest(
  app: TestApp,
  accountId: string,
  headers: Record<string, string>,
  subject: string,
) {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/support-requests`,
    headers,
    payload: { subject },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; expiresAt: string; closedAt: string | null };
}

describe('entrusted data: staff access within a support request', () => {
  it('BK-PRC-03, BK-SEC-02: access needs the records and an open request of that tenant, ends when it closes, and every read is logged', async (t) => {
    const x = await aCustomer(t, 'bookero', { frozenTime: '2026-04-09T09:00:00+02:00' });
    const y = await aCustomer(t, 'bookero', { app: x.app, clockId: x.clockId, email: 'y@salon-y.example' });
    const { app } = x;
    const csv = [
      'email,first_name,last_name',
      'k1@x.pl,Kasia,Jeden',
      'k2@x.pl,Kasia,Dwa',
      'k3@x.pl,Kasia,Trzy',
    ];
    assert.equal((await uploadCsv(app, x.accountId, x.owner.writes, csv.join('\n'))).statusCode, 201);
    assert.equal(
      (await uploadCsv(app, y.accountId, y.owner.writes, 'email,last_name\ny1@y.pl,Igrek')).statusCode,
      201,
    );
    const [yContact] = (await searchContacts(app, y.accountId, y.owner.reads)).contacts;

    const agent = await aStaffMember(app, 'Agent A', allRecords);
    assert.equal(agent.mayProcessEntrustedData, true);
    const newHire = await aStaffMember(app, 'New Engineer', {
      authorisedAt: '2026-04-01T09:00:00+02:00',
      confidentialityUndertakenAt: '2026-04-01T09:00:00+02:00',
    });
    assert.deepEqual(newHire.missing, ['training']);

    // The operator cannot grant itself access: only the customer files the request.
    const byOperator = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${x.accountId}/support-requests`,
      headers: app.operator,
      payload: { subject: 'let me in' },
    });
    assert.equal(byOperator.statusCode, 403);

    const ticket = await fileRequest(app, x.accountId, x.owner.writes, 'Rezerwacje nie zapisują się');
    assert.equal(ticket.expiresAt, '2026-04-12T07:00:00.000Z', '72 hours from filing');

    // Without training on file: refused, and the refusal logged (BK-SEC-02).
    const refused = await staffSearch(app, ticket.id, newHire.id);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().code, 'entrusted.staff_not_authorised');

    // With the records and the open request: tenant X's data, and only X's.
    const page1 = await staffSearch(app, ticket.id, agent.id, '&limit=2');
    assert.equal(page1.statusCode, 200, page1.body);
    assert.equal(page1.json().accountId, x.accountId);
    const shown1 = page1.json().contacts.map((c: { id: string }) => c.id);
    assert.equal(shown1.length, 2);
    const page2 = await staffSearch(app, ticket.id, agent.id, `&limit=2&cursor=${page1.json().nextCursor}`);
    const shown2 = page2.json().contacts.map((c: { id: string }) => c.id);
    assert.equal(shown2.length, 1);
    const opened = await staffOpen(app, ticket.id, agent.id, shown1[0]);
    assert.equal(opened.statusCode, 200, opened.body);
    const otherTenant = await staffOpen(app, ticket.id, agent.id, yContact!.id as string);
    assert.equal(otherTenant.statusCode, 404, "Y's contact is not reachable through X's request");

    // The customer closes the request on 2026-04-10: access ends at once.
    await advanceClock(app, x.clockId, '2026-04-10T12:00:00+02:00');
    const owner = await logIn(app, 'anna@roza.example');
    const closed = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${x.accountId}/support-requests/${ticket.id}/close`,
      headers: owner.writes,
    });
    assert.equal(closed.statusCode, 200, closed.body);
    assert.equal(closed.json().closedAt, '2026-04-10T10:00:00.000Z');
    const afterClose = await staffSearch(app, ticket.id, agent.id);
    assert.equal(afterClose.statusCode, 403);
    assert.equal(afterClose.json().code, 'entrusted.no_support_access');

    const log = await events(app, x.accountId);
    const reads = log.filter((e) => e.type === 'entrusted.staff_read');
    assert.deepEqual(
      reads.map((e) => [e.clause, e.actor, e.data.what, e.data.contactIds, e.data.supportRequestId]),
      [
        ['BK-PRC-03', `staff:${agent.id}`, 'search', shown1, ticket.id],
        ['BK-PRC-03', `staff:${agent.id}`, 'search', shown2, ticket.id],
        ['BK-PRC-03', `staff:${agent.id}`, 'contact', [shown1[0]], ticket.id],
      ],
    );
    assert.deepEqual(
      reads.map((e) => e.occurredAt),
      ['2026-04-09T07:00:00.000Z', '2026-04-09T07:00:00.000Z', '2026-04-09T07:00:00.000Z'],
    );
    const refusals = log.filter((e) => e.type === 'entrusted.staff_access_refused');
    assert.deepEqual(
      refusals.map((e) => [e.clause, e.actor, e.data.reason, e.data.missing ?? null]),
      [
        ['BK-SEC-02', `staff:${newHire.id}`, 'records_missing', ['training']],
        ['BK-PRC-03', `staff:${agent.id}`, 'no_grant', null],
      ],
    );
    assert.doesNotMatch(JSON.stringify(log), /Kasia|Jeden|k1@x\.pl/, 'no personal data in the log');
    assert.ok(!(await events(app, y.accountId)).some((e) => e.type.startsWith('entrusted.staff')));
  });

  it('CM-PRC-07: access is time-boxed: allowed until the request runs out, refused from then on', async (t) => {
    const c = await aCustomer(t, 'clickmeeting', { frozenTime: '2026-03-12T10:00:00+01:00' });
    const { app } = c;
    assert.equal(
      (await uploadCsv(app, c.accountId, c.owner.writes, 'email,last_name\nu@x.pl,Uczestnik')).statusCode,
      201,
    );
    const agent = await aStaffMember(app, 'Agent', allRecords);
    const ticket = await fileRequest(app, c.accountId, c.owner.writes, 'Nagranie webinaru nie działa');
    assert.equal(ticket.expiresAt, '2026-03-15T09:00:00.000Z');

    await advanceClock(app, c.clockId, '2026-03-15T09:59:59+01:00');
    assert.equal((await staffSearch(app, ticket.id, agent.id)).statusCode, 200, 'one second before the end');
    await advanceClock(app, c.clockId, '2026-03-15T10:00:00+01:00');
    const late = await staffSearch(app, ticket.id, agent.id);
    assert.equal(late.statusCode, 403, 'at the end');
    assert.equal(late.json().code, 'entrusted.no_support_access');

    // A new request opens a new window; revoking the agent's authorisation shuts it again.
    const owner = await logIn(app, 'anna@roza.example');
    const second = await fileRequest(app, c.accountId, owner.writes, 'Jeszcze raz');
    assert.equal((await staffSearch(app, second.id, agent.id)).statusCode, 200);
    const revoke = await app.http.inject({
      method: 'PATCH',
      url: `/v1/staff/${agent.id}`,
      headers: app.operator,
      payload: { authorisationRevokedAt: '2026-03-15T10:00:00+01:00' },
    });
    assert.equal(revoke.statusCode, 200, revoke.body);
    assert.deepEqual(revoke.json().missing, ['processing_authorisation']);
    const revoked = await staffSearch(app, second.id, agent.id);
    assert.equal(revoked.statusCode, 403);
    assert.equal(revoked.json().code, 'entrusted.staff_not_authorised');

    const log = await events(app, c.accountId);
    assert.deepEqual(
      log.filter((e) => e.type === 'entrusted.staff_read').map((e) => [e.clause, e.occurredAt]),
      [
        ['CM-PRC-07', '2026-03-15T08:59:59.000Z'],
        ['CM-PRC-07', '2026-03-15T09:00:00.000Z'],
      ],
    );
    assert.deepEqual(
      log.filter((e) => e.type === 'entrusted.staff_access_refused').map((e) => e.data.reason),
      ['no_grant', 'records_missing'],
    );
  });

  it('MOC-SEC-02: a support hire without a confidentiality undertaking (NDA) on file is refused', async (t) => {
    const m = await aCustomer(t, 'myownconference');
    const { app } = m;
    const hire = await aStaffMember(app, 'Support Hire', {
      authorisedAt: '2026-03-01T09:00:00+01:00',
      trainedAt: '2026-03-01T09:00:00+01:00',
    });
    assert.deepEqual(hire.missing, ['confidentiality_undertaking']);
    const ticket = await fileRequest(app, m.accountId, m.owner.writes, 'Lista uczestników');
    const res = await staffSearch(app, ticket.id, hire.id);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'entrusted.staff_not_authorised');
    const [refusal] = (await events(app, m.accountId)).filter(
      (e) => e.type === 'entrusted.staff_access_refused',
    );
    assert.deepEqual(
      [refusal?.clause, refusal?.data.missing],
      ['MOC-SEC-02', ['confidentiality_undertaking']],
    );

    // Once the NDA is recorded, the same request lets the hire in.
    const nda = await app.http.inject({
      method: 'PATCH',
      url: `/v1/staff/${hire.id}`,
      headers: app.operator,
      payload: { confidentialityUndertakenAt: '2026-03-20T09:00:00+01:00' },
    });
    assert.equal(nda.json().mayProcessEntrustedData, true);
    assert.equal((await staffSearch(app, ticket.id, hire.id)).statusCode, 200);
  });

  it('MOC-PRC-01: support sees only the attendees who agreed to it; opening anyone else is refused and logged', async (t) => {
    const m = await aCustomer(t, 'myownconference', { frozenTime: '2026-04-09T09:00:00+02:00' });
    const { app } = m;
    const csv =
      'email,first_name,last_name,phone\nzgoda@x.pl,Zofia,Zgodna,+48 600 000 001\nbrak@x.pl,Bartosz,Bezzgody,';
    assert.equal((await uploadCsv(app, m.accountId, m.owner.writes, csv)).statusCode, 201);
    const byEmail = Object.fromEntries(
      (await searchContacts(app, m.accountId, m.owner.reads)).contacts.map((c) => [c.email, c.id as string]),
    );
    const consent = await app.http.inject({
      method: 'PUT',
      url: `/v1/accounts/${m.accountId}/entrusted/contacts/${byEmail['zgoda@x.pl']}/support-consent`,
      headers: m.owner.writes,
      payload: { givenAt: '2026-04-09T08:30:00+02:00' },
    });
    assert.equal(consent.statusCode, 200, consent.body);
    const agent = await aStaffMember(app, 'Consultant', allRecords);
    const ticket = await fileRequest(app, m.accountId, m.owner.writes, 'Lista uczestników webinaru W');

    const list = await staffSearch(app, ticket.id, agent.id);
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(
      list.json().contacts.map((c: { id: string }) => c.id),
      [byEmail['zgoda@x.pl']],
    );
    assert.equal((await staffOpen(app, ticket.id, agent.id, byEmail['zgoda@x.pl']!)).statusCode, 200);
    const denied = await staffOpen(app, ticket.id, agent.id, byEmail['brak@x.pl']!);
    assert.equal(denied.statusCode, 403, denied.body);
    assert.equal(denied.json().code, 'entrusted.no_subject_consent');

    const log = await events(app, m.accountId);
    assert.deepEqual(
      log.filter((e) => e.type === 'entrusted.staff_read').map((e) => [e.clause, e.data.contactIds]),
      [
        ['MOC-PRC-01', [byEmail['zgoda@x.pl']]],
        ['MOC-PRC-01', [byEmail['zgoda@x.pl']]],
      ],
    );
    assert.deepEqual(
      log
        .filter((e) => e.type === 'entrusted.staff_access_refused')
        .map((e) => [e.clause, e.data.reason, e.data.contactId]),
      [['MOC-PRC-01', 'no_subject_consent', byEmail['brak@x.pl']]],
    );
  });
});
