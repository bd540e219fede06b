import type { SqlExecutor } from '../db/index.ts';
import {
  reportByPeriod,
  reportCostBenefit,
  reportTotals,
  reportVariants,
  type ReportFilter,
} from '../../projections/index.ts';
import type { Report } from './format.ts';

/** Minutes a person takes for a first-level ticket, unless the caller says otherwise. */
export const defaultMinutesPerTicket = 15;

export interface ReportOptions extends ReportFilter {
  by: 'day' | 'week';
  variants: number;
  minutesPerTicket: number;
}

/** Every figure of the reports from the analytics read model (no scan of the log). */
export async function buildReport(db: SqlExecutor, options: ReportOptions): Promise<Report> {
  const { by, variants, minutesPerTicket, ...filter } = options;
  const [totals, periods, top, costBenefit] = await Promise.all([
    reportTotals(db, filter),
    reportByPeriod(db, { ...filter, by }),
    reportVariants(db, { ...filter, limit: variants }),
    reportCostBenefit(db, { ...filter, minutesPerTicket }),
  ]);
  return { filter: { ...filter, by }, totals, periods, variants: top, costBenefit };
}
