import {
  ModelError,
  type CallOptions,
  type Draft,
  type KnowledgeBase,
  type LanguageModel,
  type ModelTrace,
  type TicketText,
} from './types.ts';

/** Articles a draft may cite: at most this many, each one the knowledge base finds relevant. */
const GROUNDING_ARTICLES = 3;

/**
 * Drafts an answer grounded in the knowledge base: the articles it finds for the ticket, or
 * `ModelError('no_grounding')` when it finds none (the ticket then escalates). The workflow's
 * draft actor and the evaluation both go through here, so what is measured is what runs.
 */
export async function draftGroundedAnswer(
  llm: LanguageModel,
  kb: KnowledgeBase,
  ticket: TicketText,
  options?: CallOptions,
): Promise<{ result: Draft; trace: ModelTrace }> {
  const query = [ticket.subject, ticket.description].filter(Boolean).join('\n');
  const found = await kb.search(query, GROUNDING_ARTICLES);
  // The knowledge base returns only articles it considers relevant.
  const articles = found.filter((a) => a.score > 0);
  if (articles.length === 0) {
    throw new ModelError('no_grounding', 'no knowledge-base article matches this ticket');
  }
  const drafted = await llm.draft(ticket, articles, options);
  // Recorded with the draft, so an auditor sees what the model was given to ground it in.
  const retrieved = articles
    .filter((a) => Number.isFinite(a.score))
    .map((a) => ({ id: a.id, title: a.title, score: a.score }));
  return { ...drafted, trace: { ...drafted.trace, retrieved } };
}
