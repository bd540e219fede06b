import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Thrown when another live process has the data directory open. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the database in ${dataDir} is open in process ${pid}; PGlite allows one process per data ` +
        'directory (stop that process first, or use a PostgreSQL server through DATABASE_URL)',
    );
  }
}

const LOCK_FILE = 'ticketflow.lock';

/** Directories this process holds (its own pid in a lock file is otherwise a previous incarnation's). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a PGlite data directory for this process: PGlite is an embedded PostgreSQL, and two
 * processes writing one directory corrupt it (a CLI run beside the server would). The lock file
 * holds the owner's pid; one left by a process that died is taken over. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      heldHere.add(path);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(path);
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      // A container restarts with the same pid as before: our own pid is ours only if we hold it.
      const inUse = pid === process.pid ? heldHere.has(path) : pid > 0 && alive(pid);
      if (Number.isInteger(pid) && inUse) throw new DataDirInUseError(dataDir, pid);
      rmSync(path, { force: true }); // left by a process that is gone
    }
  }
  throw new Error(`cannot lock ${dataDir}`);
}
