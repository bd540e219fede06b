import { z } from 'zod';

const number = (fallback: number) => z.coerce.number().nonnegative().default(fallback);
const count = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const windowSeconds = (fallback: number) =>
  z.coerce.number().int().positive().max(86_400).default(fallback);

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Loopback unless told otherwise: containers set 0.0.0.0 (Dockerfile, compose.yaml). */
  HOST: z.string().default('127.0.0.1'),
  /** Browser origins allowed to call the API (CORS), comma-separated; none by default. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const origins = text
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      const bad = origins.filter((o) => !isOrigin(o));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `CORS_ORIGINS: scheme://host[:port] each, comma-separated (not ${bad.join(', ')})`,
        });
        return z.NEVER;
      }
      return origins;
    }),
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
  /**
   * Minimum level-1 confidence for an automatic answer. Unset: the model's recommended threshold
   * (the local model's file records it), else `FALLBACK_AUTO_ANSWER_THRESHOLD`.
   */
  AUTO_ANSWER_THRESHOLD: z.coerce.number().min(0).max(1).optional(),
  /**
   * Level-1 tickets from this confidence up to the auto-answer threshold escalate with the model's
   * draft attached as a suggestion for agents (docs/llm.md, "Suggested answers"); 1 turns it off.
   * Unset: the model's recommendation, else `FALLBACK_SUGGEST_THRESHOLD` (`suggestThresholdFor`).
   */
  SUGGEST_THRESHOLD: z.coerce.number().min(0).max(1).optional(),
  CLASSIFY_TIMEOUT_MS: number(30_000),
  DRAFT_TIMEOUT_MS: number(60_000),
  MAX_CONCURRENT_TICKETS: z.coerce.number().int().positive().default(64),
  STUCK_TICKET_AFTER_MS: number(60_000),
  BODY_LIMIT: z.string().default('64kb'),
  MAX_WAIT_SECONDS: z.coerce.number().int().positive().default(30),
  // Time limits (docs/operations.md): a request, a stop, the database.
  /** Longest a handler may take before it is answered 503 (plus the `Prefer: wait` it asked for). */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  /** Longest a client may take to send its request headers (Node's `headersTimeout`). */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** From SIGTERM to exit, whatever hangs; keep it below the orchestrator's grace period. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Opening a PostgreSQL connection (or waiting for a free one in the pool). */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** One statement on PostgreSQL (server `statement_timeout` and client read timeout); 0: none. */
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().nonnegative().default(10_000),
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
  // Rate limits (docs/auth.md, "Rate limits"): requests per window; 0 turns a limit off.
  /** Anonymous tickets per client address: a web form's user files a few, a script hundreds. */
  RATE_LIMIT_INTAKE_PER_ADDRESS: count(20),
  RATE_LIMIT_INTAKE_ADDRESS_WINDOW_SECONDS: windowSeconds(60),
  /** Anonymous tickets per requester email: caps how much anyone can file in someone's name. */
  RATE_LIMIT_INTAKE_PER_EMAIL: count(10),
  RATE_LIMIT_INTAKE_EMAIL_WINDOW_SECONDS: windowSeconds(3600),
  /** Calls per token: far above a person's or a polling UI's pace, below a runaway script's. */
  RATE_LIMIT_PER_TOKEN: count(600),
  RATE_LIMIT_TOKEN_WINDOW_SECONDS: windowSeconds(60),
  /**
   * Express's `trust proxy`: which X-Forwarded-For hops name the client (the address the
   * per-address limit counts). Default false: the socket's address, since an untrusted client
   * could put anything in the header. `true`, a hop count, or addresses/subnets ("loopback, 10.0.0.0/8").
   */
  // The audit log (docs/audit.md). The signing key never comes from the database.
  /** The log's Ed25519 signer key (`PRIVATE+KEY+<origin>+…`, from `npm run cli -- keys create`). */
  AUDIT_SIGNING_KEY: z.string().optional(),
  /** A file holding that key instead (a mounted secret). */
  AUDIT_SIGNING_KEY_FILE: z.string().optional(),
  /** The log's verifier key (`<origin>+<id>+…`), for `verify --all` when --key is not given. */
  AUDIT_VERIFIER_KEY: z.string().optional(),
  /** Every signed checkpoint is appended here (JSON lines), outside the database's reach. */
  AUDIT_CHECKPOINT_FILE: z.string().optional(),
  /** A witness's submission prefix (c2sp.org/tlog-witness): every checkpoint is sent for cosigning. */
  AUDIT_WITNESS_URL: z.string().url().optional(),
  /** A checkpoint after this many new events … */
  AUDIT_CHECKPOINT_EVERY_EVENTS: z.coerce.number().int().positive().default(1000),
  /** … or this long after the previous one, whichever comes first (if anything is new). */
  AUDIT_CHECKPOINT_EVERY_MS: z.coerce.number().int().positive().default(10_000),
  /** How often the sequencer looks for new events. */
  AUDIT_SEQUENCER_POLL_MS: z.coerce.number().int().positive().default(500),
  // Webhooks (docs/webhooks.md).
  /**
   * The AES-256-GCM key (base64, 32 bytes) webhook secrets are stored under. Required when
   * NODE_ENV=production; elsewhere a fixed development key is derived (docs/webhooks.md).
   */
  WEBHOOK_SECRET_KEY: z
    .string()
    .refine((k) => Buffer.from(k, 'base64').length === 32, 'WEBHOOK_SECRET_KEY: base64 of 32 bytes')
    .optional(),
  NODE_ENV: z.string().default('development'),
  /** Delays before the 2nd, 3rd … try (the first is immediate): Standard Webhooks' schedule. */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5s,5m,30m,2h,5h,10h,14h,20h,24h')
    .transform((text, ctx) => {
      const delays = text.split(',').map((d) => durationMs(d.trim()));
      if (delays.length === 0 || delays.some((d) => d === null)) {
        ctx.addIssue({
          code: 'custom',
          message: 'WEBHOOK_RETRY_SCHEDULE: durations like 5s,5m,2h, comma-separated',
        });
        return z.NEVER;
      }
      return delays as number[];
    }),
  /** Each retry delay is moved by up to this share either way, so receivers are not hit in waves. */
  WEBHOOK_RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.1),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  /** Plain http:// targets (tests, a receiver on a private network behind its own TLS). */
  WEBHOOK_ALLOW_HTTP: z.stringbool().default(false),
  /** Addresses or CIDR ranges a target may resolve to although they are private/loopback. */
  WEBHOOK_ALLOWED_ADDRESSES: z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    ),
  /** An endpoint that has failed without a success for this long is disabled at its next dead letter. */
  WEBHOOK_DISABLE_AFTER_DAYS: z.coerce.number().positive().default(5),
  /** Deliveries in flight per process. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().positive().default(64),
  /** How often a process looks for due deliveries when nothing wakes it. */
  WEBHOOK_POLL_MS: z.coerce.number().int().positive().default(250),
  /** How long a process holds a delivery it took (longer than the timeout; a crash frees it then). */
  WEBHOOK_LEASE_MS: z.coerce.number().int().positive().default(60_000),
  /** The CloudEvents `source` of every event. */
  WEBHOOK_SOURCE: z.string().min(1).default('urn:ticketflow'),
  /** Whether this process delivers webhooks (0: another process does). */
  WEBHOOK_DELIVERY: z.stringbool().default(true),
  // The SSE stream (docs/eventstore.md): a client that does not read is disconnected.
  SSE_MAX_BUFFER_BYTES: z.coerce.number().int().positive().default(1_048_576),
  SSE_DRAIN_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  // Personal data (docs/privacy.md).
  /** The master key wrapping every person's data key: 32 bytes, base64 (`openssl rand -base64 32`). */
  PRIVACY_MASTER_KEY: z.string().optional(),
  /** A file holding that key instead (a mounted secret). */
  PRIVACY_MASTER_KEY_FILE: z.string().optional(),
  /** How long a process keeps an unwrapped data key: another process's erasure reaches it within this. */
  PRIVACY_KEY_CACHE_MS: z.coerce.number().int().nonnegative().default(30_000),
  /** Retention: erase a requester's personal data this many days after their last ticket closed (unset: never). */
  PRIVACY_RETENTION_DAYS: z.coerce.number().positive().optional(),
  /** How often the retention pass runs. */
  PRIVACY_RETENTION_POLL_MS: z.coerce.number().int().positive().default(3_600_000),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((text): boolean | number | string => {
      if (text === 'false') return false;
      if (text === 'true') return true;
      return /^\d+$/.test(text) ? Number(text) : text;
    }),
  /**
   * The web UI's cookies are `Secure` (sent over HTTPS only; browsers accept them from
   * http://localhost too). Set false only for development over plain HTTP on another address.
   */
  WEB_COOKIE_SECURE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** How long a web session lasts after sign-in (absolute). */
  WEB_SESSION_HOURS: z.coerce.number().positive().max(720).default(12),
});

