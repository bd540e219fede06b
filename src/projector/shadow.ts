import type { SqlExecutor } from '../db/index.ts';

/** The table a rebuild writes before it is swapped in. */
export const shadowName = (table: string) => `${table}_shadow`;

/** An index definition without its own name and its table's: comparable across LIKE copies. */
const shape = (definition: string) => definition.replace(/ INDEX \S+ ON \S+ /, ' INDEX ON _ ');

/**
 * `LIKE ... INCLUDING ALL` gives the shadow's indexes generated names. Pairs each of them with the
 * live table's index of the same definition, so that after the swap the indexes (and the
 * constraints they back) keep the names migrations know them by.
 */
export async function renameIndexesLike(
  tx: SqlExecutor,
  live: string,
  shadow: string,
): Promise<Array<[string, string]>> {
  const { rows } = await tx.query<{ tablename: string; indexname: string; indexdef: string }>(
    `SELECT tablename, indexname, indexdef FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename = ANY($1::text[])`,
    [[live, shadow]],
  );
  const liveByShape = new Map(
    rows.filter((r) => r.tablename === live).map((r) => [shape(r.indexdef), r.indexname]),
  );
  const renames: Array<[string, string]> = [];
  for (const row of rows.filter((r) => r.tablename === shadow)) {
    const name = liveByShape.get(shape(row.indexdef));
    if (name && name !== row.indexname) {
      liveByShape.delete(shape(row.indexdef));
      renames.push([row.indexname, name]);
    }
  }
  return renames;
}
