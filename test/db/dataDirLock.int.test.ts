import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir, openPglite } from '../../src/db/index.ts';

const root = mkdtempSync(join(tmpdir(), 'tf-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('one process per PGlite data directory', () => {
  it('refuses a second open of a directory that is open, and allows it once closed', async () => {
    const dataDir = join(root, 'a');
    const db = await openPglite({ dataDir });
    await expect(openPglite({ dataDir })).rejects.toBeInstanceOf(DataDirInUseError);
    await db.close();
    const again = await openPglite({ dataDir });
    expect((await again.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await again.close();
    expect(existsSync(join(dataDir, 'ticketflow.lock'))).toBe(false);
  });

  it('names the live process that holds the directory', async () => {
    const dataDir = join(root, 'b');
    // Another live process (this test's child) holds the lock.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      lockDataDir(dataDir)();
      writeFileSync(join(dataDir, 'ticketflow.lock'), String(child.pid));
      let error: unknown;
      try {
        lockDataDir(dataDir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataDirInUseError);
      expect((error as DataDirInUseError).pid).toBe(child.pid);
      expect((error as Error).message).toMatch(/stop that process first/);
    } finally {
      child.kill();
    }
  });

  it('takes over a lock left by a process that died, or by an earlier life of this pid', async () => {
    const dataDir = join(root, 'c');
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    lockDataDir(dataDir)();
    writeFileSync(join(dataDir, 'ticketflow.lock'), String(child.pid));
    lockDataDir(dataDir)();
    // A restarted container often gets the same pid as the process that wrote the lock.
    writeFileSync(join(dataDir, 'ticketflow.lock'), String(process.pid));
    const release = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirInUseError);
    release();
  });
});
