import { z } from 'zod';

const number = (fallback: number) => z.coerce.number().nonnegative().default(fallback);

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
  EVENTSTORE: z.enum(['postgres', 'eventstoredb']).default('postgres'),
  ESDB_URL: z.string().optional(),
  LLM: z.enum(['local', 'ollama']).default('local'),
  OLLAMA_HOST: z.string().default('http://127.0.0.1:11434'),
  OLLAMA_MODEL: z.string().default('llama3.1:8b'),
  OLLAMA_EMBED_MODEL: z.string().optional(),
  OLLAMA_MAX_CONCURRENT: z.coerce.number().int().positive().default(4),
  LOCAL_MODEL_PATH: z.string().default('models/local-model.json'),
  KB_DIR: z.string().default('kb'),
  AUTO_ANSWER_THRESHOLD: z.coerce.number().min(0).max(1).default(0.7),
  CLASSIFY_TIMEOUT_MS: number(30_000),
  DRAFT_TIMEOUT_MS: number(60_000),
  MAX_CONCURRENT_TICKETS: z.coerce.number().int().positive().default(64),
  STUCK_TICKET_AFTER_MS: number(60_000),
  BODY_LIMIT: z.string().default('64kb'),
  MAX_WAIT_SECONDS: z.coerce.number().int().positive().default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

/** Reads and validates the configuration once, at start; everything else receives it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(defined);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${issues}`);
  }
  return parsed.data;
}
