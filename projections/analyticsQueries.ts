import type { SqlExecutor } from '../src/db/index.ts';

/** Which tickets a report covers: by source (`live` or an imported log), level, received in [since, until). */
export interface ReportFilter {
  source?: string | undefined;
  level?: 1 | 2 | 3 | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** The figures of one period and level, or of the whole selection. */
export interface ReportFigures {
  tickets_in: number;
  auto_answered: number;
  answers_accepted: number;
  answers_rejected: number;
  escalated: number;
  reopened: number;
  /** Hours, p50 and p90, over tickets that had one. */
  first_response_p50_h: number | null;
  first_response_p90_h: number | null;
  resolution_p50_h: number | null;
  resolution_p90_h: number | null;
  /** Shares of tickets with a verdict (0..1), null when none had one. */
  sla_first_response_met: number | null;
  sla_resolution_met: number | null;
  /** Tickets with an activity repeated, and the repetitions. */
  rework_tickets: number;
  rework: number;
  level_ups: number;
  level_downs: number;
  /** Level changes back to a level the ticket had left. */
  level_returns: number;
  /** Case duration (received → last event), hours. */
  duration_p50_h: number | null;
  duration_p90_h: number | null;
}

export interface PeriodFigures extends ReportFigures {
  period: string;
  level: number | null;
}

function where(filter: ReportFilter, params: unknown[]): string {
  const clauses: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filter.source) clauses.push(`source = ${param(filter.source)}`);
  if (filter.level) clauses.push(`level = ${param(filter.level)}`);
  if (filter.since) clauses.push(`received_at >= ${param(filter.since)}::timestamptz`);
  if (filter.until) clauses.push(`received_at < ${param(filter.until)}::timestamptz`);
  return clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
}

const hours = (expr: string, p: number) =>
  `percentile_cont(${p}) WITHIN GROUP (ORDER BY ${expr}) / 3600000.0`;

const figures = `
  count(*)::int AS tickets_in,
  count(*) FILTER (WHERE auto_answered)::int AS auto_answered,
  count(*) FILTER (WHERE answer_accepted)::int AS answers_accepted,
  count(*) FILTER (WHERE answer_rejected)::int AS answers_rejected,
  count(*) FILTER (WHERE escalated)::int AS escalated,
  count(*) FILTER (WHERE reopened > 0)::int AS reopened,
  ${hours('first_response_ms', 0.5)} AS first_response_p50_h,
  ${hours('first_response_ms', 0.9)} AS first_response_p90_h,
  ${hours('resolution_ms', 0.5)} AS resolution_p50_h,
  ${hours('resolution_ms', 0.9)} AS resolution_p90_h,
  avg(sla_first_response_met::int) AS sla_first_response_met,
  avg(sla_resolution_met::int) AS sla_resolution_met,
  count(*) FILTER (WHERE rework > 0)::int AS rework_tickets,
  coalesce(sum(rework), 0)::int AS rework,
  coalesce(sum(level_ups), 0)::int AS level_ups,
  coalesce(sum(level_downs), 0)::int AS level_downs,
  coalesce(sum(level_returns), 0)::int AS level_returns,
  ${hours('extract(epoch FROM last_at - received_at) * 1000', 0.5)} AS duration_p50_h,
  ${hours('extract(epoch FROM last_at - received_at) * 1000', 0.9)} AS duration_p90_h`;

/** pg returns numerics as text: numbers, with nulls kept. */
function numeric<T extends object>(row: T): T {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      typeof v === 'string' && k !== 'period' && v !== '' && !Number.isNaN(Number(v))
        ? Number(v)
        : v,
    ]),
  ) as T;
}

/** The figures of the whole selection. */
export async function reportTotals(db: SqlExecutor, filter: ReportFilter): Promise<ReportFigures> {
  const params: unknown[] = [];
  const { rows } = await db.query<ReportFigures>(
    `SELECT ${figures} FROM tf_analytics_tickets ${where(filter, params)}`,
    params,
  );
  return numeric(rows[0]!);
}

