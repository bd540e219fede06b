import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import MiniSearch from 'minisearch';
import type { KbArticle, KnowledgeBase } from '../llm/types.ts';
import { parseArticle } from './parse.ts';

export { articleSections, parseArticle } from './parse.ts';

export interface KnowledgeBaseOptions {
  /**
   * Results whose relevance (0..1, see `relevance`) is below this are not returned: the
   * workflow treats every returned article as grounding. Default 0.4.
   */
  minScore?: number | undefined;
}

/** Words that say nothing about which article fits (English and a little German). */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can cannot could do does for from has have hello hi how i ' +
    "i'm im if in into is it its me my no not of on or our please so team that the their them " +
    'then there this to too was we were what when where which who will with would you your ' +
    'thanks thank regards dear kind best help need issue problem unable able get getting got ' +
    'der die das und ist nicht ich mit bitte ein eine ' +
    // Letter-writing words that every article and every long ticket share.
    'support service desk hope message reach reaching well request requesting information ' +
    'detail details detailed regarding inquiry query question assistance assist kindly provide ' +
    'could like also appreciate any some us all am just know let want any one using use used ' +
    'currently recently since still again now today issue issues experiencing'
  ).split(' '),
);

/** Lower-case, fold accents and umlauts, drop stop words, strip common English suffixes. */
export function searchTerm(term: string): string | null {
  const t = term
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  if (t.length < 2 || STOP_WORDS.has(t) || /^\d+$/.test(t)) return null;
  return stem(t);
}

/** Irregular forms and spellings that matter for help-desk wording. */
const IRREGULAR: Record<string, string> = {
  forgotten: 'forgot',
  forget: 'forgot',
  logon: 'login',
  signin: 'login',
  logged: 'login',
  emails: 'email',
  mail: 'email',
  passwort: 'password',
  pwd: 'password',
};

function stem(t: string): string {
  const irregular = IRREGULAR[t];
  if (irregular) return irregular;
  if (t.length <= 4) return t;
  for (const [suffix, replacement] of [
    ['ies', 'y'],
    ['ing', ''],
    ['ed', ''],
    ['es', ''],
    ['s', ''],
  ] as const) {
    if (t.endsWith(suffix) && t.length - suffix.length >= 3 && !t.endsWith('ss')) {
      return t.slice(0, -suffix.length) + replacement;
    }
  }
  return t;
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

const MAIL_HEADER = /^\s*(received from|from|sent|to|cc)\s*:(.*)$/i;
const FORM_FIELD = /^\s*(name|language|browser|email|e-mail|customer number|telephone|phone)\s*:/i;

/**
 * The part of a ticket that says what it is about. Mailed tickets carry header lines
 * ("received from: <address>", "sent: <date>") and web forms a block of who filled them in (name,
 * e-mail, browser, customer number…): their words would make articles about mail or browsers look
 * relevant. Only lines that are plainly such are dropped: a header with an address or a date, form
 * fields when several come together ("Email: Outlook asks for my password" alone is a subject).
 */
export function searchableText(ticket: string): string {
  const lines = ticket.split(/\r?\n/);
  const formBlock = lines.filter((line) => FORM_FIELD.test(line)).length >= 2;
  return lines
    .filter((line) => {
      const header = MAIL_HEADER.exec(line);
      if (header && /@|<|;|\d{4}/.test(header[2]!)) return false;
      return !(formBlock && FORM_FIELD.test(line));
    })
    .join(' ')
    .replace(/\S+@\S+/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

/** The distinct search terms of a text. */
export function terms(text: string): Set<string> {
  return new Set(tokenize(text).map(searchTerm).filter((t): t is string => t !== null));
}

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
