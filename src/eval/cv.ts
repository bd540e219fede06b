import {
  LocalClassifier,
  defaultTrainOptions,
  hashFold,
  ticketKey,
  type TrainOptions,
  type TrainingRow,
} from '../llm/local/index.ts';
import {
  autoAnswerAt,
  coverageAt95,
  classificationReport,
  type AutoAnswerPoint,
  type ClassificationReport,
} from './metrics.ts';

export interface CrossValidationResult {
  folds: number;
  n: number;
  report: ClassificationReport;
  threshold: number;
  autoAnswer: AutoAnswerPoint;
  /** The largest level-1 coverage with at least 95 % auto-answer precision (threshold step 0.001). */
  at95: AutoAnswerPoint | undefined;
  /** CPU seconds to train each fold's model. */
  trainCpuSeconds: number[];
  /** Mean CPU milliseconds to classify one held-out ticket. */
  classifyCpuMs: number;
}

/**
 * The outer fold of a ticket: a hash of its text (so verbatim copies stay together, as in the
 * data sets' own split), salted so that it is independent of the classifier's inner folds (another
 * salt gives another split, to see how much a difference depends on the split).
 */
export function outerFold(row: TrainingRow, folds: number, salt = 'outer'): number {
  return hashFold(`${salt}:${ticketKey(row)}`, folds);
}

/**
 * K-fold cross-validation of the whole training pipeline: each fold's model is trained on the
 * other folds (with its own inner folds, stacking and calibration) and classifies the held-out
 * fold; the figures are pooled over all tickets. Use it to choose options on training data only.
 */
export function crossValidate(
  rows: TrainingRow[],
  options: Partial<TrainOptions> = {},
  {
    folds = 4,
    threshold = 0.7,
    salt = 'outer',
    log,
  }: { folds?: number; threshold?: number; salt?: string; log?: (m: string) => void } = {},
): CrossValidationResult {
  const reference: number[] = [];
  const predicted: number[] = [];
  const confidence: number[] = [];
  const trainCpuSeconds: number[] = [];
  let classifyCpu = 0;
  const fold = rows.map((r) => outerFold(r, folds, salt));
  for (let f = 0; f < folds; f++) {
    const train = rows.filter((_, i) => fold[i] !== f);
    const held = rows.filter((_, i) => fold[i] === f);
    const cpu = process.cpuUsage();
    const clf = LocalClassifier.train(train, {
      ...defaultTrainOptions,
      ...options,
      log: undefined,
    });
    const used = process.cpuUsage(cpu);
    trainCpuSeconds.push((used.user + used.system) / 1e6);
    const start = process.cpuUsage();
    for (const r of held) {
      const p = clf.predict(r.subject, r.description);
      reference.push(r.level);
      predicted.push(p.level);
      confidence.push(p.confidence);
    }
    const c = process.cpuUsage(start);
    classifyCpu += (c.user + c.system) / 1e3;
    log?.(
      `fold ${f + 1}/${folds}: trained on ${train.length}, tested on ${held.length}, ` +
        `${trainCpuSeconds[f]!.toFixed(1)} s CPU`,
    );
  }
  return {
    folds,
    n: rows.length,
    report: classificationReport(reference, predicted),
    threshold,
    autoAnswer: autoAnswerAt(reference, predicted, confidence, threshold),
    at95: coverageAt95(reference, predicted, confidence),
    trainCpuSeconds,
    classifyCpuMs: classifyCpu / Math.max(1, rows.length),
  };
}

/** One line of figures, as in the "what was tried" table of docs/local-model.md. */
export function formatCrossValidation(r: CrossValidationResult): string {
  const m = r.report;
  const at95 = r.at95
    ? `${r.at95.coverage.toFixed(3)} (${r.at95.threshold.toFixed(3)})`
    : 'not reached';
  const cpu = r.trainCpuSeconds.reduce((a, b) => a + b, 0) / Math.max(1, r.trainCpuSeconds.length);
  return (
    `${r.folds}-fold CV on ${r.n} tickets: accuracy ${m.accuracy.toFixed(3)}, macro-F1 ${m.macroF1.toFixed(3)}, ` +
    `L1-vs-escalate ${m.binaryAccuracy.toFixed(3)}, at ${r.threshold}: precision ${r.autoAnswer.precision.toFixed(3)} / ` +
    `coverage ${r.autoAnswer.coverage.toFixed(3)}, C@95 ${at95}; ` +
    `${cpu.toFixed(1)} s CPU per fold, ${r.classifyCpuMs.toFixed(2)} ms CPU per ticket`
  );
}
