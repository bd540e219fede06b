import type { Migration } from '../db/index.ts';

/**
 * The audit log (docs/audit.md): the Merkle tree's leaves, each an event hash in the log's commit
 * order, and the signed checkpoints. Only the sequencer writes here.
 */
export const auditMigrations: Migration[] = [
  {
    id: '095_audit_log',
    statements: [
      `CREATE TABLE tf_audit_leaves (
        leaf_index bigint PRIMARY KEY,
        position bigint NOT NULL UNIQUE,
        stream_id text NOT NULL,
        version bigint NOT NULL,
        event_hash bytea NOT NULL
      )`,
      `CREATE INDEX tf_audit_leaves_stream ON tf_audit_leaves (stream_id, version)`,
      `CREATE TABLE tf_audit_checkpoints (
        tree_size bigint PRIMARY KEY,
        root bytea NOT NULL,
        note text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    // A witness's cosignature lines for a checkpoint (c2sp.org/tlog-witness), as it returned them.
    id: '096_audit_cosignatures',
    statements: [
      `CREATE TABLE tf_audit_cosignatures (
        tree_size bigint NOT NULL,
        line text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tree_size, line)
      )`,
    ],
  },
  {
    // Complete, aligned subtrees of 16 leaves or more (src/audit/storedTree.ts): proofs read
    // O(log² n) of them instead of every leaf.
    id: '097_audit_nodes',
    statements: [
      `CREATE TABLE tf_audit_nodes (
        size bigint NOT NULL,
        start bigint NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (size, start)
      )`,
    ],
  },
];
