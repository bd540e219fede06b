import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './dataDirLock.ts';
import type { Database, SqlExecutor } from './types.ts';

export interface PgliteOptions {
  /** A data directory; omitted: in memory. */
  dataDir?: string;
  /** A tarball made by `dumpDataDir()`, to start from a prepared database (tests). */
  loadDataDir?: Blob | File;
}

/**
 * Lets the event loop run its I/O before a statement. PGlite's statements finish without any I/O
 * wait, so a chain of them (the workflow's steps for dozens of tickets) runs as one unbroken run of
 * promise continuations, during which no socket is read: measured, some HTTP requests then waited
 * 10 s before being read at 100 clients while the median was 0.2 s.
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * PGlite is one PostgreSQL session in this process: its own mutex serialises queries and
 * transactions, so this adapter only has to translate the interface.
 */
export async function openPglite(
  options: PgliteOptions = {},
): Promise<Database & { pglite: PGlite }> {
  const release = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
  } catch (error) {
    release();
    throw error;
  }
  const asExecutor = (q: Pick<PGlite, 'query'>): SqlExecutor => ({
    async query<Row>(sql: string, params?: unknown[]) {
      const result = await q.query<Row>(sql, params);
      return { rows: result.rows };
    },
  });
  const inTransaction = asExecutor(pglite);
  return {
    kind: 'pglite',
    pglite,
    async query<Row>(sql: string, params?: unknown[]) {
      await turn();
      return inTransaction.query<Row>(sql, params);
    },
    async transaction(work) {
      await turn();
      return pglite.transaction((tx) => work(asExecutor(tx)));
    },
    async listen(channel, onNotify) {
      const unlisten = await pglite.listen(channel, onNotify);
      return () => unlisten();
    },
    async close() {
      try {
        await pglite.close();
      } finally {
        release();
      }
    },
  };
}
