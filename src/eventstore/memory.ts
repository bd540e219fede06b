import { upcast, type AnyNewEvent, type EventType, type StoredEvent } from '../events/index.ts';
import {
  ConcurrencyError,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type ReadAllOptions,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionItem,
} from './types.ts';
import { eventHash } from './chain.ts';

/**
 * An event as the log keeps it: data and metadata as JSON text, as a database keeps them, so every
 * read hands out fresh copies and a value that would not survive JSON (a Date, `undefined`) fails
 * a unit spec the way it would fail on PostgreSQL.
 */
interface Entry {
  id: string;
  streamId: string;
  version: number;
  position: number;
  type: EventType;
  schemaVersion: number;
  data: string;
  metadata: string;
  timestamp: string;
  /** Its link in the stream's hash chain, over the fields as kept here (as the database does). */
  hash: string;
}

function toStoredEvent(entry: Entry): StoredEvent {
  const metadata: unknown = JSON.parse(entry.metadata);
  return {
    id: entry.id,
    streamId: entry.streamId,
    version: entry.version,
    position: entry.position,
    type: entry.type,
    schemaVersion: entry.schemaVersion,
    data: upcast(entry.type, entry.schemaVersion, JSON.parse(entry.data), metadata),
    metadata,
    timestamp: entry.timestamp,
    hash: entry.hash,
  } as StoredEvent; // as the PostgreSQL store's rows: the schemas were checked when appended
}

/** What a read or subscription selects (both parts: both must match). */
interface Selection {
  types?: readonly EventType[] | undefined;
  streamPrefix?: string | undefined;
}

const matches = (entry: Entry, filter: Selection) =>
  (!filter.types?.length || filter.types.includes(entry.type)) &&
  (filter.streamPrefix === undefined || entry.streamId.startsWith(filter.streamPrefix));

/** Whether a stream at `version` (null: no stream) may be appended to when `expected` is given. */
function versionMatches(expected: ExpectedVersion, version: number | null): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream' || expected === 0) return version === null;
  return version === expected;
}

/**
 * An event store in this process's memory, **for fast unit specs only**: nothing survives the
 * process, nothing is shared with another one, and there is no limit on what it holds. It passes
 * the shared contract (test/eventstore/eventStore.contract.ts), so a spec that passes on it
 * exercises the behaviour the PostgreSQL and EventStoreDB stores promise: expected versions and
 * {@link ConcurrencyError}, idempotent appends by event id, one global order, filtered reads and
 * pull-based subscriptions. Positions are 1, 2, 3 … in append order; every append is visible at
 * once, so `awaitVisible()` resolves immediately. Production runs on `createPostgresEventStore`.
 */
