import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresEventStore, type EventStore } from '../../src/eventstore/index.ts';
import { importLog } from '../../src/import/index.ts';
import { collectTickets, ocelDocument, xesDocument } from '../../src/export/index.ts';
import type { Database } from '../../src/db/index.ts';
import { openTestDatabase } from '../support/databases.ts';
import { eventLogs } from '../support/eventLogs.ts';

describe('export of the log as XES and OCEL 2.0', () => {
  let db: Database;
  let store: EventStore;
  let events: number;
  beforeAll(async () => {
    db = await openTestDatabase('pglite');
    store = createPostgresEventStore(db);
    await importLog(db, store, {
      format: 'servicenow',
      file: eventLogs.servicenow,
      reopenWindowMs: 6e8,
    });
    events = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tf_events')).rows[0]!.n;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('writes valid XES with one trace per ticket and every event, parsed back', async () => {
    const xml = [...xesDocument(await collectTickets(store))].join('');
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      isArray: (name) => ['trace', 'event', 'string', 'date', 'int'].includes(name),
    }).parse(xml) as {
      log: { trace: { event: { string: { '@_key': string; '@_value': string }[] }[] }[] };
    };
    const traces = parsed.log.trace;
    expect(traces).toHaveLength(890);
    expect(traces.reduce((n, t) => n + t.event.length, 0)).toBe(events);
    const first = traces[0]!.event.map(
      (e) => e.string.find((s) => s['@_key'] === 'concept:name')!['@_value'],
    );
    expect(first.slice(0, 4)).toEqual([
      'TicketReceived',
      'ClassificationStarted',
      'TicketClassified',
      'TicketEscalated',
    ]);
  });

  it('filters by the instant a ticket was received and by level', async () => {
    const all = await collectTickets(store);
    const middle = all[Math.floor(all.length / 2)]!.events[0]!.timestamp;
    const since = await collectTickets(store, { since: new Date(middle) });
    const until = await collectTickets(store, { until: new Date(middle) });
    expect(since.length + until.length).toBe(all.length);
    expect(since.every((t) => t.events[0]!.timestamp >= middle)).toBe(true);
    expect(await collectTickets(store, { level: 3 })).toEqual([]);
  });

  it('writes OCEL 2.0 whose every relationship names an object of a declared type', async () => {
    const ocel = ocelDocument(await collectTickets(store));
    expect(ocel.events).toHaveLength(events);
    const types = new Set(ocel.objectTypes.map((t) => t.name));
    const ids = new Map(ocel.objects.map((o) => [o.id, o.type]));
    for (const o of ocel.objects) expect(types.has(o.type)).toBe(true);
    const related = ocel.events
      .flatMap((e) => e.relationships)
      .concat(ocel.objects.flatMap((o) => o.relationships));
    for (const r of related) expect(ids.has(r.objectId)).toBe(true);
    const count = (type: string) => ocel.objects.filter((o) => o.type === type).length;
    expect(count('ticket')).toBe(890);
    expect(count('requester')).toBeGreaterThan(0);
    expect(count('agent')).toBeGreaterThan(0);
    expect(count('level')).toBe(1);
    // No model ran for imported tickets: no decision objects.
    expect(count('model_decision')).toBe(0);
    expect(new Set(ocel.eventTypes.map((t) => t.name))).toEqual(
      new Set(ocel.events.map((e) => e.type)),
    );
  });
});
