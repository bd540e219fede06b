/**
 * The sequencer: one per database (a lease, like the projector's), it appends every event's hash
 * to the Merkle tree in the log's commit order and signs a checkpoint every N events or T ms.
 * Checkpoints go to the database (GET /api/audit/checkpoint) and to an append-only file the
 * database cannot rewrite.
 */
import { appendFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import { chainRowsInCommitOrder } from '../eventstore/index.ts';
import type { Lease } from '../projector/index.ts';
import { CompactTree, leafHash } from './merkle.ts';
import type { Witness } from './witness.ts';
import {
  expectedNodeCount,
  insertNodes,
  isStoredSize,
  storedNodeCount,
  type CompletedNode,
} from './storedTree.ts';
import { checkpointText, signNote, type SignerKey } from './note.ts';
import {
  insertCheckpoint,
  insertLeaves,
  lastLeaf,
  latestCheckpoint,
  readLeaves,
  type Leaf,
  type StoredCheckpoint,
} from './store.ts';

export const sequencerLeaseName = 'audit-sequencer';
/** The leaf of an event stored without a hash (written outside the append): verify reports it. */
const missingHash = '0'.repeat(64);

export interface SequencerOptions {
  db: Database;
  lease: Lease;
  /** Without a key the tree grows but nothing is signed. */
  signer: SignerKey | null;
  everyEvents: number;
  everyMs: number;
  pollMs: number;
  /** Each signed checkpoint is appended here as a JSON line `{"note": "..."}`. */
  checkpointFile?: string | undefined;
  /** Each signed checkpoint is submitted to this witness for its cosignature. */
  witness?: Witness | undefined;
  logger: Logger;
  now?: () => number;
}

export interface Sequencer {
  /** Sequences what is committed and signs a checkpoint if one is due (`force`: if anything is new). */
  runOnce(options?: {
    force?: boolean;
  }): Promise<{ size: number; checkpoint: StoredCheckpoint | null }>;
  start(): void;
  stop(): Promise<void>;
}

/** A CompactTree listener that keeps the completed subtrees the store holds. */
const keep =
  (into: CompletedNode[]) =>
  (size: number, start: number, hash: Buffer): void => {
    if (isStoredSize(size)) into.push({ size, start, hash });
  };

export function createSequencer(options: SequencerOptions): Sequencer {
  const { db, lease, signer, logger } = options;
  const now = options.now ?? Date.now;
  let tree: CompactTree | null = null;
  let tail: Leaf | null = null;
  let checkpointed = { size: 0, at: 0 };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  /**
   * Rebuilds the tree's right edge from the `size` leaves (at start, and after another leader wrote),
   * storing the subtrees a log sequenced before they were kept, or cut off by a crash, lacks.
   */
  async function load(size: number): Promise<CompactTree> {
    const loaded = new CompactTree();
    tail = null;
    const complete = (await storedNodeCount(db)) >= expectedNodeCount(size);
    for await (const page of readLeaves(db)) {
      const nodes: CompletedNode[] = [];
      for (const leaf of page)
        loaded.append(leafHash(Buffer.from(leaf.eventHash, 'hex')), keep(nodes));
      if (!complete) await insertNodes(db, nodes);
      tail = page.at(-1) ?? tail;
    }
    const latest = await latestCheckpoint(db);
    checkpointed = { size: latest?.size ?? 0, at: latest ? now() : 0 };
    return loaded;
  }

  async function sequence(current: CompactTree): Promise<void> {
    for (;;) {
      const rows = await chainRowsInCommitOrder(db, tail?.position ?? 0, 1000);
      if (rows.length === 0) return;
      const leaves = rows.map((row, i) => ({
        leafIndex: current.size + i,
        position: row.position,
        streamId: row.streamId,
        version: row.version,
        eventHash: row.hash ?? missingHash,
      }));
      const nodes: CompletedNode[] = [];
      for (const leaf of leaves)
        current.append(leafHash(Buffer.from(leaf.eventHash, 'hex')), keep(nodes));
      // A concurrent sequencer's leaves make this refuse; the caller then reloads the tree.
      await insertLeaves(db, leaves);
      await insertNodes(db, nodes);
      tail = leaves.at(-1)!;
    }
  }

  async function checkpoint(current: CompactTree, force: boolean) {
    if (!signer || current.size === checkpointed.size) return null;
    const due =
      force ||
      current.size - checkpointed.size >= options.everyEvents ||
      now() - checkpointed.at >= options.everyMs;
    if (!due) return null;
    const root = current.root();
    const note = signNote(
      checkpointText({ origin: signer.name, size: current.size, root }),
      signer,
    );
    const made = { size: current.size, root, note };
    await insertCheckpoint(db, made);
    checkpointed = { size: current.size, at: now() };
    if (options.checkpointFile)
      await appendFile(options.checkpointFile, `${JSON.stringify({ note })}\n`, { mode: 0o644 });
    await submitToWitness(made);
    return made;
  }

  /**
   * A witness that is away or refuses does not stop the log: the checkpoint is published anyway,
   * and the next one carries a consistency proof from whatever the witness last cosigned.
   */
  async function submitToWitness(made: StoredCheckpoint): Promise<void> {
    if (!options.witness) return;
    try {
      await options.witness.submit(made);
    } catch (error) {
      logger.warn(
        { err: error, size: made.size },
        'witness unreachable; the next checkpoint retries',
      );
    }
  }

  async function run({ force = false } = {}) {
    if (!(await lease.tryAcquire(sequencerLeaseName)))
      return { size: tree?.size ?? 0, checkpoint: null };
    try {
      const last = await lastLeaf(db);
      const size = last ? last.leafIndex + 1 : 0;
      if (!tree || tree.size !== size) tree = await load(size);
      await sequence(tree);
      return { size: tree.size, checkpoint: await checkpoint(tree, force) };
    } catch (error) {
      tree = null; // reread the leaves next time: another sequencer may have written
      throw error;
    }
  }

  /** One run at a time in this process (the interval's and a caller's). */
  let queue: Promise<unknown> = Promise.resolve();
  function runOnce(runOptions: { force?: boolean } = {}) {
    const result = queue.then(() => run(runOptions));
    queue = result.catch(() => undefined);
    return result;
  }

  function tick() {
    running ??= runOnce()
      .catch((error: unknown) => logger.warn({ err: error }, 'audit sequencer run failed'))
      .finally(() => {
        running = null;
      });
  }

  return {
    runOnce,
    start() {
      timer ??= setInterval(tick, options.pollMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
      await lease.close();
    },
  };
}
