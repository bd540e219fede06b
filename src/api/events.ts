import { Router } from 'express';
import type { EventStore } from '../eventstore/index.ts';
import { isEventType, type EventType } from '../events/index.ts';
import { HttpProblem } from './problem.ts';
import { eventsQuery } from './schemas.ts';
import { eventToJson } from './tickets.ts';
import { parse } from './validate.ts';

/** The global log, in commit order, resumable from any position a client has seen. */
export function eventRoutes(store: EventStore): Router {
  const router = Router();

  router.get('/events', async (req, res) => {
    const q = parse(eventsQuery, req.query, 'query');
    const types = q.types?.split(',');
    const unknown = types?.filter((t) => !isEventType(t));
    if (unknown?.length) {
      throw new HttpProblem({ title: 'Unknown event type', status: 400, detail: `unknown: ${unknown.join(', ')}` });
    }
    if (!(await store.positionExists(q.after))) {
      throw new HttpProblem({ title: 'Invalid position', status: 400, detail: `no event at position ${q.after}` });
    }
    const { events, lastPosition } = await store.readAll({
      after: q.after,
      limit: q.limit,
      ...(types ? { types: types as EventType[] } : {}),
    });
    res.json({ events: events.map(eventToJson), lastPosition });
  });

  return router;
}
