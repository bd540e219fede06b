import { describe, expect, it } from 'vitest';
import {
  autoAnswerThresholdFor,
  FALLBACK_AUTO_ANSWER_THRESHOLD,
  loadConfig,
} from '../../../src/config/index.ts';
import {
  createLocalModel,
  loadClassifier,
  recommendedThreshold,
  trainFromRows,
} from '../../../src/llm/local/index.ts';
import { toyRows } from './fixtures.ts';

/** Issue 14, item 1: the model file recommends the automatic-answer threshold the server uses. */
describe("the model's recommended automatic-answer threshold", () => {
  it('reads the current field and the 95 % field of older files', () => {
    expect(recommendedThreshold({ autoAnswer: { precision: 0.9, threshold: 0.31 } })).toEqual({
      precision: 0.9,
      threshold: 0.31,
    });
    expect(recommendedThreshold({ autoAnswer95: 0.42 })).toEqual({
      precision: 0.95,
      threshold: 0.42,
    });
    // Not reached when trained: no recommendation, even if an old field lingers.
    expect(recommendedThreshold({ autoAnswer: { precision: 0.99 }, autoAnswer95: 0.4 })).toBe(
      undefined,
    );
    expect(recommendedThreshold({})).toBe(undefined);
  });

  it('is chosen for the target precision training is given', () => {
    // Enough tickets that at least 20 are predicted level 1 out of fold.
    const rows = Array.from({ length: 4 }, () => toyRows()).flat();
    const loose = trainFromRows(rows, { targetPrecision: 0.5 }).file.autoAnswer;
    const strict = trainFromRows(rows, { targetPrecision: 0.95 }).file.autoAnswer;
    expect(loose?.precision).toBe(0.5);
    expect(strict?.precision).toBe(0.95);
    expect(loose?.threshold).toBeTypeOf('number');
    expect(loose!.threshold!).toBeLessThanOrEqual(strict?.threshold ?? 1);
  });

  it('is what the local model offers the server, for the shipped file too', () => {
    const shipped = loadClassifier();
    const model = createLocalModel({ classifier: shipped });
    expect(model.recommendedAutoAnswerThreshold).toBeTypeOf('number');
    expect(model.recommendedAutoAnswerThreshold).toBe(
      recommendedThreshold(shipped.file)?.threshold,
    );
  });
});

describe('the threshold in force', () => {
  it('is AUTO_ANSWER_THRESHOLD when set, else the model recommendation, else 0.7', () => {
    expect(loadConfig({}).AUTO_ANSWER_THRESHOLD).toBe(undefined);
    const set = loadConfig({ AUTO_ANSWER_THRESHOLD: '0.5' });
    expect(autoAnswerThresholdFor(set, { recommendedAutoAnswerThreshold: 0.9 })).toEqual({
      threshold: 0.5,
      source: 'config',
    });
    const unset = loadConfig({});
    expect(autoAnswerThresholdFor(unset, { recommendedAutoAnswerThreshold: 0.9 })).toEqual({
      threshold: 0.9,
      source: 'model',
    });
    expect(autoAnswerThresholdFor(unset, {})).toEqual({
      threshold: FALLBACK_AUTO_ANSWER_THRESHOLD,
      source: 'fallback',
    });
    expect(FALLBACK_AUTO_ANSWER_THRESHOLD).toBe(0.7);
    // A recommendation laxer than the fallback (the seed-trained model's 0.42) is not taken.
    expect(autoAnswerThresholdFor(unset, { recommendedAutoAnswerThreshold: 0.42 })).toEqual({
      threshold: FALLBACK_AUTO_ANSWER_THRESHOLD,
      source: 'fallback',
    });
  });
});
