import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../../../test/helpers/database.ts';
import { manualClock } from '../clock.ts';
import { sequentialIds } from '../ids.ts';
import { makeOutbox, type OutboxMessage, type Sender, type StoredMessage } from './outbox.ts';

const onServer = Boolean(process.env.DATABASE_URL);
const T0 = '2026-03-17T08:00:00.000Z';
const SECOND = 1000;
const MINUTE = 60_000;

async function anOutbox(t: TestContext) {
  const db = await openTestDatabase();
  t.after(() => db.close());
  const clock = manualClock(T0);
  const outbox = makeOutbox({ db, clock, ids: sequentialIds() });
  const nextAttemptAt = async (id: string) => {
    const [row] = await db.rows<{ next_attempt_at: Date }>(
      sql`select next_attempt_at from outbox where id = ${id}`,
    );
    return new Date(row!.next_attempt_at).toISOString();
  };
  return { db, clock, outbox, nextAttemptAt };
}

function aMessage(overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    accountId: 'acc_1',
    channel: 'email',
    template: 'trial_ended',
    clause: 'QU-BIL-01',
    recipient: 'anna@roza.example',
    locale: 'pl',
    subject: 'Okres próbny się zakończył',
    body: { text: 'Dzień dobry, okres próbny się zakończył.' },
    occurredAt: new Date('2026-03-16T23:00:00.000Z'),
    ...overrides,
  };
}

/** A sender that records every message it is given and answers with a provider id. */
function recordingSender() {
  const sent: { id: string; attempts: number }[] = [];
  const send: Sender = async (m) => {
    sent.push({ id: m.id, attempts: m.attempts });
    return { providerMessageId: `smtp-${m.id}-${m.attempts}` };
  };
  return { sent, send };
}

const failingSender =
  (message: string): Sender =>
  async () => {
    throw new Error(message);
  };

describe('outbox.enqueue', () => {
  it('leaves nothing when the transaction that enqueued rolls back', async (t) => {
    const { db, outbox } = await anOutbox(t);
    await assert.rejects(
      db.transaction(async () => {
        await outbox.enqueue([aMessage()]);
        throw new Error('the state change failed');
      }),
      { message: 'the state change failed' },
    );
    assert.deepEqual(await outbox.list(), []);
  });

  it('stores a committed message as pending, due at once', async (t) => {
    const { db, outbox, nextAttemptAt } = await anOutbox(t);
    const [id] = await db.transaction(() => outbox.enqueue([aMessage()]));
    assert.deepEqual(await outbox.get(id!), {
      ...aMessage(),
      id: 'msg_0001',
      status: 'pending',
      attempts: 0,
      createdAt: new Date(T0),
      sentAt: null,
      providerMessageId: null,
      lastError: null,
      messageClass: 'transactional',
      suppressedReason: null,
      deemedDeliveredOn: null,
      provenDeliveredAt: null,
    } satisfies StoredMessage);
    assert.equal(await nextAttemptAt(id!), T0);
  });

  it('keeps the first message of a dedupe key', async (t) => {
    const { outbox } = await anOutbox(t);
    await outbox.enqueue([aMessage({ dedupeKey: 'trial_ended:acc_1', subject: 'first' })]);
    await outbox.enqueue([
      aMessage({ dedupeKey: 'trial_ended:acc_1', subject: 'second' }),
      aMessage({ dedupeKey: 'trial_ended:acc_2', subject: 'other account' }),
      aMessage({ dedupeKey: 'trial_ended:acc_2', subject: 'other account, again' }),
    ]);
    assert.deepEqual(
      (await outbox.list()).map((m) => [m.dedupeKey, m.subject]),
      [
        ['trial_ended:acc_1', 'first'],
        ['trial_ended:acc_2', 'other account'],
      ],
    );
  });
});