export type Config = z.infer<typeof configSchema>;

/** The threshold when neither AUTO_ANSWER_THRESHOLD nor the model gives one (e.g. Ollama). */
export const FALLBACK_AUTO_ANSWER_THRESHOLD = 0.7;

/**
 * The automatic-answer threshold in force: the configured one, else the model's recommendation
 * where it is stricter than the fallback, else the fallback; `source` says which, for the start-up
 * log. The floor is there because a model's recommendation is estimated on its own training data:
 * the shipped model, trained on the small seed set, recommends 0.42, which on real tickets
 * (itsm-tickets dev) answers with 0.743 precision (docs/local-model.md).
 */
export function autoAnswerThresholdFor(
  config: Pick<Config, 'AUTO_ANSWER_THRESHOLD'>,
  model: { recommendedAutoAnswerThreshold?: number | undefined },
): { threshold: number; source: 'config' | 'model' | 'fallback' } {
  if (config.AUTO_ANSWER_THRESHOLD !== undefined)
    return { threshold: config.AUTO_ANSWER_THRESHOLD, source: 'config' };
  const recommended = model.recommendedAutoAnswerThreshold;
  if (recommended !== undefined && recommended > FALLBACK_AUTO_ANSWER_THRESHOLD)
    return { threshold: recommended, source: 'model' };
  return { threshold: FALLBACK_AUTO_ANSWER_THRESHOLD, source: 'fallback' };
}

