import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import {
  createPostgresEventStore,
  type EventStore,
  type SubscriptionItem,
} from '../../src/eventstore/index.ts';
import { compareCursors } from '../../src/eventstore/subscribe.ts';
import { databaseKinds, openTestDatabase, type DatabaseKind } from '../support/databases.ts';
import { sampleEvent } from './eventStore.contract.ts';

const labelOf = (event: { data: unknown }) => (event.data as { comment?: string }).comment!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pulls items until `until` says stop (or the time runs out). */
async function take(
  iterator: AsyncIterator<SubscriptionItem>,
  until: (items: SubscriptionItem[]) => boolean,
  timeoutMs = 10_000,
): Promise<SubscriptionItem[]> {
  const items: SubscriptionItem[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!until(items)) {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(
        `timed out after ${items.length} items: ${JSON.stringify(items.map((i) => i.kind))}`,
      );
    const next = await Promise.race([iterator.next(), sleep(left).then(() => 'timeout' as const)]);
    if (next === 'timeout') continue;
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

const events = (items: SubscriptionItem[]) =>
  items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));

describe.each(databaseKinds)('subscriptions on %s', (kind: DatabaseKind) => {
  let db: Database;
  let store: EventStore;
  beforeEach(async () => {
    db = await openTestDatabase(kind);
    store = createPostgresEventStore(db, { pollMs: 200 });
  });
  afterEach(async () => {
    await store.close();
    await db.close();
  });

  it('catches up, says caughtUp, goes live and resumes from a stored position', async () => {
    const a = `alpha-${randomUUID()}`;
    await store.appendToStream(a, [sampleEvent('a1'), sampleEvent('a2')], 'no_stream');
    const subscription = store.subscribe({ from: 0 });
    const it1 = subscription[Symbol.asyncIterator]();
    // On a server, another session's open transaction may hold visibility back for a moment (and
    // bring an early caughtUp): the tests wait for what they expect rather than the first caughtUp.
    const first = (
      await take(it1, (items) => items.at(-1)?.kind === 'caughtUp' && events(items).length === 2)
    ).filter((i, n, all) => i.kind === 'event' || n === all.length - 1);
    expect(first.map((i) => (i.kind === 'event' ? labelOf(i.event) : i.kind))).toEqual([
      'a1',
      'a2',
      'caughtUp',
    ]);
    expect(first.at(-1)!.position).toBe(first[1]!.position);
    expect(first.every((i) => i.kind !== 'event' || i.position === i.event.position)).toBe(true);

    // Live: a later append (from another "process": NOTIFY, or in-process wake-up) arrives.
    const started = Date.now();
    await store.appendToStream(a, [sampleEvent('a3')], 2);
    const live = await take(it1, (items) => items.some((i) => i.kind === 'event'));
    expect(events(live).map(labelOf)).toEqual(['a3']);
    expect(Date.now() - started).toBeLessThan(2_000);
    const stored = live[0]!.position;
    await subscription.close();
    expect((await it1.next()).done).toBe(true);

    // Resume after the stored position: only what came since.
    await store.appendToStream(a, [sampleEvent('a4')], 3);
    const resumed = store.subscribe({ from: stored });
    const again = await take(
      resumed[Symbol.asyncIterator](),
      (items) => events(items).length === 1,
    );
    expect(events(again).map(labelOf)).toEqual(['a4']);
    await resumed.close();
  });

  it('filters by type and stream prefix, and its caughtUp position skips what the filter left out', async () => {
    const a = `alpha-${randomUUID()}`;
    const b = `beta-${randomUUID()}`;
    await store.appendToStream(a, [sampleEvent('a1')], 'no_stream');
    await store.appendToStream(b, [sampleEvent('b1'), sampleEvent('b2')], 'no_stream');
    const head = await store.headPosition();
    const byPrefix = store.subscribe({ filter: { streamPrefix: 'alpha-' } });
    const atHead = (i: SubscriptionItem[]) =>
      i.at(-1)?.kind === 'caughtUp' && i.at(-1)!.position === head;
    const items = await take(byPrefix[Symbol.asyncIterator](), atHead);
    expect(events(items).map(labelOf)).toEqual(['a1']);
    expect(items.at(-1)).toEqual({ kind: 'caughtUp', position: head });
    await byPrefix.close();

    const none = store.subscribe({ filter: { types: ['TicketReceived'] } });
    const nothing = await take(none[Symbol.asyncIterator](), atHead);
    expect(nothing.every((i) => i.kind === 'caughtUp')).toBe(true);
    expect(nothing.at(-1)).toEqual({ kind: 'caughtUp', position: head });
    await none.close();
    const both = store.subscribe({ filter: { types: ['TicketClosed'], streamPrefix: 'beta-' } });
    const twoB = await take(both[Symbol.asyncIterator](), atHead);
    expect(events(twoB).map(labelOf)).toEqual(['b1', 'b2']);
    await both.close();
    const unknown = store.subscribe({ from: head + 1000 });
    await expect(unknown[Symbol.asyncIterator]().next()).rejects.toThrow(/no event/);
  });

  it('reads only as fast as the consumer takes (back-pressure) and stops on abort', async () => {
    const s = `bp-${randomUUID()}`;
    await store.appendToStream(
      s,
      Array.from({ length: 100 }, (_, i) => sampleEvent(`e${i}`)),
      'no_stream',
    );
    let pageReads = 0;
    const counting: Database = Object.assign(Object.create(db) as Database, {
      query: (sql: string, params?: unknown[]) => {
        if (sql.includes('WITH horizon')) pageReads++;
        return db.query(sql, params);
      },
    });
    const countingStore = createPostgresEventStore(counting);
    const controller = new AbortController();
    const subscription = countingStore.subscribe({ batchSize: 10, signal: controller.signal });
    const iterator = subscription[Symbol.asyncIterator]();
    const got = await take(iterator, (items) => items.length === 15);
    await sleep(100); // a consumer that pauses: nothing is read ahead
    expect(events(got)).toHaveLength(15);
    expect(pageReads).toBe(2);
    controller.abort();
    const rest = await take(iterator, () => false, 2_000);
    expect(rest.length).toBeLessThanOrEqual(5); // what was already read may still be handed over
    expect((await iterator.next()).done).toBe(true);
    await countingStore.close();
  });

  it('delivers every committed event exactly once, in commit order, with 8 writers of random transaction lengths, rollbacks and a long open transaction', async () => {
    const writers = 8;
    const perWriter = kind === 'postgres' ? 30 : 20;
    const delivered: Array<{ id: string; position: number; streamId: string; version: number }> =
      [];
    const caughtUps: number[] = [];
    let resumes = 0;
    const sentinel = `sentinel-${randomUUID()}`;

    // The subscriber stores its position after each item and, twice, drops the subscription and
    // resumes from the stored position (as a consumer restarting would). It ends at the sentinel,
    // appended after every writer has finished.
    const subscriber = (async () => {
      let stored = 0;
      for (;;) {
        const subscription = store.subscribe({ from: stored, batchSize: 7 });
        let n = 0;
        for await (const item of subscription) {
          if (item.kind === 'event') {
            if (item.event.streamId === sentinel) return subscription.close();
            delivered.push({
              id: item.event.id,
              position: item.position,
              streamId: item.event.streamId,
              version: item.event.version,
            });
          } else caughtUps.push(item.position);
          stored = item.position;
          if (++n === 40 && resumes < 2) break;
        }
        await subscription.close();
        resumes++;
      }
    })();

    const schemaOf = async () =>
      (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    const insert = `INSERT INTO tf_events (event_id, stream_id, version, type, schema_version, data, metadata, created_at)
      VALUES ($1, $2, $3, 'TicketClosed', 2, $4, '{"actor":{"id":"t","role":"system"},"correlationId":"c"}', now())`;
    const data = (label: string) =>
      JSON.stringify({ reason: 'resolved', closedBy: 'agent', comment: label });

    let longRunning: Promise<void> = Promise.resolve();
    let writerTasks: Array<Promise<void>>;
    if (kind === 'postgres') {
      const schema = await schemaOf();
      const connect = async () => {
        const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await client.connect();
        await client.query(`SET search_path = ${schema}`);
        return client;
      };
      // One long-running transaction: takes its xid (and a position) early, commits last.
      longRunning = (async () => {
        const client = await connect();
        await client.query('BEGIN');
        await client.query(insert, [randomUUID(), `long-${randomUUID()}`, 1, data('long')]);
        await sleep(700);
        await client.query(`SELECT pg_notify('tf_events', 'long')`);
        await client.query('COMMIT');
        await client.end();
      })();
      // Half the writers go through the store; half hold raw transactions open for random times,
      // some with several events, some rolled back.
      writerTasks = Array.from({ length: writers }, async (_, w) => {
        const stream = `w${w}-${randomUUID()}`;
        if (w % 2 === 0) {
          for (let i = 0; i < perWriter; i++) {
            await sleep(Math.random() * 5);
            await store.appendToStream(
              stream,
              [sampleEvent(`${w}:${i}`)],
              i === 0 ? 'no_stream' : i,
            );
          }
          return;
        }
        const client = await connect();
        let version = 0;
        for (let i = 0; i < perWriter;) {
          const size = 1 + Math.floor(Math.random() * 3);
          await client.query('BEGIN');
          for (let k = 0; k < size && i + k < perWriter; k++) {
            await client.query(insert, [
              randomUUID(),
              stream,
              version + k + 1,
              data(`${w}:${i + k}`),
            ]);
            await client.query(`SELECT pg_sleep($1)`, [Math.random() * 0.03]);
          }
          const n = Math.min(size, perWriter - i);
          if (Math.random() < 0.15) {
            await client.query('ROLLBACK'); // never delivered
            continue;
          }
          await client.query(`SELECT pg_notify('tf_events', $1)`, [stream]);
          await client.query('COMMIT');
          version += n;
          i += n;
        }
        await client.end();
      });
    } else {
      // PGlite is one session: transactions serialise, but they still take random time while
      // the subscriber waits for its turn, and some roll back.
      writerTasks = Array.from({ length: writers }, async (_, w) => {
        const stream = `w${w}-${randomUUID()}`;
        let version = 0;
        for (let i = 0; i < perWriter;) {
          const size = 1 + Math.floor(Math.random() * 3);
          const n = Math.min(size, perWriter - i);
          const rollback = Math.random() < 0.15;
          await db
            .transaction(async (tx) => {
              for (let k = 0; k < n; k++) {
                await tx.query(insert, [
                  randomUUID(),
                  stream,
                  version + k + 1,
                  data(`${w}:${i + k}`),
                ]);
                await sleep(Math.random() * 3);
              }
              await tx.query(`SELECT pg_notify('tf_events', $1)`, [stream]);
              if (rollback) throw new Error('rollback');
            })
            .then(
              () => {
                version += n;
                i += n;
              },
              () => undefined,
            );
        }
      });
    }
    await Promise.all([...writerTasks, longRunning]);
    await store.appendToStream(sentinel, [sampleEvent('sentinel')], 'no_stream');
    await subscriber;

    const { rows } = await db.query<{ event_id: string; position: number; xid: string }>(
      `SELECT event_id, position, transaction_id::text AS xid FROM tf_events WHERE stream_id <> $1`,
      [sentinel],
    );
    const committed = new Map(
      rows.map((r) => [r.event_id, { position: Number(r.position), xid: r.xid }]),
    );
    const expected = writers * perWriter + (kind === 'postgres' ? 1 : 0);
    expect(committed.size).toBe(expected);
    // Exactly once: every committed event, nothing else, no repeats.
    expect(delivered).toHaveLength(expected);
    expect(new Set(delivered.map((d) => d.id)).size).toBe(expected);
    expect(delivered.every((d) => committed.has(d.id))).toBe(true);
    // In order: each reported position's commit key (transaction id, position) is strictly
    // greater than the one before; so is each stream's version.
    const keys = delivered.map((d) => ({ xid: committed.get(d.id)!.xid, position: d.position }));
    for (let i = 1; i < keys.length; i++)
      expect(compareCursors(keys[i - 1]!, keys[i]!)).toBeLessThan(0);
    expect(delivered.every((d) => committed.get(d.id)!.position === d.position)).toBe(true);
    const byStream = new Map<string, number[]>();
    for (const d of delivered)
      byStream.set(d.streamId, [...(byStream.get(d.streamId) ?? []), d.version]);
    for (const versions of byStream.values())
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(resumes).toBe(2);
  });
});
