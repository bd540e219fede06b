export * from './types.ts';
export { createPostgresEventStore, eventsChannel } from './postgres.ts';
export { eventStoreMigrations } from './schema.ts';
