import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { events, logIn, tokenMailedTo } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';
import { aCustomer, exportCsv, searchContacts, storedCounts, uploadCsv } from './helpers/entrusted.ts';

// The store of entrusted data, through the HTTP API as the customer uses it: CSV import and export, search,
// deletion. Quanda's contact categories (art. 10.5) and Bookero's clients (annex 1).

const header =
  'email,title,first_name,last_name,position,company,phone,work_city,work_country,birth_date,name_day,custom:shoe_size';
const rows = [
  'zofia.gesla@example.pl,Pani,Zofia,Gęślą-Jaźń,"Kierownik, sprzedaż","Żółw ""Szybki"" sp. z o.o.",+48 600 100 200,Łódź,PL,1980-02-29,05-15,38',
  'lukasz@example.pl,Pan,Łukasz,Źdźbło,,,+48 601 000 000,Kraków,PL,,,',
  'anna@example.com,,Anna,"Nowak, ""Ania""",CEO,Quanda Test,,"Gdańsk\nOliwa",PL,,,41',
];

/** Invites a user with a role into the account and logs them in. */
async function aUser(
  app: TestApp,
  accountId: string,
  owner: Record<string, string>,
  email: string,
  role: string,
) {
  const invited = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/users`,
    headers: owner,
    payload: { email, role },
  });
  assert.equal(invited.statusCode, 201, invited.body);
  const token = await tokenMailedTo(app, email, 'account.user_invited', 'invitation');
  const accepted = await app.http.inject({
    method: 'POST',
    url: '/v1/invitations/accept',
    payload: { token, password: `${role} passphrase 1` },
  });
  assert.equal(accepted.statusCode, 200, accepted.body);
  return logIn(app, email, `${role} passphrase 1`);
}

describe('entrusted data: import, export, search, deletion', () => {
  it('QU-PRC-02: a CSV with Polish diacritics, quoted commas, quotes and line breaks exports back as it was imported', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda');
    const res = await uploadCsv(app, accountId, owner.writes, `${header}\n${rows.join('\n')}\n`);
    assert.equal(res.statusCode, 201, res.body);
    const report = res.json() as Record<string, unknown> & { problems: unknown[] };
    assert.deepEqual(
      { ...report, problems: report.problems.length },
      {
        mode: 'all_or_nothing',
        imported: 3,
        rejected: 0,
        problems: 0,
        problemsTruncated: false,
        customFieldsAdded: ['shoe_size'],
      },
    );

    const csv = await exportCsv(app, accountId, owner.reads);
    const exported = parse(csv, { columns: true }) as Record<string, string>[];
    assert.equal(exported.length, 3);
    const imported = parse(`${header}\n${rows.join('\n')}\n`, { columns: true }) as Record<string, string>[];
    for (const original of imported) {
      const back = exported.find((e) => e.email === original.email);
      assert.ok(back, original.email);
      for (const [column, value] of Object.entries(original)) assert.equal(back[column], value, column);
      assert.match(back.id!, /^ctc_/);
      assert.equal(back.created_at, '2026-04-01T07:00:00.000Z');
    }

    // The exported file imports into another customer's account unchanged (id and created_at are read past).
    const other = await aCustomer(t, 'quanda', { app, clockId: undefined, email: 'ola@inna.example' });
    const again = await uploadCsv(app, other.accountId, other.owner.writes, csv);
    assert.equal(again.statusCode, 201, again.body);
    const exportedAgain = parse(await exportCsv(app, other.accountId, other.owner.reads), {
      columns: true,
    }) as Record<string, string>[];
    const strip = (list: Record<string, string>[]) =>
      list
        .map(({ id: _id, created_at: _c, ...rest }) => rest)
        .sort((a, b) => a.email!.localeCompare(b.email!));
    assert.deepEqual(strip(exportedAgain), strip(exported));

    // The processing record lists the customer's own field with its creation date (QU-PRC-02).
    const record = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/entrusted/processing-record`,
      headers: owner.reads,
    });
    assert.equal(record.statusCode, 200, record.body);
    assert.deepEqual(record.json().categories.customFields, [
      { key: 'shoe_size', category: 'customer_defined_fields', createdAt: '2026-04-01T07:00:00.000Z' },
    ]);
    const log = await events(app, accountId);
    assert.deepEqual(
      log.filter((e) => e.type === 'entrusted.exported').map((e) => [e.actor, e.data.format, e.data.of]),
      [[`user:${(await app.accounts.listUsers(accountId))[0]!.id}`, 'csv', 'contacts']],
      'every copy that leaves the service is recorded (QU-PRC-05)',
    );
    const importEvent = log.find((e) => e.type === 'entrusted.contacts_imported');
    assert.deepEqual(importEvent?.data, {
      mode: 'all_or_nothing',
      imported: 3,
      rejected: 0,
      customFieldsAdded: ['shoe_size'],
    });
    assert.doesNotMatch(JSON.stringify(log), /Gęślą|zofia|Łukasz/i, 'no personal data in the event log');
  });

  it('a bad CSV is refused with the line and column of every problem, and nothing is stored', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda');
    const csv = [
      'email,first_name,last_name,birth_date,work_country',
      'ok@example.pl,Jan,Kowalski,1990-01-01,PL',
      'not-an-email,Jan,Kowalski,,PL',
      'ok2@example.pl,"Ewa, ""E""",Nowak,1990-13-01,PL',
      'ok3@example.pl,Ewa,Nowak,,Polska',
      'too,many,fields,here,PL,extra',
      ',Jan,,,PL',
      'multi@example.pl,"Ala',
      'Ma",Kot,,pl',
      'ok4@example.pl,Ala,"Kot',
    ].join('\n');
    const res = await uploadCsv(app, accountId, owner.writes, csv);
    assert.equal(res.statusCode, 422, res.body);
    const body = res.json();
    assert.equal(body.code, 'entrusted.import_invalid');
    const problems = body.details.problems.map((p: { line: number; column: string | null }) => [
      p.line,
      p.column,
    ]);
    assert.deepEqual(problems, [
      [3, 'email'],
      [4, 'birth_date'],
      [5, 'work_country'],
      [6, null],
      [7, 'email'],
      [8, 'work_country'],
      [10, null],
    ]);
    assert.equal(body.details.count, 7);
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 0, activities: 0 });
    assert.equal((await searchContacts(app, accountId, owner.reads)).contacts.length, 0);
    assert.ok(!(await events(app, accountId)).some((e) => e.type === 'entrusted.contacts_imported'));

    // An unknown column is refused at line 1, before any row.
    const unknown = await uploadCsv(app, accountId, owner.writes, 'email,shoe_size\nx@example.pl,42\n');
    assert.equal(unknown.statusCode, 422);
    assert.deepEqual(
      unknown.json().details.problems.map((p: { line: number }) => p.line),
      [1],
    );

    // In partial mode the good rows are stored and the bad ones reported.
    const partial = await uploadCsv(app, accountId, owner.writes, csv, 'partial');
    assert.equal(partial.statusCode, 207, partial.body);
    assert.equal(partial.json().imported, 1);
    assert.equal(partial.json().rejected, 7);
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 1, activities: 0 });
  });

  it('an import retried with the same Idempotency-Key stores the contacts once; another file with it is refused', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda');
    const send = (csv: string) =>
      app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/entrusted/imports`,
        headers: { ...owner.writes, 'content-type': 'text/csv', 'idempotency-key': 'import-2026-04-01' },
        payload: csv,
      });
    const first = await send('email,last_name\nraz@x.pl,Raz\ndwa@x.pl,Dwa\n');
    assert.equal(first.statusCode, 201, first.body);
    const retry = await send('email,last_name\nraz@x.pl,Raz\ndwa@x.pl,Dwa\n');
    assert.equal(retry.statusCode, 201);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.deepEqual(retry.json(), first.json());
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 2, activities: 0 });
    const other = await send('email,last_name\ntrzy@x.pl,Trzy\n');
    assert.equal(other.statusCode, 422);
    assert.equal(other.json().code, 'idempotency.key_reused');
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 2, activities: 0 });
  });

  it('search by e-mail, name or phone prefix pages with a cursor, without gaps or repeats', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'bookero');
    const lines = ['email,first_name,last_name,phone'];
    for (let i = 0; i < 57; i++)
      lines.push(
        `klient${String(i).padStart(2, '0')}@salon.pl,Łucja,Kowalska-${i},+48 500 000 ${String(i).padStart(3, '0')}`,
      );
    for (let i = 0; i < 5; i++) lines.push(`inny${i}@poczta.pl,Lucjan,Źrebak,+48 700 000 00${i}`);
    assert.equal((await uploadCsv(app, accountId, owner.writes, lines.join('\n'))).statusCode, 201);

    const collect = async (query: Record<string, string | number>) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await searchContacts(app, accountId, owner.reads, {
          ...query,
          limit: 10,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.contacts.map((c) => c.email as string));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      return { seen, pages };
    };
    const byEmail = await collect({ field: 'email', q: 'KLIENT' });
    assert.equal(byEmail.seen.length, 57);
    assert.equal(new Set(byEmail.seen).size, 57);
    assert.deepEqual(byEmail.seen, [...byEmail.seen].sort(), 'in e-mail order');
    assert.equal(byEmail.pages, 6);

    const byName = await collect({ field: 'name', q: 'luc' });
    assert.equal(byName.seen.length, 62, 'Łucja and Lucjan, without diacritics');
    assert.equal((await collect({ field: 'name', q: 'zreb' })).seen.length, 5, 'Źrebak by last name');
    assert.equal((await collect({ field: 'phone', q: '+48 7000' })).seen.length, 5);
    assert.equal((await collect({ field: 'email', q: 'klient1' })).seen.length, 10);
    assert.equal((await collect({ field: 'email', q: 'klient_' })).seen.length, 0, '_ is no wildcard');
    assert.equal((await collect({})).seen.length, 62);

    // The export reads keyset pages too: 62 contacts in pages of 10, each once, in id order.
    // (On PostgreSQL the file comes from one COPY, as bytes: joined before decoding.)
    const parts: Buffer[] = [];
    for await (const chunk of app.entrusted.exportContactsCsv(accountId, { pageSize: 10 }))
      parts.push(Buffer.from(chunk));
    const csv = Buffer.concat(parts).toString('utf8');
    const exportedIds = (parse(csv, { columns: true }) as { id: string }[]).map((r) => r.id);
    assert.equal(exportedIds.length, 62);
    assert.equal(new Set(exportedIds).size, 62);
    assert.deepEqual(exportedIds, [...exportedIds].sort());

    const bad = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/entrusted/contacts?cursor=nonsense`,
      headers: owner.reads,
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'entrusted.cursor_invalid');
  });

  it('BK-PRC-02: the customer deletes one client, a selection or all of them, activity included, at once', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'bookero');
    const lines = ['email,first_name,last_name'];
    for (let i = 0; i < 120; i++) lines.push(`bulk${i}@salon.pl,Jan,Bulk${i}`);
    for (let i = 0; i < 5; i++) lines.push(`stay${i}@salon.pl,Ewa,Stay${i}`);
    assert.equal((await uploadCsv(app, accountId, owner.writes, lines.join('\n'))).statusCode, 201);
    const [first] = (await searchContacts(app, accountId, owner.reads, { field: 'email', q: 'stay0' }))
      .contacts;
    const booking = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/entrusted/contacts/${first!.id}/activity`,
      headers: owner.writes,
      payload: {
        activity: [
          {
            kind: 'booking',
            ref: 'bkg_1',
            occurredAt: '2026-04-02T10:00:00+02:00',
            data: { service: 'strzyżenie' },
          },
          { kind: 'booking', ref: 'bkg_2', occurredAt: '2026-04-09T10:00:00+02:00' },
        ],
      },
    });
    assert.equal(booking.statusCode, 201, booking.body);

    const nothingToMatch = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/entrusted/deletions`,
      headers: owner.writes,
      payload: { search: { field: 'phone', query: '+' } },
    });
    assert.equal(nothingToMatch.statusCode, 400, 'a search matching by nothing is not "delete everyone"');

    const bulk = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/entrusted/deletions`,
      headers: owner.writes,
      payload: { search: { field: 'email', query: 'bulk' } },
    });
    assert.equal(bulk.statusCode, 200, bulk.body);
    assert.deepEqual(bulk.json(), { contacts: 120, activities: 0 });
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 5, activities: 2 });

    const one = await app.http.inject({
      method: 'DELETE',
      url: `/v1/accounts/${accountId}/entrusted/contacts/${first!.id}`,
      headers: owner.writes,
    });
    assert.deepEqual(one.json(), { contacts: 1, activities: 2 });
    const again = await app.http.inject({
      method: 'DELETE',
      url: `/v1/accounts/${accountId}/entrusted/contacts/${first!.id}`,
      headers: owner.writes,
    });
    assert.equal(again.statusCode, 404);

    // The owner deletes everything that is left.
    const all = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/entrusted/deletions`,
      headers: owner.writes,
      payload: { all: true },
    });
    assert.deepEqual(all.json(), { contacts: 4, activities: 0 });
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 0, activities: 0 });

    const deletions = (await events(app, accountId)).filter((e) => e.type === 'entrusted.contacts_deleted');
    assert.deepEqual(
      deletions.map((e) => [e.clause, e.data.selection, e.data.contacts, e.data.activities]),
      [
        ['BK-PRC-02', 'search:email', 120, 0],
        ['BK-PRC-02', 'ids', 1, 2],
        ['BK-PRC-02', 'all', 4, 0],
      ],
    );
  });

  it("QU-PRC-03: a customer's users see only their own account's contacts, as their roles allow", async (t) => {
    const a = await aCustomer(t, 'quanda');
    const b = await aCustomer(t, 'quanda', { app: a.app, clockId: a.clockId, email: 'b@firma-b.example' });
    await uploadCsv(a.app, a.accountId, a.owner.writes, 'email,last_name\na@x.pl,A\n');
    const cross = await a.app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${a.accountId}/entrusted/contacts`,
      headers: b.owner.reads,
    });
    assert.equal(cross.statusCode, 403);
    const crossExport = await a.app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${a.accountId}/entrusted/export`,
      headers: b.owner.reads,
    });
    assert.equal(crossExport.statusCode, 403);
    const anonymous = await a.app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${a.accountId}/entrusted/contacts`,
    });
    assert.equal(anonymous.statusCode, 401);
    // Within the account: a member works with the contacts but may not delete them all; billing sees none.
    const member = await aUser(a.app, a.accountId, a.owner.writes, 'm@roza.example', 'member');
    const billing = await aUser(a.app, a.accountId, a.owner.writes, 'f@roza.example', 'billing');
    assert.equal((await searchContacts(a.app, a.accountId, member.reads)).contacts.length, 1);
    const memberDeletesAll = await a.app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${a.accountId}/entrusted/deletions`,
      headers: member.writes,
      payload: { all: true },
    });
    assert.equal(memberDeletesAll.statusCode, 403);
    const billingReads = await a.app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${a.accountId}/entrusted/contacts`,
      headers: billing.reads,
    });
    assert.equal(billingReads.statusCode, 403);
    assert.equal((await storedCounts(a.app, a.accountId)).contacts, 1);

    // No operator key reads contacts outside a support request (test/operator-scopes.test.ts).
    const byKey = await a.app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${a.accountId}/entrusted/contacts`,
      headers: a.app.operator,
    });
    assert.equal(byKey.json().code, 'auth.entrusted_read_refused');
  });
});
