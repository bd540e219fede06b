/**
 * The audit log's targets (issue 16): a ticket's proof bundle and `verify --all` as the log grows
 * to a million events, and the sequencer's lag behind a paced load of single-event appends.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import {
  buildProofBundle,
  createSequencer,
  generateKeys,
  parseSignerKey,
  parseVerifierKey,
  verifyAll,
  verifyBundle,
} from '../src/audit/index.ts';
import type { Database } from '../src/db/index.ts';
import { createPostgresEventStore } from '../src/eventstore/index.ts';
import { leaseFor } from '../src/projector/index.ts';
import type { BenchContext } from './context.ts';
import { openBenchDb, type DbKind } from './db.ts';
import { eventBatch, rng } from './fixtures.ts';
import { prefillBulk } from './prefill.ts';
import { sleep, summarize } from './stats.ts';

const group = 'audit';

export function auditSizes(ctx: BenchContext): number[] {
  return ctx.options.quick ? [10_000] : [10_000, 100_000, 1_000_000];
}

export async function benchAudit(ctx: BenchContext, kind: DbKind): Promise<void> {
  const bdb = await openBenchDb(kind, ctx.options.postgresUrl);
  const store = createPostgresEventStore(bdb.db);
  const keys = generateKeys('bench.ticketflow/log');
  const key = parseVerifierKey(keys.verifier);
  const sequencer = createSequencer({
    db: bdb.db,
    lease: leaseFor(bdb.db),
    signer: parseSignerKey(keys.signer),
    everyEvents: 1_000,
    everyMs: 1_000,
    pollMs: 50,
    logger: pino({ level: 'silent' }),
  });
  try {
    let filled = 0;
    for (const size of auditSizes(ctx)) {
      // Tickets of 10 events, as the product's are (docs/benchmarks.md).
      filled += await prefillBulk(store, size - filled, kind === 'postgres' ? 4 : 1, 10);
      await store.awaitVisible?.(120_000);
      const t0 = performance.now();
      const sequenced = await sequencer.runOnce({ force: true });
      const seqSeconds = (performance.now() - t0) / 1000;
      const label = `log of ${size.toLocaleString('en-US')} events`;
      ctx.log(`audit ${kind}: ${label}, sequenced in ${seqSeconds.toFixed(1)} s`);
      await benchProofs(ctx, kind, bdb.db, key, label);
      const v0 = performance.now();
      const report = await verifyAll(bdb.db, { key });
      const seconds = (performance.now() - v0) / 1000;
      ctx.add({
        group,
        db: kind,
        name: `verify --all, ${label}`,
        unit: 'events/s',
        median: report.events / seconds,
        n: 1,
        target: '≥ 100k events/s',
        met: report.events / seconds >= 100_000,
        note: `${report.events} events, ${report.leaves} leaves, ${report.checkpoints} checkpoints in ${seconds.toFixed(1)} s; findings ${report.findings.length}; sequencing them from scratch took ${seqSeconds.toFixed(1)} s (${sequenced.size} leaves)`,
      });
    }
    await benchSequencerLag(ctx, kind, bdb.db, store, sequencer);
  } finally {
    await sequencer.stop();
    await store.close();
    await bdb.dispose();
  }
}

/** 50 random tickets' proof bundles, each checked offline (a bundle that does not verify fails the run). */
async function benchProofs(
  ctx: BenchContext,
  kind: DbKind,
  db: Database,
  key: ReturnType<typeof parseVerifierKey>,
  label: string,
): Promise<void> {
  const { rows } = await db.query<{ stream_id: string }>(
    `SELECT stream_id FROM tf_streams ORDER BY random() LIMIT 50`,
  );
  const ms: number[] = [];
  for (const { stream_id } of rows) {
    const t0 = performance.now();
    const bundle = await buildProofBundle(db, stream_id);
    ms.push(performance.now() - t0);
    const report = verifyBundle(JSON.parse(JSON.stringify(bundle)), key);
    if (report.findings.length > 0 || report.uncovered.length > 0)
      throw new Error(`bundle of ${stream_id} does not verify: ${JSON.stringify(report)}`);
  }
  const s = summarize(ms);
  ctx.add({
    group,
    db: kind,
    name: `a ticket's proof bundle (10 events), ${label}`,
    unit: 'ms',
    median: s.median,
    p95: s.p95,
    p99: s.p99,
    n: s.n,
    target: '< 20 ms',
    met: s.p95 < 20,
  });
}

/**
 * Single-event appends paced at 1,000/s for a few seconds while the sequencer runs on its own
 * timer; the lag of an event is from its append's return to the moment its leaf is seen.
 */
async function benchSequencerLag(
  ctx: BenchContext,
  kind: DbKind,
  db: Database,
  store: ReturnType<typeof createPostgresEventStore>,
  sequencer: ReturnType<typeof createSequencer>,
): Promise<void> {
  const rate = 1_000;
  const seconds = ctx.options.quick ? 2 : 8;
  const appendedAt = new Map<number, number>();
  const template = eventBatch(rng(5), randomUUID(), 1);
  sequencer.start();
  let stop = false;
  let giveUpAt = Infinity;
  const lags: number[] = [];
  const poller = (async () => {
    let seen = 0;
    while ((!stop || appendedAt.size > 0) && performance.now() < giveUpAt) {
      const { rows } = await db.query<{ position: number | string }>(
        'SELECT position FROM tf_audit_leaves WHERE position > $1 ORDER BY position',
        [seen],
      );
      const now = performance.now();
      for (const position of rows.map((r) => Number(r.position))) {
        const at = appendedAt.get(position);
        if (at !== undefined) {
          lags.push(now - at);
          appendedAt.delete(position);
        }
        seen = Math.max(seen, position);
      }
      await sleep(10);
    }
  })();
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < rate * seconds; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const p = store
      .appendToStream(
        `ticket-${randomUUID()}`,
        [{ ...template[0]!, id: randomUUID() }],
        'no_stream',
      )
      .then((r) => {
        appendedAt.set(r.lastPosition, performance.now());
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 8) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const offered = (rate * seconds) / ((performance.now() - started) / 1000);
  stop = true;
  giveUpAt = performance.now() + 30_000;
  await poller;
  const s = summarize(lags);
  ctx.add({
    group,
    db: kind,
    name: `sequencer lag at ${rate} appended events/s (append return → leaf)`,
    unit: 'ms',
    median: s.median,
    p95: s.p95,
    p99: s.p99,
    n: s.n,
    target: 'p99 < 1000 ms',
    met: s.p99 < 1000,
    note: `offered ${offered.toFixed(0)} events/s for ${seconds} s, ${appendedAt.size} leaves not seen within 30 s after; the sequencer polls every 50 ms and signs every 1,000 events or 1 s`,
  });
}
