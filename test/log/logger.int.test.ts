import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { openTestDatabase } from '../support/databases.ts';

const token = 'tf_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8';

/** A logger made exactly as the server makes it, writing into a string. */
function capturedLogger() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: createLogger({ LOG_LEVEL: 'info' }, { destination: stream }), text: () => text };
}

describe('the product logger', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await db.close();
  });

  it('drops the parameters a database error carries (PGlite attaches them)', async () => {
    const failed = await db.query('SELECT $1::int AS n', [token]).catch((e: unknown) => e);
    expect(failed).toHaveProperty('params', [token]);
    const { logger, text } = capturedLogger();
    logger.child({ component: 'workflow' }).error({ err: failed }, 'append failed');
    expect(text()).toMatch(/"msg":"append failed"/);
    expect(text()).toMatch(/"params":"\[redacted\]"/);
    expect(text()).not.toContain(token);
  });

  it('scrubs a token from an error message, its stack and its cause', () => {
    const { logger, text } = capturedLogger();
    const error = new Error(`upstream refused Authorization: Bearer ${token}`, {
      cause: new Error(`bad credential ${token}`),
    });
    logger.error({ err: error }, 'call failed');
    expect(text()).toMatch(/Bearer \[redacted\]/);
    expect(text()).toMatch(/caused by: Error: bad credential tf_\[redacted\]/);
    expect(text()).not.toContain(token);
    expect(text()).not.toMatch(/tf_[A-Za-z0-9_-]{20,}/);
  });

  it('redacts fields named like a secret and tokens pasted into messages', () => {
    const { logger, text } = capturedLogger();
    logger.info(
      {
        token,
        webhook: { url: 'https://example.com/hook', secret: 'whsec_123' },
        headers: { authorization: `Bearer ${token}`, cookie: `session=${token}` },
      },
      `issued ${token}`,
    );
    expect(text()).toContain('https://example.com/hook');
    expect(text()).toMatch(/"msg":"issued tf_\[redacted\]"/);
    expect(text()).not.toContain('whsec_123');
    expect(text()).not.toContain(token);
  });
});
