import type { SupportLevel } from '../../machines/index.ts';
import { groupCases, isoOf } from './csv.ts';
import { required } from './helpdesk.ts';
import type { LogMapping, LogRow, Step } from './types.ts';

/** `organization involved` ends with the support line: `J11 2nd`, `G96 3rd`; others name none. */
function lineOf(organisation: string | undefined): SupportLevel | null {
  const suffix = organisation?.trim().slice(-3);
  return suffix === '2nd' ? 2 : suffix === '3rd' ? 3 : null;
}

/** Rows whose organisation names no line keep the line the case was at (the first known one before). */
function carryLines(rows: LogRow[]): LogRow[] {
  let known = rows.find((r) => r.supportLine !== null)?.supportLine ?? null;
  return rows.map((row) => {
    known = row.supportLine ?? known;
    return { ...row, supportLine: known };
  });
}

/**
 * BPI Challenge 2013, Volvo IT, closed problems: 2nd and 3rd line teams (`org:group`), the line in
 * `organization involved`, statuses as `concept:name` + `lifecycle:transition`. docs/import.md.
 */
export const bpi13Mapping: LogMapping = {
  format: 'bpi13',
  casesOf(records) {
    const rows: LogRow[] = records.map(({ line, fields }) => ({
      line,
      caseId: required(fields, 'case:concept:name'),
      activity: `${required(fields, 'concept:name')}/${required(fields, 'lifecycle:transition')}`,
      at: isoOf(required(fields, 'time:timestamp')),
      resource: fields['org:resource']?.trim().toLowerCase() || null,
      team: fields['org:group']?.trim() || null,
      supportLine: lineOf(fields['organization involved']),
    }));
    const products = new Map(records.map((r) => [r.fields['case:concept:name']?.trim(), r]));
    return [...groupCases(rows)].map(([caseId, caseRows]) => {
      const carried = carryLines(caseRows);
      return {
        caseId,
        rows: carried,
        level: carried[0]!.supportLine ?? 2,
        category: products.get(caseId)?.fields['product']?.trim() || 'bpi13',
        requester: null,
        openedAt: carried[0]!.at,
      };
    });
  },
  stepsOf(row, previous) {
    const agent = `bpi13:${row.resource ?? 'unknown'}`;
    const steps: Step[] = [];
    if (previous && row.supportLine && row.supportLine !== previous.supportLine) {
      steps.push({ kind: 'relevel', to: row.supportLine, agent });
    }
    switch (row.activity) {
      case 'Queued/Awaiting Assignment':
        steps.push({ kind: 'release' });
        break;
      case 'Accepted/Assigned':
        steps.push({ kind: 'assign', agent });
        break;
      case 'Accepted/In Progress':
        steps.push({ kind: 'take', agent });
        break;
      case 'Accepted/Wait':
        steps.push({ kind: 'hold', agent });
        break;
      case 'Completed/Closed':
        steps.push({ kind: 'resolve', agent }, { kind: 'close', reason: 'resolved' });
        break;
      case 'Completed/Cancelled':
        steps.push({ kind: 'close', reason: 'withdrawn' });
        break;
      default:
        steps.push({ kind: 'note', agent, body: row.activity });
    }
    return steps;
  },
};
