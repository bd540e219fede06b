import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/index.ts';
import { migrate, openPglite, openPostgres, type Database, type Migration } from '../db/index.ts';
import { eventStoreMigrations } from '../eventstore/index.ts';
import { checkpointMigrations } from '../projector/index.ts';
import { projections } from '../../projections/index.ts';

/** Every migration of the product, in the order they apply. */
export const allMigrations: Migration[] = [
  ...eventStoreMigrations,
  ...checkpointMigrations,
  ...projections.flatMap((p) => p.migrations),
].sort((a, b) => a.id.localeCompare(b.id));

/** PGlite in DATA_DIR unless DATABASE_URL names a server; migrated before it is returned. */
export async function openDatabase(
  config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL' | 'DATABASE_SCHEMA'>,
): Promise<Database> {
  let db: Database;
  if (config.DATABASE_URL) {
    db = await openPostgres({
      connectionString: config.DATABASE_URL,
      ...(config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {}),
    });
  } else {
    const dataDir = path.resolve(config.DATA_DIR, 'pglite');
    await mkdir(dataDir, { recursive: true });
    db = await openPglite({ dataDir });
  }
  await migrate(db, allMigrations);
  return db;
}
