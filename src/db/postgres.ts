import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Database, QueryOptions, SqlExecutor } from './types.ts';

export interface PostgresOptions {
  connectionString: string;
  /** Schema to use (created if missing); lets tests and tenants share one database. */
  schema?: string;
  maxConnections?: number;
}

// BIGINT and XID8 arrive as strings from pg; positions and versions fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export async function openPostgres(
  options: PostgresOptions,
): Promise<Database & { pool: pg.Pool }> {
  const schema = options.schema;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`invalid schema name ${schema}`);
  if (schema) {
    const setup = new pg.Client({ connectionString: options.connectionString });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's error (server restart) must not crash the process.
  pool.on('error', () => undefined);
  const listeners = new Set<pg.PoolClient>();
  const statementNames = new Map<string, string>();
  /** pg prepares a named statement once per connection and reuses it; the name is the text's hash. */
  const toQuery = (sql: string, params: unknown[] | undefined, options?: QueryOptions) => {
    if (!options?.prepared) return { text: sql, values: params };
    let name = statementNames.get(sql);
    if (!name) {
      name = `tf_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
      statementNames.set(sql, name);
    }
    return { name, text: sql, values: params };
  };

  return {
    kind: 'postgres',
    pool,
    query: async <Row>(sql: string, params?: unknown[], options?: QueryOptions) => {
      const result = await pool.query(toQuery(sql, params, options));
      return { rows: result.rows as Row[] };
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const executor: SqlExecutor = {
          query: async <Row>(sql: string, params?: unknown[], options?: QueryOptions) => {
            const result = await client.query(toQuery(sql, params, options));
            return { rows: result.rows as Row[] };
          },
        };
        const result = await work(executor);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel ${channel}`);
      const client = await pool.connect();
      listeners.add(client);
      client.on('notification', (message) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      });
      await client.query(`LISTEN ${channel}`);
      return async () => {
        // close() may have released it already.
        if (!listeners.delete(client)) return;
        await client.query(`UNLISTEN ${channel}`).catch(() => undefined);
        client.release();
      };
    },
    async close() {
      for (const client of listeners) client.release();
      listeners.clear();
      await pool.end();
    },
  };
}
