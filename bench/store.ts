import { randomUUID } from 'node:crypto';
import {
  appendDocument,
  createPostgresEventStore,
  type EventStore,
} from '../src/eventstore/index.ts';
import type { AnyNewEvent } from '../src/events/index.ts';
import { closedLoop, type BenchContext } from './context.ts';
import { openBenchDb, type BenchDb } from './db.ts';
import { cloneStream, eventBatch, rng, type Rng } from './fixtures.ts';
import { ticketTemplates } from './prefill.ts';
import { timedDatabase } from './sqlprofile.ts';

const group = 'store';

/**
 * A writer that appends legal ticket histories one event at a time, with the expected version,
 * the way the workflow does (TicketReceived with `no_stream`, then each step at its version).
 */
export function ticketWriter(
  store: EventStore,
  onAppended?: (position: number, type: string, at: number) => void,
) {
  const pool = ticketTemplates();
  let k = Math.floor(Math.random() * pool.length);
  let current = cloneStream(pool[k++ % pool.length]!);
  let version = 0;
  return async (): Promise<number> => {
    if (version >= current.events.length) {
      current = cloneStream(pool[k++ % pool.length]!);
      version = 0;
    }
    const event = current.events[version]!;
    const result = await store.appendToStream(
      current.streamId,
      [event],
      version === 0 ? 'no_stream' : version,
    );
    onAppended?.(result.lastPosition, event.type, performance.now());
    version = result.nextExpectedVersion;
    return 1;
  };
}

/** The same JSON the store sends for one event, for the bare-table baseline. */
const payloadOf = (e: AnyNewEvent) => JSON.stringify(appendDocument(e));

