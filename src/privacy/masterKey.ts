/** The master key from the configuration (docs/privacy.md, "Keys"). */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.ts';
import { deriveKey, keyBytes } from './crypto.ts';

export type MasterKeyConfig = Pick<
  Config,
  'NODE_ENV' | 'PRIVACY_MASTER_KEY' | 'PRIVACY_MASTER_KEY_FILE'
>;

/**
 * Outside production, a key derived from a fixed, public string: it protects nothing (anyone can
 * derive it), it only lets development and tests run without setup. Production refuses it.
 */
const developmentKey = () => deriveKey(Buffer.from('ticketflow development only'), 'master');

export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

export function masterKeyFrom(config: MasterKeyConfig): {
  key: Buffer;
  source: 'configured' | 'development';
} {
  const text = config.PRIVACY_MASTER_KEY_FILE
    ? readFileSync(config.PRIVACY_MASTER_KEY_FILE, 'utf8').trim()
    : config.PRIVACY_MASTER_KEY?.trim();
  if (text) {
    const key = Buffer.from(text, 'base64');
    if (key.length !== keyBytes)
      throw new MasterKeyError(
        'PRIVACY_MASTER_KEY must be 32 bytes, base64 (openssl rand -base64 32)',
      );
    return { key, source: 'configured' };
  }
  if (config.NODE_ENV === 'production')
    throw new MasterKeyError(
      'NODE_ENV=production needs PRIVACY_MASTER_KEY or PRIVACY_MASTER_KEY_FILE (docs/privacy.md)',
    );
  return { key: developmentKey(), source: 'development' };
}
