/** The analytics commands: `import`, `export`, `report` (docs/import.md, docs/analytics.md). */
import { parseArgs } from 'node:util';
import { runImport } from './importLog.ts';
import { runExport } from './exportLog.ts';
import { runReport } from './report.ts';

export const analyticsUsage = `  import --format helpdesk|bpi13|servicenow FILE [--report F.md] a process-mining log, replayed through the machine
  export --format xes|ocel FILE [--since ISO] [--until ISO] [--level N]   the log for ProM, pm4py, OCEL tools
  report [--source live|helpdesk|bpi13|servicenow] [--by day|week] [--level N] [--since ISO] [--until ISO]
         [--minutes 15] [--variants 10] [--json] [--svg FILE]     analytics, cost and benefit (docs/analytics.md)`;

type Out = Pick<Console, 'log' | 'error'>;

export async function runAnalyticsCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Out,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        report: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        level: { type: 'string' },
        by: { type: 'string' },
        json: { type: 'boolean' },
        svg: { type: 'string' },
        source: { type: 'string' },
        minutes: { type: 'string' },
        variants: { type: 'string' },
      },
    });
  } catch (error) {
    out.error(
      `error: ${error instanceof Error ? error.message : 'bad arguments'}\n\n${analyticsUsage}`,
    );
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals[0] === 'import') {
    return runImport(
      { format: values.format, file: positionals[1], report: values.report },
      env,
      out,
    );
  }
  if (positionals[0] === 'export') {
    return runExport(
      {
        format: values.format,
        file: positionals[1],
        since: values.since,
        until: values.until,
        level: values.level,
      },
      env,
      out,
    );
  }
  if (positionals[0] === 'report' && positionals.length === 1) return runReport(values, env, out);
  out.error(`error: unknown command ${positionals.join(' ')}\n\n${analyticsUsage}`);
  return 2;
}
