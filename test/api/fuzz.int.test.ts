import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrors } from '../../src/api/clientError.ts';
import { tokenFor } from '../support/auth.ts';
import { databaseKinds } from '../support/databases.ts';
import {
  fuzzCall,
  fuzzRoutes,
  rawCases,
  rawJunk,
  type FuzzCall,
  type FuzzContext,
} from '../support/fuzzRequests.ts';
import { settledEventCount, startTestApp, type TestApp } from '../support/harness.ts';
import { rawRequest, request, UnsendableCall, type HttpAnswer } from '../support/rawHttp.ts';
import { listRoutes } from '../support/routes.ts';

/** `npm run fuzz -- --runs N` sets FUZZ_RUNS; the suite's default stays well under a minute. */
const numRuns = Number(process.env.FUZZ_RUNS ?? 500);
/** A longer run gets the time it needs (a request takes ~20 ms on PGlite). */
const timeout = 60_000 + numRuns * 100;
/** FUZZ_SURVEY=1: count every violation instead of stopping (and shrinking) at the first one. */
const survey = process.env.FUZZ_SURVEY === '1';
/** FUZZ_SEED replays a run (fast-check prints the seed of a failing one). */
const seed = process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {};

const admin = { id: 'fuzz-setup', role: 'admin' as const };

/** Web UI routes answer refusals with an HTML page (same status codes) instead of problem+json. */
const htmlRoutes = new Set(fuzzRoutes.filter((r) => r.html).map((r) => `${r.method} ${r.path}`));

/** What is wrong with an answer: a 5xx, an error that is not a problem, a write for a refusal. */
function violations(
  call: { method: string; route?: string },
  answer: HttpAnswer,
  appended: number,
): string[] {
  const found: string[] = [];
  if (answer.status < 100) return [`0 no answer: ${answer.body}`];
  if (answer.status >= 500) found.push(`${answer.status} ${answer.body.slice(0, 300)}`);
  const page = String(answer.headers['content-type'] ?? '').startsWith('text/html');
  if (answer.status >= 400 && page && htmlRoutes.has(call.route ?? '')) {
    if (appended !== 0) found.push(`${answer.status} but ${appended} event(s) appended`);
  } else if (answer.status >= 400) {
    const type = String(answer.headers['content-type'] ?? '');
    if (!type.startsWith('application/problem+json')) found.push(`${answer.status} as ${type}`);
    if (call.method !== 'HEAD') {
      let body: unknown;
      try {
        body = JSON.parse(answer.body);
      } catch {
        body = undefined;
      }
      const problem = body as { title?: unknown; status?: unknown } | undefined;
      if (typeof problem?.title !== 'string' || problem.status !== answer.status)
        found.push(`${answer.status} without title and status: ${answer.body.slice(0, 200)}`);
    }
    if (appended !== 0) found.push(`${answer.status} but ${appended} event(s) appended`);
  }
  return found;
}

