export {
  importLog,
  importedTicketId,
  mappings,
  type ImportOptions,
  type ImportSummary,
} from './run.ts';
export { formatConformance, type ConformanceReport } from './conformance.ts';
export { readSourceLog, type SourceLog } from './csv.ts';
export { replayCase, type CaseReplay, type Refusal } from './replay.ts';
export { logFormats, isLogFormat, type LogFormat, type LogCase, type LogRow } from './types.ts';
