import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, createPostgresEventStore } from '../../src/eventstore/index.ts';
import { openTestDatabase } from '../support/databases.ts';
import { sampleEvent } from './eventStore.contract.ts';

// groupCommits itself is unit-tested in groupCommit.unit.test.ts; this is its use by the store.
describe('group commit', () => {
  it('commits concurrent PGlite appends together; a stale expected version fails only its own append', async () => {
    const db = await openTestDatabase('pglite');
    const store = createPostgresEventStore(db);
    try {
      const existing = `ticket-${randomUUID()}`;
      await store.appendToStream(existing, [sampleEvent('first')], 'no_stream');
      const streams = Array.from({ length: 20 }, () => `ticket-${randomUUID()}`);
      const outcomes = await Promise.allSettled([
        ...streams.map((s) => store.appendToStream(s, [sampleEvent(s)], 'no_stream')),
        store.appendToStream(existing, [sampleEvent('stale')], 5),
      ]);
      expect(outcomes.slice(0, 20).every((o) => o.status === 'fulfilled')).toBe(true);
      const stale = outcomes[20]!;
      expect(stale.status === 'rejected' && stale.reason).toBeInstanceOf(ConcurrencyError);
      const { rows } = await db.query<{ n: number; streams: number }>(
        `SELECT count(DISTINCT transaction_id)::int AS n, count(DISTINCT stream_id)::int AS streams
         FROM tf_events WHERE stream_id = ANY($1::text[])`,
        [streams],
      );
      expect(rows[0]!.streams).toBe(20);
      expect(rows[0]!.n).toBeLessThan(20);
      expect((await store.readStream(existing)).map((e) => e.version)).toEqual([1]);
    } finally {
      await store.close();
      await db.close();
    }
  });
});
