import { internalEventTypes } from '../../machines/index.ts';
import type { Timeline, TimelineEntry } from './timeline.ts';

/**
 * What a requester (and anyone holding the ticket's capability URL) sees of a timeline
 * (docs/auth.md, "Timelines"): no internal notes, and no one's identity but their own and the
 * agents' display names. Every person other than the requester who appears (as an actor, an
 * assignee, or in an event's data: claimed by, assigned to, resolved by) is shown as
 * `agent: <display name>`; the product's own processes keep their ids (they are no one).
 */

export interface RequesterViewOptions {
  /** The ticket's requester (their own identity stays visible to them). */
  requesterEmail: string;
  /** Display names by email, for the agents who appear; absent ones get their email's local part. */
  displayNames: ReadonlyMap<string, string>;
}

/** An agent as a requester sees them: a name, never an email. */
export function agentDisplayName(email: string, names: ReadonlyMap<string, string>): string {
  return names.get(email) ?? email.split('@')[0] ?? 'agent';
}

/** The identities of the people other than the requester who appear in a timeline. */
export function otherPeopleIn(timeline: Timeline, requesterEmail: string): Set<string> {
  const people = new Set<string>();
  for (const entry of timeline.entries) {
    if (entry.actor.kind === 'person') people.add(entry.actor.id);
    for (const summary of [entry.before, entry.after]) {
      if (summary.assignee) people.add(summary.assignee);
    }
  }
  people.delete(requesterEmail);
  return people;
}

/** Replaces every string equal to one of `names`' keys, anywhere in a JSON-like value. */
function replaceIdentities(value: unknown, names: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return names.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => replaceIdentities(item, names));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceIdentities(item, names)]),
    );
  }
  return value;
}

export function requesterView(timeline: Timeline, options: RequesterViewOptions): Timeline {
  const shown = new Map(
    [...otherPeopleIn(timeline, options.requesterEmail)].map((email) => [
      email,
      `agent: ${agentDisplayName(email, options.displayNames)}`,
    ]),
  );
  const entries = timeline.entries
    .filter((entry) => !internalEventTypes.has(entry.type))
    .map((entry) => replaceIdentities(entry, shown) as TimelineEntry);
  return { ...timeline, entries };
}
