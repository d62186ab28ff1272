import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { aRegistration } from '../../../test/helpers/app.ts';
import { openTestDatabase } from '../../../test/helpers/database.ts';
import { buildApp } from '../../app.ts';
import { RegistrationBody } from '../../modules/accounts/accounts-routes.ts';
import { loadPreset } from '../../policy/index.ts';
import { manualClock } from '../clock.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { sequentialIds } from '../ids.ts';
import { hashEvent, makeEventLog, type NewEvent } from './event-log.ts';

const onServer = Boolean(process.env.DATABASE_URL);
const T0 = '2026-03-02T09:00:00.000Z';
const GENESIS = '0'.repeat(64);

function anEvent(chainId: string, type: string, extra: Partial<NewEvent> = {}): NewEvent {
  return {
    chainId,
    type,
    actor: 'system',
    occurredAt: new Date(T0),
    clause: null,
    data: { n: 1 },
    ...extra,
  };
}

/** A fresh database and event log for one test, closed after it. */
async function aLog(t: TestContext) {
  const db = await openTestDatabase();
  t.after(() => db.close());
  const clock = manualClock(T0);
  const log = makeEventLog({ db, clock, ids: sequentialIds() });
  return { db, clock, log };
}

/** acc_A seq 1..4, acc_B seq 1..2, operator seq 1. */
async function seed(db: Database, log: ReturnType<typeof makeEventLog>): Promise<void> {
  await db.transaction(() =>
    log.append([
      anEvent('acc_A', 'account.registered', { clause: 'QU-ACC-01', data: { plan: 'trial' } }),
      anEvent('acc_B', 'account.registered'),
      anEvent('acc_A', 'account.life_started', { clause: 'QU-BIL-01', data: { state: 'trial' } }),
    ]),
  );
  await db.transaction(() =>
    log.append([
      anEvent('acc_A', 'account.state_changed', { data: { from: 'trial', to: 'trial_ended' } }),
      anEvent('acc_B', 'account.state_changed'),
    ]),
  );
  await log.appendOne(anEvent('acc_A', 'user.logged_in', { actor: 'user:usr_0001' }));
  await log.appendOne(anEvent('operator', 'policy.registered'));
}

async function problemsOf(log: ReturnType<typeof makeEventLog>): Promise<string[]> {
  return (await log.verify()).problems;
}

