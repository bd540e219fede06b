import type { SparseVector } from './vectorizer.ts';

/** Minimises a smooth function with L-BFGS and a backtracking (Armijo) line search. */
export function lbfgs(
  f: (x: Float64Array, grad: Float64Array) => number,
  x0: Float64Array,
  options: { maxIter?: number; memory?: number; tol?: number } = {},
): { x: Float64Array; loss: number; iterations: number } {
  const maxIter = options.maxIter ?? 200;
  const m = options.memory ?? 10;
  const tol = options.tol ?? 1e-6;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let loss = f(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const alpha = new Array<number>(m).fill(0);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    // Two-loop recursion: d = -H g.
    d.set(g);
    for (let k = S.length - 1; k >= 0; k--) {
      const a = rho[k]! * dotDense(S[k]!, d);
      alpha[k] = a;
      axpy(-a, Y[k]!, d);
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dotDense(S[last]!, Y[last]!) / dotDense(Y[last]!, Y[last]!);
      for (let i = 0; i < n; i++) d[i]! *= gamma;
    } else {
      const gn = Math.sqrt(dotDense(g, g)) || 1;
      for (let i = 0; i < n; i++) d[i]! /= gn;
    }
    for (let k = 0; k < S.length; k++) {
      const b = rho[k]! * dotDense(Y[k]!, d);
      axpy(alpha[k]! - b, S[k]!, d);
    }
    for (let i = 0; i < n; i++) d[i] = -d[i]!;
    let slope = dotDense(g, d);
    if (slope >= 0) {
      // Not a descent direction: restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      const gn = Math.sqrt(dotDense(g, g)) || 1;
      for (let i = 0; i < n; i++) d[i] = -g[i]! / gn;
      slope = dotDense(g, d);
    }
    let step = 1;
    const xNew = new Float64Array(n);
    const gNew = new Float64Array(n);
    let lossNew = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!;
      lossNew = f(xNew, gNew);
      if (lossNew <= loss + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(lossNew < loss)) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dotDense(s, y);
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const improvement = (loss - lossNew) / Math.max(1, Math.abs(loss));
    x = xNew;
    g = gNew;
    loss = lossNew;
    if (improvement < tol) break;
  }
  return { x, loss, iterations: iter };
}

function dotDense(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += a * x[i]!;
}

export interface LogisticModel {
  classes: number;
  dimension: number;
  /** weights[f * classes + k] */
  weights: Float32Array;
  bias: Float32Array;
}

export interface LogisticOptions {
  /** L2 penalty on the weights (the mean log-loss is penalised by l2/2 * |W|^2). */
  l2: number;
  maxIter: number;
  /** Weight every class so that all classes count equally. */
  balanced: boolean;
}

