import type { SqlExecutor } from '../db/index.ts';

const identifier = /^[a-z_][a-z0-9_]*$/;

/**
 * Writes rows in one statement (`jsonb_populate_recordset` maps JSON keys to the table's columns).
 * `upsert` updates every non-key column on conflict; `insert` keeps the existing row, so
 * re-applying an event is harmless. One round trip per batch, whatever its size.
 */
export async function writeRows(
  tx: SqlExecutor,
  mode: 'upsert' | 'insert',
  table: string,
  key: readonly string[],
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  for (const name of [table, ...key, ...columns]) {
    if (!identifier.test(name)) throw new Error(`invalid identifier ${name}`);
  }
  const updates = columns.filter((c) => !key.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  const onConflict =
    mode === 'upsert' && updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING';
  await tx.query(
    `INSERT INTO ${table} (${columns.join(', ')})
     SELECT ${columns.join(', ')} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)
     ON CONFLICT (${key.join(', ')}) DO ${onConflict}`,
    [JSON.stringify(rows)],
  );
}
