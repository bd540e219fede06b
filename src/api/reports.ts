import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { buildReport, defaultMinutesPerTicket, volumeSvg } from '../reports/index.ts';
import { parse } from './validate.ts';

/** An instant or a date, from year 1 on (PostgreSQL has no year 0). */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .refine((text) => Number(text.slice(0, 4)) >= 1, { message: 'a year from 1 on' });

/** Which tickets, grouped how (docs/analytics.md). */
export const reportQuery = z
  .object({
    /** `live`, or an imported log's format (`helpdesk`, `bpi13`, `servicenow`). */
    source: z
      .string()
      .regex(/^[a-z0-9_-]{1,40}$/)
      .optional(),
    level: z.coerce.number().int().min(1).max(3).optional(),
    /** Tickets received from this instant (or date, UTC) on. */
    since: instant.optional(),
    /** …and before this one. */
    until: instant.optional(),
    by: z.enum(['day', 'week']).default('week'),
    /** How many of the most frequent paths. */
    variants: z.coerce.number().int().min(1).max(100).default(10),
    /** Minutes a person takes for a first-level ticket (agent hours saved). */
    minutes: z.coerce.number().positive().max(10_000).default(defaultMinutesPerTicket),
  })
  .strict();

const count = z.number().int().nonnegative();
const hours = z.number().nullable();
const share = z.number().min(0).max(1).nullable();
const figures = {
  tickets_in: count,
  auto_answered: count,
  answers_accepted: count,
  answers_rejected: count,
  escalated: count,
  reopened: count,
  first_response_p50_h: hours,
  first_response_p90_h: hours,
  resolution_p50_h: hours,
  resolution_p90_h: hours,
  sla_first_response_met: share,
  sla_resolution_met: share,
  rework_tickets: count,
  rework: count,
  level_ups: count,
  level_downs: count,
  level_returns: count,
  duration_p50_h: hours,
  duration_p90_h: hours,
};

export const reportSchema = z.object({
  filter: z.object({
    source: z.string().optional(),
    level: z.number().int().optional(),
    since: z.string().optional(),
    until: z.string().optional(),
    by: z.enum(['day', 'week']),
  }),
  totals: z.object(figures),
  periods: z.array(
    z.object({ period: z.iso.date(), level: z.number().int().nullable(), ...figures }),
  ),
  variants: z.object({
    distinct: count,
    top: z.array(z.object({ variant: z.string(), tickets: count })),
  }),
  costBenefit: z.object({
    tickets_in: count,
    auto_answered: count,
    answers_accepted: count,
    answers_rejected: count,
    deflection_rate: share,
    agent_hours_saved: z.number().nonnegative(),
    minutes_per_ticket: z.number().positive(),
    model_calls: count,
    model_hours: z.number().nonnegative(),
    mean_model_latency_ms: z.number().nullable(),
    model_tokens: z.number().nonnegative(),
  }),
});

/**
 * Reports for auditors and admins (the caller mounts the access rule), from the analytics read
 * model: GET /api/reports/summary (JSON), GET /api/reports/volume.svg (a chart).
 */
export function reportRoutes(deps: { db: Database }): Router {
  const router = Router();
  const reportOf = async (query: unknown) => {
    const q = parse(reportQuery, query, 'query');
    const report = await buildReport(deps.db, {
      source: q.source,
      level: q.level as 1 | 2 | 3 | undefined,
      since: q.since,
      until: q.until,
      by: q.by,
      variants: q.variants,
      minutesPerTicket: q.minutes,
    });
    // JSON has no undefined: the filter lists what was given.
    report.filter = Object.fromEntries(
      Object.entries(report.filter).filter(([, v]) => v !== undefined),
    );
    return report;
  };
  router.get('/reports/summary', async (req, res) => {
    res.json(await reportOf(req.query));
  });
  router.get('/reports/volume.svg', async (req, res) => {
    const report = await reportOf(req.query);
    const title = `Tickets in per ${report.filter.by}${report.filter.source ? ` (${report.filter.source})` : ''}`;
    res.type('image/svg+xml').send(volumeSvg(title, report.periods));
  });
  return router;
}
