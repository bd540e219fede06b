/**
 * Data keys, one per person, kept apart from the events (docs/privacy.md, "Keys"). Two ports:
 * - {@link MasterKey} wraps and unwraps data keys: the local AES-256-GCM master key from the
 *   configuration, or an external key service (KMS, HSM) implementing the same two calls;
 * - {@link KeyRecords} stores the wrapped keys (the `tf_privacy_keys` table, or memory).
 * {@link createKeyStore} joins them with a small cache of unwrapped keys.
 */
import { randomUUID } from 'node:crypto';
import { deriveKey, keyedHash, newDataKey, open, seal } from './crypto.ts';
import { normalizeEmail } from './fields.ts';

export const erasureBases = [
  'data_subject_request',
  'retention_policy',
  'legal_obligation',
  'other',
] as const;
export type ErasureBasis = (typeof erasureBases)[number];

/** Who erased a person, when and why: never what was erased. */
export interface ErasureRecord {
  at: string;
  /** The acting principal's id (an admin, or `privacy-retention`). */
  by: string;
  basis: ErasureBasis;
}

export interface MasterKey {
  wrap(subjectId: string, dataKey: Buffer): Promise<Buffer>;
  unwrap(subjectId: string, wrapped: Buffer): Promise<Buffer>;
  /** The keyed hash an email is looked up by, so the key table never holds the address. */
  lookup(email: string): Buffer;
}

/** The local master key: wraps with AES-256-GCM (the subject id as associated data). */
export function localMasterKey(master: Buffer): MasterKey {
  const wrapping = deriveKey(master, 'data-key-wrapping');
  const lookup = deriveKey(master, 'email-lookup');
  return {
    wrap: async (subjectId, dataKey) => seal(wrapping, dataKey, `data-key:${subjectId}`),
    unwrap: async (subjectId, wrapped) => open(wrapping, wrapped, `data-key:${subjectId}`),
    lookup: (email) => keyedHash(lookup, normalizeEmail(email)),
  };
}

/** A data key's row: the wrapped key while it exists, the erasure once it does not. */
export interface KeyRecord {
  subjectId: string;
  wrapped: Buffer | null;
  erasure: ErasureRecord | null;
}

/** The storage port of wrapped keys (tf_privacy_keys, or memory). */
export interface KeyRecords {
  /** Inserts a live key for `lookup`, or returns the live one another writer inserted first. */
  insertOrGet(lookup: Buffer, record: { subjectId: string; wrapped: Buffer }): Promise<KeyRecord>;
  byLookup(lookup: Buffer): Promise<KeyRecord | null>;
  bySubject(subjectId: string): Promise<KeyRecord | null>;
  /** Destroys the wrapped key and the lookup hash; false when already erased (or unknown). */
  destroy(subjectId: string, erasure: ErasureRecord): Promise<boolean>;
}

export type KeyState =
  { kind: 'key'; key: Buffer } | { kind: 'erased'; erasure: ErasureRecord } | { kind: 'unknown' };

export interface KeyStore {
  /** The person's live subject id and data key, created on first use (again after an erasure). */
  subjectFor(email: string): Promise<{ subjectId: string; key: Buffer }>;
  findSubject(email: string): Promise<string | null>;
  keyOf(subjectId: string): Promise<KeyState>;
  /** Destroys the key (here and in this process's cache); false when it was already gone. */
  destroy(subjectId: string, erasure: ErasureRecord): Promise<boolean>;
}

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * The key store with a cache: unwrapped keys live `cacheMs` in this process (another process's
 * erasure takes effect here within that time; this process's at once).
 */
export function createKeyStore(
  records: KeyRecords,
  master: MasterKey,
  options: { cacheMs?: number; maxEntries?: number } = {},
): KeyStore {
  const cacheMs = options.cacheMs ?? 60_000;
  const max = options.maxEntries ?? 10_000;
  const keys = new Map<string, Cached<Buffer>>();
  const subjects = new Map<string, Cached<string>>();
  const put = <T>(map: Map<string, T>, key: string, value: T) => {
    map.set(key, value);
    if (map.size > max) map.delete(map.keys().next().value!);
  };
  const fresh = <T>(entry: Cached<T> | undefined) =>
    entry && entry.until > Date.now() ? entry.value : undefined;

  async function unwrapped(record: KeyRecord): Promise<Buffer> {
    const key = await master.unwrap(record.subjectId, record.wrapped!);
    put(keys, record.subjectId, { value: key, until: Date.now() + cacheMs });
    return key;
  }

  return {
    async subjectFor(email) {
      // Cached by the address itself: this process holds it in plaintext anyway while it works.
      const cachedId = fresh(subjects.get(normalizeEmail(email)));
      const cachedKey = cachedId ? fresh(keys.get(cachedId)) : undefined;
      if (cachedId && cachedKey) return { subjectId: cachedId, key: cachedKey };
      const lookup = master.lookup(email);
      // Insert first (one statement for a new person); the existing key when they are known.
      const subjectId = randomUUID();
      const wrapped = await master.wrap(subjectId, newDataKey());
      const record = await records.insertOrGet(lookup, { subjectId, wrapped });
      put(subjects, normalizeEmail(email), {
        value: record.subjectId,
        until: Date.now() + cacheMs,
      });
      return { subjectId: record.subjectId, key: await unwrapped(record) };
    },
    async findSubject(email) {
      return (await records.byLookup(master.lookup(email)))?.subjectId ?? null;
    },
    async keyOf(subjectId) {
      const cached = fresh(keys.get(subjectId));
      if (cached) return { kind: 'key', key: cached };
      const record = await records.bySubject(subjectId);
      if (!record) return { kind: 'unknown' };
      if (record.erasure || !record.wrapped)
        return { kind: 'erased', erasure: record.erasure ?? erasureUnknown };
      return { kind: 'key', key: await unwrapped(record) };
    },
    async destroy(subjectId, erasure) {
      keys.delete(subjectId);
      for (const [lookup, entry] of subjects)
        if (entry.value === subjectId) subjects.delete(lookup);
      return records.destroy(subjectId, erasure);
    },
  };
}

const erasureUnknown: ErasureRecord = {
  at: new Date(0).toISOString(),
  by: 'unknown',
  basis: 'other',
};
