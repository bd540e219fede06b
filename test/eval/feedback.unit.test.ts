import { describe, expect, it } from 'vitest';
import { replayWithCorrections } from '../../src/eval/feedback.ts';
import type { EvalRow } from '../../src/eval/run.ts';
import { LocalClassifier, trainFromRows } from '../../src/llm/local/index.ts';
import { toyRows } from '../llm/local/fixtures.ts';

const train = (rows: Parameters<typeof trainFromRows>[0], corrections: typeof rows) =>
  corrections.length === 0
    ? LocalClassifier.train(rows, { folds: 3 })
    : trainFromRows(rows, { folds: 3, extraRows: corrections, extraWeight: 2 });

describe('replaying tickets with the agents’ corrections fed back', () => {
  it('learns a recurring ticket the model got wrong once an agent re-levelled it', () => {
    // The toy model calls this a business-application problem (level 2); here it is a how-to.
    const macro: EvalRow = { description: 'quarterly planning workbook macro broken', level: 1 };
    const result = replayWithCorrections(toyRows(), [macro, macro, macro, macro], {
      chunks: 2,
      threshold: 0.7,
      train,
    });
    expect(result.chunks).toMatchObject([
      { from: 0, to: 2, accuracyBase: 0, accuracyWithCorrections: 0, corrections: 2 },
      { from: 2, to: 4, accuracyBase: 0, accuracyWithCorrections: 1, corrections: 0 },
    ]);
    expect(result.accuracyBase).toBe(0);
    expect(result.accuracyWithCorrections).toBe(0.5);
  });

  it('takes no correction from a wrong automatic answer, which no agent saw', () => {
    const printer: EvalRow = { description: 'printer not printing', level: 3 };
    const result = replayWithCorrections(toyRows(), [printer, printer], {
      chunks: 2,
      threshold: 0.7,
      train,
    });
    expect(result.chunks.map((c) => c.corrections)).toEqual([0, 0]);
    expect(result.accuracyWithCorrections).toBe(0);
  });

  it('learns from every ticket agents handled, not only the corrected ones, when asked', () => {
    const printer: EvalRow = { description: 'printer not printing', level: 3 };
    const macro: EvalRow = { description: 'quarterly planning workbook macro broken', level: 2 };
    const result = replayWithCorrections(toyRows(), [macro, printer, macro, printer], {
      chunks: 2,
      threshold: 0.7,
      learnFrom: 'handled',
      train,
    });
    // The macro ticket reaches an agent (level 2, right): a confirmed label; the printer ticket
    // is answered automatically and teaches nothing.
    expect(result.chunks.map((c) => c.corrections)).toEqual([1, 1]);
    expect(result.accuracyWithCorrections).toBe(0.5);
  });
});
