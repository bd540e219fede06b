/** `report [--source S] [--by day|week] [--level N] [--since] [--until] [--json] [--svg FILE]` (docs/analytics.md). */
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { loadConfig } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { buildReport, defaultMinutesPerTicket, formatReport, volumeSvg } from '../reports/index.ts';
import { openDatabase } from '../server/index.ts';
import { catchUpReadModels } from './importLog.ts';

type Out = Pick<Console, 'log' | 'error'>;

const reportArgs = z.object({
  source: z
    .string()
    .regex(/^[a-z0-9_-]{1,40}$/)
    .optional(),
  by: z.enum(['day', 'week']).default('week'),
  level: z.coerce.number().int().min(1).max(3).optional(),
  since: z.iso
    .date()
    .or(z.iso.datetime({ offset: true }))
    .optional(),
  until: z.iso
    .date()
    .or(z.iso.datetime({ offset: true }))
    .optional(),
  minutes: z.coerce.number().positive().default(defaultMinutesPerTicket),
  variants: z.coerce.number().int().min(1).max(100).default(10),
  json: z.boolean().optional(),
  svg: z.string().optional(),
});

export async function runReport(
  values: Record<string, string | boolean | undefined>,
  env: Record<string, string | undefined>,
  out: Out,
): Promise<number> {
  const parsed = reportArgs.safeParse(values);
  if (!parsed.success) {
    out.error(
      `error: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
    return 2;
  }
  const args = parsed.data;
  const config = loadConfig(env);
  let db: Database | undefined;
  try {
    db = await openDatabase(config);
    // The reports read the analytics read model: bring it up to date with the log first.
    await catchUpReadModels(db, config);
    const report = await buildReport(db, {
      source: args.source,
      level: args.level as 1 | 2 | 3 | undefined,
      since: args.since,
      until: args.until,
      by: args.by,
      variants: args.variants,
      minutesPerTicket: args.minutes,
    });
    out.log(args.json ? JSON.stringify(report) : formatReport(report));
    if (args.svg) {
      const title = `Tickets in per ${args.by}${args.source ? ` (${args.source})` : ''}`;
      await writeFile(args.svg, volumeSvg(title, report.periods));
    }
    return 0;
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await db?.close();
  }
}
