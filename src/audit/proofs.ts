/** Builds a stream's proof bundle from the database (GET /api/audit/tickets/:id/proof). */
import type { Database } from '../db/index.ts';
import { chainRowsOfStream } from '../eventstore/index.ts';
import { bundleFormat, type ProofBundle } from './bundle.ts';
import { MerkleTree } from './merkle.ts';
import { latestCheckpoint, leafHashesUpTo, leavesOfStream } from './store.ts';

/** Null when the stream has no events. */
export async function buildProofBundle(
  db: Database,
  streamId: string,
): Promise<ProofBundle | null> {
  const rows = await chainRowsOfStream(db, streamId);
  if (rows.length === 0) return null;
  const checkpoint = await latestCheckpoint(db);
  const leafByPosition = new Map((await leavesOfStream(db, streamId)).map((l) => [l.position, l]));
  const tree = checkpoint ? new MerkleTree(await leafHashesUpTo(db, checkpoint.size)) : null;
  return {
    format: bundleFormat,
    streamId,
    checkpoint: checkpoint?.note ?? null,
    events: rows.map(({ position, hash, ...event }) => {
      const leafIndex = leafByPosition.get(position)?.leafIndex ?? null;
      const provable = tree !== null && leafIndex !== null && leafIndex < tree.size;
      return {
        event,
        hash,
        leafIndex,
        inclusionProof: provable
          ? tree.inclusionProof(leafIndex, tree.size).map((h) => h.toString('base64'))
          : null,
      };
    }),
  };
}
