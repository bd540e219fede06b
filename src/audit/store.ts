/** The audit log's tables: leaves and checkpoints (src/audit/schema.ts). */
import type { SqlExecutor } from '../db/index.ts';
import { leafHash } from './merkle.ts';

export interface Leaf {
  leafIndex: number;
  position: number;
  streamId: string;
  version: number;
  /** The event's hash (hex) as the sequencer read it; the tree's leaf is leafHash of its bytes. */
  eventHash: string;
}

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  note: string;
}

interface LeafRow {
  leaf_index: number | string;
  position: number | string;
  stream_id: string;
  version: number | string;
  event_hash: string;
}

const toLeaf = (row: LeafRow): Leaf => ({
  leafIndex: Number(row.leaf_index),
  position: Number(row.position),
  streamId: row.stream_id,
  version: Number(row.version),
  eventHash: row.event_hash,
});

const leafColumns = `leaf_index, position, stream_id, version, encode(event_hash, 'hex') AS event_hash`;

/** Leaves from `from` on, in index order, a page at a time. */
export async function* readLeaves(sql: SqlExecutor, from = 0, pageSize = 10_000) {
  for (let next = from; ;) {
    const { rows } = await sql.query<LeafRow>(
      `SELECT ${leafColumns} FROM tf_audit_leaves WHERE leaf_index >= $1 ORDER BY leaf_index LIMIT $2`,
      [next, pageSize],
    );
    if (rows.length === 0) return;
    const page = rows.map(toLeaf);
    yield page;
    next = page.at(-1)!.leafIndex + 1;
    if (rows.length < pageSize) return;
  }
}

export async function allLeaves(sql: SqlExecutor): Promise<Leaf[]> {
  const leaves: Leaf[] = [];
  for await (const page of readLeaves(sql)) leaves.push(...page);
  return leaves;
}

export async function leavesOfStream(sql: SqlExecutor, streamId: string): Promise<Leaf[]> {
  const { rows } = await sql.query<LeafRow>(
    `SELECT ${leafColumns} FROM tf_audit_leaves WHERE stream_id = $1 ORDER BY version`,
    [streamId],
  );
  return rows.map(toLeaf);
}

export async function lastLeaf(sql: SqlExecutor): Promise<Leaf | null> {
  const { rows } = await sql.query<LeafRow>(
    `SELECT ${leafColumns} FROM tf_audit_leaves ORDER BY leaf_index DESC LIMIT 1`,
  );
  return rows[0] ? toLeaf(rows[0]) : null;
}

/** Appends leaves; a concurrent sequencer's leaves make the primary key refuse the whole batch. */
export async function insertLeaves(sql: SqlExecutor, leaves: readonly Leaf[]): Promise<void> {
  if (leaves.length === 0) return;
  await sql.query(
    `INSERT INTO tf_audit_leaves (leaf_index, position, stream_id, version, event_hash)
     SELECT l.i, l.p, l.s, l.v, decode(l.h, 'hex')
     FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[]) AS l(i, p, s, v, h)`,
    [
      leaves.map((l) => l.leafIndex),
      leaves.map((l) => l.position),
      leaves.map((l) => l.streamId),
      leaves.map((l) => l.version),
      leaves.map((l) => l.eventHash),
    ],
  );
}

interface CheckpointRow {
  tree_size: number | string;
  root: string;
  note: string;
}
const toCheckpoint = (row: CheckpointRow): StoredCheckpoint => ({
  size: Number(row.tree_size),
  root: Buffer.from(row.root, 'hex'),
  note: row.note,
});

export async function allCheckpoints(sql: SqlExecutor): Promise<StoredCheckpoint[]> {
  const { rows } = await sql.query<CheckpointRow>(
    `SELECT tree_size, encode(root, 'hex') AS root, note FROM tf_audit_checkpoints ORDER BY tree_size`,
  );
  return rows.map(toCheckpoint);
}

export async function latestCheckpoint(sql: SqlExecutor): Promise<StoredCheckpoint | null> {
  const { rows } = await sql.query<CheckpointRow>(
    `SELECT tree_size, encode(root, 'hex') AS root, note FROM tf_audit_checkpoints
     ORDER BY tree_size DESC LIMIT 1`,
  );
  return rows[0] ? toCheckpoint(rows[0]) : null;
}

export async function insertCheckpoint(sql: SqlExecutor, c: StoredCheckpoint): Promise<void> {
  await sql.query(
    `INSERT INTO tf_audit_checkpoints (tree_size, root, note) VALUES ($1, $2, $3)
     ON CONFLICT (tree_size) DO NOTHING`,
    [c.size, c.root, c.note],
  );
}

/** The tree's leaf hashes (leafHash of each event hash) for the first `size` leaves. */
export async function leafHashesUpTo(sql: SqlExecutor, size: number): Promise<Buffer[]> {
  const hashes: Buffer[] = [];
  for await (const page of readLeaves(sql)) {
    for (const leaf of page) {
      if (leaf.leafIndex >= size) return hashes;
      hashes.push(leafHash(Buffer.from(leaf.eventHash, 'hex')));
    }
  }
  return hashes;
}

/** Stores a witness's cosignature lines for the checkpoint of `size` (repeats are ignored). */
export async function insertCosignatures(
  sql: SqlExecutor,
  size: number,
  lines: readonly string[],
): Promise<void> {
  await sql.query(
    `INSERT INTO tf_audit_cosignatures (tree_size, line)
     SELECT $1, line FROM unnest($2::text[]) AS line ON CONFLICT DO NOTHING`,
    [size, lines],
  );
}

/** The cosignature lines witnesses returned for the checkpoint of `size`. */
export async function cosignaturesOf(sql: SqlExecutor, size: number): Promise<string[]> {
  const { rows } = await sql.query<{ line: string }>(
    `SELECT line FROM tf_audit_cosignatures WHERE tree_size = $1 ORDER BY received_at, line`,
    [size],
  );
  return rows.map((r) => r.line);
}
