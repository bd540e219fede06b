/**
 * `verify --all`: the whole log against itself, the audit tree and the signed checkpoints
 * (docs/audit.md, "What each check catches"). Reads only; every finding names its stream,
 * version and check.
 */
import type { Database } from '../db/index.ts';
import { chainRowsByStream, eventHash, type ChainRow } from '../eventstore/index.ts';
import type { Finding } from './findings.ts';
import { CompactTree, MerkleTree, leafHash, verifyConsistency } from './merkle.ts';
import { isStoredSize, storedNodes } from './storedTree.ts';
import { NoteError, openCheckpoint, type Checkpoint, type VerifierKey } from './note.ts';
import { allCheckpoints, allLeaves, type Leaf } from './store.ts';

export interface VerifyAllOptions {
  key: VerifierKey;
  /** Signed checkpoints published outside the database (the checkpoint file's notes). */
  published?: readonly string[];
}

export interface VerifyAllReport {
  findings: Finding[];
  events: number;
  leaves: number;
  checkpoints: number;
}

type Stored = Pick<ChainRow, 'streamId' | 'version' | 'hash'>;

export async function verifyAll(db: Database, options: VerifyAllOptions): Promise<VerifyAllReport> {
  const findings: Finding[] = [];
  const events = await verifyChains(db, findings);
  const leaves = await allLeaves(db);
  verifyLeaves(leaves, events, findings);
  await verifyUnsequenced(db, leaves, findings);
  verifyNodes(await storedNodes(db), leaves, findings);
  const notes = [...(await allCheckpoints(db)).map((c) => c.note), ...(options.published ?? [])];
  const checkpoints = verifyCheckpoints(notes, leaves, options.key, findings);
  return { findings, events: events.size, leaves: leaves.length, checkpoints };
}

/** Pages of `source`, the next one already being read while the caller hashes this one. */
async function* readingAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const pages = source[Symbol.asyncIterator]();
  let next = pages.next();
  for (;;) {
    const page = await next;
    if (page.done) return;
    next = pages.next();
    yield page.value;
  }
}

/** Every stream: versions 1, 2, 3 … and each hash recomputed from the row and the hash before. */
async function verifyChains(db: Database, findings: Finding[]): Promise<Map<number, Stored>> {
  const byPosition = new Map<number, Stored>();
  let last: ChainRow | null = null;
  const heads = await streamHeads(db);
  const endStream = (row: ChainRow | null) => {
    if (!row) return;
    const head = heads.get(row.streamId);
    heads.delete(row.streamId);
    if (!head) return;
    if (head.version !== row.version || head.lastHash !== row.hash)
      findings.push({
        streamId: row.streamId,
        version: head.version,
        check: 'chain',
        message: `the stream's last event is version ${row.version}, its stream row says ${head.version} (events missing at the tail)`,
      });
  };
  for await (const page of readingAhead(chainRowsByStream(db))) {
    for (const row of page) {
      const previous = last?.streamId === row.streamId ? last : null;
      if (!previous) endStream(last);
      const expected = (previous?.version ?? 0) + 1;
      const finding = (message: string) =>
        findings.push({ streamId: row.streamId, version: row.version, check: 'chain', message });
      if (row.version !== expected)
        finding(
          `expected version ${expected}: versions ${expected}–${row.version - 1} are missing`,
        );
      if (row.hash === null) finding('no hash: written outside the append');
      else if (row.hash !== eventHash(row, previous?.hash ?? null))
        finding(
          'hash does not match the stored event and the hash before it (edited, moved or forged)',
        );
      byPosition.set(row.position, {
        streamId: row.streamId,
        version: row.version,
        hash: row.hash,
      });
      last = row;
    }
  }
  endStream(last);
  for (const [streamId, head] of heads)
    findings.push({
      streamId,
      version: head.version,
      check: 'chain',
      message: 'the stream row has no events',
    });
  return byPosition;
}

async function streamHeads(db: Database) {
  const { rows } = await db.query<{ stream_id: string; version: number; last_hash: string | null }>(
    `SELECT stream_id, version, encode(last_hash, 'hex') AS last_hash FROM tf_streams`,
  );
  return new Map(
    rows.map((r) => [r.stream_id, { version: Number(r.version), lastHash: r.last_hash }]),
  );
}

