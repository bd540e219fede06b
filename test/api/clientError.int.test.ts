import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrors } from '../../src/api/clientError.ts';
import { rawRequest } from '../support/rawHttp.ts';

/**
 * What Node's HTTP parser refuses never reaches Express: without a `clientError` listener Node
 * answers with a bare status line. These requests, sent byte for byte, must get problem+json.
 */
describe('answers requests Node cannot parse with problem+json', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    // Short timeouts, checked often, so that the 408 case takes a moment, not 5 minutes.
    server = http.createServer(
      { requestTimeout: 400, headersTimeout: 300, connectionsCheckingInterval: 50 },
      (_req, res) => res.end('ok'),
    );
    answerClientErrors(server);
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const host = 'Host: 127.0.0.1\r\n';
  it.each([
    ['a garbage request line', 400, 'HELLO THERE\r\n\r\n'],
    ['a space in a header name', 400, `GET / HTTP/1.1\r\n${host}Bad Header: x\r\n\r\n`],
    ['a control character in a header value', 400, `GET / HTTP/1.1\r\n${host}X: a\x01b\r\n\r\n`],
    [
      'a Content-Length that is not a number',
      400,
      `POST / HTTP/1.1\r\n${host}Content-Length: abc\r\n\r\n`,
    ],
    [
      'both Content-Length and chunked',
      400,
      `POST / HTTP/1.1\r\n${host}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc`,
    ],
    ['an unknown HTTP version', 400, `GET / HTTP/9.9\r\n${host}\r\n`],
    ['oversized headers', 431, `GET / HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['headers that never end', 408, `GET / HTTP/1.1\r\n${host}X-Slow: 1\r\n`],
  ])('%s → %i', async (_name, status, bytes) => {
    const answer = await rawRequest(port, bytes);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.headers.connection).toBe('close');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    expect(JSON.parse(answer.body)).toMatchObject({ status, title: expect.any(String) });
    expect(answer.closed).toBe(true);
  });

  it('still serves a well-formed request', async () => {
    const answer = await rawRequest(port, `GET / HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
    expect(answer).toMatchObject({ status: 200, body: 'ok' });
  });

  it('writes nothing to a socket that was reset, is not writable, or has begun an answer', () => {
    const sockets = [
      { error: 'ECONNRESET', writable: true, bytesWritten: 0 },
      { error: 'HPE_INVALID_METHOD', writable: false, bytesWritten: 0 },
      { error: 'HPE_INVALID_METHOD', writable: true, bytesWritten: 120 },
    ].map(({ error, writable, bytesWritten }) => {
      const calls: string[] = [];
      const socket = {
        writable,
        bytesWritten,
        end: () => calls.push('end'),
        write: () => calls.push('write'),
        destroy: () => calls.push('destroy'),
      };
      server.emit(
        'clientError',
        Object.assign(new Error(error), { code: error }),
        socket as unknown as Socket,
      );
      return calls;
    });
    expect(sockets).toEqual([['destroy'], ['destroy'], ['destroy']]);
  });
});
