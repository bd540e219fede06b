import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { terms } from '../../kb/index.ts';
import {
  ModelError,
  classificationSchema,
  draftSchema,
  type CallOptions,
  type Classification,
  type Draft,
  type KbArticle,
  type KnowledgeBase,
  type LanguageModel,
  type ModelTrace,
  type TicketText,
} from '../types.ts';
import { LocalClassifier } from './classifier.ts';
import { recommendedThreshold, type ClassifierFile } from './modelFile.ts';
import { DRAFT_PROMPT_VERSION, DRAFT_TEMPLATE_HASH, renderDraft } from './draft.ts';
import { ticketToText } from './text.ts';

/** The shipped model, resolved from this file so it works from any working directory. */
export const DEFAULT_MODEL_PATH = fileURLToPath(
  new URL('../../../models/local-model.json', import.meta.url),
);

export const CLASSIFY_PROMPT_VERSION = 'local-classify-v1';

/** Four decimals: what an auditor reads, without float noise in every event. */
const roundScore = (p: number) => Math.round(Math.min(1, Math.max(0, p)) * 10_000) / 10_000;

export interface LocalModelOptions {
  /** Model file written by `npm run train`. Default: `models/local-model.json` of this package. */
  modelPath?: string | undefined;
  /** An already loaded or trained classifier (takes precedence over `modelPath`). */
  classifier?: LocalClassifier | undefined;
  /** Used for the category when the model has no category head, and to score draft articles. */
  knowledgeBase?: KnowledgeBase | undefined;
  /** An article must be at least this relevant (0..1) to ground a draft. Default 0.55. */
  minGrounding?: number | undefined;
}

export type LocalModel = LanguageModel & {
  readonly classifier: LocalClassifier;
  readonly version: string;
};

export function loadClassifier(path: string = DEFAULT_MODEL_PATH): LocalClassifier {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelError('unavailable', `cannot read local model ${path}; run "npm run train"`, {
      cause: error,
    });
  }
  return LocalClassifier.fromFile(JSON.parse(text) as ClassifierFile);
}

/**
 * The embedded model: a trained statistical classifier for the support level and an extractive
 * drafter that copies the procedure of the best knowledge-base article. No server, no network.
 */
export function createLocalModel(options: LocalModelOptions = {}): LocalModel {
  const classifier = options.classifier ?? loadClassifier(options.modelPath ?? DEFAULT_MODEL_PATH);
  const kb = options.knowledgeBase;
  const minGrounding = options.minGrounding ?? 0.55;
  const name = `local/${classifier.version}`;
  // No prompt: the hash identifies the classifier's weights, which decide like a prompt would.
  const classifyHash = createHash('sha256')
    .update(`${CLASSIFY_PROMPT_VERSION}:${classifier.version}`)
    .digest('hex');

  function trace(promptVersion: string, promptHash: string, started: number): ModelTrace {
    return {
      model: name,
      promptVersion,
      promptHash,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      attempts: 1,
    };
  }

  async function scoreArticles(
    query: string,
    articles: KbArticle[],
  ): Promise<Array<{ article: KbArticle; score: number }>> {
    const fromKb = new Map<string, number>();
    if (kb && articles.some((a) => typeof (a as { score?: unknown }).score !== 'number')) {
      for (const hit of await kb.search(query, 20)) fromKb.set(hit.id, hit.score);
    }
    return articles.map((article) => {
      const given = (article as { score?: unknown }).score;
      const score =
        typeof given === 'number'
          ? given
          : (fromKb.get(article.id) ?? lexicalRelevance(query, article));
      return { article, score };
    });
  }

  return {
    name,
    classifier,
    version: classifier.version,
    recommendedAutoAnswerThreshold: recommendedThreshold(classifier.file)?.threshold,

    async classify(ticket: TicketText, callOptions?: CallOptions) {
      const started = performance.now();
      callOptions?.signal?.throwIfAborted();
      const p = classifier.predict(ticket.subject, ticket.description);
      let category = p.category?.name;
      if (!category && kb) {
        const [hit] = await kb.search(ticketToText(ticket.subject, ticket.description), 1);
        category = hit?.category;
      }
      const parts = [
        `level ${p.level} with probability ${p.confidence.toFixed(2)}`,
        p.topTerms.length > 0 ? `strongest terms: ${p.topTerms.join(', ')}` : 'no known terms',
      ];
      if (p.nearest && p.nearest.similarity >= 0.5) {
        parts.push(
          `most similar past ticket (similarity ${p.nearest.similarity.toFixed(2)}) was level ${p.nearest.level}`,
        );
      }
      const result: Classification = classificationSchema.parse({
        level: p.level,
        category: (category ?? 'general').slice(0, 64),
        confidence: Math.min(1, Math.max(0, p.confidence)),
        rationale: `${parts.join('; ')}.`.slice(0, 2000),
      });
      const [p1, p2, p3] = p.probabilities.map(roundScore) as [number, number, number];
      return {
        result: { ...result, scores: { '1': p1, '2': p2, '3': p3 } },
        trace: trace(CLASSIFY_PROMPT_VERSION, classifyHash, started),
      };
    },

    async draft(ticket: TicketText, articles: KbArticle[], callOptions?: CallOptions) {
      const started = performance.now();
      callOptions?.signal?.throwIfAborted();
      if (articles.length === 0) {
        throw new ModelError('no_grounding', 'no knowledge-base article was given');
      }
      const query = ticketToText(ticket.subject, ticket.description);
      const scored = (await scoreArticles(query, articles)).sort((a, b) => b.score - a.score);
      const best = scored[0]!;
      if (best.score < minGrounding) {
        throw new ModelError(
          'no_grounding',
          `no article is relevant enough: best "${best.article.id}" scores ${best.score.toFixed(2)} < ${minGrounding}`,
        );
      }
      const others = scored
        .slice(1)
        .filter((s) => s.score >= minGrounding && s.score >= 0.85 * best.score)
        .slice(0, 2)
        .map((s) => s.article);
      const result: Draft = draftSchema.parse(renderDraft(best.article, others));
      return { result, trace: trace(DRAFT_PROMPT_VERSION, DRAFT_TEMPLATE_HASH, started) };
    },
  };
}

/** Relevance of an article no index has scored: how many of the ticket's words its title and tags name. */
export function lexicalRelevance(query: string, article: KbArticle): number {
  const q = terms(query);
  const a = terms(`${article.title} ${article.tags.join(' ')}`);
  let hits = 0;
  for (const t of q) if (a.has(t)) hits++;
  if (q.size === 0) return 0;
  return Math.sqrt(Math.min(1, hits / Math.min(q.size, 5))) * (hits > 0 ? 0.9 : 0);
}
