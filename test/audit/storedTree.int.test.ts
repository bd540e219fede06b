import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allLeaves,
  buildProofBundle,
  leafHash,
  MerkleTree,
  verifyBundle,
} from '../../src/audit/index.ts';
import {
  expectedNodeCount,
  storedConsistencyProof,
  storedInclusionProofs,
  storedNodeCount,
} from '../../src/audit/storedTree.ts';
import { databaseKinds } from '../support/databases.ts';
import { openAuditedLog, type AuditedLog } from './fixtures/auditedLog.ts';

/** Proofs read the stored subtrees (tf_audit_nodes), not every leaf: the same proofs, checked. */
describe.each(databaseKinds)('the stored Merkle tree on %s', (kind) => {
  let log: AuditedLog;
  afterEach(() => log?.close());

  async function logOf(events: number) {
    log = await openAuditedLog(kind);
    const tickets = Array.from({ length: 10 }, () => randomUUID());
    await log.append(tickets, Math.ceil(events / tickets.length));
    await log.sequence();
    const leaves = await allLeaves(log.db);
    return {
      tickets,
      tree: new MerkleTree(leaves.map((l) => leafHash(Buffer.from(l.eventHash, 'hex')))),
    };
  }

  it('gives the proofs an in-memory tree of every leaf gives, for every leaf and size', async () => {
    const { tree } = await logOf(110);
    expect(tree.size).toBe(110);
    expect(await storedNodeCount(log.db)).toBe(expectedNodeCount(110));
    for (const size of [1, 16, 17, 64, 97, 110]) {
      const leaves = Array.from({ length: size }, (_, i) => i);
      const proofs = await storedInclusionProofs(log.db, leaves, size);
      expect(proofs).toEqual(leaves.map((m) => tree.inclusionProof(m, size)));
    }
    for (const [m, n] of [
      [1, 110],
      [16, 110],
      [31, 64],
      [64, 110],
      [100, 110],
      [110, 110],
    ] as const)
      expect(await storedConsistencyProof(log.db, m, n)).toEqual(tree.consistencyProof(m, n));
  });

  it('falls back to the leaves for a log sequenced before subtrees were stored, and stores them on reload', async () => {
    const { tickets, tree } = await logOf(80);
    await log.db.query('DELETE FROM tf_audit_nodes');
    expect(await storedInclusionProofs(log.db, [5, 79], 80)).toEqual([
      tree.inclusionProof(5, 80),
      tree.inclusionProof(79, 80),
    ]);
    // A sequencer that starts afresh (a new process) stores what is missing while it reloads.
    await log.restartSequencer();
    await log.append(tickets, 1);
    await log.sequence();
    expect(await storedNodeCount(log.db)).toBe(expectedNodeCount(90));
    expect(await log.findings()).toEqual([]);
  });

  it('names a tampered subtree in verify --all, and a bundle proven through it does not verify', async () => {
    const { tickets } = await logOf(64);
    await log.db.query(
      `UPDATE tf_audit_nodes SET hash = decode(repeat('ab', 32), 'hex') WHERE size = 32 AND start = 0`,
    );
    expect(await log.findings()).toContainEqual(
      expect.stringMatching(/stored subtree of 32 leaves from leaf 0 does not match the leaves/),
    );
    const bundles = await Promise.all(tickets.map((t) => buildProofBundle(log.db, `ticket-${t}`)));
    const reports = bundles.map((b) => verifyBundle(JSON.parse(JSON.stringify(b)), log.key));
    // Leaves 32-63 prove through the subtree of leaves 0-31: their tickets' bundles fail.
    expect(reports.some((r) => r.findings.some((f) => f.check === 'tree'))).toBe(true);
  });
});
