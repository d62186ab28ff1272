import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { entrustedRetentionHandler } from '../src/modules/entrusted/index.ts';
import { advanceClock, events, logIn } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';
import { aCustomer, exportCsv, searchContacts, storedCounts, uploadCsv } from './helpers/entrusted.ts';

// Entrusted data under the policy's retention categories: the retention engine (src/modules/retention)
// reaches them through the handler this module registers (`data: entrusted`).

async function record(app: TestApp, accountId: string, contactId: string, activity: object[]) {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/entrusted/contacts/${contactId}/activity`,
    headers: app.operator,
    payload: { activity },
  });
  assert.equal(res.statusCode, 201, res.body);
}

async function activityRefs(app: TestApp, accountId: string) {
  // The customer's own export, in a fresh session (the clock moves on): no operator key reads entrusted
  // data (test/operator-scopes.test.ts).
  const { reads } = await logIn(app, 'anna@roza.example');
  const rows = parse(await exportCsv(app, accountId, reads, 'activity'), { columns: true }) as Record<
    string,
    string
  >[];
  return rows.map((r) => `${r.ref}@${r.occurred_at}`).sort();
}

describe('entrusted data: retention', () => {
  it('QU-RET-07: recipient activity older than 3 years goes, after the 30-day warning (A22); the contacts stay', async (t) => {
    const { app, accountId, clockId, owner } = await aCustomer(t, 'quanda', {
      frozenTime: '2026-05-10T09:00:00+02:00',
    });
    assert.equal(
      (await uploadCsv(app, accountId, owner.writes, 'email,last_name\nodbiorca@x.pl,Odbiorca')).statusCode,
      201,
    );
    const [contact] = (await searchContacts(app, accountId, owner.reads)).contacts;
    // History brought in with the import: two opens already past 3 years or about to be, one recent delivery.
    await record(app, accountId, contact!.id as string, [
      { kind: 'campaign_open', ref: 'old', occurredAt: '2023-05-09T12:00:00+02:00' },
      { kind: 'campaign_open', ref: 'edge', occurredAt: '2023-05-10T12:00:00+02:00' },
      { kind: 'campaign_delivery', ref: 'new', occurredAt: '2026-05-01T12:00:00+02:00' },
    ]);
    const all = [
      'edge@2023-05-10T10:00:00.000Z',
      'new@2026-05-01T10:00:00.000Z',
      'old@2023-05-09T10:00:00.000Z',
    ];

    // The engine's first pass finds them and announces the purge 30 days ahead: nothing goes before.
    await advanceClock(app, clockId, '2026-06-08T23:59:00+02:00');
    assert.deepEqual(await activityRefs(app, accountId), all);
    await advanceClock(app, clockId, '2026-06-09T00:00:00+02:00');
    assert.deepEqual(await activityRefs(app, accountId), ['new@2026-05-01T10:00:00.000Z']);
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 1, activities: 1 });

    const purged = (await events(app, accountId)).filter(
      (e) => e.type === 'retention.purged' && e.clause === 'QU-RET-07',
    );
    assert.deepEqual(
      purged.map((e) => e.occurredAt),
      ['2026-06-08T22:00:00.000Z'],
    );
  });

  it('the handler: item-level erasure by category and date, account-level erasure of everything, held subjects kept', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda');
    const other = await aCustomer(t, 'quanda', { app, email: 'inny@klient.example' });
    const csv = 'email,last_name,custom:segment\na@x.pl,A,vip\nb@x.pl,B,\nc@x.pl,C,';
    for (const c of [
      { id: accountId, writes: owner.writes },
      { id: other.accountId, writes: other.owner.writes },
    ])
      assert.equal((await uploadCsv(app, c.id, c.writes, csv)).statusCode, 201);
    const ids = async (id: string, reads: Record<string, string>) =>
      Object.fromEntries(
        (await searchContacts(app, id, reads)).contacts.map((c) => [c.email as string, c.id as string]),
      );
    const mine = await ids(accountId, owner.reads);
    for (const id of Object.values(mine))
      await record(app, accountId, id, [
        { kind: 'campaign_open', ref: 'old', occurredAt: '2022-01-01T12:00:00+01:00' },
        { kind: 'campaign_open', ref: 'new', occurredAt: '2026-03-01T12:00:00+01:00' },
      ]);
    for (const id of Object.values(await ids(other.accountId, other.owner.reads)))
      await record(app, other.accountId, id, [
        { kind: 'campaign_open', ref: 'old', occurredAt: '2022-01-01T12:00:00+01:00' },
      ]);

    const handler = entrustedRetentionHandler({ db: app.db });
    const scope = {
      accountIds: [accountId],
      category: 'recipient_activity',
      action: 'delete' as const,
      keep: [],
      heldSubjects: [mine['c@x.pl']!],
    };
    const oldest = await handler.oldestItem!([accountId, other.accountId], 'recipient_activity');
    assert.equal(oldest.get(accountId)?.toISOString(), '2022-01-01T11:00:00.000Z');

    const items = await app.db.transaction(() =>
      handler.erase({ ...scope, before: new Date('2023-05-10T00:00:00Z') }),
    );
    assert.deepEqual([...items], [[accountId, 2]], 'the old opens of a and b; c is held');
    assert.equal(
      (await handler.erase({ ...scope, before: new Date('2023-05-10T00:00:00Z') })).size,
      0,
      'idempotent',
    );
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 3, activities: 4 });
    assert.deepEqual(
      await storedCounts(app, other.accountId),
      { contacts: 3, activities: 3 },
      'other tenant untouched',
    );

    const all = await app.db.transaction(() => handler.erase({ ...scope, category: 'customer_content' }));
    assert.deepEqual([...all], [[accountId, 4]], 'a and b with the new open of each; nothing of c');
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 1, activities: 2 });
    const everything = await app.db.transaction(() =>
      handler.erase({ ...scope, category: 'customer_content', heldSubjects: [] }),
    );
    assert.deepEqual([...everything], [[accountId, 3]]);
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 0, activities: 0 });
    assert.equal((await app.entrusted.entrustedDataExport(accountId)).customFields, 0);
  });
});
