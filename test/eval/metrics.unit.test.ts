import { describe, expect, it } from 'vitest';
import { keywordLevel } from '../../src/eval/baseline.ts';
import { bootstrapIntervals } from '../../src/eval/bootstrap.ts';
import {
  autoAnswerAt,
  autoAnswerCurve,
  classificationReport,
  coverageAtPrecision,
  precisionAtCoverage,
} from '../../src/eval/metrics.ts';
import { toJsonSummary, type EvalResult } from '../../src/eval/run.ts';
import { precisionCoverageSvg } from '../../src/eval/svg.ts';
import { answerTokens, corpusBleu, rougeL } from '../../src/eval/text.ts';

describe('classificationReport', () => {
  // reference: 1 1 1 2 2 3 ; predicted: 1 1 2 2 3 3
  const ref = [1, 1, 1, 2, 2, 3];
  const pred = [1, 1, 2, 2, 3, 3];
  const r = classificationReport(ref, pred);

  it('counts the confusion matrix by reference row and predicted column', () => {
    expect(r.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('computes accuracy, binary accuracy and per-class figures by hand', () => {
    expect(r.n).toBe(6);
    expect(r.accuracy).toBeCloseTo(4 / 6);
    // level 1 vs escalate: refs 1,1,1,E,E,E ; preds 1,1,E,E,E,E -> 5/6
    expect(r.binaryAccuracy).toBeCloseTo(5 / 6);
    expect(r.perClass['1']).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(r.perClass['2']!.precision).toBeCloseTo(0.5);
    expect(r.perClass['2']!.recall).toBeCloseTo(0.5);
    expect(r.perClass['3']!.precision).toBeCloseTo(0.5);
    expect(r.perClass['3']!.recall).toBe(1);
    expect(r.perClass['3']!.f1).toBeCloseTo(2 / 3);
    expect(r.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3);
  });

  it('scores a class never predicted as 0, not NaN', () => {
    const z = classificationReport([1, 2, 3], [1, 1, 1]);
    expect(z.perClass['2']).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(Number.isNaN(z.macroF1)).toBe(false);
  });
});

describe('auto-answer precision and coverage', () => {
  const ref = [1, 1, 1, 1, 2, 3];
  const pred = [1, 1, 1, 2, 1, 1];
  const conf = [0.95, 0.8, 0.6, 0.9, 0.75, 0.5];

  it('answers predicted level 1 at or above the threshold', () => {
    // answered: 0.95 (L1), 0.8 (L1), 0.75 (L2) -> precision 2/3, coverage 2/4
    expect(autoAnswerAt(ref, pred, conf, 0.7)).toEqual({
      threshold: 0.7,
      precision: 2 / 3,
      coverage: 0.5,
      answered: 3,
    });
    expect(autoAnswerAt(ref, pred, conf, 0.8).precision).toBe(1);
    expect(autoAnswerAt(ref, pred, conf, 0.99)).toMatchObject({
      precision: 1,
      coverage: 0,
      answered: 0,
    });
  });

  it('traces a curve and finds the best coverage at a precision', () => {
    const curve = autoAnswerCurve(ref, pred, conf, [0, 0.5, 0.7, 0.8, 0.9]);
    expect(curve.map((p) => p.answered)).toEqual([5, 5, 3, 2, 1]);
    expect(coverageAtPrecision(curve, 0.95)).toMatchObject({ threshold: 0.8, coverage: 0.5 });
    expect(coverageAtPrecision(curve, 0.5)).toMatchObject({ threshold: 0, coverage: 0.75 });
  });
});

describe('reference-answer metrics', () => {
  it('tokenizes lower-case words', () => {
    expect(answerTokens('Reset the Password, then log in!')).toEqual([
      'reset',
      'the',
      'password',
      'then',
      'log',
      'in',
    ]);
  });

  it('computes ROUGE-L F1 from the longest common subsequence', () => {
    // LCS of "the cat sat on the mat" and "the cat is on the mat" = the cat on the mat (5)
    expect(rougeL('the cat sat on the mat', 'the cat is on the mat')).toBeCloseTo(5 / 6);
    expect(rougeL('abc', 'xyz')).toBe(0);
    expect(rougeL('', 'xyz')).toBe(0);
    expect(rougeL('same words here', 'same words here')).toBe(1);
  });

  it('computes corpus BLEU-4 with the brevity penalty', () => {
    expect(corpusBleu(['a b c d e'], ['a b c d e'])).toBeCloseTo(1);
    expect(corpusBleu(['x y z w'], ['a b c d'])).toBe(0);
    // Candidate a b c d (4) vs reference a b c d e f (6): all precisions 1, BP = exp(1 - 6/4)
    expect(corpusBleu(['a b c d'], ['a b c d e f'])).toBeCloseTo(Math.exp(1 - 6 / 4));
    // Clipping: "the the the the" against "the cat": p1 = 1/4, p2 = 0 -> 0
    expect(corpusBleu(['the the the the'], ['the cat'])).toBe(0);
  });
});

describe('outputs', () => {
  it('draws an SVG with a path per curve', () => {
    const curve = autoAnswerCurve([1, 1, 2], [1, 1, 1], [0.9, 0.6, 0.8], [0, 0.5, 1]);
    const svg = precisionCoverageSvg([{ label: 'm <1>', points: curve, color: '#000' }], {
      title: 'T & t',
      threshold: 0.7,
      targetPrecision: 0.95,
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('T &amp; t');
    expect(svg).toContain('m &lt;1&gt;');
    expect(svg.match(/<path /g)).toHaveLength(2);
  });

  it('finds the most precise threshold that still answers a required share of level-1 tickets', () => {
    // Level-1 tickets at 0.9, 0.8, 0.6 and 0.3; one level-2 ticket predicted level 1 at 0.7.
    const reference = [1, 1, 1, 1, 2];
    const predicted = [1, 1, 1, 1, 1];
    const confidence = [0.9, 0.8, 0.6, 0.3, 0.7];
    const at50 = precisionAtCoverage(reference, predicted, confidence, 0.5);
    expect(at50).toMatchObject({ precision: 1, coverage: 0.5, answered: 2 });
    expect(at50!.threshold).toBeGreaterThan(0.7);
    // Answering the 0.3 ticket too raises precision again (4 of 5 against 3 of 4).
    expect(precisionAtCoverage(reference, predicted, confidence, 0.75)).toMatchObject({
      precision: 0.8,
      coverage: 1,
    });
    expect(precisionAtCoverage([2, 2], [2, 2], [0.9, 0.9], 0.5)).toBeUndefined();
  });

  it('writes the JSON summary with exactly the documented keys', () => {
    const report = classificationReport([1, 2, 3], [1, 2, 2]);
    const sys = {
      name: 'm',
      report,
      autoAnswer: { threshold: 0.7, precision: 1, coverage: 1, answered: 1 },
      curve: [],
      at95: undefined,
    };
    const result: EvalResult = {
      n: 3,
      threshold: 0.7,
      model: sys,
      baseline: sys,
      compared: [],
      latency: { meanMs: 1, p95Ms: 1 },
      intervals: bootstrapIntervals([1, 2, 3], [1, 2, 2], [0.9, 0.9, 0.9], 0.7, ['a', 'b', 'c']),
    };
    const json = toJsonSummary(result);
    expect(Object.keys(json).sort()).toEqual(
      ['accuracy', 'autoAnswer', 'binaryAccuracy', 'confusion', 'macroF1', 'n', 'perClass'].sort(),
    );
    expect(json.autoAnswer).toEqual({ threshold: 0.7, precision: 1, coverage: 1 });
    const withAnswers = toJsonSummary({
      ...result,
      answers: {
        rows: 1,
        drafted: 1,
        rougeL: 0.5,
        bleu: 0.25,
        rougeLDrafted: 0.5,
        bleuDrafted: 0.25,
      },
    });
    expect(withAnswers).toMatchObject({ rougeL: 0.5, bleu: 0.25 });
  });

  it('has a keyword baseline that sends outages to level 3 and passwords to level 1', () => {
    expect(keywordLevel('server down', 'the production server is down').level).toBe(3);
    expect(keywordLevel(undefined, 'please reset my password').level).toBe(1);
    expect(keywordLevel(undefined, 'the invoice layout changed').level).toBe(2);
  });
});
