import { z } from 'zod';
import { ModelError } from '../types.ts';
import { normalizeHost, requestJson, type FetchLike } from './http.ts';

export interface OllamaHealth {
  ok: boolean;
  host: string;
  /** Models the server has pulled (`/api/tags`), e.g. `llama3.2:latest`. */
  models: string[];
  latencyMs: number;
  /** Why not ok. */
  error?: string;
}

const tagsSchema = z.object({ models: z.array(z.object({ name: z.string() })) });

/**
 * Readiness: the server answers `/api/tags`, and, when `require` names models, each of them is
 * pulled (`llama3.2` matches `llama3.2:latest`). Never throws.
 */
export async function checkOllama(
  host: string,
  options: { require?: string[]; timeoutMs?: number; fetch?: FetchLike } = {},
): Promise<OllamaHealth> {
  const started = performance.now();
  let base = host;
  try {
    base = normalizeHost(host);
    const raw = await requestJson(`${base}/api/tags`, undefined, {
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      timeoutMs: options.timeoutMs ?? 3000,
      what: 'ollama tags',
    });
    const tags = tagsSchema.safeParse(raw);
    if (!tags.success) throw new ModelError('unavailable', 'ollama tags: unexpected response');
    const models = tags.data.models.map((m) => m.name);
    const missing = (options.require ?? []).filter((m) => !hasModel(models, m));
    const latencyMs = Math.round(performance.now() - started);
    if (missing.length > 0) {
      return {
        ok: false,
        host: base,
        models,
        latencyMs,
        error: `model not pulled: ${missing.join(', ')}`,
      };
    }
    return { ok: true, host: base, models, latencyMs };
  } catch (err) {
    return {
      ok: false,
      host: base,
      models: [],
      latencyMs: Math.round(performance.now() - started),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

function hasModel(models: string[], wanted: string): boolean {
  const full = wanted.includes(':') ? wanted : `${wanted}:latest`;
  return models.some((m) => m === wanted || m === full);
}
