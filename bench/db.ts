import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate, openPglite, openPostgres, type Database } from '../src/db/index.ts';
import { allMigrations } from '../src/server/database.ts';

export type DbKind = 'pglite' | 'postgres';

/** A migrated database of its own for one benchmark group; `dispose` removes every trace. */
export interface BenchDb {
  kind: DbKind;
  db: Database;
  /**
   * One raw statement outside the store: PGlite's own `query`, or a pooled `pg` query kept
   * prepared on each connection, as the store's appends are.
   */
  raw(sql: string, params?: unknown[]): Promise<unknown>;
  /** PostgreSQL only: the pool, for baselines that need their own connections. */
  pool?: pg.Pool;
  /** PostgreSQL: the schema; PGlite: the data directory. */
  where: string;
  dispose(): Promise<void>;
}

/** What must be removed if the run is interrupted (schemas, data directories). */
export const pendingCleanups = new Set<() => Promise<unknown>>();

/** Registers a cleanup until it has run once. */
export function onCleanup(cleanup: () => Promise<unknown>): () => Promise<void> {
  const once = async () => {
    if (!pendingCleanups.delete(once)) return;
    await cleanup();
  };
  pendingCleanups.add(once);
  return once;
}

/**
 * The machine's PostgreSQL through its Unix-domain socket when there is one, as a server on the
 * same host is best reached: TCP over loopback cost the e2e server about a quarter of its CPU in
 * `writev` (profiled, bench/analysis.md). Baselines and the store use the same connection.
 */
export const defaultPostgresUrl = existsSync('/var/run/postgresql/.s.PGSQL.5432')
  ? 'postgres://postgres@localhost/test?host=/var/run/postgresql'
  : 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}

export const newSchemaName = () => `bench_${randomBytes(5).toString('hex')}`;

let pgliteTemplate: Promise<Blob> | null = null;

/**
 * A migrated, empty PGlite data directory as a tarball, made once per run: initdb takes 4-8 s,
 * loading the dump into a new directory about 2 s.
 */
function migratedPgliteDump(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-bench-'));
    try {
      const db = await openPglite({ dataDir: path.join(dir, 'pglite') });
      await migrate(db, allMigrations);
      const dump = await db.pglite.dumpDataDir('none');
      await db.close();
      return dump;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return pgliteTemplate;
}

/** Writes a fresh migrated PGlite database into `dataDir` (for a server that opens it itself). */
export async function preparePgliteDir(dataDir: string): Promise<void> {
  const db = await openPglite({ dataDir, loadDataDir: await migratedPgliteDump() });
  await db.close();
}

/** PGlite in a fresh temporary data directory (durable: on disk), or a fresh PostgreSQL schema. */
export async function openBenchDb(
  kind: DbKind,
  postgresUrl: string,
  poolSize = 16,
): Promise<BenchDb> {
  if (kind === 'pglite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-bench-'));
    const db = await openPglite({
      dataDir: path.join(dir, 'pglite'),
      loadDataDir: await migratedPgliteDump(),
    });
    await migrate(db, allMigrations);
    const dispose = onCleanup(async () => {
      await db.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });
    return { kind, db, raw: (sql, params) => db.pglite.query(sql, params), where: dir, dispose };
  }
  const schema = newSchemaName();
  const early = onCleanup(() => dropSchema(postgresUrl, schema));
  const db = await openPostgres({
    connectionString: postgresUrl,
    schema,
    maxConnections: poolSize,
  });
  await migrate(db, allMigrations);
  pendingCleanups.delete(early);
  return {
    kind,
    db,
    raw: (sql, params) => db.query(sql, params, { prepared: params !== undefined }),
    pool: db.pool,
    where: schema,
    dispose: onCleanup(async () => {
      await db.close().catch(() => undefined);
      await dropSchema(postgresUrl, schema);
    }),
  };
}
