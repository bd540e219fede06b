import fc from 'fast-check';
import type { HttpCall } from './rawHttp.ts';

/** Who calls: each role's token, no token, or a token that cannot work. */
export const callers = [
  'anonymous',
  'owner',
  'other_requester',
  'agent',
  'agent_l1',
  'auditor',
  'integrator',
  'admin',
  'revoked_token',
  'unknown_token',
  'malformed_authorization',
] as const;
export type Caller = (typeof callers)[number];

/** What the fuzzer knows of the server it fuzzes: real ids, so that calls also get past lookups. */
export interface FuzzContext {
  ownerEmail: string;
  /** The owner's ticket, another requester's ticket. */
  ticketIds: string[];
  /** A user the admin routes may change; its token is not one the fuzzer calls with. */
  victimUserId: string;
  victimTokenId: string;
  authorization: Record<Caller, string | undefined>;
}

type BodyOf = (ctx: FuzzContext) => fc.Arbitrary<unknown>;
export interface FuzzRoute {
  method: string;
  path: string;
  /** A valid body for the route, which the fuzzer then breaks in many ways. */
  body?: BodyOf;
  /** The query parameters the route reads (others are mostly refused, and fuzzed more rarely). */
  query?: string[];
  /** Callers the route serves, chosen half the time so that calls also get past authorization. */
  who?: Caller[];
  /**
   * A web UI page (src/web): its refusals are HTML pages with the same status codes, not
   * problem+json. Browsers hold a session cookie, not a token, so every fuzzed call is anonymous
   * to these routes, and every POST without the form's CSRF token is refused.
   */
  html?: true;
}

/** Mostly absent: a header or part that would stop most requests early if always there. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, weight = 1) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight, arbitrary });

/** Text a user may type, and text no database column or jsonb value may hold. */
const text = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('vpn broken since this morning', 'Ünïcødé 🎫 ok') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('a\u0000b', '\u0000', 'x\ud800y', '\udfff', '\ud83c', '', '   '),
  },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(20_001), 'b'.repeat(2001), 'c'.repeat(201)) },
);
const email = (ctx: FuzzContext) =>
  fc.oneof(
    fc.constant(ctx.ownerEmail),
    fc.constantFrom('ann@example.com', 'not-an-email', 'x@y', 'a\u0000@example.com', ''),
    fc.emailAddress(),
  );
const role = fc.constantFrom('requester', 'agent', 'auditor', 'integrator', 'admin', 'root');
const levels = fc.oneof(fc.constant([1, 2, 3]), fc.array(fc.integer({ min: -1, max: 4 })));

const ticketBody: BodyOf = (ctx) =>
  fc.record(
    { subject: text, description: text, requester: fc.record({ email: email(ctx), name: text }) },
    { requiredKeys: ['description', 'requester'] },
  );
const commandBody: BodyOf = (ctx) =>
  fc.oneof(
    fc.constantFrom(
      { type: 'claim' },
      { type: 'start' },
      { type: 'accept_answer' },
      { type: 'close', reason: 'withdrawn' },
      { type: 'unknown' },
    ),
    fc.record({ type: fc.constantFrom('reply', 'note'), body: text }),
    fc.record({ type: fc.constant('hold'), message: text }),
    fc.record({ type: fc.constant('resolve'), resolution: text }),
    fc.record({ type: fc.constantFrom('reopen', 'release'), reason: text }),
    fc.record({ type: fc.constant('reject_answer'), comment: text }),
    fc.record({ type: fc.constant('assign'), agent: email(ctx) }),
    fc.record({
      type: fc.constant('relevel'),
      level: fc.integer({ min: 0, max: 4 }),
      reason: text,
      answer: text,
    }),
  );
const userBody: BodyOf = (ctx) =>
  fc.record(
    { email: email(ctx), name: text, role, levels, lead: fc.boolean() },
    { requiredKeys: ['email', 'role'] },
  );
const grantBody: BodyOf = () => fc.record({ role, levels }, { requiredKeys: ['role'] });
const tokenBody: BodyOf = () => fc.record({ role, label: text }, { requiredKeys: [] });
const erasureBody: BodyOf = (ctx) =>
  fc.record(
    { email: email(ctx), basis: fc.constantFrom('data_subject_request', 'other', 'whim') },
    { requiredKeys: ['email'] },
  );
