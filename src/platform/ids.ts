/**
 * Identifiers, tokens and hashes.
 *
 * Ids are `prefix_` + 26 characters of Crockford base32 over 128 bits: a 48-bit
 * millisecond timestamp followed by 80 random bits (the ULID layout, the same idea as
 * UUIDv7), so ids sort by creation time as plain strings. The generator is a
 * dependency (`IdGenerator`) built from an injected clock; it never reads the system
 * clock itself, and tests use `sequentialIds()`.
 */
import { createHash, randomBytes as cryptoRandomBytes } from 'node:crypto';

export type Brand<T, B> = T & { readonly __brand: B };

export type AccountId = Brand<string, 'AccountId'>;
export type UserId = Brand<string, 'UserId'>;
export type TestClockId = Brand<string, 'TestClockId'>;
export type EventId = Brand<string, 'EventId'>;

export type IdGenerator = { next(prefix: string): string };

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const PREFIX = /^[a-z][a-z0-9]{0,15}$/;
const MAX_TIMESTAMP = 2 ** 48 - 1;

function requirePrefix(prefix: string): void {
  if (!PREFIX.test(prefix)) {
    throw new RangeError(`ids: prefix ${JSON.stringify(prefix)} must be 1–16 lowercase letters or digits`);
  }
}

/** 26 Crockford base32 characters of a 128-bit value (the top 2 of 130 bits are zero). */
function encode128(value: bigint): string {
  let out = '';
  for (let shift = 125n; shift >= 0n; shift -= 5n) out += CROCKFORD[Number((value >> shift) & 31n)];
  return out;
}

/**
 * Random, time-ordered ids. Within one millisecond the random part of the previous id
 * is incremented instead of drawn again, so ids made in a burst still sort in the order
 * they were made. `randomBytes` is injectable for tests.
 */
export function makeRandomIds(
  now: () => Date,
  randomBytes: (size: number) => Uint8Array = cryptoRandomBytes,
): IdGenerator {
  let lastMs = -1;
  let lastRandom = 0n;
  return {
    next(prefix: string): string {
      requirePrefix(prefix);
      const ms = now().getTime();
      if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIMESTAMP) {
        throw new RangeError(`ids: clock time ${ms} cannot be encoded in 48 bits`);
      }
      let random: bigint;
      if (ms === lastMs && lastRandom < 2n ** 80n - 1n) {
        random = lastRandom + 1n;
      } else {
        random = BigInt(`0x${Buffer.from(randomBytes(10)).toString('hex')}`);
      }
      lastMs = ms;
      lastRandom = random;
      return `${prefix}_${encode128((BigInt(ms) << 80n) | random)}`;
    },
  };
}

/** The creation time encoded in an id made by `makeRandomIds`. */
export function timestampOfId(id: string): Date {
  const body = id.slice(id.lastIndexOf('_') + 1);
  if (body.length !== 26) throw new RangeError(`ids: ${JSON.stringify(id)} is not a time-ordered id`);
  let ms = 0;
  for (let i = 0; i < 10; i++) {
    const digit = CROCKFORD.indexOf(body[i]!);
    if (digit < 0) throw new RangeError(`ids: ${JSON.stringify(id)} is not a time-ordered id`);
    ms = ms * 32 + digit;
  }
  // The first 10 characters hold 50 bits: the 2 zero bits and the 48-bit timestamp.
  return new Date(ms);
}

/** Readable ids for tests: acc_0001, acc_0002, usr_0001, … counted per prefix. */
export function sequentialIds(): IdGenerator {
  const counters = new Map<string, number>();
  return {
    next(prefix: string): string {
      requirePrefix(prefix);
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return `${prefix}_${String(n).padStart(4, '0')}`;
    },
  };
}

/** An unguessable token (sessions, invitations, API keys): `bytes` random bytes as base64url. */
export function randomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16)
    throw new RangeError('ids: a token needs at least 16 random bytes');
  return cryptoRandomBytes(bytes).toString('base64url');
}

/** SHA-256 of the UTF-8 bytes of `s`, lowercase hex. */
export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}
