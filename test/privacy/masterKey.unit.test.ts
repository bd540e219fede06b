import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createInMemoryEventStore } from '../../src/eventstore/index.ts';
import { masterKeyFrom, MasterKeyError, withPersonalDataSealed } from '../../src/privacy/index.ts';

describe('the master key', () => {
  it('refuses to start in production without one', () => {
    const config = loadConfig({ NODE_ENV: 'production' });
    expect(() => masterKeyFrom(config)).toThrow(MasterKeyError);
    expect(() => withPersonalDataSealed(createInMemoryEventStore(), undefined, config)).toThrow(
      /PRIVACY_MASTER_KEY/,
    );
  });

  it('takes a configured 32-byte key and refuses another length', () => {
    const key = randomBytes(32);
    expect(
      masterKeyFrom(
        loadConfig({ NODE_ENV: 'production', PRIVACY_MASTER_KEY: key.toString('base64') }),
      ),
    ).toEqual({ key, source: 'configured' });
    expect(() =>
      masterKeyFrom(loadConfig({ PRIVACY_MASTER_KEY: randomBytes(16).toString('base64') })),
    ).toThrow(/32 bytes/);
  });

  it('derives a development key outside production, and says so', () => {
    const { key, source } = masterKeyFrom(loadConfig({}));
    expect(source).toBe('development');
    expect(key).toHaveLength(32);
  });
});
