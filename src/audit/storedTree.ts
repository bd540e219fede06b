/**
 * Proofs from the stored tree: the sequencer keeps the hash of every complete, aligned subtree of
 * at least {@link STORED_MIN_SIZE} leaves (`tf_audit_nodes`), so an inclusion or consistency
 * proof reads O(log² n) rows, not the whole log, however large it grows (docs/audit.md).
 */
import type { SqlExecutor } from '../db/index.ts';
import {
  consistencyPath,
  inclusionPath,
  leafHash,
  nodeHash,
  split,
  type Hash,
  type RangeHash,
} from './merkle.ts';

/** Smaller subtrees are hashed from their leaves: at most this many leaves per piece. */
export const STORED_MIN_SIZE = 16;

const isAligned = (start: number, size: number) => (size & (size - 1)) === 0 && start % size === 0;

/** The stored subtrees and leaves a set of range hashes needs (collected before one read). */
interface Needs {
  nodes: Map<string, { size: number; start: number }>;
  leaves: Set<number>;
}

/** Walks MTH(D[start:end]) as the RFC splits it, recording what it would read. */
function collect(needs: Needs, start: number, end: number): void {
  const n = end - start;
  if (n === 1) {
    needs.leaves.add(start);
  } else if (n >= STORED_MIN_SIZE && isAligned(start, n)) {
    needs.nodes.set(`${n}:${start}`, { size: n, start });
  } else {
    const k = split(n);
    collect(needs, start, start + k);
    collect(needs, start + k, end);
  }
}

interface NodeRow {
  size: number | string;
  start: number | string;
  hash: string;
}

/** Reads what `needs` lists; a subtree not stored yet (an older log) is hashed from its leaves. */
async function load(sql: SqlExecutor, needs: Needs) {
  const wanted = [...needs.nodes.values()];
  const { rows } = await sql.query<NodeRow>(
    // One primary-key lookup per wanted subtree (a join could scan the whole table).
    `SELECT w.size, w.start, encode(n.hash, 'hex') AS hash
     FROM unnest($1::bigint[], $2::bigint[]) AS w(size, start)
     CROSS JOIN LATERAL (
       SELECT hash FROM tf_audit_nodes WHERE size = w.size AND start = w.start
     ) AS n`,
    [wanted.map((w) => w.size), wanted.map((w) => w.start)],
  );
  const nodes = new Map(
    rows.map((r) => [`${Number(r.size)}:${Number(r.start)}`, Buffer.from(r.hash, 'hex')]),
  );
  for (const w of wanted) {
    if (nodes.has(`${w.size}:${w.start}`)) continue;
    for (let i = w.start; i < w.start + w.size; i++) needs.leaves.add(i);
  }
  const { rows: leafRows } = await sql.query<{ leaf_index: number | string; event_hash: string }>(
    `SELECT leaf_index, encode(event_hash, 'hex') AS event_hash FROM tf_audit_leaves
     WHERE leaf_index = ANY($1::bigint[])`,
    [[...needs.leaves]],
  );
  const leaves = new Map(
    leafRows.map(
      (r) => [Number(r.leaf_index), leafHash(Buffer.from(r.event_hash, 'hex'))] as const,
    ),
  );
  return { nodes, leaves };
}

/** A RangeHash over what was loaded. */
function rangeHash(loaded: Awaited<ReturnType<typeof load>>): RangeHash {
  const hash: RangeHash = (start, end) => {
    const n = end - start;
    if (n === 1) {
      const leaf = loaded.leaves.get(start);
      if (!leaf) throw new Error(`leaf ${start} is not in the audit log`);
      return leaf;
    }
    const node = loaded.nodes.get(`${n}:${start}`);
    if (node) return node;
    const k = split(n);
    return nodeHash(hash(start, start + k), hash(start + k, end));
  };
  return hash;
}

/** Runs `proofs` once to learn what they read, reads it in two queries, then runs them for real. */
async function fromStore<T>(sql: SqlExecutor, proofs: (hash: RangeHash) => T): Promise<T> {
  const needs: Needs = { nodes: new Map(), leaves: new Set() };
  proofs((start, end) => {
    collect(needs, start, end);
    return Buffer.alloc(32);
  });
  return proofs(rangeHash(await load(sql, needs)));
}

/** Inclusion proofs of the given leaves in the tree of `size` leaves. */
export function storedInclusionProofs(
  sql: SqlExecutor,
  leafIndices: readonly number[],
  size: number,
): Promise<Hash[][]> {
  return fromStore(sql, (hash) => leafIndices.map((m) => inclusionPath(hash, m, size)));
}

/** The consistency proof from the tree of `m` leaves to the tree of `n`. */
export function storedConsistencyProof(sql: SqlExecutor, m: number, n: number): Promise<Hash[]> {
  return fromStore(sql, (hash) => consistencyPath(hash, m, n));
}

/** The subtree a leaf completed, if it is one the store keeps. */
export interface CompletedNode {
  size: number;
  start: number;
  hash: Hash;
}

export const isStoredSize = (size: number) => size >= STORED_MIN_SIZE;

/** Stores completed subtrees (a repeat, from a sequencer that reloaded, changes nothing). */
export async function insertNodes(sql: SqlExecutor, nodes: readonly CompletedNode[]) {
  if (nodes.length === 0) return;
  await sql.query(
    `INSERT INTO tf_audit_nodes (size, start, hash)
     SELECT s, b, decode(h, 'hex') FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS n(s, b, h)
     ON CONFLICT DO NOTHING`,
    [nodes.map((n) => n.size), nodes.map((n) => n.start), nodes.map((n) => n.hash.toString('hex'))],
  );
}

/** How many subtrees a tree of `size` leaves has stored when nothing is missing. */
export function expectedNodeCount(size: number): number {
  let count = 0;
  for (let s = STORED_MIN_SIZE; s <= size; s *= 2) count += Math.floor(size / s);
  return count;
}

export async function storedNodeCount(sql: SqlExecutor): Promise<number> {
  const { rows } = await sql.query<{ n: number | string }>(
    'SELECT count(*) AS n FROM tf_audit_nodes',
  );
  return Number(rows[0]?.n ?? 0);
}

/** Every stored subtree's hash (hex), by `size:start` (for verify --all). */
export async function storedNodes(sql: SqlExecutor): Promise<Map<string, string>> {
  const { rows } = await sql.query<NodeRow>(
    `SELECT size, start, encode(hash, 'hex') AS hash FROM tf_audit_nodes`,
  );
  return new Map(rows.map((r) => [`${Number(r.size)}:${Number(r.start)}`, r.hash]));
}
