/**
 * AES-256-GCM, the one cipher of personal data (node:crypto): a random 96-bit IV per message and
 * the 128-bit tag appended to the ciphertext. The associated data binds a ciphertext to where it
 * belongs (an event and a person; a data key and its person), so it cannot be moved elsewhere.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const ivBytes = 12;
const tagBytes = 16;
export const keyBytes = 32;

/** Random IVs drawn from a pool: one call to the CSPRNG per 4096 messages instead of each. */
let ivPool = Buffer.alloc(0);
let ivOffset = 0;
function nextIv(): Buffer {
  if (ivOffset + ivBytes > ivPool.length) {
    ivPool = randomBytes(ivBytes * 4096);
    ivOffset = 0;
  }
  ivOffset += ivBytes;
  return ivPool.subarray(ivOffset - ivBytes, ivOffset);
}

/** IV, ciphertext and tag in one buffer. */
export function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** The plaintext of {@link seal}'s output; throws when the key, the AAD or the bytes differ. */
export function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < ivBytes + tagBytes) throw new RangeError('sealed message too short');
  const iv = sealed.subarray(0, ivBytes);
  const tag = sealed.subarray(sealed.length - tagBytes);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(ivBytes, -tagBytes)), decipher.final()]);
}

export const newDataKey = (): Buffer => randomBytes(keyBytes);

/** A key for another purpose derived from the master key (HKDF-SHA256), so purposes never share one. */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', master, Buffer.alloc(0), `ticketflow ${purpose}`, keyBytes),
  );
}

/** HMAC-SHA256, for lookups by a value the table must not hold (an email address). */
export const keyedHash = (key: Buffer, value: string): Buffer =>
  createHmac('sha256', key).update(value, 'utf8').digest();
