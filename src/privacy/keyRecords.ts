/** Where wrapped data keys are kept: `tf_privacy_keys`, or memory. */
import type { Migration, SqlExecutor } from '../db/index.ts';
import type { ErasureBasis, ErasureRecord, KeyRecord, KeyRecords } from './keyStore.ts';

/**
 * The key table holds no personal data: a keyed hash of the email (dropped at erasure), the
 * wrapped key (dropped at erasure) and, once erased, who erased it, when and why.
 */
export const privacyMigrations: Migration[] = [
  {
    id: '060_privacy_keys',
    statements: [
      `CREATE TABLE tf_privacy_keys (
        subject_id uuid PRIMARY KEY,
        email_lookup bytea UNIQUE,
        wrapped_key bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz,
        erased_by text,
        erasure_basis text
      )`,
      // Which streams hold a person's sealed data, found from the log itself (src/privacy/streams.ts):
      // no second write per append, one index entry per sealed event.
      `CREATE INDEX tf_events_pii ON tf_events USING gin ((metadata -> 'pii') jsonb_path_ops)`,
    ],
  },
];

interface Row {
  subject_id: string;
  wrapped_key: Buffer | Uint8Array | null;
  erased_at: Date | string | null;
  erased_by: string | null;
  erasure_basis: string | null;
}

const columns = `subject_id, wrapped_key, erased_at, erased_by, erasure_basis`;

function recordOf(row: Row): KeyRecord {
  return {
    subjectId: row.subject_id,
    wrapped: row.wrapped_key ? Buffer.from(row.wrapped_key) : null,
    erasure: row.erased_at
      ? {
          at: new Date(row.erased_at).toISOString(),
          by: row.erased_by ?? 'unknown',
          basis: (row.erasure_basis ?? 'other') as ErasureBasis,
        }
      : null,
  };
}

export function sqlKeyRecords(sql: SqlExecutor): KeyRecords {
  const one = async (where: string, param: unknown) => {
    const { rows } = await sql.query<Row>(
      `SELECT ${columns} FROM tf_privacy_keys WHERE ${where} = $1`,
      [param],
      { prepared: true },
    );
    return rows[0] ? recordOf(rows[0]) : null;
  };
  return {
    async insertOrGet(lookup, { subjectId, wrapped }) {
      const { rows } = await sql.query<Row>(
        `INSERT INTO tf_privacy_keys (subject_id, email_lookup, wrapped_key) VALUES ($1, $2, $3)
         ON CONFLICT (email_lookup) DO NOTHING RETURNING ${columns}`,
        [subjectId, lookup, wrapped],
        { prepared: true },
      );
      if (rows[0]) return recordOf(rows[0]);
      const existing = await one('email_lookup', lookup);
      if (!existing) throw new Error('a data key vanished while it was being created');
      return existing;
    },
    byLookup: (lookup) => one('email_lookup', lookup),
    bySubject: (subjectId) => one('subject_id', subjectId),
    async destroy(subjectId, erasure) {
      const { rows } = await sql.query(
        `UPDATE tf_privacy_keys SET wrapped_key = NULL, email_lookup = NULL,
           erased_at = $2, erased_by = $3, erasure_basis = $4
         WHERE subject_id = $1 AND erased_at IS NULL RETURNING subject_id`,
        [subjectId, erasure.at, erasure.by, erasure.basis],
      );
      return rows.length > 0;
    },
  };
}

/** The same in this process's memory, for the in-memory event store (unit specs). */
export function memoryKeyRecords(): KeyRecords {
  const bySubject = new Map<string, KeyRecord & { lookup: string | null }>();
  const copy = (r: KeyRecord): KeyRecord => ({ ...r });
  const find = (lookup: Buffer) =>
    [...bySubject.values()].find((r) => r.lookup === lookup.toString('hex')) ?? null;
  return {
    async insertOrGet(lookup, { subjectId, wrapped }) {
      const existing = find(lookup);
      if (existing) return copy(existing);
      const record = { subjectId, wrapped, erasure: null, lookup: lookup.toString('hex') };
      bySubject.set(subjectId, record);
      return copy(record);
    },
    byLookup: async (lookup) => {
      const found = find(lookup);
      return found ? copy(found) : null;
    },
    bySubject: async (subjectId) => {
      const found = bySubject.get(subjectId);
      return found ? copy(found) : null;
    },
    async destroy(subjectId, erasure: ErasureRecord) {
      const record = bySubject.get(subjectId);
      if (!record || record.erasure) return false;
      bySubject.set(subjectId, { ...record, wrapped: null, lookup: null, erasure });
      return true;
    },
  };
}
