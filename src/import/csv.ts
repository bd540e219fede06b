import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { CsvRecord } from './types.ts';

/** A log file read once: its SHA-256 (the provenance of every imported event) and its records. */
export interface SourceLog {
  sha256: string;
  records: CsvRecord[];
}

export async function readSourceLog(file: string): Promise<SourceLog> {
  const bytes = await readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const parsed = parse(bytes, { columns: true, info: true, skip_empty_lines: true, bom: true }) as {
    record: Record<string, string>;
    info: { lines: number };
  }[];
  return { sha256, records: parsed.map((p) => ({ line: p.info.lines, fields: p.record })) };
}

/** Groups rows by case in first-seen order, each case's rows by time (ties: file order). */
export function groupCases<R extends { caseId: string; at: string; line: number }>(
  rows: readonly R[],
): Map<string, R[]> {
  const cases = new Map<string, R[]>();
  for (const row of rows) {
    const list = cases.get(row.caseId);
    if (list) list.push(row);
    else cases.set(row.caseId, [row]);
  }
  for (const list of cases.values()) {
    list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.line - b.line));
  }
  return cases;
}

/** `2010-01-13 08:40:25+00:00` → ISO-8601. */
export function isoOf(text: string): string {
  const at = Date.parse(text.trim().replace(' ', 'T'));
  if (Number.isNaN(at)) throw new Error(`not a timestamp: ${text}`);
  return new Date(at).toISOString();
}

/** ServiceNow's `29-02-2016 01:23` (day first, UTC) → ISO-8601. */
export function isoOfDayFirst(text: string): string {
  const m = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) throw new Error(`not a timestamp: ${text}`);
  const [, d, mo, y, h, mi, s] = m;
  return new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +(s ?? 0))).toISOString();
}
