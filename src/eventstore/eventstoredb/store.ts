import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { AnyNewEvent, StoredEvent } from '../../events/index.ts';
import type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  ReadAllOptions,
  ReadAllResult,
} from '../types.ts';
import {
  EventStoreDbUnavailableError,
  classifyEvent,
  describeEndpoint,
  fromRecordedEvent,
  isAfter,
  isUnavailable,
  positionToNumber,
  resumePosition,
  revisionToVersion,
  toConcurrencyError,
  toChainedEsdbEvents,
  type EsdbEventMetadata,
  type EsdbStreamHead,
  toExpectedRevision,
} from './mapping.ts';
import { collect } from './collect.ts';
import { subscribeEventStoreDbPort } from './subscribe.ts';

export interface EventStoreDbStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false`; ignored when `client` is given. */
  connectionString?: string;
  /** An existing client (shared with subscriptions); the store then does not dispose it. */
  client?: EventStoreDBClient;
  /** Per-call time limit in milliseconds for appends and reads (default 10 000). */
  deadlineMs?: number;
  /**
   * Prefix added to every stream name and required of every event read back. Isolates several
   * stores (test runs, tenants) on one server: readAll, headPosition and positionExists only see
   * streams under the prefix, and `streamId`s are returned without it.
   */
  namespace?: string;
}

const defaultDeadlineMs = 10_000;
/** Events read per round trip while scanning $all (client-side filtering, see docs). */
const scanPageSize = 500;
/** How far back headPosition looks for one of our events among system events. */
const headScanLimit = 10_000;

/**
 * The EventStoreDB event store: one ESDB stream per ticketflow stream, ESDB's own optimistic
 * concurrency and idempotency, and the commit position as the global position. Design and
 * limitations: docs/eventstoredb.md.
 */
export function createEventStoreDbStore(options: EventStoreDbStoreOptions): EventStore {
  const ownsClient = !options.client;
  if (!options.client && !options.connectionString) {
    throw new Error('createEventStoreDbStore needs a connectionString (ESDB_URL) or a client');
  }
  const client = options.client ?? EventStoreDBClient.connectionString(options.connectionString!);
  const endpoint = options.connectionString ? describeEndpoint(options.connectionString) : 'client';
  const deadline = options.deadlineMs ?? defaultDeadlineMs;
  const namespace = options.namespace ?? '';
  const listeners = new Set<(streamId: string, lastPosition: number) => void>();

  const streamName = (streamId: string) => namespace + streamId;

  function unavailable(operation: string, cause: unknown): Error {
    return new EventStoreDbUnavailableError(endpoint, operation, { cause });
  }

  /** Runs a client call, turning "no server answered" into a clear error. */
  async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUnavailable(error)) throw unavailable(operation, error);
      throw error;
    }
  }

  function timeoutError(operation: string) {
    return () => unavailable(operation, new Error(`no answer within ${deadline} ms`));
  }

  async function readStreamRaw(
    streamId: string,
    readOptions: { fromRevision?: bigint; maxCount?: number },
  ): Promise<ResolvedEvent[]> {
    const operation = `readStream ${streamId}`;
    try {
      return await call(operation, () =>
        collect(
          client.readStream(streamName(streamId), {
            direction: FORWARDS,
            fromRevision: readOptions.fromRevision ?? START,
            maxCount: readOptions.maxCount ?? Number.MAX_SAFE_INTEGER,
          }),
          deadline,
          timeoutError(operation),
        ),
      );
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  function readAllRaw(
    fromPosition: ReadPosition,
    maxCount: number,
    direction: typeof FORWARDS | typeof BACKWARDS = FORWARDS,
  ): Promise<AllStreamResolvedEvent[]> {
    const operation = 'readAll';
    return call(operation, () =>
      collect(
        client.readAll({ fromPosition, maxCount, direction, resolveLinkTos: false }),
        deadline,
        timeoutError(operation),
      ),
    );
  }

  function toStored(resolved: ResolvedEvent | AllStreamResolvedEvent): StoredEvent | null {
    if (!resolved.event) return null;
    const position = resolved.commitPosition;
    return fromRecordedEvent(resolved.event, {
      namespace,
      position:
        position === undefined
          ? undefined
          : positionToNumber({ commit: position, prepare: position }),
    });
  }

  /** The commit position of the event at `revision` of the stream (one extra round trip). */
  async function positionOf(streamId: string, revision: bigint): Promise<number | undefined> {
    const [resolved] = await readStreamRaw(streamId, { fromRevision: revision, maxCount: 1 });
    return positionToNumber(resolved?.event?.position);
  }

  /**
   * A retry of an append that already happened: every id is in this stream, in order and
   * consecutive. ESDB itself answers such a retry idempotently when it carries the original
   * expected revision; this covers retries whose expected version no longer matches.
   */
  async function findEarlierAppend(
    streamId: string,
    events: readonly AnyNewEvent[],
  ): Promise<AppendResult | null> {
    const stored = await readStreamRaw(streamId, {});
    const index = stored.findIndex((r) => r.event?.id === events[0]?.id);
    if (index < 0) return null;
    const run = stored.slice(index, index + events.length);
    if (run.length !== events.length || run.some((r, i) => r.event?.id !== events[i]?.id)) {
      return null;
    }
    const last = run.at(-1)!.event!;
    const lastPosition = positionToNumber(last.position);
    if (lastPosition === undefined) return null;
    return { nextExpectedVersion: revisionToVersion(last.revision), lastPosition };
  }

  /** The stream's last event: its version and chain hash; null when the stream does not exist. */
  async function streamHead(streamId: string): Promise<EsdbStreamHead | null> {
    const operation = `readStream ${streamId}`;
    try {
      const [last] = await call(operation, () =>
        collect(
          client.readStream(streamName(streamId), {
            direction: BACKWARDS,
            fromRevision: END,
            maxCount: 1,
          }),
          deadline,
          timeoutError(operation),
        ),
      );
      if (!last?.event) return null;
      const meta = last.event.metadata as Partial<EsdbEventMetadata> | undefined;
      const hash = meta && typeof meta.chainHash === 'string' ? meta.chainHash : null;
      return { version: revisionToVersion(last.event.revision), hash };
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw error;
    }
  }

  async function streamVersion(streamId: string): Promise<number> {
    return (await streamHead(streamId))?.version ?? 0;
  }

  /**
   * Appends chained to the stream's last event. An `any` append is made conditional on the head it
   * chained to (so no two appends chain to the same hash), and read again when it lost a race.
   */
  async function appendChained(
    streamId: string,
    events: readonly AnyNewEvent[],
    expected: ExpectedVersion,
  ) {
    for (let attempt = 0; ; attempt++) {
      const head = await streamHead(streamId);
      const expectedRevision = toExpectedRevision(
        expected === 'any' ? (head?.version ?? 'no_stream') : expected,
      );
      try {
        return await call(`appendToStream ${streamId}`, () =>
          client.appendToStream(streamName(streamId), toChainedEsdbEvents(streamId, events, head), {
            expectedRevision,
            deadline,
          }),
        );
      } catch (error) {
        const raced = error instanceof WrongExpectedVersionError && expected === 'any';
        if (!raced || attempt >= 20 || (await findEarlierAppend(streamId, events))) throw error;
      }
    }
  }

  return {
    async appendToStream(
      streamId: string,
      events: readonly AnyNewEvent[],
      expected: ExpectedVersion,
    ): Promise<AppendResult> {
      if (events.length === 0) {
        return { nextExpectedVersion: await streamVersion(streamId), lastPosition: 0 };
      }
      let result;
      try {
        result = await appendChained(streamId, events, expected);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        const earlier = await findEarlierAppend(streamId, events);
        if (earlier) return earlier;
        throw toConcurrencyError(streamId, expected, error);
      }
      // A single new event's position is the append's position. For several events, and for an
      // idempotent replay (which the server answers without a position), ask for the last one's.
      const returned = positionToNumber(result.position);
      const lastPosition =
        (events.length === 1 ? returned : undefined) ??
        (await positionOf(streamId, result.nextExpectedRevision)) ??
        returned;
      if (lastPosition === undefined) {
        throw new Error(
          `EventStoreDB returned no position for ${streamId}: ticketflow needs EventStoreDB 22.10 or newer`,
        );
      }
      const appended = {
        nextExpectedVersion: revisionToVersion(result.nextExpectedRevision),
        lastPosition,
      };
      for (const listener of listeners) listener(streamId, lastPosition);
      return appended;
    },

    async readStream(streamId, readOptions = {}) {
      const toVersion = readOptions.toVersion;
      if (toVersion !== undefined && toVersion <= 0) return [];
      const raw = await readStreamRaw(streamId, { maxCount: toVersion });
      return raw.map((resolved) => {
        const event = toStored(resolved);
        if (!event) {
          throw new Error(
            `stream ${streamId} holds an event that is not a ticketflow event (${resolved.event?.type})`,
          );
        }
        return event;
      });
    },

    async readAll(readOptions: ReadAllOptions = {}): Promise<ReadAllResult> {
      const after = readOptions.after ?? 0;
      const limit = readOptions.limit ?? 1000;
      const types = readOptions.types ? new Set<string>(readOptions.types) : null;
      const prefix = readOptions.streamPrefix;
      const events: StoredEvent[] = [];
      if (limit <= 0) return { events, lastPosition: after };
      // $all is one log written by one writer and read only up to what is committed and indexed:
      // a reader can never see a later event before an earlier one, so no gap handling is needed.
      // Filters are applied here (the 6.x client's readAll has none): we scan page by page.
      const pageSize = types || prefix || namespace ? scanPageSize : Math.min(limit + 1, 1000);
      let from: ReadPosition = after === 0 ? START : resumePosition(after);
      let scanned = after;
      for (;;) {
        const page = await readAllRaw(from, pageSize);
        for (const resolved of page) {
          const position = positionToNumber(resolved.event?.position);
          if (position === undefined || !isAfter(position, scanned)) continue; // the cursor itself
          scanned = position;
          const event = toStored(resolved);
          if (!event) continue;
          if (types && !types.has(event.type)) continue;
          if (prefix !== undefined && !event.streamId.startsWith(prefix)) continue;
          events.push(event);
          if (events.length >= limit) break;
        }
        if (events.length >= limit || page.length < pageSize) break;
        from = resumePosition(scanned);
      }
      return { events, lastPosition: events.at(-1)?.position ?? after };
    },

    async positionExists(position) {
      if (position === 0) return true;
      if (!Number.isSafeInteger(position) || position < 0) return false;
      let page: AllStreamResolvedEvent[];
      try {
        page = await readAllRaw(resumePosition(position), 1);
      } catch (error) {
        if (error instanceof EventStoreDbUnavailableError) throw error;
        return false; // not a record boundary: the server refuses to read from there
      }
      const event = page[0]?.event;
      return (
        !!event &&
        positionToNumber(event.position) === position &&
        classifyEvent(event, namespace) === 'ours'
      );
    },

    async headPosition() {
      let from: ReadPosition = END;
      for (let seen = 0; seen < headScanLimit;) {
        const page = await readAllRaw(from, scanPageSize, BACKWARDS);
        for (const resolved of page) {
          if (resolved.event && classifyEvent(resolved.event, namespace) === 'ours') {
            return positionToNumber(resolved.event.position) ?? 0;
          }
        }
        const last = page.at(-1)?.event?.position;
        if (page.length < scanPageSize || !last) return 0;
        from = last; // backwards reads exclude the position they start from
        seen += page.length;
      }
      return 0;
    },

    subscribe(subscribeOptions = {}) {
      return subscribeEventStoreDbPort({
        client,
        namespace,
        headPosition: () => this.headPosition(),
        ...subscribeOptions,
      });
    },

    async pendingAfter(after, pendingOptions = {}) {
      // No count on $all: scan (client-side filtered) up to `cap` events.
      const cap = pendingOptions.cap ?? 10_000;
      const { events } = await this.readAll({
        after,
        limit: cap,
        ...(pendingOptions.types ? { types: pendingOptions.types } : {}),
      });
      return { count: events.length, oldest: events[0]?.timestamp ?? null };
    },

    onAppended(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    // Appends by other processes are seen by polling: the client has no cheap change feed here.
    onCommitted(listener) {
      const wrapped = () => listener();
      listeners.add(wrapped);
      return () => listeners.delete(wrapped);
    },

    async close() {
      listeners.clear();
      if (ownsClient) await client.dispose();
    },
  };
}
