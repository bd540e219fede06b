import { charGrams, tokenize, wordGrams } from './text.ts';

/** A sparse vector: sorted feature indices and their values. */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

export interface VectorizerOptions {
  /** Minimum number of training documents a word n-gram must occur in. */
  wordMinDf: number;
  /** Minimum number of training documents a character n-gram must occur in. */
  charMinDf: number;
  charMin: number;
  charMax: number;
  /** Relative weight of the character block (the word block has weight 1). */
  charWeight: number;
  /** Keep at most this many features per block, the most frequent first. */
  maxWordFeatures: number;
  maxCharFeatures: number;
}

export const defaultVectorizerOptions: VectorizerOptions = {
  wordMinDf: 2,
  charMinDf: 3,
  charMin: 3,
  charMax: 5,
  charWeight: 1,
  maxWordFeatures: 30_000,
  maxCharFeatures: 60_000,
};

/** What a vectorizer stores in the model file. */
export interface VectorizerState {
  options: VectorizerOptions;
  /** Word n-grams first, then character n-grams (prefixed with nothing; blocks are by index). */
  words: string[];
  chars: string[];
  /** Inverse document frequencies, words then chars. */
  idf: number[];
}

/**
 * TF-IDF over word uni/bi-grams and word-bounded character n-grams. Each block is L2-normalised
 * with sublinear term frequency, then the blocks are weighted and the whole vector normalised.
 */
export class Vectorizer {
  readonly options: VectorizerOptions;
  readonly words: string[];
  readonly chars: string[];
  readonly idf: Float32Array;
  private readonly wordIndex = new Map<string, number>();
  private readonly charIndex = new Map<string, number>();

  constructor(state: VectorizerState) {
    this.options = state.options;
    this.words = state.words;
    this.chars = state.chars;
    this.idf = Float32Array.from(state.idf);
    state.words.forEach((w, i) => this.wordIndex.set(w, i));
    state.chars.forEach((c, i) => this.charIndex.set(c, i + state.words.length));
  }

  get dimension(): number {
    return this.words.length + this.chars.length;
  }

  /** The name of feature `i`, for explanations. */
  featureName(i: number): string {
    return i < this.words.length
      ? this.words[i]!
      : `"${this.chars[i - this.words.length]!.trim()}"`;
  }

  isWordFeature(i: number): boolean {
    return i < this.words.length;
  }

  static fit(normalizedDocs: string[], options: Partial<VectorizerOptions> = {}): Vectorizer {
    const o = { ...defaultVectorizerOptions, ...options };
    const wordDf = new Map<string, number>();
    const charDf = new Map<string, number>();
    for (const doc of normalizedDocs) {
      const tokens = tokenize(doc);
      for (const g of new Set(wordGrams(tokens))) wordDf.set(g, (wordDf.get(g) ?? 0) + 1);
      for (const g of new Set(charGrams(tokens, o.charMin, o.charMax)))
        charDf.set(g, (charDf.get(g) ?? 0) + 1);
    }
    const pick = (df: Map<string, number>, minDf: number, max: number) =>
      [...df.entries()]
        .filter(([, n]) => n >= minDf)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, max);
    const words = pick(wordDf, o.wordMinDf, o.maxWordFeatures);
    const chars = pick(charDf, o.charMinDf, o.maxCharFeatures);
    const n = normalizedDocs.length;
    const idf = [...words, ...chars].map(([, df]) => Math.log((1 + n) / (1 + df)) + 1);
    return new Vectorizer({
      options: o,
      words: words.map(([w]) => w),
      chars: chars.map(([c]) => c),
      idf,
    });
  }

  toState(): VectorizerState {
    return {
      options: this.options,
      words: this.words,
      chars: this.chars,
      idf: Array.from(this.idf, (v) => Math.round(v * 1e4) / 1e4),
    };
  }

  /** TF-IDF of one normalised document. */
  transform(normalizedDoc: string): SparseVector {
    const tokens = tokenize(normalizedDoc);
    const o = this.options;
    const wordCounts = count(wordGrams(tokens), this.wordIndex);
    const charCounts = count(charGrams(tokens, o.charMin, o.charMax), this.charIndex);
    const wordBlock = tfidf(wordCounts, this.idf, 1);
    const charBlock = tfidf(charCounts, this.idf, o.charWeight);
    const merged = new Map<number, number>([...wordBlock, ...charBlock]);
    let norm = 0;
    for (const v of merged.values()) norm += v * v;
    norm = Math.sqrt(norm) || 1;
    const idx = Int32Array.from([...merged.keys()].sort((a, b) => a - b));
    const val = new Float32Array(idx.length);
    idx.forEach((k, j) => (val[j] = merged.get(k)! / norm));
    return { idx, val };
  }

  /** Only the word block, L2-normalised: used for near-duplicate search. */
  transformWords(normalizedDoc: string): SparseVector {
    const counts = count(wordGrams(tokenize(normalizedDoc)), this.wordIndex);
    const block = tfidf(counts, this.idf, 1);
    const idx = Int32Array.from([...block.keys()].sort((a, b) => a - b));
    const val = new Float32Array(idx.length);
    idx.forEach((k, j) => (val[j] = block.get(k)!));
    return { idx, val };
  }
}

function count(grams: string[], index: Map<string, number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const g of grams) {
    const i = index.get(g);
    if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  return counts;
}

function tfidf(
  counts: Map<number, number>,
  idf: Float32Array,
  weight: number,
): Map<number, number> {
  const out = new Map<number, number>();
  let norm = 0;
  for (const [i, c] of counts) {
    const v = (1 + Math.log(c)) * idf[i]!;
    out.set(i, v);
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (const [i, v] of out) out.set(i, (v / norm) * weight);
  return out;
}

export function dot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.idx.length && j < b.idx.length) {
    const x = a.idx[i]!;
    const y = b.idx[j]!;
    if (x === y) {
      s += a.val[i]! * b.val[j]!;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return s;
}
