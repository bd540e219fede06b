import { createHash } from 'node:crypto';
import type { ComplementNbModel, NaiveBayesModel } from './nb.ts';
import type { LogisticModel } from './logreg.ts';
import type { TrainOptions } from './trainingInput.ts';
import type { Vectorizer, VectorizerState } from './vectorizer.ts';

export const FORMAT = 'ticketflow-local-classifier';
export const FORMAT_VERSION = 1;

/** The model file's JSON. Arrays of floats are little-endian Float32 in base64. */
export interface ClassifierFile {
  format: typeof FORMAT;
  formatVersion: number;
  version: string;
  trainedAt: string;
  trainingRows: number;
  classCounts: number[];
  options: Omit<TrainOptions, 'log'>;
  vectorizer: Omit<VectorizerState, 'idf'> & { idf: string };
  level: { weights: string; bias: number[] };
  stack: { weights: number[][]; bias: number[] };
  nb?: { labels: string[]; labelLevel: number[]; logPrior: number[]; logTheta: string } | undefined;
  /** Complement naive Bayes over the naive-Bayes head's fine labels (Float32 base64). */
  cnb?: { weights: string } | undefined;
  /** Fine-label logistic regression over the word features (Float32 base64, `w[f * labels + c]`). */
  fine?: { weights: string; bias: number[] } | undefined;
  category?: { names: string[]; weights: string; bias: number[] } | undefined;
  /** Binary stacking layer (level 1 against escalation) and its isotonic calibration. */
  l1?:
    | {
        /** The binary stacking layer; absent when the 3-class P(level 1) is calibrated. */
        weights?: number[][] | undefined;
        bias?: number[] | undefined;
        calibration: { x: number[]; y: number[] };
      }
    | undefined;
  /** Normalised training texts and their levels: the near-duplicate memory. */
  memory: { texts: string[]; levels: number[] };
  /** Cross-validated figures measured while training, for the record. */
  crossValidation?:
    | {
        accuracy: number;
        folds: number;
        /** Cross-fitted accuracy, macro-F1 and L1-vs-escalate accuracy of the stacked model. */
        stacked?: { accuracy: number; macroF1: number; binaryAccuracy: number } | undefined;
        /** Auto-answer precision and level-1 coverage at 0.7 on the cross-fitted scores. */
        at07?: { precision: number; coverage: number } | undefined;
      }
    | undefined;
  /**
   * The threshold recommended for AUTO_ANSWER_THRESHOLD: the lowest level-1 confidence at which
   * automatic answers were at least `precision` right on the training data's out-of-fold scores
   * (`threshold` absent when no threshold reached it).
   */
  autoAnswer?: { precision: number; threshold?: number | undefined } | undefined;
  /**
   * The threshold recommended for SUGGEST_THRESHOLD: the lowest level-1 confidence from which the
   * band up to `below` (the automatic-answer threshold the server takes from this file by
   * default) was at least `precision` truly level 1 on the out-of-fold scores (`threshold` absent
   * when no band of 20 or more tickets reached it); `candidates`: the out-of-fold level-1
   * predictions below `below`, the most any band could hold.
   */
  suggest?:
    | { precision: number; below: number; candidates: number; threshold?: number | undefined }
    | undefined;
  /** Files written before `autoAnswer`: the same at precision 0.95. Read, never written. */
  autoAnswer95?: number | undefined;
}

/** The precision training aimed automatic answers at unless told otherwise (`npm run train --precision`). */
export const DEFAULT_TARGET_PRECISION = 0.95;

/** The file's recommended auto-answer threshold and the precision it was chosen for, if any. */
export function recommendedThreshold(
  file: Pick<ClassifierFile, 'autoAnswer' | 'autoAnswer95'>,
): { precision: number; threshold: number } | undefined {
  if (file.autoAnswer) {
    const { precision, threshold } = file.autoAnswer;
    return threshold === undefined ? undefined : { precision, threshold };
  }
  return file.autoAnswer95 === undefined
    ? undefined
    : { precision: 0.95, threshold: file.autoAnswer95 };
}

/** The share of suggestions that should be for truly level-1 tickets unless told otherwise. */
export const DEFAULT_SUGGEST_PRECISION = 0.8;

/** Fewer out-of-fold tickets than this below the automatic-answer threshold tell nothing. */
const MIN_BAND_EVIDENCE = 20;

/**
 * The file's recommended suggestion threshold: the band's lower edge when training found one that
 * reached its precision; 1 (no band) when at least 20 candidates could not reach it; undefined
 * when there were too few to tell (the server's fallback then) and for files written before it.
 */
export function recommendedSuggestThreshold(
  file: Pick<ClassifierFile, 'suggest'>,
): { precision: number; below: number; threshold: number } | undefined {
  if (!file.suggest) return undefined;
  const { precision, below, candidates, threshold } = file.suggest;
  if (threshold !== undefined) return { precision, below, threshold };
  return candidates >= MIN_BAND_EVIDENCE ? { precision, below, threshold: 1 } : undefined;
}

/** The trained parts a classifier predicts with. */
export interface Heads {
  level: LogisticModel;
  category: LogisticModel | undefined;
  nb: NaiveBayesModel | undefined;
  cnb: ComplementNbModel | undefined;
  fine: LogisticModel | undefined;
}

/** The trained heads stored in a model file, decoded for `vectorizer` (the file's own). */
export function headsFromFile(file: ClassifierFile, vectorizer: Vectorizer): Heads {
  const dimension = vectorizer.dimension;
  const nb = file.nb;
  return {
    level: {
      classes: 3,
      dimension,
      weights: decode(file.level.weights),
      bias: Float32Array.from(file.level.bias),
    },
    category: file.category
      ? {
          classes: file.category.names.length,
          dimension,
          weights: decode(file.category.weights),
          bias: Float32Array.from(file.category.bias),
        }
      : undefined,
    nb: nb
      ? {
          labelLevel: nb.labelLevel,
          logPrior: Float32Array.from(nb.logPrior),
          logTheta: decode(nb.logTheta),
        }
      : undefined,
    cnb:
      file.cnb && nb ? { labelLevel: nb.labelLevel, weights: decode(file.cnb.weights) } : undefined,
    fine:
      file.fine && nb
        ? {
            classes: nb.labels.length,
            dimension: vectorizer.words.length,
            weights: decode(file.fine.weights),
            bias: Float32Array.from(file.fine.bias),
          }
        : undefined,
  };
}

/**
 * The model's version: a digest of what decides a level and its confidence (the level head, the
 * stacking layer, the level-1 calibration), so two files that answer alike carry one version.
 */
export function modelVersion(file: Pick<ClassifierFile, 'level' | 'stack' | 'l1'>): string {
  const digest = createHash('sha256')
    .update(file.level.weights)
    .update(JSON.stringify(file.stack))
    .update(JSON.stringify(file.l1 ?? null))
    .digest('hex')
    .slice(0, 10);
  return `tfidf-lr-knn-v3-${digest}`;
}

export function encode(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decode(base64: string): Float32Array {
  const buf = Buffer.from(base64, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}
