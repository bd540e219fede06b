/**
 * The personal-data codec of the event store (docs/privacy.md): on append, every personal field
 * (fields.ts) is taken out of the event and sealed, per person, under that person's data key;
 * on read, it is put back, or, once the key is destroyed, replaced by the erased marker. The
 * stored event keeps the sealed fields in `metadata.pii` (the person's pseudonymous id, the field
 * paths and the ciphertext), so the hash chain covers exactly these bytes and verifies before and
 * after an erasure.
 */
import { upcast, type AnyNewEvent, type StoredEvent } from '../events/index.ts';
import { open, seal } from './crypto.ts';
import {
  actorField,
  erasedMarker,
  personalFields,
  streamSubjectField,
  type PersonalField,
} from './fields.ts';
import type { ErasureRecord, KeyStore } from './keyStore.ts';
import type { ErasedFields } from '../events/index.ts';

/** One person's sealed fields of one event, as stored in `metadata.pii`. */
export interface SealedFields {
  /** The person's pseudonymous id (their data key's id). */
  s: string;
  /** The sealed fields' paths (`data.body`), in the order of the sealed JSON array. */
  p: string[];
  /** base64 of IV, AES-256-GCM ciphertext of the JSON array of values, tag. */
  c: string;
}

type Json = Record<string, unknown>;

const aadOf = (eventId: string, subjectId: string) => `event:${eventId}:${subjectId}`;

function getAt(root: Json, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Json)[part];
  }
  return node;
}

/**
 * Sets (or removes) the value at `path`, copying each object on the way (copy on write): the
 * caller's event is never changed, and nothing else is copied.
 */
function setAt(root: Json, path: readonly string[], value: unknown, remove = false): void {
  let node = root;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) {
      if (remove) return;
      node[part] = {};
    } else node[part] = { ...(next as Json) };
    node = node[part] as Json;
  }
  if (remove) delete node[path.at(-1)!];
  else node[path.at(-1)!] = value;
}

/** A field as the codec walks it: its path joined once, and whether it names the stream's person. */
interface PlannedField extends PersonalField {
  name: string;
  namesStream: boolean;
}

const plans = new Map<string, PlannedField[]>();

/** The fields to seal on this event: its type's, and the actor when a person acted (memoised). */
function fieldsOf(event: { type: string; metadata: { actor: { role: string } } }): PlannedField[] {
  const person = event.metadata.actor.role !== 'system';
  const id = `${event.type}:${person}`;
  let plan = plans.get(id);
  if (!plan) {
    const fields = [...(personalFields[event.type] ?? []), ...(person ? [actorField] : [])];
    const subject = streamSubjectField[event.type]?.join('.');
    // Identities first: a stream's first event names the person its other fields are sealed for.
    plan = [
      ...fields.filter((f) => f.owner === 'self'),
      ...fields.filter((f) => f.owner !== 'self'),
    ].map((f) => ({ ...f, name: f.path.join('.'), namesStream: f.path.join('.') === subject }));
    plans.set(id, plan);
  }
  return plan;
}

