import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { serializeError, serializeRequest } from '../log/index.ts';

/**
 * One log line per request, with an `X-Request-Id` (the caller's, when it is a plain token, or a
 * new one). Headers are redacted by the logger itself (src/server/logger.ts); pino-http brings its
 * own serializers, so the URL's and the error's scrubbing are given here too.
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: { req: serializeRequest, err: serializeError },
    autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
  });
}
