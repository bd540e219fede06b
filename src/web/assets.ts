import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { Router } from 'express';

/**
 * The UI's static files, served by the product itself (no CDN): htmx and its SSE extension
 * straight from node_modules (no build step), and the UI's own script and style sheet. Each is
 * read and gzipped once at start, named by its content hash so browsers may cache it for good.
 */
export interface Asset {
  name: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  hash: string;
}

const require = createRequire(import.meta.url);
const own = (file: string) => new URL(`./assets/${file}`, import.meta.url).pathname;

const sources: Array<[string, string, string]> = [
  ['htmx.min.js', 'text/javascript', require.resolve('htmx.org/dist/htmx.min.js')],
  ['sse.min.js', 'text/javascript', require.resolve('htmx-ext-sse/dist/sse.min.js')],
  ['app.js', 'text/javascript', own('app.js')],
  ['app.css', 'text/css', own('app.css')],
];

function load(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, type, file] of sources) {
    const body = readFileSync(file);
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
    assets.set(name, { name, type, body, gzip: gzipSync(body, { level: 9 }), hash });
  }
  return assets;
}

let loaded: Map<string, Asset> | undefined;
export const webAssets = (): Map<string, Asset> => (loaded ??= load());

/** `/assets/app.css?v=<hash>`: a new deploy changes the URL, so caching is safe. */
export const assetUrl = (name: string): string =>
  `/assets/${name}?v=${webAssets().get(name)?.hash ?? ''}`;

export function assetRoutes(): Router {
  const router = Router();
  router.get('/assets/:name', (req, res, next) => {
    const asset = webAssets().get(req.params.name);
    if (!asset) return next();
    const gzip = req.acceptsEncodings('gzip') === 'gzip';
    res
      .set('Cache-Control', 'public, max-age=31536000, immutable')
      .set('Vary', 'Accept-Encoding')
      .type(asset.type);
    if (gzip) res.set('Content-Encoding', 'gzip');
    res.send(gzip ? asset.gzip : asset.body);
  });
  return router;
}
