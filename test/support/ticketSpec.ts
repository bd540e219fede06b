import { expect } from 'vitest';
import {
  decide,
  foldTicket,
  type DecideContext,
  type Refusal,
  type TicketCommand,
  type TicketEvent,
  type TicketState,
} from '../../machines/index.ts';

/** The instant every spec decides at; history is recorded one minute apart before it. */
export const specNow = new Date('2026-11-24T12:00:00.000Z');

/** A history as the store would give it back: versions, timestamps, an author. */
export function recorded(events: readonly TicketEvent[]) {
  return events.map((event, i) => ({
    ...event,
    version: i + 1,
    timestamp: new Date(specNow.getTime() - (events.length - i) * 60_000).toISOString(),
    metadata: { actor: { id: 'history@example.com' } },
  }));
}

type Ctx = Omit<DecideContext, 'now' | 'reopenWindowMs'> &
  Partial<Pick<DecideContext, 'now' | 'reopenWindowMs'>>;

/**
 * given(events).when(command, context).then(events) | .thenRefuses(refusal): one decision of the
 * ticket's rules as a sentence (Emmett's DeciderSpecification, for the ticket module).
 */
export function given(...history: TicketEvent[]) {
  const state: TicketState = foldTicket(recorded(history));
  return {
    state,
    when(command: TicketCommand, ctx: Ctx) {
      const decision = decide(command, state, { now: specNow, reopenWindowMs: 3_600_000, ...ctx });
      return {
        then(...expected: TicketEvent[]) {
          expect(decision).toEqual({ ok: true, events: expected });
        },
        thenRefuses(refusal: Partial<Refusal> & Pick<Refusal, 'kind'>) {
          expect(decision.ok).toBe(false);
          if (!decision.ok) expect(decision.refusal).toMatchObject(refusal);
        },
      };
    },
  };
}
