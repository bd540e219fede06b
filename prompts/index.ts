/**
 * Versioned prompt templates. A template is a markdown file `prompts/<name>.v<N>.md` with two
 * sections introduced by `<!-- role: system -->` and `<!-- role: user -->`, and `{{placeholders}}`
 * filled in one pass (a value containing `{{x}}` is never expanded again).
 *
 * Every rendered prompt carries its version (`classify.v1`) and the sha256 of the template text,
 * so an event can record exactly which prompt a model decision was made with. Never edit a
 * published template: add `<name>.v<N+1>.md` and switch the adapter to it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KbArticle, TicketText } from '../src/llm/types.ts';

export interface RenderedPrompt {
  /** e.g. `classify.v1` */
  version: string;
  /** sha256 (hex) of the template file text */
  hash: string;
  system: string;
  user: string;
}

export interface PromptTemplate {
  version: string;
  hash: string;
  /** The template file text, as hashed. */
  text: string;
  render(vars: Record<string, string>): RenderedPrompt;
}

/** Markers around untrusted ticket text and around knowledge-base articles. */
export const TICKET_BEGIN = '<<<TICKET_DATA_BEGIN>>>';
export const TICKET_END = '<<<TICKET_DATA_END>>>';
export const ARTICLES_BEGIN = '<<<KB_ARTICLES_BEGIN>>>';
export const ARTICLES_END = '<<<KB_ARTICLES_END>>>';
/** What the draft prompt tells the model to answer when the articles do not cover the ticket. */
export const NO_ANSWER = 'NO_GROUNDED_ANSWER';

export const CLASSIFY_PROMPT = 'classify.v1';
export const DRAFT_PROMPT = 'draft.v1';

/** Longest ticket text (subject + description, each) put into a prompt. */
export const MAX_TICKET_CHARS = 12_000;
/** Longest article body put into a prompt. */
export const MAX_ARTICLE_CHARS = 6_000;

const SYSTEM_MARK = '<!-- role: system -->';
const USER_MARK = '<!-- role: user -->';
const cache = new Map<string, PromptTemplate>();

/** Loads (and caches) a template by version, e.g. `loadPrompt('classify.v1')`. */
export function loadPrompt(version: string): PromptTemplate {
  if (!/^[a-z][a-z0-9-]*\.v\d+$/.test(version)) {
    throw new Error(`invalid prompt version "${version}" (expected <name>.v<N>)`);
  }
  const cached = cache.get(version);
  if (cached) return cached;
  const text = readFileSync(fileURLToPath(new URL(`./${version}.md`, import.meta.url)), 'utf8');
  const template = parseTemplate(version, text);
  cache.set(version, template);
  return template;
}

/** Builds a template from its text (exported for tests and tools). */
export function parseTemplate(version: string, text: string): PromptTemplate {
  const s = text.indexOf(SYSTEM_MARK);
  const u = text.indexOf(USER_MARK);
  if (s < 0 || u < 0 || u < s) {
    throw new Error(`prompt ${version}: expected "${SYSTEM_MARK}" then "${USER_MARK}"`);
  }
  const system = text.slice(s + SYSTEM_MARK.length, u).trim();
  const user = text.slice(u + USER_MARK.length).trim();
  const hash = createHash('sha256').update(text, 'utf8').digest('hex');
  return {
    version,
    hash,
    text,
    render(vars) {
      return {
        version,
        hash,
        system: fill(system, vars, version),
        user: fill(user, vars, version),
      };
    },
  };
}

/** Loads a template and fills it. */
export function renderPrompt(version: string, vars: Record<string, string>): RenderedPrompt {
  return loadPrompt(version).render(vars);
}

function fill(template: string, vars: Record<string, string>, version: string): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`prompt ${version}: no value for {{${name}}}`);
    return value;
  });
}

const MARKER_WORDS = /(?:TICKET|KB)[\s_-]*(?:DATA|ARTICLES)[\s_-]*(?:BEGIN|END)/gi;
// C0/C1 controls except tab and newline; zero-width and bidirectional formatting characters.
const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;

/**
 * Makes untrusted text safe to place between markers: it can no longer contain anything that
 * looks like a marker (runs of `<`/`>` and the marker words, also in full-width or with
 * invisible characters in between), control characters are removed, and length is bounded.
 */
export function neutralizeUntrusted(text: string, maxChars = MAX_TICKET_CHARS): string {
  let out = text.replace(/\r\n?/g, '\n').normalize('NFKC').replace(INVISIBLE, '');
  out = out.replace(MARKER_WORDS, '[marker removed]');
  out = out
    .replace(/<{2,}/g, (m) => '‹'.repeat(m.length))
    .replace(/>{2,}/g, (m) => '›'.repeat(m.length));
  if (out.length > maxChars) out = `${out.slice(0, maxChars)}\n[truncated]`;
  return out;
}

const markers = {
  ticketBegin: TICKET_BEGIN,
  ticketEnd: TICKET_END,
  articlesBegin: ARTICLES_BEGIN,
  articlesEnd: ARTICLES_END,
  noAnswer: NO_ANSWER,
};

function ticketVars(ticket: TicketText): Record<string, string> {
  const subject = ticket.subject?.trim()
    ? neutralizeUntrusted(ticket.subject.trim(), 500)
    : '(none)';
  return { subject, description: neutralizeUntrusted(ticket.description.trim()) };
}

export function renderClassifyPrompt(
  ticket: TicketText,
  version = CLASSIFY_PROMPT,
): RenderedPrompt {
  return renderPrompt(version, { ...markers, ...ticketVars(ticket) });
}

export function renderDraftPrompt(
  ticket: TicketText,
  articles: KbArticle[],
  version = DRAFT_PROMPT,
): RenderedPrompt {
  const list = articles.map((a) => ({
    id: a.id,
    title: neutralizeUntrusted(a.title, 300),
    category: neutralizeUntrusted(a.category, 100),
    tags: a.tags.map((t) => neutralizeUntrusted(t, 100)),
    body: neutralizeUntrusted(a.body, MAX_ARTICLE_CHARS),
  }));
  return renderPrompt(version, {
    ...markers,
    ...ticketVars(ticket),
    articles: JSON.stringify(list, null, 2),
  });
}

/** The text between the ticket markers of a rendered user message (for tests and fakes). */
export function extractTicketData(user: string): string | undefined {
  return between(user, TICKET_BEGIN, TICKET_END);
}

/** The articles embedded in a rendered draft prompt (for tests and fakes). */
export function extractArticles(user: string): Array<{ id: string; title: string; body: string }> {
  const json = between(user, ARTICLES_BEGIN, ARTICLES_END);
  if (json === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed)
      ? (parsed as Array<{ id: string; title: string; body: string }>)
      : [];
  } catch {
    return [];
  }
}

function between(text: string, begin: string, end: string): string | undefined {
  const i = text.indexOf(begin);
  if (i < 0) return undefined;
  const j = text.indexOf(end, i + begin.length);
  if (j < 0) return undefined;
  return text.slice(i + begin.length, j).trim();
}
