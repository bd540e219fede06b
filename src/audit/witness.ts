/**
 * Submits signed checkpoints to a transparency-log witness (c2sp.org/tlog-witness,
 * `add-checkpoint`): the witness checks each checkpoint against the last one it cosigned with a
 * consistency proof, so a log rewritten after publication is refused by someone the database's
 * administrators do not control. The cosignatures it returns are stored beside the checkpoint.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import { signatureLine } from './note.ts';
import { insertCosignatures, type StoredCheckpoint } from './store.ts';
import { storedConsistencyProof } from './storedTree.ts';

/** A witness may send at most this many proof lines (the spec's limit). */
const MAX_PROOF_LINES = 63;

export interface WitnessOptions {
  /** The witness's submission prefix; `add-checkpoint` is appended. */
  url: string;
  db: Database;
  logger: Logger;
  timeoutMs?: number;
}

export interface Witness {
  /** Submits a checkpoint; resolves with the cosignature lines, or null when the witness refused. */
  submit(checkpoint: StoredCheckpoint): Promise<string[] | null>;
}

/** The request body: the old size line, the consistency proof lines, a blank line, the note. */
export function addCheckpointBody(oldSize: number, proof: readonly Buffer[], note: string): string {
  const lines = proof.map((hash) => `${hash.toString('base64')}\n`).join('');
  return `old ${oldSize}\n${lines}\n${note}`;
}

/** The witness's `text/x.tlog.size` answer to a 409: the size it last cosigned. */
function parseSize(body: string): number | null {
  const match = /^(0|[1-9]\d*)\n?$/.exec(body);
  return match ? Number(match[1]) : null;
}

/** The signature lines of a 200 answer; null when the body is not one or more such lines. */
export function parseCosignatures(body: string): string[] | null {
  if (!body.endsWith('\n')) return null;
  const lines = body.slice(0, -1).split('\n');
  return lines.length > 0 && lines.every((l) => signatureLine.test(l)) ? lines : null;
}

export function createWitness(options: WitnessOptions): Witness {
  const { db, logger } = options;
  const endpoint = new URL(
    'add-checkpoint',
    options.url.endsWith('/') ? options.url : `${options.url}/`,
  );
  /** The size the witness last cosigned, as far as this process knows (0: ask it). */
  let witnessed = 0;

  async function proofFrom(oldSize: number, size: number): Promise<Buffer[]> {
    if (oldSize === 0 || oldSize === size) return [];
    return storedConsistencyProof(db, oldSize, size);
  }

  async function post(oldSize: number, checkpoint: StoredCheckpoint) {
    const proof = await proofFrom(oldSize, checkpoint.size);
    if (proof.length > MAX_PROOF_LINES) throw new Error('consistency proof too long for a witness');
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: addCheckpointBody(oldSize, proof, checkpoint.note),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    return { status: response.status, body: (await response.text()).slice(0, 64 * 1024) };
  }

  return {
    async submit(checkpoint) {
      let answer = await post(witnessed, checkpoint);
      if (answer.status === 409) {
        // Another size than ours (a restart, or a checkpoint it never saw): prove from its size.
        const size = parseSize(answer.body);
        if (size === null || size > checkpoint.size) {
          logger.warn(
            { status: 409, witnessSize: size },
            'witness holds a larger or unreadable size',
          );
          return null;
        }
        witnessed = size;
        answer = await post(witnessed, checkpoint);
      }
      const cosignatures = answer.status === 200 ? parseCosignatures(answer.body) : null;
      if (!cosignatures) {
        logger.warn(
          { status: answer.status, size: checkpoint.size, body: answer.body.slice(0, 200) },
          'witness refused the checkpoint',
        );
        return null;
      }
      witnessed = checkpoint.size;
      await insertCosignatures(db, checkpoint.size, cosignatures);
      return cosignatures;
    },
  };
}
