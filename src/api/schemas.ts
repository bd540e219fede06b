import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1).max(max);

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
    at: z.iso.datetime({ offset: true }).optional(),
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
  })
  .strict();

/** `Prefer: wait=N` (RFC 7240): seconds the client is willing to wait for the outcome. */
export function parsePreferWait(header: string | undefined, max: number): number | null {
  if (!header) return null;
  const match = /(?:^|[,;\s])wait=(\d+)/i.exec(header);
  if (!match) return null;
  return Math.min(Number(match[1]), max);
}
