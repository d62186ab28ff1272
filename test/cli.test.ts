import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { presetPath } from '../src/policy/index.ts';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'klauzula-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function klauzula(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(root, 'src/main.ts'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      DATABASE_URL: '',
      KLAUZULA_DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
      ...env,
    },
    timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('klauzula policy check', () => {
  it('accepts every preset', () => {
    const r = klauzula(['policy', 'check', presetPath('bookero')]);
    assert.equal(r.code, 0, r.err);
  });

  it('refuses a broken policy with the file, line, path, what was expected and what was found', () => {
    const broken = readFileSync(presetPath('quanda'), 'utf8').replace(
      /^(\s+)days: 14 .*$/m,
      '$1days: fourteen',
    );
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, broken);
    const r = klauzula(['policy', 'check', file]);
    assert.equal(r.code, 1);
    const line = broken.split('\n').findIndex((l) => l.includes('days: fourteen')) + 1;
    assert.match(
      r.err,
      new RegExp(`broken\\.yaml:${line}\\s+trial\\.days\\s+expected a number, found text "fourteen"`),
    );
  });

  it('a broken policy never starts the server', () => {
    const file = join(dir, 'unknown-key.yaml');
    writeFileSync(
      file,
      readFileSync(presetPath('quanda'), 'utf8').replace(/^trial:$/m, 'trial:\n  lenght: 14'),
    );
    const r = klauzula(['start', '--policy', file, '--port', '0']);
    assert.equal(r.code, 2);
    assert.match(r.err, /trial\.lenght/);
    assert.doesNotMatch(r.out, /running at/);
  });
});

describe('klauzula clock and audit', () => {
  it('creates and advances a test clock on the embedded database, then verifies the log', () => {
    const created = klauzula(['clock', 'create', '--name', 'cli', '--at', '2026-03-02T10:00:00+01:00'], {
      KLAUZULA_PRESET: 'quanda',
    });
    assert.equal(created.code, 0, created.err);
    const clock = JSON.parse(created.out) as { id: string; frozenTime: string };
    assert.equal(clock.frozenTime, '2026-03-02T09:00:00.000Z');

    const advanced = klauzula(['clock', 'advance', clock.id, '--by', 'P15D'], { KLAUZULA_PRESET: 'quanda' });
    assert.equal(advanced.code, 0, advanced.err);
    assert.match(advanced.out, /2026-03-02T09:00:00\.000Z → 2026-03-17T09:00:00\.000Z/);

    const back = klauzula(['clock', 'advance', clock.id, '--to', '2026-03-01T00:00:00Z'], {
      KLAUZULA_PRESET: 'quanda',
    });
    assert.equal(back.code, 2);
    assert.match(back.err, /only moves forward/);

    const verified = klauzula(['audit', 'verify'], { KLAUZULA_PRESET: 'quanda' });
    assert.equal(verified.code, 0, verified.err);
    assert.match(verified.out, /OK: the event log is intact/);
  });
});
