/**
 * The stacking layer over the heads' scores, fitted on out-of-fold inputs, then measured
 * cross-fitted; those cross-fitted level-1 scores are what its confidence is calibrated on.
 */
import type { NeighbourIndex } from './knn.ts';
import { denseLogits, logisticLogits, softmax, trainDenseLogistic } from './logreg.ts';
import { FALLBACK_AUTO_ANSWER_THRESHOLD } from '../../config/index.ts';
import {
  DEFAULT_SUGGEST_PRECISION,
  DEFAULT_TARGET_PRECISION,
  type ClassifierFile,
  type Heads,
} from './modelFile.ts';
import { complementNbLevels, naiveBayesLevels } from './nb.ts';
import {
  applyCalibration,
  argmax,
  fineLevels,
  isotonic,
  stackFeatures,
  thresholdForPrecision,
} from './stacking.ts';
import { splitFold, type Corpus, type FineLabels } from './trainingCorpus.ts';
import type { OutOfFold } from './trainingHeads.ts';
import type { TrainOptions } from './trainingInput.ts';

/** The parts of the model file that the stacking layer decides. */
export type StackingFields = Pick<
  ClassifierFile,
  'stack' | 'l1' | 'crossValidation' | 'autoAnswer' | 'suggest'
>;

/** Fits the stacking layer (and the binary level-1 layer and calibration `o` asks for). */
export function trainStackingLayer(
  corpus: Corpus,
  fine: FineLabels,
  oof: OutOfFold,
  heads: Heads,
  index: NeighbourIndex,
  o: TrainOptions,
  log: (message: string) => void,
): StackingFields {
  const { stackX, oofCorrect } = stackingInputs(corpus, fine, oof, heads, index, o);
  const stack = trainDenseLogistic(stackX, corpus.ys, 3, o.stackL2, o.stackBalanced);
  const useL1 = (o.l1Calibration ?? 'none') === 'isotonic';
  const binaryL1 = useL1 && o.l1Score === 'binary';
  const yBin = corpus.ys.map((y) => (y === 0 ? 0 : 1));
  const l1Stack = binaryL1 ? trainDenseLogistic(stackX, yBin, 2, o.stackL2, false) : undefined;
  const crossFitted = crossFittedScores(corpus, stackX, yBin, binaryL1, o);
  const calibration = useL1
    ? isotonic(
        crossFitted.l1,
        yBin.map((y) => 1 - y),
      )
    : undefined;
  const figures = stackedFigures(corpus.ys, crossFitted, calibration);
  const n = corpus.ys.length;
  const target = o.targetPrecision ?? DEFAULT_TARGET_PRECISION;
  const autoThreshold = thresholdForPrecision(figures.l1Scores, target);
  log(
    `out-of-fold: linear head accuracy ${(oofCorrect / n).toFixed(3)}; stacked ` +
      `accuracy ${figures.stacked.accuracy.toFixed(3)}, macro-F1 ${figures.stacked.macroF1.toFixed(3)}, ` +
      `L1-vs-escalate ${figures.stacked.binaryAccuracy.toFixed(3)}`,
  );
  return {
    stack,
    l1: calibration
      ? l1Stack
        ? { weights: l1Stack.weights, bias: l1Stack.bias, calibration }
        : { calibration }
      : undefined,
    crossValidation: {
      accuracy: oofCorrect / n,
      folds: corpus.folds,
      stacked: figures.stacked,
      at07: figures.at07,
    },
    autoAnswer: { precision: target, threshold: autoThreshold },
    suggest: suggestionBand(figures.l1Scores, autoThreshold, o, log),
  };
}

/**
 * The suggestion band's lower edge: the lowest confidence from which the level-1 predictions below
 * the automatic-answer threshold the server would take from this file (the recommendation, never
 * below the fallback floor) are still `suggestPrecision` truly level 1. Suggestions go to an
 * agent, who discards a wrong one, so they may be less precise than automatic answers.
 */
function suggestionBand(
  l1Scores: Array<{ p: number; right: boolean }>,
  autoThreshold: number | undefined,
  o: TrainOptions,
  log: (message: string) => void,
): NonNullable<ClassifierFile['suggest']> {
  const precision = o.suggestPrecision ?? DEFAULT_SUGGEST_PRECISION;
  const below = Math.max(autoThreshold ?? 0, FALLBACK_AUTO_ANSWER_THRESHOLD);
  const threshold = thresholdForPrecision(l1Scores, precision, below);
  const candidates = l1Scores.filter((s) => s.p < below);
  const inBand = candidates.filter((s) => threshold !== undefined && s.p >= threshold);
  log(
    `suggestion band for ${precision} precision below ${below}: ${candidates.length} out-of-fold ` +
      'level-1 predictions below it; ' +
      (threshold === undefined
        ? 'not reached'
        : `from ${threshold}: ${inBand.length} tickets, ` +
          `${(inBand.filter((s) => s.right).length / inBand.length).toFixed(3)} level 1`),
  );
  return { precision, below, candidates: candidates.length, threshold };
}