export function createInMemoryEventStore(): EventStore {
  const log: Entry[] = [];
  const streams = new Map<string, Entry[]>();
  const byId = new Map<string, Entry>();
  const appendedListeners = new Set<(streamId: string, lastPosition: number) => void>();
  const committedListeners = new Set<() => void>();
  /** Subscriptions asleep at the head, woken by the next append or by close(). */
  const sleepers = new Set<() => void>();
  let closed = false;

  const streamVersion = (streamId: string) => streams.get(streamId)?.at(-1)?.version ?? null;
  const resultOf = (entries: readonly Entry[]): AppendResult => ({
    nextExpectedVersion: Math.max(...entries.map((e) => e.version)),
    lastPosition: Math.max(...entries.map((e) => e.position)),
  });

  /** The same ids already stored in this stream: the append happened before (a retry). */
  function earlierAppend(streamId: string, events: readonly AnyNewEvent[]): AppendResult | null {
    const stored = events.map((e) => byId.get(e.id));
    if (!stored.every((e): e is Entry => e?.streamId === streamId)) return null;
    return resultOf(stored);
  }

  /** Adds the events at the end of their stream and of the log (all or, if one fails JSON, none). */
  function record(streamId: string, events: readonly AnyNewEvent[]): AppendResult {
    const stream = streams.get(streamId) ?? [];
    let previousHash = stream.at(-1)?.hash ?? null;
    const entries = events.map((e, i) =>
      chained({
        id: e.id,
        streamId,
        version: stream.length + i + 1,
        position: log.length + i + 1,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: JSON.stringify(e.data),
        metadata: JSON.stringify(e.metadata),
        timestamp: new Date(e.timestamp).toISOString(),
      }),
    );
    function chained(entry: Omit<Entry, 'hash'>): Entry {
      const fields = {
        ...entry,
        data: JSON.parse(entry.data),
        metadata: JSON.parse(entry.metadata),
      };
      previousHash = eventHash(fields, previousHash);
      return { ...entry, hash: previousHash };
    }
    streams.set(streamId, stream);
    for (const entry of entries) {
      log.push(entry);
      stream.push(entry);
      byId.set(entry.id, entry);
    }
    return resultOf(entries);
  }

  function announce(streamId: string, lastPosition: number) {
    for (const wake of [...sleepers]) wake();
    for (const listener of [...appendedListeners]) listener(streamId, lastPosition);
    for (const listener of [...committedListeners]) listener();
  }

  /** Resolves at the next append (at once if the log already grew past `head`) or on abort. */
  function sleepUntilAppend(head: number, signal: AbortSignal): Promise<void> {
    if (log.length > head || signal.aborted || closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        sleepers.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      sleepers.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  /** The next matching entries after `cursor`, at most `limit`, and how far the scan got. */
  function page(cursor: number, filter: Selection, limit: number) {
    const found: Entry[] = [];
    let scanned = cursor;
    for (; scanned < log.length && found.length < limit; scanned++) {
      const entry = log[scanned]!;
      if (matches(entry, filter)) found.push(entry);
    }
    return { found, scanned };
  }

  /** Catch-up, then live, with the PostgreSQL subscription's items and caughtUp rules. */
  async function* run(
    options: SubscribeOptions,
    signal: AbortSignal,
  ): AsyncGenerator<SubscriptionItem> {
    const from = options.from ?? 0;
    if (!positionExists(from)) throw new RangeError(`no event at position ${from}`);
    const filter = options.filter ?? {};
    const batchSize = Math.max(1, options.batchSize ?? 500);
    let cursor = from;
    let announced = false;
    while (!signal.aborted && !closed) {
      const { found, scanned } = page(cursor, filter, batchSize);
      const head = log.length;
      for (const entry of found) {
        cursor = entry.position;
        announced = false;
        yield { kind: 'event', event: toStoredEvent(entry), position: cursor };
        if (signal.aborted) return;
      }
      if (found.length === batchSize) continue;
      if (scanned > cursor) {
        cursor = scanned; // past events the filter skipped
        announced = false;
      }
      if (!announced) {
        announced = true;
        yield { kind: 'caughtUp', position: cursor };
        if (signal.aborted) return;
      }
      await sleepUntilAppend(head, signal);
    }
  }

  function positionExists(position: number): boolean {
    return (
      position === 0 || (Number.isSafeInteger(position) && position > 0 && position <= log.length)
    );
  }

  return {
    async appendToStream(streamId, events, expected) {
      if (events.length === 0)
        return { nextExpectedVersion: streamVersion(streamId) ?? 0, lastPosition: 0 };
      const ids = new Set(events.map((e) => e.id));
      const fresh = ids.size === events.length && events.every((e) => !byId.has(e.id));
      if (!fresh || !versionMatches(expected, streamVersion(streamId))) {
        const earlier = earlierAppend(streamId, events);
        if (earlier) return earlier;
        throw new ConcurrencyError(streamId, expected, streamVersion(streamId));
      }
      const result = record(streamId, events);
      announce(streamId, result.lastPosition);
      return result;
    },

    async readStream(streamId, options = {}) {
      const toVersion = options.toVersion ?? Number.MAX_SAFE_INTEGER;
      return (streams.get(streamId) ?? []).filter((e) => e.version <= toVersion).map(toStoredEvent);
    },

    async readAll(options: ReadAllOptions = {}) {
      const after = options.after ?? 0;
      const events = page(after, options, options.limit ?? 1000).found.map(toStoredEvent);
      return { events, lastPosition: events.at(-1)?.position ?? after };
    },

    subscribe(options = {}): Subscription {
      const stop = new AbortController();
      const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
      const iterator = run(options, signal);
      return {
        [Symbol.asyncIterator]: () => iterator,
        async close() {
          stop.abort();
          await iterator.return(undefined);
        },
      };
    },

    async pendingAfter(after, options = {}) {
      if (!positionExists(after)) throw new RangeError(`no event at position ${after}`);
      const pending = page(after, options, options.cap ?? 1_000_000).found;
      return { count: pending.length, oldest: pending[0]?.timestamp ?? null };
    },

    async awaitVisible() {
      return true; // every append is visible as soon as it returns
    },

    async positionExists(position) {
      return positionExists(position);
    },

    async headPosition() {
      return log.length;
    },

    onAppended(listener) {
      appendedListeners.add(listener);
      return () => void appendedListeners.delete(listener);
    },

    onCommitted(listener) {
      committedListeners.add(listener);
      return () => void committedListeners.delete(listener);
    },

    /** Ends every subscription (a running `for await` finishes) and forgets the listeners. */
    async close() {
      closed = true;
      for (const wake of [...sleepers]) wake();
      appendedListeners.clear();
      committedListeners.clear();
    },
  };
}
