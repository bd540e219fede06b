/** Order statistics of repeated measurements (linear interpolation between closest ranks). */
export interface Summary {
  n: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p95: number;
  p99: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (sorted.length === 1) return sorted[0]!;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n ? sorted.reduce((a, b) => a + b, 0) / n : Number.NaN;
  return {
    n,
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
    mean,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/**
 * For throughput (higher is better) the "p95"/"p99" of repeated runs are the low tail:
 * the rate that 95 % / 99 % of the runs reached or beat.
 */
export function summarizeRate(samples: readonly number[]): Summary {
  const s = summarize(samples);
  const sorted = [...samples].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return { ...s, p95: percentile(sorted, 5), p99: percentile(sorted, 1) };
}

export const round = (x: number, digits = 3): number => {
  if (!Number.isFinite(x)) return x;
  const abs = Math.abs(x);
  const d = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 1 ? Math.max(0, digits - 1) : digits + 1;
  const f = 10 ** d;
  return Math.round(x * f) / f;
};

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
