import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceClock, events, logIn } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';
import { aCustomer, exportCsv, searchContacts, storedCounts, uploadCsv } from './helpers/entrusted.ts';

// Requests the customer receives from its own contacts, executed on its instruction; the deletion of
// everything after the contract; the processing record and audits. On test clocks.

async function withContacts(app: TestApp, accountId: string, headers: Record<string, string>) {
  const csv = [
    'email,first_name,last_name,phone,work_city',
    'jan.kowalski@example.pl,Jan,Kowalski,+48 600 000 001,Poznań',
    'Jan.Kowalski@example.pl,Jan,Kowalski (drugi wpis),,Poznań',
    'ewa@example.pl,Ewa,Wiśniewska,+48 600 000 002,Wrocław',
  ].join('\n');
  assert.equal((await uploadCsv(app, accountId, headers, csv)).statusCode, 201);
  const list = (await searchContacts(app, accountId, headers)).contacts;
  const jan = list.filter((c) => String(c.email).toLowerCase() === 'jan.kowalski@example.pl');
  const ewa = list.find((c) => c.email === 'ewa@example.pl')!;
  for (const [i, c] of [...jan, ewa].entries()) {
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/entrusted/contacts/${c.id}/activity`,
      headers: app.operator,
      payload: {
        activity: [
          { kind: 'campaign_delivery', ref: 'cmp_1', occurredAt: '2026-03-01T10:00:00+01:00' },
          { kind: 'campaign_open', ref: 'cmp_1', occurredAt: `2026-03-0${i + 2}T10:00:00+01:00` },
          {
            kind: 'survey_answer',
            ref: 'srv_1',
            occurredAt: '2026-03-10T10:00:00+01:00',
            data: { q1: 'tak' },
          },
        ],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
  return { jan: jan.map((c) => c.id as string), ewa: ewa.id as string };
}

function request(app: TestApp, accountId: string, headers: Record<string, string>, payload: object) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/entrusted/requests`,
    headers,
    payload,
  });
}

