import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Helmet's headers on every response (problems and 404s included). The CSP fits a JSON API and
 * the web UI this server is to serve from its own origin: everything from 'self', no inline
 * script or style, no framing, no plugins. No upgrade-insecure-requests: a plain-HTTP install on
 * a LAN would break its own UI.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** Request headers the API reads, and response headers a browser client needs to see. */
const allowedHeaders = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'If-Match',
  'Last-Event-ID',
  'Prefer',
  'X-Request-Id',
];
const exposedHeaders = [
  'ETag',
  'Idempotent-Replayed',
  'Location',
  'Preference-Applied',
  'Retry-After',
  'X-Request-Id',
];

/**
 * CORS is closed unless origins are configured (CORS_ORIGINS): then those origins, and only
 * those, get Access-Control-Allow-Origin. The API reads no cookies (only the web UI's pages read
 * their SameSite=Strict session cookie), so no credentials mode.
 */
export function corsPolicy(origins: readonly string[]): RequestHandler {
  if (origins.length === 0) return (_req, _res, next) => next();
  return cors({
    origin: [...origins],
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders,
    exposedHeaders,
    maxAge: 600,
  });
}
