import type { SparseVector } from './vectorizer.ts';

export interface Neighbour {
  doc: number;
  similarity: number;
}

/** Cosine nearest neighbours over L2-normalised sparse vectors, through an inverted index. */
export class NeighbourIndex {
  private readonly postingsDoc: Int32Array[];
  private readonly postingsVal: Float32Array[];
  private readonly scores: Float32Array;
  private readonly touched: Int32Array;

  /**
   * `maxDfShare`: features in more than this share of the documents are skipped when querying
   * (they barely separate documents and cost the most); similarities become approximate.
   */
  constructor(
    readonly docs: SparseVector[],
    dimension: number,
    maxDfShare = 1,
  ) {
    const lengths = new Int32Array(dimension);
    for (const d of docs) for (const f of d.idx) lengths[f]!++;
    const maxDf = Math.max(1, Math.floor(maxDfShare * docs.length));
    for (let f = 0; f < dimension; f++) if (lengths[f]! > maxDf) lengths[f] = 0;
    this.postingsDoc = Array.from(lengths, (n) => new Int32Array(n));
    this.postingsVal = Array.from(lengths, (n) => new Float32Array(n));
    const fill = new Int32Array(dimension);
    docs.forEach((d, i) => {
      for (let j = 0; j < d.idx.length; j++) {
        const f = d.idx[j]!;
        if (this.postingsDoc[f]!.length === 0) continue;
        const at = fill[f]!++;
        this.postingsDoc[f]![at] = i;
        this.postingsVal[f]![at] = d.val[j]!;
      }
    });
    this.scores = new Float32Array(docs.length);
    this.touched = new Int32Array(docs.length);
  }

  /** The `k` most similar documents; `exclude(doc)` skips documents (e.g. the query itself). */
  query(q: SparseVector, k: number, exclude?: (doc: number) => boolean): Neighbour[] {
    const scores = this.scores;
    let nTouched = 0;
    for (let j = 0; j < q.idx.length; j++) {
      const f = q.idx[j]!;
      const docs = this.postingsDoc[f];
      if (!docs || docs.length === 0) continue;
      const vals = this.postingsVal[f]!;
      const v = q.val[j]!;
      for (let p = 0; p < docs.length; p++) {
        const d = docs[p]!;
        if (scores[d] === 0) this.touched[nTouched++] = d;
        scores[d]! += v * vals[p]!;
      }
    }
    const best: Neighbour[] = [];
    for (let t = 0; t < nTouched; t++) {
      const d = this.touched[t]!;
      const s = scores[d]!;
      scores[d] = 0;
      if (s <= 0 || (exclude && exclude(d))) continue;
      if (best.length < k || s > best[best.length - 1]!.similarity) {
        let at = best.length;
        while (at > 0 && best[at - 1]!.similarity < s) at--;
        best.splice(at, 0, { doc: d, similarity: s });
        if (best.length > k) best.pop();
      }
    }
    return best;
  }
}
