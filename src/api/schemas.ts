import { z } from 'zod';

/** Half of a surrogate pair without its other half. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text a user typed, in any field that is stored: PostgreSQL's text and jsonb refuse NUL, and a lone
 * surrogate is not Unicode (it has no UTF-8 form). Refused here, once, with a 422 that says why.
 */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\u0000') && !loneSurrogate.test(value), {
      message: 'contains a NUL character or a lone surrogate, which cannot be stored',
    });

/**
 * An ISO 8601 timestamp with an offset that PostgreSQL's timestamptz also accepts: zod alone lets
 * through year 0000 and offsets beyond ±15:59, which the database refuses.
 */
export const timestamp = z.iso
  .datetime({ offset: true })
  .refine((value) => !value.startsWith('0000'), { message: 'year 0000 does not exist' })
  .refine((value) => !/[+-](1[6-9]|[2-9]\d):?\d\d$/.test(value), {
    message: 'the offset is beyond ±15:59',
  });

export const createTicketBody = z
  .object({
    subject: text(200).optional(),
    description: text(20_000),
    requester: z.object({ email: z.email().max(254), name: text(200).optional() }).strict(),
  })
  .strict();

export const ticketIdParam = z.object({ id: z.uuid() });

const level = z.coerce.number().int().min(1).max(3);

export const listTicketsQuery = z
  .object({
    status: z
      .string()
      .regex(/^[a-z_]+(,[a-z_]+)*$/)
      .optional(),
    level: level.optional(),
    requester: z.email().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const stateQuery = z
  .object({
    version: z.coerce.number().int().min(1).optional(),
    at: timestamp.optional(),
  })
  .strict()
  .refine((q) => !(q.version && q.at), { message: 'give version or at, not both' });

export const eventsQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    types: z
      .string()
      .regex(/^[A-Za-z]+(,[A-Za-z]+)*$/)
      .optional(),
    /** `cloudevents`: each event as a CloudEvents 1.0 structured event (docs/webhooks.md). */
    format: z.enum(['ticketflow', 'cloudevents']).default('ticketflow'),
  })
  .strict();

/** `Prefer: wait=N` (RFC 7240): seconds the client is willing to wait for the outcome. */
export function parsePreferWait(header: string | undefined, max: number): number | null {
  if (!header) return null;
  const match = /(?:^|[,;\s])wait=(\d+)/i.exec(header);
  if (!match) return null;
  return Math.min(Number(match[1]), max);
}
