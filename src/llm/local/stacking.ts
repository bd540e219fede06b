import type { Neighbour } from './knn.ts';
import { logisticLogits, softmax, type LogisticModel } from './logreg.ts';
import type { SparseVector } from './vectorizer.ts';

/**
 * The stacking layer's inputs: the linear head's log-probabilities and, per level, a
 * similarity-weighted vote of the nearest training tickets and the best similarity; then the
 * optional heads' scores and the ticket's structure features.
 */
export function stackFeatures(
  linearProbs: number[],
  neighbours: Neighbour[],
  labelOf: (doc: number) => number,
  naiveBayesProbs?: number[],
  complementScores?: number[],
  fineProbs?: number[],
  structure?: number[],
): number[] {
  const vote = [0, 0, 0];
  const best = [0, 0, 0];
  let total = 0;
  for (const n of neighbours) {
    const y = labelOf(n.doc);
    const w = n.similarity ** 4;
    vote[y]! += w;
    total += w;
    best[y] = Math.max(best[y]!, n.similarity);
  }
  const feats: number[] = linearProbs.map((p) => Math.log(Math.max(p, 1e-6)));
  for (let k = 0; k < 3; k++) feats.push(total > 0 ? vote[k]! / total : 1 / 3);
  for (let k = 0; k < 3; k++) feats.push(best[k]!);
  for (let k = 0; k < 3; k++) feats.push(best[k]! ** 8);
  if (naiveBayesProbs) for (const p of naiveBayesProbs) feats.push(Math.log(Math.max(p, 1e-6)));
  if (complementScores) for (const v of complementScores) feats.push(Math.max(v, -10));
  if (fineProbs) for (const p of fineProbs) feats.push(Math.log(Math.max(p, 1e-6)));
  if (structure) feats.push(...structure);
  return feats;
}

/**
 * The lowest threshold whose answered set (threshold <= score < `below`) is at least `precision`
 * right, over at least 20 scores.
 */
export function thresholdForPrecision(
  scores: Array<{ p: number; right: boolean }>,
  precision: number,
  /** Only scores below this count (a band under the automatic-answer threshold). */
  below = Infinity,
): number | undefined {
  const sorted = scores.filter((s) => s.p < below).sort((a, b) => b.p - a.p);
  let right = 0;
  let best: number | undefined;
  sorted.forEach((s, i) => {
    if (s.right) right++;
    const next = sorted[i + 1];
    // Only cut between distinct scores, and ignore the noisy first few.
    if (i >= 19 && (!next || next.p < s.p) && right / (i + 1) >= precision) best = s.p;
  });
  if (best === undefined) return undefined;
  // A band's edge is rounded down, so it keeps its lowest ticket and stays below `below`.
  return (below === Infinity ? Math.round(best * 1000) : Math.floor(best * 1000)) / 1000;
}

/**
 * Isotonic regression (pool adjacent violators) of 0/1 outcomes on scores: a non-decreasing map
 * from score to observed frequency, stored as the blocks' mean scores (x) and frequencies (y).
 */
export function isotonic(scores: number[], outcomes: number[]): { x: number[]; y: number[] } {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const blocks: Array<{ sx: number; sy: number; n: number }> = [];
  for (const i of order) {
    blocks.push({ sx: scores[i]!, sy: outcomes[i]!, n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sy / a.n < b.sy / b.n) break;
      a.sx += b.sx;
      a.sy += b.sy;
      a.n += b.n;
      blocks.pop();
    }
  }
  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  return { x: blocks.map((b) => round(b.sx / b.n)), y: blocks.map((b) => round(b.sy / b.n)) };
}

/** The isotonic map at `score`, linear between block centres and flat beyond the ends. */
export function applyCalibration(c: { x: number[]; y: number[] }, score: number): number {
  const { x, y } = c;
  if (x.length === 0) return score;
  if (score <= x[0]!) return y[0]!;
  if (score >= x[x.length - 1]!) return y[y.length - 1]!;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= score) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span <= 0 ? y[hi]! : y[lo]! + ((score - x[lo]!) / span) * (y[hi]! - y[lo]!);
}

/** The word block of a feature vector (word features come first). */
export function wordPart(x: SparseVector, words: number): SparseVector {
  let n = 0;
  while (n < x.idx.length && x.idx[n]! < words) n++;
  return { idx: x.idx.subarray(0, n), val: x.val.subarray(0, n) };
}

/** A fine-label logistic regression's probabilities, summed per level. */
export function fineLevels(model: LogisticModel, labelLevel: number[], x: SparseVector): number[] {
  const p = softmax(logisticLogits(model, x));
  const levels = [0, 0, 0];
  p.forEach((v, c) => (levels[labelLevel[c]!]! += v));
  return levels;
}

export function averageModels(models: LogisticModel[]): LogisticModel {
  const first = models[0]!;
  const weights = new Float32Array(first.weights.length);
  const bias = new Float32Array(first.bias.length);
  for (const m of models) {
    for (let i = 0; i < weights.length; i++) weights[i]! += m.weights[i]! / models.length;
    for (let i = 0; i < bias.length; i++) bias[i]! += m.bias[i]! / models.length;
  }
  return { classes: first.classes, dimension: first.dimension, weights, bias };
}

export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}
