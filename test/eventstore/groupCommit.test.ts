import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, createPostgresEventStore } from '../../src/eventstore/index.ts';
import { groupCommits } from '../../src/eventstore/groupCommit.ts';
import { openTestDatabase } from '../support/databases.ts';
import { sampleEvent } from './eventStore.contract.ts';

describe('group commit', () => {
  it('runs the first call alone and the calls that arrive meanwhile as one group', async () => {
    const groups: number[][] = [];
    const run = groupCommits<number, number>(
      async (n) => {
        groups.push([n]);
        return n * 10;
      },
      async (ns) => {
        groups.push([...ns]);
        return ns.map((n) => ({ ok: n * 10 }));
      },
    );
    const results = await Promise.all([1, 2, 3, 4].map(run));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('gives each caller its own error, and runs each alone when the group fails as a whole', async () => {
    const alone: number[] = [];
    const run = groupCommits<number, number>(
      async (n) => {
        alone.push(n);
        if (n === 3) throw new Error('three fails alone');
        return n;
      },
      async (ns) => {
        if (ns.includes(3)) throw new Error('the shared transaction aborted');
        return ns.map((n) => (n === 2 ? { error: new Error('two conflicts') } : { ok: n }));
      },
    );
    const first = await Promise.allSettled([1, 2, 4].map(run));
    expect(first.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      1,
      'Error: two conflicts',
      4,
    ]);
    const second = await Promise.allSettled([5, 3, 6].map(run));
    expect(second.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      5,
      'Error: three fails alone',
      6,
    ]);
    expect(alone).toEqual([1, 5, 3, 6]);
  });

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