const exportBody: BodyOf = (ctx) => fc.record({ email: email(ctx) }, { requiredKeys: [] });

const webhookUrl = fc.constantFrom(
  'http://127.0.0.1:9/hook',
  'https://10.0.0.1/x',
  'https://169.254.169.254/latest',
  'ftp://example.com/',
  'https://user:pw@example.com/',
  'not a url',
  '',
);
const eventTypeList = fc.oneof(
  fc.constant(['TicketReceived', 'TicketClassified']),
  fc.array(fc.constantFrom('TicketReceived', 'UserCreated', 'Nope', '', 'x'.repeat(300))),
);
const webhookBody: BodyOf = () =>
  fc.record(
    {
      url: webhookUrl,
      types: eventTypeList,
      levels,
      ordering: fc.constantFrom('per_ticket', 'none', 'random'),
      enabled: fc.boolean(),
      description: text,
    },
    { requiredKeys: ['url'] },
  );
const webhookPatch: BodyOf = () =>
  fc.record(
    {
      url: webhookUrl,
      types: fc.oneof(eventTypeList, fc.constant(null)),
      enabled: fc.boolean(),
      rotateSecret: fc.boolean(),
      retireOldSecret: fc.boolean(),
    },
    { requiredKeys: [] },
  );
const recoverBody: BodyOf = () =>
  fc.record({
    since: fc.oneof(
      fc.integer({ min: -1, max: 10_000 }),
      fc.constantFrom('2020-01-01T00:00:00Z', '0000-01-01T00:00:00Z', 'yesterday', 1.5, null),
    ),
  });