describe('eventLog.append', () => {
  it('gives each chain consecutive seqs, each event linked to the one before it in its chain', async (t) => {
    const { db, clock, log } = await aLog(t);
    const first = await db.transaction(() =>
      log.append([anEvent('acc_A', 'a1'), anEvent('acc_B', 'b1'), anEvent('acc_A', 'a2')]),
    );
    assert.deepEqual(
      first.map((e) => [e.chainId, e.seq, e.type]),
      [
        ['acc_A', 1, 'a1'],
        ['acc_B', 1, 'b1'],
        ['acc_A', 2, 'a2'],
      ],
    );
    assert.equal(first[0]!.prevHash, GENESIS);
    assert.equal(first[1]!.prevHash, GENESIS);
    assert.equal(first[2]!.prevHash, first[0]!.hash);
    assert.deepEqual(
      first.map((e) => e.id),
      ['evt_0001', 'evt_0002', 'evt_0003'],
    );

    clock.advance(60_000);
    const [a3] = await db.transaction(() => log.append([anEvent('acc_A', 'a3')]));
    assert.equal(a3!.seq, 3);
    assert.equal(a3!.prevHash, first[2]!.hash);
    assert.equal(a3!.recordedAt.toISOString(), '2026-03-02T09:01:00.000Z');
    const { hash, ...rest } = a3!;
    assert.equal(hashEvent(rest), hash);

    const stored = await log.list('acc_A');
    assert.deepEqual(stored, [first[0], first[2], a3]);
    assert.deepEqual(await log.list('acc_A', { afterSeq: 1, limit: 1 }), [first[2]]);
    const heads = await db.rows<{ chain_id: string; seq: number; hash: string }>(
      sql`select chain_id, seq, hash from chain_heads order by chain_id`,
    );
    assert.deepEqual(heads, [
      { chain_id: 'acc_A', seq: 3, hash: a3!.hash },
      { chain_id: 'acc_B', seq: 1, hash: first[1]!.hash },
    ]);
  });

  it('refuses to append outside a transaction, and appends nothing', async (t) => {
    const { log } = await aLog(t);
    await assert.rejects(log.append([anEvent('acc_A', 'a1')]), {
      message: 'eventLog.append must run inside a transaction',
    });
    assert.deepEqual(await log.list('acc_A'), []);
  });

  it('appends nothing when the transaction rolls back', async (t) => {
    const { db, log } = await aLog(t);
    await assert.rejects(
      db.transaction(async () => {
        await log.append([anEvent('acc_A', 'a1')]);
        throw new Error('the state change failed');
      }),
      { message: 'the state change failed' },
    );
    assert.deepEqual(await log.list('acc_A'), []);
    const [a1] = await db.transaction(() => log.append([anEvent('acc_A', 'a1')]));
    assert.equal(a1!.seq, 1);
    assert.equal(a1!.prevHash, GENESIS);
  });

  it('many concurrent appenders to one chain get seqs 1..n, each once, all linked', async (t) => {
    const { db, log } = await aLog(t);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        db.transaction(() => log.append([anEvent('acc_A', `x${i}`), anEvent('acc_A', `y${i}`)])),
      ),
    );
    const events = await log.list('acc_A');
    assert.deepEqual(
      events.map((e) => e.seq),
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
    // The two events of one append are adjacent: appends do not interleave.
    for (let i = 0; i < 24; i += 2) assert.equal(events[i + 1]!.type, events[i]!.type.replace('x', 'y'));
    const report = await log.verify();
    assert.deepEqual(report.problems, []);
    assert.equal(report.events, 24);
  });

  for (const chainExists of [false, true]) {
    it(`a second transaction appending to a ${chainExists ? 'known' : 'new'} chain waits for the first and continues its seqs`, {
      skip: !onServer && 'needs a server: PGlite runs one transaction at a time',
      timeout: 60_000,
    }, async (t) => {
      const { db, log } = await aLog(t);
      if (chainExists) await log.appendOne(anEvent('acc_A', 'a0'));
      const base = chainExists ? 1 : 0;

      let firstAppended!: () => void;
      const appended = new Promise<void>((resolve) => {
        firstAppended = resolve;
      });
      let releaseFirst!: () => void;
      const release = new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      const first = db.transaction(async () => {
        const stored = await log.append([anEvent('acc_A', 'first-1'), anEvent('acc_A', 'first-2')]);
        firstAppended();
        await release;
        return stored;
      });
      await appended;
      const second = db.transaction(() =>
        log.append([anEvent('acc_A', 'second-1'), anEvent('acc_A', 'second-2')]),
      );
      // The second transaction is blocked on the chain's head until the first commits.
      await waitForLockWaiters(db, 1);
      releaseFirst();
      const [a, b] = await Promise.all([first, second]);
      assert.deepEqual(
        a.map((e) => e.seq),
        [base + 1, base + 2],
      );
      assert.deepEqual(
        b.map((e) => e.seq),
        [base + 3, base + 4],
      );
      assert.equal(b[0]!.prevHash, a[1]!.hash);
      const events = await log.list('acc_A');
      assert.deepEqual(
        events.map((e) => `${e.seq}:${e.type}`),
        [
          ...(chainExists ? ['1:a0'] : []),
          `${base + 1}:first-1`,
          `${base + 2}:first-2`,
          `${base + 3}:second-1`,
          `${base + 4}:second-2`,
        ],
      );
      assert.deepEqual(await problemsOf(log), []);
    });
  }
});

