import { Router } from 'express';
import type { UserDirectory } from '../auth/index.ts';
import { buildTimeline, otherPeopleIn, requesterView, type Timeline } from '../audit/index.ts';
import type { StoredEvent } from '../events/index.ts';
import type { Workflow } from '../workflow/index.ts';
import { canReadTicket, internalEventTypes, seesInternalNotes } from '../../machines/index.ts';
import { enforce, principalOf } from './auth.ts';
import { HttpProblem } from './problem.ts';
import { stateQuery, ticketIdParam } from './schemas.ts';
import { parse } from './validate.ts';

export interface TimelineRoutesDeps {
  workflow: Workflow;
  users: UserDirectory;
}

/** Display names of the agents in a timeline: the name their user record has, when it has one. */
async function displayNamesOf(
  users: UserDirectory,
  timeline: Timeline,
  requesterEmail: string,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const email of otherPeopleIn(timeline, requesterEmail)) {
    const { user } = await users.load(email);
    if (user?.name) names.set(email, user.name);
  }
  return names;
}

/** What requesters never see: internal notes and the model's unsent suggestions. */
const withoutInternalNotes = (events: readonly StoredEvent[]) =>
  events.filter((e) => !internalEventTypes.has(e.type));

/**
 * `GET /api/tickets/:id/timeline[?version=N|?at=ISO]`: each event with who, when, the state
 * before and after, what changed, and the model's decision records (docs/audit.md). Agents and
 * auditors read it whole; the requester and capability-URL holders without internal notes and
 * with agents shown by display name only (docs/auth.md).
 */
export function timelineRoutes(deps: TimelineRoutesDeps): Router {
  const router = Router();
  router.get('/tickets/:id/timeline', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const q = parse(stateQuery, req.query, 'query');
    const principal = principalOf(res);
    const { events, state } = await deps.workflow.get(id);
    const requester = state.snapshot.context.requester.email;
    enforce(
      canReadTicket(principal, { requesterEmail: requester, level: state.snapshot.context.level }),
      'this ticket',
      id,
    );
    if (q.version && state.version < q.version) {
      throw new HttpProblem({
        title: 'Version not found',
        status: 404,
        detail: `ticket ${id} has ${state.version} events`,
        latestVersion: state.version,
      });
    }
    const until = { version: q.version, at: q.at ? new Date(q.at) : undefined };
    if (seesInternalNotes(principal)) return void res.json(buildTimeline(id, events, until));
    // Notes are left out before the fold, so no later entry's "before" betrays one.
    const timeline = buildTimeline(id, withoutInternalNotes(events), until);
    const displayNames = await displayNamesOf(deps.users, timeline, requester);
    res.json(requesterView(timeline, { requesterEmail: requester, displayNames }));
  });
  return router;
}
