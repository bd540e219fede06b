import type { AnyNewEvent, EventType, StoredEvent } from '../events/index.ts';

/** `no_stream`: the stream must not exist yet; `any`: no check; a number: the stream's current version. */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendResult {
  /** The stream's version after the append (the version of its last event). */
  nextExpectedVersion: number;
  /** The global position of the last appended event. */
  lastPosition: number;
}

export interface ReadAllOptions {
  /** Resume after this position (0 or omitted: from the start). */
  after?: number;
  limit?: number;
  types?: readonly EventType[];
  streamPrefix?: string;
}

/** What a subscription delivers: by event type and/or stream-id prefix (both: both must match). */
export interface SubscriptionFilter {
  types?: readonly EventType[];
  streamPrefix?: string;
}

export interface SubscribeOptions {
  /**
   * Resume after this position: 0 (or omitted) for the beginning of the log, or a position this
   * store returned (an event's, or a `caughtUp`/`checkpoint` item's). Unknown positions throw.
   */
  from?: number;
  filter?: SubscriptionFilter;
  /** Events read per round trip (default 500). Nothing is read ahead of the consumer. */
  batchSize?: number;
  /** Aborting ends the subscription: a running `for await` finishes normally. */
  signal?: AbortSignal;
}

/**
 * One item of a subscription. Every item carries a `position` the consumer may store and pass
 * back as `from` to resume exactly after it.
 * - `event`: the next event in the store's global order (commit order; see docs/eventstore.md).
 * - `caughtUp`: everything committed and visible so far has been delivered; `position` is the
 *   subscription's scan cursor (it may be past the last delivered event when a filter skipped
 *   events). Yielded at the end of catch-up and again whenever the subscription reaches the head
 *   after delivering more events.
 * - `checkpoint`: nothing matched the filter up to `position` (EventStoreDB's server checkpoints).
 */
export type SubscriptionItem =
  | { kind: 'event'; event: StoredEvent; position: number }
  | { kind: 'caughtUp'; position: number }
  | { kind: 'checkpoint'; position: number };

/**
 * A pull-based subscription: the consumer's pace drives the reads (back-pressure), so a slow
 * consumer holds at most one batch in memory.
 */
export interface Subscription extends AsyncIterable<SubscriptionItem> {
  /** Ends the subscription and releases what it holds; a running `for await` finishes. */
  close(): Promise<void>;
}

export interface ReadAllResult {
  events: StoredEvent[];
  /** The position to pass as `after` next time; equals `after` when nothing new was read. */
  lastPosition: number;
}

/**
 * The event store port. Every implementation passes the contract suite in
 * test/eventstore/eventStore.contract.ts.
 */
export interface EventStore {
  /**
   * Appends events to a stream if its version matches `expected`.
   * Idempotent by event id: appending the same ids again returns the original result.
   * Throws {@link ConcurrencyError} when the stream moved on.
   */
  appendToStream(
    streamId: string,
    events: readonly AnyNewEvent[],
    expected: ExpectedVersion,
  ): Promise<AppendResult>;
  /** The stream's events in version order, optionally only up to `toVersion`. */
  readStream(streamId: string, options?: { toVersion?: number }): Promise<StoredEvent[]>;
  /**
   * Events of all streams in commit order, never skipping one committed by a concurrent writer:
   * only events of transactions older than every running one are returned.
   */
  readAll(options?: ReadAllOptions): Promise<ReadAllResult>;
  /**
   * Catch-up from `from`, then live: every event committed after it, once, in the same order as
   * `readAll`, with a `caughtUp` signal. See {@link SubscriptionItem}.
   */
  subscribe(options?: SubscribeOptions): Subscription;
  /**
   * How many events (matching `filter`) follow `after` in the global order, counting at most
   * `cap`, and the timestamp of the first of them (null when none): projection lag.
   */
  pendingAfter(
    after: number,
    options?: { types?: readonly EventType[]; cap?: number },
  ): Promise<{ count: number; oldest: string | null }>;
  /**
   * Resolves once every event committed before the call is visible to `readAll` and subscriptions
   * (PostgreSQL: once the oldest running transaction is younger than all of them; a long
   * transaction anywhere in the cluster holds this back), or after `timeoutMs`. For
   * read-your-writes. Stores whose reads see every commit at once resolve immediately.
   */
  awaitVisible?(timeoutMs?: number): Promise<boolean>;
  /**
   * Optional: creates many new streams at once (an import), in one transaction; a stream that
   * exists already is left alone. Returns the streams it created. Stores without it take one
   * `appendToStream(…, 'no_stream')` per stream.
   */
  appendNewStreams?(
    streams: readonly { streamId: string; events: readonly AnyNewEvent[] }[],
  ): Promise<{ created: string[] }>;
  /** Whether `position` is 0 or the position of a stored event (a valid `after` cursor). */
  positionExists(position: number): Promise<boolean>;
  /** The highest position stored (0 when empty), for lag metrics. */
  headPosition(): Promise<number>;
  /** Called after every successful append in this process (wakes projections and subscribers). */
  onAppended(listener: (streamId: string, lastPosition: number) => void): () => void;
  /**
   * Called when the log may have moved: after an append in this process and, where the store can
   * tell, after one in another process (PostgreSQL's NOTIFY). Readers still poll as a fallback.
   */
  onCommitted(listener: () => void): () => void;
  close(): Promise<void>;
}

export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number | null,
  ) {
    super(
      `stream ${streamId}: expected version ${String(expected)}, actual ${actual === null ? 'no stream' : actual}`,
    );
    this.name = 'ConcurrencyError';
  }
}
