import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../../../test/helpers/database.ts';
import type { Database } from './database.ts';

describe('Database.copyOut (PostgreSQL)', () => {
  let db: Database;
  before(async () => {
    db = await openTestDatabase();
  });
  after(() => db.close());

  it('streams a large COPY exactly, fails a COPY that errors half-way, gives up one read half-way, and the pool goes on working', async (t) => {
    if (!db.copyOut) {
      t.skip('PGlite has no COPY to a stream');
      return;
    }
    // 20,000 rows (≈ 1.2 MB, many socket reads) with quotes, commas, line breaks and Polish letters.
    const copy = `copy (select g, 'Gęś "' || g || '", ą' || chr(10) || 'ż' from generate_series(1, 20000) g)
                  to stdout with (format csv)`;
    const parts: Buffer[] = [];
    for await (const chunk of db.copyOut(copy)) parts.push(chunk);
    const text = Buffer.concat(parts).toString('utf8');
    const expected = Array.from({ length: 20000 }, (_, i) => `${i + 1},"Gęś ""${i + 1}"", ą\nż"\n`).join('');
    assert.equal(text, expected);

    const failing = db.copyOut(
      'copy (select 100 / (15000 - g) from generate_series(1, 20000) g) to stdout with (format csv)',
    );
    await assert.rejects(
      (async () => {
        for await (const _ of failing);
      })(),
      /division by zero/,
    );
    // A reader that stops after the first piece (a client that went away) gives its connection up.
    for await (const _ of db.copyOut(copy)) break;
    // Every pooled connection still answers (none was left in COPY mode, none kept by a COPY).
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => db.rows<{ n: number }>(sql`select 7 as n`)),
    );
    assert.deepEqual(
      answers.map((a) => a[0]!.n),
      Array(10).fill(7),
    );
  });
});
