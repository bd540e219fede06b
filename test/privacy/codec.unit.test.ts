import { describe, expect, it } from 'vitest';
import { createEvent, type AnyNewEvent } from '../../src/events/index.ts';
import { createInMemoryEventStore } from '../../src/eventstore/index.ts';
import {
  createKeyStore,
  createPrivateEventStore,
  erasedMarker,
  localMasterKey,
  memoryKeyRecords,
} from '../../src/privacy/index.ts';
import { randomBytes, randomUUID } from 'node:crypto';

const ticketId = randomUUID();
const stream = `ticket-${ticketId}`;
const requester = { id: 'ann@example.com', role: 'requester' as const };
const agent = { id: 'una@example.com', role: 'agent' as const };
const meta = (actor: { id: string; role: 'requester' | 'agent' | 'system' }) => ({
  actor,
  correlationId: 'c',
});

function received(): AnyNewEvent {
  return createEvent(
    'TicketReceived',
    {
      ticketId,
      subject: 'My printer is on fire',
      description: 'Smoke comes out of the third floor printer since this morning.',
      requester: { email: 'Ann@Example.com', name: 'Ann Example' },
      policy: { autoAnswerThreshold: 0.7 },
    },
    meta(requester),
  ) as AnyNewEvent;
}

function setup() {
  const inner = createInMemoryEventStore();
  const keys = createKeyStore(memoryKeyRecords(), localMasterKey(randomBytes(32)));
  return { inner, keys, store: createPrivateEventStore(inner, keys) };
}

describe('the personal-data codec', () => {
  it('stores personal fields sealed and reads them back as they were written', async () => {
    const { inner, store } = setup();
    const first = received();
    const reply = createEvent('AgentReplied', { body: 'Please unplug it, Ann.' }, meta(agent));
    await store.appendToStream(stream, [first], 'no_stream');
    await store.appendToStream(stream, [reply as AnyNewEvent], 1);

    const raw = JSON.stringify(await inner.readStream(stream));
    for (const secret of [
      'Ann@Example.com',
      'printer is on fire',
      'Smoke',
      'Ann Example',
      'unplug',
      'una@example.com',
      'ann@example.com',
    ])
      expect(raw).not.toContain(secret);

    const read = await store.readStream(stream);
    expect(read[0]!.data).toEqual(first.data);
    expect(read[0]!.metadata).toEqual(first.metadata);
    expect(read[1]!.data).toEqual({ body: 'Please unplug it, Ann.' });
    expect(read[1]!.metadata.actor).toEqual(agent);
    expect(read[0]!.erased).toBeUndefined();
    const { events } = await store.readAll();
    expect(events.map((e) => e.data)).toEqual(read.map((e) => e.data));
  });

  it('reads erased fields as the marker, with who erased them, and leaves other people readable', async () => {
    const { store, keys } = setup();
    await store.appendToStream(stream, [received()], 'no_stream');
    await store.appendToStream(
      stream,
      [createEvent('AgentReplied', { body: 'Please unplug it.' }, meta(agent)) as AnyNewEvent],
      1,
    );
    const subject = (await keys.findSubject('ann@example.com'))!;
    const erasure = {
      at: new Date().toISOString(),
      by: 'ada@example.com',
      basis: 'data_subject_request' as const,
    };
    expect(await keys.destroy(subject, erasure)).toBe(true);
    expect(await keys.destroy(subject, erasure)).toBe(false);

    const [first, reply] = await store.readStream(stream);
    const marker = erasedMarker(subject);
    expect(first!.type === 'TicketReceived' && first!.data).toMatchObject({
      subject: marker,
      description: marker,
      requester: { email: marker, name: marker },
    });
    expect(first!.metadata.actor.id).toBe(marker);
    expect(first!.erased).toEqual([
      { subjectId: subject, paths: expect.arrayContaining(['data.description']), erasure },
    ]);
    // The reply's text was about Ann (her key); its author is Una, still readable.
    expect(reply!.data).toEqual({ body: marker });
    expect(reply!.metadata.actor.id).toBe('una@example.com');
    expect(await keys.findSubject('ann@example.com')).toBeNull();
  });

  it('writes what is said about an erased person after the erasure as the marker', async () => {
    const { inner, store, keys } = setup();
    await store.appendToStream(stream, [received()], 'no_stream');
    const subject = (await keys.findSubject('ann@example.com'))!;
    await keys.destroy(subject, { at: new Date().toISOString(), by: 'x', basis: 'other' });
    await store.appendToStream(
      stream,
      [createEvent('InternalNoteAdded', { body: 'Ann called again' }, meta(agent)) as AnyNewEvent],
      1,
    );
    expect(JSON.stringify(await inner.readStream(stream))).not.toContain('Ann called');
    expect((await store.readStream(stream))[1]!.data).toEqual({ body: erasedMarker(subject) });
  });

  it('leaves events without personal data as they are', async () => {
    const { inner, store } = setup();
    const event = createEvent(
      'WorkStarted',
      {},
      meta({ id: 'workflow', role: 'system' }),
    ) as AnyNewEvent;
    await store.appendToStream('ticket-x', [event], 'no_stream');
    const [stored] = await inner.readStream('ticket-x');
    expect(stored!.metadata).toEqual(event.metadata);
  });

  it('delivers plaintext to subscribers', async () => {
    const { store } = setup();
    await store.appendToStream(stream, [received()], 'no_stream');
    const subscription = store.subscribe();
    for await (const item of subscription) {
      if (item.kind !== 'event') continue;
      expect(item.event.type === 'TicketReceived' && item.event.data.requester.name).toBe(
        'Ann Example',
      );
      break;
    }
    await subscription.close();
  });

  it('upcasts an older schema version once its sealed fields are back', async () => {
    const { store } = setup();
    await store.appendToStream(stream, [received()], 'no_stream');
    const v1 = {
      ...createEvent(
        'TicketClosed',
        { reason: 'withdrawn', closedBy: 'requester' },
        meta(requester),
      ),
      schemaVersion: 1,
      data: { reason: 'withdrawn', comment: 'Solved it myself, thanks' },
    } as unknown as AnyNewEvent;
    await store.appendToStream(stream, [v1], 1);
    const [, closed] = await store.readStream(stream);
    expect(closed!.data).toEqual({
      reason: 'withdrawn',
      comment: 'Solved it myself, thanks',
      closedBy: 'requester',
    });
  });
});
