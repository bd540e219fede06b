import { createHash } from 'node:crypto';
import path from 'node:path';
import { ticketMachineVersion } from '../../machines/index.ts';
import { createEventOf, ticketStreamId, type AnyNewEvent } from '../events/index.ts';
import { ConcurrencyError, existingStreams, type EventStore } from '../eventstore/index.ts';
import type { SqlExecutor } from '../db/index.ts';
import { bpi13Mapping } from './bpi13.ts';
import { conformanceReport, type ConformanceReport } from './conformance.ts';
import { readSourceLog } from './csv.ts';
import { helpdeskMapping } from './helpdesk.ts';
import { replayCase, type CaseReplay } from './replay.ts';
import { servicenowMapping } from './servicenow.ts';
import type { LogCase, LogFormat, LogMapping } from './types.ts';

export const mappings: Record<LogFormat, LogMapping> = {
  helpdesk: helpdeskMapping,
  bpi13: bpi13Mapping,
  servicenow: servicenowMapping,
};

/** A UUID (version 8: name-based, SHA-256) from a name: the same case always gets the same id. */
export function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The ticket id of a case of a source file: from the file's SHA-256 and the case id. */
export const importedTicketId = (sha256: string, caseId: string) =>
  uuidFrom(`${sha256}\0${caseId}`);

export interface ImportOptions {
  format: LogFormat;
  file: string;
  reopenWindowMs: number;
  /** Batches in flight at once (default 4). */
  concurrency?: number;
  /** Cases per batch: one transaction each where the store has a batch path (default 250). */
  batchSize?: number;
  /** Called as cases are stored: done so far, of total. */
  onProgress?: (done: number, total: number) => void;
}

export interface ImportSummary {
  report: ConformanceReport;
  /** Tickets appended by this run, and their events. */
  appended: { tickets: number; events: number };
  /** Cases already in the log (an earlier run of the same file). */
  alreadyImported: number;
}

/** The stored form of a replayed case: provenance in each event's metadata, causes chained. */
export function eventsOf(replay: CaseReplay, format: LogFormat, sha256: string): AnyNewEvent[] {
  let causationId: string | undefined;
  return replay.events.map((e, i) => {
    const id = uuidFrom(`${sha256}\0${replay.caseId}\0${i}`);
    const event = createEventOf(
      e.event,
      {
        actor: e.actor,
        correlationId: replay.ticketId,
        ...(causationId ? { causationId } : {}),
        machineVersion: ticketMachineVersion,
        import: {
          format,
          source: sha256,
          case: replay.caseId,
          rows: e.rows,
          ...(e.activities ? { activities: e.activities } : {}),
          ...(e.until ? { until: e.until } : {}),
        },
      },
      { id, timestamp: new Date(e.at) },
    );
    causationId = id;
    return event;
  });
}

/**
 * Imports a log: reads and hashes the file, replays every case through the ticket machine, and
 * appends the accepted events of the cases not yet in the log, each case as one new stream
 * (expected: no stream). Running it again adds nothing: the stream ids come from the file's hash
 * and the case ids, and streams that exist are skipped.
 */
export async function importLog(
  db: SqlExecutor,
  store: EventStore,
  options: ImportOptions,
): Promise<ImportSummary> {
  const mapping = mappings[options.format];
  const source = await readSourceLog(options.file);
  const cases = mapping.casesOf(source.records);
  const sourceName = path.basename(options.file);
  const replay = (c: LogCase) =>
    replayCase(
      c,
      mapping.stepsOf,
      {
        format: options.format,
        ticketId: importedTicketId(source.sha256, c.caseId),
        reopenWindowMs: options.reopenWindowMs,
      },
      sourceName,
    );
  const streamOf = (c: LogCase) => ticketStreamId(importedTicketId(source.sha256, c.caseId));
  const existing = await existingStreams(db, cases.map(streamOf));
  const replays = new Map<LogCase, CaseReplay>();
  for (const c of cases) if (existing.has(streamOf(c))) replays.set(c, replay(c));
  const fresh = cases.filter((c) => !existing.has(streamOf(c)));
  let done = 0;
  let events = 0;
  let tickets = 0;
  // Workers replay a batch of cases, then append it: the machine's work (CPU) overlaps the
  // database's (another core, or the server), instead of one waiting for the other.
  const batches = chunks(fresh, options.batchSize ?? 250);
  await inParallel(batches, options.concurrency ?? 4, async (batch) => {
    const streams = batch.map((c) => {
      const replayed = replay(c);
      replays.set(c, replayed);
      return { streamId: streamOf(c), events: eventsOf(replayed, options.format, source.sha256) };
    });
    const created = new Set((await appendAll(store, streams)).created);
    for (const s of streams) if (created.has(s.streamId)) events += s.events.length;
    tickets += created.size;
    done += batch.length;
    options.onProgress?.(done, fresh.length);
  });
  const report = conformanceReport(
    options.format,
    { file: sourceName, sha256: source.sha256 },
    cases,
    cases.map((c) => replays.get(c)!),
  );
  return {
    report,
    appended: { tickets, events },
    // Cases found in the log, before or (another import running at once) during the append.
    alreadyImported: cases.length - tickets,
  };
}

/** New streams through the store's batch path where it has one, else one append each. */
async function appendAll(
  store: EventStore,
  streams: { streamId: string; events: AnyNewEvent[] }[],
): Promise<{ created: string[] }> {
  if (store.appendNewStreams) return store.appendNewStreams(streams);
  const created: string[] = [];
  for (const s of streams) {
    try {
      await store.appendToStream(s.streamId, s.events, 'no_stream');
      created.push(s.streamId);
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
  return { created };
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
