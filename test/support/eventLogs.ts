import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The shared process-mining logs (`../shared/datasets/event-logs` beside the checkout, see its
 * SOURCE.txt), read by path and never copied into the repository. EVENT_LOGS_DIR points elsewhere.
 */
export const eventLogsDir =
  process.env.EVENT_LOGS_DIR ??
  [
    path.resolve(root, '../shared/datasets/event-logs'),
    path.resolve(root, '../../shared/datasets/event-logs'),
  ].find((dir) => existsSync(dir)) ??
  path.resolve(root, '../shared/datasets/event-logs');

export const eventLogs = {
  helpdesk: path.join(eventLogsDir, 'helpdesk_eventlog.csv'),
  bpi13: path.join(eventLogsDir, 'bpi13_closed_problems_eventlog.csv'),
  servicenow: path.join(eventLogsDir, 'servicenow_incident_event_log_SUBSET.csv'),
} as const;
