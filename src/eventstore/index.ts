export * from './types.ts';
export { appendDocument, createPostgresEventStore, eventsChannel } from './postgres.ts';
export { eventStoreMigrations } from './schema.ts';
