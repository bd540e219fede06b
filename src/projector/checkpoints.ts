import type { Database, Migration } from '../db/index.ts';

export const checkpointMigrations: Migration[] = [
  {
    id: '090_projection_checkpoints',
    statements: [
      `CREATE TABLE tf_projection_checkpoints (
        name text PRIMARY KEY,
        position bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];

/** Another runner moved a checkpoint this batch started from: the batch was rolled back. */
export class CheckpointMovedError extends Error {}

/**
 * Each projection's checkpoint: the position of the last event its tables reflect. The leader
 * keeps its own in memory between batches: the compare-and-set update of each batch detects any
 * other writer, and then the cached value is dropped and read again.
 */
export function createCheckpoints(db: Database) {
  const known = new Map<string, number>();

  /** A projection's checkpoint as stored (0 before it has one). */
  async function stored(name: string): Promise<number> {
    const { rows } = await db.query<{ position: number }>(
      `SELECT position FROM tf_projection_checkpoints WHERE name = $1`,
      [name],
    );
    return Number(rows[0]?.position ?? 0);
  }

  /** The checkpoint a leader's next batch starts from (cached; the row made if missing). */
  async function leading(name: string): Promise<number> {
    const cached = known.get(name);
    if (cached !== undefined) return cached;
    // The leader's compare-and-set needs the row.
    await db.query(
      `INSERT INTO tf_projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
      [name],
    );
    const position = await stored(name);
    known.set(name, position);
    return position;
  }

  return {
    stored,
    leading,
    /** What this process just committed. */
    remember: (name: string, position: number) => void known.set(name, position),
    /** Someone else may have moved it (a failed batch, a lease taken over): read it again. */
    forget: (name: string) => void known.delete(name),
  };
}

export type Checkpoints = ReturnType<typeof createCheckpoints>;
