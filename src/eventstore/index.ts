export * from './types.ts';
export { createPostgresEventStore } from './postgres.ts';
export { appendDocument } from './postgresAppend.ts';
export { existingStreams } from './postgresRead.ts';
export { eventsChannel } from './postgresNotify.ts';
export { createInMemoryEventStore } from './memory.ts';
export { eventStoreMigrations } from './schema.ts';
export {
  handleCommand,
  loadStream,
  type Decider,
  type LoadedStream,
  type HandleOptions,
  type Handled,
} from './commandHandler.ts';
export {
  canonicalEventBytes,
  canonicalTimestamp,
  chainHashes,
  eventHash,
  type ChainedEvent,
} from './chain.ts';
export {
  chainRowsByStream,
  chainRowsInCommitOrder,
  chainRowsOfStream,
  type ChainRow,
} from './chainRows.ts';
