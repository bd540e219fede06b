import type {
  CostBenefit,
  PeriodFigures,
  ReportFigures,
  Variant,
} from '../../projections/index.ts';

/** The three reports together, as the API and the CLI serve them. */
export interface Report {
  filter: Record<string, string | number | undefined>;
  totals: ReportFigures;
  periods: PeriodFigures[];
  variants: { distinct: number; top: Variant[] };
  costBenefit: CostBenefit;
}

const n = (v: number | null, digits = 1) =>
  v === null || Number.isNaN(v) ? '–' : v.toFixed(digits);
const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)} %`);

/** The report as Markdown (printed by `npm run cli -- report`, pasted in docs/analytics.md). */
export function formatReport(report: Report, maxPeriods = 20): string {
  const t = report.totals;
  const c = report.costBenefit;
  const lines = [
    `| tickets in | auto-answered | accepted / rejected | escalated | reopened | first response p50 / p90 (h) | resolution p50 / p90 (h) | SLA first response / resolution met | rework (tickets / repeats) | level ups / downs / returns | case duration p50 / p90 (h) |`,
    `|---|---|---|---|---|---|---|---|---|---|---|`,
    `| ${t.tickets_in} | ${t.auto_answered} | ${t.answers_accepted} / ${t.answers_rejected} | ${t.escalated} | ${t.reopened} | ${n(t.first_response_p50_h)} / ${n(t.first_response_p90_h)} | ${n(t.resolution_p50_h)} / ${n(t.resolution_p90_h)} | ${pct(t.sla_first_response_met)} / ${pct(t.sla_resolution_met)} | ${t.rework_tickets} / ${t.rework} | ${t.level_ups} / ${t.level_downs} / ${t.level_returns} | ${n(t.duration_p50_h)} / ${n(t.duration_p90_h)} |`,
    '',
    `**Cost and benefit**: deflection ${pct(c.deflection_rate)} (${c.answers_accepted} accepted automatic answers of ${c.tickets_in} tickets); ` +
      `agent hours saved ${n(c.agent_hours_saved)} at ${c.minutes_per_ticket} min a first-level ticket; ` +
      `model: ${c.model_calls} calls, ${n(c.model_hours * 3600, 1)} s of model time (mean ${n(c.mean_model_latency_ms, 0)} ms a call), ${c.model_tokens} tokens.`,
    '',
    `**Variants**: ${report.variants.distinct} distinct paths; the most frequent:`,
    '',
    '| tickets | path |',
    '|---|---|',
    ...report.variants.top.map((v) => `| ${v.tickets} | ${v.variant || '(opened only)'} |`),
  ];
  if (report.periods.length > 0) {
    const shown = report.periods.slice(-maxPeriods);
    lines.push(
      '',
      `**By period and level** (${shown.length < report.periods.length ? `last ${shown.length} of ${report.periods.length} rows` : `${shown.length} rows`}):`,
      '',
      '| period | level | in | auto | accepted | rejected | escalated | reopened | first response p50 (h) | resolution p50 / p90 (h) | SLA resolution met |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...shown.map(
        (p) =>
          `| ${p.period} | ${p.level ?? '–'} | ${p.tickets_in} | ${p.auto_answered} | ${p.answers_accepted} | ${p.answers_rejected} | ${p.escalated} | ${p.reopened} | ${n(p.first_response_p50_h)} | ${n(p.resolution_p50_h)} / ${n(p.resolution_p90_h)} | ${pct(p.sla_resolution_met)} |`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
