/** How a model does on tickets, grouped by how close the nearest training ticket is. */
export interface NearestBand {
  /** Lowest similarity of the band (inclusive). */
  from: number;
  /** Highest similarity of the band (exclusive; the top band includes 1). */
  to: number;
  tickets: number;
  /** Share of the band's tickets that are truly level 1. */
  level1Share: number;
  /** 3-class accuracy of the model in the band. */
  accuracy: number;
  /** How often the nearest training ticket's level equals the ticket's own (3-class). */
  nearestAgrees: number;
  /** The same, level 1 against escalation. */
  nearestAgreesBinary: number;
  /** Tickets the model would answer automatically, and the share of them truly level 1. */
  autoAnswered: number;
  autoAnswerPrecision: number;
}

export interface NearestRow {
  reference: number;
  predicted: number;
  confidence: number;
  /** Similarity (0..1) and level of the most similar training ticket; absent when none shares a term. */
  nearest?: { similarity: number; level: number } | undefined;
}

export const NEAREST_BANDS: ReadonlyArray<readonly [number, number]> = [
  [0.99, 1],
  [0.8, 0.99],
  [0.6, 0.8],
  [0.4, 0.6],
  [0, 0.4],
];

/**
 * Splits the results by the similarity of each ticket's nearest training ticket. Where near-copies
 * exist, their labels bound what any text model can reach (they disagree as often as the
 * assignment is arbitrary); below that, the model must generalise, and its errors are there.
 */
export function accuracyByNearest(
  rows: NearestRow[],
  threshold: number,
  bands: ReadonlyArray<readonly [number, number]> = NEAREST_BANDS,
): NearestBand[] {
  return bands.map(([from, to]) => {
    const inBand = rows.filter((r) => {
      const s = r.nearest?.similarity ?? 0;
      // The top band takes everything from its lower edge (cosines can round to just above 1).
      return s >= from && (to >= 1 || s < to);
    });
    const n = inBand.length;
    const share = (count: (r: NearestRow) => boolean, of: NearestRow[] = inBand) =>
      of.length === 0 ? 0 : of.filter(count).length / of.length;
    const answered = inBand.filter((r) => r.predicted === 1 && r.confidence >= threshold);
    return {
      from,
      to,
      tickets: n,
      level1Share: share((r) => r.reference === 1),
      accuracy: share((r) => r.predicted === r.reference),
      nearestAgrees: share((r) => r.nearest?.level === r.reference),
      nearestAgreesBinary: share((r) => (r.nearest?.level === 1) === (r.reference === 1)),
      autoAnswered: answered.length,
      autoAnswerPrecision: share((r) => r.reference === 1, answered),
    };
  });
}
