export { createEventStoreDbStore, type EventStoreDbStoreOptions } from './store.ts';
export {
  subscribeEventStoreDb,
  subscribeEventStoreDbPort,
  toServerFilter,
  type EventStoreDbSubscription,
  type SubscribeEventStoreDbOptions,
  type SubscriptionFilter,
  type SubscriptionFrom,
  type SubscriptionItem,
} from './subscribe.ts';
export {
  EventStoreDbUnavailableError,
  classifyEvent,
  currentRevisionToVersion,
  describeEndpoint,
  fromRecordedEvent,
  isAfter,
  isSystemEvent,
  isUnavailable,
  positionToNumber,
  resumePosition,
  revisionToVersion,
  toConcurrencyError,
  toEsdbEvent,
  toExpectedRevision,
  type EsdbEventMetadata,
} from './mapping.ts';
