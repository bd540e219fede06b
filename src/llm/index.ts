import type { Config } from '../config/index.ts';
import type { KnowledgeBase, LanguageModel } from './types.ts';

export * from './types.ts';
export { draftGroundedAnswer } from './grounded.ts';
export { repeatsInstructions, screenForInjection, withInjectionScreening } from './injection.ts';

type ModelConfig = Pick<
  Config,
  | 'LLM'
  | 'LOCAL_MODEL_PATH'
  | 'OLLAMA_HOST'
  | 'OLLAMA_MODEL'
  | 'OLLAMA_MAX_CONCURRENT'
  | 'CLASSIFY_TIMEOUT_MS'
>;

/**
 * Builds the configured model; the rest of the product sees only the LanguageModel port.
 * Adapters are imported on demand so a deployment loads only the one it uses.
 */
export async function createLanguageModel(
  config: ModelConfig,
  knowledgeBase: KnowledgeBase,
): Promise<LanguageModel> {
  if (config.LLM === 'ollama') {
    const { createOllamaModel } = await import('./ollama/index.ts');
    return createOllamaModel({
      host: config.OLLAMA_HOST,
      model: config.OLLAMA_MODEL,
      maxConcurrent: config.OLLAMA_MAX_CONCURRENT,
      timeoutMs: config.CLASSIFY_TIMEOUT_MS,
    });
  }
  const { createLocalModel } = await import('./local/index.ts');
  return createLocalModel({ modelPath: config.LOCAL_MODEL_PATH, knowledgeBase });
}

export async function openKnowledgeBase(dir: string): Promise<KnowledgeBase> {
  const { loadKnowledgeBase } = await import('../kb/index.ts');
  return loadKnowledgeBase(dir);
}
