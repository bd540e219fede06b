import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  IllegalTransitionError,
  statusAfter,
  statusOf,
  ticketStatuses,
  type TicketMachineEvent,
  type TicketStatus,
} from '../../machines/index.ts';
import type { StoredEvent } from '../../src/events/index.ts';
import { declaredTransitions, fold, simplePaths, transitionKey, transitionPaths } from './graph.ts';
import * as sample from './ticketEvents.ts';

const a = sample.agentEvents;
const escalated3 = [
  sample.received(),
  sample.classificationStarted,
  sample.classified(3, 0.95),
  sample.escalated({ level: 3, reason: 'level_requires_agent', detail: 'outage' }),
];
const answered = [
  sample.received(),
  sample.classificationStarted,
  sample.classified(1, 0.9),
  sample.draftStarted,
  sample.drafted,
];

/** given(events).when(event).then(status) / .thenRejects(): one transition as a sentence. */
function given(...events: TicketMachineEvent[]) {
  const state = fold(events);
  return {
    when: (event: TicketMachineEvent) => ({
      then(status: string) {
        const next = applyEvent(state, event, events.length + 1);
        expect(statusOf(next.snapshot)).toBe(status);
        return next.snapshot.context;
      },
      thenRejects() {
        expect(() => applyEvent(state, event, events.length + 1)).toThrow(IllegalTransitionError);
      },
    }),
  };
}

describe('agents on the ticket machine', () => {
  describe('when escalated', () => {
    it('is claimed by an agent, who becomes the assignee', () => {
      expect(
        given(...escalated3)
          .when(a.claimed)
          .then('assigned').assignee,
      ).toBe('agent@example.com');
    });
    it('is assigned by a lead to another agent', () => {
      expect(
        given(...escalated3)
          .when(a.assignedToOther)
          .then('assigned').assignee,
      ).toBe('lead@example.com');
    });
    it('cannot be started, resolved or put on hold before someone holds it', () => {
      given(...escalated3)
        .when(a.started)
        .thenRejects();
      given(...escalated3)
        .when(a.resolved)
        .thenRejects();
      given(...escalated3)
        .when(a.onHold)
        .thenRejects();
    });
    it('goes back to a queue when re-levelled 3 → 2, and refuses a re-level from a level it is not at', () => {
      expect(
        given(...escalated3)
          .when(a.relevelled3to2)
          .then('escalated').level,
      ).toBe(2);
      given(...escalated3)
        .when(a.relevelled2to3)
        .thenRejects();
    });
    it('is answered when re-levelled down to 1 with an answer, and refused without one', () => {
      const c = given(...escalated3)
        .when(a.relevelledTo1)
        .then('answered');
      expect(c.agentAnswer?.body).toBe('Use the self-service portal.');
      given(...escalated3)
        .when(a.relevelledTo1WithoutAnswer)
        .thenRejects();
    });
    it('records internal notes and SLA events without changing state', () => {
      given(...escalated3)
        .when(a.noted)
        .then('escalated');
      expect(
        given(...escalated3)
          .when(a.firstResponseBreached)
          .then('escalated').sla.breached,
      ).toEqual(['first_response']);
    });
  });

  describe('when claimed', () => {
    const claimed = [...escalated3, a.claimed];
    it('moves to in progress when the agent starts or replies', () => {
      given(...claimed)
        .when(a.started)
        .then('in_progress');
      expect(
        given(...claimed)
          .when(a.replied)
          .then('in_progress').firstResponseAt,
      ).toBe(sample.meta.at);
    });
    it('goes back to the queue when its assignee releases it, not when someone else does', () => {
      expect(
        given(...claimed)
          .when(a.released)
          .then('escalated').assignee,
      ).toBeNull();
      given(...claimed)
        .when(a.releasedByOther)
        .thenRejects();
    });
    it('refuses a second claim', () => {
      given(...claimed)
        .when(a.claimed)
        .thenRejects();
    });
  });

  describe('when in progress', () => {
    const working = [...escalated3, a.claimed, a.started];
    it('waits on the requester after a question, and their reply brings it back', () => {
      given(...working)
        .when(a.onHold)
        .then('waiting_on_requester');
      given(...working, a.onHold)
        .when(a.requesterReplied)
        .then('in_progress');
    });
    it('pauses SLA records while waiting: the machine refuses a breach then', () => {
      given(...working, a.onHold)
        .when(a.resolutionBreached)
        .thenRejects();
    });
    it('is resolved with the reopen deadline recorded', () => {
      expect(
        given(...working)
          .when(a.resolved)
          .then('resolved').resolution?.reopenUntil,
      ).toBe('2026-12-01T10:00:00.000Z');
    });
  });

  describe('when resolved', () => {
    const resolved = [...escalated3, a.claimed, a.started, a.resolved];
    it('is reopened within the window, back to its assignee', () => {
      const c = given(...resolved)
        .when(a.reopened)
        .then('reopened');
      expect(c.assignee).toBe('agent@example.com');
      expect(c.reopenCount).toBe(1);
    });
    it('refuses to reopen after the window', () => {
      given(...escalated3, a.claimed, a.started, a.resolvedWindowOver)
        .when(a.reopened)
        .thenRejects();
    });
    it('closes when the requester confirms or by itself, and can still be reopened within the window', () => {
      given(...resolved)
        .when(a.closedResolved)
        .then('closed');
      given(...resolved, a.autoClosed)
        .when(a.reopened)
        .then('reopened');
    });
  });

  describe('when answered', () => {
    it('is closed when the requester accepts, and refuses reopening then', () => {
      given(...answered)
        .when(a.answerAccepted)
        .then('closed');
      given(...answered, a.answerAccepted)
        .when(a.reopened)
        .thenRejects();
    });
    it('is escalated when the requester says it did not help', () => {
      const c = given(...answered)
        .when(a.answerRejected)
        .then('escalated');
      expect(c.escalation).toMatchObject({ level: 1, reason: 'manual' });
    });
  });

  describe('SLA records', () => {
    it('are emitted once: a second breach of the same clock is refused', () => {
      given(...escalated3, a.firstResponseBreached)
        .when(a.firstResponseBreached)
        .thenRejects();
      given(...escalated3, a.firstResponseBreached)
        .when(a.firstResponseWarning)
        .thenRejects();
      given(...escalated3, a.firstResponseBreached)
        .when(a.resolutionBreached)
        .then('escalated');
    });
  });
});

