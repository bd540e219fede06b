import {
  pino,
  stdSerializers,
  type DestinationStream,
  type Logger,
  type LoggerOptions,
} from 'pino';
import type { Config } from '../config/index.ts';

const censor = '[redacted]';

/**
 * Where credentials sit in what we log: request and response headers (pino-http's `req`/`res`),
 * and fields named like a secret anywhere one or two levels down. pino's own `redact` (fast-redact)
 * replaces them after serialization, so every child logger and pino-http inherit it.
 */
export const redactPaths: readonly string[] = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...[
    'authorization',
    'cookie',
    'password',
    'secret',
    'token',
    'apiKey',
    'webhookSecret',
    'signingKey',
    'privateKey',
  ].flatMap((key) => [key, `*.${key}`]),
];

/**
 * Credentials in free text: an API token (`tf_…`, src/auth/tokens.ts) or an Authorization
 * header's value, wherever they were copied to (an error message, a URL, a query parameter).
 */
const secretInText = /\btf_[A-Za-z0-9_-]{8,}|\b(Bearer|Basic)\s+[^\s"',;]+/gi;

export function scrubText(text: string): string {
  return text.replace(secretInText, (_match, scheme: string | undefined) =>
    scheme ? `${scheme} ${censor}` : `tf_${censor}`,
  );
}

/**
 * Error fields that carry a statement's data: PGlite attaches `params` (and `queryOptions`) to
 * every query error, so a failed insert would log its values; drivers and HTTP clients attach
 * request configuration and headers.
 */
const dataFields = new Set(['params', 'parameters', 'values', 'queryOptions', 'config', 'headers']);

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 6) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      dataFields.has(key) ? censor : scrubValue(field, depth + 1),
    ]),
  );
}

/**
 * pino's error serializer, then every string in the result (message, stack, causes, SQL detail)
 * scrubbed of credentials and every field that carries a statement's parameters dropped. Takes an
 * error or an already serialized one (pino-http passes the latter).
 */
export function serializeError(error: unknown): unknown {
  const serialized = error instanceof Error ? stdSerializers.err(error) : error;
  return scrubValue(serialized, 0);
}

interface SerializedRequest {
  url?: string;
  query?: unknown;
  params?: unknown;
  [field: string]: unknown;
}

/** A request as pino-http serializes it, with credentials scrubbed from its URL and parameters. */
export function serializeRequest(request: SerializedRequest): SerializedRequest {
  return {
    ...request,
    ...(typeof request.url === 'string' ? { url: scrubText(request.url) } : {}),
    ...(request.query !== undefined ? { query: scrubValue(request.query, 0) } : {}),
    ...(request.params !== undefined ? { params: scrubValue(request.params, 0) } : {}),
  };
}

/** The options every logger of the product is made with: redaction, safe serializers. */
export function loggerOptions(level: Config['LOG_LEVEL']) {
  return {
    level,
    base: { service: 'ticketflow' },
    redact: { paths: [...redactPaths], censor },
    serializers: { err: serializeError },
    hooks: {
      // Messages are free text: a token pasted into one is scrubbed like any other string.
      logMethod(args, method) {
        const scrubbed = args.map((arg: unknown) =>
          typeof arg === 'string' ? scrubText(arg) : arg,
        ) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
  } satisfies LoggerOptions;
}

/**
 * The one way the product makes a root logger (the server and the CLIs). `destination` defaults
 * to stdout; the CLIs log to stderr so that stdout carries only their answer.
 */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL'>,
  options: { destination?: DestinationStream | number } = {},
): Logger {
  const destination =
    typeof options.destination === 'number'
      ? pino.destination(options.destination)
      : options.destination;
  return pino(loggerOptions(config.LOG_LEVEL), destination);
}
