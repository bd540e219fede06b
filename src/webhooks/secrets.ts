import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EncryptedSecret } from '../events/index.ts';

/** Standard Webhooks' secret prefix; what follows is base64 of the key bytes. */
export const secretPrefix = 'whsec_';
const secretBytes = 32;

/** A fixed key for development and tests only; production refuses to start without its own. */
const developmentKey = createHash('sha256').update('ticketflow development webhook key').digest();

/**
 * The key secrets are stored under: WEBHOOK_SECRET_KEY (base64, 32 bytes), or outside production
 * a derived development key (docs/webhooks.md says so: never rely on it for real secrets).
 */
export function secretKeyFrom(config: {
  WEBHOOK_SECRET_KEY?: string | undefined;
  NODE_ENV: string;
}): { key: Buffer; derived: boolean } {
  if (config.WEBHOOK_SECRET_KEY) {
    return { key: Buffer.from(config.WEBHOOK_SECRET_KEY, 'base64'), derived: false };
  }
  if (config.NODE_ENV === 'production') {
    throw new Error('NODE_ENV=production needs WEBHOOK_SECRET_KEY (base64 of 32 random bytes)');
  }
  return { key: developmentKey, derived: true };
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `${secretPrefix}${randomBytes(secretBytes).toString('base64')}`;
}

/** The HMAC key bytes of a `whsec_` secret. */
export function secretKeyBytes(secret: string): Buffer {
  return Buffer.from(secret.slice(secretPrefix.length), 'base64');
}

/** Additional data: a ciphertext decrypts only for the endpoint and secret it was made for. */
const aad = (endpointId: string, secretId: string) =>
  Buffer.from(`ticketflow webhook secret\0${endpointId}\0${secretId}`);

export function encryptSecret(
  key: Buffer,
  endpointId: string,
  secret: string,
  now: Date,
): EncryptedSecret {
  const secretId = randomUUID();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(endpointId, secretId));
  const sealed = Buffer.concat([
    cipher.update(secret, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return {
    secretId,
    ciphertext: `v1.${iv.toString('base64url')}.${sealed.toString('base64url')}`,
    createdAt: now.toISOString(),
  };
}

/** The secret back; throws when the key or the binding does not match (a tampered row). */
export function decryptSecret(key: Buffer, endpointId: string, stored: EncryptedSecret): string {
  const [, ivText, sealedText] = stored.ciphertext.split('.');
  const iv = Buffer.from(ivText ?? '', 'base64url');
  const sealed = Buffer.from(sealedText ?? '', 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad(endpointId, stored.secretId));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([
    decipher.update(sealed.subarray(0, sealed.length - 16)),
    decipher.final(),
  ]).toString('utf8');
}
