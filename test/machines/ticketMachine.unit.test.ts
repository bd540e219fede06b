import { describe, expect, it } from 'vitest';
import { getSimplePaths } from 'xstate/graph';
import {
  applyEvent,
  escalationFor,
  initialTicketState,
  IllegalTransitionError,
  allows,
  statusOf,
  statusesTagged,
  ticketMachine,
  ticketStatuses,
  type TicketMachineEvent,
  type TicketState,
} from '../../machines/index.ts';
import * as sample from './ticketEvents.ts';
import { nextStep } from './ticketEvents.ts';

/** given(events).when(event).then(status): a specification of one transition. */
function given(...events: TicketMachineEvent[]) {
  let state = initialTicketState();
  events.forEach((e, i) => (state = applyEvent(state, e, i + 1)));
  return {
    state,
    when(event: TicketMachineEvent) {
      return {
        then: (status: string) => {
          const next = applyEvent(state, event, events.length + 1);
          expect(statusOf(next.snapshot)).toBe(status);
          return next;
        },
        thenRejects: () =>
          expect(() => applyEvent(state, event, events.length + 1)).toThrow(IllegalTransitionError),
      };
    },
  };
}

describe('ticket machine', () => {
  it('declares exactly the statuses of TicketStatus, and tags them for the workflow, agents and SLAs', () => {
    expect(Object.keys(ticketMachine.root.states).sort()).toEqual([...ticketStatuses].sort());
    expect(statusesTagged('automatic')).toEqual([
      'received',
      'classifying',
      'classified',
      'drafting',
      'suggesting',
    ]);
    expect(statusesTagged('agent')).toEqual([
      'escalated',
      'assigned',
      'in_progress',
      'waiting_on_requester',
      'reopened',
    ]);
    expect(statusesTagged('sla')).toEqual(['escalated', 'assigned', 'in_progress', 'reopened']);
  });

  describe('when new', () => {
    it('is received by TicketReceived, and then the runner starts classification', () => {
      const state = given().when(sample.received()).then('received');
      expect(nextStep(state)).toEqual({ kind: 'startClassification' });
    });
    it('refuses anything but TicketReceived', () => {
      given().when(sample.closed).thenRejects();
    });
  });

  describe('when classifying', () => {
    const classifying = [sample.received(), sample.classificationStarted] as const;
    it('asks the runner to invoke the classifier with the ticket text only', () => {
      const { state } = given(...classifying);
      expect(nextStep(state)).toEqual({
        kind: 'invoke',
        actor: 'classifyTicket',
        input: {
          ticketId: '3f1b6f5e-4a55-4c1e-9a4e-0d8f3c1b2a10',
          subject: 'cannot log in',
          description: 'I forgot my password',
        },
      });
    });
    it('drafts an answer for a confident level-1 classification', () => {
      const state = given(...classifying)
        .when(sample.classified(1, 0.9))
        .then('classified');
      expect(nextStep(state)).toEqual({ kind: 'startDraft' });
    });
    it('escalates a level-3 ticket, whatever the confidence', () => {
      const state = given(...classifying)
        .when(sample.classified(3, 0.99))
        .then('classified');
      expect(nextStep(state)).toMatchObject({
        kind: 'escalate',
        data: { level: 3, reason: 'level_requires_agent' },
      });
    });
    it('escalates a level-1 ticket below the confidence threshold', () => {
      const state = given(...classifying)
        .when(sample.classified(1, 0.69))
        .then('classified');
      expect(nextStep(state)).toMatchObject({
        kind: 'escalate',
        data: {
          level: 1,
          reason: 'low_confidence',
          detail: 'confidence 0.69 below threshold 0.70',
        },
      });
    });
    it('uses the threshold recorded with the ticket, not a later configuration', () => {
      const state = given(sample.received(0.5), sample.classificationStarted)
        .when(sample.classified(1, 0.6))
        .then('classified');
      expect(nextStep(state)).toEqual({ kind: 'startDraft' });
    });
    it('escalates a flagged ticket at the level the model read, however confident', () => {
      const state = given(sample.received(0.7, 0.5), sample.classificationStarted)
        .when(sample.classified(1, 0.99, ['force_level', 'force_confidence']))
        .then('classified');
      expect(nextStep(state)).toEqual({
        kind: 'escalate',
        data: {
          level: 1,
          reason: 'injection_suspected',
          detail:
            'prompt injection suspected (force_level, force_confidence): a person decides; the model read it as level 1 (account)',
        },
      });
      given(
        sample.received(0.7, 0.5),
        sample.classificationStarted,
        sample.classified(1, 0.99, ['force_level']),
      )
        .when(sample.draftStarted)
        .thenRejects();
      given(
        sample.received(0.7, 0.5),
        sample.classificationStarted,
        sample.classified(1, 0.6, ['force_level']),
      )
        .when(sample.suggestionStarted)
        .thenRejects();
    });
    it('escalates with the reason when the classifier fails', () => {
      const state = given(...classifying)
        .when(sample.classificationFailed)
        .then('classified');
      expect(nextStep(state)).toMatchObject({
        kind: 'escalate',
        data: {
          reason: 'classification_failed',
          detail: 'classification failed (timeout): took too long',
        },
      });
    });
  });

  describe('when classified', () => {
    it('refuses to draft when the guard says a person must look', () => {
      given(sample.received(), sample.classificationStarted, sample.classified(2, 0.9))
        .when(sample.draftStarted)
        .thenRejects();
    });
    it('refuses to escalate a ticket it may answer', () => {
      given(sample.received(), sample.classificationStarted, sample.classified(1, 0.95))
        .when(sample.escalated({ level: 1, reason: 'manual', detail: '' }))
        .thenRejects();
    });
  });

  describe('when drafting', () => {
    const drafting = [
      sample.received(),
      sample.classificationStarted,
      sample.classified(1, 0.9),
      sample.draftStarted,
    ];
    it('is answered with the draft and its citations', () => {
      const state = given(...drafting)
        .when(sample.drafted)
        .then('answered');
      expect(state.snapshot.context.draft?.citations).toEqual([
        { id: 'password-reset', title: 'Reset' },
      ]);
      expect(nextStep(state)).toBeNull();
    });
    it('escalates when no grounded answer can be drafted', () => {
      const state = given(...drafting)
        .when(sample.draftFailed)
        .then('classified');
      expect(nextStep(state)).toMatchObject({
        kind: 'escalate',
        data: { reason: 'draft_failed', level: 1 },
      });
    });
  });
});

