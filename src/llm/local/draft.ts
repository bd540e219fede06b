import { createHash } from 'node:crypto';
import { articleSections } from '../../kb/index.ts';
import type { Citation, KbArticle } from '../types.ts';

export const DRAFT_PROMPT_VERSION = 'local-draft-v1';

/**
 * The extractive answer's template. `{{steps}}` is the best article's procedure, copied
 * verbatim; nothing in the answer is generated beyond these fixed sentences.
 */
export const DRAFT_TEMPLATE = [
  'Hello,',
  '',
  'thank you for your message. Our knowledge-base article "{{title}}" covers this:',
  '',
  '{{steps}}',
  '{{seeAlso}}',
  'If this does not solve it, reply to this message and an agent will take over.',
].join('\n');

export const DRAFT_TEMPLATE_HASH = createHash('sha256').update(DRAFT_TEMPLATE).digest('hex');

const MAX_STEPS_CHARS = 3000;

const CONTEXT_HEADINGS = /^(when this applies|if this does not work|see also|related)/i;

/**
 * The part of an article a requester should follow: the sections with a numbered procedure
 * (with their headings when there are several), else every section except the context ones.
 */
export function articleProcedure(article: KbArticle): string {
  const sections = articleSections(article.body).filter(
    (s) => s.text && !CONTEXT_HEADINGS.test(s.heading),
  );
  const numbered = sections.filter((s) => /^\s*1[.)]\s/m.test(s.text));
  const chosen = numbered.length > 0 ? numbered : sections;
  let out = '';
  for (const s of chosen) {
    const part = chosen.length > 1 && s.heading ? `${s.heading}:\n${s.text}` : s.text;
    if (out && out.length + part.length > MAX_STEPS_CHARS) break;
    out = out ? `${out}\n\n${part}` : part;
  }
  if (!out) out = article.body;
  return out.length > MAX_STEPS_CHARS
    ? `${out.slice(0, MAX_STEPS_CHARS).replace(/\s+\S*$/, '')} …`
    : out;
}

/** Fills the template from the best article and mentions the others. */
export function renderDraft(
  best: KbArticle,
  others: KbArticle[],
): { answer: string; citations: Citation[] } {
  const seeAlso =
    others.length > 0 ? `\nSee also: ${others.map((a) => `"${a.title}"`).join(', ')}.\n` : '';
  const values: Record<string, string> = {
    title: best.title,
    steps: articleProcedure(best),
    seeAlso,
  };
  const answer = DRAFT_TEMPLATE.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return {
    answer,
    citations: [best, ...others].map((a) => ({ id: a.id, title: a.title })),
  };
}
