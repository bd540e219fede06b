import { describe, expect, it } from 'vitest';
import {
  autoAnswerThresholdFor,
  FALLBACK_AUTO_ANSWER_THRESHOLD,
  FALLBACK_SUGGEST_THRESHOLD,
  loadConfig,
  suggestThresholdFor,
} from '../../../src/config/index.ts';
import {
  createLocalModel,
  DEFAULT_SUGGEST_PRECISION,
  loadClassifier,
  recommendedSuggestThreshold,
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

/** Issue 14, item 2: the suggestion band's default comes from the same out-of-fold scores. */
describe("the model's recommended suggestion threshold", () => {
  const band = { precision: 0.8, below: 0.866 };
  it('is the band edge training found, 1 when enough tickets never reached it, else none', () => {
    expect(
      recommendedSuggestThreshold({ suggest: { ...band, candidates: 649, threshold: 0.7 } }),
    ).toEqual({ ...band, threshold: 0.7 });
    // Enough evidence, no band precise enough: the model recommends no band at all.
    expect(recommendedSuggestThreshold({ suggest: { ...band, candidates: 40 } })?.threshold).toBe(
      1,
    );
    // Too few tickets below the automatic-answer threshold to tell (the seed-trained model).
    expect(recommendedSuggestThreshold({ suggest: { ...band, candidates: 9 } })).toBe(undefined);
    expect(recommendedSuggestThreshold({})).toBe(undefined);
  });

  it('is chosen below the automatic-answer threshold the server would take from the file', () => {
    const rows = Array.from({ length: 4 }, () => toyRows()).flat();
    const file = trainFromRows(rows, { suggestPrecision: 0.6 }).file;
    expect(file.suggest?.precision).toBe(0.6);
    expect(file.suggest!.below).toBe(
      Math.max(file.autoAnswer?.threshold ?? 0, FALLBACK_AUTO_ANSWER_THRESHOLD),
    );
    expect(Number.isInteger(file.suggest!.candidates)).toBe(true);
    if (file.suggest!.threshold !== undefined)
      expect(file.suggest!.threshold).toBeLessThan(file.suggest!.below);
  });

  it('is recorded in the shipped file and offered to the server', () => {
    const shipped = loadClassifier();
    expect(shipped.file.suggest).toMatchObject({ precision: DEFAULT_SUGGEST_PRECISION });
    const model = createLocalModel({ classifier: shipped });
    expect(model.recommendedSuggestThreshold).toBe(
      recommendedSuggestThreshold(shipped.file)?.threshold,
    );
  });
});

describe('the suggestion threshold in force', () => {
  it('is SUGGEST_THRESHOLD when set, else the recommendation, else 0.5; always below the auto one', () => {
    expect(loadConfig({}).SUGGEST_THRESHOLD).toBe(undefined);
    const set = loadConfig({ SUGGEST_THRESHOLD: '0.4' });
    const unset = loadConfig({});
    const recommending = { recommendedSuggestThreshold: 0.6 };
    expect(suggestThresholdFor(set, recommending, 0.866)).toEqual({
      threshold: 0.4,
      source: 'config',
    });
    expect(suggestThresholdFor(unset, recommending, 0.866)).toEqual({
      threshold: 0.6,
      source: 'model',
    });
    expect(suggestThresholdFor(unset, {}, 0.7)).toEqual({
      threshold: FALLBACK_SUGGEST_THRESHOLD,
      source: 'fallback',
    });
    expect(FALLBACK_SUGGEST_THRESHOLD).toBe(0.5);
    // Not below the automatic-answer threshold in force: no band.
    expect(suggestThresholdFor(unset, recommending, 0.6).threshold).toBe(undefined);
    expect(suggestThresholdFor(set, {}, 0.3).threshold).toBe(undefined);
    expect(suggestThresholdFor(unset, { recommendedSuggestThreshold: 1 }, 0.9).threshold).toBe(
      undefined,
    );
  });
});
