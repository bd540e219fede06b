import type { StoredEvent } from '../events/index.ts';
import type { ExportedTicket } from './collect.ts';

type AttributeType = 'string' | 'integer' | 'float' | 'time';
interface Relationship {
  objectId: string;
  qualifier: string;
}
interface OcelObject {
  id: string;
  type: string;
  attributes: { name: string; time: string; value: string | number }[];
  relationships: Relationship[];
}
interface OcelEvent {
  id: string;
  type: string;
  time: string;
  attributes: { name: string; value: string | number }[];
  relationships: Relationship[];
}

/** The OCEL 2.0 JSON document (ocel-standard.org): types, objects, events. */
export interface OcelLog {
  objectTypes: { name: string; attributes: { name: string; type: AttributeType }[] }[];
  eventTypes: { name: string; attributes: { name: string; type: AttributeType }[] }[];
  objects: OcelObject[];
  events: OcelEvent[];
}

const objectTypes: OcelLog['objectTypes'] = [
  {
    name: 'ticket',
    attributes: [
      { name: 'level', type: 'integer' },
      { name: 'category', type: 'string' },
      { name: 'source', type: 'string' },
    ],
  },
  { name: 'requester', attributes: [] },
  { name: 'agent', attributes: [] },
  { name: 'level', attributes: [] },
  { name: 'kb_article', attributes: [{ name: 'title', type: 'string' }] },
  {
    name: 'model_decision',
    attributes: [
      { name: 'model', type: 'string' },
      { name: 'outcome', type: 'string' },
      { name: 'confidence', type: 'float' },
      { name: 'latency_ms', type: 'float' },
    ],
  },
];

/** Events whose data is a model's decision (not those an import wrote with `model: import`). */
const decisionTypes = new Set([
  'TicketClassified',
  'ClassificationFailed',
  'AnswerDrafted',
  'AnswerDraftFailed',
  'SuggestionDrafted',
  'SuggestionDraftFailed',
]);

/** The knowledge-base articles an event names: cited, and (drafts) retrieved. */
function articlesOf(event: StoredEvent): { id: string; title: string; qualifier: string }[] {
  const data = event.data as {
    citations?: { id: string; title: string }[];
    retrieved?: { id: string; title: string }[];
  };
  return [
    ...(data.citations ?? []).map((a) => ({ ...a, qualifier: 'cites' })),
    ...(data.retrieved ?? []).map((a) => ({ ...a, qualifier: 'retrieved' })),
  ];
}

/**
 * The tickets as an object-centric event log: tickets, requesters, agents, levels, knowledge-base
 * articles and the model's decisions are objects; each stored event relates to the ones it
 * involves (its ticket, who caused it, the level it left the ticket at, the decision it records,
 * the articles it cites).
 */
export function ocelDocument(tickets: readonly ExportedTicket[]): OcelLog {
  const objects = new Map<string, OcelObject>();
  const object = (id: string, type: string): OcelObject => {
    let o = objects.get(id);
    if (!o) objects.set(id, (o = { id, type, attributes: [], relationships: [] }));
    return o;
  };
  const events: OcelEvent[] = [];
  const eventTypes = new Set<string>();
  for (const ticket of tickets) {
    const ticketObject = object(`ticket:${ticket.id}`, 'ticket');
    let lastLevel: number | null = null;
    ticket.events.forEach((event, i) => {
      eventTypes.add(event.type);
      const relationships: Relationship[] = [{ objectId: ticketObject.id, qualifier: 'ticket' }];
      const relate = (objectId: string, qualifier: string) =>
        relationships.push({ objectId, qualifier });
      const { actor } = event.metadata;
      if (actor.role === 'agent') relate(object(`agent:${actor.id}`, 'agent').id, 'by');
      if (event.type === 'TicketReceived') {
        const requester = object(
          `requester:${event.data.requester.email.toLowerCase()}`,
          'requester',
        );
        ticketObject.relationships.push({ objectId: requester.id, qualifier: 'requested by' });
        relate(requester.id, 'by');
        const origin = event.metadata.import;
        if (origin) {
          ticketObject.attributes.push({
            name: 'source',
            time: event.timestamp,
            value: `${origin.format} case ${origin.case}`,
          });
        }
      }
      if (event.type === 'TicketClaimed' || event.type === 'TicketAssigned') {
        relate(object(`agent:${event.data.agent}`, 'agent').id, 'assignee');
      }
      const level = ticket.levels[i];
      if (level) {
        relate(object(`level:${level}`, 'level').id, 'at level');
        if (level !== lastLevel)
          ticketObject.attributes.push({ name: 'level', time: event.timestamp, value: level });
        lastLevel = level;
      }
      if (event.type === 'TicketClassified') {
        ticketObject.attributes.push({
          name: 'category',
          time: event.timestamp,
          value: event.data.category,
        });
      }
      if (decisionTypes.has(event.type) && !event.metadata.import) {
        const data = event.data as {
          model?: string;
          confidence?: number;
          latencyMs?: number;
          reason?: string;
        };
        const decision = object(`decision:${event.id}`, 'model_decision');
        decision.attributes.push(
          { name: 'model', time: event.timestamp, value: data.model ?? '' },
          { name: 'outcome', time: event.timestamp, value: data.reason ?? 'ok' },
          ...(data.confidence !== undefined
            ? [{ name: 'confidence', time: event.timestamp, value: data.confidence }]
            : []),
          ...(data.latencyMs !== undefined
            ? [{ name: 'latency_ms', time: event.timestamp, value: data.latencyMs }]
            : []),
        );
        decision.relationships.push({ objectId: ticketObject.id, qualifier: 'about' });
        relate(decision.id, 'decision');
      }
      for (const article of articlesOf(event)) {
        const kb = object(`kb:${article.id}`, 'kb_article');
        if (kb.attributes.length === 0)
          kb.attributes.push({ name: 'title', time: event.timestamp, value: article.title });
        if (!relationships.some((r) => r.objectId === kb.id)) relate(kb.id, article.qualifier);
      }
      events.push({
        id: event.id,
        type: event.type,
        time: event.timestamp,
        attributes: [
          { name: 'version', value: event.version },
          { name: 'role', value: actor.role },
        ],
        relationships,
      });
    });
  }
  return {
    objectTypes,
    eventTypes: [...eventTypes].sort().map((name) => ({
      name,
      attributes: [
        { name: 'version', type: 'integer' },
        { name: 'role', type: 'string' },
      ],
    })),
    objects: [...objects.values()],
    events,
  };
}
