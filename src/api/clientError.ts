import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import { problemType, sendProblem, type Problem } from './problem.ts';

/** Node's parser errors that have an answer of their own; everything else is a bad request. */
const answers: Record<string, Problem> = {
  HPE_HEADER_OVERFLOW: {
    title: 'Request headers too large',
    status: 431,
    detail: 'the request line and headers exceed the size limit',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    title: 'Chunk extensions too large',
    status: 413,
    detail: 'the chunk extensions exceed the size limit',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    title: 'Request timeout',
    status: 408,
    detail: 'the request was not received in time',
  },
};
const badRequest: Problem = {
  title: 'Bad request',
  status: 400,
  detail: 'the request is not valid HTTP/1.1 (request line, headers or framing)',
};

const reasons: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
};

/** The raw HTTP/1.1 answer for a request Node's parser refused, as a problem (RFC 9457). */
export function clientErrorResponse(code: string | undefined): string {
  const problem = (code && answers[code]) || badRequest;
  const body = JSON.stringify({ type: problemType(problem.title), ...problem });
  return [
    `HTTP/1.1 ${problem.status} ${reasons[problem.status]}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * Answers what never reaches Express (a malformed request line or header, oversized headers, a
 * request that took too long) with problem+json instead of Node's bare status line. As Node does
 * by default, a socket that already sent bytes, is gone or was reset gets no answer.
 */
export function answerClientErrors(server: Server): void {
  // Node answers an HTTP/1.1 request without Host with a bare 400 of its own: requireHost does it.
  Object.assign(server, { requireHostHeader: false });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error.code));
  });
}

/** HTTP/1.1 requires a Host header (RFC 9112 §3.2): a request without one is a 400 problem. */
export const requireHost: RequestHandler = (req, res, next) => {
  if (req.httpVersion !== '1.1' || req.headers.host !== undefined) return next();
  sendProblem(res.set('Connection', 'close'), {
    title: 'Bad request',
    status: 400,
    detail: 'an HTTP/1.1 request needs a Host header',
  });
};
