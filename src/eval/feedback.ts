import type { LocalClassifier, TrainingRow } from '../llm/local/index.ts';
import type { EvalRow } from './run.ts';

/** One stretch of the replayed tickets. */
export interface FeedbackChunk {
  /** Index of its first and one past its last ticket. */
  from: number;
  to: number;
  /** Accuracy of the model trained on the training rows alone. */
  accuracyBase: number;
  /** Accuracy of the model retrained with the agents' labels of all earlier chunks. */
  accuracyWithCorrections: number;
  /** Labels learnt from this chunk (its corrections, or every ticket agents handled). */
  corrections: number;
}

export interface FeedbackResult {
  chunks: FeedbackChunk[];
  accuracyBase: number;
  accuracyWithCorrections: number;
}

/**
 * Replays tickets in their order as a help desk would live through them: the model classifies a
 * stretch of tickets; agents re-level the misclassified ones that reach them (everything that was
 * not answered automatically; a wrong automatic answer is assumed to go unnoticed); before the
 * next stretch the model is retrained with those corrections (`trainFromRows` with `extraRows`,
 * what `npm run train -- --from-events` does). Measures what learning from the product's own
 * history buys, against the same model never retrained.
 */
export function replayWithCorrections(
  trainRows: TrainingRow[],
  rows: EvalRow[],
  options: {
    chunks: number;
    threshold: number;
    /**
     * What agents' work teaches: 'corrections' = only the tickets they re-levelled; 'handled' =
     * every ticket that reached them, at the level they settled it at (a resolution confirms it).
     */
    learnFrom?: 'corrections' | 'handled' | undefined;
    /** Trains a classifier on the rows plus corrections (the product's retraining). */
    train: (rows: TrainingRow[], corrections: TrainingRow[]) => LocalClassifier;
  },
): FeedbackResult {
  const n = rows.length;
  const size = Math.ceil(n / Math.max(1, options.chunks));
  const base = options.train(trainRows, []);
  const corrections: TrainingRow[] = [];
  const chunks: FeedbackChunk[] = [];
  let rightBase = 0;
  let rightFed = 0;
  let model = base;
  for (let from = 0; from < n; from += size) {
    const to = Math.min(n, from + size);
    if (from > 0 && corrections.length > 0) model = options.train(trainRows, corrections);
    let baseRight = 0;
    let fedRight = 0;
    let added = 0;
    for (const row of rows.slice(from, to)) {
      const p = model.predict(row.subject, row.description);
      // Until the first retraining both models are one.
      const fromBase = model === base ? p : base.predict(row.subject, row.description);
      if (fromBase.level === row.level) baseRight++;
      const right = p.level === row.level;
      if (right) fedRight++;
      const autoAnswered = p.level === 1 && p.confidence >= options.threshold;
      const learn = options.learnFrom === 'handled' ? !autoAnswered : !autoAnswered && !right;
      if (learn) {
        corrections.push({ subject: row.subject, description: row.description, level: row.level });
        added++;
      }
    }
    rightBase += baseRight;
    rightFed += fedRight;
    chunks.push({
      from,
      to,
      accuracyBase: baseRight / (to - from),
      accuracyWithCorrections: fedRight / (to - from),
      corrections: added,
    });
  }
  return {
    chunks,
    accuracyBase: n === 0 ? 0 : rightBase / n,
    accuracyWithCorrections: n === 0 ? 0 : rightFed / n,
  };
}
