import { PassThrough } from 'node:stream';
import {
  ANY,
  NO_STREAM,
  WrongExpectedVersionError,
  type EventStoreDBClient,
  type Filter,
  type JSONRecordedEvent,
  type RecordedEvent,
} from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { UnknownEventError, type AnyNewEvent } from '../../src/events/index.ts';
import { upcasters } from '../../src/events/upcasters.ts';
import { ConcurrencyError } from '../../src/eventstore/types.ts';
import { eventHash } from '../../src/eventstore/chain.ts';
import {
  classifyEvent,
  createEventStoreDbStore,
  currentRevisionToVersion,
  describeEndpoint,
  fromRecordedEvent,
  isAfter,
  isSystemEvent,
  positionToNumber,
  resumePosition,
  revisionToVersion,
  subscribeEventStoreDb,
  subscribeEventStoreDbPort,
  toConcurrencyError,
  toChainedEsdbEvents,
  toEsdbEvent,
  toExpectedRevision,
  toServerFilter,
  type SubscriptionItem,
} from '../../src/eventstore/eventstoredb/index.ts';

import { closed, metadata } from './eventstoredb.fixtures.ts';

/** What the client would hand back for `event` stored at `revision` / `commit`. */
function recorded(
  event: AnyNewEvent,
  { streamId = 'ticket-1', revision = 0n, commit = 1234n as bigint | null } = {},
): RecordedEvent {
  const esdb = toEsdbEvent(event);
  return {
    streamId,
    id: esdb.id,
    isJson: true,
    revision,
    type: esdb.type,
    created: new Date('2030-01-01T00:00:00.000Z'),
    data: esdb.data,
    metadata: esdb.metadata,
    position: commit === null ? undefined : { commit, prepare: commit },
  } as JSONRecordedEvent;
}

/** A client whose `subscribeToAll` hands back a stream the test writes to, and records its options. */
function fakeSubscriptionClient() {
  const stream = Object.assign(new PassThrough({ objectMode: true }), {
    unsubscribe: async () => undefined,
  });
  const options: { last: { fromPosition?: unknown; filter?: Filter } } = { last: {} };
  const client = {
    subscribeToAll(opts: { fromPosition?: unknown; filter?: Filter }) {
      options.last = opts;
      return stream;
    },
  } as unknown as EventStoreDBClient;
  return { stream, client, options };
}

