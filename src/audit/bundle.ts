/**
 * A ticket's proof bundle (docs/audit.md, "Proof bundles"): its events exactly as stored with
 * their hashes, each event's inclusion proof, and the signed checkpoint they prove against.
 * `verifyBundle` needs nothing but the bundle and the log's public key.
 */
import { z } from 'zod';
import { eventHash, type ChainedEvent } from '../eventstore/index.ts';
import type { Finding } from './findings.ts';
import { leafHash, verifyInclusion } from './merkle.ts';
import { NoteError, openCheckpoint, type VerifierKey } from './note.ts';

export const bundleFormat = 'ticketflow-audit-bundle/1';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*=*$/);

export const proofBundleSchema = z.object({
  format: z.literal(bundleFormat),
  streamId: z.string().min(1),
  /** The signed checkpoint note (c2sp.org/tlog-checkpoint); null before the first one. */
  checkpoint: z.string().nullable(),
  events: z.array(
    z.object({
      event: z.object({
        id: z.string(),
        streamId: z.string(),
        version: z.number().int().positive(),
        type: z.string(),
        schemaVersion: z.number().int(),
        data: z.unknown(),
        metadata: z.unknown(),
        timestamp: z.string(),
      }),
      hash: hex32.nullable(),
      /** Its leaf in the tree; null while the sequencer has not reached it. */
      leafIndex: z.number().int().nonnegative().nullable(),
      /** Against the bundle's checkpoint; null when the event came after it. */
      inclusionProof: z.array(base64).nullable(),
    }),
  ),
});
export type ProofBundle = z.infer<typeof proofBundleSchema>;

export interface BundleReport {
  findings: Finding[];
  /** Events the checkpoint does not cover yet (appended after it): chained, not yet provable. */
  uncovered: number[];
  checkpointSize: number | null;
}

/** Checks a bundle offline: the chain of its events, each inclusion proof, the signature. */
export function verifyBundle(input: unknown, key: VerifierKey): BundleReport {
  const parsed = proofBundleSchema.safeParse(input);
  if (!parsed.success)
    return {
      findings: [{ streamId: null, check: 'bundle', message: 'not a proof bundle' }],
      uncovered: [],
      checkpointSize: null,
    };
  const bundle = parsed.data;
  const findings: Finding[] = [];
  const finding = (version: number | undefined, check: Finding['check'], message: string) =>
    findings.push({ streamId: bundle.streamId, version, check, message });

  let checkpoint: ReturnType<typeof openCheckpoint> | null = null;
  if (bundle.checkpoint !== null) {
    try {
      checkpoint = openCheckpoint(bundle.checkpoint, key);
    } catch (error) {
      finding(
        undefined,
        'checkpoint',
        error instanceof NoteError ? error.message : 'bad checkpoint',
      );
    }
  }

  const uncovered: number[] = [];
  let previous: string | null = null;
  bundle.events.forEach(({ event, hash, leafIndex, inclusionProof }, i) => {
    const version = event.version;
    if (event.streamId !== bundle.streamId) finding(version, 'bundle', 'event of another stream');
    if (version !== i + 1)
      finding(version, 'chain', `expected version ${i + 1}: events are missing or out of order`);
    const recomputed = eventHash(event as ChainedEvent, previous);
    if (hash !== recomputed)
      finding(version, 'chain', 'hash does not match the event and the hash before it');
    previous = hash;
    if (!checkpoint) return;
    if (leafIndex === null || inclusionProof === null || leafIndex >= checkpoint.size) {
      uncovered.push(version);
      return;
    }
    const proof = inclusionProof.map((p) => Buffer.from(p, 'base64'));
    const leaf = leafHash(Buffer.from(hash ?? '', 'hex'));
    if (!verifyInclusion(leafIndex, checkpoint.size, leaf, proof, checkpoint.root))
      finding(
        version,
        'tree',
        `not in the signed tree of size ${checkpoint.size} (inclusion proof fails)`,
      );
  });
  return { findings, uncovered, checkpointSize: checkpoint?.size ?? null };
}
