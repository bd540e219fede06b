import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { importLog } from '../../src/import/index.ts';
import { queueOf, ticketsAwaitingWorkflow } from '../../projections/index.ts';
import type { Database } from '../../src/db/index.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { settledEventCount, startTestApp, type TestApp } from '../support/harness.ts';
import { eventLogs } from '../support/eventLogs.ts';

const week = 7 * 24 * 3_600_000;
const eventCount = async (db: Database) =>
  (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tf_events')).rows[0]!.n;

describe.each(databaseKinds)('import of the Helpdesk log (%s)', (kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  it(
    'replays every case into its own stream with provenance, and a second run adds nothing',
    { timeout: 300_000 },
    async () => {
      const store = createPostgresEventStore(db);
      const options = {
        format: 'helpdesk' as const,
        file: eventLogs.helpdesk,
        reopenWindowMs: week,
      };
      const first = await importLog(db, store, options);
      expect(first.report.log).toEqual({ cases: 4580, events: 21348, activities: 14 });
      expect(first.appended.tickets).toBe(4580);
      const stored = await eventCount(db);
      expect(stored).toBe(first.appended.events);

      const second = await importLog(db, store, options);
      expect(second.appended).toEqual({ tickets: 0, events: 0 });
      expect(second.alreadyImported).toBe(4580);
      expect(await eventCount(db)).toBe(stored);
      expect(second.report).toEqual(first.report);

      // Provenance: the file's SHA-256 and lines of that file that belong to the event's case.
      const sha = createHash('sha256')
        .update(await readFile(eventLogs.helpdesk))
        .digest('hex');
      const lines = (await readFile(eventLogs.helpdesk, 'utf8')).split('\n');
      const { rows } = await db.query<{
        type: string;
        metadata: {
          import: { source: string; case: string; rows: number[]; activities: string[] };
        };
        created_at: Date;
      }>(
        `SELECT type, metadata, created_at FROM tf_events WHERE type = 'TicketResolved' ORDER BY position LIMIT 50`,
      );
      expect(rows.length).toBe(50);
      for (const row of rows) {
        const { source, case: caseId, rows: lineNumbers, activities } = row.metadata.import;
        expect(source).toBe(sha);
        // Its own row first (later ones asked for nothing new).
        for (const [i, n] of lineNumbers.entries()) {
          const line = lines[n - 1]!;
          expect(line.startsWith(`${activities[i]},`)).toBe(true);
          expect(line).toContain(`,${caseId},`);
          if (i > 0) continue;
          expect(line.startsWith('Resolve ticket') || line.startsWith('RESOLVED')).toBe(true);
          // The original timestamp (4th column) is the event's.
          expect(row.created_at.toISOString()).toBe(
            new Date(line.split(',')[3]!.replace(' ', 'T')).toISOString(),
          );
        }
      }
    },
  );
});

describe('imported tickets are history: no model, workflow step, SLA clock or queue acts on them', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('leaves ServiceNow tickets that the log left open out of queues, sweeps and timers', async () => {
    const summary = await importLog(app.db, app.tf.store, {
      format: 'servicenow',
      file: eventLogs.servicenow,
      reopenWindowMs: week,
    });
    expect(summary.report.cases.refused).toBeGreaterThan(0);
    await app.tf.projector.catchUp();
    const before = await settledEventCount(app);
    // Open imported tickets exist (refused cases stop where the machine stopped them)...
    const open = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tf_tickets WHERE imported AND status <> 'closed'`,
    );
    expect(open.rows[0]!.n).toBeGreaterThan(0);
    // ...yet no SLA timer, no queue entry, nothing for the workflow to resume.
    const timers = await app.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM tf_sla_timers',
    );
    expect(timers.rows[0]!.n).toBe(0);
    expect(await ticketsAwaitingWorkflow(app.db, 0)).toEqual([]);
    const states = ['escalated', 'assigned', 'in_progress', 'waiting_on_requester', 'reopened'];
    expect(await queueOf(app.db, { level: 1, states, limit: 100 })).toEqual([]);
    await app.tf.sla.tick();
    expect(await app.tf.resumeStuck(0)).toBe(0);
    expect(await settledEventCount(app)).toBe(before);
    // No model call was recorded for them.
    const models = await app.db.query<{ model: string }>(
      `SELECT DISTINCT data->>'model' AS model FROM tf_events WHERE type = 'TicketClassified'`,
    );
    expect(models.rows).toEqual([{ model: 'import' }]);
  });
});
