/** Public surface of the Ollama adapter. See docs/llm.md. */
export { createOllamaModel, MAX_ATTEMPTS } from './model.ts';
export type { OllamaModel, OllamaModelOptions, OllamaModelStatus } from './model.ts';
export { createOllamaEmbedder } from './embedder.ts';
export type { Embedder, OllamaEmbedderOptions } from './embedder.ts';
export { checkOllama } from './health.ts';
export type { OllamaHealth } from './health.ts';
export { normalizeHost } from './http.ts';
export type { FetchLike } from './http.ts';
