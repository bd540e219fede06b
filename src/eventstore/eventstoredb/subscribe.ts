import {
  START,
  END,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
  type Filter,
  type Position,
  type ReadPosition,
} from '@eventstore/db-client';
import type { EventType, StoredEvent } from '../../events/index.ts';
import type { Subscription, SubscriptionItem as PortSubscriptionItem } from '../types.ts';
import { fromRecordedEvent, positionToNumber, resumePosition } from './mapping.ts';

/**
 * Where a subscription starts:
 * - `{ after: n }`: after the event at position n (that event is not delivered again);
 * - `{ checkpoint: n }`: from a checkpoint item's position (an event exactly there IS delivered:
 *   the server may report the position of the next record it has not looked at yet);
 * - `'start'` / `'end'`: the beginning of $all, or only events appended from now on.
 */
export type SubscriptionFrom = 'start' | 'end' | { after: number } | { checkpoint: number };

export interface SubscriptionFilter {
  types?: readonly EventType[];
  streamPrefix?: string;
}

export type SubscriptionItem =
  | { kind: 'event'; event: StoredEvent }
  /** Everything before `position` has been delivered: persist it and resume with `{ checkpoint }`. */
  | { kind: 'checkpoint'; position: number };

export interface EventStoreDbSubscription extends AsyncIterable<SubscriptionItem> {
  /** Ends the subscription; a running `for await` then finishes. */
  close(): Promise<void>;
}

export interface SubscribeEventStoreDbOptions {
  client: EventStoreDBClient;
  from?: SubscriptionFrom;
  filter?: SubscriptionFilter;
  /** The store's namespace (see createEventStoreDbStore), stripped from stream ids. */
  namespace?: string;
  /** Checkpoint every `checkpointInterval` × 32 events the server considered (default 1). */
  checkpointInterval?: number;
}

/** Marks a checkpoint pushed into the subscription's own stream, so it stays in order. */
const checkpointMarker = Symbol('checkpoint');
interface CheckpointMarker {
  [checkpointMarker]: true;
  position: Position;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The server-side filter for a subscription. ESDB filters on one dimension: event types when
 * given (exact names, as an anchored regex), else the stream-name prefix; without either, system
 * events are excluded. The other conditions are checked again on the client.
 */
export function toServerFilter(
  filter: SubscriptionFilter,
  namespace = '',
  checkpointInterval = 1,
  checkpointReached?: Filter['checkpointReached'],
): Filter {
  const common = { checkpointInterval, checkpointReached };
  if (filter.types && filter.types.length > 0) {
    return eventTypeFilter({
      ...common,
      regex: `^(?:${filter.types.map(escapeRegex).join('|')})$`,
    });
  }
  const prefix = namespace + (filter.streamPrefix ?? '');
  if (prefix) return streamNameFilter({ ...common, prefixes: [prefix] });
  return excludeSystemEvents(common);
}

function startPosition(from: SubscriptionFrom): ReadPosition {
  if (from === 'start' || from === 'end') return from === 'start' ? START : END;
  const position = 'after' in from ? from.after : from.checkpoint;
  return position === 0 ? START : resumePosition(position);
}

/**
 * A catch-up subscription to $all (server-side filtered) as an async iterable of our events and
 * checkpoints, in order. Resumable from any event position or checkpoint; see docs/eventstoredb.md.
 */
export function subscribeEventStoreDb(
  options: SubscribeEventStoreDbOptions,
): EventStoreDbSubscription {
  const from = options.from ?? 'start';
  const filter = options.filter ?? {};
  const namespace = options.namespace ?? '';
  const types = filter.types ? new Set<string>(filter.types) : null;
  // An event at exactly the cursor is dropped only when the cursor is an event we delivered.
  let delivered =
    typeof from === 'object' ? ('after' in from ? from.after : from.checkpoint - 1) : -1;

  let subscription: AllStreamSubscription | undefined;
  const serverFilter = toServerFilter(
    filter,
    namespace,
    options.checkpointInterval,
    (sub, position) => {
      // Called by the subscription's transform before it reads on: pushing here keeps the checkpoint
      // behind every event the server sent before it.
      const marker: CheckpointMarker = { [checkpointMarker]: true, position };
      sub.push(marker);
    },
  );

  async function* iterate(): AsyncGenerator<SubscriptionItem> {
    subscription = options.client.subscribeToAll({
      fromPosition: startPosition(from),
      filter: serverFilter,
      resolveLinkTos: false,
    });
    try {
      for await (const item of subscription as AsyncIterable<
        AllStreamResolvedEvent | CheckpointMarker
      >) {
        if (checkpointMarker in item) {
          const position = positionToNumber(item.position);
          if (position === undefined || position <= delivered + 1) continue;
          yield { kind: 'checkpoint', position };
          delivered = position - 1;
          continue;
        }
        const position = positionToNumber(item.event?.position);
        if (!item.event || position === undefined || position <= delivered) continue;
        const event = fromRecordedEvent(item.event, { namespace, position });
        delivered = position;
        if (!event) continue;
        if (types && !types.has(event.type)) continue;
        if (filter.streamPrefix !== undefined && !event.streamId.startsWith(filter.streamPrefix)) {
          continue;
        }
        yield { kind: 'event', event };
      }
    } finally {
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  const iterator = iterate();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      await subscription?.unsubscribe().catch(() => undefined);
      await iterator.return(undefined);
    },
  };
}

/**
 * The port's `subscribe` on EventStoreDB: {@link subscribeEventStoreDb} from `{ after: from }`,
 * events and server checkpoints mapped to the port's items, and one `caughtUp` once the
 * subscription has passed the head of the log as it stood when it started (the 6.x client has no
 * caught-up notification). ESDB pushes; the client's stream pauses when its buffer is full, so a
 * slow consumer still holds the server back (back-pressure). A checkpoint at c means everything
 * before c was delivered; it is reported as c − 1, a cursor that resumes exactly there.
 */
export function subscribeEventStoreDbPort(
  options: Omit<SubscribeEventStoreDbOptions, 'from'> & {
    from?: number;
    signal?: AbortSignal;
    headPosition: () => Promise<number>;
  },
): Subscription {
  const inner = subscribeEventStoreDb({
    client: options.client,
    from: { after: options.from ?? 0 },
    ...(options.filter ? { filter: options.filter } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.checkpointInterval ? { checkpointInterval: options.checkpointInterval } : {}),
  });
  const onAbort = () => void inner.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  async function* run(): AsyncGenerator<PortSubscriptionItem> {
    try {
      const head = await options.headPosition();
      let caughtUp = false;
      let last = options.from ?? 0;
      if (head <= last) {
        caughtUp = true;
        yield { kind: 'caughtUp', position: last };
      }
      for await (const item of inner) {
        last = item.kind === 'event' ? item.event.position : item.position - 1;
        yield item.kind === 'event'
          ? { kind: 'event', event: item.event, position: last }
          : { kind: 'checkpoint', position: last };
        if (!caughtUp && last >= head) {
          caughtUp = true;
          yield { kind: 'caughtUp', position: last };
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await inner.close();
    }
  }
  const iterator = run();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      await inner.close();
      await iterator.return(undefined);
    },
  };
}
