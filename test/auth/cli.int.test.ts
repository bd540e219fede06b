import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { describe, expect, it, inject } from 'vitest';
import { openPglite } from '../../src/db/index.ts';
import { runCli } from '../../src/cli/index.ts';
import { openDatabase } from '../../src/server/database.ts';
import { startTestApp } from '../support/harness.ts';
import { capture } from '../support/cliOutput.ts';

describe('the operator CLI on a fresh install', () => {
  it('creates an admin and prints a token once, which then works against the server', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-cli-'));
    try {
      // A fresh install, minus initdb's seconds: the data directory starts from the suite's dump.
      const seed = await openPglite({
        dataDir: path.join(dataDir, 'pglite'),
        loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
      });
      await seed.close();
      const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
      const created = capture();
      expect(
        await runCli(
          ['users', 'create', '--email', 'Admin@Example.com', '--role', 'admin'],
          env,
          created.out,
        ),
      ).toBe(0);
      expect(created.lines[0]).toMatch(/created user admin@example.com/);
      const again = capture();
      expect(
        await runCli(
          ['users', 'create', '--email', 'admin@example.com', '--role', 'admin'],
          env,
          again.out,
        ),
      ).toBe(1);
      expect(again.errors.join()).toMatch(/exists/);
      const issued = capture();
      expect(
        await runCli(['tokens', 'create', '--email', 'admin@example.com'], env, issued.out),
      ).toBe(0);
      const token = issued.lines.at(-1)!;
      expect(token).toMatch(/^tf_[A-Za-z0-9_-]{43}$/);
      expect(
        await runCli(
          ['tokens', 'create', '--email', 'admin@example.com', '--role', 'agent'],
          env,
          capture().out,
        ),
      ).toBe(1);
      expect(
        await runCli(
          ['users', 'create', '--email', 'x@example.com', '--role', 'wizard'],
          env,
          capture().out,
        ),
      ).toBe(2);

      const app = await startTestApp('pglite', { db: await openDatabase({ DATA_DIR: dataDir }) });
      try {
        const users = await app.http.get('/api/users').set('Authorization', `Bearer ${token}`);
        expect(users.status).toBe(200);
        expect(users.body.items.map((u: { email: string }) => u.email)).toContain(
          'admin@example.com',
        );
      } finally {
        await app.close();
        await app.db.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
