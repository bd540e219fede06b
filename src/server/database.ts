import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.ts';
import { migrate, openPglite, openPostgres, type Database, type Migration } from '../db/index.ts';
import { auditMigrations } from '../audit/index.ts';
import { eventStoreMigrations } from '../eventstore/index.ts';
import { checkpointMigrations } from '../projector/index.ts';
import { idempotencyMigrations } from '../workflow/index.ts';
import { privacyMigrations } from '../privacy/index.ts';
import { projectionMigrations } from '../../projections/index.ts';
import { webhookMigrations } from '../webhooks/index.ts';
import { webSessionMigrations } from '../web/index.ts';

/** Every migration of the product, in the order they apply. */
export const allMigrations: Migration[] = [
  ...eventStoreMigrations,
  ...auditMigrations,
  ...checkpointMigrations,
  ...idempotencyMigrations,
  ...privacyMigrations,
  ...projectionMigrations,
  ...webhookMigrations,
  ...webSessionMigrations,
].sort((a, b) => a.id.localeCompare(b.id));

/**
 * PGlite in DATA_DIR unless DATABASE_URL names a server; migrated before it is returned. With
 * `existing`, for tools that only read what a server wrote: nothing is created or migrated, and a
 * missing database is an error rather than a new empty one.
 */
export async function openDatabase(
  config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL' | 'DATABASE_SCHEMA'> &
    Partial<Pick<Config, 'DATABASE_CONNECT_TIMEOUT_MS' | 'DATABASE_QUERY_TIMEOUT_MS'>>,
  options: { existing?: boolean } = {},
): Promise<Database> {
  let db: Database;
  if (config.DATABASE_URL) {
    db = await openPostgres({
      connectionString: config.DATABASE_URL,
      ...(config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {}),
      ...(config.DATABASE_CONNECT_TIMEOUT_MS !== undefined
        ? { connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS }
        : {}),
      ...(config.DATABASE_QUERY_TIMEOUT_MS !== undefined
        ? { queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS }
        : {}),
    });
  } else {
    const dataDir = path.resolve(config.DATA_DIR, 'pglite');
    if (options.existing && !existsSync(dataDir)) {
      throw new Error(`no ticketflow database in ${dataDir} (check DATA_DIR)`);
    }
    // openPglite creates the directory as it locks it.
    db = await openPglite({ dataDir });
  }
  if (!options.existing) {
    await migrate(db, allMigrations);
  } else {
    const { rows } = await db.query<{ found: boolean }>(
      `SELECT to_regclass('tf_events') IS NOT NULL AS found`,
    );
    if (!rows[0]?.found) {
      await db.close();
      throw new Error(
        'this database holds no ticketflow event log (check DATABASE_URL / DATA_DIR)',
      );
    }
  }
  return db;
}
