import type { Database } from '../../src/db/index.ts';

/**
 * Rewrites the event log as an attacker with the table owner's rights would: the append-only
 * trigger is switched off around the statements (docs/audit.md: the trigger is hygiene, not the
 * protection), all in one transaction.
 */
export async function tamper(
  db: Database,
  statements: ReadonlyArray<string | { sql: string; params: unknown[] }>,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`ALTER TABLE tf_events DISABLE TRIGGER USER`);
    for (const statement of statements) {
      if (typeof statement === 'string') await tx.query(statement);
      else await tx.query(statement.sql, statement.params);
    }
    await tx.query(`ALTER TABLE tf_events ENABLE TRIGGER USER`);
  });
}
