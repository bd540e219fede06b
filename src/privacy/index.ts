import type { Config } from '../config/index.ts';
import type { SqlExecutor } from '../db/index.ts';
import type { EventStore } from '../eventstore/index.ts';
import { createKeyStore, localMasterKey, type KeyStore } from './keyStore.ts';
import { memoryKeyRecords, sqlKeyRecords } from './keyRecords.ts';
import { masterKeyFrom } from './masterKey.ts';
import { createPrivateEventStore, type PrivateEventStore } from './store.ts';
import { sqlStreamsOf } from './streams.ts';

export * from './keyStore.ts';
export * from './fields.ts';
export { privacyMigrations, sqlKeyRecords, memoryKeyRecords } from './keyRecords.ts';
export { masterKeyFrom, MasterKeyError } from './masterKey.ts';
export { createPrivateEventStore, type PrivateEventStore } from './store.ts';
export { sqlStreamsOf, scanStreamsOf, type PersonStream, type StreamsOf } from './streams.ts';
export { createPrivacyCodec, type PrivacyCodec, type SealedFields } from './codec.ts';

export type PrivacyConfig = Pick<
  Config,
  'NODE_ENV' | 'PRIVACY_MASTER_KEY' | 'PRIVACY_MASTER_KEY_FILE' | 'PRIVACY_KEY_CACHE_MS'
>;

/** The key store of a database (or, without one, of this process's memory). */
export function keyStoreFor(db: SqlExecutor | undefined, config: PrivacyConfig): KeyStore {
  return createKeyStore(
    db ? sqlKeyRecords(db) : memoryKeyRecords(),
    localMasterKey(masterKeyFrom(config).key),
    { cacheMs: config.PRIVACY_KEY_CACHE_MS },
  );
}

/** `inner` with personal data sealed per person, keys in `db` (docs/privacy.md). */
export function withPersonalDataSealed(
  inner: EventStore,
  db: SqlExecutor | undefined,
  config: PrivacyConfig,
  options: {
    seal?: boolean;
    /** False when the log is not in `db` (EventStoreDB): a person's streams are found by a scan. */
    logInDb?: boolean;
  } = {},
): PrivateEventStore {
  return createPrivateEventStore(inner, keyStoreFor(db, config), {
    ...(options.seal === undefined ? {} : { seal: options.seal }),
    ...(db && options.logInDb !== false ? { streamsOf: sqlStreamsOf(db) } : {}),
  });
}
export {
  erasePerson,
  privacyStreamId,
  type ErasureDeps,
  type ErasureRequest,
  type ErasureResult,
} from './erase.ts';
export { purgeReadModels } from './purge.ts';
export { exportPerson, type PersonalDataExport } from './export.ts';
export { createRetentionScheduler, retentionActor, type RetentionScheduler } from './retention.ts';
