import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestDatabase } from '../../../test/helpers/database.ts';
import type { Database } from './database.ts';

describe('Database.afterCommit', () => {
  let db: Database;
  before(async () => {
    db = await openTestDatabase();
  });
  after(() => db.close());

  it('runs once the outermost transaction commits, not before', async () => {
    const seen: string[] = [];
    await db.transaction(async () => {
      db.afterCommit(() => seen.push('committed'));
      await db.transaction(async () => db.afterCommit(() => seen.push('inner')));
      assert.deepEqual(seen, []);
    });
    assert.deepEqual(seen, ['committed', 'inner']);
  });

  it('never runs when the transaction rolls back, and at once outside a transaction', async () => {
    const seen: string[] = [];
    await assert.rejects(
      db.transaction(async () => {
        db.afterCommit(() => seen.push('rolled back'));
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.equal(seen.length, 0);
    db.afterCommit(() => seen.push('now'));
    assert.deepEqual(seen, ['now']);
  });
});
