/**
 * How the local classifier is trained, step by step: vectorise the rows; score every row with
 * heads trained on the other folds (out-of-fold); fit the stacking layer on those scores; measure
 * it cross-fitted and calibrate its level-1 confidence; add the optional category head; write it
 * all into one model file. docs/local-model.md explains why each step is there.
 */
import { NeighbourIndex } from './knn.ts';
import {
  FORMAT,
  FORMAT_VERSION,
  encode,
  modelVersion,
  type ClassifierFile,
  type Heads,
} from './modelFile.ts';
import { wordPart } from './stacking.ts';
import { fineLabelsOf, readCorpus, type Corpus, type FineLabels } from './trainingCorpus.ts';
import { enabledHeads, finalHeads, outOfFoldScores, trainCategoryHead } from './trainingHeads.ts';
import { defaultTrainOptions, type TrainOptions, type TrainingRow } from './trainingInput.ts';
import { trainStackingLayer, type StackingFields } from './trainingStack.ts';
import type { Vectorizer, VectorizerState } from './vectorizer.ts';

/** What a trained classifier is made of (LocalClassifier's constructor takes these). */
export interface TrainedParts {
  file: ClassifierFile;
  vectorizer: Vectorizer;
  heads: Heads;
  /** The near-duplicate memory over the training texts. */
  index: NeighbourIndex;
}

/** Trains every part of the classifier from labelled rows (at least 6). Deterministic: the same
 * rows and options give the same file, byte for byte, apart from `trainedAt`. */
export function trainClassifier(
  rows: TrainingRow[],
  options: Partial<TrainOptions> = {},
): TrainedParts {
  const o: TrainOptions = { ...defaultTrainOptions, ...options };
  const log = o.log ?? (() => {});
  if (rows.length < 6) throw new Error('need at least 6 training rows');
  const corpus = readCorpus(rows, o);
  log(`${rows.length} rows, ${corpus.vectorizer.dimension} features`);
  const labels = fineLabelsOf(corpus.rows, o.minGroupCount);
  const enabled = enabledHeads(o, labels.labels.length);
  const nWords = corpus.vectorizer.words.length;
  const fine: FineLabels = {
    ...labels,
    wordXs: enabled.fine ? corpus.xs.map((x) => wordPart(x, nWords)) : [],
  };
  const oof = outOfFoldScores(corpus, fine, enabled, o, log);
  const heads = finalHeads(corpus, fine, enabled, oof, o);

  // Near-duplicate memory: each training ticket's neighbours, never itself or a verbatim copy.
  const index = new NeighbourIndex(corpus.xs, corpus.vectorizer.dimension, o.knnMaxDf);
  const stacking = trainStackingLayer(corpus, fine, oof, heads, index, o, log);
  const category = trainCategoryHead(corpus, o);
  if (category) log(`category head: ${category.names.length} categories`);
  heads.category = category?.head;

  const file = modelFileOf(corpus, o, heads, fine, {
    ...stacking,
    category: category && {
      names: category.names,
      weights: encode(category.head.weights),
      bias: Array.from(category.head.bias),
    },
  });
  return { file, vectorizer: corpus.vectorizer, heads, index };
}

/** The parts of the model file that the stacking and category steps decide. */
type TrainedFields = StackingFields & Pick<ClassifierFile, 'category'>;

/** The model file; its fields keep one order, so the same training writes the same bytes. */
function modelFileOf(
  { rows, texts, ys, vectorizer }: Corpus,
  o: TrainOptions,
  heads: Heads,
  fine: FineLabels,
  trained: TrainedFields,
): ClassifierFile {
  const { log: _log, ...storedOptions } = o;
  void _log;
  const state: VectorizerState = vectorizer.toState();
  const level = { weights: encode(heads.level.weights), bias: Array.from(heads.level.bias) };
  return {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    version: modelVersion({ level, stack: trained.stack, l1: trained.l1 }),
    trainedAt: new Date().toISOString(),
    trainingRows: rows.length,
    classCounts: [0, 1, 2].map((k) => ys.filter((y) => y === k).length),
    options: storedOptions,
    vectorizer: {
      options: state.options,
      words: state.words,
      chars: state.chars,
      idf: encode(vectorizer.idf),
    },
    level,
    stack: trained.stack,
    nb: heads.nb
      ? {
          labels: fine.labels,
          labelLevel: fine.labelLevel,
          logPrior: Array.from(heads.nb.logPrior),
          logTheta: encode(heads.nb.logTheta),
        }
      : undefined,
    cnb: heads.cnb ? { weights: encode(heads.cnb.weights) } : undefined,
    fine: heads.fine
      ? { weights: encode(heads.fine.weights), bias: Array.from(heads.fine.bias) }
      : undefined,
    category: trained.category,
    memory: { texts, levels: rows.map((r) => r.level) },
    l1: trained.l1,
    crossValidation: trained.crossValidation,
    autoAnswer: trained.autoAnswer,
    suggest: trained.suggest,
  };
}
