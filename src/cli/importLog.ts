/**
 * `import --format helpdesk|bpi13|servicenow FILE [--report FILE]` (docs/import.md): replays a
 * process-mining log through the ticket machine into the log, writes the conformance report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { createPostgresEventStore } from '../eventstore/index.ts';
import { formatConformance, importLog, isLogFormat, logFormats } from '../import/index.ts';
import { openDatabase } from '../server/index.ts';
import { createProjector } from '../projector/index.ts';
import { createProjections } from '../../projections/index.ts';
import { slaSettingsFrom } from '../sla/index.ts';
import { createLogger } from '../log/index.ts';

type Out = Pick<Console, 'log' | 'error'>;

export interface ImportArgs {
  format: string | undefined;
  file: string | undefined;
  report: string | undefined;
}

/** A progress bar on a terminal (stderr), nothing otherwise: the summary says the rest. */
function progressBar(stream: NodeJS.WriteStream | undefined) {
  if (!stream?.isTTY) return undefined;
  let last = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((width * done) / Math.max(1, total));
    stream.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total} cases`);
    if (done === total) stream.write('\n');
  };
}

export async function runImport(
  args: ImportArgs,
  env: Record<string, string | undefined>,
  out: Out,
  tty: NodeJS.WriteStream | undefined = process.stderr,
): Promise<number> {
  if (!args.format || !isLogFormat(args.format) || !args.file) {
    out.error(`error: import --format ${logFormats.join('|')} FILE [--report FILE.md]`);
    return 2;
  }
  const config = loadConfig(env);
  let db: Database | undefined;
  try {
    db = await openDatabase(config);
    const store = createPostgresEventStore(db);
    const started = performance.now();
    const summary = await importLog(db, store, {
      format: args.format,
      file: args.file,
      reopenWindowMs: config.REOPEN_WINDOW_HOURS * 3_600_000,
      onProgress: progressBar(tty),
    });
    const seconds = (performance.now() - started) / 1000;
    const { report } = summary;
    const reportFile =
      args.report ??
      path.join(
        config.DATA_DIR,
        'imports',
        `${args.format}-${report.source.sha256.slice(0, 12)}.md`,
      );
    mkdirSync(path.dirname(reportFile), { recursive: true });
    writeFileSync(reportFile, formatConformance(report));
    writeFileSync(
      reportFile.replace(/\.md$/, '') + '.json',
      `${JSON.stringify(report, null, 2)}\n`,
    );
    out.log(
      `${args.format}: ${report.log.cases} cases, ${report.log.events} events in ${report.source.file}; ` +
        `appended ${summary.appended.tickets} tickets (${summary.appended.events} events) in ${seconds.toFixed(1)} s, ` +
        `${summary.alreadyImported} already imported`,
    );
    out.log(
      `conformance: ${report.cases.acceptedWhole} cases accepted whole, ${report.cases.refused} refused; report ${reportFile}`,
    );
    await catchUpReadModels(db, config);
    return 0;
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await db?.close();
  }
}

/** The read models (reports among them) take the imported events in before the command ends. */
export async function catchUpReadModels(db: Database, config: ReturnType<typeof loadConfig>) {
  const projector = createProjector({
    db,
    store: createPostgresEventStore(db),
    projections: createProjections(slaSettingsFrom(config)),
    logger: createLogger({ LOG_LEVEL: 'warn' }, { destination: 2 }),
  });
  try {
    await projector.start();
    await projector.catchUp();
  } finally {
    await projector.stop();
  }
}