describe.each(databaseKinds)('fuzzing the HTTP API on %s', (kind) => {
  let app: TestApp;
  let server: Server;
  let port: number;
  let ctx: FuzzContext;

  const settled = () => settledEventCount(app);

  beforeAll(async () => {
    app = await startTestApp(kind);
    server = app.tf.app.listen(0, '127.0.0.1');
    answerClientErrors(server);
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;

    const owner = await tokenFor(app, 'requester');
    const other = await tokenFor(app, 'requester');
    const victim = await app.tf.users.create({ email: 'victim@example.com', role: 'agent' }, admin);
    const victimToken = await app.tf.users.issueToken(victim.email, {}, admin);
    const revoked = await app.tf.users.issueToken(victim.email, {}, admin);
    await app.tf.users.revokeToken(victim.userId, revoked.tokenId, admin);
    const tickets = await Promise.all(
      [owner, other].map((who) =>
        app.http
          .post('/api/tickets')
          .set(who.auth)
          .set('Prefer', 'wait=10')
          .send({ description: 'The VPN drops every hour' }),
      ),
    );
    const auth = async (...args: Parameters<typeof tokenFor>) =>
      (await tokenFor(...args)).auth.Authorization;
    ctx = {
      ownerEmail: owner.email,
      ticketIds: tickets.map((t) => String(t.body.id)),
      victimUserId: victim.userId,
      victimTokenId: victimToken.tokenId,
      authorization: {
        anonymous: undefined,
        owner: owner.auth.Authorization,
        other_requester: other.auth.Authorization,
        agent: await auth(app, 'agent', { levels: [1, 2, 3], lead: true }),
        agent_l1: await auth(app, 'agent', { levels: [1] }),
        auditor: await auth(app, 'auditor'),
        integrator: await auth(app, 'integrator'),
        admin: await auth(app, 'admin'),
        revoked_token: `Bearer ${revoked.token}`,
        unknown_token: `Bearer tf_${randomBytes(32).toString('base64url')}`,
        malformed_authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
      },
    };
    await app.tf.projector.catchUp();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  });

  it('fuzzes every route the app serves (a new route needs a line in fuzzRoutes)', () => {
    const served = listRoutes(app.tf.app).map((r) => `${r.method} ${r.path}`);
    expect(served.sort()).toEqual(fuzzRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });

  /** Survey mode: every violation, counted; otherwise the first one fails the property. */
  const surveyed: string[] = [];
  const statuses = new Map<number, number>();
  function judge(where: string, answer: HttpAnswer, wrong: string[]): void {
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    if (survey && wrong.length) surveyed.push(`${where} → ${wrong.join('; ')}`);
    else expect(wrong, where).toEqual([]);
  }
  afterAll(() => {
    if (!survey) return;
    const count = (pattern: RegExp) => surveyed.filter((f) => pattern.test(f)).length;
    console.info(
      `${[...statuses.values()].reduce((a, b) => a + b, 0)} answers: ` +
        `${JSON.stringify(Object.fromEntries(statuses))}\n` +
        `answers with violations: ${surveyed.length} (5xx: ${count(/→ 5\d\d /)}, ` +
        `not problem+json: ${count(/ as |without title/)}, ` +
        `written when refused: ${count(/appended/)}, no answer: ${count(/→ 0 /)})\n` +
        surveyed
          .slice(0, 50)
          .map((f) => f.slice(0, 240))
          .join('\n'),
    );
  });

  it(
    `answers ${numRuns} fuzzed requests with no 5xx, only problem+json errors, no write when refused`,
    async () => {
      const first = surveyed.length;
      await fc.assert(
        fc.asyncProperty(fuzzCall(ctx), async (call: FuzzCall) => {
          const before = await settled();
          let answer: HttpAnswer;
          try {
            answer = await request(port, call);
          } catch (error) {
            if (error instanceof UnsendableCall) return; // Node's client would not send it
            if (!survey) throw error;
            answer = { status: 0, headers: {}, body: String(error) };
          }
          const appended = (await settled()) - before;
          const where = `${call.caller}: ${call.method} ${call.path}`;
          const detail = survey ? '' : ` ${JSON.stringify(call.headers)} ${call.body}`;
          judge(where + detail, answer, violations(call, answer, appended));
        }),
        { numRuns, ...seed },
      );
      expect(surveyed.length - first, 'answers with violations (listed after the run)').toBe(0);
    },
    timeout,
  );

  it(
    'answers requests no client would send with problem+json, and writes nothing',
    async () => {
      const first = surveyed.length;
      const before = await settled();
      for (const [name, bytes] of rawCases) {
        const answer = await rawRequest(port, bytes);
        judge(`raw: ${name}`, answer, violations({ method: 'GET' }, answer, 0));
        expect(answer.closed, name).toBe(true);
      }
      await fc.assert(
        fc.asyncProperty(rawJunk, async (bytes) => {
          const answer = await rawRequest(port, bytes);
          judge(`raw: ${JSON.stringify(bytes)}`, answer, violations({ method: 'GET' }, answer, 0));
        }),
        { numRuns: Math.ceil(numRuns / 5), ...seed },
      );
      expect(await settled()).toBe(before);
      expect(surveyed.length - first, 'answers with violations (listed after the run)').toBe(0);
    },
    timeout,
  );
});
