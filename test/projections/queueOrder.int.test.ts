import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migrate, type Database } from '../../src/db/index.ts';
import { allMigrations } from '../../src/server/database.ts';
import { queueOf, type QueueFilter } from '../../projections/index.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { rng } from '../support/rng.ts';

/** The queue's query before migration 104: one statement sorting every matching ticket. */
async function referenceQueue(db: Database, f: QueueFilter): Promise<string[]> {
  const assignee =
    f.assignee === null ? 'AND t.assignee IS NULL' : f.assignee ? 'AND t.assignee = $4' : '';
  const { rows } = await db.query<{ id: string }>(
    `SELECT t.id FROM tf_tickets t
     LEFT JOIN LATERAL (
       SELECT due_at FROM tf_sla_timers s
       WHERE s.ticket_id = t.id AND s.kind LIKE '%:breach' ORDER BY due_at LIMIT 1
     ) d ON true
     WHERE t.level = $1 AND t.status = ANY($2::text[]) ${assignee}
     ORDER BY cardinality(t.sla_breached) = 0, d.due_at ASC NULLS LAST, t.created_at ASC, t.id
     LIMIT $3`,
    [f.level, f.states, f.limit, ...(f.assignee ? [f.assignee] : [])],
  );
  return rows.map((r) => r.id);
}

/** Tickets of every kind a queue meets: breached or not, with breach timers or without, assigned or not. */
async function fillReadModels(db: Database): Promise<void> {
  const r = rng(104);
  const states = ['escalated', 'assigned', 'in_progress', 'resolved'];
  const base = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < 300; i++) {
    const id = randomUUID();
    // Few distinct creation times: the order's later keys (created_at, id) decide ties.
    const created = new Date(base + r.int(0, 20) * 60_000).toISOString();
    const breached = r.next() < 0.3 ? ['first_response'] : [];
    await db.query(
      `INSERT INTO tf_tickets (id, version, status, level, description, requester_email, assignee,
         sla_breached, created_at, updated_at)
       VALUES ($1, 3, $2, $3, 'd', 'a@example.com', $4, $5, $6, $6)`,
      [
        id,
        r.pick(states),
        r.int(1, 3),
        r.next() < 0.5 ? 'kim@example.com' : null,
        breached,
        created,
      ],
    );
    for (const clock of ['first_response', 'resolution'])
      if (r.next() < 0.5)
        await db.query(
          `INSERT INTO tf_sla_timers (ticket_id, kind, due_at, version) VALUES ($1, $2, $3, 3)`,
          [id, `${clock}:breach`, new Date(base + r.int(0, 10) * 3_600_000).toISOString()],
        );
    if (r.next() < 0.3)
      await db.query(
        `INSERT INTO tf_sla_timers (ticket_id, kind, due_at, version) VALUES ($1, 'auto_close', $2, 3)`,
        [id, new Date(base).toISOString()],
      );
  }
}

describe.each(databaseKinds)('the queue indexes (migrations 104 and 161) on %s', (kind) => {
  it('applies to an existing database, and queues read as the single sorted query did', async () => {
    const db = await openTestDatabase(kind);
    try {
      // The install as it was before migration 104, with read models filled.
      await db.query(`DROP INDEX tf_tickets_queue_order`);
      await db.query(`DROP INDEX tf_sla_timers_breach`);
      await db.query(
        `DELETE FROM tf_migrations WHERE id IN ('104_tickets_queue_order', '161_sla_breach_timers')`,
      );
      await fillReadModels(db);

      expect((await migrate(db, allMigrations)).sort()).toEqual([
        '104_tickets_queue_order',
        '161_sla_breach_timers',
      ]);
      const { rows } = await db.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes
         WHERE schemaname = current_schema()
           AND indexname IN ('tf_tickets_queue_order', 'tf_sla_timers_breach') ORDER BY indexname`,
      );
      expect(rows.map((r) => r.indexname)).toEqual([
        'tf_sla_timers_breach',
        'tf_tickets_queue_order',
      ]);

      const filters: QueueFilter[] = [];
      for (const level of [1, 2, 3] as const)
        for (const states of [['resolved'], ['escalated', 'assigned', 'in_progress']])
          for (const assignee of [undefined, null, 'kim@example.com'])
            for (const limit of [1, 7, 50]) filters.push({ level, states, assignee, limit });
      for (const f of filters) {
        const expected = await referenceQueue(db, f);
        expect(expected.length).toBeGreaterThan(0);
        expect((await queueOf(db, f)).map((q) => q.id)).toEqual(expected);
      }
    } finally {
      await db.close();
    }
  });
});
