import type { Migration } from '../db/index.ts';
import { chainExistingStreams } from './chainMigration.ts';

/**
 * The log: one row per event. `position` is a sequence and may commit out of order;
 * `transaction_id` lets readers stop below the oldest running transaction so that none is skipped.
 */
export const eventStoreMigrations: Migration[] = [
  {
    id: '001_event_store',
    statements: [
      `CREATE TABLE tf_streams (
        stream_id text PRIMARY KEY,
        version bigint NOT NULL
      )`,
      `CREATE TABLE tf_events (
        position bigserial PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id uuid NOT NULL UNIQUE,
        stream_id text NOT NULL,
        version bigint NOT NULL,
        type text NOT NULL,
        schema_version integer NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (stream_id, version)
      )`,
      `CREATE INDEX tf_events_commit_order ON tf_events (transaction_id, position)`,
      `CREATE INDEX tf_events_type ON tf_events (type, transaction_id, position)`,
    ],
  },
  {
    // Reads filtered by type scan the commit-order index and filter, as EventStoreDB's server-side
    // filters scan $all: the projector reads every type, so the index served few reads, and every
    // append paid for it (about 7 % of a batch of 100, measured in docs/benchmarks.md).
    id: '002_event_store_without_type_index',
    statements: [`DROP INDEX IF EXISTS tf_events_type`],
  },
  {
    // The hash chain (docs/audit.md). Events stored before it are chained here, from what they are
    // now: the log is verifiable from this migration on, not before it.
    id: '003_event_hash_chain',
    statements: [
      `ALTER TABLE tf_streams ADD COLUMN last_hash bytea`,
      `ALTER TABLE tf_events ADD COLUMN hash bytea`,
    ],
    run: chainExistingStreams,
  },
  {
    // Hygiene, not the protection: an owner or superuser can disable or drop it. The chain, the
    // Merkle tree and the published checkpoints are what catch a rewritten history.
    id: '004_event_log_append_only',
    statements: [
      `CREATE FUNCTION tf_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'tf_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
       END $$`,
      `CREATE TRIGGER tf_events_no_update_delete BEFORE UPDATE OR DELETE ON tf_events
       FOR EACH ROW EXECUTE FUNCTION tf_events_append_only()`,
      `CREATE TRIGGER tf_events_no_truncate BEFORE TRUNCATE ON tf_events
       FOR EACH STATEMENT EXECUTE FUNCTION tf_events_append_only()`,
    ],
  },
];