/** Every route the app serves; the fuzz test checks this table against the app's router stack. */
export const fuzzRoutes: FuzzRoute[] = [
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/ready' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/api/openapi.json' },
  { method: 'GET', path: '/api/docs' },
  { method: 'GET', path: '/api/docs/:asset' },
  { method: 'POST', path: '/api/tickets', body: ticketBody, who: ['anonymous', 'owner'] },
  {
    method: 'GET',
    path: '/api/tickets',
    query: ['status', 'level', 'requester', 'limit', 'cursor'],
    who: ['owner', 'agent', 'auditor'],
  },
  { method: 'GET', path: '/api/tickets/:id', who: ['owner', 'agent', 'auditor'] },
  { method: 'GET', path: '/api/tickets/:id/events', who: ['owner', 'agent', 'auditor'] },
  { method: 'GET', path: '/api/tickets/:id/responses', who: ['owner', 'agent', 'auditor'] },
  {
    method: 'GET',
    path: '/api/tickets/:id/state',
    query: ['version', 'at'],
    who: ['owner', 'agent', 'auditor'],
  },
  {
    method: 'GET',
    path: '/api/tickets/:id/timeline',
    query: ['version', 'at'],
    who: ['anonymous', 'owner', 'agent', 'auditor'],
  },
  { method: 'POST', path: '/api/tickets/:id/commands', body: commandBody, who: ['owner', 'agent'] },
  {
    method: 'GET',
    path: '/api/queues/:level',
    query: ['assignee', 'state', 'limit'],
    who: ['agent'],
  },
  { method: 'GET', path: '/api/users', who: ['admin'] },
  { method: 'POST', path: '/api/users', body: userBody, who: ['admin'] },
  { method: 'GET', path: '/api/users/:id', who: ['admin'] },
  { method: 'POST', path: '/api/users/:id/roles', body: grantBody, who: ['admin'] },
  { method: 'GET', path: '/api/users/:id/tokens', who: ['admin'] },
  { method: 'POST', path: '/api/users/:id/tokens', body: tokenBody, who: ['admin'] },
  { method: 'DELETE', path: '/api/users/:id/tokens/:tokenId', who: ['admin'] },
  { method: 'POST', path: '/api/privacy/erasures', body: erasureBody, who: ['admin'] },
  { method: 'POST', path: '/api/privacy/exports', body: exportBody, who: ['admin'] },
  { method: 'GET', path: '/api/events', query: ['after', 'limit', 'types'], who: ['integrator'] },
  {
    method: 'GET',
    path: '/api/events/stream',
    query: ['after', 'types', 'heartbeat'],
    who: ['integrator'],
  },
  { method: 'GET', path: '/api/audit/checkpoint', who: ['auditor'] },
  { method: 'POST', path: '/api/webhooks', body: webhookBody, who: ['integrator', 'admin'] },
  { method: 'GET', path: '/api/webhooks', who: ['integrator', 'admin'] },
  { method: 'GET', path: '/api/webhooks/:id', who: ['integrator', 'admin'] },
  { method: 'PATCH', path: '/api/webhooks/:id', body: webhookPatch, who: ['integrator', 'admin'] },
  { method: 'DELETE', path: '/api/webhooks/:id', who: ['integrator', 'admin'] },
  { method: 'POST', path: '/api/webhooks/:id/recover', body: recoverBody, who: ['integrator'] },
  {
    method: 'POST',
    path: '/api/webhooks/:id/deliveries/:deliveryId/retry',
    who: ['integrator', 'admin'],
  },
  {
    method: 'GET',
    path: '/api/webhooks/:id/deliveries',
    query: ['limit', 'cursor'],
    who: ['integrator', 'admin'],
  },
  { method: 'GET', path: '/api/audit/tickets/:id/proof', who: ['auditor'] },
  {
    method: 'GET',
    path: '/api/reports/summary',
    query: ['source', 'level', 'since', 'until', 'by', 'variants', 'minutes'],
    who: ['auditor', 'admin'],
  },
  {
    method: 'GET',
    path: '/api/reports/volume.svg',
    query: ['source', 'level', 'since', 'until', 'by'],
    who: ['auditor', 'admin'],
  },
  // The web UI (src/web, docs/ui.md).
  { method: 'GET', path: '/assets/:name', html: true },
  { method: 'GET', path: '/', html: true },
  { method: 'GET', path: '/signin', html: true },
  { method: 'POST', path: '/signin', html: true },
  { method: 'POST', path: '/signout', html: true },
  { method: 'POST', path: '/tickets', body: ticketBody, html: true },
  { method: 'GET', path: '/tickets/:id', query: ['done'], html: true },
  { method: 'GET', path: '/tickets/:id/live', html: true },
  { method: 'POST', path: '/tickets/:id/commands', body: commandBody, html: true },
  { method: 'GET', path: '/my', html: true },
  { method: 'GET', path: '/queues/:level', query: ['who', 'state'], html: true },
  { method: 'GET', path: '/queues/:level/rows', query: ['who', 'state'], html: true },
  { method: 'GET', path: '/audit', html: true },
  { method: 'GET', path: '/audit/tickets/:id', query: ['version'], html: true },
  { method: 'GET', path: '/admin/users', html: true },
  { method: 'POST', path: '/admin/users', body: userBody, html: true },
  { method: 'GET', path: '/admin/users/:id', html: true },
  { method: 'POST', path: '/admin/users/:id/roles', body: grantBody, html: true },
  { method: 'POST', path: '/admin/users/:id/tokens', body: tokenBody, html: true },
  { method: 'POST', path: '/admin/users/:id/tokens/:tokenId/revoke', html: true },
  { method: 'GET', path: '/live/tickets/:id', html: true },
  { method: 'GET', path: '/live/queues', html: true },
];

/** Path segments that a router must decode, and that must not reach a query as they are. */
const brokenSegments = [
  '%ZZ',
  '%',
  '%E0%A4%A',
  '%C0%AF',
  '%00',
  '%ED%A0%80',
  '%FF',
  '..',
  '%2e%2e',
  'x%2Fy',
];
const weirdNumbers = ['0', '-1', '4', '1e3', '1.5', 'NaN', 'Infinity', '99999999999999999999'];

const segment = (known: string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.constantFrom(...brokenSegments, ...weirdNumbers, '1', '2', '3') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.constant('-'.repeat(36)) },
  );

const iso = fc
  .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());
