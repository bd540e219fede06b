import { PGlite } from '@electric-sql/pglite';
import type { Database, SqlExecutor } from './types.ts';

export interface PgliteOptions {
  /** A data directory; omitted: in memory. */
  dataDir?: string;
  /** A tarball made by `dumpDataDir()`, to start from a prepared database (tests). */
  loadDataDir?: Blob | File;
}

/**
 * PGlite is one PostgreSQL session in this process: its own mutex serialises queries and
 * transactions, so this adapter only has to translate the interface.
 */
export async function openPglite(
  options: PgliteOptions = {},
): Promise<Database & { pglite: PGlite }> {
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const asExecutor = (q: Pick<PGlite, 'query'>): SqlExecutor => ({
    async query<Row>(sql: string, params?: unknown[]) {
      const result = await q.query<Row>(sql, params);
      return { rows: result.rows };
    },
  });
  return {
    kind: 'pglite',
    pglite,
    ...asExecutor(pglite),
    transaction: (work) => pglite.transaction((tx) => work(asExecutor(tx))),
    async listen(channel, onNotify) {
      const unlisten = await pglite.listen(channel, onNotify);
      return () => unlisten();
    },
    close: () => pglite.close(),
  };
}
