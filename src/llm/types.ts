import { z } from 'zod';

/** The text a model sees. Ticket text is untrusted data, never instructions. */
export interface TicketText {
  subject?: string | undefined;
  description: string;
}

export const supportLevelSchema = z.union([z.literal(1), z.literal(2), z.literal(3)]);
export type SupportLevel = z.infer<typeof supportLevelSchema>;

export const classificationSchema = z.object({
  level: supportLevelSchema,
  category: z.string().min(1).max(64),
  confidence: z.number().min(0).max(1),
  rationale: z.string().max(2000),
});
export type Classification = z.infer<typeof classificationSchema>;

/** A probability per support level, as a model that has a distribution gives it. */
export type LevelScores = { '1': number; '2': number; '3': number };

/**
 * A classification as the workflow records it: a model with a distribution over the levels adds
 * it (`scores`), the injection screen what it found (src/llm/injection.ts).
 */
export type ClassifierOutput = Classification & {
  scores?: LevelScores;
  injectionSuspected?: string[];
};

export const citationSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
});
export type Citation = z.infer<typeof citationSchema>;

export const draftSchema = z.object({
  answer: z.string().min(1).max(8000),
  citations: z.array(citationSchema).min(1),
});
export type Draft = z.infer<typeof draftSchema>;

/** A knowledge-base article as handed to a model for drafting. */
export interface KbArticle {
  id: string;
  title: string;
  category: string;
  tags: string[];
  body: string;
}

/** What every model call reports, so events can record how a decision was made. */
export interface ModelTrace {
  model: string;
  promptVersion: string;
  promptHash: string;
  latencyMs: number;
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
  attempts: number;
  /** A grounded draft: the articles retrieved for it, with their search scores (docs/audit.md). */
  retrieved?: Array<{ id: string; title: string; score: number }> | undefined;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/**
 * The port the workflow depends on. Implementations: the embedded local model and Ollama.
 * Both validate their outputs with the zod schemas above before returning.
 */
export interface LanguageModel {
  readonly name: string;
  /**
   * The level-1 confidence from which this model's automatic answers reached the target precision
   * when it was trained (the local model's file records it); absent when the model does not know,
   * e.g. Ollama. The server uses it unless AUTO_ANSWER_THRESHOLD is set.
   */
  readonly recommendedAutoAnswerThreshold?: number | undefined;
  classify(
    ticket: TicketText,
    options?: CallOptions,
  ): Promise<{ result: ClassifierOutput; trace: ModelTrace }>;
  draft(
    ticket: TicketText,
    articles: KbArticle[],
    options?: CallOptions,
  ): Promise<{ result: Draft; trace: ModelTrace }>;
}

/** Finds the articles a draft may be grounded in. */
export interface KnowledgeBase {
  search(query: string, limit: number): Promise<Array<KbArticle & { score: number }>>;
  get(id: string): KbArticle | undefined;
  all(): KbArticle[];
}

/** Thrown by adapters so the workflow can record why a model step failed. */
export class ModelError extends Error {
  constructor(
    readonly reason: 'timeout' | 'unavailable' | 'invalid_output' | 'no_grounding' | 'error',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelError';
  }
}
