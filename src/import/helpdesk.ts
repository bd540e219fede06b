import { groupCases, isoOf } from './csv.ts';
import type { LogMapping, LogRow, Step } from './types.ts';

/**
 * The Helpdesk log (an Italian software company, Polato 2017): one first-line desk, upgrades to
 * higher levels, waits, resolutions and closures. Columns: `case:concept:name`, `concept:name`,
 * `org:resource`, `time:timestamp`. The mapping is in docs/import.md.
 */
export const helpdeskMapping: LogMapping = {
  format: 'helpdesk',
  casesOf(records) {
    const rows: LogRow[] = records.map(({ line, fields }) => ({
      line,
      caseId: required(fields, 'case:concept:name'),
      activity: required(fields, 'concept:name'),
      at: isoOf(required(fields, 'time:timestamp')),
      resource: fields['org:resource']?.trim().toLowerCase() || null,
      team: null,
      supportLine: null,
    }));
    return [...groupCases(rows)].map(([caseId, caseRows]) => ({
      caseId,
      rows: caseRows,
      level: 1,
      category: 'helpdesk',
      requester: null,
      openedAt: caseRows[0]!.at,
    }));
  },
  stepsOf(row) {
    const agent = `helpdesk:${row.resource ?? 'unknown'}`;
    const note = (body: string): Step[] => [{ kind: 'note', agent, body }];
    switch (row.activity) {
      case 'Insert ticket':
        return note('ticket inserted');
      case 'Assign seriousness':
        return note('seriousness assigned');
      case 'Take in charge ticket':
        return [{ kind: 'take', agent }];
      case 'Wait':
        return [{ kind: 'hold', agent }];
      case 'Resolve ticket':
      case 'RESOLVED':
        return [{ kind: 'resolve', agent }];
      case 'Closed':
        return [{ kind: 'close', reason: 'resolved' }];
      case 'INVALID':
      case 'DUPLICATE':
        return [{ kind: 'close', reason: 'withdrawn' }];
      case 'Require upgrade':
        return [{ kind: 'relevel', to: 'up', agent }];
      default:
        // Create SW anomaly, Schedule intervention, Resolve SW anomaly, VERIFIED: work on record.
        return note(row.activity);
    }
  },
};

export function required(fields: Record<string, string>, column: string): string {
  const value = fields[column]?.trim();
  if (!value) throw new Error(`column ${column} is missing or empty`);
  return value;
}
