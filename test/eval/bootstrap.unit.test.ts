import { describe, expect, it } from 'vitest';
import { bootstrapIntervals, percentileInterval } from '../../src/eval/bootstrap.ts';
import { classificationReport } from '../../src/eval/metrics.ts';
import { rng } from '../../src/eval/rng.ts';

/** n tickets, each right with probability `rate`, in clusters of `size` whose members share the outcome. */
function clustered(n: number, size: number, rate: number, seed = 7) {
  const random = rng(seed);
  const reference: number[] = [];
  const predicted: number[] = [];
  const keys: string[] = [];
  for (let i = 0; i < n; i += size) {
    const right = random.next() < rate;
    const level = 1 + Math.floor(random.next() * 3);
    for (let j = 0; j < size && i + j < n; j++) {
      reference.push(level);
      predicted.push(right ? level : (level % 3) + 1);
      keys.push(`c${i}`);
    }
  }
  return { reference, predicted, confidence: reference.map(() => 0.9), keys };
}

describe('bootstrap intervals over clusters of near-identical tickets', () => {
  it('contain the figure measured on the whole set', () => {
    const d = clustered(600, 1, 0.8);
    const ci = bootstrapIntervals(d.reference, d.predicted, d.confidence, 0.7, d.keys, {
      samples: 400,
    });
    const accuracy = classificationReport(d.reference, d.predicted).accuracy;
    expect(ci.accuracy.low).toBeLessThan(accuracy);
    expect(ci.accuracy.high).toBeGreaterThan(accuracy);
    expect(ci.accuracy.high - ci.accuracy.low).toBeGreaterThan(0.03);
    expect(ci.accuracy.high - ci.accuracy.low).toBeLessThan(0.1);
    expect(ci.clusters).toBe(600);
  });

  it('are wider when errors come in clusters than for as many independent tickets', () => {
    const single = clustered(600, 1, 0.8);
    const grouped = clustered(600, 20, 0.8);
    const width = (d: ReturnType<typeof clustered>, keys: string[]) => {
      const ci = bootstrapIntervals(d.reference, d.predicted, d.confidence, 0.7, keys, {
        samples: 400,
      }).accuracy;
      return ci.high - ci.low;
    };
    // Resampling tickets one by one would pretend the 600 grouped tickets were independent.
    const oneByOne = grouped.keys.map((_, i) => `t${i}`);
    expect(width(grouped, grouped.keys)).toBeGreaterThan(2 * width(grouped, oneByOne));
    expect(width(single, single.keys)).toBeLessThan(width(grouped, grouped.keys));
  });

  it('have no width when every resample gives the same figure', () => {
    const ci = bootstrapIntervals([1, 2, 3, 1], [1, 2, 3, 1], [0.9, 0.9, 0.9, 0.9], 0.7, [
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(ci.accuracy).toEqual({ low: 1, high: 1 });
    expect(ci.autoAnswerPrecision).toEqual({ low: 1, high: 1 });
  });

  it('are the same for the same seed and differ for another', () => {
    const d = clustered(300, 3, 0.7);
    const a = bootstrapIntervals(d.reference, d.predicted, d.confidence, 0.7, d.keys, { seed: 1 });
    const b = bootstrapIntervals(d.reference, d.predicted, d.confidence, 0.7, d.keys, { seed: 1 });
    const c = bootstrapIntervals(d.reference, d.predicted, d.confidence, 0.7, d.keys, { seed: 2 });
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('take nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileInterval(values, 0.9)).toEqual({ low: 5, high: 95 });
    expect(percentileInterval([], 0.95)).toEqual({ low: 0, high: 0 });
  });
});
