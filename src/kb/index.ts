import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
import type { KbArticle, KnowledgeBase } from '../llm/index.ts';
import { parseArticle } from './parse.ts';
import { searchTerm, searchableText, terms } from './terms.ts';

export { articleSections, parseArticle } from './parse.ts';
export { searchTerm, searchableText, terms, termList } from './terms.ts';
export {
  groupGaps,
  type GapGroup,
  type GapOptions,
  type GapReason,
  type GapTicket,
} from './gaps.ts';

export interface KnowledgeBaseOptions {
  /**
   * Results whose relevance (0..1, see `relevance`) is below this are not returned: the
   * workflow treats every returned article as grounding. Default 0.4.
   */
  minScore?: number | undefined;
}

/**
 * Maps a raw BM25 score to 0..1: a query term that matches an article's title or tags scores
 * about 10-20 in BM25 here, and several matching terms saturate towards 1. The result is damped
 * when the article matches only a few of the query's words (up to eight count).
 */
export function relevance(bm25: number, queryTerms: number, matchedTerms: number): number {
  const saturation = bm25 / (bm25 + 20);
  const share = Math.min(1, matchedTerms / Math.max(1, Math.min(queryTerms, 8)));
  return saturation * Math.sqrt(share);
}

/** Only the start of a ticket is searched (subject and first lines). */
export const MAX_QUERY_CHARS = 300;

/** An in-memory BM25 index (MiniSearch) over articles: title and tags weigh more than the body. */
export function createKnowledgeBase(
  articles: KbArticle[],
  options: KnowledgeBaseOptions = {},
): KnowledgeBase & { readonly size: number } {
  const minScore = options.minScore ?? 0.4;
  const byId = new Map<string, KbArticle>();
  for (const a of articles) {
    if (byId.has(a.id)) throw new Error(`duplicate knowledge-base article id: ${a.id}`);
    byId.set(a.id, a);
  }
  const index = new MiniSearch<{ id: string; title: string; tags: string; body: string }>({
    fields: ['title', 'tags', 'body'],
    processTerm: searchTerm,
    searchOptions: {
      boost: { title: 3, tags: 3, body: 0.5 },
      fuzzy: (term) => (term.length >= 6 ? 0.2 : false),
      prefix: (term) => term.length >= 5,
      combineWith: 'OR',
    },
  });
  index.addAll(
    articles.map((a) => ({ id: a.id, title: a.title, tags: a.tags.join(', '), body: a.body })),
  );
  const titleTerms = new Map(articles.map((a) => [a.id, terms(a.title)]));
  return {
    size: articles.length,
    async search(query: string, limit: number) {
      // The first lines carry the problem; the rest of a long ticket is detail or quoted mail,
      // and every extra word would make some article look relevant.
      const text = searchableText(query).slice(0, MAX_QUERY_CHARS);
      if (limit <= 0 || text === '') return [];
      const queryTerms = terms(text);
      const results = index.search(text);
      const scored = results
        .map((r) => {
          // How much of the article's title the ticket talks about: "Reset your SAP password"
          // fits "SAP password" better than "I forgot my password".
          const title = titleTerms.get(String(r.id)) ?? new Set<string>();
          let hits = 0;
          for (const t of title) if (queryTerms.has(t)) hits++;
          const titleShare = title.size === 0 ? 0 : hits / title.size;
          const bm25 = relevance(r.score, queryTerms.size, r.queryTerms.length);
          return { r, score: 0.8 * bm25 + 0.2 * titleShare };
        })
        .sort((a, b) => b.score - a.score);
      const out: Array<KbArticle & { score: number }> = [];
      for (const { r, score } of scored) {
        if (score < minScore) break;
        const article = byId.get(String(r.id));
        if (article) out.push({ ...article, score: Math.round(score * 1000) / 1000 });
        if (out.length >= limit) break;
      }
      return out;
    },
    get: (id) => byId.get(id),
    all: () => [...byId.values()],
  };
}

/** Reads every `*.md` file of `dir` (not recursive), sorted by name, into a knowledge base. */
export async function loadKnowledgeBase(
  dir = 'kb',
  options: KnowledgeBaseOptions = {},
): Promise<KnowledgeBase & { readonly size: number }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.md')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return createKnowledgeBase([], options);
    throw error;
  }
  const articles: KbArticle[] = [];
  for (const name of names) {
    if (name.toLowerCase() === 'readme.md') continue;
    articles.push(parseArticle(await readFile(join(dir, name), 'utf8'), name));
  }
  return createKnowledgeBase(articles, options);
}