describe("entrusted data: the customer's contacts' requests, purge, processing record", () => {
  it('QU-PRC-06: access, rectification and erasure of one person, executed at once and evidenced by ids and counts only', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda');
    const { jan, ewa } = await withContacts(app, accountId, owner.writes);

    const access = await request(app, accountId, owner.writes, {
      kind: 'access',
      email: 'JAN.KOWALSKI@example.pl',
    });
    assert.equal(access.statusCode, 201, access.body);
    const copy = access.json();
    assert.equal(copy.contacts, 2, 'both entries of the same person');
    assert.equal(copy.activities, 6);
    assert.deepEqual(copy.data.map((c: { id: string }) => c.id).sort(), [...jan].sort());
    assert.equal(copy.data[0].activity.length, 3);
    assert.equal(copy.executedAt, '2026-04-01T07:00:00.000Z');

    const fix = await request(app, accountId, owner.writes, {
      kind: 'rectification',
      contactId: ewa,
      change: { lastName: 'Wiśniewska-Nowak', phone: null },
    });
    assert.equal(fix.statusCode, 201, fix.body);
    assert.equal(fix.json().data[0].lastName, 'Wiśniewska-Nowak');
    assert.equal(fix.json().data[0].phone, null);
    const afterFix = await exportCsv(app, accountId, owner.reads);
    assert.match(afterFix, /Wiśniewska-Nowak/);
    assert.doesNotMatch(afterFix, /600 000 002/, 'the export follows the correction');
    assert.equal(
      (await searchContacts(app, accountId, owner.reads, { field: 'name', q: 'wisniewska-n' })).contacts
        .length,
      1,
    );

    const badFix = await request(app, accountId, owner.writes, {
      kind: 'rectification',
      contactId: ewa,
      change: { email: 'not an e-mail' },
    });
    assert.equal(badFix.statusCode, 400, badFix.body);

    const erase = await request(app, accountId, owner.writes, {
      kind: 'erasure',
      email: 'jan.kowalski@example.pl',
    });
    assert.equal(erase.statusCode, 201, erase.body);
    assert.equal(erase.json().contacts, 2);
    assert.equal(erase.json().activities, 6);
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 1, activities: 3 });
    assert.doesNotMatch(await exportCsv(app, accountId, owner.reads), /kowalski/i);
    assert.doesNotMatch(await exportCsv(app, accountId, owner.reads, 'activity'), new RegExp(jan.join('|')));

    const again = await request(app, accountId, owner.writes, {
      kind: 'erasure',
      email: 'jan.kowalski@example.pl',
    });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().code, 'entrusted.subject_not_found');

    const executed = (await events(app, accountId)).filter((e) => e.type === 'entrusted.request_executed');
    assert.deepEqual(
      executed.map((e) => [e.clause, e.data.kind, e.data.contacts, e.data.activities, e.data.targetHours]),
      [
        ['QU-PRC-06', 'access', 2, 6, 72],
        ['QU-PRC-06', 'rectification', 1, 3, 72],
        ['QU-PRC-06', 'erasure', 2, 6, 72],
      ],
    );
    const log = JSON.stringify(await events(app, accountId));
    assert.doesNotMatch(log, /kowalski|Wiśniewska|example\.pl|600 000/i, 'ids and counts only');

    const list = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/entrusted/requests`,
      headers: owner.reads,
    });
    assert.deepEqual(
      list.json().requests.map((r: { kind: string; contacts: number }) => [r.kind, r.contacts]),
      [
        ['erasure', 2],
        ['rectification', 1],
        ['access', 2],
      ],
    );
  });

  it('BK-PRC-05: one client found by e-mail is exported with all bookings and erased in one action each', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'bookero');
    const { ewa } = await withContacts(app, accountId, owner.writes);
    const access = await request(app, accountId, owner.writes, { kind: 'access', email: 'ewa@example.pl' });
    assert.deepEqual(
      access.json().data.map((c: { id: string; activity: unknown[] }) => [c.id, c.activity.length]),
      [[ewa, 3]],
    );
    const erase = await request(app, accountId, owner.writes, { kind: 'erasure', contactId: ewa });
    assert.deepEqual([erase.json().contacts, erase.json().activities], [1, 3]);
    assert.equal(
      (await events(app, accountId)).filter(
        (e) => e.type === 'entrusted.request_executed' && e.clause === 'BK-PRC-05',
      ).length,
      2,
    );
  });

  it('QU-PRC-12: all entrusted data are deleted by purgeEntrustedData, with an export offered beforehand', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda');
    const other = await aCustomer(t, 'quanda', { app, email: 'inna@firma.example' });
    await withContacts(app, accountId, owner.writes);
    await withContacts(app, other.accountId, other.owner.writes);

    const offer = await app.entrusted.entrustedDataExport(accountId);
    assert.deepEqual(
      { contacts: offer.contacts, activities: offer.activities },
      { contacts: 3, activities: 9 },
    );
    const download = await app.http.inject({
      method: 'GET',
      url: offer.downloads.json,
      headers: owner.reads,
    });
    assert.equal(download.statusCode, 200);
    assert.equal(download.json().contacts.length, 3);
    assert.equal(
      download.json().contacts.reduce((n: number, c: { activity: unknown[] }) => n + c.activity.length, 0),
      9,
    );

    const purged = await app.db.transaction(() =>
      app.entrusted.purgeEntrustedData([accountId], { cause: 'due:retention.test' }),
    );
    assert.deepEqual(purged, [{ accountId, contacts: 3, activities: 9, customFields: 0 }]);
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 0, activities: 0 });
    assert.deepEqual(
      await storedCounts(app, other.accountId),
      { contacts: 3, activities: 9 },
      'others untouched',
    );
    const event = (await events(app, accountId)).find((e) => e.type === 'entrusted.purged');
    assert.deepEqual(
      [event?.clause, event?.data],
      ['QU-PRC-12', { contacts: 3, activities: 9, customFields: 0 }],
    );

    const twice = await app.db.transaction(() => app.entrusted.purgeEntrustedData([accountId]));
    assert.deepEqual(twice, [{ accountId, contacts: 0, activities: 0, customFields: 0 }]);
  });

  it('QU-PRC-13: an audit announced less than 30 days ahead is refused with the earliest date', async (t) => {
    const { app, accountId, clockId, owner } = await aCustomer(t, 'quanda', {
      frozenTime: '2026-05-04T09:00:00+02:00',
    });
    const early = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/entrusted/audits`,
      headers: owner.writes,
      payload: { auditDate: '2026-05-25' },
    });
    assert.equal(early.statusCode, 422, early.body);
    assert.equal(early.json().details.earliestDate, '2026-06-03');
    for (const [date, status] of [
      ['2026-06-02', 422],
      ['2026-06-03', 201],
    ] as const) {
      const res = await app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/entrusted/audits`,
        headers: owner.writes,
        payload: { auditDate: date },
      });
      assert.equal(res.statusCode, status, `${date}: ${res.body}`);
    }
    await advanceClock(app, clockId, '2026-05-10T09:00:00+02:00');
    const again = await logIn(app, 'anna@roza.example'); // the session ended on sandbox time
    const later = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/entrusted/audits`,
      headers: again.writes,
      payload: { auditDate: '2026-06-08' },
    });
    assert.equal(later.statusCode, 422);
    assert.equal(later.json().details.earliestDate, '2026-06-09');
    const announced = (await events(app, accountId)).filter((e) => e.type === 'entrusted.audit_announced');
    assert.deepEqual(
      announced.map((e) => [e.clause, e.data.auditDate]),
      [['QU-PRC-13', '2026-06-03']],
    );
  });

  it('BK-PRC-04, QU-PRC-10: the processing record says where the data are processed and by whom', async (t) => {
    const bk = await aCustomer(t, 'bookero');
    const res = await bk.app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${bk.accountId}/entrusted/processing-record`,
      headers: bk.owner.reads,
    });
    assert.equal(res.statusCode, 200, res.body);
    const record = res.json();
    assert.equal(record.locations.clause, 'BK-PRC-04');
    assert.equal(record.locations.replyDays, 30);
    assert.deepEqual(
      record.locations.subProcessors.map((s: { name: string; location: string; scope: string }) => [
        s.name,
        s.location,
        s.scope,
      ]),
      [
        ['TheCamels S.C.', 'PL', 'all'],
        ['MailGun Technologies, Inc.', 'US', 'all'],
        ['Vercom S.A.', 'PL', 'all'],
        ['Link Mobility Poland Sp. z o.o.', 'PL', 'all'],
        ['Microsoft', 'US', 'integration:outlook_calendar'],
        ['Google', 'US', 'integration:google_calendar'],
      ],
    );
    assert.deepEqual(record.tagging, {
      contacts: 'entrusted_client_data',
      activity: 'entrusted_client_data',
    });
    assert.equal(record.audit.clause, 'BK-PRC-09');
    assert.deepEqual(record.deletionAfterEnd, {
      clause: 'BK-PRC-08',
      days: 30,
      includesBackups: true,
      certificate: true,
    });

    const qu = await aCustomer(t, 'quanda');
    const quRecord = (
      await qu.app.http.inject({
        method: 'GET',
        url: `/v1/accounts/${qu.accountId}/entrusted/processing-record`,
        headers: qu.owner.reads,
      })
    ).json();
    assert.deepEqual(
      quRecord.locations.subProcessors.map((s: { name: string; location: string }) => [s.name, s.location]),
      [
        ['COEX s.r.o.', 'CZ'],
        ['Linode, LLC', 'US'],
        ['NeverBounce', 'US'],
        ['SendGrid', 'US'],
        ['MessageBird B.V.', 'NL'],
      ],
    );
    assert.deepEqual(quRecord.tagging, { contacts: 'customer_content', activity: 'recipient_activity' });
    assert.deepEqual(quRecord.audit, {
      clause: 'QU-PRC-13',
      noticeMinDays: 30,
      costs: 'customer_unless_breach',
    });
  });
});
