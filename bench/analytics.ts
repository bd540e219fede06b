/**
 * Imports and reports (issue 13): events/s of `import` (replayed through the ticket machine and
 * appended), and the report queries' latency over a large log (copies of the Helpdesk log under
 * other ids, projected into the analytics read model by the projector).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './context.ts';
import { openBenchDb, type DbKind } from './db.ts';
import { createPostgresEventStore } from '../src/eventstore/index.ts';
import { ticketStreamId } from '../src/events/index.ts';
import {
  importLog,
  importedTicketId,
  mappings,
  readSourceLog,
  replayCase,
} from '../src/import/index.ts';
import { eventsOf } from '../src/import/run.ts';
import { createProjector } from '../src/projector/index.ts';
import { createLogger } from '../src/log/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { slaSettingsFrom } from '../src/sla/index.ts';
import { analyticsProjection } from '../projections/analytics.ts';
import {
  reportByPeriod,
  reportCostBenefit,
  reportTotals,
  reportVariants,
} from '../projections/index.ts';

const logsDir = [
  path.resolve('../shared/datasets/event-logs'),
  path.resolve('../../shared/datasets/event-logs'),
].find((d) => existsSync(d));
const week = 168 * 3_600_000;

export async function benchImport(ctx: BenchContext, kind: DbKind): Promise<void> {
  if (!logsDir)
    return ctx.note(
      'analytics',
      'The event logs (../shared/datasets/event-logs) are not here: import not measured.',
    );
  const file = path.join(logsDir, 'helpdesk_eventlog.csv');
  const rates: number[] = [];
  for (let i = 0; i < (ctx.options.quick ? 1 : 3); i++) {
    const b = await openBenchDb(kind, ctx.options.postgresUrl);
    try {
      const t0 = performance.now();
      const summary = await importLog(b.db, createPostgresEventStore(b.db), {
        format: 'helpdesk',
        file,
        reopenWindowMs: week,
      });
      rates.push(summary.appended.events / ((performance.now() - t0) / 1000));
    } finally {
      await b.dispose();
    }
  }
  ctx.addRate(
    {
      name: 'import helpdesk log (read, replay through the machine, append)',
      unit: 'events/s',
      group: 'analytics',
      db: kind,
      target: kind === 'postgres' ? '≥ 20000 events/s' : undefined,
    },
    rates,
  );
}

/** The report queries over `copies` copies of the Helpdesk log (about 42 k events each). */
export async function benchReports(ctx: BenchContext, kind: DbKind, copies: number): Promise<void> {
  if (!logsDir) return;
  const b = await openBenchDb(kind, ctx.options.postgresUrl);
  try {
    const store = createPostgresEventStore(b.db);
    const source = await readSourceLog(path.join(logsDir, 'helpdesk_eventlog.csv'));
    const mapping = mappings.helpdesk;
    const cases = mapping.casesOf(source.records);
    let events = 0;
    for (let copy = 0; copy < copies; copy++) {
      const sha = `${source.sha256.slice(0, 56)}${copy.toString(16).padStart(8, '0')}`;
      const streams = cases.map((c) => {
        const replay = replayCase(
          c,
          mapping.stepsOf,
          { format: 'helpdesk', ticketId: importedTicketId(sha, c.caseId), reopenWindowMs: week },
          'bench',
        );
        return {
          streamId: ticketStreamId(replay.ticketId),
          events: eventsOf(replay, 'helpdesk', sha),
        };
      });
      for (let i = 0; i < streams.length; i += 250)
        await store.appendNewStreams!(streams.slice(i, i + 250));
      events += streams.reduce((n, s) => n + s.events.length, 0);
      ctx.log(`reports ${kind}: ${events} events stored`);
    }
    const projector = createProjector({
      db: b.db,
      store,
      projections: [analyticsProjection(slaSettingsFrom(loadConfig({})))],
      logger: createLogger({ LOG_LEVEL: 'warn' }, { destination: 2 }),
    });
    const t0 = performance.now();
    await projector.start();
    await projector.catchUp();
    await projector.stop();
    ctx.add({
      name: `analytics projection of ${events} events`,
      unit: 'events/s',
      median: events / ((performance.now() - t0) / 1000),
      group: 'analytics',
      db: kind,
    });
    const queries: [string, () => Promise<unknown>][] = [
      ['totals', () => reportTotals(b.db, {})],
      ['by week and level', () => reportByPeriod(b.db, { by: 'week' })],
      [
        'by day, one level, one year',
        () =>
          reportByPeriod(b.db, { by: 'day', level: 1, since: '2011-01-01', until: '2012-01-01' }),
      ],
      ['top 10 variants', () => reportVariants(b.db, { limit: 10 })],
      ['cost and benefit', () => reportCostBenefit(b.db, { minutesPerTicket: 15 })],
    ];
    for (const [name, query] of queries) {
      const samples: number[] = [];
      await query();
      for (let i = 0; i < (ctx.options.quick ? 5 : 20); i++) {
        const t = performance.now();
        await query();
        samples.push(performance.now() - t);
      }
      ctx.addLatency(
        {
          name: `report query: ${name} (${events} events, ${cases.length * copies} tickets)`,
          unit: 'ms',
          group: 'analytics',
          db: kind,
          target: '< 50 ms p95',
        },
        samples,
      );
    }
  } finally {
    await b.dispose();
  }
}
