import { groupCases, isoOfDayFirst } from './csv.ts';
import { required } from './helpdesk.ts';
import type { LogMapping, LogRow, Step } from './types.ts';

const unknown = (value: string | undefined) =>
  !value || value.trim() === '?' ? null : value.trim();

/**
 * ServiceNow's incident audit log (UCI, Amaral et al.): one row per update of an incident, its
 * `incident_state` after the update, `assigned_to`, `assignment_group`. docs/import.md.
 */
export const servicenowMapping: LogMapping = {
  format: 'servicenow',
  casesOf(records) {
    const rows: LogRow[] = records.map(({ line, fields }) => ({
      line,
      caseId: required(fields, 'number'),
      activity: required(fields, 'incident_state'),
      at: isoOfDayFirst(required(fields, 'sys_updated_at')),
      resource:
        (unknown(fields['assigned_to']) ?? unknown(fields['sys_updated_by']))?.toLowerCase() ??
        null,
      team: unknown(fields['assignment_group']),
      supportLine: null,
    }));
    const first = new Map<string, Record<string, string>>();
    for (const r of records)
      if (!first.has(r.fields['number']!)) first.set(r.fields['number']!, r.fields);
    return [...groupCases(rows)].map(([caseId, caseRows]) => {
      const fields = first.get(caseId) ?? {};
      const opened = unknown(fields['opened_at']);
      const openedAt = opened ? isoOfDayFirst(opened) : caseRows[0]!.at;
      return {
        caseId,
        rows: caseRows,
        level: 1,
        category: unknown(fields['category']) ?? 'servicenow',
        requester: unknown(fields['caller_id'])?.toLowerCase() ?? null,
        openedAt: openedAt < caseRows[0]!.at ? openedAt : caseRows[0]!.at,
      };
    });
  },
  stepsOf(row, previous) {
    // An update that leaves the state as it was edits fields the ticket does not keep.
    if (previous?.activity === row.activity) return [];
    const agent = `servicenow:${row.resource ?? 'unknown'}`;
    switch (row.activity) {
      case 'New':
        return previous ? [{ kind: 'release' }] : [];
      case 'Active':
        return [{ kind: 'take', agent }];
      case 'Resolved':
        return [{ kind: 'resolve', agent }];
      case 'Closed':
        return [{ kind: 'close', reason: 'resolved' }];
      default:
        // Awaiting User Info, Awaiting Problem, Awaiting Vendor, Awaiting Evidence.
        return row.activity.startsWith('Awaiting')
          ? [{ kind: 'hold', agent }]
          : ([{ kind: 'note', agent, body: row.activity }] satisfies Step[]);
    }
  },
};
