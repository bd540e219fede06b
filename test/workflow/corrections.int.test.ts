import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { readCorrections, ticketStreamId } from '../../src/workflow/index.ts';
import { databaseKinds, openTestDatabase } from '../support/databases.ts';
import { received, relevelled } from './correctionEvents.ts';

describe.each(databaseKinds)('agents’ corrections read from the log on %s', (kind) => {
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('gives each re-levelled ticket once, with its text and the level it ended at', async () => {
    db = await openTestDatabase(kind);
    const store = createPostgresEventStore(db);
    const [vpn, erp, printer, untouched] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await store.appendToStream(
      ticketStreamId(vpn),
      [received(vpn, 'vpn profile missing after update', 'vpn'), relevelled(1, 2)],
      'no_stream',
    );
    // Corrected twice: the last correction is the label, the first level the original.
    await store.appendToStream(
      ticketStreamId(erp),
      [received(erp, 'erp posting rule change'), relevelled(2, 3), relevelled(3, 2)],
      'no_stream',
    );
    await store.appendToStream(
      ticketStreamId(printer),
      [received(printer, 'printer on floor 2 offline'), relevelled(2, 1)],
      'no_stream',
    );
    await store.appendToStream(
      ticketStreamId(untouched),
      [received(untouched, 'nobody corrected me')],
      'no_stream',
    );

    // A small page size makes the reader page through the log.
    const rows = await readCorrections(store, 2);
    const byId = new Map(rows.map((r) => [r.ticketId, r]));
    expect(rows).toHaveLength(3);
    expect(byId.get(vpn)).toMatchObject({
      subject: 'vpn',
      description: 'vpn profile missing after update',
      level: 2,
      originalLevel: 1,
    });
    expect(byId.get(erp)).toMatchObject({ level: 2, originalLevel: 2 });
    expect(byId.get(printer)).toMatchObject({ level: 1, originalLevel: 2 });
    expect(byId.has(untouched)).toBe(false);
  });

  it('finds nothing in a log without corrections', async () => {
    db = await openTestDatabase(kind);
    expect(await readCorrections(createPostgresEventStore(db))).toEqual([]);
  });
});