describe('every path through the ticket machine', () => {
  const events: TicketMachineEvent[] = [
    sample.received(),
    sample.classificationStarted,
    sample.classified(1, 0.9),
    sample.classified(1, 0.3),
    sample.classified(2, 0.9),
    sample.classified(3, 0.9),
    sample.classificationFailed,
    sample.draftStarted,
    sample.drafted,
    sample.draftFailed,
    sample.closed,
  ];
  // Escalation carries data computed from the context, so it is generated per state.
  const paths = getSimplePaths(ticketMachine, {
    events: (snapshot) => [...events, sample.escalated(escalationFor(snapshot.context))],
  });

  it('reaches every state', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual(
      [
        'answered',
        'classified',
        'classifying',
        'closed',
        'drafting',
        'escalated',
        'new',
        'received',
      ].sort(),
    );
  });

  it.each(
    paths.map((p) => [p.steps.map((s) => s.event.type).join(' → ') || '(start)', p] as const),
  )(
    '%s: folding the path gives its state, and the runner never contradicts the machine',
    (_name, path) => {
      let state: TicketState = initialTicketState();
      path.steps.forEach((step, i) => {
        if (i === 0) return; // the initial step carries xstate.init
        state = applyEvent(state, step.event as TicketMachineEvent, i);
      });
      expect(state.snapshot.value).toEqual(path.state.value);
      const status = statusOf(state.snapshot);
      const context = state.snapshot.context;
      if (status === 'answered') {
        expect(context.classification?.level).toBe(1);
        expect(context.classification!.confidence).toBeGreaterThanOrEqual(
          context.policy.autoAnswerThreshold,
        );
        expect(context.draft?.citations.length).toBeGreaterThan(0);
      }
      if (status === 'escalated') expect(context.escalation).toEqual(escalationFor(context));
      const step = nextStep(state);
      if (step?.kind === 'escalate') {
        expect(allows(state, sample.escalated(step.data))).toBe(true);
      }
      if (step?.kind === 'startDraft') expect(allows(state, sample.draftStarted)).toBe(true);
    },
  );
});
