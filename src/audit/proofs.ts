/** Builds a stream's proof bundle from the database (GET /api/audit/tickets/:id/proof). */
import type { Database } from '../db/index.ts';
import { chainRowsOfStream } from '../eventstore/index.ts';
import { bundleFormat, type ProofBundle } from './bundle.ts';
import { latestCheckpoint, leavesOfStream } from './store.ts';
import { storedInclusionProofs } from './storedTree.ts';

/** Null when the stream has no events. */
export async function buildProofBundle(
  db: Database,
  streamId: string,
): Promise<ProofBundle | null> {
  const rows = await chainRowsOfStream(db, streamId);
  if (rows.length === 0) return null;
  const checkpoint = await latestCheckpoint(db);
  const leafByPosition = new Map((await leavesOfStream(db, streamId)).map((l) => [l.position, l]));
  const size = checkpoint?.size ?? 0;
  const provable = (leafIndex: number | null): leafIndex is number =>
    leafIndex !== null && leafIndex < size;
  const indices = rows.map((row) => leafByPosition.get(row.position)?.leafIndex ?? null);
  const proven = indices.filter(provable);
  const proofs = new Map(
    (await storedInclusionProofs(db, proven, size)).map((proof, i) => [proven[i]!, proof]),
  );
  return {
    format: bundleFormat,
    streamId,
    checkpoint: checkpoint?.note ?? null,
    events: rows.map(({ position: _position, hash, ...event }, i) => {
      const leafIndex = indices[i] ?? null;
      return {
        event,
        hash,
        leafIndex,
        inclusionProof: provable(leafIndex)
          ? proofs.get(leafIndex)!.map((h) => h.toString('base64'))
          : null,
      };
    }),
  };
}