/**
 * The stacking layer's training inputs, one per row, from the out-of-fold scores (the final heads
 * only for a row no fold held out); and how often the linear head alone was right out of fold.
 */
function stackingInputs(
  { xs, ys, keys, shapes }: Corpus,
  fine: FineLabels,
  oof: OutOfFold,
  heads: Heads,
  index: NeighbourIndex,
  o: TrainOptions,
): { stackX: number[][]; oofCorrect: number } {
  const stackX: number[][] = [];
  let oofCorrect = 0;
  for (let i = 0; i < xs.length; i++) {
    const logits = oof.level[i] ?? Array.from(logisticLogits(heads.level, xs[i]!));
    const nb = index.query(xs[i]!, o.neighbours, (d) => d === i || keys[d] === keys[i]);
    const p = softmax(logits);
    if (argmax(p) === ys[i]) oofCorrect++;
    const pNb = heads.nb ? (oof.nb[i] ?? naiveBayesLevels(heads.nb, xs[i]!)) : undefined;
    const pCnb = heads.cnb ? (oof.cnb[i] ?? complementNbLevels(heads.cnb, xs[i]!)) : undefined;
    const pFine = heads.fine
      ? (oof.fine[i] ?? fineLevels(heads.fine, fine.labelLevel, fine.wordXs[i]!))
      : undefined;
    stackX.push(stackFeatures(p, nb, (d) => ys[d]!, pNb, pCnb, pFine, shapes[i]));
  }
  return { stackX, oofCorrect };
}

/**
 * Cross-fitted stacking: each fold's stacking layers are fitted on the other folds, so these
 * scores are honest out-of-fold figures and what the calibration is fitted on. Per row: the
 * predicted level (index) and the level-1 score (binary layer's when `binaryL1`, else the 3-class).
 */
function crossFittedScores(
  { folds, foldOf, ys }: Corpus,
  stackX: number[][],
  yBin: number[],
  binaryL1: boolean,
  o: TrainOptions,
): { level: number[]; l1: number[] } {
  const level: number[] = new Array(stackX.length).fill(0);
  const l1: number[] = new Array(stackX.length).fill(0);
  for (let f = 0; f < folds; f++) {
    const { train, held } = splitFold(foldOf, f);
    if (train.length === 0 || held.length === 0) continue;
    const trainX = train.map((i) => stackX[i]!);
    const s3 = trainDenseLogistic(
      trainX,
      train.map((i) => ys[i]!),
      3,
      o.stackL2,
      o.stackBalanced,
    );
    const s2 = binaryL1
      ? trainDenseLogistic(
          trainX,
          train.map((i) => yBin[i]!),
          2,
          o.stackL2,
          false,
        )
      : undefined;
    for (const i of held) {
      const p3 = softmax(denseLogits(s3, stackX[i]!));
      level[i] = argmax(p3);
      l1[i] = s2 ? softmax(denseLogits(s2, stackX[i]!))[0]! : p3[0]!;
    }
  }
  return { level, l1 };
}

/** The cross-fitted figures recorded in the model file, and the level-1 scores for a threshold. */
function stackedFigures(
  ys: number[],
  crossFitted: { level: number[]; l1: number[] },
  calibration: { x: number[]; y: number[] } | undefined,
) {
  const l1Scores: Array<{ p: number; right: boolean }> = [];
  let correct = 0;
  let binaryCorrect = 0;
  let answered = 0;
  let answeredRight = 0;
  const confusion = [0, 1, 2].map(() => [0, 0, 0]);
  crossFitted.level.forEach((k, i) => {
    const y = ys[i]!;
    confusion[y]![k]!++;
    if (k === y) correct++;
    if ((k === 0) === (y === 0)) binaryCorrect++;
    if (k === 0) {
      const raw = crossFitted.l1[i]!;
      const p = calibration ? applyCalibration(calibration, raw) : raw;
      l1Scores.push({ p, right: y === 0 });
      if (p >= 0.7) {
        answered++;
        if (y === 0) answeredRight++;
      }
    }
  });
  const f1s = [0, 1, 2].map((k) => {
    const tp = confusion[k]![k]!;
    const predicted = confusion[0]![k]! + confusion[1]![k]! + confusion[2]![k]!;
    const support = confusion[k]!.reduce((a, b) => a + b, 0);
    return tp === 0 ? 0 : (2 * tp) / (predicted + support);
  });
  const level1Count = ys.filter((y) => y === 0).length;
  return {
    stacked: {
      accuracy: correct / ys.length,
      macroF1: (f1s[0]! + f1s[1]! + f1s[2]!) / 3,
      binaryAccuracy: binaryCorrect / ys.length,
    },
    at07: {
      precision: answered === 0 ? 1 : answeredRight / answered,
      coverage: level1Count === 0 ? 0 : answeredRight / level1Count,
    },
    l1Scores,
  };
}
