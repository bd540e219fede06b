import { autoAnswerAt, classificationReport } from './metrics.ts';
import { rng } from './rng.ts';

export interface Interval {
  low: number;
  high: number;
}

/** 95 % intervals of the headline figures, from resampling clusters of tickets with the same text. */
export interface BootstrapIntervals {
  samples: number;
  /** Distinct clusters resampled (tickets with the same normalised text form one). */
  clusters: number;
  accuracy: Interval;
  macroF1: Interval;
  binaryAccuracy: Interval;
  autoAnswerPrecision: Interval;
  autoAnswerCoverage: Interval;
}

export interface BootstrapOptions {
  samples?: number | undefined;
  seed?: number | undefined;
}

/**
 * Percentile-bootstrap intervals that resample whole clusters: help-desk data repeats templated
 * tickets (job-failure alerts, "password reset"), and their errors move together, so resampling
 * single tickets would understate the uncertainty. `clusterKeys[i]` names ticket i's cluster.
 */
export function bootstrapIntervals(
  reference: number[],
  predicted: number[],
  confidence: number[],
  threshold: number,
  clusterKeys: string[],
  options: BootstrapOptions = {},
): BootstrapIntervals {
  const samples = options.samples ?? 1000;
  const random = rng(options.seed ?? 1);
  const members = new Map<string, number[]>();
  clusterKeys.forEach((key, i) => {
    const list = members.get(key);
    if (list) list.push(i);
    else members.set(key, [i]);
  });
  const clusters = [...members.values()];
  const figures = {
    accuracy: [] as number[],
    macroF1: [] as number[],
    binaryAccuracy: [] as number[],
    autoAnswerPrecision: [] as number[],
    autoAnswerCoverage: [] as number[],
  };
  for (let s = 0; s < samples; s++) {
    const ref: number[] = [];
    const pred: number[] = [];
    const conf: number[] = [];
    for (let c = 0; c < clusters.length; c++) {
      for (const i of clusters[Math.floor(random.next() * clusters.length)]!) {
        ref.push(reference[i]!);
        pred.push(predicted[i]!);
        conf.push(confidence[i]!);
      }
    }
    const report = classificationReport(ref, pred);
    const answer = autoAnswerAt(ref, pred, conf, threshold);
    figures.accuracy.push(report.accuracy);
    figures.macroF1.push(report.macroF1);
    figures.binaryAccuracy.push(report.binaryAccuracy);
    // A resample in which nothing is answered says nothing about the answers' precision.
    if (answer.answered > 0) figures.autoAnswerPrecision.push(answer.precision);
    figures.autoAnswerCoverage.push(answer.coverage);
  }
  const ci = (values: number[]) => percentileInterval(values, 0.95);
  return {
    samples,
    clusters: clusters.length,
    accuracy: ci(figures.accuracy),
    macroF1: ci(figures.macroF1),
    binaryAccuracy: ci(figures.binaryAccuracy),
    autoAnswerPrecision: ci(figures.autoAnswerPrecision),
    autoAnswerCoverage: ci(figures.autoAnswerCoverage),
  };
}

/** The central `level` share of `values` (nearest-rank percentiles). */
export function percentileInterval(values: number[], level: number): Interval {
  if (values.length === 0) return { low: 0, high: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const tail = (1 - level) / 2;
  return { low: at(tail), high: at(1 - tail) };
}
