import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import pg from 'pg';
import {
  migrate,
  openPglite,
  openPostgres,
  type Database,
  type Migration,
} from '../../src/db/index.ts';
import { allMigrations } from '../../src/server/database.ts';

export type DatabaseKind = 'pglite' | 'postgres';

/** PGlite always; the PostgreSQL server too when TEST_DATABASE_URL is set (CI sets it). */
export const databaseKinds: DatabaseKind[] = process.env.TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

let dump: Blob | undefined;

/**
 * A fresh, migrated database of the given kind: a PGlite from the suite's dump or a new schema.
 * `migrations`: only these (a database as an older release left it; PGlite then pays an initdb).
 */
export async function openTestDatabase(
  kind: DatabaseKind,
  migrations: readonly Migration[] = allMigrations,
): Promise<Database> {
  if (kind === 'pglite' && migrations !== allMigrations) {
    const db = await openPglite();
    await migrate(db, migrations);
    return db;
  }
  if (kind === 'pglite') {
    const file = inject('pgliteDump');
    // Only the integration tier runs the globalSetup that builds the dump.
    if (!file) throw new Error('no PGlite dump here: database tests are *.int.test.ts files');
    dump ??= new Blob([await readFile(file)]);
    return openPglite({ loadDataDir: dump });
  }
  const connectionString = process.env.TEST_DATABASE_URL!;
  const schema = `tf_test_${randomBytes(6).toString('hex')}`;
  const db = await openPostgres({ connectionString, schema, maxConnections: 20 });
  await migrate(db, migrations);
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      await close();
      const admin = new pg.Client({ connectionString });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => admin.end());
    },
  });
}
