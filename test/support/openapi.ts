import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type supertest from 'supertest';
import { openApiDocument } from '../../src/api/openapi.ts';

/**
 * Checks API answers against the OpenAPI document (GET /api/openapi.json): the path, method and
 * status are documented, the media type is one the document names, and a JSON body validates
 * against its schema (ajv, JSON Schema 2020-12, the dialect of OpenAPI 3.1).
 */

interface MediaObject {
  schema?: { $ref?: string };
}
interface ResponseObject {
  content?: Record<string, MediaObject>;
}
type PathItem = Record<string, { responses: Record<string, ResponseObject> }>;

const documentId = 'https://ticketflow.dev/openapi.json';
const document = openApiDocument();
const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
// The document's own members are not JSON Schema keywords: known, and not validated.
ajv.addVocabulary(Object.keys(document).filter((key) => key !== '$id'));
ajv.addSchema({ ...document, $id: documentId });

const compiled = new Map<string, ValidateFunction>();
function validatorFor(ref: string): ValidateFunction {
  let validate = compiled.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: `${documentId}${ref}` });
    compiled.set(ref, validate);
  }
  return validate;
}

/** `/api/tickets/{id}` as a regular expression for concrete paths. */
const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
}

/**
 * The web UI's pages, forms, assets and live streams (src/web): outside the document, which
 * describes the JSON API only (docs/ui.md).
 */
export const webUiPath =
  /^\/(?:$|signin$|signout$|tickets(?:\/|$)|my$|queues\/|live\/|audit(?:\/|$)|admin\/|assets\/)/;

/** What is wrong with an answer to `method url`, by the document; empty when it conforms. */
export function documentViolations(method: string, url: string, answer: Answer): string[] {
  const path = decodeURI(new URL(url, 'http://localhost').pathname);
  if (webUiPath.test(path)) return [];
  const mediaType = String(answer.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim();
  const template = templates.find((t) => t.pattern.test(path))?.template;
  const item = template ? (document.paths as Record<string, PathItem>)[template] : undefined;
  const operation = item?.[method.toLowerCase() === 'head' ? 'get' : method.toLowerCase()];
  if (!operation) {
    // A path or method no route serves: the app's 404/405 problem, which must still be a problem.
    if (answer.status === 404 || answer.status === 405) {
      return bodyViolations('#/components/schemas/Problem', mediaType, answer, [
        'application/problem+json',
      ]);
    }
    return [`${method} ${path} (${answer.status}) is not in the document`];
  }
  const response = operation.responses[String(answer.status)] ?? operation.responses.default;
  if (!response) return [`${method} ${template} does not document status ${answer.status}`];
  const content = response.content ?? {};
  const mediaTypes = Object.keys(content);
  if (mediaTypes.length === 0) {
    const empty = answer.text === undefined || answer.text === '';
    return empty ? [] : [`${method} ${template} ${answer.status} has a body the document lacks`];
  }
  if (method.toUpperCase() === 'HEAD') return [];
  const ref = content[mediaType]?.schema?.$ref;
  return bodyViolations(ref, mediaType, answer, mediaTypes);
}

function bodyViolations(
  ref: string | undefined,
  mediaType: string,
  answer: Answer,
  allowed: string[],
): string[] {
  if (!allowed.includes(mediaType))
    return [`media type ${mediaType} is not ${allowed.join(' or ')}`];
  if (!ref) return [];
  const validate = validatorFor(ref);
  if (validate(answer.body)) return [];
  return (validate.errors ?? []).map(
    (e) => `${ref.split('/').pop()}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
  );
}

/** Throws when an answer does not match the document. */
export function expectDocumented(method: string, url: string, answer: Answer): void {
  const violations = documentViolations(method, url, answer);
  if (violations.length) {
    throw new Error(
      `${method} ${url} → ${answer.status} does not match the OpenAPI document:\n  ${violations
        .slice(0, 10)
        .join('\n  ')}`,
    );
  }
}

type Agent = ReturnType<typeof supertest>;
type Test = ReturnType<Agent['get']>;
const methods = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

/**
 * A supertest agent whose every answer is checked against the document before the test sees it:
 * `startTestApp(kind, { checkResponses: true })` gives one as `app.http`.
 */
export function checkedAgainstDocument(agent: Agent): Agent {
  const checked = Object.create(agent) as Agent;
  for (const method of methods) {
    checked[method] = (url: string) => {
      const test: Test = agent[method](url);
      const then = test.then.bind(test);
      test.then = ((onFulfilled, onRejected) =>
        then((res) => {
          expectDocumented(method, url, res);
          return res;
        }).then(onFulfilled, onRejected)) as Test['then'];
      return test;
    };
  }
  return checked;
}
