import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { openPglite, type Database } from '../../src/db/index.ts';
import { openDatabase } from '../../src/server/database.ts';
import { tokenFor } from '../support/auth.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { capture } from '../support/cliOutput.ts';

/** Every table of the install, every row, in a stable order: the log, read models, checkpoints. */
async function snapshot(db: Database): Promise<Record<string, string[]>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const all: Record<string, string[]> = {};
  for (const { name } of tables) {
    const { rows } = await db.query<{ row: string }>(
      `SELECT to_jsonb(t)::text AS row FROM "${name}" t ORDER BY 1`,
    );
    all[name] = rows.map((r) => r.row);
  }
  return all;
}

/** `npm run cli -- backup/restore` on an embedded PGlite data directory, the server stopped. */
describe('npm run cli -- backup FILE / restore FILE', () => {
  let dir: string;
  let env: Record<string, string>;
  let token: string;
  const backupFile = () => path.join(dir, 'ticketflow.backup.tar.gz');
  const cli = async (...args: string[]) => {
    const c = capture();
    const code = await runCli(args, env, c.out);
    return { code, text: [...c.lines, ...c.errors].join('\n') };
  };
  const withApp = async <T>(work: (app: TestApp) => Promise<T>): Promise<T> => {
    const db = await openDatabase({ DATA_DIR: env.DATA_DIR! });
    const app = await startTestApp('pglite', { db });
    try {
      return await work(app);
    } finally {
      await app.close();
      await db.close();
    }
  };
  const submit = (app: TestApp, descriptions: string[]) =>
    Promise.all(
      descriptions.map(async (description) => {
        const s = await app.tf.workflow.submit({
          description,
          requester: { email: 'r@example.com' },
          actor: { id: 'r', role: 'requester' },
        });
        await s.settled;
      }),
    ).then(() => app.tf.projector.catchUp());
  const tableSnapshot = async () => {
    const db = await openDatabase({ DATA_DIR: env.DATA_DIR! }, { existing: true });
    try {
      return await snapshot(db);
    } finally {
      await db.close();
    }
  };
  const ticketList = (app: TestApp) =>
    app.http
      .get('/api/tickets?limit=100')
      .set('Authorization', `Bearer ${token}`)
      .then((r) => {
        expect(r.status).toBe(200);
        return (r.body.items as { id: string; status: string }[])
          .map((t) => `${t.id} ${t.status}`)
          .sort();
      });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-backup-'));
    env = { DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' };
    const seed = await openPglite({
      dataDir: path.join(env.DATA_DIR!, 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Several PGlite opens (each a few seconds on a loaded machine): a longer limit.
  it(
    'restores exactly what was there at backup time: log, read models, checkpoints',
    { timeout: 150_000 },
    async () => {
      const listed = await withApp(async (app) => {
        token = (await tokenFor(app, 'agent', { levels: [1, 2, 3] })).token;
        await submit(app, ['forgot my password', 'datacenter down', 'erp report wrong']);
        return ticketList(app);
      });
      expect(listed).toHaveLength(3);
      const atBackup = await tableSnapshot();
      expect(atBackup.tf_events!.length).toBeGreaterThan(3);
      expect(atBackup.tf_tickets).toHaveLength(3);

      const backup = await cli('backup', backupFile());
      expect(backup).toMatchObject({ code: 0 });
      // It holds requesters' emails and token hashes: readable by its owner only.
      expect((await stat(backupFile())).mode & 0o777).toBe(0o600);
      // A backup never overwrites a file.
      expect(await cli('backup', backupFile())).toMatchObject({ code: 2, text: /exists/ });

      await withApp((app) => submit(app, ['printer jammed', 'vpn drops every hour']));
      const later = await tableSnapshot();
      expect(later.tf_tickets).toHaveLength(5);

      // A data directory that holds a database is replaced only with --force; nothing changed.
      expect(await cli('restore', backupFile())).toMatchObject({ code: 2, text: /--force/ });
      expect(await tableSnapshot()).toEqual(later);

      expect(await cli('restore', backupFile(), '--force')).toMatchObject({ code: 0 });
      expect(await tableSnapshot()).toEqual(atBackup);
      // The restored install answers as it did: the same tickets, and the token still works.
      expect(await withApp(ticketList)).toEqual(listed);

      // Onto a new machine: an empty DATA_DIR needs no --force.
      const elsewhere = { DATA_DIR: path.join(dir, 'new-machine'), LOG_LEVEL: 'silent' };
      expect(await runCli(['restore', backupFile()], elsewhere, capture().out)).toBe(0);
      const restored = await openDatabase(elsewhere, { existing: true });
      try {
        expect(await snapshot(restored)).toEqual(atBackup);
      } finally {
        await restored.close();
      }
    },
  );

  it('refuses while a process holds the data directory, and says how', async () => {
    const running = await openDatabase({ DATA_DIR: env.DATA_DIR! });
    try {
      const elsewhere = path.join(dir, 'while-running.tar.gz');
      expect(await cli('backup', elsewhere)).toMatchObject({
        code: 2,
        text: new RegExp(`process ${process.pid}.*stop the server`),
      });
      expect(await cli('restore', backupFile(), '--force')).toMatchObject({
        code: 2,
        text: /stop the server/,
      });
    } finally {
      await running.close();
    }
  });

  it('refuses a file that is not a backup before touching the data directory', async () => {
    const before = await tableSnapshot();
    const junk = path.join(dir, 'junk.tar.gz');
    await writeFile(junk, 'not a tarball');
    expect(await cli('restore', junk, '--force')).toMatchObject({
      code: 2,
      text: /not a ticketflow backup.*nothing changed/,
    });
    expect(await tableSnapshot()).toEqual(before);
  });

  it('points to pg_dump when the database is PostgreSQL', async () => {
    const onPostgres = { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const c = capture();
    expect(await runCli(['backup', backupFile()], onPostgres, c.out)).toBe(2);
    expect(c.errors.join()).toMatch(/pg_dump/);
    expect(c.errors.join()).not.toMatch(/nobody/);
  });
});
