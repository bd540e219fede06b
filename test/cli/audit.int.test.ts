import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../src/cli/index.ts';
import { openPglite, type Database } from '../../src/db/index.ts';
import { openDatabase } from '../../src/server/database.ts';
import { databaseKinds, openTestDatabase, type DatabaseKind } from '../support/databases.ts';
import { startTestApp } from '../support/harness.ts';

function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  const out = {
    log: (s: string) => lines.push(...s.split('\n')),
    error: (s: string) => errors.push(s),
  } as unknown as Console;
  return { lines, errors, out };
}

/**
 * The database the CLI opens as an operator would: an embedded PGlite data directory (opened by
 * one process at a time, so the test's own handle is closed around each CLI run) or a PostgreSQL
 * schema named by DATABASE_URL and DATABASE_SCHEMA.
 */
async function operatorDatabase(kind: DatabaseKind) {
  if (kind === 'pglite') {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-cli-audit-'));
    const seed = await openPglite({
      dataDir: path.join(dataDir, 'pglite'),
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await seed.close();
    return {
      env: { DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      async withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
        const db = await openDatabase({ DATA_DIR: dataDir });
        try {
          return await work(db);
        } finally {
          await db.close();
        }
      },
      close: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const db = await openTestDatabase('postgres');
  const { rows } = await db.query<{ schema: string }>(`SELECT current_schema() AS schema`);
  return {
    env: {
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      DATABASE_SCHEMA: rows[0]!.schema,
      LOG_LEVEL: 'silent',
    },
    withDb: <T>(work: (db: Database) => Promise<T>): Promise<T> => work(db),
    close: () => db.close(),
  };
}

describe.each(databaseKinds)('npm run cli -- replay and projections verify on %s', (kind) => {
  let operator: Awaited<ReturnType<typeof operatorDatabase>>;
  const description = 'I forgot my password';
  let answered: string;

  beforeAll(async () => {
    operator = await operatorDatabase(kind);
    answered = await operator.withDb(async (db) => {
      const app = await startTestApp(kind, { db });
      try {
        const submitted = await Promise.all(
          [description, 'the datacenter is down'].map((text) =>
            app.tf.workflow.submit({
              description: text,
              requester: { email: 'r@example.com' },
              actor: { id: 'r@example.com', role: 'requester' },
            }),
          ),
        );
        await Promise.all(submitted.map((s) => s.settled));
        await app.tf.projector.catchUp();
        return submitted[0]!.ticketId;
      } finally {
        await app.close();
      }
    });
  });
  afterAll(async () => {
    await operator?.close();
  });

  it("replays a ticket's timeline with the model's decision records, as text and as JSON", async () => {
    const text = capture();
    expect(await runCli(['replay', answered], operator.env, text.out)).toBe(0);
    const input = createHash('sha256')
      .update(JSON.stringify({ ticketId: answered, description }))
      .digest('hex');
    expect(text.lines[0]).toBe(`ticket ${answered} at version 5, 5 events`);
    expect(text.lines).toContainEqual(
      expect.stringMatching(/^v3 \S+ TicketClassified by workflow \(system, model\)$/),
    );
    expect(text.lines).toContain(
      '  classifying level - assignee - -> classified level 1 assignee -',
    );
    expect(text.lines).toContain(
      '  decision: classification decided by model scripted (prompt test-v1 test), 1 ms',
    );
    expect(text.lines).toContain(`    input sha256 ${input} (computed from fold)`);
    expect(text.lines).toContain('    threshold 0.7; scores per level not recorded');
    expect(text.lines).toContain('    article password-reset "Reset a forgotten password" score 1');

    const json = capture();
    expect(
      await runCli(['replay', answered, '--json', '--version', '3'], operator.env, json.out),
    ).toBe(0);
    const timeline = JSON.parse(json.lines.join('\n'));
    expect(timeline.version).toBe(3);
    expect(timeline.entries.map((e: { type: string }) => e.type)).toEqual([
      'TicketReceived',
      'ClassificationStarted',
      'TicketClassified',
    ]);
    expect(timeline.entries[2].decision.input.sha256).toBe(input);
  });

  it('refuses bad arguments (2) and an unknown ticket (1)', async () => {
    expect(
      await runCli(['replay', answered, '--at', 'yesterday'], operator.env, capture().out),
    ).toBe(2);
    expect(await runCli(['replay', answered, '--version', '0'], operator.env, capture().out)).toBe(
      2,
    );
    const missing = capture();
    expect(
      await runCli(['replay', '00000000-0000-4000-8000-000000000000'], operator.env, missing.out),
    ).toBe(1);
    expect(missing.errors.join('\n')).toMatch(/no ticket/);
  });

  it('verifies every read model against the log, then lists the rows edited in SQL and exits 1', async () => {
    // A scheduler's lease on a timer is operational, not derived from events: not a difference.
    await operator.withDb((db) => db.query(`UPDATE tf_sla_timers SET leased_until = now()`));
    const healthy = capture();
    expect(
      await runCli(['projections', 'verify'], operator.env, healthy.out),
      healthy.lines.join('\n'),
    ).toBe(0);
    expect(healthy.lines).toContainEqual(
      expect.stringMatching(/^tickets matches the log at position \d+/),
    );
    expect(healthy.lines).toContainEqual(expect.stringMatching(/^sla_timers matches the log/));

    await operator.withDb((db) =>
      db.query(`UPDATE tf_tickets SET status = 'closed' WHERE id = $1`, [answered]),
    );
    const damaged = capture();
    expect(await runCli(['projections', 'verify'], operator.env, damaged.out)).toBe(1);
    const rows = damaged.lines.filter((l) => l.startsWith('tickets tf_tickets '));
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.includes(' live_only '))).toMatch(/"status":"closed"/);
    expect(rows.find((r) => r.includes(' rebuilt_only '))).toMatch(/"status":"answered"/);
    expect(rows.every((r) => r.includes(answered))).toBe(true);
    expect(damaged.lines).toContainEqual(
      expect.stringMatching(
        /^tickets DIFFERS from the log at position \d+ \(\d+ events, 2 rows differ\)$/,
      ),
    );
    expect(damaged.lines).toContainEqual(expect.stringMatching(/^responses matches the log/));

    await operator.withDb(async (db) => {
      // Verification only reads: the edited row is still there, and no table of its own is left.
      const { rows: live } = await db.query<{ status: string }>(
        `SELECT status FROM tf_tickets WHERE id = $1`,
        [answered],
      );
      expect(live).toEqual([{ status: 'closed' }]);
      const { rows: left } = await db.query(
        `SELECT table_name FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name LIKE '%\\_verify'`,
      );
      expect(left).toEqual([]);
    });
  });
});
