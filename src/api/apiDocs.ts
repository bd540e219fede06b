import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { z } from 'zod';
import { openApiDocument } from './openapi.ts';
import { HttpProblem } from './problem.ts';
import { parse } from './validate.ts';

/** The reference page's files, read once: a page, its script and its stylesheet (no CDN). */
const page = (file: string) => readFileSync(new URL(`./docsPage/${file}`, import.meta.url));
const assets = {
  'docs.js': { type: 'text/javascript; charset=utf-8', body: page('docs.js') },
  'docs.css': { type: 'text/css; charset=utf-8', body: page('docs.css') },
};
const html = page('index.html');
const assetParam = z.object({ asset: z.string() });

/**
 * `GET /api/openapi.json` and the page that renders it, `GET /api/docs`: public, before any token is
 * read. The script is a file of its own, so the page passes the CSP (script-src 'self', no inline).
 */
export function apiDocsRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  router.get('/docs', (_req, res) => {
    res.type('text/html; charset=utf-8').send(html);
  });
  router.get('/docs/:asset', (req, res) => {
    const { asset } = parse(assetParam, req.params, 'path');
    if (asset !== 'docs.js' && asset !== 'docs.css') {
      throw new HttpProblem({ title: 'Not found', status: 404, detail: `no file ${asset}` });
    }
    res.type(assets[asset].type).set('Cache-Control', 'no-cache').send(assets[asset].body);
  });
  return router;
}
