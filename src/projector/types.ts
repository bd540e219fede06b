import type { Migration, SqlExecutor } from '../db/index.ts';
import type { EventType, StoredEvent } from '../events/index.ts';

/**
 * The physical name of one of a projection's tables for this call: the table itself, or its
 * shadow while a rebuild projects into new tables (src/projector/rebuild.ts).
 */
export type TableName = (table: string) => string;

/** The live tables: what `apply` uses when the runner passes no `table` (callers outside it). */
export const liveTable: TableName = (table) => table;

/**
 * A read model: its tables (as migrations) and how a batch of events changes them.
 * `apply` runs inside the transaction that also moves the projection's checkpoint.
 */
export interface Projection {
  name: string;
  /** Tables the projection owns; a rebuild builds them anew in shadow tables and swaps them in. */
  tables: readonly string[];
  migrations: readonly Migration[];
  /** Event types it reads; an empty list means it is reference data only. */
  handles: readonly EventType[];
  /**
   * Applies a batch. Every statement names its own tables through `table('tf_x')` (the runner
   * passes the shadow's name during a rebuild; callers outside the runner may omit it: then
   * {@link liveTable}); other projections' tables are named directly.
   */
  apply(tx: SqlExecutor, events: readonly StoredEvent[], table?: TableName): Promise<void>;
}