/** The figures per day or week (UTC) of reception, and per level. */
export async function reportByPeriod(
  db: SqlExecutor,
  filter: ReportFilter & { by: 'day' | 'week' },
): Promise<PeriodFigures[]> {
  const params: unknown[] = [filter.by];
  const { rows } = await db.query<PeriodFigures>(
    `SELECT to_char(date_trunc($1, received_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS period, level, ${figures}
     FROM tf_analytics_tickets ${where(filter, params)}
     GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
  return rows.map(numeric);
}

export interface Variant {
  variant: string;
  tickets: number;
}

/** The most frequent paths, and how many distinct paths there are. */
export async function reportVariants(
  db: SqlExecutor,
  filter: ReportFilter & { limit: number },
): Promise<{ distinct: number; top: Variant[] }> {
  const params: unknown[] = [];
  const w = where(filter, params);
  const { rows } = await db.query<Variant & { distinct: number }>(
    `SELECT variant, count(*)::int AS tickets, (count(*) OVER ())::int AS distinct
     FROM tf_analytics_tickets ${w} GROUP BY variant ORDER BY tickets DESC, variant LIMIT $${params.push(filter.limit)}`,
    params,
  );
  return {
    distinct: rows[0]?.distinct ?? 0,
    top: rows.map(({ variant, tickets }) => ({ variant, tickets })),
  };
}

export interface CostBenefit {
  tickets_in: number;
  auto_answered: number;
  answers_accepted: number;
  answers_rejected: number;
  /** Tickets closed by accepting the automatic answer, of all tickets in (0..1). */
  deflection_rate: number | null;
  /** Accepted automatic answers × the minutes a person takes for a first-level ticket. */
  agent_hours_saved: number;
  minutes_per_ticket: number;
  model_calls: number;
  /** The model's time: the sum of its calls' latencies. */
  model_hours: number;
  mean_model_latency_ms: number | null;
  model_tokens: number;
}

/** Deflection and agent hours saved against the model's calls, time and tokens. */
export async function reportCostBenefit(
  db: SqlExecutor,
  filter: ReportFilter & { minutesPerTicket: number },
): Promise<CostBenefit> {
  const params: unknown[] = [];
  const { rows } = await db.query<Record<string, string | number | null>>(
    `SELECT count(*)::int AS tickets_in,
            count(*) FILTER (WHERE auto_answered)::int AS auto_answered,
            count(*) FILTER (WHERE answer_accepted)::int AS answers_accepted,
            count(*) FILTER (WHERE answer_rejected)::int AS answers_rejected,
            coalesce(sum(model_calls), 0)::int AS model_calls,
            coalesce(sum(model_latency_ms), 0)::float8 AS model_latency_ms,
            coalesce(sum(model_tokens), 0)::float8 AS model_tokens
     FROM tf_analytics_tickets ${where(filter, params)}`,
    params,
  );
  const r = numeric(rows[0]!) as Record<string, number>;
  return {
    tickets_in: r.tickets_in!,
    auto_answered: r.auto_answered!,
    answers_accepted: r.answers_accepted!,
    answers_rejected: r.answers_rejected!,
    deflection_rate: r.tickets_in ? r.answers_accepted! / r.tickets_in : null,
    agent_hours_saved: (r.answers_accepted! * filter.minutesPerTicket) / 60,
    minutes_per_ticket: filter.minutesPerTicket,
    model_calls: r.model_calls!,
    model_hours: r.model_latency_ms! / 3_600_000,
    mean_model_latency_ms: r.model_calls ? r.model_latency_ms! / r.model_calls : null,
    model_tokens: r.model_tokens!,
  };
}

/** The sources the read model holds (`live` and each imported log), for the report's menu. */
export async function reportSources(
  db: SqlExecutor,
): Promise<{ source: string; tickets: number }[]> {
  const { rows } = await db.query<{ source: string; tickets: number }>(
    `SELECT source, count(*)::int AS tickets FROM tf_analytics_tickets GROUP BY source ORDER BY source`,
  );
  return rows;
}
