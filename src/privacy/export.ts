/**
 * Access: everything the product holds about a person, as JSON (docs/privacy.md, "Access").
 * Streams about them (their tickets, their user) whole; in other streams (tickets they worked on
 * as an agent) only their own identity fields, never the other person's data.
 */
import type { SqlExecutor } from '../db/index.ts';
import type { StoredEvent } from '../events/index.ts';
import { actorField, normalizeEmail, personalFields } from './fields.ts';
import type { PrivateEventStore } from './store.ts';

export interface PersonalDataExport {
  email: string;
  /** Their pseudonymous id (their data key's), null when nothing is held. */
  subjectId: string | null;
  exportedAt: string;
  /** The ticket ids of the tickets they filed. */
  tickets: string[];
  /** Every event of the streams about them, as the product reads them. */
  events: Array<Record<string, unknown>>;
  /** Where they appear in other people's streams: which event, and their fields there. */
  mentions: Array<{
    streamId: string;
    version: number;
    type: string;
    at: string;
    fields: Record<string, string>;
  }>;
  /** Read-model rows: tickets, responses, status changes, user, token metadata (no hashes). */
  readModels: Record<string, unknown[]>;
}

const readModelQueries: Record<string, string> = {
  tickets: `SELECT * FROM tf_tickets WHERE id = ANY($2::uuid[]) OR requester_email = $1 ORDER BY created_at`,
  responses: `SELECT * FROM tf_responses WHERE ticket_id = ANY($2::uuid[]) OR author = $1 ORDER BY created_at`,
  statusHistory: `SELECT * FROM tf_status_history WHERE ticket_id = ANY($2::uuid[]) OR actor_id = $1 ORDER BY at`,
  users: `SELECT * FROM tf_users WHERE email = $1`,
  tokens: `SELECT token_id, role, label, issued_at, revoked_at FROM tf_tokens
           WHERE user_id IN (SELECT user_id FROM tf_users WHERE email = $1) ORDER BY issued_at`,
};

/** The person's own identity fields of an event they appear in (not the stream's owner). */
function ownFields(event: StoredEvent, email: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const field of [...(personalFields[event.type] ?? []), actorField]) {
    if (field.owner !== 'self') continue;
    let node: unknown = event;
    for (const part of field.path) node = (node as Record<string, unknown> | undefined)?.[part];
    if (typeof node === 'string' && normalizeEmail(node) === email)
      found[field.path.join('.')] = node;
  }
  return found;
}

export async function exportPerson(
  deps: { db: SqlExecutor; store: PrivateEventStore; now: () => Date },
  address: string,
): Promise<PersonalDataExport> {
  const email = normalizeEmail(address);
  const subjectId = await deps.store.keys.findSubject(email);
  const bindings = subjectId ? await deps.store.streamsOf(subjectId) : [];
  const events: Array<Record<string, unknown>> = [];
  const mentions: PersonalDataExport['mentions'] = [];
  for (const { streamId, owner } of bindings) {
    const stream = await deps.store.readStream(streamId);
    if (owner) {
      events.push(...stream.map((e) => Object.fromEntries(Object.entries(e))));
      continue;
    }
    for (const event of stream) {
      const fields = ownFields(event, email);
      if (Object.keys(fields).length > 0)
        mentions.push({
          streamId,
          version: event.version,
          type: event.type,
          at: event.timestamp,
          fields,
        });
    }
  }
  const tickets = bindings
    .filter((b) => b.owner && b.streamId.startsWith('ticket-'))
    .map((b) => b.streamId.slice('ticket-'.length));
  const readModels: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(readModelQueries))
    readModels[name] = (
      await deps.db.query(sql, sql.includes('$2') ? [email, tickets] : [email])
    ).rows;
  return {
    email,
    subjectId,
    exportedAt: deps.now().toISOString(),
    tickets,
    events,
    mentions,
    readModels,
  };
}
