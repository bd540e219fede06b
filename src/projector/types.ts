import type { Migration, SqlExecutor } from '../db/index.ts';
import type { EventType, StoredEvent } from '../events/index.ts';

/**
 * A read model: its tables (as migrations) and how a batch of events changes them.
 * `apply` runs inside the transaction that also moves the projection's checkpoint.
 */
export interface Projection {
  name: string;
  /** Tables the projection owns; a rebuild empties them. */
  tables: readonly string[];
  migrations: readonly Migration[];
  /** Event types it reads; an empty list means it is reference data only. */
  handles: readonly EventType[];
  apply(tx: SqlExecutor, events: readonly StoredEvent[]): Promise<void>;
}
