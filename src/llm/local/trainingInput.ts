import { createHash } from 'node:crypto';
import { metaTokens, normalizeText, ticketToText } from './text.ts';
import type { VectorizerOptions } from './vectorizer.ts';

export const LEVELS = [1, 2, 3] as const;
export type Level = (typeof LEVELS)[number];

/** One labelled training example. */
export interface TrainingRow {
  subject?: string | undefined;
  description: string;
  level: Level;
  category?: string | undefined;
  /**
   * A finer label inside the level (e.g. the assignment group). When absent the category is used
   * within its level. Only seen in training, through the naive-Bayes head.
   */
  group?: string | undefined;
}

export interface TrainOptions {
  vectorizer: Partial<VectorizerOptions>;
  /** L2 penalty of the level head. */
  l2: number;
  /** L2 penalty of the stacking layer. */
  stackL2: number;
  maxIter: number;
  /** Folds for the out-of-fold scores the stacking/calibration layer is fitted on. */
  folds: number;
  /** Weight the levels equally in the stacking layer (favours macro-F1 over accuracy). */
  stackBalanced: boolean;
  /** Features in more than this share of the training tickets are ignored by the neighbour search. */
  knnMaxDf: number;
  /** Neighbours consulted for the near-duplicate features. */
  neighbours: number;
  /** Fine labels (group, else category, within a level) seen fewer times are merged per level. */
  minGroupCount: number;
  /** Additive smoothing of the naive-Bayes head; 0 disables the head. */
  nbAlpha: number;
  /** Smoothing of the complement naive-Bayes head over the same fine labels; 0 disables it. */
  cnbAlpha?: number | undefined;
  /**
   * A second logistic regression over the fine labels (word features only, so it costs about what
   * the level head costs), its probabilities summed per level for the stacking layer.
   */
  fineLr?: boolean | undefined;
  /** Categories seen fewer times than this are folded into "general". */
  minCategoryCount: number;
  /** Add requester tokens (hashed sender of "received from:" and its domain). */
  requester?: boolean | undefined;
  /** Add identifier tokens that keep their digits (`job_1148`, `sid_34`). */
  ids?: boolean | undefined;
  /** Repeat the subject this many extra times (up-weights it in both blocks). */
  subjectRepeat?: number | undefined;
  /**
   * Give the stacking layer the ticket's shape (`structureFeatures`: length, copied subject, mail,
   * web form, language, capitals). Model files without this option were trained without them.
   */
  structure?: boolean | undefined;
  /**
   * How the confidence of a level-1 prediction is made: 'isotonic' = a binary (level 1 against
   * escalation) stacking layer, isotonic-calibrated on cross-fitted out-of-fold scores, so it is the
   * probability that the ticket is truly level 1 at the training data's class mix; 'none' = the
   * 3-class stacking probability (version-1 behaviour).
   */
  l1Calibration?: 'isotonic' | 'none' | undefined;
  /**
   * The score that is calibrated: 'level' = the 3-class stacking layer's P(level 1); 'binary' = a
   * separate binary (level 1 against escalation) stacking layer over the same inputs.
   */
  l1Score?: 'level' | 'binary' | undefined;
  /**
   * The automatic-answer precision the recommended threshold must reach on the out-of-fold
   * scores (default 0.95, `DEFAULT_TARGET_PRECISION`).
   */
  targetPrecision?: number | undefined;
  /**
   * The share of truly level-1 tickets the suggestion band (just below the automatic-answer
   * threshold) must hold on the out-of-fold scores (default 0.8, `DEFAULT_SUGGEST_PRECISION`).
   */
  suggestPrecision?: number | undefined;
  /** Progress messages (training is a few seconds per fold). */
  log?: ((message: string) => void) | undefined;
}

export const defaultTrainOptions: TrainOptions = {
  vectorizer: {},
  l2: 1e-4,
  stackL2: 1e-3,
  stackBalanced: true,
  maxIter: 100,
  folds: 4,
  neighbours: 10,
  knnMaxDf: 0.2,
  minCategoryCount: 3,
  minGroupCount: 30,
  nbAlpha: 0.01,
  requester: false,
  ids: false,
  subjectRepeat: 0,
  structure: true,
  l1Calibration: 'isotonic',
  l1Score: 'level',
  cnbAlpha: 0,
  fineLr: false,
};

/** The text the model sees: normalised subject and description plus meta tokens. */
export function modelText(
  subject: string | undefined,
  description: string,
  o: Pick<TrainOptions, 'requester' | 'ids' | 'subjectRepeat'>,
): string {
  let text = normalizeText(ticketToText(subject, description));
  const rep = o.subjectRepeat ?? 0;
  if (rep > 0 && subject?.trim()) {
    const s = normalizeText(subject);
    for (let i = 0; i < rep; i++) text += ` ${s}`;
  }
  const meta = metaTokens(`${subject ?? ''}\n${description}`, o);
  return meta.length > 0 ? `${text} ${meta.join(' ')}` : text;
}

/** A ticket's identity for folds and copies: its text, trimmed and in lower case. */
export function ticketKey(row: Pick<TrainingRow, 'subject' | 'description'>): string {
  return ticketToText(row.subject, row.description).trim().toLowerCase();
}

/** A stable fold for a key: verbatim copies always land in the same fold. */
export function hashFold(key: string, folds: number): number {
  return createHash('md5').update(key).digest().readUInt32LE(0) % folds;
}
