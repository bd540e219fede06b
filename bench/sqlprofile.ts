import type { Database, QueryOptions, SqlExecutor } from '../src/db/index.ts';

/**
 * Wraps a Database to time every statement (by the first words of its SQL) and every transaction,
 * so that a store operation's time can be split into SQL round trips and the rest.
 */
export function timedDatabase(db: Database) {
  const stats = new Map<string, { count: number; ms: number }>();
  const add = (label: string, ms: number) => {
    const s = stats.get(label) ?? { count: 0, ms: 0 };
    s.count++;
    s.ms += ms;
    stats.set(label, s);
  };
  const labelOf = (sql: string) => {
    const flat = sql.replace(/\s+/g, ' ').trim();
    const where = flat.indexOf(' WHERE ');
    const head = flat.slice(0, 40);
    return where > 40 ? `${head} … ${flat.slice(where + 1, where + 36)}` : flat.slice(0, 76);
  };
  const timed = (q: SqlExecutor): SqlExecutor => ({
    async query<Row>(sql: string, params?: unknown[], options?: QueryOptions) {
      const t0 = performance.now();
      try {
        return await q.query<Row>(sql, params, options);
      } finally {
        add(labelOf(sql), performance.now() - t0);
      }
    },
  });
  const wrapped: Database = {
    ...db,
    kind: db.kind,
    query: timed(db).query,
    async transaction(work) {
      const t0 = performance.now();
      let inside = 0;
      try {
        return await db.transaction(async (tx) => {
          const t1 = performance.now();
          try {
            return await work(timed(tx));
          } finally {
            inside = performance.now() - t1;
          }
        });
      } finally {
        add('(BEGIN + COMMIT + connection checkout)', performance.now() - t0 - inside);
        add('(whole transaction)', performance.now() - t0);
      }
    },
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    close: () => db.close(),
  };
  return {
    db: wrapped,
    reset: () => stats.clear(),
    /** Rows sorted by total time: label, count, total ms, ms per call. */
    table(operations: number): string {
      const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
      const lines = [
        '| statement | calls per op | ms per op | ms per call |',
        '|---|---:|---:|---:|',
      ];
      for (const [label, s] of rows) {
        lines.push(
          `| \`${label.replace(/\|/g, '\\|')}\` | ${(s.count / operations).toFixed(2)} | ${(s.ms / operations).toFixed(3)} | ${(s.ms / s.count).toFixed(3)} |`,
        );
      }
      return lines.join('\n');
    },
  };
}
