/**
 * What the knowledge base lacks: tickets that escalated or were rejected for want of a good
 * article, grouped by topic so that whoever writes articles sees what to write next. The grouping
 * is meant to be explained in one sentence: within each category the model gave, a ticket joins
 * the group whose TF-IDF centroid it is most similar to (cosine at least `similarity`), else it
 * starts a new group; a group is named by its centroid's heaviest terms. Pure: no I/O.
 */
import { searchableText, termList } from './terms.ts';

/** Why a ticket counts as a gap: no article was found, the model was unsure and no article fits,
 * or the requester rejected the answer the articles gave. */
export type GapReason = 'no_grounding' | 'low_confidence' | 'rejected';

export interface GapTicket {
  ticketId: string;
  subject?: string | undefined;
  description: string;
  /** The category the model gave (or `unclassified`). */
  category: string;
  reason: GapReason;
  /** The knowledge base's best article for the ticket's text, however weak. */
  bestArticle?: { id: string; score: number } | undefined;
}

export interface GapExample {
  ticketId: string;
  excerpt: string;
  bestArticle?: { id: string; score: number } | undefined;
}

export interface GapGroup {
  /** `category: term, term, term`. */
  topic: string;
  category: string;
  /** The heaviest terms of the group's centroid (stemmed search terms). */
  terms: string[];
  tickets: number;
  reasons: Partial<Record<GapReason, number>>;
  /** The tickets closest to the centroid, first. */
  examples: GapExample[];
}

export interface GapOptions {
  /** Cosine to a group's centroid at which a ticket joins it (default 0.2). */
  similarity?: number;
  /** Examples per group (default 3). */
  examples?: number;
  /** Terms that name a group (default 3). */
  topicTerms?: number;
  /** Characters of an example's excerpt (default 100). */
  excerptChars?: number;
}

type Vector = Map<string, number>;

/** How much of a ticket is read: the problem is stated first; the rest is detail or quoted mail. */
const TEXT_CHARS = 600;

/** Groups gap tickets by topic, the largest group first (ties: category, then topic). */
export function groupGaps(tickets: readonly GapTicket[], options: GapOptions = {}): GapGroup[] {
  const threshold = options.similarity ?? 0.2;
  const vectors = tfIdf(tickets.map((t) => termList(textOf(t))));
  const byCategory = new Map<string, number[]>();
  tickets.forEach((t, i) => byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), i]));
  const groups: GapGroup[] = [];
  for (const [category, members] of byCategory) {
    for (const cluster of clusterByCentroid(members, vectors, threshold)) {
      groups.push(describe(category, cluster, tickets, vectors, options));
    }
  }
  return groups.sort(
    (a, b) =>
      b.tickets - a.tickets ||
      a.category.localeCompare(b.category) ||
      a.topic.localeCompare(b.topic),
  );
}

function textOf(t: GapTicket): string {
  return searchableText([t.subject, t.description].filter(Boolean).join('\n')).slice(
    0,
    TEXT_CHARS,
  );
}

/** Sublinear TF × smoothed IDF over the gap tickets themselves, L2-normalised. */
function tfIdf(docs: string[][]): Vector[] {
  const df = new Map<string, number>();
  for (const doc of docs) for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return docs.map((doc) => {
    const tf = new Map<string, number>();
    for (const t of doc) tf.set(t, (tf.get(t) ?? 0) + 1);
    const v: Vector = new Map();
    for (const [t, count] of tf) {
      v.set(t, (1 + Math.log(count)) * (Math.log((1 + n) / (1 + df.get(t)!)) + 1));
    }
    return normalise(v);
  });
}

function normalise(v: Vector): Vector {
  let norm = 0;
  for (const w of v.values()) norm += w * w;
  norm = Math.sqrt(norm);
  if (norm === 0) return v;
  return new Map([...v].map(([t, w]) => [t, w / norm]));
}

function cosine(a: Vector, b: Vector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, w] of small) dot += w * (large.get(t) ?? 0);
  return dot;
}

/** One pass in ticket order: each ticket joins the most similar centroid, or starts a group. */
function clusterByCentroid(members: number[], vectors: Vector[], threshold: number): number[][] {
  const clusters: Array<{ members: number[]; sum: Vector; centroid: Vector }> = [];
  for (const i of members) {
    const v = vectors[i]!;
    let best: (typeof clusters)[number] | undefined;
    let bestSimilarity = threshold;
    for (const c of clusters) {
      const s = cosine(v, c.centroid);
      if (s >= bestSimilarity) [best, bestSimilarity] = [c, s];
    }
    if (!best) {
      clusters.push({ members: [i], sum: new Map(v), centroid: v });
      continue;
    }
    best.members.push(i);
    for (const [t, w] of v) best.sum.set(t, (best.sum.get(t) ?? 0) + w);
    best.centroid = normalise(best.sum);
  }
  return clusters.map((c) => c.members);
}

function describe(
  category: string,
  members: number[],
  tickets: readonly GapTicket[],
  vectors: Vector[],
  options: GapOptions,
): GapGroup {
  const sum: Vector = new Map();
  for (const i of members) for (const [t, w] of vectors[i]!) sum.set(t, (sum.get(t) ?? 0) + w);
  const centroid = normalise(sum);
  const topTerms = [...centroid]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, options.topicTerms ?? 3)
    .map(([t]) => t);
  const reasons: Partial<Record<GapReason, number>> = {};
  for (const i of members) reasons[tickets[i]!.reason] = (reasons[tickets[i]!.reason] ?? 0) + 1;
  const closest = [...members].sort(
    (a, b) => cosine(vectors[b]!, centroid) - cosine(vectors[a]!, centroid) || a - b,
  );
  return {
    topic: `${category}: ${topTerms.join(', ') || '(no words)'}`,
    category,
    terms: topTerms,
    tickets: members.length,
    reasons,
    examples: closest.slice(0, options.examples ?? 3).map((i) => {
      const t = tickets[i]!;
      return {
        ticketId: t.ticketId,
        excerpt: excerpt(textOf(t), options.excerptChars ?? 100),
        ...(t.bestArticle ? { bestArticle: t.bestArticle } : {}),
      };
    }),
  };
}

function excerpt(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1).trimEnd()}…`;
}