/** The suggestion threshold when neither SUGGEST_THRESHOLD nor the model gives one. */
export const FALLBACK_SUGGEST_THRESHOLD = 0.5;

/**
 * The suggestion band's lower edge in force: SUGGEST_THRESHOLD, else the model's recommendation
 * (chosen from its out-of-fold scores; 1 when no band was precise enough), else the fallback.
 * Undefined (no band) when it is not below the automatic-answer threshold in force.
 */
export function suggestThresholdFor(
  config: Pick<Config, 'SUGGEST_THRESHOLD'>,
  model: { recommendedSuggestThreshold?: number | undefined },
  autoAnswerThreshold: number,
): { threshold: number | undefined; source: 'config' | 'model' | 'fallback' } {
  const [threshold, source] =
    config.SUGGEST_THRESHOLD !== undefined
      ? [config.SUGGEST_THRESHOLD, 'config' as const]
      : model.recommendedSuggestThreshold !== undefined
        ? [model.recommendedSuggestThreshold, 'model' as const]
        : [FALLBACK_SUGGEST_THRESHOLD, 'fallback' as const];
  return { threshold: threshold < autoAnswerThreshold ? threshold : undefined, source };
}

/** An origin exactly as a browser sends it: `https://desk.example.com`, no path, no slash. */
function isOrigin(text: string): boolean {
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
}

/** `250ms`, `5s`, `5m`, `2h`, `1d` (or a bare number of milliseconds) in ms; null when not one. */
export function durationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text);
  if (!match) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms']!;
  return Math.round(Number(match[1]) * unit);
}

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
