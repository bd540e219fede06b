/** `export --format xes|ocel FILE [--since ISO] [--until ISO] [--level N]` (docs/analytics.md). */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { loadConfig } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { createPostgresEventStore } from '../eventstore/index.ts';
import { collectTickets, ocelDocument, xesDocument, type ExportFilter } from '../export/index.ts';
import { openDatabase } from '../server/index.ts';

type Out = Pick<Console, 'log' | 'error'>;

export interface ExportArgs {
  format: string | undefined;
  file: string | undefined;
  since: string | undefined;
  until: string | undefined;
  level: string | undefined;
}

/** The filter the options name, or why they are wrong. */
export function exportFilterOf(
  args: Pick<ExportArgs, 'since' | 'until' | 'level'>,
): ExportFilter | string {
  const instant = (text: string | undefined, name: string) => {
    if (text === undefined) return undefined;
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) throw new Error(`${name} takes an ISO-8601 instant or date`);
    return at;
  };
  try {
    const level = args.level === undefined ? undefined : Number(args.level);
    if (level !== undefined && level !== 1 && level !== 2 && level !== 3)
      return '--level takes 1, 2 or 3';
    return { since: instant(args.since, '--since'), until: instant(args.until, '--until'), level };
  } catch (error) {
    return (error as Error).message;
  }
}

export async function runExport(
  args: ExportArgs,
  env: Record<string, string | undefined>,
  out: Out,
): Promise<number> {
  const filter = exportFilterOf(args);
  if (
    !args.file ||
    (args.format !== 'xes' && args.format !== 'ocel') ||
    typeof filter === 'string'
  ) {
    out.error(
      `error: ${typeof filter === 'string' ? filter : 'export --format xes|ocel FILE [--since ISO] [--until ISO] [--level N]'}`,
    );
    return 2;
  }
  let db: Database | undefined;
  try {
    db = await openDatabase(loadConfig(env), { existing: true });
    const tickets = await collectTickets(createPostgresEventStore(db), filter);
    const events = tickets.reduce((n, t) => n + t.events.length, 0);
    if (args.format === 'xes') await writeXes(args.file, tickets);
    else await writeFile(args.file, JSON.stringify(ocelDocument(tickets)));
    out.log(
      `exported ${tickets.length} tickets, ${events} events to ${args.file} (${args.format})`,
    );
    return 0;
  } catch (error) {
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await db?.close();
  }
}

async function writeXes(file: string, tickets: Parameters<typeof xesDocument>[0]) {
  const stream = createWriteStream(file);
  for (const piece of xesDocument(tickets)) {
    if (!stream.write(piece)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}
