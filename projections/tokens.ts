import { liveTable, type Projection } from '../src/projector/index.ts';

/** API tokens by hash (the token itself is never stored), with their role and revocation. */
export const tokensProjection: Projection = {
  name: 'tokens',
  tables: ['tf_tokens'],
  migrations: [
    {
      id: '150_tokens',
      statements: [
        `CREATE TABLE tf_tokens (
          token_id uuid PRIMARY KEY,
          user_id uuid NOT NULL,
          hash text NOT NULL UNIQUE,
          role text NOT NULL,
          label text,
          issued_at timestamptz NOT NULL,
          revoked_at timestamptz
        )`,
        `CREATE INDEX tf_tokens_user ON tf_tokens (user_id)`,
      ],
    },
  ],
  handles: ['TokenIssued', 'TokenRevoked'],

  async apply(tx, events, table = liveTable) {
    for (const event of events) {
      if (event.type === 'TokenIssued') {
        await tx.query(
          `INSERT INTO ${table('tf_tokens')} (token_id, user_id, hash, role, label, issued_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (token_id) DO NOTHING`,
          [
            event.data.tokenId,
            event.data.userId,
            event.data.hash,
            event.data.role,
            event.data.label ?? null,
            event.timestamp,
          ],
        );
      } else if (event.type === 'TokenRevoked') {
        await tx.query(
          `UPDATE ${table('tf_tokens')} SET revoked_at = COALESCE(revoked_at, $2) WHERE token_id = $1`,
          [event.data.tokenId, event.timestamp],
        );
      }
    }
  },
};
