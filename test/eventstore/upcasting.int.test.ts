import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createEvent,
  eventSchemaVersions,
  upcast,
  UnknownEventError,
} from '../../src/events/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';

/** TicketClosed v1 rows as an older build stored them: no `closedBy`. */
const v1Rows = [
  { reason: 'answer_accepted', role: 'requester', closedBy: 'requester' },
  { reason: 'resolved', role: 'requester', closedBy: 'requester' },
  { reason: 'resolved', role: 'agent', closedBy: 'agent' },
  { reason: 'withdrawn', role: 'requester', closedBy: 'requester' },
  { reason: 'auto_close', role: 'system', closedBy: 'system' },
  { reason: 'resolved', role: 'admin', closedBy: 'agent' },
] as const;

describe('TicketClosed schema evolution', () => {
  it('is at version 2, and new events carry closedBy', () => {
    expect(eventSchemaVersions.TicketClosed).toBe(2);
    const meta = { actor: { id: 'a', role: 'agent' as const }, correlationId: 'c' };
    expect(
      createEvent('TicketClosed', { reason: 'resolved', closedBy: 'agent' }, meta).schemaVersion,
    ).toBe(2);
    expect(() => createEvent('TicketClosed', { reason: 'resolved' } as never, meta)).toThrow();
    expect(() => upcast('TicketClosed', 3, {})).toThrow(UnknownEventError);
  });

  describe.each(databaseKinds)('stored v1 rows on %s', (kind) => {
    it('read back as v2 through readStream, readAll and subscribe; replay folds them', async () => {
      const db = await openTestDatabase(kind);
      const store = createPostgresEventStore(db);
      try {
        const streams: string[] = [];
        for (const row of v1Rows) {
          const stream = `closed-${randomUUID()}`;
          streams.push(stream);
          await db.query(
            `INSERT INTO tf_events (event_id, stream_id, version, type, schema_version, data, metadata, created_at)
             VALUES ($1, $2, 1, 'TicketClosed', 1, $3, $4, now())`,
            [
              randomUUID(),
              stream,
              JSON.stringify({ reason: row.reason, comment: 'v1' }),
              JSON.stringify({ actor: { id: 'someone', role: row.role }, correlationId: 'c' }),
            ],
          );
        }
        for (const [i, row] of v1Rows.entries()) {
          const [event] = await store.readStream(streams[i]!);
          expect(event).toMatchObject({
            type: 'TicketClosed',
            schemaVersion: 1,
            data: { reason: row.reason, closedBy: row.closedBy, comment: 'v1' },
          });
        }
        expect(await store.awaitVisible!()).toBe(true);
        const all = await store.readAll({ types: ['TicketClosed'] });
        expect(all.events.map((e) => (e.data as { closedBy: string }).closedBy)).toEqual(
          v1Rows.map((r) => r.closedBy),
        );
        const subscription = store.subscribe({ filter: { types: ['TicketClosed'] } });
        const seen: string[] = [];
        for await (const item of subscription) {
          if (item.kind === 'event' && item.event.type === 'TicketClosed')
            seen.push(item.event.data.closedBy);
          if (seen.length === v1Rows.length) break;
        }
        expect(seen).toEqual(v1Rows.map((r) => r.closedBy));

        // A malformed v1 row fails loudly instead of being served half-upgraded.
        const broken = `closed-${randomUUID()}`;
        await db.query(
          `INSERT INTO tf_events (event_id, stream_id, version, type, schema_version, data, metadata, created_at)
           VALUES ($1, $2, 1, 'TicketClosed', 1, '{"reason":"exploded"}', '{"actor":{"id":"x","role":"agent"},"correlationId":"c"}', now())`,
          [randomUUID(), broken],
        );
        await expect(store.readStream(broken)).rejects.toThrow();
      } finally {
        await store.close();
        await db.close();
      }
    });
  });
});
