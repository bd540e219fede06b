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
  /** Whether `position` is 0 or the position of a stored event (a valid `after` cursor). */
  positionExists(position: number): Promise<boolean>;
  /** The highest position stored (0 when empty), for lag metrics. */
  headPosition(): Promise<number>;
  /** Called after every successful append in this process (wakes projections and subscribers). */
  onAppended(listener: (streamId: string, lastPosition: number) => void): () => void;
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
