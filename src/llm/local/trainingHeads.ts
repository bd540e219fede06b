/** The heads fitted on the vectorised rows: per fold (out-of-fold scores), then the final ones. */
import { complementNbLevels, naiveBayesLevels, trainComplementNb, trainNaiveBayes } from './nb.ts';
import { logisticLogits, trainLogistic, type LogisticModel } from './logreg.ts';
import type { Heads } from './modelFile.ts';
import { averageModels, fineLevels } from './stacking.ts';
import { splitFold, type Corpus, type FineLabels } from './trainingCorpus.ts';
import type { TrainOptions } from './trainingInput.ts';

/** Which optional heads this training fits. */
export interface Enabled {
  nb: boolean;
  cnb: boolean;
  fine: boolean;
}

/**
 * Per row, what each head said when the row's fold was held out: the level head's logits, the
 * optional heads' per-level scores; and the fold models the final heads average.
 */
export interface OutOfFold {
  level: number[][];
  nb: number[][];
  cnb: number[][];
  fine: number[][];
  levelModels: LogisticModel[];
  fineModels: LogisticModel[];
}

/** The optional heads `o` asks for; the fine head only when there are labels finer than levels. */
export function enabledHeads(o: TrainOptions, fineLabelCount: number): Enabled {
  return {
    nb: o.nbAlpha > 0,
    cnb: o.nbAlpha > 0 && (o.cnbAlpha ?? 0) > 0,
    fine: o.nbAlpha > 0 && o.fineLr === true && fineLabelCount > 3,
  };
}

/** Out-of-fold scores: what the final heads would say about tickets they have not seen. */
export function outOfFoldScores(
  { xs, ys, folds, foldOf, vectorizer }: Corpus,
  fine: FineLabels,
  enabled: Enabled,
  o: TrainOptions,
  log: (message: string) => void,
): OutOfFold {
  const n = xs.length;
  const dim = vectorizer.dimension;
  const out: OutOfFold = {
    level: new Array(n),
    nb: new Array(n),
    cnb: new Array(n),
    fine: new Array(n),
    levelModels: [],
    fineModels: [],
  };
  const pick = <T>(values: T[], indexes: number[]) => indexes.map((i) => values[i]!);
  for (let f = 0; f < folds; f++) {
    const { train, held } = splitFold(foldOf, f);
    if (held.length === 0 || train.length === 0) continue;
    const trainXs = pick(xs, train);
    const trainFine = pick(fine.ofRow, train);
    const level = trainLogistic(trainXs, pick(ys, train), 3, dim, {
      l2: o.l2,
      maxIter: o.maxIter,
      balanced: true,
    });
    out.levelModels.push(level);
    for (const i of held) out.level[i] = Array.from(logisticLogits(level, xs[i]!));
    if (enabled.nb) {
      const nb = trainNaiveBayes(trainXs, trainFine, fine.labelLevel, dim, o.nbAlpha);
      for (const i of held) out.nb[i] = naiveBayesLevels(nb, xs[i]!);
    }
    if (enabled.fine) {
      const fm = trainLogistic(
        pick(fine.wordXs, train),
        trainFine,
        fine.labels.length,
        vectorizer.words.length,
        { l2: o.l2, maxIter: o.maxIter, balanced: false },
      );
      out.fineModels.push(fm);
      for (const i of held) out.fine[i] = fineLevels(fm, fine.labelLevel, fine.wordXs[i]!);
    }
    if (enabled.cnb) {
      const cnb = trainComplementNb(trainXs, trainFine, fine.labelLevel, dim, o.cnbAlpha!);
      for (const i of held) out.cnb[i] = complementNbLevels(cnb, xs[i]!);
    }
    log(`fold ${f + 1}/${folds} done`);
  }
  return out;
}

/**
 * The heads a classifier predicts with. The level head (and the fine head) is the average of the
 * fold models: its scores on new tickets are distributed like the out-of-fold scores the stacking
 * layer is fitted on. The naive-Bayes heads are refitted on all rows. The category head comes later.
 */
export function finalHeads(
  { xs, vectorizer }: Corpus,
  fine: FineLabels,
  enabled: Enabled,
  oof: OutOfFold,
  o: TrainOptions,
): Heads {
  const dim = vectorizer.dimension;
  return {
    level: averageModels(oof.levelModels),
    category: undefined,
    nb: enabled.nb ? trainNaiveBayes(xs, fine.ofRow, fine.labelLevel, dim, o.nbAlpha) : undefined,
    cnb: enabled.cnb
      ? trainComplementNb(xs, fine.ofRow, fine.labelLevel, dim, o.cnbAlpha!)
      : undefined,
    fine: enabled.fine ? averageModels(oof.fineModels) : undefined,
  };
}

/** The optional category head, on the rows whose category is seen at least `minCategoryCount` times. */
export function trainCategoryHead(
  { rows, xs, vectorizer }: Corpus,
  o: TrainOptions,
): { names: string[]; head: LogisticModel } | undefined {
  const counts = new Map<string, number>();
  for (const r of rows) if (r.category) counts.set(r.category, (counts.get(r.category) ?? 0) + 1);
  const names = [...counts.entries()]
    .filter(([, n]) => n >= o.minCategoryCount)
    .map(([c]) => c)
    .sort();
  if (names.length < 2) return undefined;
  const usable = rows
    .map((r, i) => ({ category: r.category, i }))
    .filter(
      (r): r is { category: string; i: number } => !!r.category && names.includes(r.category),
    );
  const head = trainLogistic(
    usable.map(({ i }) => xs[i]!),
    usable.map(({ category }) => names.indexOf(category)),
    names.length,
    vectorizer.dimension,
    { l2: o.l2, maxIter: o.maxIter, balanced: false },
  );
  return { names, head };
}