/** Waits until `n` sessions of this database wait for a lock (PostgreSQL only). */
async function waitForLockWaiters(db: Database, n: number): Promise<void> {
  for (;;) {
    const [row] = await db.rows<{ n: number }>(sql`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`);
    if (row!.n >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('eventLog.verify', () => {
  it('is ok on an intact log and counts what it checked', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    assert.deepEqual(await log.verify(), {
      ok: true,
      events: 7,
      chains: 3,
      checkpoints: 0,
      lastCheckpointHash: null,
      problems: [],
    });
    const cp = await log.checkpoint();
    assert.deepEqual(await log.verify(), {
      ok: true,
      events: 7,
      chains: 3,
      checkpoints: 1,
      lastCheckpointHash: cp!.hash,
      problems: [],
    });
  });

  it('finds an event whose data was edited', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await db.q.execute(
      sql`update events set data = '{"state":"paid"}'::jsonb where chain_id = 'acc_A' and seq = 2`,
    );
    const report = await log.verify();
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems, ['chain acc_A seq 2: content does not match its hash (edited)']);
  });

  it('finds an event whose clause was edited', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await db.q.execute(sql`update events set clause = 'QU-BIL-02' where chain_id = 'acc_A' and seq = 1`);
    assert.deepEqual(await problemsOf(log), ['chain acc_A seq 1: content does not match its hash (edited)']);
  });

  it('finds a deleted middle event', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await db.q.execute(sql`delete from events where chain_id = 'acc_A' and seq = 2`);
    assert.deepEqual(await problemsOf(log), [
      'chain acc_A seq 3: expected seq 2 (events missing)',
      'chain acc_A seq 3: does not link to the previous event',
    ]);
  });

  it('finds a deleted tail event by the head of its chain', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await db.q.execute(sql`delete from events where chain_id = 'acc_A' and seq = 4`);
    assert.deepEqual(await problemsOf(log), ['chain acc_A: head says seq 4, the chain ends at seq 3']);
  });

  it('finds a deleted tail event whose head was fixed up, by a checkpoint taken before', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await log.checkpoint();
    await deleteTail(db, 'acc_A', 4);
    assert.deepEqual(await problemsOf(log), [
      'chain acc_A: checkpoint 1 recorded seq 4, which no longer exists (deleted)',
    ]);
  });

  it('still finds the deleted tail after the chain grew past it and a later checkpoint recorded it', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await log.checkpoint();
    await deleteTail(db, 'acc_A', 4);
    // The product goes on appending, and the worker checkpoints the new head: seq 4 now holds another event.
    await log.appendOne(anEvent('acc_A', 'after-1'));
    await log.appendOne(anEvent('acc_A', 'after-2'));
    assert.deepEqual(await log.checkpoint(), { seq: 2, chains: 1, hash: (await lastCheckpointHash(db))! });
    assert.deepEqual(await problemsOf(log), ['chain acc_A: seq 4 differs from checkpoint 1']);
  });

  it('finds a chain deleted together with its head, by a checkpoint taken before', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await log.checkpoint();
    await db.q.execute(sql`delete from events where chain_id = 'acc_B'`);
    await db.q.execute(sql`delete from chain_heads where chain_id = 'acc_B'`);
    assert.deepEqual(await problemsOf(log), [
      'chain acc_B: checkpoint 1 recorded seq 2, which no longer exists (deleted)',
    ]);
  });

  it('still finds the deleted chain after it was started again and checkpointed anew', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await log.checkpoint();
    await db.q.execute(sql`delete from events where chain_id = 'acc_B'`);
    await db.q.execute(sql`delete from chain_heads where chain_id = 'acc_B'`);
    for (const type of ['b1', 'b2', 'b3']) await log.appendOne(anEvent('acc_B', type));
    await log.checkpoint();
    assert.deepEqual(await problemsOf(log), ['chain acc_B: seq 2 differs from checkpoint 1']);
  });

  it('finds a chain whose events were deleted but whose head remains', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await db.q.execute(sql`delete from events where chain_id = 'acc_B'`);
    assert.deepEqual(await problemsOf(log), ['chain acc_B: head at seq 2 but no events (chain deleted)']);
  });

  it('finds two events whose seqs were swapped', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await db.q.execute(sql`update events set seq = -2 where chain_id = 'acc_A' and seq = 2`);
    await db.q.execute(sql`update events set seq = 2 where chain_id = 'acc_A' and seq = 3`);
    await db.q.execute(sql`update events set seq = 3 where chain_id = 'acc_A' and seq = -2`);
    assert.deepEqual(await problemsOf(log), [
      'chain acc_A seq 2: does not link to the previous event',
      'chain acc_A seq 2: content does not match its hash (edited)',
      'chain acc_A seq 3: does not link to the previous event',
      'chain acc_A seq 3: content does not match its hash (edited)',
      'chain acc_A seq 4: does not link to the previous event',
    ]);
  });

  it('finds a forged event appended with a correct hash and link', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    const [tail] = await log.list('acc_A', { afterSeq: 3 });
    const forged = {
      chainId: 'acc_A',
      seq: 5,
      id: 'evt_9999',
      occurredAt: new Date(T0),
      recordedAt: new Date(T0),
      type: 'account.paid',
      clause: null,
      actor: 'system',
      cause: null,
      data: { amount: 0 },
      prevHash: tail!.hash,
    };
    await db.q.execute(sql`
      insert into events (chain_id, seq, id, occurred_at, recorded_at, type, clause, actor, cause, data, prev_hash, hash)
      values ('acc_A', 5, 'evt_9999', ${T0}, ${T0}, 'account.paid', null, 'system', null, '{"amount":0}'::jsonb,
              ${tail!.hash}, ${hashEvent(forged)})`);
    assert.deepEqual(await problemsOf(log), ['chain acc_A: head says seq 4, the chain ends at seq 5']);
  });

  it('finds a forged event inserted with a made-up hash', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await db.q.execute(sql`
      insert into events (chain_id, seq, id, occurred_at, recorded_at, type, clause, actor, cause, data, prev_hash, hash)
      values ('acc_C', 1, 'evt_9999', ${T0}, ${T0}, 'account.paid', null, 'system', null, '{}'::jsonb,
              ${GENESIS}, ${'f'.repeat(64)})`);
    assert.deepEqual(await problemsOf(log), [
      'chain acc_C seq 1: content does not match its hash (edited)',
      'chain acc_C: head says seq none, the chain ends at seq 1',
    ]);
  });

  it('reads one snapshot: an append committed while it runs is not reported as tampering', {
    skip: !onServer && 'needs a server: PGlite runs one transaction at a time',
    timeout: 60_000,
  }, async (t) => {
    const { db, clock, log } = await aLog(t);
    await seed(db, log);
    // A second appender on its own connection, started outside verify's transaction, commits an event to
    // acc_A after verify has read the events and before it reads the chain heads.
    let go!: () => void;
    const gate = new Promise<void>((resolve) => {
      go = resolve;
    });
    const appender = (async () => {
      await gate;
      await log.appendOne(anEvent('acc_A', 'concurrent'));
    })();
    const dialect = new PgDialect();
    let interposed = false;
    const observed: Database = Object.assign(Object.create(db) as Database, {
      rows: async <T>(query: SQL): Promise<T[]> => {
        if (!interposed && dialect.sqlToQuery(query).sql.includes('from chain_heads')) {
          interposed = true;
          go();
          await appender;
        }
        return db.rows<T>(query);
      },
    });
    const verifying = makeEventLog({ db: observed, clock, ids: sequentialIds() });
    const report = await verifying.verify();
    assert.equal(interposed, true);
    assert.deepEqual(report.problems, []);
    assert.equal(report.events, 7);
    assert.deepEqual(await problemsOf(log), []);
    assert.equal((await log.verify()).events, 8);
  });
});

