/**
 * The event store with personal data sealed (docs/privacy.md): a wrapper around any store
 * (PostgreSQL, PGlite, in memory, EventStoreDB), so every consumer of the log (folds, projections,
 * the model, the API, subscribers such as webhooks) reads plaintext while a person's key exists
 * and an explicit erased marker after, and the store below hashes what it stores: ciphertext.
 */
import type { EventStore, Subscription, SubscriptionItem } from '../eventstore/index.ts';
import { createPrivacyCodec, type PrivacyCodec } from './codec.ts';
import type { KeyStore } from './keyStore.ts';
import { scanStreamsOf, type StreamsOf } from './streams.ts';

const passThrough: PrivacyCodec = {
  encode: async (_streamId, events) => [...events],
  decode: async (event) => event,
};

export interface PrivateEventStore extends EventStore {
  /** The store as it stores: sealed fields, no decryption (backups, proofs, the erasure scan). */
  readonly sealed: EventStore;
  readonly keys: KeyStore;
  readonly codec: PrivacyCodec;
  /** The streams holding a person's sealed data. */
  streamsOf: StreamsOf;
}

export function createPrivateEventStore(
  inner: EventStore,
  keys: KeyStore,
  options: {
    /** False: the log without the codec, the baseline its cost is measured against (bench/). */
    seal?: boolean;
    /** Default: reading the whole log (fine in memory); PostgreSQL: `sqlStreamsOf`. */
    streamsOf?: StreamsOf;
  } = {},
): PrivateEventStore {
  const streamsOf = options.streamsOf ?? scanStreamsOf(inner);
  if (options.seal === false)
    return { ...inner, sealed: inner, keys, codec: passThrough, streamsOf };
  const codec = createPrivacyCodec(
    keys,
    async (streamId) => (await inner.readStream(streamId, { toVersion: 1 }))[0],
  );
  const decodeAll = <E extends Parameters<PrivacyCodec['decode']>[0]>(events: E[]) =>
    Promise.all(events.map((e) => codec.decode(e)));

  function subscribe(options: Parameters<EventStore['subscribe']>[0]): Subscription {
    const inside = inner.subscribe(options);
    async function* decoded(): AsyncGenerator<SubscriptionItem> {
      for await (const item of inside) {
        yield item.kind === 'event' ? { ...item, event: await codec.decode(item.event) } : item;
      }
    }
    const iterator = decoded();
    return {
      [Symbol.asyncIterator]: () => iterator,
      async close() {
        await inside.close();
        await iterator.return(undefined);
      },
    };
  }

  return {
    sealed: inner,
    keys,
    codec,
    streamsOf,
    async appendToStream(streamId, events, expected) {
      return inner.appendToStream(streamId, await codec.encode(streamId, events), expected);
    },
    readStream: async (streamId, options) => decodeAll(await inner.readStream(streamId, options)),
    async readAll(options) {
      const result = await inner.readAll(options);
      return { ...result, events: await decodeAll(result.events) };
    },
    subscribe,
    pendingAfter: (after, options) => inner.pendingAfter(after, options),
    ...(inner.awaitVisible ? { awaitVisible: (ms?: number) => inner.awaitVisible!(ms) } : {}),
    positionExists: (position) => inner.positionExists(position),
    headPosition: () => inner.headPosition(),
    onAppended: (listener) => inner.onAppended(listener),
    onCommitted: (listener) => inner.onCommitted(listener),
    close: () => inner.close(),
  };
}
