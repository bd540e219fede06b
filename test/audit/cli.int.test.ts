import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { openPglite } from '../../src/db/index.ts';
import { openDatabase } from '../../src/server/database.ts';
import { tokenFor } from '../support/auth.ts';
import { startTestApp } from '../support/harness.ts';
import { tamper } from '../support/tamper.ts';
import { capture } from '../support/cliOutput.ts';

/**
 * The auditor's round trip on an embedded install: a key pair from the CLI, the server signing
 * checkpoints with it, a proof bundle downloaded from the API verified offline, and `verify --all`
 * over the data directory (the server stopped, as documented).
 */
describe('npm run cli -- keys / verify', () => {
  let dir: string;
  let env: Record<string, string>;
  let bundleFile: string;
  let ticketId: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-cli-audit-'));
    const seed = await openPglite({
      dataDir: path.join(dir, 'data', 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
    const keys = capture();
    expect(
      await runCli(
        ['keys', 'create', '--origin', 'cli.test/log', '--out', path.join(dir, 'log.key')],
        {},
        keys.out,
      ),
    ).toBe(0);
    expect(keys.lines[0]).toMatch(/^cli\.test\/log\+[0-9a-f]{8}\+/);
    env = {
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'silent',
      AUDIT_SIGNING_KEY_FILE: path.join(dir, 'log.key'),
      AUDIT_CHECKPOINT_FILE: path.join(dir, 'checkpoints.jsonl'),
      AUDIT_VERIFIER_KEY: keys.lines[0]!,
    };
    const db = await openDatabase({ DATA_DIR: env.DATA_DIR! });
    const app = await startTestApp('pglite', { db, env });
    try {
      const created = await app.http
        .post('/api/tickets')
        .set('Prefer', 'wait=10')
        .send({ description: 'I forgot my password', requester: { email: 'ann@example.com' } })
        .expect(201);
      ticketId = created.body.id as string;
      const auditor = await tokenFor(app, 'auditor');
      await app.tf.store.awaitVisible?.(30_000);
      await app.tf.audit!.runOnce({ force: true });
      const checkpoint = await app.http.get('/api/audit/checkpoint').set(auditor.auth).expect(200);
      expect(checkpoint.text).toMatch(
        /^cli\.test\/log\n\d+\n[A-Za-z0-9+/]+=*\n\n— cli\.test\/log /,
      );
      // A witness's cosignature (test/audit/witness.int.test.ts) is served as one more signature line.
      const size = Number(checkpoint.text.split('\n')[1]);
      const line = '— witness.test/w1 AAAAAA==';
      await app.db.query('INSERT INTO tf_audit_cosignatures (tree_size, line) VALUES ($1, $2)', [
        size,
        line,
      ]);
      const cosigned = await app.http.get('/api/audit/checkpoint').set(auditor.auth).expect(200);
      expect(cosigned.text).toBe(`${checkpoint.text}${line}\n`);
      const proof = await app.http
        .get(`/api/audit/tickets/${ticketId}/proof`)
        .set(auditor.auth)
        .expect(200);
      bundleFile = path.join(dir, 'bundle.json');
      await writeFile(bundleFile, JSON.stringify(proof.body, null, 2));
    } finally {
      await app.close();
      await db.close();
    }
  });

  it('verifies a downloaded bundle with the public key alone, and not one with a byte changed', async () => {
    const ok = capture();
    expect(
      await runCli(['verify', bundleFile, '--key', `${path.join(dir, 'log.key')}.pub`], {}, ok.out),
    ).toBe(0);
    expect(ok.lines).toEqual([]);
    expect(ok.errors.join('\n')).toMatch(
      /events checked against the signed tree of \d+ events: 0 findings/,
    );

    const text = await readFile(bundleFile, 'utf8');
    // The bundle holds the log as stored: the ticket's text sealed (docs/privacy.md); one byte of
    // its ciphertext changed.
    expect(text).not.toContain('I forgot my password');
    const changed = text.replace(
      /("c": ")(.)/,
      (_, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'),
    );
    expect(changed).not.toBe(text);
    const tampered = path.join(dir, 'tampered.json');
    await writeFile(tampered, changed);
    const bad = capture();
    expect(await runCli(['verify', tampered, '--key', env.AUDIT_VERIFIER_KEY!], {}, bad.out)).toBe(
      1,
    );
    expect(bad.lines).toEqual([
      `ticket ${ticketId} version 1: hash does not match the event and the hash before it [chain]`,
    ]);
  });

  it('verify --all passes on the untouched log and names ticket and version after an edit', async () => {
    const clean = capture();
    expect(await runCli(['verify', '--all'], env, clean.out)).toBe(0);
    expect(clean.errors.join('\n')).toMatch(/signed checkpoints checked: 0 findings/);

    const db = await openDatabase({ DATA_DIR: env.DATA_DIR! });
    try {
      await tamper(db, [
        {
          sql: `UPDATE tf_events SET metadata = jsonb_set(metadata, '{correlationId}', '"x"') WHERE stream_id = $1 AND version = 2`,
          params: [`ticket-${ticketId}`],
        },
      ]);
    } finally {
      await db.close();
    }
    const dirty = capture();
    expect(await runCli(['verify', '--all'], env, dirty.out)).toBe(1);
    expect(dirty.lines).toEqual([
      `ticket ${ticketId} version 2: hash does not match the stored event and the hash before it (edited, moved or forged) [chain]`,
    ]);
  });

  it('refuses to overwrite a key and explains its usage', async () => {
    const again = capture();
    expect(
      await runCli(
        ['keys', 'create', '--origin', 'x', '--out', path.join(dir, 'log.key')],
        {},
        again.out,
      ),
    ).toBe(2);
    expect(again.errors.join('\n')).toMatch(/exists: not overwriting/);
  });
});
