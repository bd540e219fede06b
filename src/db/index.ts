export type { Database, QueryOptions, SqlExecutor } from './types.ts';
export { sqlErrorCode, sqlState } from './types.ts';
export { openPglite, type PgliteOptions } from './pglite.ts';
export { DataDirInUseError, lockDataDir } from './dataDirLock.ts';
export { openPostgres, type PostgresOptions } from './postgres.ts';
export { migrate, type Migration } from './migrate.ts';
export { DatabaseUnavailableError, isDatabaseUnavailable } from './unavailable.ts';
