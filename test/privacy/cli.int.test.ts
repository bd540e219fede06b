import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { openPglite } from '../../src/db/index.ts';
import { openDatabase } from '../../src/server/database.ts';
import { startTestApp } from '../support/harness.ts';
import { capture } from '../support/cliOutput.ts';

const ann = 'ann.cli@example.com';
const sentences = [
  'My keyboard types the letter q twice',
  'The projector in room Kepler hums loudly',
];
const bobSentence = 'Outlook asks for my password every hour';

/**
 * The operator's round trip on an embedded install: tickets filed through a server, the server
 * stopped, `privacy export` and `privacy erase` on the data directory, then `verify --all`.
 */
describe('npm run cli -- privacy export / erase', () => {
  let dir: string;
  let env: Record<string, string>;
  const tickets: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-cli-privacy-'));
    const seed = await openPglite({
      dataDir: path.join(dir, 'data', 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
    const keys = capture();
    expect(
      await runCli(
        ['keys', 'create', '--origin', 'cli.test/privacy', '--out', path.join(dir, 'log.key')],
        {},
        keys.out,
      ),
    ).toBe(0);
    env = {
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'silent',
      AUDIT_SIGNING_KEY_FILE: path.join(dir, 'log.key'),
      AUDIT_VERIFIER_KEY: keys.lines[0]!,
    };
    const db = await openDatabase({ DATA_DIR: env.DATA_DIR! });
    const app = await startTestApp('pglite', { db, env });
    try {
      const file = (email: string, description: string) =>
        app.http
          .post('/api/tickets')
          .set('Prefer', 'wait=10')
          .send({ description, requester: { email } })
          .expect(201);
      for (const sentence of sentences) tickets.push((await file(ann, sentence)).body.id);
      await file('bob.cli@example.com', bobSentence);
      await app.tf.audit!.runOnce({ force: true });
    } finally {
      await app.close();
      await db.close();
    }
  });

  it('exports every ticket and event, then erases: no table holds them, the log verifies', async () => {
    const exported = capture();
    expect(await runCli(['privacy', 'export', '--email', ann], env, exported.out)).toBe(0);
    const json = JSON.parse(exported.lines.join('\n'));
    expect([...json.tickets].sort()).toEqual([...tickets].sort());
    expect(JSON.stringify(json.events)).toContain(sentences[0]);

    const erased = capture();
    expect(await runCli(['privacy', 'erase', '--email', ann], env, erased.out)).toBe(0);
    expect(erased.lines[0]).toMatch(/^erased [0-9a-f-]{36} at .*: 2 tickets/);

    const db = await openDatabase({ DATA_DIR: env.DATA_DIR! });
    try {
      const { rows: tables } = await db.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
      );
      let all = '';
      for (const { name } of tables)
        all += JSON.stringify((await db.query(`SELECT * FROM "${name}"`)).rows);
      for (const needle of [ann, ...sentences]) expect(all).not.toContain(needle);
      expect(all).toContain(bobSentence);
    } finally {
      await db.close();
    }
    const verified = capture();
    expect(await runCli(['verify', '--all'], env, verified.out), verified.lines.join('\n')).toBe(0);

    const again = capture();
    expect(await runCli(['privacy', 'erase', '--email', ann], env, again.out)).toBe(0);
    expect(again.lines).toEqual(['nothing held about this address']);
  });

  it('refuses a missing address or an unknown basis', async () => {
    const out = capture();
    expect(await runCli(['privacy', 'erase'], env, out.out)).toBe(2);
    expect(
      await runCli(['privacy', 'erase', '--email', ann, '--basis', 'whim'], env, out.out),
    ).toBe(2);
  });
});
