import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * Encrypted backup files: AES-256-GCM over fixed-size chunks (the "STREAM" construction), so a large
 * backup is written and read in constant memory and no plaintext is ever used before its chunk was
 * authenticated.
 *
 *   file   = "KLZB1\n" header-json "\n" chunk*
 *   chunk  = uint32-be length, ciphertext (length bytes), tag (16 bytes)
 *   nonce  = 8 random bytes of the file ‖ uint32-be chunk index
 *   aad    = the header line ‖ uint32-be chunk index ‖ 1 byte: 1 on the last chunk, else 0
 *
 * The header (creation time, engine, journal mark, key id) is plaintext, so `list` reads it without the
 * key, and authenticated by every chunk: editing it, a chunk, their order, or cutting the file's tail
 * makes decryption fail. The key is 32 bytes from the environment, never from the policy; the header
 * names it by a fingerprint (`keyId`), not the key.
 */

const MAGIC = 'KLZB1\n';
const CHUNK = 1 << 20;

export type BackupHeader = {
  format: 1;
  createdAt: string;
  engine: 'pglite' | 'postgres';
  /** The deletion journal's last sequence number when the backup was taken. */
  journalSeq: number;
  /** The applied migrations' hashes: a backup restores only into the same schema. */
  migrations: string[];
  keyId: string;
  noncePrefix: string;
};

export class BackupError extends Error {
  override name = 'BackupError';
}

/** Reads a 32-byte key given as 64 hex digits or base64 (e.g. `openssl rand -base64 32`). */
export function parseBackupKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32)
    throw new BackupError('the backup key must be 32 bytes, written as 64 hex digits or in base64');
  return key;
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('klauzula-backup-key').update(key).digest('hex').slice(0, 16);
}

function nonceOf(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0, 0, 8);
  nonce.writeUInt32BE(index, 8);
  return nonce;
}

function aadOf(headerLine: Buffer, index: number, last: boolean): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail[4] = last ? 1 : 0;
  return Buffer.concat([headerLine, tail]);
}

/**
 * Encrypts `plaintext` (chunks of any size) into the backup format; yields the file's bytes. The header's
 * `keyId` and `noncePrefix` are filled in here.
 */
export async function* encryptBackup(
  header: Omit<BackupHeader, 'keyId' | 'noncePrefix'>,
  key: Buffer,
  plaintext: AsyncIterable<Buffer>,
): AsyncGenerator<Buffer> {
  const prefix = randomBytes(8);
  const full: BackupHeader = { ...header, keyId: keyIdOf(key), noncePrefix: prefix.toString('base64') };
  const headerLine = Buffer.from(JSON.stringify(full), 'utf8');
  yield Buffer.concat([Buffer.from(MAGIC), headerLine, Buffer.from('\n')]);
  let index = 0;
  let pending: Buffer = Buffer.alloc(0);
  const seal = (data: Buffer, last: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', key, nonceOf(prefix, index));
    cipher.setAAD(aadOf(headerLine, index, last));
    const body = Buffer.concat([cipher.update(data), cipher.final()]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length, 0);
    index += 1;
    return Buffer.concat([length, body, cipher.getAuthTag()]);
  };
  for await (const piece of plaintext) {
    pending = pending.length === 0 ? piece : Buffer.concat([pending, piece]);
    while (pending.length > CHUNK) {
      yield seal(pending.subarray(0, CHUNK), false);
      pending = pending.subarray(CHUNK);
    }
  }
  yield seal(pending, true);
}

/** Reads the header of a backup file's first bytes (no key needed). */
export function readBackupHeader(start: Buffer): {
  header: BackupHeader;
  headerLine: Buffer;
  offset: number;
} {
  if (start.subarray(0, MAGIC.length).toString() !== MAGIC)
    throw new BackupError('not a Klauzula backup file');
  const end = start.indexOf(0x0a, MAGIC.length);
  if (end < 0) throw new BackupError('the backup header is cut short');
  const headerLine = start.subarray(MAGIC.length, end);
  let header: BackupHeader;
  try {
    header = JSON.parse(headerLine.toString('utf8')) as BackupHeader;
  } catch {
    throw new BackupError('the backup header is not valid JSON');
  }
  if (header.format !== 1) throw new BackupError(`unknown backup format ${String(header.format)}`);
  return { header, headerLine, offset: end + 1 };
}

/**
 * Decrypts the backup file at `path`; yields authenticated plaintext chunks only, in constant memory.
 * Throws a BackupError on a wrong key, any changed byte, reordered or missing chunks, or a cut tail.
 */
export async function* decryptBackup(path: string, key: Buffer): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const start = Buffer.alloc(Math.min(size, 64 * 1024));
    await file.read(start, 0, start.length, 0);
    const { header, headerLine, offset } = readBackupHeader(start);
    if (header.keyId !== keyIdOf(key)) throw new BackupError('this backup was encrypted with another key');
    const prefix = Buffer.from(header.noncePrefix, 'base64');
    let position = offset;
    let index = 0;
    for (;;) {
      const lengthBytes = Buffer.alloc(4);
      if ((await file.read(lengthBytes, 0, 4, position)).bytesRead < 4)
        throw new BackupError('the backup is cut short (its last chunk is missing)');
      const length = lengthBytes.readUInt32BE(0);
      if (length > CHUNK + 64 || position + 4 + length + 16 > size)
        throw new BackupError('the backup is damaged or cut short');
      const sealed = Buffer.alloc(length + 16);
      await file.read(sealed, 0, sealed.length, position + 4);
      position += 4 + length + 16;
      const last = position === size;
      const decipher = createDecipheriv('aes-256-gcm', key, nonceOf(prefix, index));
      decipher.setAAD(aadOf(headerLine, index, last));
      decipher.setAuthTag(sealed.subarray(length));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(sealed.subarray(0, length)), decipher.final()]);
      } catch {
        throw new BackupError('the backup is damaged, was changed or is cut short (authentication failed)');
      }
      index += 1;
      yield plain;
      if (last) return;
    }
  } finally {
    await file.close();
  }
}

/** Reads only the header of the backup file at `path`. */
export async function readBackupFileHeader(path: string): Promise<BackupHeader> {
  const file = await open(path, 'r');
  try {
    const start = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(start, 0, start.length, 0);
    return readBackupHeader(start.subarray(0, bytesRead)).header;
  } finally {
    await file.close();
  }
}
