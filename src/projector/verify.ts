import type { SqlExecutor } from '../db/index.ts';
import { createShadowTables, fillShadowTables, type RebuildContext } from './rebuild.ts';
import type { Projection, TableName } from './types.ts';

/** A row that is in the live table and not in the one rebuilt from the log, or the reverse. */
export interface RowDifference {
  table: string;
  side: 'live_only' | 'rebuilt_only';
  row: Record<string, unknown>;
}

export interface ProjectionVerification {
  projection: string;
  /** The checkpoint both sides were compared at. */
  position: number;
  events: number;
  differences: RowDifference[];
  /** More differing rows than listed (the list stops at `maxRows` per table and side). */
  truncated: boolean;
}

/**
 * Columns that are not derived from events: the SLA scheduler leases a due timer by writing
 * `leased_until` on the live row, which a rebuild never does. A verification leaves them out.
 */
export const operationalColumns: Readonly<Record<string, readonly string[]>> = {
  tf_sla_timers: ['leased_until'],
};

const maxRows = 100;
/** Not the rebuild's `_shadow` names: a verification must never drop a rebuild's tables. */
const verifyName = (table: string) => `${table}_verify`;
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function comparedColumns(db: SqlExecutor, table: string): Promise<string[]> {
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  const skipped = operationalColumns[table] ?? [];
  return rows.map((r) => r.column_name).filter((c) => !skipped.includes(c));
}

/** Rows of `a` not in `b` (as multisets, on the compared columns), up to maxRows + 1. */
async function rowsMissing(db: SqlExecutor, columns: string[], a: string, b: string) {
  const list = columns.map(quoted).join(', ');
  const { rows } = await db.query<{ row: Record<string, unknown> }>(
    `SELECT to_jsonb(d) AS row FROM (SELECT ${list} FROM ${a} EXCEPT ALL SELECT ${list} FROM ${b}) d
     LIMIT ${maxRows + 1}`,
  );
  return rows.map((r) => r.row);
}

async function diffTable(db: SqlExecutor, table: string) {
  const columns = await comparedColumns(db, table);
  const live = await rowsMissing(db, columns, table, verifyName(table));
  const rebuilt = await rowsMissing(db, columns, verifyName(table), table);
  const byJson = (a: object, b: object) => JSON.stringify(a).localeCompare(JSON.stringify(b));
  const differences: RowDifference[] = [
    ...live.slice(0, maxRows).map((row) => ({ table, side: 'live_only' as const, row })),
    ...rebuilt.slice(0, maxRows).map((row) => ({ table, side: 'rebuilt_only' as const, row })),
  ].sort((x, y) => byJson(x.row, y.row) || x.side.localeCompare(y.side));
  return { differences, truncated: live.length > maxRows || rebuilt.length > maxRows };
}

/**
 * Rebuilds a projection from the log into shadow tables (the rebuild's own machinery) up to the
 * live tables' checkpoint, then compares them row by row and drops the shadow: the live tables are
 * never touched. When another process moves the checkpoint during the comparison, the shadow is
 * brought up to the new checkpoint and compared again (a few times).
 */
export async function verifyProjection(
  ctx: RebuildContext,
  projection: Projection,
): Promise<ProjectionVerification> {
  const shadow: TableName = (table) =>
    projection.tables.includes(table) ? verifyName(table) : table;
  await createShadowTables(ctx.db, projection, shadow);
  try {
    let cursor = 0;
    let events = 0;
    for (let attempt = 0; ; attempt++) {
      const position = await ctx.checkpoints.stored(projection.name);
      const filled = await fillShadowTables(
        ctx,
        projection,
        shadow,
        {},
        { cursor, upTo: position },
      );
      cursor = filled.cursor;
      events += filled.applied;
      const compared = await ctx.exclusive(async () => {
        const tables = [];
        for (const table of projection.tables) tables.push(await diffTable(ctx.db, table));
        return {
          differences: tables.flatMap((t) => t.differences),
          truncated: tables.some((t) => t.truncated),
        };
      });
      const moved = (await ctx.checkpoints.stored(projection.name)) !== position;
      if (!moved || attempt === 4) {
        return { projection: projection.name, position, events, ...compared };
      }
    }
  } finally {
    await ctx.db.transaction(async (tx) => {
      for (const table of projection.tables)
        await tx.query(`DROP TABLE IF EXISTS ${shadow(table)}`);
    });
  }
}
