export * from './schemas.ts';
export * from './envelope.ts';
export { upcast, UnknownEventError } from './upcasters.ts';
export { ticketStreamPrefix, ticketStreamId, ticketIdOfStream } from './streams.ts';
export * from './webhookEvents.ts';
export * from './cloudEvents.ts';
