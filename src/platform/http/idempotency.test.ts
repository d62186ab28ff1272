import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { aRegistration, buildTestApp, type TestApp } from '../../../test/helpers/app.ts';

const onServer = Boolean(process.env.DATABASE_URL);

describe('Idempotency-Key', () => {
  let app: TestApp;
  before(async () => {
    app = await buildTestApp({ preset: 'quanda' });
  });
  after(() => app.close());

  const count = async (table: 'test_clocks' | 'accounts' | 'idempotency_keys') => {
    const [row] = await app.db.rows<{ n: number }>(
      sql`select count(*)::int as n from ${sql.identifier(table)}`,
    );
    return row!.n;
  };
  const createClock = (key: string, payload: Record<string, unknown>, headers = app.operator) =>
    app.http.inject({
      method: 'POST',
      url: '/v1/test-clocks',
      headers: { ...headers, 'idempotency-key': key },
      payload,
    });

  it('a retry with the same key and request creates one clock and answers as the first time', async () => {
    const before = await count('test_clocks');
    const payload = { name: 'retried', frozenTime: '2026-03-02T10:00:00+01:00' };
    const first = await createClock('clock-create-1', payload);
    const again = await createClock('clock-create-1', payload);

    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    assert.equal(first.json().frozenTime, '2026-03-02T09:00:00.000Z');
    assert.equal(await count('test_clocks'), before + 1);
  });

  it('the same key with a different request is refused with 422 and changes nothing', async () => {
    const first = await createClock('clock-create-2', { name: 'one' });
    assert.equal(first.statusCode, 201, first.body);
    const before = await count('test_clocks');

    const reused = await createClock('clock-create-2', { name: 'another' });

    assert.equal(reused.statusCode, 422, reused.body);
    assert.deepEqual(reused.json(), {
      code: 'idempotency.key_reused',
      message: 'Ten Idempotency-Key został użyty z innym żądaniem.',
      details: {},
    });
    assert.equal(await count('test_clocks'), before);
  });

  it('keys are per caller: another API key with the same key makes its own clock', async () => {
    const { key } = await app.accounts.createApiKey({ name: 'second operator', scopes: ['platform'] });
    const payload = { name: 'per caller' };
    const mine = await createClock('clock-create-3', payload);
    const theirs = await createClock('clock-create-3', payload, { authorization: `Bearer ${key}` });
    assert.equal(mine.statusCode, 201, mine.body);
    assert.equal(theirs.statusCode, 201, theirs.body);
    assert.equal(theirs.headers['idempotent-replayed'], undefined);
    assert.notEqual(theirs.json().id, mine.json().id);
  });

  it('a request refused by validation stores nothing: the corrected retry with the same key succeeds', async () => {
    const policy = app.current().policy;
    const keysBefore = await count('idempotency_keys');
    const invalid = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: { 'idempotency-key': 'signup-1' },
      payload: aRegistration(policy, { email: 'not-an-email' }),
    });
    assert.equal(invalid.statusCode, 400, invalid.body);
    assert.equal(invalid.json().code, 'request.invalid');
    assert.equal(await count('idempotency_keys'), keysBefore);

    const corrected = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: { 'idempotency-key': 'signup-1' },
      payload: aRegistration(policy, { email: 'signup-1@roza.example' }),
    });
    assert.equal(corrected.statusCode, 201, corrected.body);
    assert.equal(corrected.headers['idempotent-replayed'], undefined);
  });

  it('a request refused by the use case stores nothing: the corrected retry with the same key succeeds', async () => {
    const policy = app.current().policy;
    const accountsBefore = await count('accounts');
    const keysBefore = await count('idempotency_keys');
    const refused = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: { 'idempotency-key': 'signup-2' },
      payload: aRegistration(policy, { email: 'signup-2@roza.example', acceptedDocuments: [] }),
    });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.equal(refused.json().code, 'accounts.registration_invalid');
    assert.equal(await count('idempotency_keys'), keysBefore);
    assert.equal(await count('accounts'), accountsBefore);

    const corrected = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: { 'idempotency-key': 'signup-2' },
      payload: aRegistration(policy, { email: 'signup-2@roza.example' }),
    });
    assert.equal(corrected.statusCode, 201, corrected.body);
    assert.equal(await count('accounts'), accountsBefore + 1);
  });

  it('a registration sent twice with the same key creates one account', async () => {
    const policy = app.current().policy;
    const accountsBefore = await count('accounts');
    const payload = aRegistration(policy, { email: 'twice@roza.example' });
    const send = () =>
      app.http.inject({
        method: 'POST',
        url: '/v1/registrations',
        headers: { 'idempotency-key': 'signup-twice' },
        payload,
      });
    const first = await send();
    const again = await send();
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    assert.equal(await count('accounts'), accountsBefore + 1);

    const withoutKey = await app.http.inject({ method: 'POST', url: '/v1/registrations', payload });
    assert.equal(withoutKey.statusCode, 409, 'without the key, the second registration is a new one');
    assert.equal(withoutKey.json().code, 'accounts.email_taken');
  });

  for (const [what, key] of [
    ['with a space', 'two words'],
    ['empty', ''],
    ['256 characters long', 'k'.repeat(256)],
  ] as const) {
    it(`refuses a malformed key (${what}) with 400`, async () => {
      const before = await count('test_clocks');
      const res = await createClock(key, { name: 'malformed key' });
      assert.equal(res.statusCode, 400, res.body);
      assert.deepEqual(res.json(), {
        code: 'request.invalid',
        message: 'Żądanie jest nieprawidłowe.',
        details: { field: 'Idempotency-Key', rule: 'format' },
      });
      assert.equal(await count('test_clocks'), before);
    });
  }

  it('accepts a key of 255 characters', async () => {
    const res = await createClock('k'.repeat(255), { name: 'long key' });
    assert.equal(res.statusCode, 201, res.body);
  });

  it('two concurrent requests with the same key make one clock, and both get its answer', {
    skip: !onServer && 'needs a server: PGlite runs one transaction at a time',
    timeout: 60_000,
  }, async () => {
    const before = await count('test_clocks');
    // Hold inserts into test_clocks until both requests have looked for a stored answer and found none,
    // so that both run the handler and the second one trips over the first one's key.
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    let unlock!: () => void;
    const release = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const holder = app.db.transaction(async () => {
      await app.db.q.execute(sql`lock table test_clocks in share mode`);
      locked();
      await release;
    });
    await isLocked;
    const payload = { name: 'raced' };
    const racing = Promise.all([createClock('clock-race', payload), createClock('clock-race', payload)]);
    for (;;) {
      const [row] = await app.db.rows<{ n: number }>(sql`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`);
      if (row!.n >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    unlock();
    await holder;
    const [a, b] = await racing;

    assert.deepEqual([a.statusCode, b.statusCode], [201, 201], `${a.body} ${b.body}`);
    assert.deepEqual(a.json(), b.json());
    assert.deepEqual([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']].sort(), [
      'true',
      undefined,
    ]);
    assert.equal(await count('test_clocks'), before + 1);
  });
});
