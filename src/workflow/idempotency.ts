import { createHash } from 'node:crypto';
import type { Migration, SqlExecutor } from '../db/index.ts';

/**
 * Idempotency keys, looked up rather than computed (issue 10): a ticket id is always random, and
 * an `Idempotency-Key` finds the ticket it was first used for through this table. Only hashes are
 * stored: the key's hash within its scope (the requester's email), the ticket id, and a
 * fingerprint of the request, so the table neither holds the keys nor lets anyone derive an id.
 */
export interface IdempotencyKeys {
  /**
   * Reserves `key` for `ticketId`, or finds what it was reserved for before. Called before the
   * ticket's stream is written, so a crash between the two leaves a reservation whose stream does
   * not exist yet; the retry gets that ticket id back and writes the stream.
   */
  reserve(request: IdempotentRequest, ticketId: string): Promise<Reservation>;
}

export interface IdempotentRequest {
  /** Who the key belongs to: the requester's email (the token's, or the anonymous body's). */
  scope: string;
  key: string;
  /** What must be equal for a retry to be the same request (see {@link requestFingerprint}). */
  fingerprint: string;
}

export type Reservation =
  /** The key is new: the caller writes the ticket. */
  | { kind: 'reserved'; ticketId: string }
  /** The key was used before for the same request: the same ticket (written or not yet). */
  | { kind: 'same_request'; ticketId: string }
  /** The key was used before for another request. Carries nothing about that ticket on purpose. */
  | { kind: 'different_request' };

const sha256 = (parts: readonly unknown[]) =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/** The stored form of (scope, key): JSON keeps `a` + `b\0c` apart from `a\0b` + `c`. */
export const idempotencyKeyHash = (scope: string, key: string) =>
  sha256(['ticketflow-idempotency-key', scope.toLowerCase(), key]);

/**
 * What makes two requests "the same" for a replay: the ticket's text, and whether the requester
 * proved the email (a token) or not. The latter keeps an anonymous caller who knows someone's
 * email, key and text from being handed the ticket that person filed with their token.
 */
export function requestFingerprint(request: {
  subject?: string | undefined;
  description: string;
  verified: boolean;
}): string {
  return sha256([
    'ticketflow-ticket-text',
    request.verified,
    request.subject ?? null,
    request.description,
  ]);
}

export const idempotencyMigrations: Migration[] = [
  {
    id: '050_idempotency_keys',
    statements: [
      `CREATE TABLE tf_idempotency_keys (
        key_hash text PRIMARY KEY,
        ticket_id uuid NOT NULL,
        fingerprint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];

/** The table in the read-model database (PGlite or PostgreSQL), whichever store holds the log. */
export function createSqlIdempotencyKeys(db: SqlExecutor): IdempotencyKeys {
  return {
    async reserve(request, ticketId) {
      const keyHash = idempotencyKeyHash(request.scope, request.key);
      // ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit, so the
      // SELECT below then sees it: of concurrent first uses, exactly one reserves.
      const inserted = await db.query<{ ticket_id: string }>(
        `INSERT INTO tf_idempotency_keys (key_hash, ticket_id, fingerprint) VALUES ($1, $2, $3)
         ON CONFLICT (key_hash) DO NOTHING RETURNING ticket_id`,
        [keyHash, ticketId, request.fingerprint],
      );
      if (inserted.rows[0]) return { kind: 'reserved', ticketId };
      const { rows } = await db.query<{ ticket_id: string; fingerprint: string }>(
        `SELECT ticket_id, fingerprint FROM tf_idempotency_keys WHERE key_hash = $1`,
        [keyHash],
      );
      const existing = rows[0];
      if (!existing) throw new Error('idempotency key neither inserted nor found');
      return existing.fingerprint === request.fingerprint
        ? { kind: 'same_request', ticketId: existing.ticket_id }
        : { kind: 'different_request' };
    },
  };
}