export function createPrivacyCodec(
  keys: KeyStore,
  firstEventOf: (streamId: string) => Promise<StoredEvent | undefined>,
) {
  const owners = new Map<string, string | null>();
  /**
   * The person a stream is about: whose key seals its first event's identity field (a ticket's
   * requester, a user), or, for a stream stored before sealing, the address in it in plaintext.
   */
  async function ownerOf(streamId: string): Promise<string | null> {
    const known = owners.get(streamId);
    if (known !== undefined) return known;
    const first = await firstEventOf(streamId);
    const path = first && streamSubjectField[first.type];
    let owner: string | null = null;
    if (first && path) {
      const sealed = (first.metadata as { pii?: SealedFields[] }).pii;
      const group = sealed?.find((g) => g.p.includes(path.join('.')));
      const email = getAt(first as unknown as Json, path);
      if (group) owner = group.s;
      else if (typeof email === 'string' && email.includes('@'))
        owner = (await keys.subjectFor(email)).subjectId;
    }
    if (owners.size >= 10_000) owners.clear();
    owners.set(streamId, owner);
    return owner;
  }

  async function encodeOne(
    streamId: string,
    event: AnyNewEvent,
    owner: { id: string | null | undefined },
  ): Promise<AnyNewEvent> {
    const fields = fieldsOf(event);
    if (fields.length === 0) return event;
    const stored: Json = { data: event.data, metadata: event.metadata };
    const groups = new Map<string, { key: Buffer; paths: string[]; values: string[] }>();
    let changed = false;
    for (const field of fields) {
      const value = getAt(stored, field.path);
      if (typeof value !== 'string') continue;
      let sealed: { subjectId: string; key: Buffer } | null;
      if (field.owner === 'self') {
        if (!value.includes('@')) continue; // not an address (a marker, a service name)
        sealed = await keys.subjectFor(value);
        if (field.namesStream) {
          owner.id = sealed.subjectId;
          owners.set(streamId, sealed.subjectId);
        }
      } else {
        if (owner.id === undefined) owner.id = await ownerOf(streamId);
        if (owner.id === null) continue; // a stream about no known person: nothing to key it by
        const state = await keys.keyOf(owner.id);
        if (state.kind !== 'key') {
          // The person was erased: what is written about them now is not kept either.
          setAt(stored, field.path, erasedMarker(owner.id));
          changed = true;
          continue;
        }
        sealed = { subjectId: owner.id, key: state.key };
      }
      const group = groups.get(sealed.subjectId) ?? { key: sealed.key, paths: [], values: [] };
      group.paths.push(field.name);
      group.values.push(value);
      groups.set(sealed.subjectId, group);
      setAt(stored, field.path, undefined, true);
      changed = true;
    }
    if (!changed) return event;
    const pii: SealedFields[] = [...groups].map(([s, g]) => ({
      s,
      p: g.paths,
      c: seal(g.key, Buffer.from(JSON.stringify(g.values)), aadOf(event.id, s)).toString('base64'),
    }));
    const metadata = pii.length > 0 ? { ...(stored.metadata as Json), pii } : stored.metadata;
    return { ...event, data: stored.data, metadata } as AnyNewEvent;
  }

  return {
    /** The events as the log stores them: personal fields sealed per person. */
    async encode(streamId: string, events: readonly AnyNewEvent[]): Promise<AnyNewEvent[]> {
      const owner: { id: string | null | undefined } = { id: undefined };
      const encoded: AnyNewEvent[] = [];
      for (const event of events) encoded.push(await encodeOne(streamId, event, owner));
      return encoded;
    },

    /** The event as consumers read it: plaintext while the keys exist, erased markers after. */
    async decode<E extends StoredEvent>(event: E): Promise<E> {
      const pii = (event.metadata as { pii?: unknown }).pii;
      if (!Array.isArray(pii)) return event;
      const readable = event as unknown as Json & { metadata: Json };
      const erased: ErasedFields[] = [];
      for (const group of pii as SealedFields[]) {
        const values = await openGroup(keys, event.id, group);
        group.p.forEach((path, i) =>
          setAt(readable, path.split('.'), values.ok ? values.values[i] : erasedMarker(group.s)),
        );
        if (!values.ok)
          erased.push({ subjectId: group.s, paths: group.p, erasure: values.erasure });
      }
      const { pii: _sealed, ...metadata } = readable.metadata;
      void _sealed;
      // The store left an older schema version as stored (events/upcasters.ts): upcast it now.
      const data = upcast(event.type, event.schemaVersion, readable.data, metadata);
      return {
        ...event,
        data,
        metadata,
        ...(erased.length > 0 ? { erased } : {}),
      };
    },
  };
}

/** A group's values, or why they cannot be read (erased, key unknown, or damaged: never thrown). */
async function openGroup(
  keys: KeyStore,
  eventId: string,
  group: SealedFields,
): Promise<{ ok: true; values: unknown[] } | { ok: false; erasure: ErasureRecord | null }> {
  const state = await keys.keyOf(group.s);
  if (state.kind !== 'key')
    return { ok: false, erasure: state.kind === 'erased' ? state.erasure : null };
  try {
    const values: unknown = JSON.parse(
      open(state.key, Buffer.from(group.c, 'base64'), aadOf(eventId, group.s)).toString('utf8'),
    );
    if (Array.isArray(values) && values.length === group.p.length) return { ok: true, values };
  } catch {
    // A damaged ciphertext: the hash chain reports the tampering; the read goes on.
  }
  return { ok: false, erasure: null };
}

export type PrivacyCodec = ReturnType<typeof createPrivacyCodec>;
