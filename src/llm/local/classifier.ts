import { createHash } from 'node:crypto';
import { NeighbourIndex, type Neighbour } from './knn.ts';
import {
  denseLogits,
  logisticLogits,
  softmax,
  trainDenseLogistic,
  trainLogistic,
  type LogisticModel,
} from './logreg.ts';
import {
  complementNbLevels,
  naiveBayesLevels,
  trainComplementNb,
  trainNaiveBayes,
  type ComplementNbModel,
  type NaiveBayesModel,
} from './nb.ts';
import { metaTokens, normalizeText, structureFeatures, ticketToText } from './text.ts';
import {
  Vectorizer,
  defaultVectorizerOptions,
  type SparseVector,
  type VectorizerOptions,
  type VectorizerState,
} from './vectorizer.ts';

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

export interface Prediction {
  level: Level;
  /** Calibrated probability of each level (index 0 = level 1). */
  probabilities: [number, number, number];
  /** Probability that `level` is right. */
  confidence: number;
  category?: { name: string; probability: number } | undefined;
  /** The terms that pushed the decision most towards `level`. */
  topTerms: string[];
  /** The most similar training ticket, if any. */
  nearest?: { similarity: number; level: Level } | undefined;
}

const FORMAT = 'ticketflow-local-classifier';
const FORMAT_VERSION = 1;

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
   * The lowest L1 confidence at which auto-answers were at least 95 % right on the training
   * data's out-of-fold scores (a recommendation for AUTO_ANSWER_THRESHOLD), if reached.
   */
  autoAnswer95?: number | undefined;
}

/** The trained parts a classifier predicts with. */
interface Heads {
  level: LogisticModel;
  category: LogisticModel | undefined;
  nb: NaiveBayesModel | undefined;
  cnb: ComplementNbModel | undefined;
  fine: LogisticModel | undefined;
}

export class LocalClassifier {
  private readonly levelHead: LogisticModel;
  private readonly categoryHead: LogisticModel | undefined;
  private readonly nbHead: NaiveBayesModel | undefined;
  private readonly cnbHead: ComplementNbModel | undefined;
  private readonly fineHead: LogisticModel | undefined;

  /** `index`: the near-duplicate memory over `file.memory.texts`, built by whoever vectorised them. */
  private constructor(
    readonly file: ClassifierFile,
    readonly vectorizer: Vectorizer,
    heads: Heads,
    private readonly index: NeighbourIndex,
  ) {
    this.levelHead = heads.level;
    this.categoryHead = heads.category;
    this.nbHead = heads.nb;
    this.cnbHead = heads.cnb;
    this.fineHead = heads.fine;
  }

  get version(): string {
    return this.file.version;
  }

  static fromFile(file: ClassifierFile): LocalClassifier {
    if (file.format !== FORMAT || file.formatVersion !== FORMAT_VERSION) {
      throw new Error(`not a ${FORMAT} v${FORMAT_VERSION} file`);
    }
    const vectorizer = new Vectorizer({
      ...file.vectorizer,
      idf: Array.from(decode(file.vectorizer.idf)),
    });
    const dimension = vectorizer.dimension;
    const levelHead: LogisticModel = {
      classes: 3,
      dimension,
      weights: decode(file.level.weights),
      bias: Float32Array.from(file.level.bias),
    };
    const categoryHead = file.category
      ? {
          classes: file.category.names.length,
          dimension,
          weights: decode(file.category.weights),
          bias: Float32Array.from(file.category.bias),
        }
      : undefined;
    const nbHead = file.nb
      ? {
          labelLevel: file.nb.labelLevel,
          logPrior: Float32Array.from(file.nb.logPrior),
          logTheta: decode(file.nb.logTheta),
        }
      : undefined;
    const cnbHead =
      file.cnb && file.nb
        ? { labelLevel: file.nb.labelLevel, weights: decode(file.cnb.weights) }
        : undefined;
    const fineHead =
      file.fine && file.nb
        ? {
            classes: file.nb.labels.length,
            dimension: vectorizer.words.length,
            weights: decode(file.fine.weights),
            bias: Float32Array.from(file.fine.bias),
          }
        : undefined;
    const index = new NeighbourIndex(
      file.memory.texts.map((t) => vectorizer.transform(t)),
      dimension,
      file.options.knnMaxDf ?? 1,
    );
    return new LocalClassifier(
      file,
      vectorizer,
      { level: levelHead, category: categoryHead, nb: nbHead, cnb: cnbHead, fine: fineHead },
      index,
    );
  }

