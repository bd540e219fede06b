import { z } from 'zod';
import {
  citationSchema,
  escalationReasonSchema,
  slaClockSchema,
  supportLevelSchema,
  ticketStatuses,
} from '../../machines/index.ts';
import {
  eventDataSchemas,
  eventMetadataSchema,
  eventTypes,
  userRoleSchema,
  type EventType,
} from '../events/index.ts';

/**
 * The bodies the API sends, as zod schemas: the OpenAPI document (src/api/openapi.ts) is generated
 * from them, and the routes type what they send with them (`z.output<...>`). Event data reuses the
 * schemas every event is validated with when it is stored (machines/events.ts, src/events).
 */

/** What a route sends for a schema: routes write `body satisfies Sent<typeof schema>`. */
export type Sent<S extends z.ZodType> = z.output<S>;

/** A timestamp with its offset, as every body sends them. */
export const instant = z.iso.datetime({ offset: true });
const email = z.string();
const status = z.enum(ticketStatuses);

export const problemSchema = z
  .object({
    type: z
      .url()
      .describe(
        'A URI naming the kind of problem: https://ticketflow.dev/problems/<slug of title>',
      ),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().describe('The request path the problem is about'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('Which parts of the request are not valid (422)'),
  })
  // Extension members carry what a client needs to recover (currentVersion, allowed, limit...).
  .catchall(z.unknown())
  .describe('RFC 9457 problem details');

export const ticketViewSchema = z.object({
  suggestion: z
    .object({
      answer: z.string(),
      citations: z.array(citationSchema),
      model: z.string(),
      status: z.enum(['pending', 'sent', 'discarded']),
    })
    .nullable()
    .optional()
    .describe("Agents and auditors only: the model's suggested answer and what became of it"),
  id: z.uuid(),
  status,
  version: z.number().int().min(1),
  subject: z.string().nullable(),
  description: z.string(),
  requester: z.object({
    email,
    name: z.string().optional(),
    verified: z.boolean().describe('Whether the requester filed it with their own token'),
  }),
  level: supportLevelSchema.nullable(),
  category: z.string().nullable(),
  confidence: z.number().min(0).max(1).nullable(),
  classification: z
    .object({
      level: supportLevelSchema,
      category: z.string(),
      confidence: z.number(),
      rationale: z.string(),
      model: z.string(),
      injectionSuspected: z
        .array(z.string())
        .optional()
        .describe('Prompt-injection patterns the screen found (docs/llm.md); empty: none'),
    })
    .nullable(),
  answer: z
    .object({
      text: z.string(),
      citations: z.array(citationSchema),
      by: z.string().optional().describe("The agent, for an agent's answer"),
      model: z.string().optional().describe('The model, for a drafted answer'),
    })
    .nullable(),
  escalation: z
    .object({ level: supportLevelSchema, reason: escalationReasonSchema, detail: z.string() })
    .nullable(),
  assignee: z.string().nullable(),
  firstResponseAt: instant.nullable(),
  resolution: z
    .object({ text: z.string(), by: z.string(), at: instant, reopenUntil: instant })
    .nullable(),
  closed: z.object({ reason: z.string(), at: instant }).nullable(),
  sla: z.object({ warned: z.array(slaClockSchema), breached: z.array(slaClockSchema) }),
  createdAt: instant,
  updatedAt: instant,
});

export const ticketStateSchema = ticketViewSchema.extend({
  replayedFrom: z.object({
    events: z.number().int().min(0),
    lastEventId: z.uuid().nullable(),
  }),
});

export const ticketListSchema = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      status,
      version: z.number().int().min(1),
      level: z.number().int().min(1).max(3).nullable(),
      category: z.string().nullable(),
      confidence: z.number().nullable(),
      subject: z.string().nullable(),
      requester: z.object({ email, verified: z.boolean() }),
      escalationReason: z.string().nullable(),
      createdAt: instant,
      updatedAt: instant,
    }),
  ),
  nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null at the end'),
});

/** A stored event as the API shows it: one schema per type, its data as stored (upcast). */
const storedEventOf = (type: EventType) =>
  z.object({
    id: z.uuid(),
    type: z.literal(type),
    streamId: z.string(),
    version: z.number().int().min(1),
    position: z.number().int().min(1),
    schemaVersion: z.number().int().min(1),
    timestamp: instant,
    data: eventDataSchemas[type],
    metadata: eventMetadataSchema,
  });
const [firstEventType, ...otherEventTypes] = eventTypes.map(storedEventOf);
export const storedEventSchema = z.discriminatedUnion('type', [
  firstEventType!,
  ...otherEventTypes,
]);
export type StoredEventJson = z.output<typeof storedEventSchema>;

export const ticketEventsSchema = z.object({
  ticketId: z.uuid(),
  events: z.array(storedEventSchema),
});

export const eventPageSchema = z.object({
  events: z.array(storedEventSchema),
  lastPosition: z.number().int().min(0).describe('Pass as ?after= to read on'),
});