/** Multinomial logistic regression on sparse inputs, fitted with L-BFGS. */
export function trainLogistic(
  xs: SparseVector[],
  ys: number[],
  classes: number,
  dimension: number,
  options: LogisticOptions,
): LogisticModel {
  const K = classes;
  const n = xs.length;
  const sampleWeight = new Float64Array(n).fill(1);
  if (options.balanced) {
    const counts = new Array<number>(K).fill(0);
    for (const y of ys) counts[y]!++;
    for (let i = 0; i < n; i++) sampleWeight[i] = n / (K * Math.max(1, counts[ys[i]!]!));
  }
  let totalWeight = 0;
  for (const w of sampleWeight) totalWeight += w;
  // Compressed sparse rows: one pass over contiguous arrays per evaluation.
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + xs[i]!.idx.length;
  const cols = new Int32Array(offsets[n]!);
  const vals = new Float64Array(offsets[n]!);
  for (let i = 0; i < n; i++) {
    cols.set(xs[i]!.idx, offsets[i]!);
    vals.set(xs[i]!.val, offsets[i]!);
    // Pre-multiplied by K so the inner loops index weights directly.
    for (let j = offsets[i]!; j < offsets[i + 1]!; j++) cols[j] = cols[j]! * K;
  }
  const rowWeight = Float64Array.from(sampleWeight, (w) => w / totalWeight);
  const bOff = dimension * K;
  const logits = new Float64Array(K);
  // Single-precision copies halve the memory traffic of the random feature accesses.
  const th = new Float32Array(bOff + K);
  const gr = new Float32Array(bOff + K);
  const objective = (theta64: Float64Array, grad: Float64Array): number => {
    th.set(theta64);
    gr.fill(0);
    const theta = th;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const start = offsets[i]!;
      const end = offsets[i + 1]!;
      for (let k = 0; k < K; k++) logits[k] = theta[bOff + k]!;
      for (let j = start; j < end; j++) {
        const base = cols[j]!;
        const v = vals[j]!;
        for (let k = 0; k < K; k++) logits[k]! += theta[base + k]! * v;
      }
      let max = -Infinity;
      for (let k = 0; k < K; k++) if (logits[k]! > max) max = logits[k]!;
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(logits[k]! - max);
      const lse = max + Math.log(z);
      const w = rowWeight[i]!;
      const y = ys[i]!;
      loss += w * (lse - logits[y]!);
      for (let k = 0; k < K; k++) {
        const r = w * (Math.exp(logits[k]! - lse) - (k === y ? 1 : 0));
        logits[k] = r;
        gr[bOff + k]! += r;
      }
      for (let j = start; j < end; j++) {
        const base = cols[j]!;
        const v = vals[j]!;
        for (let k = 0; k < K; k++) gr[base + k]! += logits[k]! * v;
      }
    }
    grad.set(gr);
    let reg = 0;
    const l2 = options.l2;
    for (let i = 0; i < bOff; i++) {
      const t = theta64[i]!;
      reg += t * t;
      grad[i]! += l2 * t;
    }
    return loss + 0.5 * l2 * reg;
  };
  const { x } = lbfgs(objective, new Float64Array(bOff + K), { maxIter: options.maxIter });
  return {
    classes: K,
    dimension,
    weights: Float32Array.from(x.subarray(0, bOff)),
    bias: Float32Array.from(x.subarray(bOff)),
  };
}

export function logisticLogits(model: LogisticModel, x: SparseVector): Float64Array {
  const K = model.classes;
  const out = new Float64Array(K);
  for (let k = 0; k < K; k++) out[k] = model.bias[k]!;
  for (let j = 0; j < x.idx.length; j++) {
    const base = x.idx[j]! * K;
    const v = x.val[j]!;
    for (let k = 0; k < K; k++) out[k]! += model.weights[base + k]! * v;
  }
  return out;
}

export function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  let max = -Infinity;
  for (let k = 0; k < logits.length; k++) max = Math.max(max, logits[k]! / temperature);
  const e = Array.from(logits, (l) => Math.exp(l / temperature - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** Dense multinomial logistic regression for small feature sets (the stacking layer). */
export function trainDenseLogistic(
  xs: number[][],
  ys: number[],
  classes: number,
  l2: number,
  balanced = false,
): { weights: number[][]; bias: number[] } {
  const sparse = xs.map((row) => ({
    idx: Int32Array.from(row.map((_, i) => i)),
    val: Float32Array.from(row),
  }));
  const dim = xs[0]?.length ?? 0;
  const m = trainLogistic(sparse, ys, classes, dim, { l2, maxIter: 500, balanced });
  const weights = Array.from({ length: classes }, (_, k) =>
    Array.from({ length: dim }, (_, f) => m.weights[f * classes + k]!),
  );
  return { weights, bias: Array.from(m.bias) };
}

export function denseLogits(model: { weights: number[][]; bias: number[] }, x: number[]): number[] {
  return model.bias.map((b, k) => x.reduce((s, v, f) => s + v * model.weights[k]![f]!, b));
}
