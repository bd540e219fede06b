import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { openTestDatabase } from './support/databases.ts';

/** Test files under test/, relative to it. */
const testFiles = readdirSync(new URL('.', import.meta.url), { recursive: true, encoding: 'utf8' })
  .map((file) => file.split('\\').join('/'))
  .filter((file) => file.endsWith('.test.ts'));

describe('test tiers (vitest.config.ts)', () => {
  it('names every test file by its tier: unit, int or e2e', () => {
    expect(testFiles.length).toBeGreaterThan(40);
    expect(testFiles.filter((file) => !/\.(unit|int|e2e)\.test\.ts$/.test(file))).toEqual([]);
  });

  it('keeps unit tests away from sockets, processes and databases', async () => {
    expect(() => createServer().listen(0, '127.0.0.1')).toThrow(/unit test may not listen/);
    await expect(fetch('http://127.0.0.1:9/')).rejects.toThrow();
    expect(() => execFile(process.execPath, ['--version'])).toThrow(/unit test may not start/);
    await expect(openTestDatabase('pglite')).rejects.toThrow(/\*\.int\.test\.ts/);
  });
});