describe('outbox.deliver', () => {
  it('sends each pending message once and records it as sent with the provider id', async (t) => {
    const { clock, outbox } = await anOutbox(t);
    const ids = await outbox.enqueue([aMessage(), aMessage({ recipient: 'jan@roza.example' })]);
    const { sent, send } = recordingSender();
    clock.advance(5 * SECOND);

    assert.deepEqual(await outbox.deliver(send), { sent: 2, failed: 0 });
    assert.deepEqual(await outbox.deliver(send), { sent: 0, failed: 0 });

    assert.deepEqual(sent, [
      { id: 'msg_0001', attempts: 1 },
      { id: 'msg_0002', attempts: 1 },
    ]);
    for (const id of ids) {
      const m = await outbox.get(id);
      assert.deepEqual(
        [m!.status, m!.attempts, m!.sentAt?.toISOString(), m!.providerMessageId, m!.lastError],
        ['sent', 1, '2026-03-17T08:00:05.000Z', `smtp-${id}-1`, null],
      );
    }
  });

  it('leaves a message whose send failed pending, with its error, until its backoff has passed', async (t) => {
    const { clock, outbox, nextAttemptAt } = await anOutbox(t);
    const [id] = await outbox.enqueue([aMessage()]);

    assert.deepEqual(await outbox.deliver(failingSender('connect ECONNREFUSED 127.0.0.1:25')), {
      sent: 0,
      failed: 1,
    });
    const failed = await outbox.get(id!);
    assert.deepEqual(
      [failed!.status, failed!.attempts, failed!.lastError, failed!.sentAt],
      ['pending', 1, 'connect ECONNREFUSED 127.0.0.1:25', null],
    );
    assert.equal(await nextAttemptAt(id!), '2026-03-17T08:01:00.000Z', '30 s × 2¹ after the attempt');

    const { sent, send } = recordingSender();
    clock.advance(MINUTE - 1);
    assert.deepEqual(await outbox.deliver(send), { sent: 0, failed: 0 });
    clock.advance(1);
    assert.deepEqual(await outbox.deliver(send), { sent: 1, failed: 0 });
    assert.deepEqual(sent, [{ id: id!, attempts: 2 }]);
    const delivered = await outbox.get(id!);
    assert.deepEqual(
      [delivered!.status, delivered!.lastError, delivered!.providerMessageId],
      ['sent', null, `smtp-${id}-2`],
    );
  });

  it('marks a message failed at once when the error is permanent', async (t) => {
    const { clock, outbox } = await anOutbox(t);
    const [id] = await outbox.enqueue([aMessage()]);
    const isPermanent = (error: unknown) => /^550 /.test((error as Error).message);

    assert.deepEqual(await outbox.deliver(failingSender('550 5.1.1 mailbox unknown'), { isPermanent }), {
      sent: 0,
      failed: 1,
    });
    const m = await outbox.get(id!);
    assert.deepEqual([m!.status, m!.attempts, m!.lastError], ['failed', 1, '550 5.1.1 mailbox unknown']);

    const { sent, send } = recordingSender();
    clock.advance(24 * 60 * MINUTE);
    assert.deepEqual(await outbox.deliver(send), { sent: 0, failed: 0 });
    assert.deepEqual(sent, []);
  });

  it('gives up after the eighth failed attempt', async (t) => {
    const { clock, outbox, nextAttemptAt } = await anOutbox(t);
    const [id] = await outbox.enqueue([aMessage()]);
    for (let attempt = 1; attempt <= 8; attempt++) {
      assert.deepEqual(await outbox.deliver(failingSender('451 try again later')), { sent: 0, failed: 1 });
      const m = await outbox.get(id!);
      assert.deepEqual([m!.status, m!.attempts], [attempt < 8 ? 'pending' : 'failed', attempt]);
      clock.set(await nextAttemptAt(id!));
    }
    clock.advance(365 * 24 * 60 * MINUTE);
    assert.deepEqual(await outbox.deliver(failingSender('451 try again later')), { sent: 0, failed: 0 });
  });

  it('re-sends a message claimed by a worker that died before recording it, but only after the 5-minute lease', async (t) => {
    const { clock, outbox } = await anOutbox(t);
    const [id] = await outbox.enqueue([aMessage()]);
    // The first worker hands the message to SMTP and never comes back (the process died).
    const handedOver: string[] = [];
    void outbox.deliver(async (m) => {
      handedOver.push(m.id);
      return new Promise<never>(() => undefined);
    });
    while (handedOver.length === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await outbox.get(id!))!.status, 'pending');

    const { sent, send } = recordingSender();
    assert.deepEqual(await outbox.deliver(send), { sent: 0, failed: 0 }, 'leased');
    clock.advance(5 * MINUTE - 1);
    assert.deepEqual(await outbox.deliver(send), { sent: 0, failed: 0 }, 'still leased');
    clock.advance(1);
    assert.deepEqual(await outbox.deliver(send), { sent: 1, failed: 0 });
    assert.deepEqual(sent, [{ id: id!, attempts: 2 }], 'the same message (same Message-ID), second attempt');
    assert.equal((await outbox.get(id!))!.status, 'sent');
  });

  it('two workers never send one message twice', {
    skip: !onServer && 'needs a server',
    timeout: 60_000,
  }, async (t) => {
    const { outbox } = await anOutbox(t);
    await outbox.enqueue(Array.from({ length: 10 }, (_, i) => aMessage({ recipient: `u${i}@roza.example` })));
    const sentBy = new Map<string, string[]>();
    // Each worker's first send waits until the other worker is sending too: both hold claims at once.
    let arrivals = 0;
    let bothIn!: () => void;
    const together = new Promise<void>((resolve) => {
      bothIn = resolve;
    });
    const worker = (name: string): Sender => {
      let first = true;
      return async (m) => {
        sentBy.set(m.id, [...(sentBy.get(m.id) ?? []), name]);
        if (first) {
          first = false;
          if (++arrivals === 2) bothIn();
          await together;
        }
        return { providerMessageId: `${name}-${m.id}` };
      };
    };
    const [a, b] = await Promise.all([
      outbox.deliver(worker('a'), { batchSize: 5 }),
      outbox.deliver(worker('b'), { batchSize: 5 }),
    ]);
    assert.deepEqual(
      [a, b],
      [
        { sent: 5, failed: 0 },
        { sent: 5, failed: 0 },
      ],
    );
    assert.equal(sentBy.size, 10);
    for (const [id, workers] of sentBy) assert.equal(workers.length, 1, `${id}: ${workers}`);
    assert.deepEqual(
      (await outbox.list()).map((m) => m.status),
      Array(10).fill('sent'),
    );
  });
});

