import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEvent, type AnyNewEvent } from '../../src/events/index.ts';
import { ConcurrencyError, eventHash, type EventStore } from '../../src/eventstore/index.ts';

export interface StoreUnderTest {
  store: EventStore;
  /** Releases everything the store holds (database, connections). */
  dispose(): Promise<void>;
}

const meta = { actor: { id: 'contract', role: 'system' as const }, correlationId: 'contract' };

/** An event with a recognisable payload; the type is one the schemas accept. */
export function sampleEvent(label: string): AnyNewEvent {
  return createEvent(
    'TicketClosed',
    { reason: 'resolved', closedBy: 'agent', comment: label },
    meta,
  ) as AnyNewEvent;
}

const labelOf = (event: { data: unknown }) => (event.data as { comment?: string }).comment;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every EventStore implementation must have. Each implementation's test file calls
 * this with a factory for a fresh, empty store.
 */
export function eventStoreContract(name: string, open: () => Promise<StoreUnderTest>) {
  describe(`EventStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: EventStore;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.dispose();
    });

    it('appends to a new stream and reads the events back in version order', async () => {
      const stream = `s-${randomUUID()}`;
      const result = await store.appendToStream(
        stream,
        [sampleEvent('a'), sampleEvent('b')],
        'no_stream',
      );
      expect(result.nextExpectedVersion).toBe(2);
      await store.appendToStream(stream, [sampleEvent('c')], 2);
      const events = await store.readStream(stream);
      expect(events.map((e) => [e.version, labelOf(e)])).toEqual([
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ]);
      expect(events.every((e) => e.streamId === stream && e.position > 0)).toBe(true);
      expect((await store.readStream(stream, { toVersion: 2 })).map((e) => e.version)).toEqual([
        1, 2,
      ]);
    });

    it('chains each stream: every hash covers its event as stored and the hash before it', async () => {
      const stream = `s-${randomUUID()}`;
      const other = `s-${randomUUID()}`;
      await store.appendToStream(stream, [sampleEvent('a'), sampleEvent('b')], 'no_stream');
      await store.appendToStream(other, [sampleEvent('x')], 'any');
      await store.appendToStream(stream, [sampleEvent('c')], 'any');
      await store.appendToStream(stream, [sampleEvent('d')], 3);
      const events = await store.readStream(stream);
      let previous: string | null = null;
      for (const event of events) {
        expect(event.hash).toBe(eventHash(event, previous));
        previous = event.hash ?? null;
      }
      expect(new Set(events.map((e) => e.hash)).size).toBe(4);
      // The first event of every stream starts a chain of its own.
      const [first] = await store.readStream(other);
      expect(first?.hash).toBe(eventHash(first!, null));
    });

    it('tells onCommitted listeners that the log moved, until they stop listening', async () => {
      let calls = 0;
      const off = store.onCommitted(() => calls++);
      await store.appendToStream(`s-${randomUUID()}`, [sampleEvent('a')], 'no_stream');
      // Within this process the call is synchronous with the append's return.
      expect(calls).toBeGreaterThanOrEqual(1);
      off();
      const before = calls;
      await store.appendToStream(`s-${randomUUID()}`, [sampleEvent('b')], 'no_stream');
      expect(calls).toBe(before);
    });

    it('reports its head, what is pending after a position, and each append to onAppended', async () => {
      expect(await store.positionExists(0)).toBe(true);
      expect(await store.readStream(`none-${randomUUID()}`)).toEqual([]);
      const appended: Array<[string, number]> = [];
      const off = store.onAppended((streamId, position) => appended.push([streamId, position]));
      const stream = `p-${randomUUID()}`;
      const first = await store.appendToStream(
        stream,
        [sampleEvent('p1'), sampleEvent('p2')],
        'no_stream',
      );
      const second = await store.appendToStream(stream, [sampleEvent('p3')], 2);
      off();
      await store.appendToStream(`p-${randomUUID()}`, [sampleEvent('unheard')], 'no_stream');
      expect(appended).toEqual([
        [stream, first.lastPosition],
        [stream, second.lastPosition],
      ]);
      const events = await store.readStream(stream);
      expect(events.at(-1)!.position).toBe(second.lastPosition);
      expect(await store.pendingAfter(events[0]!.position)).toEqual({
        count: 3,
        oldest: events[1]!.timestamp,
      });
      expect(await store.pendingAfter(events[0]!.position, { cap: 1 })).toEqual({
        count: 1,
        oldest: events[1]!.timestamp,
      });
      expect(await store.pendingAfter(0, { types: ['TicketReceived'] })).toEqual({
        count: 0,
        oldest: null,
      });
      const head = await store.headPosition();
      expect(await store.positionExists(head)).toBe(true);
      expect(await store.pendingAfter(head)).toEqual({ count: 0, oldest: null });
    });

    it('refuses an append at a stale expected version with the actual version', async () => {
      const stream = `s-${randomUUID()}`;
      await store.appendToStream(stream, [sampleEvent('a')], 'no_stream');
      const error = await store
        .appendToStream(stream, [sampleEvent('b')], 5)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect((error as ConcurrencyError).actual).toBe(1);
      await expect(
        store.appendToStream(stream, [sampleEvent('c')], 'no_stream'),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('treats a repeated append of the same event ids as the same append', async () => {
      const stream = `s-${randomUUID()}`;
      const events = [sampleEvent('a'), sampleEvent('b')];
      const first = await store.appendToStream(stream, events, 'no_stream');
      const again = await store.appendToStream(stream, events, 'no_stream');
      expect(again).toEqual(first);
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('lets exactly one of 20 concurrent appends at the same expected version win', async () => {
      const stream = `s-${randomUUID()}`;
      await store.appendToStream(stream, [sampleEvent('start')], 'no_stream');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.appendToStream(stream, [sampleEvent(`w${i}`)], 1),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(
        lost.every((o) => o.status === 'rejected' && o.reason instanceof ConcurrencyError),
      ).toBe(true);
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('reads all streams in one order, resumable from any position, filtered by type and prefix', async () => {
      const a = `alpha-${randomUUID()}`;
      const b = `beta-${randomUUID()}`;
      await store.appendToStream(a, [sampleEvent('a1')], 'no_stream');
      await store.appendToStream(b, [sampleEvent('b1')], 'no_stream');
      await store.appendToStream(a, [sampleEvent('a2')], 1);
      // Another test's open transaction on the same server may hold visibility back for a moment.
      expect(await (store.awaitVisible?.() ?? true)).toBe(true);
      const all = await store.readAll({ after: 0, limit: 100 });
      expect(all.events.map(labelOf)).toEqual(['a1', 'b1', 'a2']);
      const tail = await store.readAll({ after: all.events[0]!.position, limit: 100 });
      expect(tail.events.map(labelOf)).toEqual(['b1', 'a2']);
      const page = await store.readAll({ after: 0, limit: 2 });
      expect(page.events.map(labelOf)).toEqual(['a1', 'b1']);
      expect(page.lastPosition).toBe(page.events[1]!.position);
      const alpha = await store.readAll({ after: 0, limit: 100, streamPrefix: 'alpha-' });
      expect(alpha.events.map(labelOf)).toEqual(['a1', 'a2']);
      const none = await store.readAll({ after: 0, limit: 100, types: ['TicketReceived'] });
      expect(none.events).toEqual([]);
      expect(await store.positionExists(all.events[2]!.position)).toBe(true);
      expect(await store.positionExists(all.events[2]!.position + 1000)).toBe(false);
    });

    it('subscribes: catch-up, caughtUp, live, and resume from a reported position', async () => {
      const stream = `sub-${randomUUID()}`;
      await store.appendToStream(stream, [sampleEvent('s1'), sampleEvent('s2')], 'no_stream');
      const subscription = store.subscribe({ filter: { streamPrefix: 'sub-' } });
      const iterator = subscription[Symbol.asyncIterator]();
      const labels: string[] = [];
      let position = 0;
      const pull = async (until: (kind: string) => boolean) => {
        for (;;) {
          const { value, done } = await iterator.next();
          if (done) throw new Error('subscription ended');
          if (value.kind === 'event') labels.push(labelOf(value.event)!);
          position = value.position;
          if (until(value.kind)) return;
        }
      };
      // (On PostgreSQL a caughtUp may come before s2 while another session's transaction holds the
      // visibility horizon back: wait for the events themselves.)
      await pull(() => labels.length === 2);
      expect(labels).toEqual(['s1', 's2']);
      await store.appendToStream(stream, [sampleEvent('s3')], 2);
      await pull((kind) => kind === 'event');
      expect(labels).toEqual(['s1', 's2', 's3']);
      await subscription.close();
      await store.appendToStream(stream, [sampleEvent('s4')], 3);
      const resumed = store.subscribe({ from: position, filter: { streamPrefix: 'sub-' } });
      for await (const item of resumed) {
        if (item.kind === 'event') labels.push(labelOf(item.event)!);
        if (labels.length === 4) break;
      }
      await resumed.close();
      expect(labels).toEqual(['s1', 's2', 's3', 's4']);
    });

    it('never lets a polling reader skip or repeat an event while 8 writers append', async () => {
      const perWriter = 25;
      const writers = Array.from({ length: 8 }, async (_, w) => {
        const stream = `w${w}-${randomUUID()}`;
        for (let i = 0; i < perWriter; i++) {
          await sleep(Math.random() * 4);
          await store.appendToStream(stream, [sampleEvent(`${w}:${i}`)], i === 0 ? 'no_stream' : i);
        }
      });
      const seen: string[] = [];
      let done = false;
      const reader = (async () => {
        let after = 0;
        for (;;) {
          const finished = done;
          const { events, lastPosition } = await store.readAll({ after, limit: 7 });
          seen.push(...events.map((e) => labelOf(e)!));
          after = lastPosition;
          if (finished && events.length === 0) return;
          if (events.length === 0) await sleep(2);
        }
      })();
      await Promise.all(writers);
      expect(await (store.awaitVisible?.() ?? true)).toBe(true);
      done = true;
      await reader;
      expect(seen).toHaveLength(8 * perWriter);
      expect(new Set(seen).size).toBe(8 * perWriter);
      // Within each stream, events arrive in the order they were appended.
      for (let w = 0; w < 8; w++) {
        const mine = seen.filter((s) => s.startsWith(`${w}:`)).map((s) => Number(s.split(':')[1]));
        expect(mine).toEqual([...mine].sort((x, y) => x - y));
      }
    });
  });
}
