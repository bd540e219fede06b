import { randomUUID } from 'node:crypto';
import {
  createEventOf,
  type AnyNewEvent,
  type DomainEvent,
  type EventMetadata,
  type VersionedEvent,
} from '../events/index.ts';
import { ConcurrencyError, type EventStore } from './types.ts';

/** How a stream's events fold into the state its commands are decided on. */
export interface Decider<S> {
  initial(): S;
  evolve(state: S, event: VersionedEvent): S;
}

/** A stream as a writer holds it: its folded state and what the next event's metadata refers to. */
export interface LoadedStream<S> {
  state: S;
  /** The stream's version in the store (0: no stream yet). */
  version: number;
  correlationId: string | undefined;
  /** The id of the last event: the next one's cause. */
  lastEventId: string | undefined;
}

export interface HandleOptions<S> {
  actor: EventMetadata['actor'];
  now: () => Date;
  requestId?: string | undefined;
  /** For a new stream: the correlation id of its events (default: a random one). */
  correlationId?: string | undefined;
  /** Recorded in each event's metadata (ticket events: the machine version of the rules). */
  machineVersion?: number | undefined;
  /**
   * How many times a version conflict is decided again on the fresh stream. 0 where the caller
   * decided on a version it saw (`If-Match`): the conflict is theirs to resolve.
   */
  retries: number;
  /** The stream as the caller already holds it: no read. */
  known?: LoadedStream<S> | undefined;
  /** For a new stream: its first events' id (an idempotent create). */
  firstEventId?: string | undefined;
}

/** Decided events with the state they fold to (the decider folded them as it decided). */
export interface Decision<S> {
  events: readonly DomainEvent[];
  state: S;
}

export interface Handled<S> {
  stream: LoadedStream<S>;
  appended: VersionedEvent[];
}

export async function loadStream<S>(
  store: EventStore,
  streamId: string,
  decider: Decider<S>,
): Promise<LoadedStream<S> & { events: VersionedEvent[] }> {
  const events = await store.readStream(streamId);
  return {
    state: events.reduce(decider.evolve, decider.initial()),
    version: events.at(-1)?.version ?? 0,
    correlationId: events[0]?.metadata.correlationId,
    lastEventId: events.at(-1)?.id,
    events,
  };
}

/**
 * The one way every write goes: load the stream (or take the one the caller holds), fold it,
 * decide, append at the version decided on. On a version conflict the command is decided again
 * on the fresh stream, up to `retries` times; then the ConcurrencyError is the caller's.
 * `decide` returns the events to append (none: nothing to do) or throws the command's refusal; a
 * decider that folded its events while deciding (the workflow's chained steps) returns the state
 * they lead to as well, and it is not folded again.
 */
export async function handleCommand<S>(
  store: EventStore,
  streamId: string,
  decider: Decider<S>,
  decide: (state: S, version: number) => readonly DomainEvent[] | Decision<S>,
  options: HandleOptions<S>,
): Promise<Handled<S>> {
  let stream = options.known ?? (await loadStream(store, streamId, decider));
  for (let attempt = 0; ; attempt++) {
    const result = decide(stream.state, stream.version);
    const decided = 'events' in result ? result.events : result;
    if (decided.length === 0) return { stream, appended: [] };
    const events = envelope(decided, stream, options);
    try {
      await store.appendToStream(
        streamId,
        events,
        stream.version === 0 ? 'no_stream' : stream.version,
      );
      return advance(stream, events, decider, 'events' in result ? result.state : undefined);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= options.retries) throw error;
      stream = await loadStream(store, streamId, decider);
    }
  }
}

/** Wraps decided events with their metadata; each is caused by the one before it. */
function envelope<S>(
  decided: readonly DomainEvent[],
  stream: LoadedStream<S>,
  options: HandleOptions<S>,
): AnyNewEvent[] {
  const timestamp = options.now();
  const correlationId = stream.correlationId ?? options.correlationId ?? randomUUID();
  let causationId = stream.lastEventId;
  return decided.map((event, i) => {
    const metadata: EventMetadata = {
      actor: options.actor,
      correlationId,
      ...(causationId ? { causationId } : {}),
      ...(options.requestId ? { requestId: options.requestId } : {}),
      ...(options.machineVersion ? { machineVersion: options.machineVersion } : {}),
    };
    const id = i === 0 && stream.version === 0 ? options.firstEventId : undefined;
    const created = createEventOf(event, metadata, { timestamp, ...(id ? { id } : {}) });
    causationId = created.id;
    return created;
  });
}

/** The stream after its appended events, folded without reading it back. */
function advance<S>(
  stream: LoadedStream<S>,
  events: AnyNewEvent[],
  decider: Decider<S>,
  folded: S | undefined,
): Handled<S> {
  const appended = events.map((event, i) => ({ ...event, version: stream.version + i + 1 }));
  return {
    stream: {
      state: folded ?? appended.reduce(decider.evolve, stream.state),
      version: stream.version + appended.length,
      correlationId: stream.correlationId ?? appended[0]?.metadata.correlationId,
      lastEventId: appended.at(-1)?.id,
    },
    appended,
  };
}