async function deleteTail(db: Database, chainId: string, seq: number): Promise<void> {
  await db.q.execute(sql`delete from events where chain_id = ${chainId} and seq = ${seq}`);
  await db.q.execute(sql`
    update chain_heads h set seq = e.seq, hash = e.hash
    from events e where e.chain_id = h.chain_id and e.seq = ${seq - 1} and h.chain_id = ${chainId}`);
}

async function lastCheckpointHash(db: Database): Promise<string | undefined> {
  const [row] = await db.rows<{ hash: string }>(sql`select hash from checkpoints order by seq desc limit 1`);
  return row?.hash;
}

describe('eventLog.checkpoint', () => {
  it('records only the heads that moved since the last one, chained to it', async (t) => {
    const { db, clock, log } = await aLog(t);
    assert.equal(await log.checkpoint(), null, 'nothing to checkpoint in an empty log');
    await seed(db, log);
    const first = await log.checkpoint();
    assert.deepEqual(first, { seq: 1, chains: 3, hash: first!.hash });
    assert.equal(await log.checkpoint(), null, 'no head moved');

    clock.advance(60_000);
    await log.appendOne(anEvent('acc_B', 'b3'));
    const second = await log.checkpoint();
    assert.deepEqual(second, { seq: 2, chains: 1, hash: second!.hash });

    const cps = await db.rows<{
      seq: number;
      created_at: Date;
      chains: number;
      prev_hash: string;
      hash: string;
    }>(sql`select seq, created_at, chains, prev_hash, hash from checkpoints order by seq`);
    assert.deepEqual(
      cps.map((c) => ({ ...c, created_at: new Date(c.created_at).toISOString() })),
      [
        { seq: 1, created_at: T0, chains: 3, prev_hash: GENESIS, hash: first!.hash },
        {
          seq: 2,
          created_at: '2026-03-02T09:01:00.000Z',
          chains: 1,
          prev_hash: first!.hash,
          hash: second!.hash,
        },
      ],
    );
    const heads = await db.rows<{ checkpoint_seq: number; chain_id: string; seq: number }>(
      sql`select checkpoint_seq, chain_id, seq from checkpoint_heads order by checkpoint_seq, chain_id`,
    );
    assert.deepEqual(heads, [
      { checkpoint_seq: 1, chain_id: 'acc_A', seq: 4 },
      { checkpoint_seq: 1, chain_id: 'acc_B', seq: 2 },
      { checkpoint_seq: 1, chain_id: 'operator', seq: 1 },
      { checkpoint_seq: 2, chain_id: 'acc_B', seq: 3 },
    ]);
    assert.deepEqual(await problemsOf(log), []);
  });

  it('finds an edited checkpoint', async (t) => {
    const { db, clock, log } = await aLog(t);
    await seed(db, log);
    await log.checkpoint();
    clock.advance(60_000);
    await log.appendOne(anEvent('acc_B', 'b3'));
    await log.checkpoint();
    await db.q.execute(sql`update checkpoints set created_at = ${'2026-03-01T00:00:00.000Z'} where seq = 1`);
    assert.deepEqual(await problemsOf(log), ['checkpoint 1: its content does not match its hash']);
  });

  it('finds an edited head in a checkpoint', async (t) => {
    const { db, log } = await aLog(t);
    await seed(db, log);
    await log.checkpoint();
    await db.q.execute(
      sql`update checkpoint_heads set seq = 3 where checkpoint_seq = 1 and chain_id = 'acc_A'`,
    );
    assert.deepEqual(await problemsOf(log), [
      'checkpoint 1: its content does not match its hash',
      'chain acc_A: seq 3 differs from checkpoint 1',
    ]);
  });

  it('finds a checkpoint whose hash was replaced, by the link of the next one', async (t) => {
    const { db, clock, log } = await aLog(t);
    await seed(db, log);
    await log.checkpoint();
    clock.advance(60_000);
    await log.appendOne(anEvent('acc_B', 'b3'));
    await log.checkpoint();
    await db.q.execute(sql`update checkpoints set hash = ${'a'.repeat(64)} where seq = 1`);
    assert.deepEqual(await problemsOf(log), [
      'checkpoint 1: its content does not match its hash',
      'checkpoint 2: does not link to checkpoint 1',
    ]);
  });
});

