import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from '../../src/db/index.ts';
import { createEvent, type AnyNewEvent } from '../../src/events/index.ts';
import type { EventStore } from '../../src/eventstore/index.ts';
import type { Projection } from '../../src/projector/index.ts';
import { evolveTicketRow, type TicketRow } from '../../projections/index.ts';

const meta = {
  actor: { id: 'runner-test', role: 'system' as const },
  correlationId: 'runner-test',
};

/** A ticket's life in events the read models understand: received, escalated, closed. */
/**
 * A short valid ticket life in three steps: received; classified and escalated to level 2;
 * closed. Each step is appended on its own (`appendStep`).
 */
export function ticketLife(ticketId = randomUUID()): { stream: string; steps: AnyNewEvent[][] } {
  const trace = { model: 'm', promptVersion: 'v1', promptHash: 'h', latencyMs: 1, attempts: 1 };
  return {
    stream: `ticket-${ticketId}`,
    steps: [
      [
        createEvent(
          'TicketReceived',
          {
            ticketId,
            description: `printer ${ticketId.slice(0, 4)} jams`,
            requester: { email: `r${ticketId.slice(0, 4)}@example.com` },
            policy: { autoAnswerThreshold: 0.7 },
          },
          meta,
        ),
      ],
      [
        createEvent('ClassificationStarted', { model: 'm' }, meta),
        createEvent(
          'TicketClassified',
          { level: 2, category: 'printing', confidence: 0.9, rationale: 'r', ...trace },
          meta,
        ),
        createEvent(
          'TicketEscalated',
          { level: 2, reason: 'level_requires_agent', detail: 'needs an agent' },
          meta,
        ),
      ],
      [createEvent('TicketClosed', { reason: 'resolved', closedBy: 'agent' }, meta)],
    ] as AnyNewEvent[][],
  };
}

/** Appends one step of a ticket's life (index `step`), with the right expected version. */
export async function appendStep(
  store: EventStore,
  life: ReturnType<typeof ticketLife>,
  step: number,
) {
  const version = life.steps.slice(0, step).reduce((n, events) => n + events.length, 0);
  await store.appendToStream(life.stream, life.steps[step]!, version === 0 ? 'no_stream' : version);
}

/** The tickets read model as a replay of every ticket stream gives it (selected columns). */
export async function replayTickets(store: EventStore, db: SqlExecutor) {
  const { rows } = await db.query<{ stream_id: string }>(
    `SELECT DISTINCT stream_id FROM tf_events WHERE stream_id LIKE 'ticket-%' ORDER BY stream_id`,
  );
  const replayed: Array<Pick<TicketRow, 'id' | 'version' | 'status' | 'level'>> = [];
  for (const { stream_id } of rows) {
    let row: TicketRow | undefined;
    for (const event of await store.readStream(stream_id)) row = evolveTicketRow(row, event);
    if (row)
      replayed.push({ id: row.id, version: row.version, status: row.status, level: row.level });
  }
  return replayed.sort((a, b) => a.id.localeCompare(b.id));
}

export async function ticketRows(db: SqlExecutor) {
  const { rows } = await db.query<Pick<TicketRow, 'id' | 'version' | 'status' | 'level'>>(
    `SELECT id, version, status, level FROM tf_tickets ORDER BY id`,
  );
  return rows.map((r) => ({
    ...r,
    version: Number(r.version),
    level: r.level === null ? null : Number(r.level),
  }));
}

/**
 * A deliberately non-idempotent projection: one row per application of an event. Applied twice,
 * an event shows up twice; so `count(*) = count(DISTINCT position) = events` proves exactly once.
 */
export const applicationLog: Projection = {
  name: 'application_log',
  tables: ['tf_test_applications'],
  migrations: [],
  handles: ['TicketReceived', 'TicketEscalated', 'TicketClosed'],
  async apply(tx, events, table = (t) => t) {
    await tx.query(
      `INSERT INTO ${table('tf_test_applications')} (position, pid) SELECT unnest($1::bigint[]), $2`,
      [events.map((e) => e.position), process.pid],
    );
  },
};

export const applicationLogTable = `CREATE TABLE IF NOT EXISTS tf_test_applications (position bigint NOT NULL, pid integer NOT NULL)`;
