import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AccountId,
  makeRandomIds,
  randomToken,
  sequentialIds,
  sha256Hex,
  timestampOfId,
} from './ids.ts';

const ID = /^[a-z][a-z0-9]*_[0-9A-HJKMNP-TV-Z]{26}$/;

describe('makeRandomIds', () => {
  it('makes prefix_ + 26 Crockford base32 characters', () => {
    const ids = makeRandomIds(() => new Date('2026-05-04T10:00:00Z'));
    const id = ids.next('acc');
    assert.match(id, ID);
    assert.ok(id.startsWith('acc_'));
    assert.notEqual(ids.next('acc'), id);
  });

  it('encodes the clock time, not the system time', () => {
    const at = new Date('2026-05-04T10:00:00.123Z');
    const id = makeRandomIds(() => at).next('evt');
    assert.equal(timestampOfId(id).toISOString(), at.toISOString());
    assert.equal(timestampOfId(makeRandomIds(() => new Date(0)).next('evt')).getTime(), 0);
  });

  it('sorts by creation time, also within one millisecond', () => {
    let ms = Date.parse('2026-01-01T00:00:00Z');
    const ids = makeRandomIds(() => new Date(ms));
    const made: string[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i % 100 === 0) ms += 1;
      made.push(ids.next('evt'));
    }
    assert.deepEqual([...made].sort(), made);
    assert.equal(new Set(made).size, made.length);
    // Later clock time sorts later even with a larger random part before it.
    const high = makeRandomIds(
      () => new Date(1000),
      () => new Uint8Array(10).fill(255),
    ).next('evt');
    const low = makeRandomIds(
      () => new Date(1001),
      () => new Uint8Array(10),
    ).next('evt');
    assert.ok(high < low);
  });

  it('uses the injected random source', () => {
    const id = makeRandomIds(
      () => new Date(0),
      () => new Uint8Array(10),
    ).next('acc');
    assert.equal(id, `acc_${'0'.repeat(26)}`);
  });

  it('refuses odd prefixes and times that do not fit 48 bits', () => {
    const ids = makeRandomIds(() => new Date('2026-01-01T00:00:00Z'));
    for (const prefix of ['', 'Acc', 'acc_x', '1acc', 'a'.repeat(17)]) {
      assert.throws(() => ids.next(prefix), /prefix/, prefix);
    }
    assert.throws(() => makeRandomIds(() => new Date(-1)).next('acc'), /48 bits/);
    assert.throws(() => makeRandomIds(() => new Date(Number.NaN)).next('acc'), /48 bits/);
  });
});

describe('sequentialIds', () => {
  it('counts per prefix', () => {
    const ids = sequentialIds();
    assert.equal(ids.next('acc'), 'acc_0001');
    assert.equal(ids.next('acc'), 'acc_0002');
    assert.equal(ids.next('usr'), 'usr_0001');
    assert.equal(sequentialIds().next('acc'), 'acc_0001');
  });

  it('works with branded ids', () => {
    const id = sequentialIds().next('acc') as AccountId;
    const plain: string = id;
    assert.equal(plain, 'acc_0001');
  });
});

describe('tokens and hashes', () => {
  it('randomToken is base64url of the requested bytes', () => {
    const token = randomToken();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    assert.notEqual(randomToken(), token);
    assert.equal(Buffer.from(randomToken(48), 'base64url').length, 48);
    assert.throws(() => randomToken(8), /at least 16/);
  });

  it('sha256Hex hashes UTF-8', () => {
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256Hex('zł'), 'b6a737376259d9fbf3d6f118434ea87f44d179fa49ae565df390b4a7c2ac7ec8');
  });
});