describe('EventStoreDB mapping (no server)', () => {
  describe('expected version → expected revision', () => {
    it('maps no_stream and 0 to NO_STREAM, any to ANY, version n to revision n - 1', () => {
      expect(toExpectedRevision('no_stream')).toBe(NO_STREAM);
      expect(toExpectedRevision(0)).toBe(NO_STREAM);
      expect(toExpectedRevision('any')).toBe(ANY);
      expect(toExpectedRevision(1)).toBe(0n);
      expect(toExpectedRevision(42)).toBe(41n);
    });

    it('rejects nonsense versions', () => {
      expect(() => toExpectedRevision(-1)).toThrow(RangeError);
      expect(() => toExpectedRevision(1.5)).toThrow(RangeError);
    });

    it('maps revisions back to versions', () => {
      expect(revisionToVersion(0n)).toBe(1);
      expect(revisionToVersion(41n)).toBe(42);
      expect(currentRevisionToVersion(4n)).toBe(5);
      expect(currentRevisionToVersion(NO_STREAM)).toBeNull();
      expect(currentRevisionToVersion(-1n)).toBeNull();
    });
  });

  describe('WrongExpectedVersionError → ConcurrencyError', () => {
    it('carries the actual version', () => {
      const esdb = new WrongExpectedVersionError(undefined, {
        streamName: 'ticket-1',
        expected: 1n,
        current: 4n,
      });
      const error = toConcurrencyError('ticket-1', 2, esdb);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamId: 'ticket-1', expected: 2, actual: 5 });
      expect(error.message).toBe('stream ticket-1: expected version 2, actual 5');
    });

    it('reports a missing stream as null', () => {
      const esdb = new WrongExpectedVersionError(undefined, {
        streamName: 'ticket-1',
        expected: 0n,
        current: NO_STREAM,
      });
      expect(toConcurrencyError('ticket-1', 1, esdb).actual).toBeNull();
    });
  });

  describe('positions', () => {
    it('uses the commit position as the number', () => {
      expect(positionToNumber({ commit: 1234n, prepare: 1234n })).toBe(1234);
      expect(positionToNumber(undefined)).toBeUndefined();
      expect(positionToNumber({ commit: (1n << 64n) - 1n, prepare: (1n << 64n) - 1n })).toBe(
        undefined,
      );
    });

    it('refuses positions that a JavaScript number cannot hold exactly', () => {
      const big = BigInt(Number.MAX_SAFE_INTEGER) + 1n;
      expect(() => positionToNumber({ commit: big, prepare: big })).toThrow(/2\^53/);
    });

    it('resumes from {commit: after, prepare: after} and drops the event at exactly after', () => {
      expect(resumePosition(4096)).toEqual({ commit: 4096n, prepare: 4096n });
      expect(() => resumePosition(-1)).toThrow(RangeError);
      expect(isAfter(4096, 4096)).toBe(false);
      expect(isAfter(4200, 4096)).toBe(true);
    });
  });

  describe('events', () => {
    it('stores our envelope in the ESDB metadata', () => {
      const event = closed();
      const esdb = toEsdbEvent(event);
      expect(esdb).toMatchObject({
        id: event.id,
        type: 'TicketClosed',
        contentType: 'application/json',
        data: { reason: 'resolved', closedBy: 'agent' },
        metadata: {
          ...metadata,
          schemaVersion: 2,
          timestamp: '2024-05-01T10:00:00.000Z',
          $correlationId: 'corr-1',
          $causationId: 'cause-1',
        },
      });
    });

    it('round-trips a stored event: version, position, our timestamp, metadata without $ keys', () => {
      const event = closed();
      const stored = fromRecordedEvent(recorded(event, { revision: 2n, commit: 777n }));
      expect(stored).toEqual({
        ...event,
        streamId: 'ticket-1',
        version: 3,
        position: 777,
      });
    });

    it('strips the namespace and ignores other namespaces', () => {
      const raw = recorded(closed(), { streamId: 'run7-ticket-1' });
      expect(fromRecordedEvent(raw, { namespace: 'run7-' })?.streamId).toBe('ticket-1');
      expect(fromRecordedEvent(raw, { namespace: 'run8-' })).toBeNull();
    });

    it('takes the position from the resolved event when the record has none', () => {
      const raw = recorded(closed(), { commit: null });
      expect(fromRecordedEvent(raw, { position: 99 })?.position).toBe(99);
      expect(() => fromRecordedEvent(raw)).toThrow(/22\.10/);
    });

    it('skips system events and other applications’ events', () => {
      const event = closed();
      const link = { ...recorded(event), type: '$>' } as RecordedEvent;
      const inSystemStream = recorded(event, { streamId: '$$ticket-1' });
      const foreign = { ...recorded(event), metadata: { some: 'thing' } } as RecordedEvent;
      const binary = { ...recorded(event), isJson: false, data: new Uint8Array() } as RecordedEvent;
      expect(isSystemEvent({ type: '$metadata', streamId: 'x' })).toBe(true);
      expect(isSystemEvent({ type: 'TicketClosed', streamId: '$stats-1' })).toBe(true);
      expect(classifyEvent(link)).toBe('system');
      expect(classifyEvent(inSystemStream)).toBe('system');
      expect(classifyEvent(foreign)).toBe('foreign');
      expect(classifyEvent(binary)).toBe('foreign');
      for (const raw of [link, inSystemStream, foreign, binary]) {
        expect(fromRecordedEvent(raw)).toBeNull();
      }
    });

    it('throws for our events of an unknown type or a newer schema version', () => {
      const unknownType = { ...recorded(closed()), type: 'TicketTeleported' } as RecordedEvent;
      expect(() => fromRecordedEvent(unknownType)).toThrow(UnknownEventError);
      const newer = recorded(closed());
      (newer.metadata as { schemaVersion: number }).schemaVersion = 9;
      expect(() => fromRecordedEvent(newer)).toThrow(UnknownEventError);
    });

    describe('upcasting', () => {
      it('upcasts a stored TicketClosed v1 to v2 on read, deriving closedBy from the actor', () => {
        const raw = recorded(closed());
        const stored1 = raw.metadata as { schemaVersion: number };
        stored1.schemaVersion = 1; // as an older build wrote it
        (raw.data as Record<string, unknown>) = { reason: 'resolved', comment: 'done' };
        const stored = fromRecordedEvent(raw);
        expect(stored?.schemaVersion).toBe(1);
        expect(stored?.data).toEqual({ reason: 'resolved', closedBy: 'agent', comment: 'done' });
      });

      it('refuses a version with no upcaster path', () => {
        const original = upcasters.TicketClosed;
        delete upcasters.TicketClosed;
        try {
          const raw = recorded(closed());
          (raw.metadata as { schemaVersion: number }).schemaVersion = 1;
          expect(() => fromRecordedEvent(raw)).toThrow(UnknownEventError);
        } finally {
          upcasters.TicketClosed = original!;
        }
      });
    });
  });

  describe('errors and endpoints', () => {
    it('describes the endpoint without credentials', () => {
      expect(describeEndpoint('esdb://admin:secret@db1:2113,db2:2113?tls=false')).toBe(
        'db1:2113,db2:2113',
      );
      expect(describeEndpoint('esdb+discover://cluster.local:2113')).toBe('cluster.local:2113');
    });

    it('needs a connection string or a client', () => {
      expect(() => createEventStoreDbStore({})).toThrow(/ESDB_URL/);
    });
  });

  describe('subscription helper', () => {
    it('builds server-side filters', () => {
      const byType = toServerFilter({ types: ['TicketClosed', 'TicketEscalated'] });
      expect(byType).toMatchObject({
        filterOn: 'eventType',
        regex: '^(?:TicketClosed|TicketEscalated)$',
      });
      expect(toServerFilter({ streamPrefix: 'ticket-' }, 'run1-')).toMatchObject({
        filterOn: 'streamName',
        prefixes: ['run1-ticket-'],
      });
      expect(toServerFilter({})).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
    });

    it('yields events and checkpoints in order, resuming after a position', async () => {
      const { stream, client, options } = fakeSubscriptionClient();

      const subscription = subscribeEventStoreDb({
        client,
        from: { after: 100 },
        filter: { types: ['TicketClosed'] },
      });
      const items: SubscriptionItem[] = [];
      const consumed = (async () => {
        for await (const item of subscription) items.push(item);
      })();
      await new Promise((resolve) => setImmediate(resolve));
      expect(options.last.fromPosition).toEqual({ commit: 100n, prepare: 100n });

      const a = closed();
      const b = closed();
      stream.write({ event: recorded(a, { commit: 100n }) }); // the cursor itself: dropped
      stream.write({ event: recorded(b, { commit: 200n, revision: 1n }) });
      await options.last.filter!.checkpointReached!(stream as never, { commit: 150n, prepare: 0n }); // behind
      await options.last.filter!.checkpointReached!(stream as never, { commit: 300n, prepare: 0n });
      stream.write({ event: { ...recorded(a, { commit: 400n }), type: '$>' } }); // system
      stream.end();
      await consumed;

      expect(items).toEqual([
        { kind: 'event', event: expect.objectContaining({ id: b.id, position: 200, version: 2 }) },
        { kind: 'checkpoint', position: 300 },
      ]);
    });

    it('adapts to the port: events, checkpoints as resumable cursors, one caughtUp at the head', async () => {
      const { stream, client, options } = fakeSubscriptionClient();
      const subscription = subscribeEventStoreDbPort({
        client,
        from: 100,
        headPosition: async () => 300,
      });
      const items: unknown[] = [];
      const consumed = (async () => {
        for await (const item of subscription) items.push(item);
      })();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(options.last.fromPosition).toEqual({ commit: 100n, prepare: 100n });
      const b = closed();
      const c = closed();
      stream.write({ event: recorded(b, { commit: 200n }) });
      await options.last.filter!.checkpointReached!(stream as never, { commit: 250n, prepare: 0n });
      stream.write({ event: recorded(c, { commit: 300n, revision: 1n }) });
      stream.end();
      await consumed;
      expect(items).toEqual([
        { kind: 'event', event: expect.objectContaining({ id: b.id }), position: 200 },
        { kind: 'checkpoint', position: 249 },
        { kind: 'event', event: expect.objectContaining({ id: c.id }), position: 300 },
        { kind: 'caughtUp', position: 300 },
      ]);
    });
  });
});

