import { describe, expect, it } from 'vitest';
import { buildTimeline, requesterView } from '../../src/audit/index.ts';
import {
  createEventOf,
  ticketStreamId,
  type DomainEvent,
  type StoredEvent,
} from '../../src/events/index.ts';

const ticketId = '7d0c1f7e-1111-4a6b-9c1d-2f3e4a5b6c7d';
const system = { id: 'workflow', role: 'system' } as const;
const trace = { model: 'm', promptVersion: 'p1', promptHash: 'h', latencyMs: 3, attempts: 1 };

/** A stream as the store would return it, written before `retrieved` was recorded. */
function stream(
  steps: Array<[DomainEvent, { id: string; role: 'system' | 'agent' | 'requester' }]>,
) {
  return steps.map(([event, actor], i): StoredEvent => ({
    ...createEventOf(event, { actor, correlationId: 'c' }, { timestamp: new Date(1000 * (i + 1)) }),
    streamId: ticketStreamId(ticketId),
    version: i + 1,
    position: i + 1,
  }));
}

const answered = stream([
  [
    {
      type: 'TicketReceived',
      data: {
        ticketId,
        description: 'printer jammed',
        requester: { email: 'ann@example.com' },
        policy: { autoAnswerThreshold: 0.3 },
      },
    },
    { id: 'ann@example.com', role: 'requester' },
  ],
  [{ type: 'ClassificationStarted', data: { model: 'm' } }, system],
  [
    {
      type: 'TicketClassified',
      data: {
        level: 1,
        category: 'printing',
        confidence: 0.4,
        rationale: 'r',
        scores: { '1': 0.4, '2': 0.35, '3': 0.25 },
        ...trace,
      },
    },
    system,
  ],
  [{ type: 'AnswerDraftStarted', data: { model: 'm' } }, system],
  [
    {
      type: 'AnswerDrafted',
      data: { answer: 'a', citations: [{ id: 'printer', title: 'Printers' }], ...trace },
    },
    system,
  ],
  [
    { type: 'AnswerRejected', data: {} },
    { id: 'ann@example.com', role: 'requester' },
  ],
  [
    { type: 'TicketClaimed', data: { agent: 'bo@example.com' } },
    { id: 'bo@example.com', role: 'agent' },
  ],
  [
    { type: 'InternalNoteAdded', data: { body: 'secret' } },
    { id: 'bo@example.com', role: 'agent' },
  ],
]);

describe('buildTimeline', () => {
  it("reads an older draft's citations when retrieval was not recorded, and the threshold of the ticket's own policy", () => {
    const { entries } = buildTimeline(ticketId, answered);
    const drafted = entries[4]!.decision!;
    expect(drafted.articles).toEqual({
      source: 'citations',
      items: [{ id: 'printer', title: 'Printers', score: null }],
    });
    expect(drafted.threshold).toBe(0.3);
    expect(entries[2]!.decision!.scoresPerLevel).toEqual({ '1': 0.4, '2': 0.35, '3': 0.25 });
    expect(drafted.scoresPerLevel).toBeNull();
    expect(drafted.overriddenBy.map((o) => o.version)).toEqual([6]);
    // A rejected answer overrides the draft, not the classification.
    expect(entries[2]!.decision!.overriddenBy).toEqual([]);
  });

  it('marks an event the ticket module cannot place as an anomaly and keeps its state', () => {
    const damaged = [...answered.slice(0, 2), answered[4]!];
    const last = buildTimeline(ticketId, damaged).entries[2]!;
    expect(last.anomaly).toBe(true);
    expect(last.before).toEqual(last.after);
  });

  it('gives a requester no agent email, and every agent by display name or local part', () => {
    const view = requesterView(buildTimeline(ticketId, answered), {
      requesterEmail: 'ann@example.com',
      displayNames: new Map(),
    });
    const text = JSON.stringify(view);
    expect(text).not.toContain('bo@example.com');
    expect(text).not.toContain('secret');
    expect(view.entries.at(-1)!.data).toEqual({ agent: 'agent: bo' });
  });
});
