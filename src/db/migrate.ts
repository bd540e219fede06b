import type { Database, SqlExecutor } from './types.ts';

export interface Migration {
  id: string;
  /** One statement each: PGlite's extended protocol runs a single statement per query. */
  statements: readonly string[];
  /** Work SQL alone cannot do (hashing existing rows in Node), after the statements, in the same transaction. */
  run?: (tx: SqlExecutor) => Promise<void>;
}

/**
 * Applies migrations in order, once each, under an advisory lock so that several processes
 * starting together against one server do not race.
 */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(7243001)`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS tf_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await tx.query<{ id: string }>(`SELECT id FROM tf_migrations`);
    const applied = new Set(rows.map((r) => r.id));
    const ran: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await migration.run?.(tx);
      await tx.query(`INSERT INTO tf_migrations (id) VALUES ($1)`, [migration.id]);
      ran.push(migration.id);
    }
    return ran;
  });
}