describe('klauzula audit verify', () => {
  it('exits 0 on an intact log, and 1 with a TAMPERED line once an event was edited', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'klauzula-audit-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const policy = loadPreset('quanda');
    const app = await buildApp({
      policy,
      dataDir,
      portalUrl: 'https://app.klauzula.test',
      logLevel: 'silent',
      argon2: { memoryCost: 4096, timeCost: 1 },
    });
    const { accountId } = await app.accounts.register(RegistrationBody.parse(aRegistration(policy)), {
      ip: null,
      userAgent: null,
    });
    const events = await app.eventLog.list(accountId);
    // Start-up records facts of its own (the sub-processor registry it seeds): verify counts every chain.
    const [log] = await app.db.rows<{ events: number; chains: number }>(
      sql`select count(*)::int as events, count(distinct chain_id)::int as chains from events`,
    );
    await app.close();
    assert.ok(events.length >= 1);

    const intact = await runCli(['audit', 'verify'], dataDir);
    assert.equal(intact.code, 0, intact.stderr);
    assert.deepEqual(intact.stdout.trim().split('\n'), [
      `${log!.events} events in ${log!.chains} chains, 0 checkpoints`,
      'OK: the event log is intact.',
    ]);

    const db = await openDatabase({ dataDir });
    await db.q.execute(
      sql`update events set data = data || '{"plan":"pro"}'::jsonb where chain_id = ${accountId} and seq = 1`,
    );
    await db.close();

    const tampered = await runCli(['audit', 'verify'], dataDir);
    assert.equal(tampered.code, 1, tampered.stderr);
    assert.deepEqual(tampered.stdout.trim().split('\n'), [
      `${log!.events} events in ${log!.chains} chains, 0 checkpoints`,
      `TAMPERED: chain ${accountId} seq 1: content does not match its hash (edited)`,
      'FAILED: 1 problem(s).',
    ]);
  });
});

const root = new URL('../../../', import.meta.url).pathname;

function runCli(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, KLAUZULA_DATA_DIR: dataDir, KLAUZULA_PRESET: 'quanda' };
  delete env.DATABASE_URL;
  delete env.KLAUZULA_POLICY;
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/main.ts', ...args], { cwd: root, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}
