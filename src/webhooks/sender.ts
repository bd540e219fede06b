import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { TargetGuard } from './targets.ts';

/** What one try of a delivery came to. */
export interface AttemptOutcome {
  /** The receiver's status code; null when no answer came (refused, timed out, reset). */
  status: number | null;
  latencyMs: number;
  /** Why it failed, in a few words (never a secret): null on success. */
  error: string | null;
  /** The first bytes of the response body (at most `excerptBytes`). */
  excerpt: string;
  /** Seconds from a `Retry-After` header (on 429 and 503), when given. */
  retryAfterSeconds: number | null;
}

export interface SenderOptions {
  guard: TargetGuard;
  timeoutMs: number;
  /** How much of a response body is read; the rest is discarded unread. */
  excerptBytes?: number;
  maxSockets?: number;
}

/** Retry-After as seconds: a number of seconds or an HTTP date. */
export function retryAfterSeconds(value: string | undefined, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * POSTs a delivery: no redirect is followed (a 3xx is a failure: a redirect could send signed
 * events somewhere the endpoint's owner never named), the whole exchange is bounded by
 * `timeoutMs`, and only the first bytes of the answer are kept.
 */
export function createSender(options: SenderOptions) {
  const excerptBytes = options.excerptBytes ?? 1024;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  function send(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<AttemptOutcome> {
    const started = performance.now();
    const done = (partial: Partial<AttemptOutcome>): AttemptOutcome => ({
      status: null,
      error: null,
      excerpt: '',
      retryAfterSeconds: null,
      ...partial,
      latencyMs: Math.round(performance.now() - started),
    });
    const form = options.guard.urlRefusal(url);
    if (form) return Promise.resolve(done({ error: `refused target: ${form}` }));
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // An IP literal is never looked up, so its address is checked here.
    const literal = isIP(host) ? options.guard.addressRefusal(host) : null;
    if (literal) return Promise.resolve(done({ error: `refused target: ${literal}` }));
    const secure = target.protocol === 'https:';

    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const request = (secure ? https : http).request(target, {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        lookup: options.guard.lookup as unknown as http.RequestOptions['lookup'],
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(() => {
        request.destroy();
        finish(done({ error: `timed out after ${options.timeoutMs} ms` }));
      }, options.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        const message = error.message.startsWith('refused target')
          ? error.message
          : (error.code ?? error.message);
        finish(done({ error: message }));
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let kept = 0;
        const complete = (error: string | null) => {
          const ok = status >= 200 && status < 300;
          finish(
            done({
              status,
              error:
                error ??
                (ok
                  ? null
                  : status >= 300 && status < 400
                    ? 'redirect not followed'
                    : `HTTP ${status}`),
              excerpt: Buffer.concat(chunks).toString('utf8'),
              retryAfterSeconds:
                status === 429 || status === 503
                  ? retryAfterSeconds(response.headers['retry-after'], Date.now())
                  : null,
            }),
          );
        };
        response.on('data', (chunk: Buffer) => {
          if (kept >= excerptBytes) return;
          chunks.push(chunk.subarray(0, excerptBytes - kept));
          kept += Math.min(chunk.length, excerptBytes - kept);
          // Enough read: the rest is not wanted, and the socket is not kept for reuse.
          if (kept >= excerptBytes) {
            response.destroy();
            complete(null);
          }
        });
        response.on('end', () => complete(null));
        response.on('error', () => complete('connection closed mid-response'));
        response.on('close', () =>
          complete(response.complete ? null : 'connection closed mid-response'),
        );
      });
      request.end(body);
    });
  }

  return {
    send,
    close(): void {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

export type Sender = ReturnType<typeof createSender>;
