import type { SupportLevel } from '../../machines/index.ts';

/** The process-mining logs the import reads (docs/import.md). */
export const logFormats = ['helpdesk', 'bpi13', 'servicenow'] as const;
export type LogFormat = (typeof logFormats)[number];
export const isLogFormat = (value: string): value is LogFormat =>
  (logFormats as readonly string[]).includes(value);

/** One row of a log: an activity of a case, when, by whom, with the columns the mapping reads. */
export interface LogRow {
  /** The row's line number in the source file (the header is line 1). */
  line: number;
  caseId: string;
  activity: string;
  /** ISO-8601 instant. */
  at: string;
  /** Who performed it, as the log names them (lower case), or null. */
  resource: string | null;
  /** The team (BPI 2013 `org:group`, ServiceNow `assignment_group`), or null. */
  team: string | null;
  /**
   * The support line the row happened at where the log says it (BPI 2013's 2nd/3rd line; a row
   * whose organisation names no line keeps the case's line so far), or null.
   */
  supportLine: SupportLevel | null;
}

/** A case of a log: its rows in the order they happened, and what opens it as a ticket. */
export interface LogCase {
  caseId: string;
  rows: LogRow[];
  /** The level the ticket starts at. */
  level: SupportLevel;
  /** A category for the ticket (product, category, or the log's name). */
  category: string;
  /** Who asked (ServiceNow's caller), or null: the import then names the case. */
  requester: string | null;
  /** When the ticket was opened (ServiceNow's `opened_at`; otherwise the first row's instant). */
  openedAt: string;
}

/**
 * What an activity asks of the ticket, in the product's words (docs/import.md). The replay turns
 * each into the commands the ticket machine decides, from the ticket's state at that moment.
 */
export type Step =
  /** An agent takes it in charge: reopened if it was resolved, claimed or assigned to them, started. */
  | { kind: 'take'; agent: string }
  /** Put into an agent's hands (not started). */
  | { kind: 'assign'; agent: string }
  /** Back to its level's queue. */
  | { kind: 'release' }
  | { kind: 'hold'; agent: string }
  | { kind: 'resolve'; agent: string }
  | { kind: 'close'; reason: 'resolved' | 'withdrawn' }
  /** To a level, or one level up (`up`, at most 3). */
  | { kind: 'relevel'; to: SupportLevel | 'up'; agent: string }
  | { kind: 'note'; agent: string; body: string };

/** A log's reading and mapping: its cases from the CSV records, and each row's steps. */
export interface LogMapping {
  format: LogFormat;
  casesOf(records: readonly CsvRecord[]): LogCase[];
  /** The steps one row stands for, given the case's previous row (null for its first). */
  stepsOf(row: LogRow, previous: LogRow | null): Step[];
}

/** A CSV record with the line it ends on. */
export interface CsvRecord {
  line: number;
  fields: Record<string, string>;
}