export const commandResultSchema = z.object({
  ticket: ticketViewSchema,
  event: z.object({
    id: z.uuid(),
    type: z.enum(eventTypes),
    version: z.number().int().min(1),
    timestamp: instant,
    data: z.record(z.string(), z.unknown()),
    metadata: eventMetadataSchema,
  }),
});

export const responseListSchema = z.object({
  ticketId: z.uuid(),
  items: z.array(
    z.object({
      id: z.uuid(),
      kind: z.enum([
        'auto_answer',
        'agent_reply',
        'internal_note',
        'requester_reply',
        'resolution',
      ]),
      body: z.string(),
      citations: z.array(citationSchema),
      author: z.string(),
      createdAt: instant,
    }),
  ),
});

export const queueSchema = z.object({
  level: supportLevelSchema,
  items: z.array(
    z.object({
      id: z.uuid(),
      version: z.number().int().min(1),
      state: status,
      level: supportLevelSchema,
      subject: z.string().nullable(),
      requester: z.object({ email }),
      assignee: z.string().nullable(),
      sla: z.object({
        breached: z.array(slaClockSchema),
        nextDueAt: instant.nullable(),
        nextDueClock: slaClockSchema.nullable(),
      }),
      createdAt: instant,
      updatedAt: instant,
    }),
  ),
});

export const userListSchema = z.object({
  items: z.array(
    z.object({
      id: z.uuid().nullable().describe('Null for a requester known only from their tickets'),
      email,
      name: z.string().nullable(),
      role: z.string(),
      roles: z.array(userRoleSchema),
      levels: z.array(supportLevelSchema),
      lead: z.boolean(),
      firstSeenAt: instant,
    }),
  ),
});

export const userSchema = z.object({
  id: z.uuid(),
  email,
  name: z.string().nullable(),
  roles: z.array(
    z.object({
      role: userRoleSchema,
      levels: z.array(supportLevelSchema).optional(),
      lead: z.boolean().optional(),
    }),
  ),
  version: z.number().int().min(1),
});

export const tokenListSchema = z.object({
  items: z.array(
    z.object({
      id: z.uuid(),
      role: userRoleSchema,
      label: z.string().nullable(),
      revoked: z.boolean(),
    }),
  ),
});

export const issuedTokenSchema = z.object({
  id: z.uuid(),
  role: userRoleSchema,
  userId: z.uuid(),
  token: z.string().describe('The bearer token, shown this once and never again'),
  note: z.string(),
});

export const healthSchema = z.object({ status: z.literal('ok') });
export const readySchema = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.string()),
});

const stateSummary = z.object({
  status,
  level: supportLevelSchema.nullable(),
  assignee: z.string().nullable(),
});

/** `GET /api/tickets/:id/timeline` (src/audit/timeline.ts; docs/audit.md). */
export const timelineSchema = z.object({
  ticketId: z.uuid(),
  version: z.number().int().min(0),
  entries: z.array(
    z.object({
      version: z.number().int().min(1),
      eventId: z.string(),
      type: z.string(),
      at: instant,
      actor: z.object({
        id: z.string(),
        role: z.string(),
        kind: z.enum(['person', 'automation', 'model']),
      }),
      data: z.unknown().describe('The event data as stored'),
      before: stateSummary,
      after: stateSummary,
      changes: z.array(z.object({ path: z.string() }).catchall(z.unknown())),
      anomaly: z.boolean(),
      decision: z
        .object({ step: z.enum(['classification', 'draft']), model: z.string() })
        .catchall(z.unknown())
        .nullable()
        .describe("A model's decision record: model, prompt, input hash, threshold, overrides"),
      erased: z
        .array(
          z.object({
            subjectId: z.uuid(),
            paths: z.array(z.string()),
            erasure: z.object({ at: instant, by: z.string(), basis: z.string() }).nullable(),
          }),
        )
        .optional()
        .describe(
          'Personal fields erased (they read `[erased:<id>]`): whose, who erased them, when',
        ),
    }),
  ),
});

/** `POST /api/privacy/erasures` (docs/privacy.md). */
export const erasureSchema = z.discriminatedUnion('erased', [
  z.object({ erased: z.literal(false) }).describe('Nothing is held about this address'),
  z.object({
    erased: z.literal(true),
    subjectId: z.uuid().describe('The pseudonymous id their data was sealed under'),
    erasedAt: instant,
    streams: z.number().int().min(0),
    tickets: z.number().int().min(0),
  }),
]);

/** `POST /api/privacy/exports`: everything held about a person (docs/privacy.md, "Access"). */
export const personalDataExportSchema = z.object({
  email,
  subjectId: z.uuid().nullable(),
  exportedAt: instant,
  tickets: z.array(z.uuid()),
  events: z
    .array(z.record(z.string(), z.unknown()))
    .describe(
      'Every event of the streams about them, as read (data in place, `erased` where shredded)',
    ),
  mentions: z.array(
    z.object({
      streamId: z.string(),
      version: z.number().int(),
      type: z.string(),
      at: instant,
      fields: z.record(z.string(), z.string()),
    }),
  ),
  readModels: z.record(z.string(), z.array(z.unknown())),
});
