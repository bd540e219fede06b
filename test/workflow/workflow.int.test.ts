import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createEvent, type AnyNewEvent } from '../../src/events/index.ts';
import { foldTicket, statusOf } from '../../machines/index.ts';
import { ticketStreamId } from '../../src/workflow/index.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { scriptedModel } from '../support/scriptedModel.ts';

const requester = { email: 'ann@example.com' };
const actor = { id: 'ann@example.com', role: 'requester' as const };

describe.each(databaseKinds)('workflow on %s', (kind) => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers a confident level-1 ticket with a cited article, every step an event', async () => {
    app = await startTestApp(kind);
    const submitted = await app.tf.workflow.submit({
      description: 'I forgot my password',
      requester,
      actor,
    });
    const state = await submitted.settled;
    expect(statusOf(state.snapshot)).toBe('answered');
    const { events } = await app.tf.workflow.get(submitted.ticketId);
    expect(events.map((e) => e.type)).toEqual([
      'TicketReceived',
      'ClassificationStarted',
      'TicketClassified',
      'AnswerDraftStarted',
      'AnswerDrafted',
    ]);
    expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    const drafted = events[4]!;
    expect(drafted.type === 'AnswerDrafted' && drafted.data.citations[0]?.id).toBe(
      'password-reset',
    );
    // Every follow-up event is caused by the one before it, in one correlation.
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.metadata.causationId).toBe(events[i - 1]!.id);
      expect(events[i]!.metadata.correlationId).toBe(events[0]!.metadata.correlationId);
    }
    // A result and the step it implies are appended together: four appends, not five.
    const { rows } = await app.db.query<{ xid: string; types: string[] }>(
      `SELECT transaction_id::text AS xid, array_agg(type ORDER BY version) AS types
       FROM tf_events WHERE stream_id = $1 GROUP BY transaction_id ORDER BY min(version)`,
      [ticketStreamId(submitted.ticketId)],
    );
    expect(rows.map((r) => r.types)).toEqual([
      ['TicketReceived'],
      ['ClassificationStarted'],
      ['TicketClassified', 'AnswerDraftStarted'],
      ['AnswerDrafted'],
    ]);
  });

  it('escalates level 3 and low confidence with the reason recorded', async () => {
    app = await startTestApp(kind);
    const outage = await app.tf.workflow.submit({
      description: 'The datacenter is down',
      requester,
      actor,
    });
    const printer = await app.tf.workflow.submit({ description: 'printer jam', requester, actor });
    const [o, p] = await Promise.all([outage.settled, printer.settled]);
    expect(o.snapshot.context.escalation).toMatchObject({
      level: 3,
      reason: 'level_requires_agent',
    });
    expect(p.snapshot.context.escalation).toMatchObject({ level: 1, reason: 'low_confidence' });
  });

  it('escalates when the model fails or times out, and says so', async () => {
    app = await startTestApp(kind, {
      llm: scriptedModel({ failOn: /broken/, hangOn: /slow/ }),
      env: { CLASSIFY_TIMEOUT_MS: '100' },
    });
    const failed = await app.tf.workflow.submit({ description: 'broken thing', requester, actor });
    const slow = await app.tf.workflow.submit({ description: 'slow thing', requester, actor });
    const [f, s] = await Promise.all([failed.settled, slow.settled]);
    expect(f.snapshot.context.escalation).toMatchObject({
      reason: 'classification_failed',
      detail: 'classification failed (unavailable): model unavailable',
    });
    expect(s.snapshot.context.escalation?.detail).toMatch(/classification failed \(timeout\)/);
    const { events } = await app.tf.workflow.get(slow.ticketId);
    expect(events.map((e) => e.type)).toContain('ClassificationFailed');
  });

  it('rebuilds a ticket from its events without calling the model', async () => {
    const llm = scriptedModel();
    app = await startTestApp(kind, { llm });
    const submitted = await app.tf.workflow.submit({
      description: 'vpn login fails',
      requester,
      actor,
    });
    await submitted.settled;
    const callsBefore = { ...llm.calls };
    const { events, state } = await app.tf.workflow.get(submitted.ticketId);
    const replayed = foldTicket(events);
    expect(replayed.snapshot.value).toBe('answered');
    expect(replayed.snapshot.context).toEqual(state.snapshot.context);
    expect(llm.calls).toEqual(callsBefore);
  });

  it('gives the same ticket for a repeated idempotency key, and refuses the key for other text', async () => {
    app = await startTestApp(kind);
    const first = await app.tf.workflow.submit({
      description: 'vpn',
      requester,
      actor,
      idempotencyKey: 'k1',
    });
    const again = await app.tf.workflow.submit({
      description: 'vpn',
      requester,
      actor,
      idempotencyKey: 'k1',
    });
    expect(again.ticketId).toBe(first.ticketId);
    expect(again.replayed).toBe(true);
    await expect(
      app.tf.workflow.submit({ description: 'other', requester, actor, idempotencyKey: 'k1' }),
    ).rejects.toThrow(/Idempotency-Key/);
    await first.settled;
    expect(
      (await app.tf.workflow.get(first.ticketId)).events.filter((e) => e.type === 'TicketReceived'),
    ).toHaveLength(1);
  });

  it('resumes at start a ticket whose process died after accepting it', async () => {
    const db = await openTestDatabase(kind);
    try {
      // What a crash right after the 201 leaves: the ticket's first event and nothing else.
      const ticketId = randomUUID();
      const { createPostgresEventStore } = await import('../../src/eventstore/index.ts');
      const store = createPostgresEventStore(db);
      const received = createEvent(
        'TicketReceived',
        {
          ticketId,
          description: 'forgot my password',
          requester,
          policy: { autoAnswerThreshold: 0.7 },
        },
        { actor, correlationId: 'c' },
      ) as AnyNewEvent;
      await store.appendToStream(ticketStreamId(ticketId), [received], 'no_stream');
      // A second ticket died mid-classification.
      const midway = randomUUID();
      await store.appendToStream(
        ticketStreamId(midway),
        [
          createEvent(
            'TicketReceived',
            {
              ticketId: midway,
              description: 'the datacenter is down',
              requester,
              policy: { autoAnswerThreshold: 0.7 },
            },
            { actor, correlationId: 'd' },
          ) as AnyNewEvent,
          createEvent(
            'ClassificationStarted',
            { model: 'scripted' },
            { actor: { id: 'workflow', role: 'system' }, correlationId: 'd' },
          ) as AnyNewEvent,
        ],
        'no_stream',
      );
      app = await startTestApp(kind, { db });
      await waitFor(async () => {
        const a = await app!.tf.workflow.get(ticketId);
        const b = await app!.tf.workflow.get(midway);
        return (
          statusOf(a.state.snapshot) === 'answered' && statusOf(b.state.snapshot) === 'escalated'
        );
      });
      await app.close();
      app = undefined;
    } finally {
      await db.close();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
