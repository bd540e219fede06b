/**
 * The embedded local model: a trained classifier (TF-IDF + logistic regression + near-duplicate
 * memory, stacked and calibrated) and an extractive drafter over knowledge-base articles.
 * See docs/local-model.md.
 */
export {
  CLASSIFY_PROMPT_VERSION,
  DEFAULT_MODEL_PATH,
  createLocalModel,
  lexicalRelevance,
  loadClassifier,
  type LocalModel,
  type LocalModelOptions,
} from './model.ts';
export { LocalClassifier, type Prediction } from './classifier.ts';
export {
  DEFAULT_SUGGEST_PRECISION,
  DEFAULT_TARGET_PRECISION,
  recommendedSuggestThreshold,
  recommendedThreshold,
  type ClassifierFile,
} from './modelFile.ts';
export { applyCalibration, isotonic } from './stacking.ts';
export {
  LEVELS,
  defaultTrainOptions,
  hashFold,
  modelText,
  ticketKey,
  type Level,
  type TrainOptions,
  type TrainingRow,
} from './trainingInput.ts';
export {
  readTrainingFile,
  saveClassifier,
  toTrainingRow,
  trainFromRows,
  type RawTrainingRow,
  type TrainFromRowsOptions,
} from './train.ts';
export { DRAFT_PROMPT_VERSION, DRAFT_TEMPLATE, DRAFT_TEMPLATE_HASH } from './draft.ts';
export {
  STRUCTURE_FEATURES,
  metaTokens,
  normalizeText,
  structureFeatures,
  ticketToText,
} from './text.ts';
