import type { Database } from '../db/index.ts';
import {
  createAppend,
  createStreamHeads,
  resolveFailedAppend,
  streamVersion,
} from './postgresAppend.ts';
import { createAnnouncer, eventsChannel } from './postgresNotify.ts';
import { appendNewStreams } from './postgresBatch.ts';
import {
  awaitVisible,
  headPosition,
  pendingAfter,
  positionExists,
  readAll,
  readStream,
  toStoredEvent,
  type EventRow,
} from './postgresRead.ts';
import { createWakeups, subscribePostgres } from './subscribe.ts';
import type { EventStore } from './types.ts';

/**
 * The PostgreSQL event store. The same SQL runs on PGlite and on a server; the hard parts
 * (expected-version check, gap-free global reads) are in the queries, explained where they are:
 * postgresAppend.ts, postgresRead.ts; postgresNotify.ts tells other processes about appends.
 */
export function createPostgresEventStore(
  db: Database,
  options: {
    /** Subscriptions' polling interval without wake-ups (default 250 ms). */ pollMs?: number;
  } = {},
): EventStore {
  const listeners = new Set<(streamId: string, lastPosition: number) => void>();
  const onAppended = (listener: (streamId: string, lastPosition: number) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const wakeups = createWakeups(db, eventsChannel, onAppended);
  const heads = createStreamHeads();
  const append = createAppend(db, heads);
  const announce = createAnnouncer(db);

  return {
    async appendToStream(streamId, events, expected) {
      if (events.length === 0) {
        const version = (await streamVersion(db, streamId)) ?? 0;
        return { nextExpectedVersion: version, lastPosition: 0 };
      }
      try {
        const result = await append({ streamId, events, expected });
        announce();
        for (const listener of listeners) listener(streamId, result.lastPosition);
        return result;
      } catch (error) {
        return resolveFailedAppend(db, { streamId, events, expected }, error);
      }
    },
    async appendNewStreams(streams) {
      const result = await appendNewStreams(db, streams);
      if (result.created.length > 0) {
        announce();
        for (const streamId of result.created) {
          for (const listener of listeners) listener(streamId, result.lastPosition);
        }
      }
      return result;
    },
    async readStream(streamId, readOptions) {
      const events = await readStream(db, streamId, readOptions);
      // A whole stream read before a command: its head lets the append skip reading the row.
      const last = events.at(-1);
      if (readOptions?.toVersion === undefined && last?.hash)
        heads.remember(streamId, { version: last.version, lastHash: last.hash });
      return events;
    },
    readAll: (readOptions) => readAll(db, readOptions),
    subscribe(subscribeOptions) {
      return subscribePostgres(
        {
          db,
          wakeups,
          toStoredEvent: (row) => toStoredEvent(row as unknown as EventRow),
          pollMs: options.pollMs ?? 250,
        },
        subscribeOptions,
      );
    },
    pendingAfter: (after, pendingOptions) => pendingAfter(db, after, pendingOptions),
    awaitVisible: (timeoutMs) => awaitVisible(db, timeoutMs),
    positionExists: (position) => positionExists(db, position),
    headPosition: () => headPosition(db),
    onAppended,
    onCommitted: (listener) => wakeups.listen(listener),
    async close() {
      await wakeups.close();
      listeners.clear();
    },
  };
}
