import { z } from 'zod';
import { operations, requestSchemas, responseSchemas, type Operation } from './operations.ts';
import { problemType } from './problem.ts';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the routes validate requests with and
 * type their answers with (src/api/operations.ts). zod 4's own `z.toJSONSchema` writes JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1, so no adapter library is needed (docs/api.md).
 */

/** Every problem the API answers with, by status (the titles src/api/problem.ts and the routes use). */
export const problemTypes: ReadonlyArray<{ status: number; title: string }> = [
  { status: 400, title: 'Malformed JSON' },
  { status: 400, title: 'Malformed URL' },
  { status: 400, title: 'Bad request' },
  { status: 400, title: 'Invalid cursor' },
  { status: 400, title: 'Invalid Idempotency-Key' },
  { status: 400, title: 'Invalid If-Match' },
  { status: 400, title: 'Unknown event type' },
  { status: 400, title: 'Invalid position' },
  { status: 400, title: 'Invalid Last-Event-ID' },
  { status: 401, title: 'Unauthorized' },
  { status: 403, title: 'Forbidden' },
  { status: 404, title: 'Not found' },
  { status: 404, title: 'No checkpoint yet' },
  { status: 404, title: 'Ticket not found' },
  { status: 404, title: 'Version not found' },
  { status: 404, title: 'Webhook not found' },
  { status: 404, title: 'User error' },
  { status: 408, title: 'Request timeout' },
  { status: 409, title: 'Command not allowed' },
  { status: 409, title: 'Conflict' },
  { status: 409, title: 'User exists' },
  { status: 412, title: 'Stale version' },
  { status: 413, title: 'Body too large' },
  { status: 413, title: 'Chunk extensions too large' },
  { status: 415, title: 'Unsupported media type' },
  { status: 415, title: 'Unsupported encoding' },
  { status: 422, title: 'Invalid request' },
  { status: 422, title: 'Idempotency key reused' },
  { status: 422, title: 'Refused target' },
  { status: 428, title: 'Precondition required' },
  { status: 429, title: 'Too many requests' },
  { status: 431, title: 'Request headers too large' },
  { status: 500, title: 'Internal error' },
  { status: 503, title: 'Service unavailable' },
  { status: 503, title: 'Shutting down' },
  { status: 503, title: 'Request timed out' },
];

/** Problems any API route may answer with: bad requests, bad tokens, rate limits, outages. */
const commonApiProblems = [400, 401, 429, 500, 503];

type JsonSchema = Record<string, unknown>;

/** Express's `/a/:id` as OpenAPI's `/a/{id}`. */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:(\w+)/g, '{$1}');

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Named schemas as components: request bodies as clients send them, responses as sent. */
function components(): Record<string, JsonSchema> {
  const convert = (schemas: Record<string, z.ZodType>, io: 'input' | 'output') => {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
    const { schemas: converted } = z.toJSONSchema(registry, {
      io,
      target: 'draft-2020-12',
      unrepresentable: 'any',
      uri: (id) => `#/components/schemas/${id}`,
    });
    // Each component is embedded in the document: no $id or $schema of its own.
    return Object.fromEntries(
      Object.entries(converted).map(([id, schema]) => {
        const rest: JsonSchema = { ...schema };
        delete rest.$schema;
        delete rest.$id;
        return [id, rest];
      }),
    );
  };
  return { ...convert(requestSchemas, 'input'), ...convert(responseSchemas, 'output') };
}

/** One parameter per property of a path or query schema. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const converted = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(converted.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (converted.required ?? []).includes(name),
    schema: property,
  }));
}

function responsesOf(op: Operation) {
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(op.answers)) {
    const content =
      'json' in answer
        ? { 'application/json': { schema: ref(answer.json) } }
        : 'media' in answer
          ? Object.fromEntries(answer.media.map((m) => [m, { schema: { type: 'string' } }]))
          : undefined;
    responses[status] = { description: answer.description, ...(content ? { content } : {}) };
  }
  const statuses = new Set([
    ...op.problems,
    ...(op.path.startsWith('/api/') && op.auth !== 'public' ? commonApiProblems : []),
  ]);
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const titles = problemTypes.filter((p) => p.status === status).map((p) => p.title);
    responses[String(status)] = {
      description: titles.join('; ') || 'A problem',
      content: { 'application/problem+json': { schema: ref('Problem') } },
    };
  }
  // Anything else (a 404 for a path no route serves, a timeout) is a problem too.
  responses.default = {
    description: 'A problem (RFC 9457)',
    content: { 'application/problem+json': { schema: ref('Problem') } },
  };
  return responses;
}

function operationOf(op: Operation) {
  const headers = (op.headers ?? []).map((h) => ({
    name: h.name,
    in: 'header',
    required: h.required ?? false,
    description: h.description,
    schema: { type: 'string' },
  }));
  return {
    operationId: `${op.method} ${op.path}`,
    summary: op.summary,
    tags: [op.tag],
    // `{}` in the list: the route also serves callers without a token.
    security:
      op.auth === 'public' ? [] : op.auth === 'optional' ? [{}, { bearer: [] }] : [{ bearer: [] }],
    parameters: [
      ...parametersOf(op.params, 'path'),
      ...parametersOf(op.query, 'query'),
      ...headers,
    ],
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref(op.body) } },
          },
        }
      : {}),
    responses: responsesOf(op),
  };
}

function buildDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = (paths[openApiPath(op.path)] ??= {});
    path[op.method] = operationOf(op);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'ticketflow',
      version: '0.1.0',
      description:
        'An event-sourced help-desk ticket engine. Errors are application/problem+json (RFC 9457); ' +
        'each problem type is https://ticketflow.dev/problems/<slug of its title>, listed in x-problem-types.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: ['Tickets', 'Queues', 'Users', 'Events', 'Reports', 'Operations'].map((name) => ({
      name,
    })),
    paths,
    components: {
      schemas: components(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (tf_...) issued by an admin: Authorization: Bearer <token>',
        },
      },
    },
    'x-problem-types': problemTypes.map((p) => ({ type: problemType(p.title), ...p })),
  };
}

export type OpenApiDocument = ReturnType<typeof buildDocument>;

let built: OpenApiDocument | undefined;
/** The document, built once (it depends only on the code). */
export function openApiDocument(): OpenApiDocument {
  return (built ??= buildDocument());
}
