import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { eventStoreContract, sampleEvent } from './eventStore.contract.ts';

for (const kind of databaseKinds) {
  eventStoreContract(`postgres store on ${kind}`, async () => {
    const db = await openTestDatabase(kind);
    const store = createPostgresEventStore(db);
    return { store, dispose: () => db.close() };
  });
}

describe.runIf(databaseKinds.includes('postgres'))(
  'postgres store with a long-running transaction',
  () => {
    it('holds readers below an open transaction, then delivers its event in commit order', async () => {
      const db = await openTestDatabase('postgres');
      const store = createPostgresEventStore(db);
      try {
        await store.appendToStream(`before-${randomUUID()}`, [sampleEvent('before')], 'no_stream');
        // A writer takes a position and keeps its transaction open.
        const slow = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await slow.connect();
        const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
        await slow.query(`SET search_path = ${schema}`);
        await slow.query('BEGIN');
        await slow.query(
          `INSERT INTO tf_events (event_id, stream_id, version, type, schema_version, data, metadata, created_at)
         VALUES ($1, $2, 1, 'TicketClosed', 1, '{"reason":"resolved","comment":"slow"}', '{"actor":{"id":"t","role":"system"},"correlationId":"c"}', now())`,
          [randomUUID(), `slow-${randomUUID()}`],
        );
        // Meanwhile others commit later positions.
        await store.appendToStream(`after-${randomUUID()}`, [sampleEvent('after')], 'no_stream');
        const during = await store.readAll({ after: 0, limit: 100 });
        expect(during.events.map((e) => (e.data as { comment: string }).comment)).toEqual([
          'before',
        ]);
        await slow.query('COMMIT');
        await slow.end();
        // (Another test's transaction elsewhere in the cluster may still hold the horizon back.)
        expect(await store.awaitVisible!()).toBe(true);
        const rest = await store.readAll({ after: during.lastPosition, limit: 100 });
        expect(rest.events.map((e) => (e.data as { comment: string }).comment)).toEqual([
          'slow',
          'after',
        ]);
      } finally {
        await db.close();
      }
    });
  },
);