/** Each leaf names an event that is still there, with the same hash, stream and version. */
function verifyLeaves(leaves: readonly Leaf[], events: Map<number, Stored>, findings: Finding[]) {
  leaves.forEach((leaf, i) => {
    const finding = (message: string) =>
      findings.push({ streamId: leaf.streamId, version: leaf.version, check: 'tree', message });
    if (leaf.leafIndex !== i) finding(`audit leaf ${i} is missing`);
    const event = events.get(leaf.position);
    if (!event) return finding(`logged as leaf ${leaf.leafIndex}, the event is gone from the log`);
    if (event.streamId !== leaf.streamId || event.version !== leaf.version)
      finding(
        `leaf ${leaf.leafIndex} was ${leaf.streamId} version ${leaf.version}: the event moved`,
      );
    else if (event.hash !== leaf.eventHash)
      finding(`the event differs from the one logged as leaf ${leaf.leafIndex} (rewritten)`);
  });
}

/** No event may sit before the sequencer's position in commit order without a leaf. */
async function verifyUnsequenced(db: Database, leaves: readonly Leaf[], findings: Finding[]) {
  const tail = leaves.at(-1);
  if (!tail) return;
  const { rows } = await db.query<{ stream_id: string; version: number }>(
    `SELECT e.stream_id, e.version FROM tf_events e
     WHERE NOT EXISTS (SELECT 1 FROM tf_audit_leaves l WHERE l.position = e.position)
       AND (e.transaction_id, e.position) <
           (SELECT transaction_id, position FROM tf_events WHERE position = $1)
     ORDER BY e.position`,
    [tail.position],
  );
  for (const row of rows)
    findings.push({
      streamId: row.stream_id,
      version: Number(row.version),
      check: 'tree',
      message: 'not in the audit log though later events are (inserted behind the sequencer)',
    });
}

/**
 * The subtrees proofs are built from, each recomputed from the leaves (one pass, each node hashed
 * once): a bad one would only make proofs fail to verify, but this says where and why.
 */
function verifyNodes(
  stored: ReadonlyMap<string, string>,
  leaves: readonly Leaf[],
  findings: Finding[],
): void {
  const seen = new Set<string>();
  const tree = new CompactTree();
  const check = (size: number, start: number, hash: Buffer) => {
    if (!isStoredSize(size)) return;
    const key = `${size}:${start}`;
    seen.add(key);
    const kept = stored.get(key);
    if (kept !== undefined && kept !== hash.toString('hex'))
      findings.push({
        streamId: null,
        check: 'tree',
        message: `the stored subtree of ${size} leaves from leaf ${start} does not match the leaves (proofs through it fail)`,
      });
  };
  for (const leaf of leaves) tree.append(leafHash(Buffer.from(leaf.eventHash, 'hex')), check);
  for (const key of stored.keys()) {
    if (seen.has(key)) continue;
    const [size, start] = key.split(':');
    findings.push({
      streamId: null,
      check: 'tree',
      message: `a stored subtree of ${size} leaves from leaf ${start} lies beyond the audit log's leaves`,
    });
  }
}

/** Signatures, each root against the leaves, and consistency from each checkpoint to the newest. */
function verifyCheckpoints(
  notes: readonly string[],
  leaves: readonly Leaf[],
  key: VerifierKey,
  findings: Finding[],
): number {
  const finding = (message: string) =>
    findings.push({ streamId: null, check: 'checkpoint', message });
  const opened: Checkpoint[] = [];
  for (const note of notes) {
    try {
      opened.push(openCheckpoint(note, key));
    } catch (error) {
      finding(
        `a checkpoint does not verify: ${error instanceof NoteError ? error.message : 'malformed'}`,
      );
    }
  }
  const hashes = leaves.map((l) => leafHash(Buffer.from(l.eventHash, 'hex')));
  const tree = new MerkleTree(hashes);
  const bySize = [...opened].sort((a, b) => a.size - b.size);
  for (const c of bySize) {
    if (c.size > hashes.length)
      finding(
        `signed checkpoint of ${c.size} events, the audit log has ${hashes.length}: the log was truncated or restored to an older state`,
      );
    else if (!tree.root(c.size).equals(c.root))
      finding(
        `signed checkpoint of ${c.size} events: the audit log no longer gives its root (history rewritten)`,
      );
  }
  const newest = bySize.at(-1);
  if (newest && newest.size <= hashes.length) {
    for (const c of bySize) {
      if (c.size === 0 || c.size === newest.size) continue;
      const proof = tree.consistencyProof(c.size, newest.size);
      if (!verifyConsistency(c.size, newest.size, proof, c.root, newest.root))
        finding(
          `checkpoint of ${c.size} events is not consistent with the newest (${newest.size})`,
        );
    }
  }
  return opened.length;
}
