import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

// `klauzula backup create|list|restore|prune` as an operator runs it: on embedded PGlite in a data folder,
// the key from the environment (never the policy).
const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'klauzula-backup-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = randomBytes(32).toString('base64');

function klauzula(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(root, 'src/main.ts'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      DATABASE_URL: '',
      KLAUZULA_DATA_DIR: join(dir, 'data'),
      KLAUZULA_BACKUP_DIR: join(dir, 'backups'),
      KLAUZULA_BACKUP_KEY: key,
      KLAUZULA_PRESET: 'quanda',
      LOG_LEVEL: 'silent',
      ...env,
    },
    timeout: 120_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('klauzula backup', () => {
  it('creates, lists, restores and prunes encrypted backups', () => {
    const keyMade = klauzula(['keys', 'create', 'before the backup']);
    assert.equal(keyMade.code, 0, keyMade.err);
    const created = klauzula(['backup', 'create']);
    assert.equal(created.code, 0, created.err);
    const file = created.out.match(/^(klauzula-\S+\.klzb): \d+ bytes/m)?.[1];
    assert.ok(file, created.out);
    assert.deepEqual(readdirSync(join(dir, 'backups')), [file]);

    const listed = klauzula(['backup', 'list']);
    assert.equal(listed.code, 0, listed.err);
    assert.match(
      listed.out,
      new RegExp(`${file.replace(/\./g, '\\.')}\\s+\\S+\\s+\\d+ bytes\\s+pglite\\s+journal 0`),
    );
    assert.match(listed.out, /1 backup\(s\)/);

    // Something changes after the backup; the restore puts the database back as it was.
    klauzula(['keys', 'create', 'after the backup']);
    const restored = klauzula(['backup', 'restore', file]);
    assert.equal(restored.code, 0, restored.err);
    assert.match(restored.out, /restored: \d+ rows in \d+ tables; 0 deletion\(s\) re-applied/);

    // Quanda's window is 0 days, but nothing was purged since the backup: it stays.
    const pruned = klauzula(['backup', 'prune']);
    assert.equal(pruned.code, 0, pruned.err);
    assert.match(pruned.out, /0 deleted, 1 kept/);
  });

  it('refuses to write or read backups without a valid key, with a clear message', () => {
    const bad = klauzula(['backup', 'create'], { KLAUZULA_BACKUP_KEY: 'short' });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /KLAUZULA_BACKUP_KEY: the backup key must be 32 bytes/);
    const none = klauzula(['backup', 'create'], { KLAUZULA_BACKUP_KEY: '' });
    assert.equal(none.code, 2);
    assert.match(none.err, /no backup key: set KLAUZULA_BACKUP_KEY/);
    const wrong = klauzula(['backup', 'restore', readdirSync(join(dir, 'backups'))[0]!], {
      KLAUZULA_BACKUP_KEY: randomBytes(32).toString('hex'),
    });
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /encrypted with another key/);
  });
});
