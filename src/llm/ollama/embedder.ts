import { z } from 'zod';
import type { EmbedRequest } from 'ollama';
import { ModelError } from '../types.ts';
import { normalizeHost, requestJson, type FetchLike } from './http.ts';

export interface OllamaEmbedderOptions {
  host: string;
  /** e.g. `nomic-embed-text` */
  model: string;
  /** Per request. Default 60 000 (a first call may load the model). */
  timeoutMs?: number | undefined;
  /** Texts per `/api/embed` request. Default 64. */
  batchSize?: number | undefined;
  fetch?: FetchLike | undefined;
}

export interface Embedder {
  readonly name: string;
  /** One vector per text, in order. */
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}

const embedResponseSchema = z.object({ embeddings: z.array(z.array(z.number())) });

/** Embeddings through Ollama's `/api/embed` (batched input). */
export function createOllamaEmbedder(options: OllamaEmbedderOptions): Embedder {
  const url = `${normalizeHost(options.host)}/api/embed`;
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const name = `ollama/${options.model}`;

  return {
    name,
    async embed(texts, callOptions) {
      const vectors: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const input = texts.slice(i, i + batchSize);
        const body: EmbedRequest = { model: options.model, input };
        const raw = await requestJson(url, body, {
          fetch: fetchImpl,
          timeoutMs,
          signal: callOptions?.signal,
          what: `${name} embed`,
        });
        const parsed = embedResponseSchema.safeParse(raw);
        if (!parsed.success || parsed.data.embeddings.length !== input.length) {
          throw new ModelError(
            'invalid_output',
            `${name} embed: expected ${input.length} vectors in the response`,
          );
        }
        vectors.push(...parsed.data.embeddings);
      }
      return vectors;
    },
  };
}
