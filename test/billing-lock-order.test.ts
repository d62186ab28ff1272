import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { advanceClock, anApp, aTestClock, entitlements, registered } from './helpers/accounts.ts';

// Lock order (ARCHITECTURE.md, Storage): every path locks the account's `account_states` row before its
// `subscriptions` row. A renewal that locked the subscription first and then waited for the account's state,
// while a cancellation held the state and waited for the subscription, deadlocked. Checked with a second
// connection, so only against a PostgreSQL server (DATABASE_URL); PGlite has a single connection.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };

describe('lock order: account state, then subscription', { skip: !process.env.DATABASE_URL }, () => {
  it('a renewal waiting for the account state (held by a lifecycle change) holds no lock on the subscription meanwhile', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-06-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock, {
      email: 'locks@roza.example',
      accountType: 'paid',
      plan: 'live',
    });
    const ordered = await app.http.inject({
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
    assert.equal(ordered.statusCode, 201, ordered.body);

    // Another transaction (as lifecycle's cancel() does) holds the account's state.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = app.db.transaction(async () => {
      await app.db.q.execute(sql`select 1 from account_states where account_id = ${accountId} for update`);
      locked();
      await held;
    });
    await isLocked;
    const renewing = advanceClock(app, clock, '2026-07-01T10:00:00+02:00');
    await sleep(1500);
    // The renewal is waiting; the subscription must still be free for the state's holder to take.
    const probe = await app.db
      .transaction(async () =>
        app.db.q.execute(sql`select id from subscriptions where account_id = ${accountId} for update nowait`),
      )
      .then(
        () => 'free',
        (error: Error) => `locked: ${error.message}`,
      );
    release();
    await holder;
    await renewing;
    assert.equal(probe, 'free');
    assert.equal((await entitlements(app, accountId)).state, 'active');
  });
});