export async function benchStore(ctx: BenchContext, bdb: BenchDb): Promise<void> {
  const { durationMs, repeats } = ctx.options;
  const kind = bdb.kind;
  const store = createPostgresEventStore(bdb.db);
  const r = rng(42);
  const conns = (n: number) =>
    kind === 'pglite' ? `${n} concurrent callers (one PGlite session)` : `${n} connections`;
  await bdb.raw(`CREATE TABLE bench_raw (id bigserial PRIMARY KEY, payload jsonb NOT NULL)`);

  type Shape = { key: string; label: string; workers: number; batch: number };
  const shapes: Shape[] = [
    { key: 'single-1', label: `single-event, ${conns(1)}`, workers: 1, batch: 1 },
    { key: 'single-8', label: `single-event, ${conns(8)}`, workers: 8, batch: 1 },
    { key: 'batch-10', label: 'batches of 10, 1 connection', workers: 1, batch: 10 },
    { key: 'batch-100', label: 'batches of 100, 1 connection', workers: 1, batch: 100 },
  ];

  for (const shape of shapes) {
    const rawRates: number[] = [];
    const storeRates: number[] = [];
    const rawLat: number[] = [];
    const storeLat: number[] = [];
    const writers = Array.from({ length: shape.workers }, () => ticketWriter(store));
    // Events are built (and validated) before the clock starts; each operation only gives them fresh ids.
    const template = eventBatch(r, randomUUID(), Math.max(shape.batch, 1));
    const fresh = () => template.map((e) => ({ ...e, id: randomUUID() }) as AnyNewEvent);
    for (let rep = 0; rep < repeats; rep++) {
      // Interleave baseline and store so that background load hits both alike.
      const raw = await closedLoop(shape.workers, durationMs, async () => {
        if (shape.batch === 1) {
          await bdb.raw(`INSERT INTO bench_raw (payload) VALUES ($1::jsonb)`, [
            payloadOf(fresh()[0]!),
          ]);
        } else {
          // The batch as one JSON array, as the store sends it (faster than a jsonb[] parameter,
          // whose array literal pg must escape element by element).
          const docs = `[${fresh().map(payloadOf).join(',')}]`;
          await bdb.raw(`INSERT INTO bench_raw (payload) SELECT jsonb_array_elements($1::jsonb)`, [
            docs,
          ]);
        }
        return shape.batch;
      });
      rawRates.push(raw.units / raw.seconds);
      rawLat.push(...raw.latenciesMs);
      const st = await closedLoop(shape.workers, durationMs, async (w) => {
        if (shape.batch === 1) return writers[w]!();
        await store.appendToStream(`ticket-${randomUUID()}`, fresh(), 'no_stream');
        return shape.batch;
      });
      storeRates.push(st.units / st.seconds);
      storeLat.push(...st.latenciesMs);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const baselineName = `raw INSERT ${shape.key}`;
    ctx.addRate(
      {
        group,
        db: kind,
        name: `raw INSERT baseline: ${shape.label}`,
        unit: 'events/s',
        note: kind === 'pglite' ? "PGlite's own query()" : 'pg, bare table (bigserial + jsonb)',
      },
      rawRates,
    );
    const run = ctx.addRate(
      {
        group,
        db: kind,
        name: `appendToStream: ${shape.label}`,
        unit: 'events/s',
        baseline: baselineName,
      },
      storeRates,
    );
    run.ratioToBaseline = run.median / median(rawRates);
    if (shape.key === 'single-8') {
      run.target = '≥ 60 % of raw INSERT';
      run.met = run.ratioToBaseline >= 0.6;
    }
    if (shape.key === 'batch-100') {
      run.target = '≥ 50,000 events/s';
      run.met = run.median >= 50_000;
    }
    if (shape.batch === 1) {
      ctx.addLatency(
        { group, db: kind, name: `raw INSERT latency: ${shape.label}`, unit: 'ms' },
        rawLat,
      );
      ctx.addLatency(
        { group, db: kind, name: `appendToStream latency: ${shape.label}`, unit: 'ms' },
        storeLat,
      );
    }
  }

  // Decomposition of the single-event append at 8 connections: the same bare INSERT in an explicit
  // transaction, then with the store's other statements added one by one.
  if (kind === 'postgres' && bdb.pool) {
    const pool = bdb.pool;
    const template = eventBatch(r, randomUUID(), 1)[0]!;
    const variants: Array<{ label: string; extra: string[] }> = [
      { label: 'BEGIN; INSERT; COMMIT', extra: [] },
      {
        label: 'BEGIN; INSERT; SELECT pg_notify; COMMIT',
        extra: [`SELECT pg_notify('bench_probe', 'x')`],
      },
      { label: 'BEGIN; UPSERT tf_streams-like row; INSERT; COMMIT', extra: ['STREAM'] },
      {
        label: "BEGIN; UPSERT; INSERT; SELECT pg_notify; COMMIT (the store's shape)",
        extra: ['STREAM', `SELECT pg_notify('bench_probe', 'x')`],
      },
    ];
    await bdb.raw(
      `CREATE TABLE bench_streams (stream_id text PRIMARY KEY, version bigint NOT NULL)`,
    );
    const lines = [
      '| 8 connections, one event per transaction | events/s (median of runs) | vs autocommit INSERT |',
      '|---|---:|---:|',
    ];
    const auto = await closedLoop(8, durationMs, async () => {
      await pool.query(`INSERT INTO bench_raw (payload) VALUES ($1::jsonb)`, [
        payloadOf({ ...template, id: randomUUID() } as AnyNewEvent),
      ]);
      return 1;
    });
    const autoRate = auto.units / auto.seconds;
    lines.push(`| autocommit INSERT (the baseline shape) | ${autoRate.toFixed(0)} | 100 % |`);
    for (const v of variants) {
      const rates: number[] = [];
      for (let rep = 0; rep < Math.min(repeats, 3); rep++) {
        const res = await closedLoop(8, durationMs, async () => {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            for (const sql of v.extra) {
              if (sql === 'STREAM') {
                await client.query(
                  `INSERT INTO bench_streams (stream_id, version) VALUES ($1, 1) ON CONFLICT (stream_id) DO UPDATE SET version = bench_streams.version + 1`,
                  [`s-${randomUUID()}`],
                );
              } else await client.query(sql);
            }
            await client.query(`INSERT INTO bench_raw (payload) VALUES ($1::jsonb)`, [
              payloadOf({ ...template, id: randomUUID() } as AnyNewEvent),
            ]);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
          return 1;
        });
        rates.push(res.units / res.seconds);
      }
      const m = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
      lines.push(`| ${v.label} | ${m.toFixed(0)} | ${((m / autoRate) * 100).toFixed(0)} % |`);
    }
    ctx.note(
      group,
      `**postgres: what each part of an append costs at 8 connections** (bare table, same payload; measured in this run):\n\n${lines.join('\n')}`,
    );
  }

  if (kind === 'postgres') await decomposeBatchAppend(ctx, bdb, r);

  // Where one single-event append spends its time, statement by statement (SQL timed from the client).
  for (const workers of [1, 8]) {
    const timed = timedDatabase(bdb.db);
    const tstore = createPostgresEventStore(timed.db);
    const writers = Array.from({ length: workers }, () => ticketWriter(tstore));
    const res = await closedLoop(workers, Math.min(durationMs, 2000), (w) => writers[w]!());
    ctx.note(
      group,
      `**${kind}: time per single-event append, ${conns(workers)}** (${res.ops} appends, ${(res.ops / res.seconds).toFixed(0)}/s; statement time measured around each client call, so with ${workers} callers it includes waiting for the connection/session):\n\n${timed.table(res.ops)}`,
    );
  }
}

export async function runStoreGroup(ctx: BenchContext, kind: BenchDb['kind']): Promise<void> {
  const bdb = await openBenchDb(kind, ctx.options.postgresUrl);
  try {
    await benchStore(ctx, bdb);
  } finally {
    await bdb.dispose();
  }
}

/**
 * What a batch of 100 costs, part by part: the same rows inserted into copies of the event table
 * with its indexes added one at a time, between the bare-table baseline and the store itself.
 */
async function decomposeBatchAppend(ctx: BenchContext, bdb: BenchDb, r: Rng): Promise<void> {
  const { durationMs, repeats } = ctx.options;
  const template = eventBatch(r, randomUUID(), 100);
  const batchJson = () =>
    `[${template.map((e) => payloadOf({ ...e, id: randomUUID() } as AnyNewEvent)).join(',')}]`;
  const variants: Array<{ label: string; indexes: string[] }> = [
    { label: 'event table, primary key (position) only', indexes: [] },
    { label: '+ UNIQUE (event_id)', indexes: ['UNIQUE (event_id)'] },
    {
      label: '+ UNIQUE (stream_id, version)',
      indexes: ['UNIQUE (event_id)', 'UNIQUE (stream_id, version)'],
    },
    {
      label: "+ commit-order index (transaction_id, position): the store's table",
      indexes: ['UNIQUE (event_id)', 'UNIQUE (stream_id, version)', 'COMMIT ORDER'],
    },
  ];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const measure = async (op: () => Promise<unknown>) => {
    const rates: number[] = [];
    for (let rep = 0; rep < Math.min(repeats, 3); rep++) {
      const res = await closedLoop(1, durationMs, async () => {
        await op();
        return 100;
      });
      rates.push(res.units / res.seconds);
    }
    return median(rates);
  };
  const raw = await measure(() =>
    bdb.raw(`INSERT INTO bench_raw (payload) SELECT jsonb_array_elements($1::jsonb)`, [
      batchJson(),
    ]),
  );
  const lines = [
    '| batch of 100 events, 1 connection | events/s (median of runs) | vs bare table |',
    '|---|---:|---:|',
    `| bare table (bigserial + jsonb): the baseline | ${raw.toFixed(0)} | 100 % |`,
  ];
  for (const [i, v] of variants.entries()) {
    const table = `bench_events_${i}`;
    await bdb.raw(
      `CREATE TABLE ${table} (LIKE tf_events INCLUDING DEFAULTS, PRIMARY KEY (position))`,
    );
    for (const index of v.indexes) {
      await bdb.raw(
        index === 'COMMIT ORDER'
          ? `CREATE INDEX ON ${table} (transaction_id, position)`
          : `ALTER TABLE ${table} ADD ${index}`,
      );
    }
    const rate = await measure(() =>
      bdb.raw(
        `INSERT INTO ${table} (event_id, stream_id, version, type, schema_version, data, metadata, created_at)
         SELECT (d.doc->>'id')::uuid, $1, d.n, d.doc->>'type', (d.doc->>'schemaVersion')::int,
                d.doc->'data', d.doc->'metadata', (d.doc->>'timestamp')::timestamptz
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS d(doc, n)`,
        [`ticket-${randomUUID()}`, batchJson()],
      ),
    );
    lines.push(`| ${v.label} | ${rate.toFixed(0)} | ${((rate / raw) * 100).toFixed(0)} % |`);
  }
  const store = createPostgresEventStore(bdb.db);
  const full = await measure(() =>
    store.appendToStream(
      `ticket-${randomUUID()}`,
      template.map((e) => ({ ...e, id: randomUUID() }) as AnyNewEvent),
      'no_stream',
    ),
  );
  lines.push(
    `| appendToStream (+ the stream row, expected-version check, RETURNING) | ${full.toFixed(0)} | ${((full / raw) * 100).toFixed(0)} % |`,
  );
  ctx.note(
    group,
    `**postgres: what each part of a batch append costs** (the same 100 events per statement, one connection; measured in this run):\n\n${lines.join('\n')}`,
  );
}
