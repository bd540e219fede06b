import type { Config } from '../config/index.ts';
import { loadKnowledgeBase } from '../kb/index.ts';
import { createLocalModel } from './local/index.ts';
import { createOllamaModel } from './ollama/index.ts';
import type { KnowledgeBase, LanguageModel } from './types.ts';

export * from './types.ts';

/** Builds the configured model; the rest of the product sees only the LanguageModel port. */
export async function createLanguageModel(
  config: Pick<Config, 'LLM' | 'LOCAL_MODEL_PATH' | 'OLLAMA_HOST' | 'OLLAMA_MODEL' | 'OLLAMA_MAX_CONCURRENT' | 'CLASSIFY_TIMEOUT_MS'>,
  knowledgeBase: KnowledgeBase,
): Promise<LanguageModel> {
  if (config.LLM === 'ollama') {
    return createOllamaModel({
      host: config.OLLAMA_HOST,
      model: config.OLLAMA_MODEL,
      maxConcurrent: config.OLLAMA_MAX_CONCURRENT,
      timeoutMs: config.CLASSIFY_TIMEOUT_MS,
    });
  }
  return createLocalModel({ modelPath: config.LOCAL_MODEL_PATH, knowledgeBase });
}

export { loadKnowledgeBase };
