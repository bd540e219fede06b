import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Database, QueryOptions, SqlExecutor } from './types.ts';
import { asUnavailable, isDatabaseUnavailable } from './unavailable.ts';

export interface PostgresOptions {
  connectionString: string;
  /** Schema to use (created if missing); lets tests and tenants share one database. */
  schema?: string;
  maxConnections?: number;
  /** Opening a connection or waiting for a free one, in ms (default 5000). */
  connectTimeoutMs?: number;
  /** One statement, in ms: the server's `statement_timeout` and pg's read timeout; 0: none. */
  queryTimeoutMs?: number;
}

// BIGINT and XID8 arrive as strings from pg; positions and versions fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export async function openPostgres(
  options: PostgresOptions,
): Promise<Database & { pool: pg.Pool }> {
  const schema = options.schema;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`invalid schema name ${schema}`);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const queryTimeoutMs = options.queryTimeoutMs ?? 0;
  if (schema) {
    const setup = new pg.Client({
      connectionString: options.connectionString,
      connectionTimeoutMillis: connectTimeoutMs,
    });
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
    // A database that stops answering must fail a request, not hang it (docs/operations.md).
    connectionTimeoutMillis: connectTimeoutMs,
    ...(queryTimeoutMs > 0
      ? { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + 500 }
      : {}),
    // Notices a peer that vanished without closing (a cut cable, a black hole) on idle connections.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's error (server restart) must not crash the process.
  pool.on('error', () => undefined);
  /** Each LISTEN's stop, so close() ends them (and their reconnection loops). */
  const listenings = new Set<() => void>();
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
      try {
        const result = await pool.query(toQuery(sql, params, options));
        return { rows: result.rows as Row[] };
      } catch (error) {
        throw asUnavailable(error);
      }
    },
    async transaction(work) {
      const client = await pool.connect().catch((error: unknown) => {
        throw asUnavailable(error);
      });
      // A connection lost between two statements is reported here (else: an uncaught 'error').
      let broken: Error | undefined;
      const onError = (error: Error) => void (broken ??= error);
      client.on('error', onError);
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
        // A lost or stuck connection is destroyed (the server rolls back), never given back to
        // the pool: a ROLLBACK would only queue behind the statement that hangs.
        if (isDatabaseUnavailable(error)) broken ??= error instanceof Error ? error : new Error();
        else await client.query('ROLLBACK').catch((e: unknown) => void (broken ??= asError(e)));
        throw asUnavailable(error);
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    async listen(channel, onNotify) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel ${channel}`);
      const listening = keepListening(pool, channel, onNotify);
      listenings.add(listening.stop);
      await listening.started.catch((error: unknown) => {
        listening.stop();
        listenings.delete(listening.stop);
        throw asUnavailable(error);
      });
      return async () => {
        // close() may have stopped it already.
        if (!listenings.delete(listening.stop)) return;
        await listening.unlisten();
      };
    },
    async close() {
      for (const stop of listenings) stop();
      listenings.clear();
      await pool.end();
    },
  };
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/**
 * A LISTEN on its own pool connection that comes back by itself: when the connection is lost (a
 * restart, a cut), it is destroyed and opened again with a growing pause (0.1 s to 5 s), and
 * `onNotify('')` wakes the listener once it is back, since notifications sent meanwhile are lost.
 */
function keepListening(pool: pg.Pool, channel: string, onNotify: (payload: string) => void) {
  let client: pg.PoolClient | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let pauseMs = 100;

  /** One pending reconnection at most, however many ways the loss was reported. */
  const schedule = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      reconnect();
    }, pauseMs);
  };

  const lost = (broken: pg.PoolClient, error: Error) => {
    if (client !== broken) return;
    client = null;
    broken.release(error);
    schedule();
  };

  async function attach(): Promise<void> {
    const c = await pool.connect();
    if (stopped) return c.release();
    client = c;
    c.on('error', (error: Error) => lost(c, error));
    c.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    try {
      await c.query(`LISTEN ${channel}`);
    } catch (error) {
      lost(c, asError(error));
      throw error;
    }
  }

  function reconnect() {
    attach().then(
      () => {
        pauseMs = 100;
        if (!stopped) onNotify('');
      },
      () => {
        pauseMs = Math.min(pauseMs * 2, 5000);
        schedule();
      },
    );
  }

  return {
    started: attach(),
    stop() {
      stopped = true;
      clearTimeout(retry);
      retry = undefined;
      const c = client;
      client = null;
      c?.release();
    },
    async unlisten() {
      stopped = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      if (!c) return;
      await c.query(`UNLISTEN ${channel}`).catch(() => undefined);
      c.release();
    },
  };
}
