import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys recursively and writes no whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }),
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
    assert.equal(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
  });

  it('orders keys by UTF-16 code units', () => {
    assert.equal(
      canonicalJson({ b: 0, B: 0, a: 0, '10': 0, '9': 0, ł: 0, z: 0 }),
      '{"10":0,"9":0,"B":0,"a":0,"b":0,"z":0,"ł":0}',
    );
  });

  it('writes bigint as a decimal string and Date as an ISO string', () => {
    assert.equal(
      canonicalJson({ amount: 12_345n, at: new Date('2026-05-04T10:00:00+02:00') }),
      '{"amount":"12345","at":"2026-05-04T08:00:00.000Z"}',
    );
    assert.equal(canonicalJson(-(2n ** 70n)), '"-1180591620717411303424"');
  });

  it('drops undefined properties and writes undefined array items as null, like JSON.stringify', () => {
    const value = { a: undefined, b: [1, undefined, 3], c: null };
    assert.equal(canonicalJson(value), '{"b":[1,null,3],"c":null}');
    assert.equal(canonicalJson(JSON.parse(JSON.stringify(value))), canonicalJson(value));
  });

  it('matches JSON.stringify for plain JSON values', () => {
    const value = {
      s: 'zażółć "gęślą"\n\u0001\ud800',
      n: [0, -0, 1.5, 1e21, 1e-7, -3],
      t: true,
      f: false,
      e: {},
      l: [],
    };
    assert.equal(canonicalJson(value), JSON.stringify(value, Object.keys(value).sort()));
  });

  it('is stable through a JSON round trip of a Date', () => {
    const event = { occurredAt: new Date('2026-03-29T01:30:00Z'), data: { amount: 100n } };
    const stored = JSON.parse(JSON.stringify(event, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    assert.equal(canonicalJson(stored), canonicalJson(event));
  });

  it('honours toJSON', () => {
    const url = new URL('https://example.com/a?b=1');
    assert.equal(canonicalJson({ url }), '{"url":"https://example.com/a?b=1"}');
    assert.equal(canonicalJson({ x: { toJSON: () => ({ b: 2, a: 1 }) } }), '{"x":{"a":1,"b":2}}');
  });

  it('accepts null-prototype objects', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o['b'] = 2;
    o['a'] = 1;
    assert.equal(canonicalJson(o), '{"a":1,"b":2}');
  });

  it('throws on what JSON cannot carry faithfully', () => {
    assert.throws(() => canonicalJson(undefined), /undefined/);
    assert.throws(() => canonicalJson({ f: () => 1 }), /function at \$\.f/);
    assert.throws(() => canonicalJson([Symbol('x')]), /symbol at \$\[0\]/);
    assert.throws(() => canonicalJson({ n: Number.NaN }), /NaN at \$\.n/);
    assert.throws(() => canonicalJson({ n: [Number.POSITIVE_INFINITY] }), /Infinity/);
    assert.throws(() => canonicalJson({ d: new Date(Number.NaN) }), /invalid Date/);
    assert.throws(() => canonicalJson({ m: new Map([['a', 1]]) }), /cannot encode a Map/);
    assert.throws(() => canonicalJson(new Set([1])), /cannot encode a Set/);
    class Point {
      x = 1;
    }
    assert.throws(() => canonicalJson(new Point()), /cannot encode a Point/);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle['self'] = cycle;
    assert.throws(() => canonicalJson(cycle), /cycle at \$\.self/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    assert.equal(canonicalJson({ x: shared, y: [shared] }), '{"x":{"a":1},"y":[{"a":1}]}');
  });
});
