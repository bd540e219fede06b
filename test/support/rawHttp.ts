import http from 'node:http';
import net from 'node:net';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpCall {
  method: string;
  /** Sent as is: no normalisation, so broken percent-encodings reach the server. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

/** Node's client refused to send the call (a header value or path it will not put on the wire). */
export class UnsendableCall extends Error {}

const readLimit = 256 * 1024;

/**
 * One request on its own connection to a real server. An event stream is cut once its status and
 * headers are in: the fuzz test only judges the answer, not the stream.
 */
export function request(port: number, call: HttpCall, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    try {
      req = http.request({
        host: '127.0.0.1',
        port,
        method: call.method,
        path: call.path,
        // Node's client frames a body of GET, HEAD or DELETE with no length at all: give it one.
        headers:
          call.body === undefined
            ? call.headers
            : { ...call.headers, 'content-length': String(Buffer.byteLength(call.body)) },
        agent: false,
      });
    } catch (error) {
      reject(new UnsendableCall(String(error)));
      return;
    }
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`no answer in ${timeoutMs} ms to ${call.method} ${call.path}`)),
    );
    req.on('error', reject);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.destroy();
        req.destroy();
        resolve({ status, headers: res.headers, body: '' });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= readLimit) chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    try {
      req.end(call.body);
    } catch (error) {
      req.destroy();
      reject(new UnsendableCall(String(error)));
    }
  });
}

/**
 * Writes bytes to a fresh TCP connection and parses what comes back before the server closes it:
 * for requests no HTTP client would send (a bad request line, oversized headers, a lying length).
 */
export function rawRequest(port: number, bytes: string | Buffer, timeoutMs = 5000) {
  return new Promise<HttpAnswer & { closed: boolean }>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      try {
        resolve({ ...parseResponse(raw), closed });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    // The server may close while we still write (it answers oversized headers before reading all).
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

function parseResponse(raw: string): HttpAnswer {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`no complete HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = '', ...lines] = raw.slice(0, split).split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers: http.IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[1]), headers, body: raw.slice(split + 4) };
}
