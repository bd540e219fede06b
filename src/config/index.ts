import { z } from 'zod';

const number = (fallback: number) => z.coerce.number().nonnegative().default(fallback);

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
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
  // Agents and SLA clocks (docs/sla.md).
  /** Per level: first-response and resolution targets in minutes, and whether only business hours count. */
  SLA_POLICY: z
    .string()
    .default(
      '{"1":{"firstResponseMinutes":240,"resolutionMinutes":1440,"businessHours":true},' +
        '"2":{"firstResponseMinutes":60,"resolutionMinutes":480,"businessHours":true},' +
        '"3":{"firstResponseMinutes":15,"resolutionMinutes":240,"businessHours":false}}',
    )
    .transform((text, ctx) => {
      const level = z.object({
        firstResponseMinutes: z.number().positive(),
        resolutionMinutes: z.number().positive(),
        businessHours: z.boolean().default(false),
      });
      const parsed = z.object({ 1: level, 2: level, 3: level }).safeParse(safeJson(text));
      if (!parsed.success) {
        ctx.addIssue({
          code: 'custom',
          message:
            'SLA_POLICY: JSON {"1":{firstResponseMinutes,resolutionMinutes,businessHours},"2":...,"3":...}',
        });
        return z.NEVER;
      }
      return parsed.data;
    }),
  SLA_WARNING_RATIO: z.coerce.number().gt(0).lt(1).default(0.8),
  SLA_BUSINESS_START_HOUR: z.coerce.number().int().min(0).max(23).default(9),
  SLA_BUSINESS_END_HOUR: z.coerce.number().int().min(1).max(24).default(17),
  SLA_UTC_OFFSET_MINUTES: z.coerce.number().int().min(-720).max(840).default(0),
  SLA_POLL_MS: z.coerce.number().int().positive().default(1000),
  SLA_LEASE_MS: z.coerce.number().int().positive().default(30_000),
  REOPEN_WINDOW_HOURS: z.coerce.number().nonnegative().default(168),
  AUTO_CLOSE_AFTER_HOURS: z.coerce.number().nonnegative().default(72),
});

export type Config = z.infer<typeof configSchema>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads and validates the configuration once, at start; everything else receives it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = configSchema.safeParse(defined);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${issues}`);
  }
  return parsed.data;
}
