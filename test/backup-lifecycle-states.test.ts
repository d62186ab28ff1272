import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import {
  aCompany,
  activate,
  advanceClock,
  anIco,
  aTestClock,
  entitlements,
  events,
  logInRequest,
  registered,
} from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';

// Restoring a backup must not roll lifecycle states back: an account whose contract ended (or that was
// purged) after the backup was taken stays ended. Quanda: a Trial customer closes the account on
// 2026-03-08, which ends the contract at once (QU-LIF-07); MyOwnConference: a self-service deletion
// purges the account at once (MOC-LIF-01).

const czechCompany = {
  ...aCompany('Kytky s.r.o.', anIco('2728012'), 'CZ'),
  address: { street: 'Dlouhá 1', postalCode: '110 00', city: 'Praha 1', country: 'CZ' },
};

async function anAppWithBackups(t: TestContext, preset = 'quanda'): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'klz-life-backups-'));
  const app = await buildTestApp({ preset, backups: { dir, key: randomBytes(32) } });
  t.after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });
  return app;
}

async function life(app: TestApp, accountId: string) {
  const [row] = await app.db.rows<{ state: string; contract_ended_at: Date | string | null }>(
    sql`select state, contract_ended_at from account_states where account_id = ${accountId}`,
  );
  return {
    state: row!.state,
    endedAt: row!.contract_ended_at ? new Date(row!.contract_ended_at).toISOString() : null,
  };
}

describe('backups and lifecycle states', () => {
  it('QU-LIF-07: a contract ended on 2026-03-08 after the backup stays ended when the backup is restored, from the live journal or a newer backup', async (t) => {
    const app = await anAppWithBackups(t);
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const closing = await registered(app, clock, { company: czechCompany, email: 'closing@kytky.example' });
    const other = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const staying = await registered(app, other, {
      company: { ...czechCompany, name: 'Stromy s.r.o.', taxId: anIco('2728013') },
      email: 'staying@stromy.example',
    });

    const before = await app.backups.create();
    assert.equal((await life(app, closing.accountId)).state, 'trial');

    await advanceClock(app, clock, '2026-03-08T15:00:00+01:00');
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${closing.accountId}/cancellation`,
      headers: app.operator,
    });
    assert.equal(res.statusCode, 201, res.body);
    const ended = { state: 'terminated', endedAt: '2026-03-08T14:00:00.000Z' };
    assert.deepEqual(await life(app, closing.accountId), ended);

    const restored = await app.backups.restore(before.file);
    assert.equal(restored.statesReapplied, 1, 'only the account that changed after the backup');
    assert.deepEqual(
      await life(app, closing.accountId),
      ended,
      'the ended contract does not come back alive',
    );
    assert.equal((await entitlements(app, closing.accountId)).state, 'terminated', 'caches see it too');
    assert.equal((await life(app, staying.accountId)).state, 'trial');
    const reapplied = (await events(app, closing.accountId)).find(
      (e) => e.type === 'account.state_reapplied',
    );
    assert.deepEqual([reapplied?.data.from, reapplied?.data.to], ['trial', 'terminated']);
    assert.equal((await app.eventLog.verify()).ok, true);

    // A disaster that lost the live journal too: a newer backup holds the state.
    await app.backups.create();
    await app.db.q.execute(sql`truncate account_state_journal`);
    await app.db.q.execute(sql`update account_states set state = 'trial', contract_ended_at = null
      where account_id = ${closing.accountId}`);
    await app.backups.restore(before.file);
    assert.deepEqual(await life(app, closing.accountId), ended, "the newer backup's journal re-applies it");
  });

  it('MOC-LIF-01: an account deleted on 2026-05-06 after the backup stays purged, with no login, when the backup is restored', async (t) => {
    const app = await anAppWithBackups(t, 'myownconference');
    const clock = await aTestClock(app, '2026-04-01T10:00:00+02:00');
    const { accountId, activationRequired } = await registered(app, clock, { email: 'gone@example.com' });
    if (activationRequired) await activate(app, 'gone@example.com');
    const before = await app.backups.create();

    await advanceClock(app, clock, '2026-05-06T10:00:00+02:00');
    const asked = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/deletion-requests`,
      headers: app.operator,
    });
    assert.equal(asked.statusCode, 201, asked.body);
    const confirmed = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/deletion-requests/${asked.json().id}/confirmation`,
      headers: app.operator,
      payload: { token: asked.json().confirmationToken },
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const purged = { state: 'purged', endedAt: '2026-05-06T08:00:00.000Z' };
    assert.deepEqual(await life(app, accountId), purged);

    const restored = await app.backups.restore(before.file);
    assert.equal(restored.statesReapplied, 1);
    assert.deepEqual(await life(app, accountId), purged, 'the deleted account does not come back alive');
    assert.equal((await entitlements(app, accountId)).access, 'none');
    const login = await logInRequest(app, 'gone@example.com', 'correct horse battery');
    assert.notEqual(login.statusCode, 200, 'no login into a purged account');
  });
});