describe('EventStoreDB hash chain mapping', () => {
  it('keeps each event’s chain hash in its metadata, chained from the stream’s head', () => {
    const [first, second] = [closed(), closed()];
    const mapped = toChainedEsdbEvents('ticket-1', [first!, second!], {
      version: 4,
      hash: 'ab'.repeat(32),
    });
    const h1 = eventHash({ ...first!, streamId: 'ticket-1', version: 5 }, 'ab'.repeat(32));
    const h2 = eventHash({ ...second!, streamId: 'ticket-1', version: 6 }, h1);
    expect(mapped.map((e) => (e.metadata as { chainHash?: string }).chainHash)).toEqual([h1, h2]);
    // A new stream starts its own chain.
    const [alone] = toChainedEsdbEvents('ticket-2', [first!], null);
    expect((alone!.metadata as { chainHash?: string }).chainHash).toBe(
      eventHash({ ...first!, streamId: 'ticket-2', version: 1 }, null),
    );
  });

  it('reads the hash back as the event’s hash, not as metadata', () => {
    const event = closed();
    const [esdb] = toChainedEsdbEvents('ticket-1', [event], null);
    const stored = fromRecordedEvent({
      ...recorded(event),
      metadata: esdb!.metadata,
    } as RecordedEvent);
    expect(stored?.hash).toBe((esdb!.metadata as { chainHash: string }).chainHash);
    expect(stored?.metadata).toEqual(event.metadata);
    expect(stored?.hash).toBe(eventHash(stored!, null));
  });
});
