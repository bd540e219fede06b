import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { importLog, type ImportSummary, type LogFormat } from '../../src/import/index.ts';
import { createProjector } from '../../src/projector/index.ts';
import { analyticsProjection } from '../../projections/analytics.ts';
import { reportTotals, reportVariants } from '../../projections/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { slaSettingsFrom } from '../../src/sla/index.ts';
import type { Database } from '../../src/db/index.ts';
import { openTestDatabase } from '../support/databases.ts';
import { testLogger } from '../support/harness.ts';
import { eventLogs } from '../support/eventLogs.ts';

/**
 * What the reports say about each imported log, checked against a small pass over the CSV written
 * here, independently of the import: split on commas (the files hold no quotes), group by case,
 * order by time (ties: file order), and cut each case where the conformance report says the
 * machine refused a row (the log as replayed).
 */
interface Columns {
  caseId: string;
  activity: (f: Record<string, string>) => string;
  time: string;
  parse: (text: string) => number;
  /** ServiceNow: a case starts when it was opened, if that is before its first update. */
  opened?: string;
}
const isoTime = (text: string) => Date.parse(text.replace(' ', 'T'));
const dayFirst = (text: string) => {
  const [d, m, rest] = text.split('-');
  const [y, hm] = rest!.split(' ');
  return Date.parse(`${y}-${m}-${d}T${hm}:00Z`);
};
const columns: Record<LogFormat, Columns> = {
  helpdesk: {
    caseId: 'case:concept:name',
    activity: (f) => f['concept:name']!,
    time: 'time:timestamp',
    parse: isoTime,
  },
  bpi13: {
    caseId: 'case:concept:name',
    activity: (f) => `${f['concept:name']}/${f['lifecycle:transition']}`,
    time: 'time:timestamp',
    parse: isoTime,
  },
  servicenow: {
    caseId: 'number',
    activity: (f) => f['incident_state']!,
    time: 'sys_updated_at',
    parse: dayFirst,
    opened: 'opened_at',
  },
};

async function independentPass(format: LogFormat, refusedAt: Map<string, number>) {
  const [header, ...lines] = (await readFile(eventLogs[format], 'utf8')).split(/\r?\n/);
  const names = header!.split(',');
  const c = columns[format];
  const cases = new Map<string, { line: number; at: number; activity: string; opened: number }[]>();
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    const values = text.split(',');
    const f = Object.fromEntries(names.map((n, k) => [n, values[k]!]));
    const row = {
      line: i + 2,
      at: c.parse(f[c.time]!),
      activity: c.activity(f),
      opened: c.opened ? c.parse(f[c.opened]!) : Infinity,
    };
    const list = cases.get(f[c.caseId]!) ?? [];
    list.push(row);
    cases.set(f[c.caseId]!, list);
  });
  const variants = new Map<string, number>();
  const durations: number[] = [];
  for (const [caseId, rows] of cases) {
    rows.sort((a, b) => a.at - b.at || a.line - b.line);
    const cut = refusedAt.get(caseId);
    const kept =
      cut === undefined
        ? rows
        : rows.slice(
            0,
            rows.findIndex((r) => r.line === cut),
          );
    const variant = kept.map((r) => r.activity).join(' → ');
    variants.set(variant, (variants.get(variant) ?? 0) + 1);
    const start = Math.min(rows[0]!.at, rows[0]!.opened);
    durations.push((kept.at(-1)?.at ?? start) - start);
  }
  return { cases: cases.size, events: lines.filter((l) => l.trim()).length, variants, durations };
}

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

describe('the reports of the imported logs, checked by an independent pass over each CSV', () => {
  let db: Database;
  const summaries = new Map<LogFormat, ImportSummary>();
  beforeAll(async () => {
    db = await openTestDatabase('pglite');
    const store = createPostgresEventStore(db);
    for (const format of ['helpdesk', 'bpi13', 'servicenow'] as const) {
      summaries.set(
        format,
        await importLog(db, store, {
          format,
          file: eventLogs[format],
          reopenWindowMs: 168 * 3_600_000,
        }),
      );
    }
    const sla = slaSettingsFrom(loadConfig({}));
    const projector = createProjector({
      db,
      store,
      projections: [analyticsProjection(sla)],
      logger: testLogger,
    });
    await projector.start();
    await projector.catchUp();
    await projector.stop();
  }, 300_000);
  afterAll(async () => {
    await db?.close();
  });

  it('finds the published sizes of the logs', () => {
    expect(summaries.get('helpdesk')!.report.log).toEqual({
      cases: 4580,
      events: 21348,
      activities: 14,
    });
    expect(summaries.get('bpi13')!.report.log).toMatchObject({ cases: 1487, events: 6660 });
    expect(summaries.get('servicenow')!.report.log).toMatchObject({ cases: 890, events: 5998 });
  });

  it('names the refused transitions of BPI 2013 with counts, and Volvo’s push-backs and ping-pong', async () => {
    const { report } = summaries.get('bpi13')!;
    expect(report.log).toEqual({ cases: 1487, events: 6660, activities: 7 });
    expect(report.cases.acceptedWhole + report.cases.refused).toBe(1487);
    expect(report.refusedTransitions.length).toBeGreaterThan(0);
    expect(report.refusedTransitions.reduce((n, t) => n + t.cases, 0)).toBe(report.cases.refused);
    // Each refusal names a row of the file that is that case's, with that activity.
    const lines = (await readFile(eventLogs.bpi13, 'utf8')).split(/\r?\n/);
    for (const f of report.refusals) {
      const fields = lines[f.line - 1]!.split(',');
      expect(fields.at(-1)).toBe(f.caseId);
      expect(`${fields[6]}/${fields[9]}`).toBe(f.activity);
    }
    expect(report.findings.pushedBack!.moves).toBeGreaterThan(0);
    expect(report.findings.pushedBack!.cases).toBeLessThanOrEqual(
      report.findings.pushedBack!.moves,
    );
    expect(report.findings.teamBounces!.cases).toBeGreaterThan(0);
  });

  it.each(['helpdesk', 'bpi13', 'servicenow'] as const)(
    '%s: cases, variants and case durations equal the reports',
    async (format) => {
      const refusedAt = new Map(
        summaries.get(format)!.report.refusals.map((r) => [r.caseId, r.line]),
      );
      const expected = await independentPass(format, refusedAt);
      const totals = await reportTotals(db, { source: format });
      expect(totals.tickets_in).toBe(expected.cases);
      const variants = await reportVariants(db, { source: format, limit: 10 });
      expect(variants.distinct).toBe(expected.variants.size);
      const top = [...expected.variants]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 10);
      expect(variants.top.map((v) => [v.variant, v.tickets])).toEqual(top);
      const hours = (ms: number) => ms / 3_600_000;
      expect(totals.duration_p50_h).toBeCloseTo(hours(percentile(expected.durations, 0.5)), 6);
      expect(totals.duration_p90_h).toBeCloseTo(hours(percentile(expected.durations, 0.9)), 6);
    },
  );
});
