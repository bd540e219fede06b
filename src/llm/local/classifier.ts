/**
 * The local classifier: predicts a ticket's support level, its confidence and category, with the
 * terms that decided it. Training is in training.ts, the model file's format in modelFile.ts.
 */
import { NeighbourIndex, type Neighbour } from './knn.ts';
import { denseLogits, logisticLogits, softmax, type LogisticModel } from './logreg.ts';
import {
  complementNbLevels,
  naiveBayesLevels,
  type ComplementNbModel,
  type NaiveBayesModel,
} from './nb.ts';
import {
  FORMAT,
  FORMAT_VERSION,
  decode,
  headsFromFile,
  type ClassifierFile,
  type Heads,
} from './modelFile.ts';
import { applyCalibration, argmax, fineLevels, stackFeatures, wordPart } from './stacking.ts';
import { structureFeatures } from './text.ts';
import { trainClassifier } from './training.ts';
import {
  LEVELS,
  modelText,
  type Level,
  type TrainOptions,
  type TrainingRow,
} from './trainingInput.ts';
import { Vectorizer, type SparseVector } from './vectorizer.ts';

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
    const index = new NeighbourIndex(
      file.memory.texts.map((t) => vectorizer.transform(t)),
      vectorizer.dimension,
      file.options.knnMaxDf ?? 1,
    );
    return new LocalClassifier(file, vectorizer, headsFromFile(file, vectorizer), index);
  }

  static train(rows: TrainingRow[], options: Partial<TrainOptions> = {}): LocalClassifier {
    const { file, vectorizer, heads, index } = trainClassifier(rows, options);
    // The memory's vectors and index are the ones training built from the same texts.
    return new LocalClassifier(file, vectorizer, heads, index);
  }

  predict(subject: string | undefined, description: string): Prediction {
    const text = modelText(subject, description, this.file.options);
    const x = this.vectorizer.transform(text);
    const levels = this.file.memory.levels;
    const neighbours = this.index.query(x, this.file.options.neighbours);
    const features = this.stackingInputs(x, neighbours, subject, description, text);
    const probs = softmax(denseLogits(this.file.stack, features));
    const k = argmax(probs);
    const top = neighbours[0];
    return {
      level: LEVELS[k]!,
      probabilities: [probs[0]!, probs[1]!, probs[2]!],
      confidence: k === 0 ? this.level1Confidence(features, probs[0]!) : probs[k]!,
      category: this.category(x),
      topTerms: this.topTerms(x, k),
      nearest: top ? { similarity: top.similarity, level: levels[top.doc] as Level } : undefined,
    };
  }

  /** What the stacking layer reads for one ticket: the heads' scores and its neighbours' votes. */
  private stackingInputs(
    x: SparseVector,
    neighbours: Neighbour[],
    subject: string | undefined,
    description: string,
    text: string,
  ): number[] {
    const levels = this.file.memory.levels;
    return stackFeatures(
      softmax(logisticLogits(this.levelHead, x)),
      neighbours,
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
  }

  /**
   * The confidence of a level-1 prediction: calibrated when the file has a calibration (from the
   * binary layer's score if it has one, else the 3-class P(level 1)); else `pLevel1` itself.
   */
  private level1Confidence(features: number[], pLevel1: number): number {
    const l1 = this.file.l1;
    if (!l1) return pLevel1;
    const score =
      l1.weights && l1.bias
        ? softmax(denseLogits({ weights: l1.weights, bias: l1.bias }, features))[0]!
        : pLevel1;
    return applyCalibration(l1.calibration, score);
  }

  private category(x: SparseVector): Prediction['category'] {
    if (!this.categoryHead || !this.file.category) return undefined;
    const cp = softmax(logisticLogits(this.categoryHead, x));
    const c = argmax(cp);
    return { name: this.file.category.names[c]!, probability: cp[c]! };
  }

  /** Explanation: the features contributing most to level index `k` against the others. */
  private topTerms(x: SparseVector, k: number): string[] {
    const K = 3;
    const w = this.levelHead.weights;
    const contributions: Array<{ f: number; c: number }> = [];
    for (let j = 0; j < x.idx.length; j++) {
      const f = x.idx[j]!;
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
    return topTerms;
  }
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
