/**
 * Deterministic JSON for hashing and signing: the same value always gives the same
 * bytes, whatever order its keys were added in.
 *
 * - object keys sorted recursively (by UTF-16 code units, as RFC 8785 does);
 * - no whitespace; strings and numbers written as JSON.stringify writes them;
 * - bigint → its decimal string ("12345"), Date → its ISO string;
 * - undefined properties dropped, undefined array items written as null, as
 *   JSON.stringify does, so a value hashes the same before and after a JSON (or
 *   PostgreSQL jsonb) round trip;
 * - an object's `toJSON()` is honoured, as JSON.stringify does;
 * - throws on functions, symbols, NaN and ±Infinity, invalid Dates, cycles, and on
 *   Maps, Sets and other class instances without `toJSON`, which JSON.stringify would
 *   silently turn into `{}`.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) throw new TypeError('canonicalJson: cannot encode undefined');
  return encode(value, new Set(), '$');
}

function encode(value: unknown, ancestors: Set<object>, path: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonicalJson: ${value} at ${path} is not a JSON number`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `"${value.toString()}"`;
    case 'undefined':
      return 'null';
    case 'function':
    case 'symbol':
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value} at ${path}`);
  }
  if (value === null) return 'null';
  const object = value as object;
  if (object instanceof Date) {
    if (Number.isNaN(object.getTime())) throw new TypeError(`canonicalJson: invalid Date at ${path}`);
    return `"${object.toISOString()}"`;
  }
  if (ancestors.has(object)) throw new TypeError(`canonicalJson: cycle at ${path}`);
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      const items: string[] = [];
      for (let i = 0; i < object.length; i++) items.push(encode(object[i], ancestors, `${path}[${i}]`));
      return `[${items.join(',')}]`;
    }
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const replaced: unknown = toJSON.call(object, '');
      if (replaced === undefined)
        throw new TypeError(`canonicalJson: toJSON() returned undefined at ${path}`);
      return encode(replaced, ancestors, path);
    }
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (prototype as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new TypeError(
        `canonicalJson: cannot encode a ${name} at ${path}; convert it to a plain object first`,
      );
    }
    const record = object as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      members.push(`${JSON.stringify(key)}:${encode(member, ancestors, `${path}.${key}`)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(object);
  }
}
