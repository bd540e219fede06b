import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { openPglite, type Database } from '../../src/db/index.ts';
import { openDatabase } from '../../src/server/database.ts';
import { startTestApp } from '../support/harness.ts';
import { capture } from '../support/cliOutput.ts';

const ticketRows = `SELECT id, version, status, level, confidence FROM tf_tickets ORDER BY id`;

/** The operator's CLI on an embedded PGlite data directory (the server stopped, as documented). */
describe('npm run cli -- projections', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let tickets: unknown[];
  const withDb = async <T>(work: (db: Database) => Promise<T>): Promise<T> => {
    const db = await openDatabase({ DATA_DIR: dataDir });
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-cli-projections-'));
    const seed = await openPglite({
      dataDir: path.join(dataDir, 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
    env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    await withDb(async (db) => {
      const app = await startTestApp('pglite', { db });
      try {
        const submitted = await Promise.all(
          ['forgot my password', 'datacenter down', 'erp report wrong'].map((description) =>
            app.tf.workflow.submit({
              description,
              requester: { email: 'r@example.com' },
              actor: { id: 'r', role: 'requester' },
            }),
          ),
        );
        await Promise.all(submitted.map((s) => s.settled));
        await app.tf.projector.catchUp();
      } finally {
        await app.close();
      }
      tickets = (await db.query(ticketRows)).rows;
    });
    expect(tickets).toHaveLength(3);
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rebuilds one damaged read model by name, and leaves the others alone', async () => {
    await withDb(async (db) => {
      await db.query(`DELETE FROM tf_tickets`);
      await db.query(`DELETE FROM tf_users`);
    });
    const run = capture();
    expect(await runCli(['projections', 'rebuild', 'tickets'], env, run.out)).toBe(0);
    expect(run.lines).toEqual([expect.stringMatching(/^rebuilt tickets from \d+ events$/)]);
    await withDb(async (db) => {
      expect((await db.query(ticketRows)).rows).toEqual(tickets);
      expect((await db.query(`SELECT * FROM tf_users`)).rows).toEqual([]);
    });
  });

  it('rebuilds every read model without a name', async () => {
    const run = capture();
    expect(await runCli(['projections', 'rebuild'], env, run.out)).toBe(0);
    expect(run.lines.join('\n')).toMatch(/rebuilt users from \d+ events/);
    expect(run.lines.join('\n')).toMatch(/rebuilt sla_timers from \d+ events/);
    await withDb(async (db) => {
      expect((await db.query(ticketRows)).rows).toEqual(tickets);
      const users = await db.query<{ email: string }>(`SELECT email FROM tf_users`);
      expect(users.rows.map((u) => u.email)).toEqual(['r@example.com']);
    });
  });

  it('lists every projection with its checkpoint and lag', async () => {
    const run = capture();
    expect(await runCli(['projections', 'list'], env, run.out)).toBe(0);
    expect(run.lines[0]).toMatch(/^name\s+tables\s+checkpoint\s+events behind$/);
    expect(run.lines).toContainEqual(expect.stringMatching(/^tickets\s+tf_tickets\s+\d+\s+0$/));
    expect(run.lines).toContainEqual(expect.stringMatching(/^support_levels\s.*reference data$/));
  });

  it('refuses an unknown projection, naming the known ones', async () => {
    const run = capture();
    expect(await runCli(['projections', 'rebuild', 'tikets'], env, run.out)).toBe(2);
    expect(run.errors.join()).toMatch(/unknown projection tikets \(known: users, .*tickets/);
  });

  it('prints only the token with --quiet, for TOKEN=$(…)', async () => {
    expect(
      await runCli(
        ['users', 'create', '--email', 'a@example.com', '--role', 'admin', '-q'],
        env,
        capture().out,
      ),
    ).toBe(0);
    const run = capture();
    expect(
      await runCli(['tokens', 'create', '--email', 'a@example.com', '--quiet'], env, run.out),
    ).toBe(0);
    expect(run.lines).toEqual([expect.stringMatching(/^tf_[A-Za-z0-9_-]{43}$/)]);
    expect(run.errors).toEqual([]);
  });
});
