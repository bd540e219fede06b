import type { SqlExecutor } from '../db/index.ts';
import type { UserRole } from '../events/index.ts';
import type { SupportLevel } from '../llm/index.ts';
import { hashToken } from './tokens.ts';

/** Who is calling: nobody in particular (no Authorization header), or a user through one token. */
export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: string;
      email: string;
      /** The role the token was issued for: a token acts in one role only. */
      role: UserRole;
      levels: SupportLevel[];
      lead: boolean;
      tokenId: string;
    };

export const anonymous: Principal = { kind: 'anonymous' };

/** The user behind a token, if the token exists, is not revoked and its role is still granted. */
export async function principalForToken(db: SqlExecutor, token: string): Promise<Principal | null> {
  return principalForTokenHash(db, hashToken(token));
}

/** The same, from the token's stored hash (a web session keeps only the hash: src/web/session.ts). */
export async function principalForTokenHash(
  db: SqlExecutor,
  tokenHash: string,
): Promise<Principal | null> {
  const { rows } = await db.query<{
    token_id: string;
    role: UserRole;
    user_id: string;
    email: string;
    levels: number[];
    lead: boolean;
  }>(
    `SELECT t.token_id, t.role, u.user_id, u.email, u.levels, u.lead
     FROM tf_tokens t JOIN tf_users u ON u.user_id = t.user_id
     WHERE t.hash = $1 AND t.revoked_at IS NULL AND t.role = ANY(u.roles)`,
    [tokenHash],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    kind: 'user',
    userId: row.user_id,
    email: row.email,
    role: row.role,
    levels: (row.levels ?? []).map(Number) as SupportLevel[],
    lead: row.lead,
    tokenId: row.token_id,
  };
}