/** `GET /api/tickets?cursor=`: the codec's own shape with parts a database may refuse. */
const cursor = fc
  .tuple(
    fc.oneof(
      iso,
      fc.constantFrom(
        '1',
        '2020',
        '0000-01-01T00:00:00Z',
        '-000001-01-01T00:00:00.000Z',
        '+275760-09-13T00:00:00.000Z',
        '2020-02-30T00:00:00Z',
        '2020-01-01T00:00:00.123456+00:00',
        '2020-01-01T00:00:00+99:00',
        'Tue, 01 Jan 2019 00:00:00 GMT',
        'not a date',
      ),
    ),
    fc.oneof(fc.uuid(), fc.constantFrom('-'.repeat(36), 'g'.repeat(36), '', '0'.repeat(36))),
  )
  .chain((pair) =>
    fc.constantFrom<unknown>(pair, [...pair, 'x'], { 0: pair[0] }, pair[0], null, [1, 2]),
  )
  .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'));

const queryValue = fc.oneof(
  fc.constantFrom(...weirdNumbers, '1', '2', '50', 'me', 'none', 'ann@example.com', ''),
  fc.constantFrom('open', 'answered,escalated', 'TicketReceived', 'Nope', 'a,,b', '%ZZ', '%00'),
  fc.constantFrom('0000-01-01T00:00:00Z', '2020-01-01T00:00:00Z', '99999-01-01T00:00:00Z'),
  cursor,
  fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent),
);
const anyQueryKey = fc.constantFrom(
  ...['status', 'level', 'limit', 'cursor', 'requester', 'version', 'at', 'after', 'types'],
  ...['heartbeat', 'assignee', 'state', 'status[]', 'cursor[a]', 'foo', '%ZZ', ''],
);
/** Pairs of the route's own parameters mostly; repeated keys make arrays (`?status=a&status=b`). */
const queryFor = (route: FuzzRoute) => {
  const key = route.query?.length
    ? fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...route.query) }, anyQueryKey)
    : anyQueryKey;
  return fc
    .oneof(
      { weight: 2, arbitrary: fc.constant([]) },
      fc.array(fc.tuple(key, queryValue), { maxLength: 3 }),
    )
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
};

/** Header values Node's client will put on the wire (latin-1, no control characters). */
const headerValue = fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
const headers = fc.record({
  'content-type': fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/merge-patch+json',
      'application/problem+json',
      '*/*',
      'garbage',
    ),
  ),
  'if-match': sometimes(
    fc.oneof(
      fc.constantFrom('"1"', 'W/"3"', '*', '"abc"', '"99999999999999999999"', '1', '', '"0"'),
      fc.constantFrom(' "2" ', '"-1"', '"1", "2"', '"9007199254740993"'),
      headerValue,
    ),
    2,
  ),
  prefer: sometimes(
    fc.oneof(
      fc.constantFrom('wait=1', 'wait=0', 'wait=99999999999999999999', 'respond-async'),
      fc.constantFrom('wait=-1', 'wait=abc', 'return=minimal; wait=1', 'wait=1e3'),
      headerValue,
    ),
  ),
  'idempotency-key': sometimes(
    fc.oneof(
      fc.constantFrom('42', '', ' ', 'k'.repeat(200), 'k'.repeat(201), 'caf\xe9'),
      headerValue,
    ),
  ),
  'last-event-id': sometimes(fc.oneof(fc.constantFrom('0', '-1', '1e20', 'abc', ''), headerValue)),
  'x-request-id': sometimes(fc.oneof(fc.constantFrom('a'.repeat(101), '../x', ''), headerValue)),
  'content-encoding': sometimes(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown')),
  accept: sometimes(fc.constantFrom('application/json', 'text/html', '*/*', 'text/event-stream')),
});
/** The headers that are there (a record of optional values → only the present ones). */
const present = (h: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined));

/** A body the route expects, broken or not: wrong types, unknown fields, not an object at all. */
function bodyFor(route: FuzzRoute, ctx: FuzzContext): fc.Arbitrary<string | undefined> {
  const valid = route.body ? route.body(ctx) : fc.constant({});
  const weird = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(null, [], '', 0, -1, 1e308, 2 ** 53 + 1, true, 'x'.repeat(70_000)),
  );
  // One field replaced by a value of another type, or one unknown field added.
  const broken = fc
    .tuple(valid, fc.string({ maxLength: 12 }), fc.nat(), weird)
    .map(([value, key, pick, v]) => {
      if (typeof value !== 'object' || value === null) return v;
      const keys = [...Object.keys(value), key];
      return { ...value, [keys[pick % keys.length]!]: v };
    });
  const json = fc
    .oneof({ weight: 5, arbitrary: valid }, { weight: 3, arbitrary: broken }, weird)
    .map((value) => JSON.stringify(value));
  const garbage = fc.oneof(
    fc.constantFrom('null', '[]', '"s"', '1', '{', '{"a":1,}', '\ufeff{}', '{"__proto__":{}}'),
    fc.string({ maxLength: 50 }),
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: json },
    { weight: 2, arbitrary: garbage },
  );
}

const otherMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE'];

export interface FuzzCall extends HttpCall {
  caller: Caller;
  route: string;
}

/** A request to one of the routes, from any caller, with any headers, query and body. */
export function fuzzCall(ctx: FuzzContext): fc.Arbitrary<FuzzCall> {
  const known = [...ctx.ticketIds, ctx.victimUserId, ctx.victimTokenId];
  return fc.constantFrom(...fuzzRoutes).chain((route) =>
    fc
      .record({
        method: fc.oneof(
          { weight: 8, arbitrary: fc.constant(route.method) },
          { weight: 1, arbitrary: fc.constantFrom(...otherMethods) },
        ),
        segments: fc.array(segment(known), { minLength: 2, maxLength: 2 }),
        suffix: fc.oneof(
          { weight: 12, arbitrary: fc.constant('') },
          fc.constantFrom('/', '/%ZZ', '//x'),
        ),
        query: queryFor(route),
        caller: route.who
          ? fc.oneof(fc.constantFrom(...callers), fc.constantFrom(...route.who))
          : fc.constantFrom(...callers),
        headers,
        // A body on a route that reads none is fuzzed too, more rarely (express.json still parses it).
        body: route.body ? bodyFor(route, ctx) : sometimes(bodyFor(route, ctx)),
      })
      .map(({ method, segments, suffix, query: q, caller, headers: h, body }) => {
        let n = 0;
        const path = route.path.replace(/:\w+/g, () => segments[n++ % segments.length]!);
        const authorization = ctx.authorization[caller];
        return {
          route: `${route.method} ${route.path}`,
          caller,
          method,
          path: `${path}${suffix}${q}`,
          headers: { ...present(h), ...(authorization ? { authorization } : {}) },
          body,
        };
      }),
  );
}

/** Requests no HTTP client would send, byte for byte (each ends its connection). */
export const rawCases: Array<[string, string]> = [
  ['a garbage request line', 'HELLO THERE\r\n\r\n'],
  ['a space in a header name', 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n'],
  ['a control character in a header', 'GET /api/tickets HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n'],
  ['oversized headers', `GET /api/tickets HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`],
  [
    'a raw broken encoding',
    'GET /api/tickets/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  ],
  [
    'a raw non-ASCII path',
    'GET /api/tickets/\xe9\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  ],
  ['no Host header', 'GET /api/tickets HTTP/1.1\r\nConnection: close\r\n\r\n'],
  [
    'a Content-Length shorter than the body',
    'POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"description":"x","requester":{"email":"a@example.com"}}',
  ],
  [
    'a negative Content-Length',
    'POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}',
  ],
  [
    'two Content-Lengths',
    'POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
  ],
  [
    'a broken chunk',
    'POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  ],
  [
    'chunked and a length',
    'POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
  ],
];

/** A request head put together from broken parts: request line, header lines, line ends. */
export const rawJunk: fc.Arbitrary<string> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'G ET', '', 'GET\x00', 'get', 'DELETE'),
    target: fc.constantFrom(
      '/api/tickets',
      '/api/tickets/%ZZ',
      '*',
      'http://x/api',
      '/\x7f',
      '/a b',
    ),
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', ''),
    lines: fc.array(
      fc.oneof(
        fc.constantFrom('Host: x', 'X: \x01', 'Bad Header: x', ' folded', 'Content-Length: 1, 2'),
        fc.constantFrom('Transfer-Encoding: chunked, gzip', 'Content-Length: 99999999999999999999'),
        fc.string({ unit: 'binary-ascii', maxLength: 30 }),
      ),
      { maxLength: 4 },
    ),
    eol: fc.constantFrom('\r\n', '\n', '\r'),
  })
  .map(
    ({ method, target, version, lines, eol }) =>
      `${method} ${target} ${version}${eol}${[...lines, 'Connection: close'].join(eol)}${eol}${eol}`,
  );
