import pg from 'pg';
import type { Database } from '../db/index.ts';

/**
 * Leadership per projection across processes. On a PostgreSQL server: a session advisory lock per
 * projection, held on one dedicated connection for as long as this process leads; when the
 * process dies its connection closes and the server releases the locks, so a follower's next
 * attempt takes over. PGlite is one process: it always leads.
 */
export interface Lease {
  /** Tries to take `name`; true when this process holds it (already or now). */
  tryAcquire(name: string): Promise<boolean>;
  /** Whether this process holds `name` (false again as soon as the connection is lost). */
  holds(name: string): boolean;
  /** Checks the connection that holds the locks; false (and nothing held) when it is gone. */
  check(): Promise<boolean>;
  close(): Promise<void>;
}

/** Class id of ticketflow's projection locks (the second key is a hash of schema and name). */
export const projectionLockClass = 7243002;

export function alwaysLeader(): Lease {
  const held = new Set<string>();
  return {
    async tryAcquire(name) {
      held.add(name);
      return true;
    },
    holds: (name) => held.has(name),
    check: async () => true,
    async close() {
      held.clear();
    },
  };
}

/** An advisory-lock lease on a dedicated connection taken from the database's pool. */
export function advisoryLockLease(pool: pg.Pool): Lease {
  const held = new Set<string>();
  let client: pg.PoolClient | null = null;
  let connecting: Promise<pg.PoolClient> | null = null;

  const lost = (broken: pg.PoolClient) => {
    if (client !== broken) return;
    held.clear();
    client = null;
    broken.release(true);
  };

  async function connection(): Promise<pg.PoolClient> {
    if (client) return client;
    connecting ??= pool.connect().then(
      (c) => {
        c.on('error', () => lost(c));
        client = c;
        connecting = null;
        return c;
      },
      (error: unknown) => {
        connecting = null;
        throw error;
      },
    );
    return connecting;
  }

  // Schema-qualified: tests and tenants sharing one server each have their own leaders.
  const key = `SELECT $1::int AS cls, hashtext(current_schema() || '.' || $2::text) AS obj`;

  return {
    async tryAcquire(name) {
      if (held.has(name)) return true;
      const c = await connection();
      try {
        const { rows } = await c.query<{ ok: boolean }>(
          `WITH k AS (${key}) SELECT pg_try_advisory_lock(k.cls, k.obj) AS ok FROM k`,
          [projectionLockClass, name],
        );
        if (rows[0]?.ok) held.add(name);
        return rows[0]?.ok === true;
      } catch (error) {
        lost(c);
        throw error;
      }
    },
    holds: (name) => held.has(name),
    async check() {
      const c = client;
      if (!c) return false;
      try {
        await c.query('SELECT 1');
        return true;
      } catch {
        lost(c);
        return false;
      }
    },
    async close() {
      held.clear();
      const c = client ?? (await connecting?.catch(() => null)) ?? null;
      client = null;
      // Closing the session releases every lock it holds.
      c?.release(true);
    },
  };
}

/** The lease that fits the database: advisory locks on a server, always leader on PGlite. */
export function leaseFor(db: Database): Lease {
  const pool = (db as Database & { pool?: unknown }).pool;
  if (db.kind === 'postgres' && pool instanceof pg.Pool) return advisoryLockLease(pool);
  return alwaysLeader();
}
