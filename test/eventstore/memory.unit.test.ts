import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createInMemoryEventStore, type SubscriptionItem } from '../../src/eventstore/index.ts';
import { eventStoreContract, sampleEvent } from './eventStore.contract.ts';

eventStoreContract('in-memory store', async () => {
  const store = createInMemoryEventStore();
  return { store, dispose: () => store.close() };
});

const labelOf = (event: { data: unknown }) => (event.data as { comment?: string }).comment;

describe('in-memory store, beyond the contract', () => {
  it('hands out copies: changing a read event changes nothing stored', async () => {
    const store = createInMemoryEventStore();
    const stream = `s-${randomUUID()}`;
    const event = sampleEvent('kept');
    await store.appendToStream(stream, [event], 'no_stream');
    (event.data as { comment?: string }).comment = 'changed after append';
    const [read] = await store.readStream(stream);
    (read!.data as { comment?: string }).comment = 'changed after read';
    expect((await store.readStream(stream)).map(labelOf)).toEqual(['kept']);
  });

  it('throws on an unknown position, as the PostgreSQL store does', async () => {
    const store = createInMemoryEventStore();
    await store.appendToStream(`s-${randomUUID()}`, [sampleEvent('a')], 'no_stream');
    expect(await store.positionExists(2)).toBe(false);
    await expect(store.pendingAfter(2)).rejects.toThrow(RangeError);
    const unknown = store.subscribe({ from: 2 });
    await expect(unknown[Symbol.asyncIterator]().next()).rejects.toThrow(/no event at position 2/);
  });

  it('reads a page only when the consumer asks, skips filtered events in caughtUp, ends on close', async () => {
    const store = createInMemoryEventStore();
    const a = `alpha-${randomUUID()}`;
    await store.appendToStream(a, [sampleEvent('a1'), sampleEvent('a2')], 'no_stream');
    await store.appendToStream(`beta-${randomUUID()}`, [sampleEvent('b1')], 'no_stream');
    const subscription = store.subscribe({ filter: { streamPrefix: 'alpha-' }, batchSize: 1 });
    const iterator = subscription[Symbol.asyncIterator]();
    const items: SubscriptionItem[] = [];
    for (let i = 0; i < 3; i++) items.push((await iterator.next()).value as SubscriptionItem);
    expect(items.map((i) => (i.kind === 'event' ? labelOf(i.event) : i))).toEqual([
      'a1',
      'a2',
      { kind: 'caughtUp', position: 3 },
    ]);
    const waiting = iterator.next();
    await store.appendToStream(a, [sampleEvent('a3')], 2);
    const live = (await waiting).value as SubscriptionItem;
    expect(live.kind === 'event' && labelOf(live.event)).toBe('a3');
    const next = iterator.next(); // the caughtUp after a3, then asleep at the head
    expect((await next).value).toEqual({ kind: 'caughtUp', position: 4 });
    const asleep = iterator.next();
    await store.close();
    expect((await asleep).done).toBe(true);
  });
});