describe('every simple path through the full machine', () => {
  const paths = simplePaths();
  it('reaches every state', () => {
    expect(new Set(paths.map((p) => p.status))).toEqual(new Set(ticketStatuses));
  });
  it.each(paths.map((p) => [p.name, p] as const))('%s', (_name, path) => {
    const state = fold(path.events);
    expect(statusOf(state.snapshot)).toBe(path.status);
    // The status projections read (statusAfter) agrees with the whole fold at every step.
    let status: TicketStatus = 'new';
    let s = fold([]);
    path.events.forEach((e, i) => {
      s = applyEvent(s, e, i + 1);
      status = statusAfter(status, asStored(e, i + 1));
      expect(status).toBe(statusOf(s.snapshot));
    });
  });
});

describe('every transition of the full machine', () => {
  const paths = transitionPaths();
  it('covers every (state, event) the machine declares', () => {
    const covered = new Set(paths.map((p) => `${p.transition.from}/${p.transition.event}`));
    const missing = declaredTransitions().filter((d) => !covered.has(`${d.from}/${d.event}`));
    expect(missing).toEqual([]);
  });
  it.each(paths.map((p) => [transitionKey(p.transition), p] as const))('%s', (_name, path) => {
    expect(statusOf(fold(path.events).snapshot)).toBe(path.transition.to);
  });
});

/** A machine event as the store would give it back (for the read model's status function). */
function asStored(event: TicketMachineEvent, version: number): StoredEvent {
  const type = event.type.startsWith('xstate.done.actor.classifyTicket')
    ? 'TicketClassified'
    : event.type.startsWith('xstate.error.actor.classifyTicket')
      ? 'ClassificationFailed'
      : event.type.startsWith('xstate.done.actor.draftAnswer')
        ? 'AnswerDrafted'
        : event.type.startsWith('xstate.error.actor.draftAnswer')
          ? 'AnswerDraftFailed'
          : event.type;
  const data = 'data' in event ? event.data : 'output' in event ? event.output : event.error;
  const metadata = { actor: { id: event.meta.actorId } };
  return { type, data, version, timestamp: event.meta.at, metadata } as unknown as StoredEvent;
}