  static train(rows: TrainingRow[], options: Partial<TrainOptions> = {}): LocalClassifier {
    const o: TrainOptions = { ...defaultTrainOptions, ...options };
    const log = o.log ?? (() => {});
    if (rows.length < 6) throw new Error('need at least 6 training rows');
    const texts = rows.map((r) => modelText(r.subject, r.description, o));
    const rawKeys = rows.map(ticketKey);
    const ys = rows.map((r) => r.level - 1);
    const shapes = rows.map((r, i) =>
      o.structure ? structureFeatures(r.subject, r.description, texts[i]!) : undefined,
    );
    const vectorizer = Vectorizer.fit(texts, { ...defaultVectorizerOptions, ...o.vectorizer });
    const xs = texts.map((t) => vectorizer.transform(t));
    const dim = vectorizer.dimension;
    const lrOptions = { l2: o.l2, maxIter: o.maxIter, balanced: true };
    log(`${rows.length} rows, ${dim} features`);

    // Out-of-fold level scores: what the final head would say about tickets it has not seen.
    const folds = Math.max(2, Math.min(o.folds, rows.length));
    const foldOf = rawKeys.map((k) => hashFold(k, folds));
    const fineNames = rows.map((r) => {
      const g = r.group ?? r.category;
      return g ? `${r.level}:${g}` : `${r.level}:*`;
    });
    const fineCounts = new Map<string, number>();
    for (const g of fineNames) fineCounts.set(g, (fineCounts.get(g) ?? 0) + 1);
    const fineKey = fineNames.map((g, i) =>
      (fineCounts.get(g) ?? 0) >= o.minGroupCount ? g : `${rows[i]!.level}:*`,
    );
    const labels = [...new Set(fineKey)].sort();
    const fine = fineKey.map((g) => labels.indexOf(g));
    const labelLevel = labels.map((l) => Number(l.split(':')[0]) - 1);
    const useNb = o.nbAlpha > 0;
    const useCnb = useNb && (o.cnbAlpha ?? 0) > 0;
    const oofCnb: number[][] = new Array(rows.length);
    const oofNb: number[][] = new Array(rows.length);
    const useFine = useNb && o.fineLr === true && labels.length > 3;
    const nWords = vectorizer.words.length;
    const wordXs = useFine ? xs.map((x) => wordPart(x, nWords)) : [];
    const oofFine: number[][] = new Array(rows.length);
    const fineModels: LogisticModel[] = [];
    const oof: number[][] = new Array(rows.length);
    const foldModels: LogisticModel[] = [];
    for (let f = 0; f < folds; f++) {
      const train = xs.map((_, i) => i).filter((i) => foldOf[i] !== f);
      const held = xs.map((_, i) => i).filter((i) => foldOf[i] === f);
      if (held.length === 0 || train.length === 0) continue;
      const m = trainLogistic(
        train.map((i) => xs[i]!),
        train.map((i) => ys[i]!),
        3,
        dim,
        lrOptions,
      );
      foldModels.push(m);
      for (const i of held) oof[i] = Array.from(logisticLogits(m, xs[i]!));
      if (useNb) {
        const nb = trainNaiveBayes(
          train.map((i) => xs[i]!),
          train.map((i) => fine[i]!),
          labelLevel,
          dim,
          o.nbAlpha,
        );
        for (const i of held) oofNb[i] = naiveBayesLevels(nb, xs[i]!);
      }
      if (useFine) {
        const fm = trainLogistic(
          train.map((i) => wordXs[i]!),
          train.map((i) => fine[i]!),
          labels.length,
          nWords,
          { l2: o.l2, maxIter: o.maxIter, balanced: false },
        );
        fineModels.push(fm);
        for (const i of held) oofFine[i] = fineLevels(fm, labelLevel, wordXs[i]!);
      }
      if (useCnb) {
        const cnb = trainComplementNb(
          train.map((i) => xs[i]!),
          train.map((i) => fine[i]!),
          labelLevel,
          dim,
          o.cnbAlpha!,
        );
        for (const i of held) oofCnb[i] = complementNbLevels(cnb, xs[i]!);
      }
      log(`fold ${f + 1}/${folds} done`);
    }
    // The level head is the average of the fold models: its scores on new tickets are
    // distributed like the out-of-fold scores the stacking layer is fitted on.
    const levelHead = averageModels(foldModels);
    const nbHead = useNb ? trainNaiveBayes(xs, fine, labelLevel, dim, o.nbAlpha) : undefined;
    const fineHead = useFine ? averageModels(fineModels) : undefined;
    const cnbHead = useCnb ? trainComplementNb(xs, fine, labelLevel, dim, o.cnbAlpha!) : undefined;

    // Near-duplicate memory: each training ticket's neighbours, never itself or a verbatim copy.
    const index = new NeighbourIndex(xs, dim, o.knnMaxDf);
    const stackX: number[][] = [];
    let oofCorrect = 0;
    for (let i = 0; i < rows.length; i++) {
      const logits = oof[i] ?? Array.from(logisticLogits(levelHead, xs[i]!));
      const nb = index.query(xs[i]!, o.neighbours, (d) => d === i || rawKeys[d] === rawKeys[i]);
      const p = softmax(logits);
      if (argmax(p) === ys[i]) oofCorrect++;
      const pNb = useNb ? (oofNb[i] ?? naiveBayesLevels(nbHead!, xs[i]!)) : undefined;
      const pCnb = useCnb ? (oofCnb[i] ?? complementNbLevels(cnbHead!, xs[i]!)) : undefined;
      const pFine = useFine
        ? (oofFine[i] ?? fineLevels(fineHead!, labelLevel, wordXs[i]!))
        : undefined;
      stackX.push(stackFeatures(p, nb, (d) => ys[d]!, pNb, pCnb, pFine, shapes[i]));
    }
    const stack = trainDenseLogistic(stackX, ys, 3, o.stackL2, o.stackBalanced);
    const useL1 = (o.l1Calibration ?? 'none') === 'isotonic';
    const yBin = ys.map((y) => (y === 0 ? 0 : 1));
    const binaryScore = o.l1Score === 'binary';
    const l1Stack =
      useL1 && binaryScore ? trainDenseLogistic(stackX, yBin, 2, o.stackL2, false) : undefined;
    // Cross-fitted stacking: each fold's stacking layers are fitted on the other folds, so these
    // scores are honest out-of-fold figures and what the calibration is fitted on.
    const cfLevel: number[] = new Array(rows.length).fill(0);
    const cfL1: number[] = new Array(rows.length).fill(0);
    for (let f = 0; f < folds; f++) {
      const tr = stackX.map((_, i) => i).filter((i) => foldOf[i] !== f);
      const held = stackX.map((_, i) => i).filter((i) => foldOf[i] === f);
      if (tr.length === 0 || held.length === 0) continue;
      const s3 = trainDenseLogistic(
        tr.map((i) => stackX[i]!),
        tr.map((i) => ys[i]!),
        3,
        o.stackL2,
        o.stackBalanced,
      );
      const s2 =
        useL1 && binaryScore
          ? trainDenseLogistic(
              tr.map((i) => stackX[i]!),
              tr.map((i) => yBin[i]!),
              2,
              o.stackL2,
              false,
            )
          : undefined;
      for (const i of held) {
        const p3 = softmax(denseLogits(s3, stackX[i]!));
        cfLevel[i] = argmax(p3);
        cfL1[i] = s2 ? softmax(denseLogits(s2, stackX[i]!))[0]! : p3[0]!;
      }
    }
    const calibration = useL1
      ? isotonic(
          cfL1,
          yBin.map((y) => 1 - y),
        )
      : undefined;
    const l1Scores: Array<{ p: number; right: boolean }> = [];
    let cfCorrect = 0;
    let cfBinary = 0;
    let answered = 0;
    let answeredRight = 0;
    const confusion = [0, 1, 2].map(() => [0, 0, 0]);
    cfLevel.forEach((k, i) => {
      const y = ys[i]!;
      confusion[y]![k]!++;
      if (k === y) cfCorrect++;
      if ((k === 0) === (y === 0)) cfBinary++;
      if (k === 0) {
        const p = calibration ? applyCalibration(calibration, cfL1[i]!) : cfL1[i]!;
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
    const stacked = {
      accuracy: cfCorrect / rows.length,
      macroF1: (f1s[0]! + f1s[1]! + f1s[2]!) / 3,
      binaryAccuracy: cfBinary / rows.length,
    };
    log(
      `out-of-fold: linear head accuracy ${(oofCorrect / rows.length).toFixed(3)}; stacked ` +
        `accuracy ${stacked.accuracy.toFixed(3)}, macro-F1 ${stacked.macroF1.toFixed(3)}, ` +
        `L1-vs-escalate ${stacked.binaryAccuracy.toFixed(3)}`,
    );

    // Optional category head, on the rows that have a category.
    let category: ClassifierFile['category'];
    let categoryHead: LogisticModel | undefined;
    const counts = new Map<string, number>();
    for (const r of rows) if (r.category) counts.set(r.category, (counts.get(r.category) ?? 0) + 1);
    const names = [...counts.entries()]
      .filter(([, n]) => n >= o.minCategoryCount)
      .map(([c]) => c)
      .sort();
    if (names.length >= 2) {
      const withCat = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.category);
      const catIndex = (c: string) => (names.includes(c) ? names.indexOf(c) : -1);
      const usable = withCat.filter(({ r }) => catIndex(r.category!) >= 0);
      categoryHead = trainLogistic(
        usable.map(({ i }) => xs[i]!),
        usable.map(({ r }) => catIndex(r.category!)),
        names.length,
        dim,
        { l2: o.l2, maxIter: o.maxIter, balanced: false },
      );
      category = {
        names,
        weights: encode(categoryHead.weights),
        bias: Array.from(categoryHead.bias),
      };
      log(`category head: ${names.length} categories`);
    }

    const { log: _log, ...storedOptions } = o;
    void _log;
    const state = vectorizer.toState();
    const file: ClassifierFile = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      version: '',
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
      level: { weights: encode(levelHead.weights), bias: Array.from(levelHead.bias) },
      stack,
      nb: nbHead
        ? {
            labels,
            labelLevel,
            logPrior: Array.from(nbHead.logPrior),
            logTheta: encode(nbHead.logTheta),
          }
        : undefined,
      cnb: cnbHead ? { weights: encode(cnbHead.weights) } : undefined,
      fine: fineHead
        ? { weights: encode(fineHead.weights), bias: Array.from(fineHead.bias) }
        : undefined,
      category,
      memory: { texts, levels: rows.map((r) => r.level) },
      l1: calibration
        ? l1Stack
          ? { weights: l1Stack.weights, bias: l1Stack.bias, calibration }
          : { calibration }
        : undefined,
      crossValidation: {
        accuracy: oofCorrect / rows.length,
        folds,
        stacked,
        at07: {
          precision: answered === 0 ? 1 : answeredRight / answered,
          coverage: level1Count === 0 ? 0 : answeredRight / level1Count,
        },
      },
      autoAnswer95: thresholdForPrecision(l1Scores, 0.95),
    };
    const digest = createHash('sha256')
      .update(file.level.weights)
      .update(JSON.stringify(file.stack))
      .update(JSON.stringify(file.l1 ?? null))
      .digest('hex')
      .slice(0, 10);
    file.version = `tfidf-lr-knn-v3-${digest}`;
    // The memory's vectors and index are the ones built above from the same texts.
    return new LocalClassifier(
      file,
      vectorizer,
      { level: levelHead, category: categoryHead, nb: nbHead, cnb: cnbHead, fine: fineHead },
      index,
    );
  }

  predict(subject: string | undefined, description: string): Prediction {
    const text = modelText(subject, description, this.file.options);
    const x = this.vectorizer.transform(text);
    const logits = logisticLogits(this.levelHead, x);
    const p = softmax(logits);
    const levels = this.file.memory.levels;
    const nb = this.index.query(x, this.file.options.neighbours);
    const features = stackFeatures(
      p,
      nb,
      (d) => levels[d]! - 1,
      this.nbHead ? naiveBayesLevels(this.nbHead, x) : undefined,
      this.cnbHead ? complementNbLevels(this.cnbHead, x) : undefined,
      this.fineHead && this.file.nb
        ? fineLevels(
            this.fineHead,
            this.file.nb.labelLevel,
            wordPart(x, this.vectorizer.words.length),
          )
        : undefined,
      this.file.options.structure ? structureFeatures(subject, description, text) : undefined,
    );
    const probs = softmax(denseLogits(this.file.stack, features));
    const k = argmax(probs);
    const level = LEVELS[k]!;

    // Explanation: the features contributing most to the chosen level against the others.
    const K = 3;
    const contributions: Array<{ f: number; c: number }> = [];
    for (let j = 0; j < x.idx.length; j++) {
      const f = x.idx[j]!;
      const w = this.levelHead.weights;
      const others = (w[f * K]! + w[f * K + 1]! + w[f * K + 2]! - w[f * K + k]!) / 2;
      contributions.push({ f, c: x.val[j]! * (w[f * K + k]! - others) });
    }
    contributions.sort((a, b) => b.c - a.c);
    // The five strongest readable words; character n-grams only if there are fewer. Stops as soon
    // as five are found (this runs for every classification).
    const topTerms: string[] = [];
    const take = (accept: (f: number, name: string) => boolean) => {
      for (const { f, c } of contributions) {
        if (topTerms.length >= 5) return;
        if (c <= 0) continue;
        const name = this.vectorizer.featureName(f);
        if (accept(f, name) && !topTerms.includes(name)) topTerms.push(name);
      }
    };
    take((f, name) => this.vectorizer.isWordFeature(f) && isInformative(name));
    take((f) => !this.vectorizer.isWordFeature(f));

    let category: Prediction['category'];
    if (this.categoryHead && this.file.category) {
      const cp = softmax(logisticLogits(this.categoryHead, x));
      const c = argmax(cp);
      category = { name: this.file.category.names[c]!, probability: cp[c]! };
    }
    const top = nb[0];
    return {
      level,
      probabilities: [probs[0]!, probs[1]!, probs[2]!],
      confidence:
        k === 0 && this.file.l1
          ? applyCalibration(
              this.file.l1.calibration,
              this.file.l1.weights && this.file.l1.bias
                ? softmax(
                    denseLogits(
                      { weights: this.file.l1.weights, bias: this.file.l1.bias },
                      features,
                    ),
                  )[0]!
                : probs[0]!,
            )
          : probs[k]!,
      category,
      topTerms,
      nearest: top ? { similarity: top.similarity, level: levels[top.doc] as Level } : undefined,
    };
  }
}

/**
 * The stacking layer's inputs: the linear head's log-probabilities and, per level, a
 * similarity-weighted vote of the nearest training tickets and the best similarity; then the
 * optional heads' scores and the ticket's structure features.
 */
export function stackFeatures(
  linearProbs: number[],
  neighbours: Neighbour[],
  labelOf: (doc: number) => number,
  naiveBayesProbs?: number[],
  complementScores?: number[],
  fineProbs?: number[],
  structure?: number[],
): number[] {
  const vote = [0, 0, 0];
  const best = [0, 0, 0];
  let total = 0;
  for (const n of neighbours) {
    const y = labelOf(n.doc);
    const w = n.similarity ** 4;
    vote[y]! += w;
    total += w;
    best[y] = Math.max(best[y]!, n.similarity);
  }
  const feats: number[] = linearProbs.map((p) => Math.log(Math.max(p, 1e-6)));
  for (let k = 0; k < 3; k++) feats.push(total > 0 ? vote[k]! / total : 1 / 3);
  for (let k = 0; k < 3; k++) feats.push(best[k]!);
  for (let k = 0; k < 3; k++) feats.push(best[k]! ** 8);
  if (naiveBayesProbs) for (const p of naiveBayesProbs) feats.push(Math.log(Math.max(p, 1e-6)));
  if (complementScores) for (const v of complementScores) feats.push(Math.max(v, -10));
  if (fineProbs) for (const p of fineProbs) feats.push(Math.log(Math.max(p, 1e-6)));
  if (structure) feats.push(...structure);
  return feats;
}

/** The lowest threshold whose answered set (score >= threshold) is at least `precision` right. */
export function thresholdForPrecision(
  scores: Array<{ p: number; right: boolean }>,
  precision: number,
): number | undefined {
  const sorted = [...scores].sort((a, b) => b.p - a.p);
  let right = 0;
  let best: number | undefined;
  sorted.forEach((s, i) => {
    if (s.right) right++;
    const next = sorted[i + 1];
    // Only cut between distinct scores, and ignore the noisy first few.
    if (i >= 19 && (!next || next.p < s.p) && right / (i + 1) >= precision) best = s.p;
  });
  return best === undefined ? undefined : Math.round(best * 1000) / 1000;
}

/**
 * Isotonic regression (pool adjacent violators) of 0/1 outcomes on scores: a non-decreasing map
 * from score to observed frequency, stored as the blocks' mean scores (x) and frequencies (y).
 */
export function isotonic(scores: number[], outcomes: number[]): { x: number[]; y: number[] } {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const blocks: Array<{ sx: number; sy: number; n: number }> = [];
  for (const i of order) {
    blocks.push({ sx: scores[i]!, sy: outcomes[i]!, n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sy / a.n < b.sy / b.n) break;
      a.sx += b.sx;
      a.sy += b.sy;
      a.n += b.n;
      blocks.pop();
    }
  }
  const round = (v: number) => Math.round(v * 1e5) / 1e5;
  return { x: blocks.map((b) => round(b.sx / b.n)), y: blocks.map((b) => round(b.sy / b.n)) };
}

/** The isotonic map at `score`, linear between block centres and flat beyond the ends. */
export function applyCalibration(c: { x: number[]; y: number[] }, score: number): number {
  const { x, y } = c;
  if (x.length === 0) return score;
  if (score <= x[0]!) return y[0]!;
  if (score >= x[x.length - 1]!) return y[y.length - 1]!;
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= score) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span <= 0 ? y[hi]! : y[lo]! + ((score - x[lo]!) / span) * (y[hi]! - y[lo]!);
}

