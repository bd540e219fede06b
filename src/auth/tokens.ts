import { createHash, randomBytes } from 'node:crypto';

/** Every API token starts with this, so leaked tokens are easy to find (secret scanners, logs). */
export const tokenPrefix = 'tf_';

/** A new random token (256 bits) and the SHA-256 hash that is the only thing ever stored. */
export function generateToken(): { token: string; hash: string } {
  const token = `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token from `Authorization: Bearer <token>`; undefined without the header, null when malformed. */
export function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([\x21-\x7e]{1,200})$/i.exec(header.trim());
  return match ? match[1]! : null;
}
