/** The training rows as every head sees them: texts, features, levels, folds, fine labels. */
import { structureFeatures } from './text.ts';
import {
  hashFold,
  modelText,
  ticketKey,
  type TrainOptions,
  type TrainingRow,
} from './trainingInput.ts';
import { Vectorizer, defaultVectorizerOptions, type SparseVector } from './vectorizer.ts';

/** The rows as the heads see them, computed once. */
export interface Corpus {
  rows: TrainingRow[];
  texts: string[];
  /** Each row's identity (`ticketKey`): verbatim copies share a fold and never vote for each other. */
  keys: string[];
  /** Level - 1. */
  ys: number[];
  shapes: Array<number[] | undefined>;
  vectorizer: Vectorizer;
  xs: SparseVector[];
  folds: number;
  foldOf: number[];
}

/** The finer labels inside a level (group, else category) that the optional heads predict. */
export interface FineLabels {
  labels: string[];
  /** Each label's level - 1. */
  labelLevel: number[];
  /** Each row's label index. */
  ofRow: number[];
  /** The rows' word features only (for the fine logistic head; empty when it is off). */
  wordXs: SparseVector[];
}

export function readCorpus(rows: TrainingRow[], o: TrainOptions): Corpus {
  const texts = rows.map((r) => modelText(r.subject, r.description, o));
  const keys = rows.map(ticketKey);
  const shapes = rows.map((r, i) =>
    o.structure ? structureFeatures(r.subject, r.description, texts[i]!) : undefined,
  );
  const vectorizer = Vectorizer.fit(texts, { ...defaultVectorizerOptions, ...o.vectorizer });
  const folds = Math.max(2, Math.min(o.folds, rows.length));
  return {
    rows,
    texts,
    keys,
    ys: rows.map((r) => r.level - 1),
    shapes,
    vectorizer,
    xs: texts.map((t) => vectorizer.transform(t)),
    folds,
    foldOf: keys.map((k) => hashFold(k, folds)),
  };
}

/** Fine labels seen fewer than `minGroupCount` times are merged into their level's `n:*`. */
export function fineLabelsOf(
  rows: TrainingRow[],
  minGroupCount: number,
): Omit<FineLabels, 'wordXs'> {
  const names = rows.map((r) => {
    const g = r.group ?? r.category;
    return g ? `${r.level}:${g}` : `${r.level}:*`;
  });
  const counts = new Map<string, number>();
  for (const g of names) counts.set(g, (counts.get(g) ?? 0) + 1);
  const merged = names.map((g, i) =>
    (counts.get(g) ?? 0) >= minGroupCount ? g : `${rows[i]!.level}:*`,
  );
  const labels = [...new Set(merged)].sort();
  return {
    labels,
    labelLevel: labels.map((l) => Number(l.split(':')[0]) - 1),
    ofRow: merged.map((g) => labels.indexOf(g)),
  };
}

/** The rows outside fold `f` (to train on) and inside it (to score). */
export function splitFold(foldOf: number[], f: number): { train: number[]; held: number[] } {
  const all = foldOf.map((_, i) => i);
  return { train: all.filter((i) => foldOf[i] !== f), held: all.filter((i) => foldOf[i] === f) };
}