describe('outbox send-time hooks', () => {
  it('a suppress verdict stops the message before the sender sees it, marks it suppressed with the reason and runs its record in the same step; others go and get their deemed delivery day', async (t) => {
    const db = await openTestDatabase();
    t.after(() => db.close());
    const clock = manualClock(T0);
    const recorded: string[] = [];
    const outbox = makeOutbox({
      db,
      clock,
      ids: sequentialIds(),
      hooks: () => ({
        suppress: async (m) =>
          m.messageClass === 'marketing'
            ? { reason: 'consent_withdrawn', record: async () => void recorded.push(m.id) }
            : null,
        deemedDeliveryOf: (_m, sentAt) =>
          sentAt.toISOString().startsWith('2026-03-17') ? '2026-03-20' : null,
      }),
    });
    const [marketing, notice] = await db.transaction(() =>
      outbox.enqueue([
        aMessage({
          messageClass: 'marketing',
          purpose: 'newsletter',
          headers: { 'List-Unsubscribe': '<https://x/u>' },
        }),
        aMessage({ subject: 'notice' }),
      ]),
    );
    const { sent, send } = recordingSender();
    assert.deepEqual(await outbox.deliver(send), { sent: 1, failed: 0 });
    assert.deepEqual(
      sent.map((s) => s.id),
      [notice],
    );
    assert.deepEqual(recorded, [marketing]);
    const stopped = await outbox.get(marketing!);
    assert.equal(stopped!.status, 'suppressed');
    assert.equal(stopped!.suppressedReason, 'consent_withdrawn');
    assert.deepEqual(stopped!.headers, { 'List-Unsubscribe': '<https://x/u>' });
    assert.equal(stopped!.purpose, 'newsletter');
    assert.equal((await outbox.get(notice!))!.deemedDeliveredOn, '2026-03-20');
    // A suppressed message is never picked up again.
    clock.advance(10 * MINUTE);
    assert.deepEqual(await outbox.deliver(send), { sent: 0, failed: 0 });
  });
});
