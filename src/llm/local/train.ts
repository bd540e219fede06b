import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LocalClassifier } from './classifier.ts';
import {
  defaultTrainOptions,
  type Level,
  type TrainOptions,
  type TrainingRow,
} from './trainingInput.ts';

/** A row of a JSONL training file: `{subject?, body | description, level, category?, group?}`. */
export interface RawTrainingRow {
  subject?: unknown;
  body?: unknown;
  description?: unknown;
  level?: unknown;
  category?: unknown;
  group?: unknown;
}

/** Validates and converts one raw row; returns undefined for rows that cannot be used. */
export function toTrainingRow(raw: RawTrainingRow): TrainingRow | undefined {
  const description =
    typeof raw.description === 'string'
      ? raw.description
      : typeof raw.body === 'string'
        ? raw.body
        : '';
  const subject = typeof raw.subject === 'string' ? raw.subject : undefined;
  const level = Number(raw.level);
  if (![1, 2, 3].includes(level) || (description.trim() === '' && !subject?.trim()))
    return undefined;
  return {
    subject,
    description,
    level: level as Level,
    category:
      typeof raw.category === 'string' && raw.category.trim() ? raw.category.trim() : undefined,
    group: typeof raw.group === 'string' && raw.group.trim() ? raw.group.trim() : undefined,
  };
}

/** Reads a JSON Lines file of tickets; blank lines are skipped, bad rows are counted. */
export function readTrainingFile(path: string): { rows: TrainingRow[]; skipped: number } {
  const rows: TrainingRow[] = [];
  let skipped = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = toTrainingRow(JSON.parse(line) as RawTrainingRow);
    if (row) rows.push(row);
    else skipped++;
  }
  return { rows, skipped };
}

export interface TrainFromRowsOptions extends Partial<TrainOptions> {
  /**
   * Extra labelled rows, e.g. tickets whose level an agent corrected (the event log's
   * re-levelling is ground truth). They are added to `rows`; with the same text, the last row
   * wins, so a correction replaces the original label.
   */
  extraRows?: TrainingRow[] | undefined;
  /** How many times each extra row counts (default 1). */
  extraWeight?: number | undefined;
  /** Where to write the model file; not written when absent. */
  out?: string | undefined;
}

/**
 * Trains the local classifier from rows in memory. The workflow uses this to retrain from the
 * event log: pass the seed rows as `rows` and the agents' corrections as `extraRows`.
 */
export function trainFromRows(
  rows: TrainingRow[],
  options: TrainFromRowsOptions = {},
): LocalClassifier {
  const { extraRows = [], extraWeight = 1, out, ...trainOptions } = options;
  const key = (r: TrainingRow) => `${r.subject ?? ''}\u0000${r.description}`.trim().toLowerCase();
  // A correction replaces every base row with the same text; base duplicates are kept (templated
  // tickets recur, and how often they recur is signal).
  const corrected = new Set(extraRows.map(key));
  const merged = rows.filter((r) => !corrected.has(key(r)));
  for (const r of extraRows) {
    for (let i = 0; i < Math.max(1, Math.round(extraWeight)); i++) merged.push(r);
  }
  const classifier = LocalClassifier.train(merged, { ...defaultTrainOptions, ...trainOptions });
  if (out) saveClassifier(classifier, out);
  return classifier;
}

export function saveClassifier(classifier: LocalClassifier, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(classifier.file)}\n`);
}
