/** Erasure: a person's data keys destroyed, recorded, and plaintext copies purged (docs/privacy.md). */
import type { Database } from '../db/index.ts';
import { ticketStreamId, type EventMetadata } from '../events/index.ts';
import { handleCommand, type Decider } from '../eventstore/index.ts';
import type { Projection } from '../projector/index.ts';
import { normalizeEmail } from './fields.ts';
import type { ErasureBasis } from './keyStore.ts';
import { purgeReadModels } from './purge.ts';
import type { PrivateEventStore } from './store.ts';

export interface ErasureDeps {
  db: Database;
  store: PrivateEventStore;
  projections: readonly Projection[];
  now: () => Date;
}

export interface ErasureRequest {
  email: string;
  basis: ErasureBasis;
  actor: EventMetadata['actor'];
  requestId?: string | undefined;
}

export type ErasureResult =
  | { erased: false }
  | { erased: true; subjectId: string; erasedAt: string; streams: number; tickets: number };

export const privacyStreamId = (subjectId: string) => `privacy-${subjectId}`;

/**
 * The streams holding their sealed data, and their tickets as the read model knows them (tickets
 * stored before sealing existed, whose text the log keeps, still have read-model rows to purge).
 */
async function streamsToPurge(deps: ErasureDeps, subjectId: string, email: string) {
  const sealed = (await deps.store.streamsOf(subjectId)).map((s) => s.streamId);
  const { rows } = await deps.db.query<{ id: string }>(
    `SELECT id FROM tf_tickets WHERE requester_email = $1`,
    [email],
  );
  return [...new Set([...sealed, ...rows.map((r) => ticketStreamId(r.id))])];
}

/** A privacy stream holds one fact: the erasure. */
const erasureStream: Decider<{ erased: boolean }> = {
  initial: () => ({ erased: false }),
  evolve: (state, event) => (event.type === 'PersonalDataErased' ? { erased: true } : state),
};

/**
 * Erases the person with this address: nothing when none is held (or another process erased them
 * at the same moment: only the one whose destroy took the key records the erasure). The key goes
 * first, since that is what makes the data unreadable everywhere; if the process dies after it,
 * the log is already shredded and `projections rebuild` purges what the read models still hold.
 */
export async function erasePerson(
  deps: ErasureDeps,
  request: ErasureRequest,
): Promise<ErasureResult> {
  const { store } = deps;
  const email = normalizeEmail(request.email);
  const subjectId = await store.keys.findSubject(email);
  if (!subjectId) return { erased: false };
  const streams = await streamsToPurge(deps, subjectId, email);
  const at = deps.now();
  const erasedAt = at.toISOString();
  const destroyed = await store.keys.destroy(subjectId, {
    at: erasedAt,
    by: request.actor.id,
    basis: request.basis,
  });
  if (!destroyed) return { erased: false };
  await purgeReadModels(deps, streams, email);
  await handleCommand(
    store,
    privacyStreamId(subjectId),
    erasureStream,
    (state) =>
      state.erased
        ? []
        : [
            {
              type: 'PersonalDataErased',
              data: { subjectId, basis: request.basis, streams: streams.length },
            },
          ],
    { actor: request.actor, now: () => at, retries: 3, requestId: request.requestId },
  );
  const tickets = streams.filter((s: string) => s.startsWith('ticket-')).length;
  return { erased: true, subjectId, erasedAt, streams: streams.length, tickets };
}
