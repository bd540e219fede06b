import type { SparseVector } from './vectorizer.ts';

/**
 * Multinomial naive Bayes over fine-grained labels (e.g. the assignment group or the category
 * within a level), summed up to level probabilities. Fine labels separate what one level lumps
 * together; the stacking layer weighs this against the logistic regression.
 */
export interface NaiveBayesModel {
  /** Level (0-based) of each fine label. */
  labelLevel: number[];
  logPrior: Float32Array;
  /** logTheta[f * labels + c] */
  logTheta: Float32Array;
}

export function trainNaiveBayes(
  xs: SparseVector[],
  fine: number[],
  labelLevel: number[],
  dimension: number,
  alpha: number,
): NaiveBayesModel {
  const C = labelLevel.length;
  const counts = new Float64Array(dimension * C);
  const totals = new Float64Array(C);
  const docs = new Float64Array(C);
  xs.forEach((x, i) => {
    const c = fine[i]!;
    docs[c]!++;
    for (let j = 0; j < x.idx.length; j++) {
      counts[x.idx[j]! * C + c]! += x.val[j]!;
      totals[c]! += x.val[j]!;
    }
  });
  const logTheta = new Float32Array(dimension * C);
  for (let f = 0; f < dimension; f++) {
    for (let c = 0; c < C; c++) {
      logTheta[f * C + c] = Math.log(
        (counts[f * C + c]! + alpha) / (totals[c]! + alpha * dimension),
      );
    }
  }
  const n = xs.length;
  const logPrior = Float32Array.from(docs, (d) => Math.log((d + 1) / (n + C)));
  return { labelLevel, logPrior, logTheta };
}

/** Level probabilities (3) from the fine-label posterior. */
export function naiveBayesLevels(model: NaiveBayesModel, x: SparseVector): number[] {
  const C = model.labelLevel.length;
  const scores = Float64Array.from(model.logPrior);
  for (let j = 0; j < x.idx.length; j++) {
    const base = x.idx[j]! * C;
    const v = x.val[j]!;
    for (let c = 0; c < C; c++) scores[c]! += model.logTheta[base + c]! * v;
  }
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  const levels = [0, 0, 0];
  let z = 0;
  for (let c = 0; c < C; c++) {
    const e = Math.exp(scores[c]! - max);
    levels[model.labelLevel[c]!]! += e;
    z += e;
  }
  return levels.map((l) => l / z);
}
