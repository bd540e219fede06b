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

/**
 * Complement naive Bayes (Rennie et al. 2003) over the same fine labels: each label is scored by
 * how unlike the other labels' text the ticket is, with weight normalisation. It copes with the
 * skewed label sizes of help-desk data better than multinomial naive Bayes. Returned per level:
 * the best fine label's score minus the overall best (0 for the winning level, negative otherwise).
 */
export interface ComplementNbModel {
  labelLevel: number[];
  /** weights[f * labels + c], normalised per label. */
  weights: Float32Array;
}

export function trainComplementNb(
  xs: SparseVector[],
  fine: number[],
  labelLevel: number[],
  dimension: number,
  alpha: number,
): ComplementNbModel {
  const C = labelLevel.length;
  const counts = new Float64Array(dimension * C);
  const all = new Float64Array(dimension);
  xs.forEach((x, i) => {
    const c = fine[i]!;
    for (let j = 0; j < x.idx.length; j++) {
      counts[x.idx[j]! * C + c]! += x.val[j]!;
      all[x.idx[j]!]! += x.val[j]!;
    }
  });
  let total = 0;
  for (const v of all) total += v;
  const classTotal = new Float64Array(C);
  for (let f = 0; f < dimension; f++)
    for (let c = 0; c < C; c++) classTotal[c]! += counts[f * C + c]!;
  const weights = new Float32Array(dimension * C);
  const norm = new Float64Array(C);
  for (let f = 0; f < dimension; f++) {
    for (let c = 0; c < C; c++) {
      const comp = all[f]! - counts[f * C + c]! + alpha;
      const w = Math.log(comp / (total - classTotal[c]! + alpha * dimension));
      weights[f * C + c] = w;
      norm[c]! += Math.abs(w);
    }
  }
  for (let f = 0; f < dimension; f++)
    for (let c = 0; c < C; c++) weights[f * C + c] = weights[f * C + c]! / (norm[c]! || 1);
  return { labelLevel, weights };
}

export function complementNbLevels(model: ComplementNbModel, x: SparseVector): number[] {
  const C = model.labelLevel.length;
  const scores = new Float64Array(C);
  for (let j = 0; j < x.idx.length; j++) {
    const base = x.idx[j]! * C;
    const v = x.val[j]!;
    for (let c = 0; c < C; c++) scores[c]! -= model.weights[base + c]! * v;
  }
  const best = [-Infinity, -Infinity, -Infinity];
  let top = -Infinity;
  for (let c = 0; c < C; c++) {
    const l = model.labelLevel[c]!;
    best[l] = Math.max(best[l]!, scores[c]!);
    top = Math.max(top, scores[c]!);
  }
  // Scores are tiny (weights are normalised per label): scale them to the order of log-odds.
  return best.map((b) => (Number.isFinite(b) ? (b - top) * 1e5 : -10));
}
