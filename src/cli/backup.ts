import { readdirSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DataDirInUseError, lockDataDir, openPglite } from '../db/index.ts';

/** A refusal the operator can act on: printed as is, exit code 2 (nothing was written). */
export class BackupRefusedError extends Error {}

type Env = Record<string, string | undefined>;

/** The embedded database's directory, as the server computes it (src/server/database.ts). */
function pgliteDir(env: Env): string {
  return path.resolve(env.DATA_DIR ?? './data', 'pglite');
}

function refuseOnPostgres(env: Env, verb: 'backup' | 'restore') {
  if (!env.DATABASE_URL) return;
  const tool = verb === 'backup' ? 'pg_dump' : 'pg_restore';
  throw new BackupRefusedError(
    `DATABASE_URL names a PostgreSQL server: ${verb} it with ${tool} or point-in-time recovery ` +
      '(docs/operations.md, "Backups"); this command is for the embedded PGlite in DATA_DIR',
  );
}

function whileServerRuns(error: unknown, verb: 'backup' | 'restore'): unknown {
  if (!(error instanceof DataDirInUseError)) return error;
  return new BackupRefusedError(
    `the data directory ${error.dataDir} is open in process ${error.pid} (a running server?). ` +
      `PGlite allows one process per data directory: stop the server (SIGTERM), run ${verb}, ` +
      'then start it again. For backups without stopping, run ticketflow on PostgreSQL ' +
      '(docs/operations.md)',
  );
}

/**
 * `backup FILE`: a gzipped tarball of the PGlite data directory (PGlite's `dumpDataDir`). The
 * server must be stopped: the lock makes this process the only one with the directory open, so
 * the copy is of a database nobody writes, event log, read models and checkpoints alike.
 */
export async function backupPglite(env: Env, file: string): Promise<{ bytes: number }> {
  refuseOnPostgres(env, 'backup');
  const dataDir = pgliteDir(env);
  if (!hasDatabase(dataDir)) {
    throw new BackupRefusedError(`no ticketflow database in ${dataDir} (check DATA_DIR)`);
  }
  let db;
  try {
    db = await openPglite({ dataDir });
  } catch (error) {
    throw whileServerRuns(error, 'backup');
  }
  try {
    const dump = await db.pglite.dumpDataDir('gzip');
    const bytes = Buffer.from(await dump.arrayBuffer());
    // Owner-only: the copy holds requesters' emails and tickets, and token hashes.
    await writeFile(file, bytes, { flag: 'wx', mode: 0o600 }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') {
          throw new BackupRefusedError(`${file} exists: choose a new file name`);
        }
        throw error;
      },
    );
    return { bytes: bytes.length };
  } finally {
    await db.close();
  }
}

/**
 * `restore FILE [--force]`: the data directory becomes the backup. The file is opened in memory
 * first (a truncated or foreign file is refused before anything is touched); a data directory
 * that holds a database is replaced only with `force`; a running server's lock refuses.
 */
export async function restorePglite(env: Env, file: string, force: boolean): Promise<void> {
  refuseOnPostgres(env, 'restore');
  const dump = new Blob([await readFile(file)]);
  await checkDump(dump, file);
  const dataDir = pgliteDir(env);
  let release: () => void;
  try {
    release = lockDataDir(dataDir);
  } catch (error) {
    throw whileServerRuns(error, 'restore');
  }
  try {
    const existing = entriesBesidesLock(dataDir);
    if (existing.length > 0 && !force) {
      throw new BackupRefusedError(
        `${dataDir} is not empty: restoring replaces the database there. Run restore with ` +
          '--force to replace it (back it up first if it may be needed)',
      );
    }
    for (const entry of existing) rmSync(path.join(dataDir, entry), { recursive: true });
    // Our lock file stays: PGlite extracts the tarball beside it, as at a fresh server start.
    const pglite = await PGlite.create({ dataDir, loadDataDir: dump });
    await pglite.close();
  } finally {
    release();
  }
}

async function checkDump(dump: Blob, file: string) {
  let pglite: PGlite | undefined;
  try {
    pglite = await PGlite.create({ loadDataDir: dump });
    const { rows } = await pglite.query<{ found: boolean }>(
      `SELECT to_regclass('tf_events') IS NOT NULL AS found`,
    );
    if (!rows[0]?.found) throw new Error('no event log');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new BackupRefusedError(`${file} is not a ticketflow backup (${why}); nothing changed`);
  } finally {
    await pglite?.close();
  }
}

const LOCK_FILE = 'ticketflow.lock';

function entriesBesidesLock(dataDir: string): string[] {
  return readdirSync(dataDir).filter((entry) => entry !== LOCK_FILE);
}

function hasDatabase(dataDir: string): boolean {
  try {
    return entriesBesidesLock(dataDir).includes('PG_VERSION');
  } catch {
    return false;
  }
}
