/**
 * Which fields of which events are personal data (docs/privacy.md lists them), and whose.
 * - `stream`: about the person the stream is about (a ticket's requester, a user), encrypted
 *   under that person's key: what they wrote, and what others wrote on their ticket (replies,
 *   notes, answers that may quote them, comments, reasons).
 * - `self`: the value is itself a person's identity (an email address), encrypted under that
 *   person's own key, so erasing an agent removes their name from every ticket they touched.
 * Every personal field is a string; erased, it reads as {@link erasedMarker}.
 */

export type FieldOwner = 'stream' | 'self';

export interface PersonalField {
  /** The path from the event: `data.requester.email`, `metadata.actor.id`. */
  path: readonly string[];
  owner: FieldOwner;
}

const field = (path: string, owner: FieldOwner = 'stream'): PersonalField => ({
  path: path.split('.'),
  owner,
});

const data = (...names: string[]) => names.map((n) => field(`data.${n}`));

/** Personal fields by event type (those not listed have none but the actor). */
export const personalFields: Readonly<Record<string, readonly PersonalField[]>> = {
  TicketReceived: [
    ...data('subject', 'description', 'requester.name'),
    field('data.requester.email', 'self'),
  ],
  TicketClassified: data('rationale'),
  ClassificationFailed: data('message'),
  AnswerDrafted: data('answer'),
  AnswerDraftFailed: data('message'),
  SuggestionDrafted: data('answer'),
  SuggestionDraftFailed: data('message'),
  SuggestionSent: data('body'),
  SuggestionDiscarded: data('reason'),
  TicketEscalated: data('detail'),
  TicketClosed: data('comment'),
  AnswerRejected: data('comment'),
  TicketClaimed: [field('data.agent', 'self')],
  TicketAssigned: [field('data.agent', 'self'), field('data.previous', 'self')],
  TicketReleased: [field('data.agent', 'self'), ...data('reason')],
  AgentReplied: data('body'),
  InternalNoteAdded: data('body'),
  TicketPutOnHold: data('message'),
  RequesterReplied: data('body'),
  TicketResolved: data('resolution'),
  TicketReopened: data('reason'),
  TicketRelevelled: data('reason', 'answer'),
  UserCreated: [field('data.email', 'self'), ...data('name')],
};

/** The acting person's identity, on every event a person (not the product) caused. */
export const actorField = field('metadata.actor.id', 'self');

/** The field whose value names the person a new stream is about (its first event). */
export const streamSubjectField: Readonly<Record<string, readonly string[]>> = {
  TicketReceived: ['data', 'requester', 'email'],
  UserCreated: ['data', 'email'],
};

const erasedPrefix = '[erased:';

/**
 * What a shredded field reads as: explicit, a string as the field was (schemas and folds accept
 * it), and distinct per person (the pseudonymous id), so identities that key a read model (a
 * user's email) stay distinct after two people are erased.
 */
export const erasedMarker = (subjectId: string): string => `${erasedPrefix}${subjectId}]`;

export const isErasedMarker = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(erasedPrefix) && value.endsWith(']');

/** An email address as a person's lookup key: trimmed, lower case (as the API compares them). */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
