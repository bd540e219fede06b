import { z } from 'zod';
import {
  supportLevelSchema,
  ticketEventSchemas,
  ticketEventSchemaVersions,
} from '../../machines/index.ts';
import {
  webhookEventSchemas,
  webhookEventSchemaVersions,
  type WebhookEventType,
} from './webhookEvents.ts';

/**
 * Every event type of the log: a ticket's (defined by the ticket module, machines/events.ts) and
 * a user's (below), each with its current schema version and the zod schema of its data.
 * docs/events.md documents each entry.
 */

/** Roles a person can be granted (`system` is for the product's own processes only). */
export const userRoleSchema = z.enum(['requester', 'agent', 'auditor', 'integrator', 'admin']);
export type UserRole = z.infer<typeof userRoleSchema>;

const identityEventSchemas = {
  // Identities and roles, each user in its own stream `user-<id>` (docs/events.md, "Identities").
  UserCreated: z.object({ userId: z.uuid(), email: z.string(), name: z.string().optional() }),
  RoleGranted: z.object({
    userId: z.uuid(),
    role: userRoleSchema,
    /** Agents: the support levels they serve. */
    levels: z.array(supportLevelSchema).optional(),
    /** Agents: a lead may assign tickets to other agents. */
    lead: z.boolean().optional(),
  }),
  TokenIssued: z.object({
    userId: z.uuid(),
    tokenId: z.uuid(),
    role: userRoleSchema,
    /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    label: z.string().optional(),
  }),
  TokenRevoked: z.object({ userId: z.uuid(), tokenId: z.uuid() }),
  // A person's data keys destroyed (docs/privacy.md), in the stream `privacy-<subjectId>`: who
  // (the metadata's actor), when and why; never what was erased.
  PersonalDataErased: z.object({
    subjectId: z.uuid(),
    basis: z.enum(['data_subject_request', 'retention_policy', 'legal_obligation', 'other']),
    /** How many streams held their data (tickets, their user), for the record. */
    streams: z.number().int().nonnegative(),
  }),
} as const;

export const eventDataSchemas = {
  ...ticketEventSchemas,
  ...identityEventSchemas,
  ...webhookEventSchemas,
} as const;

/** Event types about people, never in a ticket's stream (a user's stream, a privacy stream). */
export const identityEventTypes = [
  'UserCreated',
  'RoleGranted',
  'TokenIssued',
  'TokenRevoked',
  'PersonalDataErased',
] as const;
export type IdentityEventType = (typeof identityEventTypes)[number];

export type EventType = keyof typeof eventDataSchemas;
export const eventTypes = Object.keys(eventDataSchemas) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;
export type TicketEventType = Exclude<EventType, IdentityEventType | WebhookEventType>;
export const isIdentityEventType = (type: string): type is IdentityEventType =>
  (identityEventTypes as readonly string[]).includes(type);

/** The current schema version of each event type; stored with every event. */
export const eventSchemaVersions: Record<EventType, number> = {
  ...ticketEventSchemaVersions,
  UserCreated: 1,
  RoleGranted: 1,
  TokenIssued: 1,
  TokenRevoked: 1,
  ...webhookEventSchemaVersions,
  PersonalDataErased: 1,
};

export const roleSchema = z.enum([
  'system',
  'requester',
  'agent',
  'auditor',
  'integrator',
  'admin',
]);
export type Role = z.infer<typeof roleSchema>;

export const eventMetadataSchema = z.object({
  actor: z.object({ id: z.string(), role: roleSchema }),
  correlationId: z.string(),
  causationId: z.string().optional(),
  requestId: z.string().optional(),
  /**
   * Ticket events: the version of the ticket machine whose rules decided the event
   * (machines/machine.ts, `ticketMachineVersion`). Absent on events written before version 2.
   */
  machineVersion: z.number().int().positive().optional(),
  /**
   * Events imported from a process-mining log (`npm run cli -- import`, docs/import.md): the log's
   * format, the SHA-256 of the source file, the case and the file's line numbers the event stands
   * for. Imported tickets are history: no model, workflow step or SLA clock acts on them.
   */
  import: z
    .object({
      format: z.string(),
      source: z.string().regex(/^[0-9a-f]{64}$/),
      case: z.string(),
      rows: z.array(z.number().int().positive()),
      /** The log's own activity of each of those rows (process-mining variants read them). */
      activities: z.array(z.string()).optional(),
      /** The instant of the last of those rows, when later than the event's own. */
      until: z.iso.datetime().optional(),
    })
    .optional(),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;
