import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/index.ts';
import {
  chainHashes,
  chainRowsOfStream,
  createPostgresEventStore,
  eventStoreMigrations,
} from '../../src/eventstore/index.ts';
import { allMigrations } from '../../src/server/index.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { sampleEvent } from './eventStore.contract.ts';

const beforeChain = eventStoreMigrations.filter((m) => m.id < '003');

describe.each(databaseKinds)('the hash chain migration on %s', (kind) => {
  it('chains the events stored before it, and appends continue each chain', async () => {
    const db = await openTestDatabase(kind, beforeChain);
    try {
      const stream = `ticket-${randomUUID()}`;
      // A log written by the release before the chain: no hash columns yet.
      for (const [i, label] of ['a', 'b'].entries()) {
        const e = sampleEvent(label);
        await db.query(
          `INSERT INTO tf_events (event_id, stream_id, version, type, schema_version, data, metadata, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [e.id, stream, i + 1, e.type, e.schemaVersion, e.data, e.metadata, e.timestamp],
        );
      }
      await db.query(`INSERT INTO tf_streams (stream_id, version) VALUES ($1, 2)`, [stream]);

      await migrate(db, allMigrations);
      const store = createPostgresEventStore(db);
      await store.appendToStream(stream, [sampleEvent('c')], 2);
      await store.close();

      const rows = await chainRowsOfStream(db, stream);
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3]);
      expect(rows.map((r) => r.hash)).toEqual(chainHashes(rows, null));
    } finally {
      await db.close();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the event table', async () => {
    const db = await openTestDatabase(kind);
    try {
      const store = createPostgresEventStore(db);
      await store.appendToStream(`s-${randomUUID()}`, [sampleEvent('a')], 'no_stream');
      await store.close();
      for (const statement of [
        `UPDATE tf_events SET metadata = '{}'`,
        `DELETE FROM tf_events`,
        `TRUNCATE tf_events`,
      ]) {
        await expect(db.query(statement)).rejects.toThrow(/append-only/);
      }
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tf_events`);
      expect(rows[0]?.n).toBe(1);
    } finally {
      await db.close();
    }
  });
});
