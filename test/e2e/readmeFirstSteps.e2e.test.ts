import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openPglite } from '../../src/db/index.ts';
import { freePort } from './serverProcess.ts';

const root = new URL('../..', import.meta.url).pathname;

/** The README's shell block that bootstraps an admin and calls the API with its token. */
async function firstStepsBlock(): Promise<string> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes('tokens create') && b.includes('$TOKEN'));
  if (!block) throw new Error('README: no shell block that creates a token and uses $TOKEN');
  return block;
}

/**
 * A first user's copy-paste: the README's block, run as written by `sh` in a fresh data directory
 * (only the port differs). Its process group is ended afterwards, server included.
 */
describe('the README first steps', () => {
  it('work pasted into a shell: $TOKEN is set and accepted', { timeout: 180_000 }, async () => {
    const block = await firstStepsBlock();
    expect(block).toMatch(/^TOKEN=\$\(/m);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-readme-'));
    // A fresh install, minus initdb's seconds: the data directory starts from the suite's dump.
    const seed = await openPglite({
      dataDir: path.join(dataDir, 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
    const port = await freePort();
    const script = `set -e\n${block.replaceAll('localhost:3000', `localhost:${port}`)}`;
    // No HOST: the default (loopback) is what a first user gets.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'HOST'));
    Object.assign(env, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
    const shell = spawn('sh', ['-c', script], { cwd: root, env, detached: true });
    let stdout = '';
    let stderr = '';
    shell.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    shell.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const code = await new Promise<number | null>((resolve) => shell.once('exit', resolve));
      expect(code, stderr).toBe(0);
      const users = JSON.parse(stdout.slice(stdout.indexOf('{"items"'))) as {
        items: Array<{ email: string }>;
      };
      expect(users.items.map((u) => u.email)).toEqual(['admin@example.com']);
    } finally {
      // The block leaves the server running in the background, in the shell's process group.
      try {
        process.kill(-shell.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 1000));
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
