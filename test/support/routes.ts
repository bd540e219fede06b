import type { Express } from 'express';

/** One route an app answers: an HTTP method and an Express path pattern (`/api/tickets/:id`). */
export interface RouteSignature {
  method: string;
  path: string;
}

interface StackLayer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: unknown };
}

/**
 * Every route of an Express 5 app, read from its router stack (nested routers included), so that a
 * test can check a table of routes against what the app really serves.
 */
export function listRoutes(app: Express): RouteSignature[] {
  const routes: RouteSignature[] = [];
  const walk = (stack: StackLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route && typeof layer.route.path === 'string') {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') {
            routes.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
          }
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount =
          typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack as StackLayer[], prefix + mount);
      }
    }
  };
  walk((app.router as unknown as { stack: StackLayer[] }).stack, '');
  // One route may have several layers (a rate limit mounted on POST /api/tickets, then its handler).
  return [...new Map(routes.map((r) => [`${r.method} ${r.path}`, r])).values()];
}
