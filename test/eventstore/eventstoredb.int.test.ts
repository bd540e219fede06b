import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyError, type EventStore } from '../../src/eventstore/types.ts';
import {
  EventStoreDbUnavailableError,
  createEventStoreDbStore,
} from '../../src/eventstore/eventstoredb/index.ts';
import { eventStoreContract } from './eventStore.contract.ts';
import { closed, metadata } from './eventstoredb.fixtures.ts';

// The EventStoreDB store over the network; its mapping is unit-tested in eventstoredb.unit.test.ts.
describe('EventStoreDB store without a server', () => {
  it('fails fast with a clear error when no server listens', async () => {
    const store = createEventStoreDbStore({
      connectionString: 'esdb://127.0.0.1:1?tls=false',
      deadlineMs: 3_000,
    });
    try {
      const started = Date.now();
      const append = store.appendToStream('ticket-1', [closed()], 'no_stream');
      await expect(append).rejects.toBeInstanceOf(EventStoreDbUnavailableError);
      await expect(append).rejects.toThrow(/EventStoreDB at 127\.0\.0\.1:1 is unavailable/);
      await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreDbUnavailableError);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await store.close();
    }
  });
});

/**
 * Against a live server: `ESDB_URL=esdb://localhost:2113?tls=false npx vitest run ...`.
 * Each run writes under its own namespace, so runs never see each other's events.
 */
describe.skipIf(!process.env.ESDB_URL)('EventStoreDB store (live server)', () => {
  let store: EventStore;
  const namespace = `tf-test-${randomUUID().slice(0, 8)}-`;
  const ticket = (n: number) => `ticket-${n}`;

  beforeAll(() => {
    store = createEventStoreDbStore({ connectionString: process.env.ESDB_URL!, namespace });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('appends, detects conflicts, is idempotent and reads back', async () => {
    const seen: Array<[string, number]> = [];
    const off = store.onAppended((streamId, position) => seen.push([streamId, position]));
    const [e1, e2, e3] = [closed(), closed(), closed()];

    const first = await store.appendToStream(ticket(1), [e1, e2], 'no_stream');
    expect(first.nextExpectedVersion).toBe(2);
    expect(seen).toEqual([[ticket(1), first.lastPosition]]);

    const conflict = store.appendToStream(ticket(1), [e3], 1);
    await expect(conflict).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(conflict).rejects.toMatchObject({ expected: 1, actual: 2 });
    await expect(store.appendToStream(ticket(1), [e3], 'no_stream')).rejects.toMatchObject({
      actual: 2,
    });

    // Retried with the original expected version (ESDB's own idempotency) ...
    expect(await store.appendToStream(ticket(1), [e1, e2], 'no_stream')).toEqual(first);
    const second = await store.appendToStream(ticket(1), [e3], 2);
    expect(second.nextExpectedVersion).toBe(3);
    // ... and after the stream moved on (our fallback).
    expect(await store.appendToStream(ticket(1), [e1, e2], 0)).toEqual(first);
    off();

    const events = await store.readStream(ticket(1));
    expect(events.map((e) => [e.id, e.version, e.streamId])).toEqual([
      [e1.id, 1, ticket(1)],
      [e2.id, 2, ticket(1)],
      [e3.id, 3, ticket(1)],
    ]);
    expect(events[0]).toMatchObject({ metadata, timestamp: e1.timestamp, data: e1.data });
    expect(events.at(-1)!.position).toBe(second.lastPosition);
    expect(events[1]!.position).toBe(first.lastPosition);
    expect((await store.readStream(ticket(1), { toVersion: 2 })).length).toBe(2);
    expect(await store.readStream(ticket(99))).toEqual([]);
  });

  it('reads $all in order, resumably and filtered', async () => {
    await store.appendToStream(ticket(2), [closed()], 'no_stream');
    await store.appendToStream(ticket(3), [closed()], 'any');
    const all = await store.readAll();
    expect(all.events.length).toBeGreaterThanOrEqual(5);
    const positions = all.events.map((e) => e.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);

    const page1 = await store.readAll({ limit: 2 });
    const page2 = await store.readAll({ after: page1.lastPosition, limit: 100 });
    expect([...page1.events, ...page2.events].map((e) => e.id)).toEqual(
      all.events.map((e) => e.id),
    );

    const end = await store.readAll({ after: all.lastPosition });
    expect(end).toEqual({ events: [], lastPosition: all.lastPosition });
    expect((await store.readAll({ streamPrefix: ticket(2) })).events).toHaveLength(1);
    expect((await store.readAll({ types: ['TicketReceived'] })).events).toHaveLength(0);

    expect(await store.headPosition()).toBe(all.lastPosition);
    expect(await store.positionExists(all.lastPosition)).toBe(true);
    expect(await store.positionExists(0)).toBe(true);
  });
});

// The shared contract, each test on a fresh namespace (ESDB has no "fresh, empty database").
describe.skipIf(!process.env.ESDB_URL)('EventStoreDB store (live server, shared contract)', () => {
  eventStoreContract('eventstoredb', async () => {
    const store = createEventStoreDbStore({
      connectionString: process.env.ESDB_URL!,
      namespace: `tf-contract-${randomUUID().slice(0, 8)}-`,
    });
    return { store, dispose: () => store.close() };
  });
});
