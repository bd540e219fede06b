/** Classification metrics for support levels 1..3. All fractions are in 0..1. */

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  n: number;
  accuracy: number;
  macroF1: number;
  /** Level 1 against "escalate" (levels 2 and 3 together). */
  binaryAccuracy: number;
  perClass: Record<string, ClassMetrics>;
  /** confusion[i][j] counts reference class i predicted as class j. */
  confusion: number[][];
}

/** Labels are 1-based classes 1..classes. */
export function classificationReport(
  reference: number[],
  predicted: number[],
  classes = 3,
): ClassificationReport {
  if (reference.length !== predicted.length) throw new Error('length mismatch');
  const n = reference.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  let binaryCorrect = 0;
  for (let i = 0; i < n; i++) {
    const r = reference[i]!;
    const p = predicted[i]!;
    confusion[r - 1]![p - 1]!++;
    if (r === p) correct++;
    if ((r === 1) === (p === 1)) binaryCorrect++;
  }
  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  for (let c = 0; c < classes; c++) {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[String(c + 1)] = { precision, recall, f1, support };
    f1Sum += f1;
  }
  return {
    n,
    accuracy: n === 0 ? 0 : correct / n,
    macroF1: f1Sum / classes,
    binaryAccuracy: n === 0 ? 0 : binaryCorrect / n,
    perClass,
    confusion,
  };
}

export interface AutoAnswerPoint {
  threshold: number;
  /** Fraction of auto-answered tickets that are truly level 1 (1 when nothing is answered). */
  precision: number;
  /** Fraction of the truly level-1 tickets that are auto-answered. */
  coverage: number;
  /** Tickets auto-answered. */
  answered: number;
}

/**
 * Auto-answer decision: predicted level 1 with confidence at least `threshold`.
 * `confidence` is the model's confidence in its predicted level.
 */
export function autoAnswerAt(
  reference: number[],
  predicted: number[],
  confidence: number[],
  threshold: number,
): AutoAnswerPoint {
  let answered = 0;
  let right = 0;
  let level1 = 0;
  for (let i = 0; i < reference.length; i++) {
    if (reference[i] === 1) level1++;
    if (predicted[i] === 1 && confidence[i]! >= threshold) {
      answered++;
      if (reference[i] === 1) right++;
    }
  }
  return {
    threshold,
    precision: answered === 0 ? 1 : right / answered,
    coverage: level1 === 0 ? 0 : right / level1,
    answered,
  };
}

/** The auto-answer precision/coverage trade-off over thresholds (default 0.00, 0.01, ..., 1.00). */
export function autoAnswerCurve(
  reference: number[],
  predicted: number[],
  confidence: number[],
  thresholds: number[] = Array.from({ length: 101 }, (_, i) => i / 100),
): AutoAnswerPoint[] {
  return thresholds.map((t) => autoAnswerAt(reference, predicted, confidence, t));
}

/** The largest coverage reached with precision at least `minPrecision`, and its threshold. */
export function coverageAtPrecision(
  curve: AutoAnswerPoint[],
  minPrecision: number,
): AutoAnswerPoint | undefined {
  let best: AutoAnswerPoint | undefined;
  for (const p of curve) {
    if (p.answered > 0 && p.precision >= minPrecision && (!best || p.coverage > best.coverage))
      best = p;
  }
  return best;
}

/** The largest level-1 coverage with at least 95 % auto-answer precision, over thresholds 0.000-1.000. */
export function coverageAt95(
  reference: number[],
  predicted: number[],
  confidence: number[],
): AutoAnswerPoint | undefined {
  const fine = Array.from({ length: 1001 }, (_, i) => i / 1000);
  return coverageAtPrecision(autoAnswerCurve(reference, predicted, confidence, fine), 0.95);
}

/**
 * The best auto-answer precision among thresholds (0.000-1.000) that answer at least
 * `minCoverage` of the level-1 tickets: how right the answers are at a required coverage.
 */
export function precisionAtCoverage(
  reference: number[],
  predicted: number[],
  confidence: number[],
  minCoverage: number,
): AutoAnswerPoint | undefined {
  const fine = Array.from({ length: 1001 }, (_, i) => i / 1000);
  let best: AutoAnswerPoint | undefined;
  for (const p of autoAnswerCurve(reference, predicted, confidence, fine)) {
    if (p.answered > 0 && p.coverage >= minCoverage && (!best || p.precision > best.precision))
      best = p;
  }
  return best;
}