/** The word block of a feature vector (word features come first). */
function wordPart(x: SparseVector, words: number): SparseVector {
  let n = 0;
  while (n < x.idx.length && x.idx[n]! < words) n++;
  return { idx: x.idx.subarray(0, n), val: x.val.subarray(0, n) };
}

/** A fine-label logistic regression's probabilities, summed per level. */
function fineLevels(model: LogisticModel, labelLevel: number[], x: SparseVector): number[] {
  const p = softmax(logisticLogits(model, x));
  const levels = [0, 0, 0];
  p.forEach((v, c) => (levels[labelLevel[c]!]! += v));
  return levels;
}

function averageModels(models: LogisticModel[]): LogisticModel {
  const first = models[0]!;
  const weights = new Float32Array(first.weights.length);
  const bias = new Float32Array(first.bias.length);
  for (const m of models) {
    for (let i = 0; i < weights.length; i++) weights[i]! += m.weights[i]! / models.length;
    for (let i = 0; i < bias.length; i++) bias[i]! += m.bias[i]! / models.length;
  }
  return { classes: first.classes, dimension: first.dimension, weights, bias };
}

const FUNCTION_WORDS = new Set(
  'a an the i my me we our you your it is are was be to of in on at for and or not no can t s do does this that with from please hi hello'.split(
    ' ',
  ),
);

/** A word feature worth showing in an explanation: not only function words or shape tokens. */
function isInformative(term: string): boolean {
  return term.split(' ').some((w) => w.length > 1 && !FUNCTION_WORDS.has(w) && !/^[#_]+$/.test(w));
}

function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/** A ticket's identity for folds and copies: its text, trimmed and in lower case. */
export function ticketKey(row: Pick<TrainingRow, 'subject' | 'description'>): string {
  return ticketToText(row.subject, row.description).trim().toLowerCase();
}

/** A stable fold for a key: verbatim copies always land in the same fold. */
export function hashFold(key: string, folds: number): number {
  return createHash('md5').update(key).digest().readUInt32LE(0) % folds;
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
